"""Numerical stability beyond tests/test_linalg.py: extreme logits, half precision, long sums.

- softmax / log_softmax / cross-entropy stay finite for logits of ±1e4 in
  float16, float32 and float64 (float64 on backends that have it);
- float16 inputs accumulate in float32 in ``matmul``, ``norm`` and ``dense``
  (``dot`` is covered in test_linalg.py) and come back in float16;
- long sums (10⁶ terms) agree with ``math.fsum`` on every backend, with the
  tolerance each precision allows: float64 1e-12 relative, float32 1e-5
  relative to the sum of the terms' magnitudes (pairwise summation's bound).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import dotkit as dk
from dotkit.models.metrics import rmse
from dotkit.nn import activations as act
from dotkit.nn import layers

FLOATS = [np.float16, np.float32, np.float64]


def _dtypes(backend) -> list:
    return [d for d in FLOATS if d is not np.float64 or backend.supports_float64]


def _arr(backend, values, dtype):
    return backend.asarray(np.asarray(values, dtype=dtype))


def _np(x) -> np.ndarray:
    return np.asarray(dk.to_numpy(x))


# -- extreme logits ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_finite_at_1e4_every_precision(backend, dtype) -> None:
    if dtype not in _dtypes(backend):
        pytest.skip(f"{backend.name} has no float64")
    x = _arr(backend, [[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype)
    p = _np(act.softmax(x))
    assert p.dtype == dtype
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.astype(np.float64), [[1, 0, 0], [1 / 3] * 3, [0.5, 0.5, 0]], atol=1e-3)
    np.testing.assert_allclose(p.astype(np.float64).sum(axis=1), 1.0, atol=1e-3)
    # along the other axis too
    q = _np(act.softmax(x, axis=0)).astype(np.float64)
    assert np.all(np.isfinite(q)) and np.allclose(q.sum(axis=0), 1.0, atol=1e-3)


@pytest.mark.parametrize("dtype", FLOATS)
def test_log_softmax_finite_and_exact_at_1e4(backend, dtype) -> None:
    if dtype not in _dtypes(backend):
        pytest.skip(f"{backend.name} has no float64")
    x = _arr(backend, [1e4, -1e4, 0.0], dtype)
    got = _np(act.log_softmax(x))
    assert got.dtype == dtype
    # log softmax = x - max - log Σ exp(x - max); here Σ = 1 + e^{-1e4} + e^{-2e4} = 1 exactly
    np.testing.assert_array_equal(got.astype(np.float64), [0.0, -2e4, -1e4])


def test_log_softmax_float16_accumulates_in_float32(backend) -> None:
    """2048 equal logits: log softmax is -log 2048 = -7.625; float16 sums of e^0 stall at 2048 anyway,
    so use 4096, where a float16 running sum would stop at 2048 (1 + 2048 rounds to 2048)."""
    x = _arr(backend, np.zeros(4096), np.float16)
    got = _np(act.log_softmax(x)).astype(np.float64)
    np.testing.assert_allclose(got, -math.log(4096), rtol=1e-3)


@pytest.mark.parametrize("dtype", FLOATS)
def test_cross_entropy_finite_at_1e4(backend, dtype) -> None:
    if dtype not in _dtypes(backend):
        pytest.skip(f"{backend.name} has no float64")
    z = _arr(backend, [[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]], dtype)
    loss = float(_np(layers.softmax_cross_entropy(z, [2, 1])))
    assert loss == pytest.approx(1e4, rel=1e-3)  # (2e4 + 0) / 2
    grad = _np(layers.softmax_cross_entropy_grad(z, [2, 1])).astype(np.float64)
    np.testing.assert_allclose(grad, [[0.5, 0, -0.5], [0, 0, 0]], atol=1e-3)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "gelu", "relu"])
def test_activations_finite_at_1e4_in_float16(backend, name) -> None:
    x = _arr(backend, [-1e4, -10.0, 0.0, 10.0, 1e4], np.float16)
    f, df = act.get_activation(name)
    assert np.all(np.isfinite(_np(f(x)).astype(np.float64)))
    assert np.all(np.isfinite(_np(df(x)).astype(np.float64)))


# -- float16 inputs accumulate in float32 -------------------------------------------------------------
def _naive_half_sum(terms: np.ndarray) -> float:
    acc = np.float16(0)
    for t in terms:
        acc = np.float16(acc + t)
    return float(acc)


def test_matmul_float16_accumulates_in_float32(backend) -> None:
    a = np.full((2, 4096), 0.1, dtype=np.float16)
    b = np.full((4096, 3), 0.1, dtype=np.float16)
    exact = 4096 * float(np.float16(0.1)) ** 2
    assert abs(_naive_half_sum(np.full(4096, np.float16(0.1) * np.float16(0.1))) - exact) > 5  # float16 stalls at 32
    got = _np(dk.matmul(backend.asarray(a), backend.asarray(b)))
    assert got.dtype == np.float16 and got.shape == (2, 3)
    np.testing.assert_allclose(got.astype(np.float64), exact, rtol=1e-3)


def test_norm_float16_accumulates_in_float32_without_overflow(backend) -> None:
    x = np.full(4096, 0.1, dtype=np.float16)
    got = _np(dk.norm(backend.asarray(x)))
    assert got.dtype == np.float16
    assert float(got) == pytest.approx(math.sqrt(4096) * float(np.float16(0.1)), rel=1e-3)
    # 3e4² overflows float16 (max 65504): the norm must still come out as 5e4
    big = _np(dk.norm(backend.asarray(np.array([3e4, 4e4], dtype=np.float16))))
    assert float(big) == pytest.approx(5e4, rel=1e-3)


def test_dense_float16_accumulates_in_float32(backend) -> None:
    x = np.full((1, 4096), 0.1, dtype=np.float16)
    W = np.full((2, 4096), 0.1, dtype=np.float16)
    z = _np(layers.dense(backend.asarray(x), backend.asarray(W)))
    assert z.dtype == np.float32  # layers compute half precision in float32 and keep it
    np.testing.assert_allclose(z, 4096 * float(np.float16(0.1)) ** 2, rtol=1e-4)


def test_cosine_float16_stays_in_range(backend) -> None:
    a = np.full(4096, 0.1, dtype=np.float16)
    cos = float(_np(dk.cosine_similarity(backend.asarray(a), backend.asarray(a))).astype(np.float64))
    assert -1.0 <= cos <= 1.0 and cos == pytest.approx(1.0, abs=1e-3)


# -- long vectors against math.fsum -------------------------------------------------------------------
N = 1_000_000


def _tolerance(backend, dtype) -> float:
    return 1e-12 if dtype == np.float64 and backend.supports_float64 else 1e-5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_long_dot_with_cancellation(backend, rng, dtype) -> None:
    """Mixed signs: the error is judged against Σ|aᵢbᵢ|, the scale rounding works on."""
    a = rng.standard_normal(N).astype(dtype)
    b = rng.standard_normal(N).astype(dtype)
    terms = [float(x) * float(y) for x, y in zip(a.tolist(), b.tolist())]
    want, scale = math.fsum(terms), math.fsum(abs(t) for t in terms)
    got = float(_np(dk.dot(backend.asarray(a), backend.asarray(b))))
    assert abs(got - want) / scale < _tolerance(backend, a.dtype if backend.supports_float64 else np.float32)


def test_long_norm_matches_fsum(backend, rng) -> None:
    x = rng.uniform(-1, 1, N).astype(np.float32)
    want = math.sqrt(math.fsum(float(v) ** 2 for v in x.tolist()))
    got = float(_np(dk.norm(backend.asarray(x))))
    assert abs(got - want) / want < 1e-5


def test_long_matmul_inner_dimension_matches_fsum(backend, rng) -> None:
    a = rng.standard_normal((2, N // 4)).astype(np.float32)
    b = rng.standard_normal((N // 4, 1)).astype(np.float32)
    got = _np(dk.matmul(backend.asarray(a), backend.asarray(b)))[:, 0]
    for i in range(2):
        terms = [float(x) * float(y) for x, y in zip(a[i].tolist(), b[:, 0].tolist())]
        scale = math.fsum(abs(t) for t in terms)
        assert abs(float(got[i]) - math.fsum(terms)) / scale < 1e-5


def test_long_softmax_sums_to_one(backend, rng) -> None:
    x = backend.asarray((rng.standard_normal(N) * 20).astype(np.float32))
    p = _np(act.softmax(x))
    assert math.fsum(p.astype(np.float64).tolist()) == pytest.approx(1.0, abs=1e-4)


def test_rmse_of_long_vectors_matches_fsum(backend, rng) -> None:
    t = rng.uniform(1, 5, N).astype(np.float32)
    p = rng.uniform(1, 5, N).astype(np.float32)
    want = math.sqrt(math.fsum((float(x) - float(y)) ** 2 for x, y in zip(t.tolist(), p.tolist())) / N)
    got = rmse(backend.asarray(t), backend.asarray(p))
    assert got == pytest.approx(want, rel=1e-5)


def test_integer_dot_of_long_vectors_is_exact(backend, rng) -> None:
    a = rng.integers(-100, 100, N).astype(np.int32)
    b = rng.integers(-100, 100, N).astype(np.int32)
    want = sum(int(x) * int(y) for x, y in zip(a.tolist(), b.tolist()))
    try:
        got = int(_np(dk.dot(backend.asarray(a), backend.asarray(b))))
    except dk.errors.InputValueError as exc:  # a backend without int64 may refuse, never round
        assert not backend.supports_float64 and "cannot be summed exactly" in str(exc)
        return
    assert got == want


# -- the same dot product, computed sparsely or densely ----------------------------------------------
def test_sparse_value_equals_dense_dot_product(rng) -> None:
    from dotkit.rl.features import TileCoder
    from dotkit.rl.value import linear_value, sparse_value

    coder = TileCoder([0.0, 0.0], [1.0, 1.0], n_tilings=4, tiles=3)
    states = rng.uniform(0, 1, (5, 2))
    active = coder.indices(states)  # (5, 4)
    w = rng.standard_normal(coder.n_features)
    dense = np.asarray(dk.to_numpy(linear_value(w, coder.matrix(states, backend="numpy"))))
    np.testing.assert_allclose(sparse_value(w, active), dense, rtol=1e-12)
    W = rng.standard_normal((3, coder.n_features))  # one row per action: (3, 5) values
    np.testing.assert_allclose(sparse_value(W, active[0]), W @ coder.matrix(states[:1], backend="numpy")[0],
                               rtol=1e-12)


def test_linear_value_object_is_w_dot_phi(backend) -> None:
    from dotkit.rl.features import PolynomialBasis
    from dotkit.rl.value import LinearValue

    v = LinearValue(PolynomialBasis(1), [1.0, 2.0], backend=backend)
    np.testing.assert_allclose(_np(v([0.0, 0.5, 1.0])), [1.0, 2.0, 3.0], rtol=1e-6)
    assert tuple(v.phi([0.0, 1.0]).shape) == (2, 2)
    zero = LinearValue(PolynomialBasis(2), backend=backend)  # w defaults to zeros
    np.testing.assert_array_equal(_np(zero([0.3])), [0.0])


def test_basis_comparison_curve_is_the_value_error(backend) -> None:
    """After one episode with a tiny step the weights are near 0, so √VE ≈ √(Σ μ v²)."""
    from dotkit.rl.experiments import basis_comparison
    from dotkit.rl.prediction import value_error
    from dotkit.rl.random_walk import true_values, visit_distribution

    out = basis_comparison(orders=(1, 2), n_episodes=2, n_runs=2, every=1, backend=backend,
                           show_progress=False)
    assert out["episodes"].tolist() == [1, 2]
    v, mu = true_values(backend="numpy"), visit_distribution()
    start = value_error(np.zeros_like(v), v, mu)
    for key in (("polynomial", 1), ("polynomial", 2), ("fourier", 1), ("fourier", 2)):
        curve = out[key]
        assert curve.shape == (2,) and np.all(np.isfinite(curve))
        assert curve[0] == pytest.approx(start, rel=0.02)


# -- backend primitives the ops rely on ------------------------------------------------------------
def test_scatter_add_sums_repeated_rows(backend) -> None:
    target = backend.asarray(np.zeros((3, 2), dtype=np.float32))
    values = backend.asarray(np.ones((4, 2), dtype=np.float32))
    out = _np(backend.scatter_add(target, backend.asarray(np.array([0, 2, 0, 0])), values))
    np.testing.assert_array_equal(out, [[3, 3], [0, 0], [1, 1]])
    np.testing.assert_array_equal(_np(target), np.zeros((3, 2)))  # the target is not modified


def test_sliding_windows_of_numpy_backend() -> None:
    bk = dk.get_backend("numpy")
    x = np.arange(6.0)
    w = bk.sliding_windows(x, (4, 3), (1, 1))  # every window of 3 consecutive entries
    np.testing.assert_array_equal(w, [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]])
    assert not w.flags.writeable


def test_backend_description_and_erf(backend) -> None:
    assert backend.name in backend.describe() and isinstance(backend.has_gpu, bool)
    assert backend.name in repr(backend) and backend.fast_path("no-such-op") is None
    got = _np(backend.erf(backend.asarray(np.array([0.0, 1.0], dtype=np.float32))))
    np.testing.assert_allclose(got, [0.0, math.erf(1.0)], rtol=1e-6)


# -- properties (hypothesis, bounded) --------------------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

FEW = settings(max_examples=25, deadline=None, derandomize=True)
BACKENDS = dk.available_backends()
_values = st.floats(-100, 100, allow_nan=False, width=32)


def _vec(n_max: int = 32):
    return hnp.arrays(np.float32, st.integers(1, n_max), elements=_values)


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=2, max_side=12), elements=_values))
def test_log_softmax_is_log_of_softmax(name, x) -> None:
    bk = dk.get_backend(name)
    lp = _np(act.log_softmax(bk.asarray(x))).astype(np.float64)
    p = _np(act.softmax(bk.asarray(x))).astype(np.float64)
    assert np.all(lp <= 1e-6)
    np.testing.assert_allclose(np.exp(lp), p, atol=1e-5)
    np.testing.assert_allclose(np.log(np.exp(lp).sum(axis=-1)), 0.0, atol=1e-5)


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(st.lists(st.integers(-(2**31), 2**31 - 1), min_size=1, max_size=40), st.integers(0, 2**32 - 1))
def test_integer_dot_exact_or_refused(name, a, seed) -> None:
    """Any int32 vectors: the dot product equals Python's exact integer sum, or is refused."""
    bk = dk.get_backend(name)
    b = np.random.default_rng(seed).integers(-(2**31), 2**31, len(a)).astype(np.int32)
    a = np.asarray(a, dtype=np.int32)
    want = sum(int(x) * int(y) for x, y in zip(a.tolist(), b.tolist()))
    bound = max(abs(int(a.min())), abs(int(a.max()))) * max(abs(int(b.min())), abs(int(b.max()))) * len(a)
    limit = 2**63 - 1 if bk.supports_float64 else 2**24  # int64, or integers exact in float32
    try:
        got = int(_np(dk.dot(bk.asarray(a), bk.asarray(b))))
    except dk.errors.InputValueError:
        assert bound > limit  # refused only when no exact sum is guaranteed
        return
    assert got == want


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(_vec(), st.floats(-50, 50, allow_nan=False, width=32))
def test_norm_is_absolutely_homogeneous(name, a, s) -> None:
    bk = dk.get_backend(name)
    lhs = float(_np(dk.norm(bk.asarray((np.float32(s) * a).astype(np.float32)))))
    rhs = abs(float(np.float32(s))) * float(_np(dk.norm(bk.asarray(a))))
    assert lhs == pytest.approx(rhs, rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(st.integers(1, 16).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, n, elements=st.floats(-100, 100)),
    hnp.arrays(np.float64, n, elements=st.floats(1, 100)))))
