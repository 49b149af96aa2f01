"""Every fast path a backend declares agrees with dotkit's own kernel for the same op."""

from __future__ import annotations

import numpy as np
import pytest

import dotkit
from dotkit.backends.base import FAST_PATH_OPS, Backend
from dotkit.testing.cases import fast_path_cases


def _declared() -> list[tuple[str, str]]:
    found = []
    for name in dotkit.available_backends():
        cls = dotkit.backends._registry()[name]
        found += [(name, op) for op in sorted(cls.fast_paths)]
    return found


@pytest.mark.parametrize(("name", "op"), _declared() or [pytest.param("numpy", "-", marks=pytest.mark.skip(
    reason="no installed backend declares a fast path"))])
def test_declared_fast_path_agrees_with_its_kernel(name: str, op: str) -> None:
    bk = dotkit.get_backend(name)
    assert op in FAST_PATH_OPS, f"{name} declares a fast path for {op!r}, which is not a public op name"
    fn = bk.fast_path(op)
    assert callable(fn), f"{name}'s fast path for {op!r} did not resolve"
    for label, args, kernel in fast_path_cases(bk, op):
        got, want = bk.to_numpy(fn(*args)), bk.to_numpy(kernel())
        assert got.shape == want.shape, f"{name} {op} {label}"
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5, err_msg=f"{name} {op} {label}")


def _double(x, w, b, stride, padding):  # a stand-in fast path, importable by name
    return 2 * x


class _Declaring(type(dotkit.get_backend("numpy"))):
    name = "numpy-declaring"
    fast_paths = {
        "matmul": "numpy:matmul",
        "conv2d": _double,
        "scaled_dot_product_attention": "dotkit.no_such_module:attention",
    }


def test_fast_paths_resolve_lazily_once_and_a_broken_one_warns() -> None:
    bk = _Declaring()
    assert bk._fast_paths == {}  # nothing imported before first use
    assert bk.fast_path("matmul") is np.matmul
    assert bk.fast_path("matmul") is bk._fast_paths["matmul"]  # cached
    assert bk.fast_path("conv2d") is _double  # a callable is used as it is
    with pytest.warns(RuntimeWarning, match="fast path for 'scaled_dot_product_attention'.*kernel is used"):
        assert bk.fast_path("scaled_dot_product_attention") is None
    assert bk.fast_path("scaled_dot_product_attention") is None  # warned once, then quiet
    assert bk.fast_path("dot") is None  # undeclared: the kernel


def test_declarations_are_per_class() -> None:
    assert Backend.fast_paths == {}
    assert "conv2d" not in dotkit.get_backend("numpy")._broken_fast_paths
