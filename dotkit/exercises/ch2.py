"""Checkers for chapter 2, "Neurons and layers".

2.1  ``layer(X, W, b)``: a dense layer's forward pass for a batch, ``X Wᵀ + b``.
2.2  ``grad_w(x, w, b, t)``: ``∂L/∂w`` of one linear neuron with ``L = ½(w·x + b - t)²``.
2.3  ``xent_grad(Z, y)``: ``∂L/∂Z`` of the mean softmax cross-entropy of a batch.
2.4  a number: the variance of ``w·x`` for 512 inputs of variance 4 and weights of std 0.05.

Functions are called on fresh NumPy inputs drawn here and compared with a
float64 NumPy oracle; their results may be NumPy or MLX arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.exercises import NotYet, exercise, expect_close, needs_function, needs_number


@exercise("2.1")
def check_layer(answer: Any) -> str:
    layer = needs_function(answer, "layer(X, W, b)")
    rng = np.random.default_rng(21)
    cases = [(np.array([[1.0, 2.0]]), np.array([[5.0, 7.0], [6.0, 8.0]]), np.array([0.5, -1.0]))]
    cases += [(rng.normal(size=(n, d_in)), rng.normal(size=(d_out, d_in)), rng.normal(size=d_out))
              for n, d_in, d_out in ((1, 3, 2), (5, 4, 3), (16, 8, 1))]
    for X, W, b in cases:
        n, d_out = X.shape[0], W.shape[0]
        got = layer(X, W, b)
        if np.shape(got) == (d_out, n) and n != d_out:
            raise NotYet(f"the result has shape {(d_out, n)}, the transpose of (n, d_out) = {(n, d_out)}: "
                         "one row per sample, so X @ W.T rather than W @ X.T")
        expect_close(got, X @ W.T + b, f"layer on a batch X of shape {X.shape} and W of shape {W.shape}",
                     rtol=1e-5, atol=1e-6)
    return ("each output is a row of W dotted with a sample, plus the bias: X Wᵀ + b, "
            "one matrix product per batch.")


@exercise("2.2")
def check_grad_w(answer: Any) -> str:
    grad_w = needs_function(answer, "grad_w(x, w, b, t)")
    rng = np.random.default_rng(22)
    cases = [(np.array([1.0, 2.0]), np.array([0.5, 0.5]), 0.0, 1.0)]
    cases += [(rng.normal(size=n), rng.normal(size=n), float(rng.normal()), float(rng.normal()))
              for n in (1, 3, 10)]
    for x, w, b, t in cases:
        got = grad_w(x, w, b, t)
        if np.ndim(got) == 0 and x.size > 1:
            raise NotYet("grad_w should return a vector, one entry per weight: (∂L/∂z) times the input x")
        expect_close(got, (x @ w + b - t) * x, f"grad_w for x={np.round(x, 2).tolist()}", rtol=1e-6, atol=1e-9)
    return ("∂L/∂w = (∂L/∂z) x with ∂L/∂z = z - t: the error signal times the input, "
            "a scaled copy of x.")


@exercise("2.4")
def check_variance(answer: Any) -> str:
    value = needs_number(answer)
    want = 512 * 0.05**2 * 4.0
    if abs(value - 512 * 0.05 * 4.0) < 1e-6:
        raise NotYet("that used the standard deviation 0.05 where the formula wants the variance 0.05²")
    if abs(value - 0.05**2 * 4.0) < 1e-9:
        raise NotYet("that is the variance of one product wᵢxᵢ; w·x adds up n = 512 of them")
    expect_close(value, want, "Var(w·x)", rtol=1e-3, atol=0)
    return (f"n·Var(w)·Var(x) = 512 · 0.0025 · 4 = {want:g}: the signal grows; "
            "std 1/√512 would keep it at 4.")


@exercise("2.3")
def check_xent_grad(answer: Any) -> str:
    xent_grad = needs_function(answer, "xent_grad(Z, y)")
    expect_close(xent_grad(np.zeros((1, 2)), np.array([1])), [[0.5, -0.5]], "xent_grad([[0, 0]], [1])")
    rng = np.random.default_rng(24)
    for n, k in ((1, 3), (4, 5), (8, 10)):
        Z, y = 3 * rng.normal(size=(n, k)), rng.integers(0, k, size=n)
        p = np.exp(Z - Z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        want = (p - np.eye(k)[y]) / n
        got = xent_grad(Z, y)
        undivided = np.shape(got) == (n, k) and np.allclose(np.asarray(got, float), want * n, rtol=1e-5)
        if undivided and n > 1:
            raise NotYet(f"almost: the loss is the mean over the batch, so divide by n = {n}")
        expect_close(got, want, f"xent_grad on a batch of {n} samples and {k} classes", rtol=1e-5, atol=1e-8)
    return "softmax(Z) minus the one-hot truth, divided by n: the gradient of the mean cross-entropy."


__all__ = ["check_grad_w", "check_layer", "check_variance", "check_xent_grad"]
