"""ruff is clean on the package, the tests, the scripts and the chapters' code cells."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff() -> str:
    here = Path(sys.executable).parent / "ruff"
    found = str(here) if here.exists() else shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    return found


def test_ruff_is_clean():
    proc = subprocess.run(
        [_ruff(), "check", "--output-format", "concise", "--no-cache", str(ROOT)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_ruff_checks_the_chapters():
    """The configuration includes the notebooks, so a chapter's code cells are linted too."""
    proc = subprocess.run(
        [_ruff(), "check", "--show-files", str(ROOT)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    listed = proc.stdout
    for nb in sorted((ROOT / "chapters").glob("*.ipynb")):
        assert nb.name in listed, f"ruff does not check {nb.name}"
