"""Every docstring example in dotkit runs, and prints what it says, on NumPy.

One test per module. The examples see the module's own names plus ``dotkit`` and ``dk``
(``import dotkit as dk``) and ``np``, the two names the house style lets an
example use without importing them. A module whose optional library is not
installed (MLX, Gymnasium, ipywidgets) is skipped, naming the library.
"""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil

import numpy as np
import pytest

import dotkit as dk

# dotkit.testing holds the conformance suite a backend author runs with pytest:
# its modules are tests, not examples.
_SKIP_PACKAGES = ("dotkit.testing",)


def _modules() -> list[str]:
    names = ["dotkit"]
    for info in pkgutil.walk_packages(dk.__path__, prefix="dotkit."):
        if not info.name.startswith(_SKIP_PACKAGES) and info.name != "dotkit.__main__":
            names.append(info.name)
    return sorted(names)


MODULES = _modules()


def _examples(name: str) -> list[doctest.DocTest]:
    try:
        module = importlib.import_module(name)
    except ImportError as err:  # an optional library this module needs
        pytest.skip(f"{name} needs {err.name or err}")
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = finder.find(module, name, extraglobs={"dk": dk, "dotkit": dk, "np": np})
    return [t for t in tests if t.examples and (t.filename or "").endswith(".py")]


def test_the_examples_are_found() -> None:
    assert "dotkit.rl.experiments" in MODULES and "dotkit.linalg" in MODULES
    assert not any(m.startswith("dotkit.testing") for m in MODULES)
    assert sum(len(t.examples) for t in _examples("dotkit.linalg")) >= 5


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOTKIT_BACKEND", "numpy")  # the printed results are NumPy's
    monkeypatch.setenv("DOTKIT_PROGRESS", "0")
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tried = 0
    for test in _examples(name):
        result = runner.run(test, out=report.write)
        tried += result.attempted
    if tried == 0:
        pytest.skip(f"{name} has no docstring examples")
    assert runner.failures == 0, report.getvalue()[-6000:]
