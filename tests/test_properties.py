"""Property tests for the algebra of the dot product, on every backend.

Hypothesis draws the shapes and values; example counts are bounded so the
suite stays fast. Values are drawn in [-100, 100] so float32 tolerances hold.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dotkit as dk

BACKENDS = dk.available_backends()
FEW = settings(max_examples=30, deadline=None, derandomize=True)
values = st.floats(-100, 100, allow_nan=False, width=32)


def vectors(n_min: int = 1, n_max: int = 64, count: int = 2):
    """``count`` float32 vectors of one common length."""
    return st.integers(n_min, n_max).flatmap(
        lambda n: st.tuples(*[hnp.arrays(np.float32, n, elements=values) for _ in range(count)])
    )


def close(x, y, scale: float, bk) -> bool:
    """Equality up to rounding, relative to the magnitude of the terms summed."""
    got = dk.to_numpy(x)
    eps = float(np.finfo(got.dtype).eps) if got.dtype.kind == "f" else 0.0
    return abs(float(got) - float(dk.to_numpy(y))) <= eps * (scale + 1.0) * 64


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(vectors(count=3), values, values)
def test_symmetry_and_bilinearity(name, abc, s, t) -> None:
    bk = dk.get_backend(name)
    a, b, c = (x.astype(np.float64) if bk.supports_float64 else x for x in abc)
    ab, ba = dk.dot(a, b, backend=bk), dk.dot(b, a, backend=bk)
    assert float(dk.to_numpy(ab)) == pytest.approx(float(dk.to_numpy(ba)), rel=1e-5, abs=1e-3)
    lhs = dk.dot(s * a + t * b, c, backend=bk)
    rhs = s * float(dk.to_numpy(dk.dot(a, c, backend=bk))) + t * float(dk.to_numpy(dk.dot(b, c, backend=bk)))
    scale = (abs(s) * np.abs(a).max() + abs(t) * np.abs(b).max()) * np.abs(c).sum()
    assert close(lhs, rhs, scale, bk)


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(vectors(count=2))
def test_norm_and_cauchy_schwarz(name, ab) -> None:
    bk = dk.get_backend(name)
    a, b = ab
    n2 = float(dk.to_numpy(dk.norm(a, backend=bk))) ** 2
    assert close(dk.dot(a, a, backend=bk), n2, float(np.sum(a.astype(np.float64) ** 2)), bk)
    lhs = abs(float(dk.to_numpy(dk.dot(a, b, backend=bk))))
    rhs = float(dk.to_numpy(dk.norm(a, backend=bk))) * float(dk.to_numpy(dk.norm(b, backend=bk)))
    assert lhs <= rhs * (1 + 1e-5) + 1e-4


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(vectors(count=2))
def test_cosine_in_range(name, ab) -> None:
    a, b = ab
    if not (np.any(a) and np.any(b)):
        return  # zero vectors are tested separately (NaN with a warning)
    cos = float(dk.to_numpy(dk.cosine_similarity(a, b, backend=name)))
    assert -1.0 <= cos <= 1.0


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3, max_side=8), elements=values),
       st.floats(-1e4, 1e4, width=32))
def test_softmax_sums_to_one_and_is_shift_invariant(name, x, shift) -> None:
    p = dk.to_numpy(dk.softmax(x, backend=name))
    assert np.all(p >= 0) and np.allclose(p.sum(axis=-1), 1.0, atol=1e-5)
    q = dk.to_numpy(dk.softmax(x + np.float32(shift), backend=name))
    np.testing.assert_allclose(p, q, atol=2e-3)  # float32: x + 1e4 keeps ~3 decimals of x


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(st.tuples(st.integers(1, 8), st.integers(1, 8), st.integers(1, 8), st.integers(1, 8)), st.integers(0, 2**31))
def test_matmul_associative(name, dims, seed) -> None:
    m, p, q, r = dims
    rng = np.random.default_rng(seed)
    A, B, C = (rng.standard_normal(s).astype(np.float32) for s in [(m, p), (p, q), (q, r)])
    left = dk.to_numpy(dk.matmul(dk.matmul(A, B, backend=name), C, backend=name))
    right = dk.to_numpy(dk.matmul(A, dk.matmul(B, C, backend=name), backend=name))
    np.testing.assert_allclose(left, right, rtol=1e-4, atol=1e-4)


@pytest.mark.skipif("mlx" not in BACKENDS, reason="MLX not installed")
@FEW
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=16), st.integers(0, 2**31))
def test_numpy_and_mlx_agree(shape, seed) -> None:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape).astype(np.float32)
    for op in (dk.dot, dk.cosine_similarity):
        ref = dk.to_numpy(op(a, b, backend="numpy"))
        got = dk.to_numpy(op(a, b, backend="mlx"))
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)  # float32 on both
    np.testing.assert_allclose(dk.to_numpy(dk.softmax(a, backend="mlx")),
                               dk.to_numpy(dk.softmax(a, backend="numpy")), rtol=1e-5, atol=1e-6)
    m = a.reshape(-1, shape[-1])
    np.testing.assert_allclose(dk.to_numpy(dk.matmul(m, m.T, backend="mlx")),
                               dk.to_numpy(dk.matmul(m, m.T, backend="numpy")), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(
    st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(3, 9), st.integers(3, 9)),
    st.integers(1, 3), st.integers(0, 2), st.integers(1, 2),
    st.floats(-3, 3, allow_nan=False, width=32), st.integers(0, 2**31),
)
def test_conv2d_is_linear_in_input_and_kernel(name, dims, k, padding, stride, s, seed) -> None:
    """conv(s·x1 + x2, w) = s·conv(x1, w) + conv(x2, w), and likewise in w."""
    n, c, o, h, w = dims
    rng = np.random.default_rng(seed)
    x1, x2 = (rng.uniform(-1, 1, (n, c, h, w)).astype(np.float32) for _ in range(2))
    f1, f2 = (rng.uniform(-1, 1, (o, c, k, k)).astype(np.float32) for _ in range(2))

    def conv(x, f):
        return dk.to_numpy(dk.conv2d(x, f, stride=stride, padding=padding, backend=name)).astype(np.float64)

    tol = {"rtol": 1e-4, "atol": 1e-4 * (c * k * k) * (1 + abs(s))}  # float32 sums of c·k² products
    s = np.float32(s)
    np.testing.assert_allclose(conv(s * x1 + x2, f1), s * conv(x1, f1) + conv(x2, f1), **tol)
    np.testing.assert_allclose(conv(x1, s * f1 + f2), s * conv(x1, f1) + conv(x1, f2), **tol)


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(st.integers(1, 6), st.integers(1, 7), st.integers(1, 5), st.integers(0, 2**31), st.booleans())
def test_attention_rows_are_convex_combinations_of_values(name, L, S, d, seed, causal) -> None:
    """Every output row lies in the box spanned by the value rows (weights >= 0, summing to 1)."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((2, L, d)).astype(np.float32) * 3
    k = rng.standard_normal((2, S, d)).astype(np.float32) * 3
    v = rng.standard_normal((2, S, 4)).astype(np.float32)
    for fast in (True, False):
        out = dk.to_numpy(dk.scaled_dot_product_attention(q, k, v, is_causal=causal and L <= S,
                                                          fast=fast, backend=name))
        assert np.all(out <= v.max(axis=1, keepdims=True) + 1e-5)
        assert np.all(out >= v.min(axis=1, keepdims=True) - 1e-5)
        w = dk.to_numpy(dk.nn.attention.attention_weights(q, k, backend=name))
        np.testing.assert_allclose(w.sum(axis=-1), 1.0, atol=1e-5)
        assert w.min() >= 0
