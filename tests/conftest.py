"""Shared fixtures: every backend test runs once per installed backend."""

from __future__ import annotations

import numpy as np
import pytest

import dotkit

BACKENDS = dotkit.available_backends()


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


def pytest_configure(config: pytest.Config) -> None:
    """Tests never reach the network (loopback stays open for Jupyter)."""
    import no_network

    no_network.install()
