"""The conv backward pass, max pooling and the tiny CNN: finite differences and reference values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate

import dotkit as dk
from dotkit.errors import InputValueError, ShapeError
from dotkit.models import CNN, MLP
from dotkit.models.mlp import relative_error
from dotkit.nn.conv import conv2d_backward, max_pool2d, pool_grad


def _numeric(f, a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + eps
        up = f()
        a[idx] = old - eps
        grad[idx] = (up - f()) / (2 * eps)
        a[idx] = old
    return grad


@pytest.mark.parametrize("stride, padding, size", [(1, 0, 6), (1, 1, 6), (2, 1, 7), (2, 0, 8), (3, 2, 7), (1, 3, 5)])
def test_conv2d_backward_matches_finite_differences(stride: int, padding: int, size: int) -> None:
    rng = np.random.default_rng(stride * 10 + padding)
    x = rng.standard_normal((2, 3, size, size))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    probe = rng.standard_normal(dk.conv2d(x, w, stride=stride, padding=padding).shape)  # L = Σ probe · out

    def loss() -> float:
        return float(np.sum(probe * dk.conv2d(x, w, b, stride=stride, padding=padding, backend="numpy")))

    g = conv2d_backward(probe, x, w, stride=stride, padding=padding, backend="numpy")
    assert g.dx.shape == x.shape and g.dW.shape == w.shape and g.db.shape == (4,)
    assert relative_error(g.dx, _numeric(loss, x)) < 1e-7
    assert relative_error(g.dW, _numeric(loss, w)) < 1e-7
    assert relative_error(g.db, _numeric(loss, b)) < 1e-7


def test_conv2d_backward_input_grad_is_scipy_full_convolution() -> None:
    # stride 1, no padding: ∂L/∂x[c] = Σ_o full correlation of δ_o with w[o, c] turned 180°
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    delta = rng.standard_normal((1, 3, 4, 4))
    want = np.stack([sum(correlate(delta[0, o], w[o, c, ::-1, ::-1], mode="full") for o in range(3)) for c in range(2)])
    np.testing.assert_allclose(conv2d_backward(delta, x, w).dx[0], want, atol=1e-10)


def test_conv2d_backward_on_every_backend(backend) -> None:
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((4, 3, 3, 3))
    delta = rng.standard_normal((2, 4, 4, 4))
    want = conv2d_backward(delta, x, w, stride=2, padding=1, backend="numpy")
    got = conv2d_backward(delta, x, w, stride=2, padding=1, backend=backend)
    for a, b in zip(got, want):
        np.testing.assert_allclose(dk.to_numpy(a), b, rtol=1e-4, atol=1e-4)


def test_conv2d_backward_rejects_a_wrong_delta() -> None:
    with pytest.raises(ShapeError, match="delta must have the forward output's shape"):
        conv2d_backward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)))


def test_max_pool2d_and_its_gradient() -> None:
    x = np.arange(36.0).reshape(1, 1, 6, 6)[:, :, ::-1, ::-1]  # the largest entry of each block is its top-left
    out = max_pool2d(x, 2)
    np.testing.assert_array_equal(out[0, 0], x[0, 0, ::2, ::2])
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 5, 7))  # rows/columns that fill no block are dropped
    probe = rng.standard_normal((2, 3, 2, 3))
    grad = pool_grad(np, probe, x, 2)
    assert grad.shape == x.shape
    assert relative_error(grad, _numeric(lambda: float(np.sum(probe * max_pool2d(x, 2))), x)) < 1e-7
    with pytest.raises(InputValueError, match="size must be a positive int"):
        max_pool2d(x, 0)
    with pytest.raises(ShapeError, match="H, W >= size"):
        max_pool2d(x, 6)


def test_cnn_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.random((5, 36)), rng.integers(0, 3, size=5)
    net = CNN((1, 6, 6), filters=3, pool=2, classes=3, seed=1, backend="numpy")
    net.biases[0] = net.biases[0] + 0.1  # away from ReLU's kink at 0
    exact, numeric = net.gradients(X, y), net.numerical_gradients(X, y)
    assert list(exact) == ["W1", "b1", "W2", "b2"]
    for name in exact:
        assert exact[name].shape == numeric[name].shape
        assert relative_error(exact[name], numeric[name]) < 1e-6, name


def test_cnn_forward_is_conv_relu_pool_dense() -> None:
    rng = np.random.default_rng(2)
    X = rng.random((4, 2 * 4 * 4))
    net = CNN((2, 4, 4), filters=3, classes=5, seed=0, backend="numpy")
    z1 = dk.conv2d(X.reshape(4, 2, 4, 4), net.weights[0], net.biases[0], padding=1)
    flat = max_pool2d(np.maximum(z1, 0), 2).reshape(4, -1)
    logits = flat @ net.weights[1].T + net.biases[1]
    np.testing.assert_allclose(net.predict(X), logits.argmax(axis=1))
    assert net.n_params == 3 * 2 * 9 + 3 + 5 * 12 + 5
    assert "filters=3" in repr(net)


def test_cnn_beats_the_mlp_on_the_digits_with_fewer_weights() -> None:
    from dotkit.datasets import load_digits

    d = load_digits(test_size=0.25, seed=0)
    cnn = CNN((1, 8, 8), filters=8, seed=0, backend="numpy")
    cnn.fit(d.X_train, d.y_train, epochs=30, lr=0.1, batch_size=32, progress=False)
    mlp = MLP([64, 256, 10], seed=0, backend="numpy")
    mlp.fit(d.X_train, d.y_train, epochs=20, lr=0.1, batch_size=32, progress=False)
    mlp_params = sum(int(np.prod(p.shape)) for p in mlp.params.values())
    assert cnn.n_params == 1370 < mlp_params == 19210
    assert cnn.score(d.X_test, d.y_test) >= mlp.score(d.X_test, d.y_test) >= 0.95
    assert cnn.history_[-1] < cnn.history_[0] / 5


def test_cnn_trains_on_every_backend(backend) -> None:
    from dotkit.datasets import load_digits

    d = load_digits(test_size=0.25, seed=0)
    net = CNN((1, 8, 8), filters=8, seed=0, backend=backend)
    net.fit(d.X_train[:400], d.y_train[:400], epochs=5, lr=0.1, progress=False)
    assert net.score(d.X_test, d.y_test) > 0.85


def test_cnn_rejects_bad_shapes() -> None:
    with pytest.raises(InputValueError, match="odd kernel"):
        CNN((1, 8, 8), kernel=2)
    with pytest.raises(InputValueError, match="multiples of pool"):
        CNN((1, 7, 8), pool=2)
    with pytest.raises(ShapeError, match="64 features"):
        CNN((1, 8, 8)).predict(np.ones((2, 63)))
