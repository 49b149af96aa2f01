"""The pytest plugin of dotkit's conformance suite: ``--dotkit-backend`` and the ``dotkit_backend`` fixture.

Installed with dotkit and registered under pytest's ``pytest11`` entry point, so
a backend author runs, without a source checkout::

    pytest --pyargs dotkit.testing --dotkit-backend torch

The option may be given several times; without it the suite runs on NumPy.
Besides every registered backend name it takes ``array-api-strict`` (the
test-only backend over the standard's strict namespace) or a
``"module:Class"`` spec of a backend that is not installed as a package.

This module lives outside the ``dotkit`` package and imports dotkit only when a
test asks for a backend: pytest loads plugins before coverage starts, and an
import here would hide dotkit's module-level lines from a coverage run.
"""

from __future__ import annotations

from typing import Any

import pytest

#: Backends the suite knows by name without an entry point.
TEST_ONLY = {"array-api-strict": "dotkit.testing.strict:ArrayApiStrictBackend"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dotkit", "dotkit backend conformance")
    group.addoption(
        "--dotkit-backend",
        action="append",
        default=[],
        metavar="NAME",
        help="run dotkit's conformance suite (pytest --pyargs dotkit.testing) on this backend: a registered "
        "name, 'array-api-strict', or 'module:Class'; repeat for several (default: numpy)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "dotkit_op(name): the dotkit op a conformance test checks")


def load_backend(name: str) -> Any:
    """The backend for ``name``, registering a test-only or ``module:Class`` backend first."""
    import importlib

    import dotkit

    spec = TEST_ONLY.get(name, name)
    if ":" in spec:
        module, _, attr = spec.partition(":")
        cls = getattr(importlib.import_module(module), attr)
        dotkit.backends.register_backend(cls)
        name = cls.name
    return dotkit.get_backend(name)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "dotkit_backend" in metafunc.fixturenames:
        names = metafunc.config.getoption("dotkit_backend") or ["numpy"]
        metafunc.parametrize("dotkit_backend", names, indirect=True, scope="session")


@pytest.fixture(scope="session")
def dotkit_backend(request: pytest.FixtureRequest) -> Any:
    """The backend under test (one per ``--dotkit-backend``)."""
    return load_backend(request.param)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A backend's declared gaps (``conformance_xfail``: op -> reason) run as xfails: reported, never hidden.

    They still run, so a gap that has been closed shows up as XPASS.
    """
    for item in items:
        marker = item.get_closest_marker("dotkit_op")
        params = getattr(getattr(item, "callspec", None), "params", {})
        if marker is None or "dotkit_backend" not in params:
            continue
        gaps = getattr(load_backend(params["dotkit_backend"]), "conformance_xfail", {})
        if marker.args[0] in gaps:
            item.add_marker(pytest.mark.xfail(reason=gaps[marker.args[0]]))
