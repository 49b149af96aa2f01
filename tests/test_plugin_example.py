"""The example plugin in examples/dotkit-backend-example installs and passes the core tests.

The package is installed with pip (offline, without dependencies) into a
folder of its own, which a subprocess puts on its path: exactly how an
installed plugin is found, through its ``dotkit.backends`` entry point. The
backend-parametrized modules of the core suite (``CORE``: ops, properties,
numerics, validation, layers, conv2d, attention, the MLP) then run against it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "dotkit-backend-example"
NAME = "numpy-f32"


def _can_build_wheels() -> bool:
    """setuptools >= 70.1 builds wheels on its own; older ones need the ``wheel`` package."""
    try:
        from setuptools.command import bdist_wheel  # noqa: F401
    except ImportError:
        try:
            import wheel  # noqa: F401
        except ImportError:
            return False
    return True


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment variables under which the example plugin is installed."""
    assert _can_build_wheels(), (
        "setuptools in this environment cannot build a wheel offline; `make venv` installs "
        "the test extra, which pins setuptools>=70.1"
    )
    tmp = tmp_path_factory.mktemp("plugin")
    source, site = tmp / "src", tmp / "site"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--quiet",
        "--target",
        str(site),
        str(source),
    ]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    env.pop("DOTKIT_BACKEND", None)
    return env


def _python(code: str, env: dict[str, str], **extra: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        env=env | extra,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def test_plugin_is_discovered_through_its_entry_point(plugin_env: dict[str, str]) -> None:
    code = (
        "import dotkit, numpy as np;"
        "print(dotkit.available_backends());"
        "bk = dotkit.get_backend();"
        "x = dotkit.dot([1.0, 2.0], [3.0, 4.0]);"
        "print(bk.name, x.dtype, float(x));"
        "print(dotkit.backends.backend_of(np.ones(2)))"
    )
    lines = _python(code, plugin_env, DOTKIT_BACKEND=NAME).splitlines()
    assert NAME in lines[0] and "numpy" in lines[0]
    assert lines[1] == f"{NAME} float32 11.0"  # selected by DOTKIT_BACKEND, float32 as promised
    assert lines[2] == "numpy"  # plain NumPy arrays still belong to the built-in backend


def test_plugin_is_absent_without_the_install() -> None:
    import dotkit

    assert NAME not in dotkit.available_backends()


#: The core suite's backend-parametrized modules: every op, its properties, its numerics,
#: its validation, and the chapters' layers and models.
CORE = [
    "tests/test_linalg.py",
    "tests/test_properties.py",
    "tests/test_numerics.py",
    "tests/test_validation.py",
    "tests/test_nn_layers.py",
    "tests/test_conv.py",
    "tests/test_attention.py",
    "tests/test_mlp.py",
]


def test_core_tests_pass_on_the_plugin(plugin_env: dict[str, str]) -> None:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        *CORE,
        "-k",
        NAME,
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    done = subprocess.run(
        cmd, check=False, capture_output=True, text=True, env=plugin_env, cwd=ROOT, timeout=300
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    passed = re.search(r"(\d+) passed", out)
    assert passed and int(passed.group(1)) >= 150, out  # every backend-parametrized test ran (186)
    assert not re.search(r"\d+ (failed|errors?)\b", out), out


def test_a_plugin_installed_into_a_running_session_appears_after_refresh(
    plugin_env: dict[str, str],
) -> None:
    """What the backends appendix does in its kernel: install, put on sys.path, refresh."""
    site = plugin_env["PYTHONPATH"].split(os.pathsep)[0]
    code = (
        "import sys, dotkit;"
        "before = dotkit.available_backends();"
        f"sys.path.insert(0, {site!r});"
        "cached = dotkit.available_backends();"
        "after = dotkit.backends.refresh_backends();"
        "print(before == cached, before, after);"
        "print(dotkit.dot([1.0, 2.0], [3.0, 4.0], backend='numpy-f32').dtype)"
    )
    env = {k: v for k, v in plugin_env.items() if k != "PYTHONPATH"}
    lines = _python(code, env).splitlines()
    assert lines[0].startswith("True") and NAME not in lines[0].split("]")[0]
    assert NAME in lines[0].split("]")[1]
    assert lines[1] == "float32"
