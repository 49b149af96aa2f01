"""Activations, dense layers, initialisers and softmax cross-entropy on every backend.

Oracles: NumPy float64 and SciPy for values, central finite differences
(float64, NumPy) for the backward formulas, and ``mlx.core.grad`` on MLX.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import tol
from hypothesis import given, settings
from hypothesis import strategies as st

import dotkit as dk
from dotkit.errors import DtypeError, InputValueError, ShapeError
from dotkit.nn import activations as A
from dotkit.nn.layers import (
    dense,
    dense_backward,
    dense_grads,
    he_normal,
    he_uniform,
    init_std,
    init_weights,
    softmax_cross_entropy,
    softmax_cross_entropy_grad,
    xavier_normal,
    xavier_uniform,
)


def np_of(x):
    return np.asarray(dk.to_numpy(x), dtype=np.float64)


def rel_error(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def central_diff(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """∂f/∂x of a scalar function, by central differences, entry by entry."""
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = f(x)
        x[idx] = old - eps
        down = f(x)
        x[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


# -- activations -----------------------------------------------------------------------------------
XS = np.array([-30.0, -3.0, -1.0, -0.1, 0.0, 0.2, 1.0, 2.5, 30.0])
ORACLES = {
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "tanh": np.tanh,
    "gelu": lambda x: np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in np.ravel(x)]),
}


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_activation_values(backend, name) -> None:
    f, _ = A.get_activation(name)
    got = np_of(f(dk.asarray(XS, backend=backend)))
    np.testing.assert_allclose(got, ORACLES[name](XS), **tol(backend))


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_activation_derivative_matches_finite_differences(name) -> None:
    _, df = A.get_activation(name)
    x = XS[np.abs(XS) > 0.05]  # away from ReLU's kink
    eps = 1e-6
    numeric = (ORACLES[name](x + eps) - ORACLES[name](x - eps)) / (2 * eps)
    np.testing.assert_allclose(np_of(df(x, backend="numpy")), numeric, rtol=1e-6, atol=1e-9)


def test_sigmoid_is_stable_for_huge_inputs(backend) -> None:
    x = dk.asarray([-1e4, -800.0, 800.0, 1e4], backend=backend)
    with np.errstate(over="raise"):
        got = np_of(dk.sigmoid(x))
    np.testing.assert_array_equal(got, [0.0, 0.0, 1.0, 1.0])


def test_top_level_names_are_the_activations() -> None:
    assert dk.relu is A.relu and dk.gelu is A.gelu and dk.sigmoid is A.sigmoid and dk.tanh is A.tanh


def test_unknown_activation_lists_the_choices() -> None:
    with pytest.raises(InputValueError, match="relu"):
        A.get_activation("swishy")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=1, max_size=20))
def test_activation_properties(values) -> None:
    x = np.array(values)
    s = np_of(dk.sigmoid(x, backend="numpy"))
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s + np_of(dk.sigmoid(-x, backend="numpy")), 1.0, atol=1e-12)
    g = np_of(dk.gelu(x, backend="numpy"))
    np.testing.assert_allclose(g - np_of(dk.gelu(-x, backend="numpy")), x, atol=1e-9)  # x Φ(x) - (-x) Φ(-x) = x


# -- dense layer -------------------------------------------------------------------------------------
def test_dense_matches_numpy(backend, rng) -> None:
    x, W, b = rng.normal(size=(5, 4)), rng.normal(size=(3, 4)), rng.normal(size=3)
    got = dense(dk.asarray(x, backend=backend), dk.asarray(W, backend=backend), dk.asarray(b, backend=backend))
    np.testing.assert_allclose(np_of(got), x @ W.T + b, rtol=2e-5, atol=2e-5)


def test_seed_002_two_by_two(backend) -> None:
    # seed 002: [[1, 2], [3, 4]] times [[5, 6], [7, 8]]; with W = Bᵀ, x Wᵀ = A B
    A_ = [[1.0, 2.0], [3.0, 4.0]]
    W = [[5.0, 7.0], [6.0, 8.0]]
    np.testing.assert_array_equal(np_of(dense(A_, W, backend=backend)), [[19.0, 22.0], [43.0, 50.0]])


def test_dense_backward_matches_finite_differences(rng) -> None:
    x, W, b = rng.normal(size=(6, 4)), rng.normal(size=(3, 4)), rng.normal(size=3)
    R = rng.normal(size=(6, 3))  # L = Σ R ⊙ tanh(z): a scalar whose ∂L/∂z is R ⊙ tanh'(z)

    def loss(x_, W_, b_):
        return float(np.sum(R * np.tanh(x_ @ W_.T + b_)))

    delta = R * (1 - np.tanh(x @ W.T + b) ** 2)
    g = dense_backward(delta, x, W, backend="numpy")
    assert rel_error(g.dW, central_diff(lambda W_: loss(x, W_, b), W.copy())) < 1e-4
    assert rel_error(g.dx, central_diff(lambda x_: loss(x_, W, b), x.copy())) < 1e-4
    assert rel_error(g.db, central_diff(lambda b_: loss(x, W, b_), b.copy())) < 1e-4


def test_dense_backward_agrees_across_backends(backend, rng) -> None:
    x, W, d = rng.normal(size=(6, 4)), rng.normal(size=(3, 4)), rng.normal(size=(6, 3))
    got = dense_backward(*(dk.asarray(a, backend=backend) for a in (d, x, W)))
    for mine, want in zip(got, (d @ W, d.T @ x, d.sum(axis=0))):
        np.testing.assert_allclose(np_of(mine), want, rtol=1e-5, atol=1e-5)


def test_dense_backward_equals_mlx_grad(rng) -> None:
    mx = pytest.importorskip("mlx.core")
    x, W, b, R = (mx.array(rng.normal(size=s).astype(np.float32)) for s in ((6, 4), (3, 4), (3,), (6, 3)))

    def loss(x_, W_, b_):
        return mx.sum(R * mx.tanh(x_ @ W_.T + b_))

    ref_x, ref_W, ref_b = mx.grad(loss, argnums=(0, 1, 2))(x, W, b)
    delta = R * (1 - mx.tanh(x @ W.T + b) ** 2)
    g = dense_backward(delta, x, W)
    for mine, ref in ((g.dx, ref_x), (g.dW, ref_W), (g.db, ref_b)):
        np.testing.assert_allclose(np.array(mine), np.array(ref), rtol=1e-5, atol=1e-5)


def test_dense_errors_name_the_shapes() -> None:
    with pytest.raises(ShapeError, match=r"x has 3 features but W expects 4.*x.shape=\(2, 3\)"):
        dense(np.ones((2, 3)), np.ones((5, 4)))
    with pytest.raises(ShapeError, match="one entry per output"):
        dense(np.ones((2, 4)), np.ones((5, 4)), np.ones(4))
    with pytest.raises(ShapeError, match="2 dimension"):
        dense(np.ones(4), np.ones((5, 4)))
    with pytest.raises(ShapeError, match=r"delta must be \(n, d_out\) = \(2, 5\)"):
        dense_backward(np.ones((2, 4)), np.ones((2, 4)), np.ones((5, 4)))
    with pytest.raises(DtypeError):
        dense([["a", "b"]], np.ones((1, 2)))


# -- initialisers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn,want",
    [(xavier_normal, math.sqrt(2 / 500)), (xavier_uniform, math.sqrt(2 / 500)),
     (he_normal, math.sqrt(2 / 300)), (he_uniform, math.sqrt(2 / 300))],
)
def test_initialisers_have_the_promised_spread(backend, fn, want) -> None:
    W = np_of(fn(300, 200, seed=3, backend=backend))
    assert W.shape == (200, 300)
    assert abs(W.mean()) < 0.05 * want
    assert abs(W.std() / want - 1) < 0.02
    if "uniform" in fn.__name__:
        assert np.abs(W).max() <= math.sqrt(3) * want + 1e-6


def test_initialisers_are_seeded_and_agree_across_backends(backend) -> None:
    a = np_of(init_weights(8, 5, "he", seed=7, backend=backend))
    b = np_of(init_weights(8, 5, "he", seed=7, backend="numpy"))
    np.testing.assert_allclose(a, b, rtol=1e-6)
    assert not np.allclose(a, np_of(init_weights(8, 5, "he", seed=8, backend=backend)))
    assert np_of(init_weights(3, 2, 0.01, seed=0, backend=backend)).std() < 0.05


def test_init_std_and_errors() -> None:
    assert init_std("lecun", 100, 7) == pytest.approx(0.1)
    assert init_std("kaiming", 8, 1) == pytest.approx(0.5)
    with pytest.raises(InputValueError, match="unknown scheme"):
        init_weights(3, 2, "zeros")
    with pytest.raises(InputValueError, match="fan_in"):
        init_weights(0, 2, "he")
    with pytest.raises(InputValueError, match="distribution"):
        init_weights(3, 2, "he", distribution="laplace")
    with pytest.raises(InputValueError, match="standard deviation"):
        init_weights(3, 2, -1.0)


def test_variance_of_a_dot_product_is_n_var_w_var_x() -> None:
    rng = np.random.default_rng(5)
    n, trials = 256, 20000
    w = rng.normal(0, 0.1, size=(trials, n))
    x = rng.normal(0, 2.0, size=(trials, n))
    measured = np_of(dk.dot(w, x, backend="numpy")).var()
    assert measured == pytest.approx(n * 0.01 * 4.0, rel=0.05)


# -- softmax cross-entropy ---------------------------------------------------------------------------
def test_cross_entropy_matches_numpy(backend, rng) -> None:
    Z, y = 4 * rng.normal(size=(7, 5)), rng.integers(0, 5, size=7)
    p = np.exp(Z - Z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    want = -np.mean(np.log(p[np.arange(7), y]))
    got = float(np_of(softmax_cross_entropy(dk.asarray(Z, backend=backend), y)))
    assert got == pytest.approx(want, rel=1e-5)
    grad = np_of(softmax_cross_entropy_grad(dk.asarray(Z, backend=backend), y))
    np.testing.assert_allclose(grad, (p - np.eye(5)[y]) / 7, rtol=1e-5, atol=1e-6)


def test_cross_entropy_gradient_matches_finite_differences(rng) -> None:
    Z, y = rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])
    numeric = central_diff(lambda z: float(softmax_cross_entropy(z, y, backend="numpy")), Z.copy())
    assert rel_error(np_of(softmax_cross_entropy_grad(Z, y, backend="numpy")), numeric) < 1e-6


def test_cross_entropy_is_stable_for_huge_logits(backend) -> None:
    Z = dk.asarray([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]], backend=backend)
    loss = float(np_of(softmax_cross_entropy(Z, [0, 0])))
    assert math.isfinite(loss) and loss == pytest.approx(1e4 / 2, rel=1e-5)
    assert np.all(np.isfinite(np_of(softmax_cross_entropy_grad(Z, [0, 0]))))


def test_cross_entropy_label_errors() -> None:
    Z = np.zeros((3, 4))
    with pytest.raises(InputValueError, match=r"\[0, 4\).*max=4"):
        softmax_cross_entropy(Z, [0, 1, 4])
    with pytest.raises(InputValueError, match="min=-1"):
        softmax_cross_entropy(Z, [0, -1, 2])
    with pytest.raises(DtypeError, match="non-integer"):
        softmax_cross_entropy(Z, [0.5, 1.0, 2.0])
    with pytest.raises(ShapeError, match="3 samples but y has 2"):
        softmax_cross_entropy(Z, [0, 1])
    assert float(softmax_cross_entropy(Z, [0.0, 1.0, 3.0])) == pytest.approx(math.log(4))


def test_dense_grads_can_skip_the_input_gradient(rng) -> None:
    x, W, d = rng.normal(size=(6, 4)), rng.normal(size=(3, 4)), rng.normal(size=(6, 3))
    full = dense_grads(np, d, x, W)
    lean = dense_grads(np, d, x, W, need_dx=False)
    assert lean.dx is None
    np.testing.assert_allclose(full.dx, d @ W)
    np.testing.assert_array_equal(lean.dW, full.dW)
    np.testing.assert_array_equal(lean.db, full.db)


# -- layer norm -----------------------------------------------------------------------------------
def test_layer_norm_matches_scipy_standardisation(backend, rng) -> None:
    """Each vector to mean 0 and variance 1 (SciPy's zscore, ddof=0), then γ and β feature by feature."""
    from scipy.stats import zscore

    from dotkit.nn import layer_norm

    x, g, b = rng.standard_normal((3, 4, 16)) * 5 + 2, rng.random(16) + 0.5, rng.standard_normal(16)
    xb = dk.asarray(x, backend=backend)
    got = dk.to_numpy(layer_norm(xb, g, b, eps=1e-12, backend=backend))
    np.testing.assert_allclose(got, zscore(x, axis=-1) * g + b, **tol(backend))
    np.testing.assert_array_equal(dk.to_numpy(xb), x.astype(dk.to_numpy(xb).dtype))  # the input is untouched
    plain = dk.to_numpy(layer_norm(xb, np.ones(16), np.zeros(16), backend=backend))  # γ = 1, β = 0
    np.testing.assert_allclose(plain.mean(-1), 0.0, atol=1e-5)
    np.testing.assert_allclose(plain.std(-1), 1.0, atol=1e-3)  # eps = 1e-5 against a variance of about 25


def test_layer_norm_errors_name_the_argument() -> None:
    from dotkit.nn import layer_norm

    with pytest.raises(ShapeError, match=r"layer_norm: gamma must hold one number per feature.*\(3,\)"):
        layer_norm(np.ones((2, 3)), np.ones(4), np.zeros(3))
    with pytest.raises(InputValueError, match=r"layer_norm: eps must be finite and > 0.*eps=0"):
        layer_norm(np.ones((2, 3)), np.ones(3), np.zeros(3), eps=0)
    with pytest.raises(DtypeError, match="layer_norm: x must be real"):
        layer_norm(np.ones((2, 3)) * 1j, np.ones(3), np.zeros(3))
    half = layer_norm(np.array([[1.0, 2.0, 6.0]], np.float16), np.ones(3, np.float16), np.zeros(3, np.float16))
    assert half.dtype == np.float16
