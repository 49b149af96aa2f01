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
    # your code: z, then a = σ(z), then the error signal ∂L/∂z, then ∂L/∂w
    ...


def sig(z):
    return 1 / (1 + np.exp(-z))


def grad_w(x, w, b, t):
    a = sig(np.dot(w, x) + b)
    return (a - t) * a * (1 - a) * x


def soft_xent_grad_stub(Z, T):
    # your code: the gradient of the mean cross-entropy against soft targets T
    ...


def soft_xent_grad(Z, T):
    p = dk.to_numpy(dk.softmax(Z))
    return (p - T) / Z.shape[0]


def two_layer_grads_stub(X, y, W1, b1, W2, b2):
    # your code: forward, then δ₂, then the four gradients
    ...


def two_layer_grads(X, y, W1, b1, W2, b2, *, slope=True, mean=True, keys=("W1", "b1", "W2", "b2")):
    z1 = dk.to_numpy(dk.matmul(X, W1.T)) + b1
    h = np.maximum(z1, 0.0)
    delta2 = softmax(h @ W2.T + b2) - np.eye(W2.shape[0])[y]
    if mean:
        delta2 = delta2 / len(X)
    delta1 = (delta2 @ W2) * (z1 > 0) if slope else delta2 @ W2
    grads = {"W1": delta1.T @ X, "b1": delta1.sum(axis=0), "W2": delta2.T @ h, "b2": delta2.sum(axis=0)}
    return {k: grads[k] for k in keys}


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
            (lambda x, w, b, t: (w @ x + b - t) * x, "without activation"),
            (lambda x, w, b, t: (sig(w @ x + b) - t) * x, "multiply by σ′(z)"),
            (lambda x, w, b, t: float((sig(w @ x + b) - t) * sig(w @ x + b) * (1 - sig(w @ x + b))), "one number"),
            (lambda x, w, b, t: (t - sig(w @ x + b)) * sig(w @ x + b) * (1 - sig(w @ x + b)) * x, "sign is flipped"),
            (lambda x, w, b, t: (sig(w @ x + b) - t) * (1 - sig(w @ x + b)) * x, "(1 − σ(z)) half"),
            (lambda x, w, b, t: (sig(w @ x + b) - t) * (w @ x + b) * (1 - w @ x - b) * x, "not z itself"),
            (lambda x, w, b, t: (sig(w @ x + b) - t) * sig(w @ x + b) * (1 - sig(w @ x + b)) * w, "not the weights w"),
            (lambda x, w, b, t: 2 * grad_w(x, w, b, t), "cancels the 2"),
        ],
        solution=grad_w,
    ),
    "2.3": Case(
        stub=soft_xent_grad_stub,
        wrong=[
            (lambda Z, T: softmax(Z) - T, "divide by n"),
            (lambda Z, T: (T - softmax(Z)) / len(Z), "sign is flipped"),
            (lambda Z, T: -T / (len(Z) * softmax(Z)), "∂L/∂p"),
            (lambda Z, T: (softmax(Z) - np.eye(Z.shape[1])[T.argmax(axis=1)]) / len(Z), "targets are soft"),
            (lambda Z, T: softmax(Z) / len(Z), "targets are missing"),
            (lambda Z, T: (softmax(Z, axis=0) - T) / len(Z), "not down each column"),
            (lambda Z, T: (softmax(Z) - T) / Z.shape[1], "not over the classes"),
            (lambda Z, T: 3 * (softmax(Z) - T) / len(Z), "check your formula"),
        ],
        solution=soft_xent_grad,
    ),
    "2.4": Case(
        stub=...,
        wrong=[
            (512 * 0.05**2 * 4, "centred on zero"),
            (512 * 0.05**2 * 4 + 1, "enters every one of the 512"),
            (512 * (0.05**2 * 4 + 1), "never acts alone"),
            (512 * 0.05 * 5, "variance 0.05²"),
            (0.05**2 * 5, "adds up n = 512"),
            ((512 * 0.05**2 * 5) ** 0.5, "standard deviation of w·x"),
            (512 * 0.05**2 * 9, "squared the sum"),
            (5.0, "variances of independent terms add up"),
            (float("nan"), "nan"),
        ],
        solution=512 * 0.05**2 * (4 + 1),
    ),
    "2.5": Case(
        stub=...,
        wrong=[
            ((2 / 128) ** 0.5, "He's value for the plain ReLU"),
            ((2 / (1.5 * 128)) ** 0.5, "α² (not α)"),
            (1 / (0.625 * 128), "their standard deviation"),
            ((0.625 / 128) ** 0.5, "upside down"),
            ((1 / 128) ** 0.5, "LeCun's 1/n"),
            (0.2, "E[a²] = ½q + ½α²q"),
        ],
        solution=(1 / (128 * (1 + 0.5**2) / 2)) ** 0.5,
    ),
    "2.6": Case(
        stub=...,
        wrong=[
            (1 / 25, "lands exactly on the target"),
            (2 / 5, "not ‖x‖ = 5"),
            (1 / 5, "grows once the factor drops below −1"),
            (2 / 7, "not 3 + 4"),
            (1.0, "try η = 1"),
            (0.5, "that factor reaches −1"),
        ],
        solution=2 / (3**2 + 4**2),
    ),
    "2.7": Case(
        stub=two_layer_grads_stub,
        wrong=[
            (lambda *a: two_layer_grads(*a, slope=False), "must be multiplied by the ReLU's slope"),
            (lambda *a: two_layer_grads(*a, mean=False), "carries a 1/n"),
            (lambda *a: {**two_layer_grads(*a), **two_layer_grads(*a, mean=False, keys=("W1", "b1"))},
             "must reach every gradient"),
            (lambda *a: {k: v.T for k, v in two_layer_grads(*a).items()}, "the transpose of the expected"),
            (lambda *a: two_layer_grads(*a, keys=("W1", "W2")), "the four keys"),
            (lambda *a: tuple(two_layer_grads(*a).values()), "return a dict"),
        ],
        solution=two_layer_grads,
    ),
}

globals().update(make_tests(CASES))


def test_a_function_that_raises_is_named_in_the_hint() -> None:
    fb = check("2.1", lambda X, W, b: dk.matmul(W, X) + b)
    assert fb.state == "not yet" and fb.message.startswith("your layer raised"), fb
    assert "matmul" in fb.message, fb
