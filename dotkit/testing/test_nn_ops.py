"""Activations, softmax, the dense layer, the layer norm and the cross-entropy, against NumPy float64."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import dotkit as dk
from dotkit.nn import activations as act
from dotkit.nn import layers
from dotkit.nn import normalization as norm
from dotkit.testing.compare import assert_close
from dotkit.testing.support import DTYPES, Draw, dtype_name, need

_erf = np.vectorize(math.erf)
_pdf = lambda x: np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)  # noqa: E731
_sig = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


#: name -> the NumPy float64 formula
ELEMENTWISE = {
    "relu": lambda x: np.maximum(x, 0.0),
    "relu_grad": lambda x: np.asarray(x > 0, dtype=np.float64),
    "sigmoid": _sig,
    "sigmoid_grad": lambda x: _sig(x) * (1 - _sig(x)),
    "tanh": np.tanh,
    "tanh_grad": lambda x: 1 - np.tanh(x) ** 2,
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))),
    "gelu_grad": lambda x: 0.5 * (1 + _erf(x / math.sqrt(2))) + x * _pdf(x),
}


@pytest.mark.dotkit_op("activations")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_activation(dotkit_backend: Any, dtype: str, name: str) -> None:
    x, x64 = Draw(dotkit_backend, dtype, seed=5)(4, 7, scale=3.0)
    out = getattr(act, name)(x)
    assert dtype_name(out) == dtype, f"{name} turned {dtype} into {out.dtype}"
    assert_close(dotkit_backend, out, ELEMENTWISE[name](x64), dtype, name)


@pytest.mark.dotkit_op("activations")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", (-1, 0))
def test_softmax_and_log_softmax(dotkit_backend: Any, dtype: str, axis: int) -> None:
    x, x64 = Draw(dotkit_backend, dtype, seed=6)(5, 8, scale=4.0)
    p = dk.softmax(x, axis=axis)
    assert dtype_name(p) == dtype
    assert_close(dotkit_backend, p, _softmax(x64, axis), dtype, "softmax")
    assert_close(dotkit_backend, dk.log_softmax(x, axis=axis), np.log(_softmax(x64, axis)), dtype, "log_softmax")


def test_softmax_of_huge_logits_has_no_nan(dotkit_backend: Any) -> None:
    x = dotkit_backend.asarray(np.array([1e4, 0.0, -1e4], dtype=np.float32))
    assert_close(dotkit_backend, dk.softmax(x), [1.0, 0.0, 0.0], "float32", "softmax of ±1e4")


@pytest.mark.dotkit_op("layers")
@pytest.mark.parametrize("dtype", DTYPES)
def test_dense_forward_and_backward(dotkit_backend: Any, dtype: str) -> None:
    draw = Draw(dotkit_backend, dtype, seed=7)
    (x, x64), (W, W64), (b, b64), (d, d64) = draw(6, 5), draw(4, 5), draw(4), draw(6, 4)
    bk = dotkit_backend
    assert_close(bk, layers.dense(x, W, b), x64 @ W64.T + b64, dtype, "dense")
    g = layers.dense_backward(d, x, W)
    assert_close(bk, g.dx, d64 @ W64, dtype, "dense_backward dx")
    assert_close(bk, g.dW, d64.T @ x64, dtype, "dense_backward dW")
    assert_close(bk, g.db, d64.sum(axis=0), dtype, "dense_backward db")


@pytest.mark.dotkit_op("layers")
@pytest.mark.parametrize("dtype", ("float64", "float32"))
def test_softmax_cross_entropy_and_its_gradient(dotkit_backend: Any, dtype: str) -> None:
    z, z64 = Draw(dotkit_backend, dtype, seed=8)(6, 4, scale=2.0)
    y = np.array([0, 3, 1, 1, 2, 0])
    p64 = _softmax(z64, 1)
    onehot = np.eye(4)[y]
    assert_close(dotkit_backend, layers.softmax_cross_entropy(z, y), -np.mean(np.log(p64[np.arange(6), y])),
                 dtype, "softmax_cross_entropy")
    assert_close(dotkit_backend, layers.softmax_cross_entropy_grad(z, y), (p64 - onehot) / 6, dtype,
                 "softmax_cross_entropy_grad")


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """The formula in float64, written from its definition: per vector, mean and biased variance."""
    d = x.shape[-1]
    mu = x.sum(axis=-1, keepdims=True) / d
    var = ((x - mu) ** 2).sum(axis=-1, keepdims=True) / d
    return (x - mu) / np.sqrt(var + eps) * gamma + beta


@pytest.mark.dotkit_op("layers")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", ((6, 5), (2, 3, 16), (7,)))
def test_layer_norm(dotkit_backend: Any, dtype: str, shape: tuple[int, ...]) -> None:
    draw = Draw(dotkit_backend, dtype, seed=9)
    (x, x64), (g, g64), (b, b64) = draw(*shape, scale=3.0), draw(shape[-1]), draw(shape[-1])
    before = np.array(dotkit_backend.to_numpy(x))
    out = norm.layer_norm(x, g, b, eps=1e-5)
    assert dtype_name(out) == dtype, f"layer_norm turned {dtype} into {out.dtype}"
    assert_close(dotkit_backend, out, _layer_norm(x64, g64, b64, 1e-5), dtype, "layer_norm")
    np.testing.assert_array_equal(dotkit_backend.to_numpy(x), before, err_msg="layer_norm changed its input x")


@pytest.mark.dotkit_op("layers")
@pytest.mark.parametrize("dtype", ("float64", "float32"))
def test_layer_norm_kernel_and_its_extremes(dotkit_backend: Any, dtype: str) -> None:
    """The kernel in place, a constant vector (all β, not 0/0) and an offset of 1e3 that a careless variance loses."""
    bk = dotkit_backend
    draw = Draw(bk, dtype, seed=10)
    (x, x64), (g, g64), (b, b64) = draw(4, 32), draw(32), draw(32)
    want = _layer_norm(x64, g64, b64, 1e-6)
    assert_close(bk, norm.layer_norm_kernel(bk.xp, x, g, b, 1e-6), want, dtype, "layer_norm_kernel")
    assert_close(bk, x, want, dtype, "layer_norm_kernel's x, overwritten with the result")
    const = bk.asarray(np.full((2, 32), 7.0), dtype=need(bk, dtype))
    assert_close(bk, norm.layer_norm(const, g, b), np.broadcast_to(b64, (2, 32)), dtype, "layer_norm of a constant")
    # Offset by 1e3, the mean carries 1e3 times the dtype's rounding (more where a backend sums in order,
    # as MLX does); mean(x²) − mean(x)² instead of the centred form would be off by whole percents.
    offset = np.asarray(x64 + 1e3, dtype=dtype)
    got = bk.to_numpy(norm.layer_norm(bk.asarray(offset, dtype=need(bk, dtype)), g, b))
    np.testing.assert_allclose(got, _layer_norm(np.asarray(offset, dtype=np.float64), g64, b64, 1e-5),
                               atol=1e4 * np.finfo(dtype).eps, err_msg=f"layer_norm offset by 1e3 ({bk.name})")


@pytest.mark.dotkit_op("layers")
@pytest.mark.parametrize("dtype", DTYPES)
def test_dense_kernel_adds_its_bias_to_the_product_alone(dotkit_backend: Any, dtype: str) -> None:
    """The kernel adds ``b`` in place, to the new product: ``x``, ``W`` and ``b`` stay as they were."""
    bk = dotkit_backend
    draw = Draw(bk, dtype, seed=11)
    (x, x64), (W, W64), (b, b64) = draw(5, 3), draw(4, 3), draw(4)
    before = [np.array(bk.to_numpy(a)) for a in (x, W, b)]
    z = layers.dense_kernel(bk.xp, x, W, b)
    assert dtype_name(z) == dtype
    assert_close(bk, z, x64 @ W64.T + b64, dtype, "dense_kernel")
    assert_close(bk, layers.dense_kernel(bk.xp, x, W), x64 @ W64.T, dtype, "dense_kernel without a bias")
    for name, a, was in zip(("x", "W", "b"), (x, W, b), before):
        np.testing.assert_array_equal(bk.to_numpy(a), was, err_msg=f"dense_kernel changed {name} ({bk.name})")