def test_projection_is_idempotent_and_leaves_an_orthogonal_residual(name, ab) -> None:
    bk = dk.get_backend(name)
    a, b = ab  # b has positive entries: never the zero vector
    p = _np(dk.project(a, b, backend=bk)).astype(np.float64)
    pp = _np(dk.project(p, b, backend=bk)).astype(np.float64)
    scale = np.linalg.norm(a) * np.linalg.norm(b) + 1.0
    rtol = 1e-10 if bk.supports_float64 else 1e-4
    np.testing.assert_allclose(pp, p, atol=rtol * (np.linalg.norm(a) + 1))
    assert abs(float(np.dot(a - p, b))) <= rtol * scale * 10


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(st.integers(1, 6), st.integers(2, 5), st.integers(0, 2**32 - 1))
def test_cross_entropy_gradient_rows_sum_to_zero(name, n, k, seed) -> None:
    """softmax − onehot: each row's probabilities sum to 1, minus the one hit."""
    bk = dk.get_backend(name)
    rng = np.random.default_rng(seed)
    z = bk.asarray(rng.standard_normal((n, k)) * 10, dtype=bk.float32)
    y = rng.integers(0, k, n)
    g = _np(layers.softmax_cross_entropy_grad(z, y)).astype(np.float64)
    np.testing.assert_allclose(g.sum(axis=1), 0.0, atol=1e-6)
    assert np.all(g[np.arange(n), y] <= 0) and np.all(np.delete(g.ravel(), np.arange(n) * k + y) >= 0)


