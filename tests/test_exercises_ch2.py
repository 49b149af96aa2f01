"""Chapter 2's checkers: the stub, typical mistakes and the solution (see exercise_harness)."""

from __future__ import annotations

import numpy as np
from exercise_harness import Case, make_tests

import dotkit as dk
from dotkit.exercises import check


def softmax(Z, axis=1):
    e = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def layer_stub(X, W, b):
    # your code: one row of weighted inputs per sample
    ...


def layer(X, W, b):
    return dk.matmul(X, W.T) + b


def grad_w_stub(x, w, b, t):
    # your code: z, then ∂L/∂z, then ∂L/∂w
    ...


def grad_w(x, w, b, t):
    z = np.dot(w, x) + b
    return (z - t) * x


def xent_grad_stub(Z, y):
    # your code: probabilities, minus the truth, over n
    ...


def xent_grad(Z, y):
    p = dk.to_numpy(dk.softmax(Z))
    return (p - np.eye(Z.shape[1])[y]) / Z.shape[0]


CASES = {
    "2.1": Case(
        stub=layer_stub,
        wrong=[
            (lambda X, W, b: W @ X.T + b[:, None], "not W times Xᵀ"),
            (lambda X, W, b: X @ W.T, "bias is missing"),
            (lambda X, W, b: X @ W + b, "multiply by W.T, not W"),
            (lambda X, W, b: X @ W.T - b, "check your formula"),
        ],
        solution=layer,
    ),
    "2.2": Case(
        stub=grad_w_stub,
        wrong=[
            (lambda x, w, b, t: float(w @ x + b - t), "one number"),
            (lambda x, w, b, t: (t - w @ x - b) * x, "sign is flipped"),
            (lambda x, w, b, t: 2 * (w @ x + b - t) * x, "cancels the 2"),
            (lambda x, w, b, t: (w @ x - t) * x, "leave b out"),
            (lambda x, w, b, t: (w @ x + b - t) * w, "not the weights w"),
        ],
        solution=grad_w,
    ),
    "2.3": Case(
        stub=xent_grad_stub,
        wrong=[
            (lambda Z, y: softmax(Z) - np.eye(Z.shape[1])[y], "divide by n"),
            (lambda Z, y: softmax(Z) / len(Z), "truth is missing"),
            (lambda Z, y: (np.eye(Z.shape[1])[y] - softmax(Z)) / len(Z), "sign is flipped"),
            (lambda Z, y: (softmax(Z, axis=0) - np.eye(Z.shape[1])[y]) / len(Z), "not down each column"),
            (lambda Z, y: (softmax(Z, axis=None) - np.eye(Z.shape[1])[y]) / len(Z), "row by row"),
        ],
        solution=xent_grad,
    ),
    "2.4": Case(
        stub=...,
        wrong=[
            (512 * 0.05 * 4, "variance 0.05²"),
            (512 * 0.05**2 * 16, "without squaring"),
            (512 * 0.05**2 * 2, "their variance, 4"),
            (0.05**2 * 4, "adds up n = 512"),
            ((512 * 0.05**2 * 4) ** 0.5, "standard deviation of w·x"),
            (5.0, "variances of independent terms add up"),
            (float("nan"), "nan"),
        ],
        solution=512 * 0.05**2 * 4,
    ),
}

globals().update(make_tests(CASES))


def test_a_function_that_raises_is_named_in_the_hint() -> None:
    fb = check("2.1", lambda X, W, b: dk.matmul(W, X) + b)
    assert fb.state == "not yet" and fb.message.startswith("your layer raised"), fb
    assert "matmul" in fb.message, fb
