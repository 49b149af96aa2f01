"""Shared fixtures: every backend test runs once per installed backend."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dotkit

BACKENDS = dotkit.available_backends()
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> dotkit.backends.Backend:
    """Each installed backend in turn (NumPy, MLX, plugins)."""
    return dotkit.get_backend(request.param)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def tol(bk: dotkit.backends.Backend) -> dict[str, float]:
    """Tolerances for comparing a backend's float result with a float64 oracle."""
    if bk.supports_float64:
        return {"rtol": 1e-10, "atol": 1e-12}
    return {"rtol": 2e-5, "atol": 2e-5}


@pytest.fixture(scope="session")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static book built once per run (``book/build.py``): its HTML folder."""
    pytest.importorskip("jupyter_book", reason="Jupyter Book is not installed (pip install -e '.[book]')")
    out = tmp_path_factory.mktemp("book")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "book" / "build.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return out / "html"


def pytest_configure(config: pytest.Config) -> None:
    """Tests never reach the network (loopback stays open for Jupyter)."""
    import no_network

    no_network.install()