@pytest.mark.parametrize("name", BACKENDS)
@FEW
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_dense_backward_is_linear_in_delta(name, n, d_in, d_out, seed) -> None:
    bk = dk.get_backend(name)
    rng = np.random.default_rng(seed)
    x, W = rng.standard_normal((n, d_in)), rng.standard_normal((d_out, d_in))
    d1, d2 = rng.standard_normal((n, d_out)), rng.standard_normal((n, d_out))
    g1 = layers.dense_backward(d1, x, W, backend=bk)
    g2 = layers.dense_backward(d2, x, W, backend=bk)
    g = layers.dense_backward(2.0 * d1 - d2, x, W, backend=bk)
    tol = 1e-10 if bk.supports_float64 else 1e-4
    for part in ("dx", "dW", "db"):
        want = 2.0 * _np(getattr(g1, part)) - _np(getattr(g2, part))
        np.testing.assert_allclose(_np(getattr(g, part)), want, atol=tol * 10)


# -- non-finite inputs: the limit where one exists, NaN only where the answer is undefined -------------
INF = float("inf")
NON_FINITE = [
    ("softmax-inf", lambda bk: dk.softmax([INF, 1.0], backend=bk), [1.0, 0.0]),
    ("softmax-two-inf", lambda bk: dk.softmax([[INF, INF, 0.0], [1.0, 1.0, 1.0]], backend=bk),
     [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]]),
    ("log_softmax-inf", lambda bk: act.log_softmax([INF, 1.0], backend=bk), [0.0, -INF]),
    ("gelu-inf", lambda bk: act.gelu([-INF, INF, 0.0], backend=bk), [0.0, INF, 0.0]),
    ("gelu_grad-inf", lambda bk: act.gelu_grad([-INF, INF], backend=bk), [0.0, 1.0]),
    ("cosine-inf", lambda bk: dk.cosine_similarity([INF, 1.0], [1.0, 0.0], backend=bk), 1.0),
    ("cosine-neg-inf", lambda bk: dk.cosine_similarity([-INF, 1.0], [1.0, 1.0], backend=bk), -math.sqrt(0.5)),
    ("cosine-huge", lambda bk: dk.cosine_similarity([3e38, 3e38], [3e38, 0.0], backend=bk), math.sqrt(0.5)),
    ("project-inf", lambda bk: dk.project([1.0, 1.0], [INF, 0.0], backend=bk), [1.0, 0.0]),
    ("norm-inf", lambda bk: dk.norm([INF, 1.0], backend=bk), INF),
    ("cosine-float16", lambda bk: dk.cosine_similarity(np.full(4096, 8, np.float16), np.full(4096, 8, np.float16),
                                                       backend=bk), 1.0),
    ("softmax-nan", lambda bk: dk.softmax([float("nan"), 1.0], backend=bk), [float("nan")] * 2),
]


@pytest.mark.parametrize(("fn", "want"), [pytest.param(f, w, id=i) for i, f, w in NON_FINITE])
def test_non_finite_inputs_give_the_limit(backend, fn, want) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no "invalid value" on the way
        got = _np(fn(backend)).astype(float)
    np.testing.assert_allclose(got, np.asarray(want, dtype=float), rtol=1e-3, atol=1e-6)


def test_cross_entropy_of_an_infinite_logit(backend) -> None:
    right = _np(layers.softmax_cross_entropy([[INF, 0.0]], [0], backend=backend))
    wrong = _np(layers.softmax_cross_entropy([[INF, 0.0]], [1], backend=backend))
    grad = _np(layers.softmax_cross_entropy_grad([[INF, 0.0]], [0], backend=backend))
    assert float(right) == 0.0 and float(wrong) == INF
    np.testing.assert_allclose(grad, [[0.0, 0.0]])
