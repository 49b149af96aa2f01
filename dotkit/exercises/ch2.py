"""Checkers for chapter 2, "Neurons and layers".

2.1  ``layer(X, W, b)``: a dense layer's forward pass for a batch, ``X Wᵀ + b``.
2.2  ``grad_w(x, w, b, t)``: ``∂L/∂w`` of one linear neuron with ``L = ½(w·x + b - t)²``.
2.3  ``xent_grad(Z, y)``: ``∂L/∂Z`` of the mean softmax cross-entropy of a batch.
2.4  a number: the variance of ``w·x`` for 512 inputs of variance 4 and weights of std 0.05.

Functions are called on fresh NumPy inputs drawn here and compared with a
float64 NumPy oracle; their results may be NumPy or MLX arrays. When a result
is off, it is compared with the usual mistakes so that the hint can name one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.exercises import NotYet, as_array, exercise, expect_close, needs_function, needs_number


def _expect(out: Any, want: np.ndarray, what: str, mistakes: list[tuple[Any, str]], **tol: float) -> None:
    """Like :func:`expect_close`, but a result that matches a typical mistake gets that mistake's hint.

    A mistake given as ``None`` cannot happen on these inputs (its shapes do not fit) and is skipped.
    """
    try:
        expect_close(out, want, what, **tol)
    except NotYet:
        got = as_array(out, what)
        for wrong, hint in mistakes:
            if wrong is not None and got.shape == np.shape(wrong) and np.allclose(got, wrong, rtol=1e-4, atol=1e-6):
                raise NotYet(hint) from None
        raise


def _softmax(Z: np.ndarray, axis: int | None = 1) -> np.ndarray:
    e = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@exercise("2.1", todo="multiply the batch X by the weights so that every sample meets every neuron's row of W "
                      "(one of the two needs a transpose), then add the bias b")
def check_layer(answer: Any) -> str:
    layer = needs_function(answer, "layer(X, W, b)")
    rng = np.random.default_rng(21)
    cases = [(np.array([[1.0, 2.0]]), np.array([[5.0, 7.0], [6.0, 8.0]]), np.array([0.5, -1.0]))]
    cases += [(rng.normal(size=(n, d_in)), rng.normal(size=(d_out, d_in)), rng.normal(size=d_out))
              for n, d_in, d_out in ((1, 3, 2), (5, 4, 3), (16, 8, 1))]
    for X, W, b in cases:
        mistakes = [
            (W @ X.T + b[:, None], f"your result is (d_out, n) = {W.shape[0], X.shape[0]}, one column per sample; "
                                   "the layer gives one row per sample: X times Wᵀ, not W times Xᵀ"),
            (X @ W.T, "the dot products are right, but the bias is missing: add b to every row"),
            (X @ W + b if W.shape[0] == W.shape[1] else None,
             "W has one row per neuron, so each sample must meet the rows of W: multiply by W.T, not W"),
        ]
        _expect(layer(X, W, b), X @ W.T + b, f"layer on X of shape {X.shape} and W of shape {W.shape}",
                mistakes, rtol=1e-5, atol=1e-6)
    return "each output is a row of W dotted with a sample, plus the bias: X Wᵀ + b, one matrix product per batch."


@exercise("2.2", todo="compute z = w·x + b, then the error signal ∂L/∂z, then scale the input x by it")
def check_grad_w(answer: Any) -> str:
    grad_w = needs_function(answer, "grad_w(x, w, b, t)")
    rng = np.random.default_rng(22)
    cases = [(np.array([1.0, 2.0]), np.array([0.5, 0.5]), 0.5, 0.5)]
    cases += [(rng.normal(size=n), rng.normal(size=n), float(rng.normal()), float(rng.normal())) for n in (1, 3, 10)]
    for x, w, b, t in cases:
        z = float(w @ x) + b
        mistakes = [
            (np.float64(z - t), "that is ∂L/∂z, one number; ∂L/∂w has one entry per weight: scale x by it"),
            ((t - z) * x, "the sign is flipped: ∂L/∂z = z − t, positive when z overshoots t"),
            (2 * (z - t) * x, "twice too large: the ½ in L = ½(z − t)² cancels the 2 from the square"),
            ((z - b - t) * x, "z = w·x + b includes the bias; your z seems to leave b out"),
            ((z - t) * w, "∂z/∂wᵢ = xᵢ, so the error signal scales the input x, not the weights w"),
        ]
        _expect(grad_w(x, w, b, t), (z - t) * x, f"grad_w for x={np.round(x, 2).tolist()}", mistakes,
                rtol=1e-6, atol=1e-9)
    return "∂L/∂w = (∂L/∂z) x with ∂L/∂z = z − t: the error signal times the input, a scaled copy of x."


@exercise("2.3", todo="turn each row of Z into probabilities with dk.softmax, compare them with the one-hot truth, "
                      "and remember that the loss is a mean over the n samples")
def check_xent_grad(answer: Any) -> str:
    xent_grad = needs_function(answer, "xent_grad(Z, y)")
    rng = np.random.default_rng(24)
    cases = [(np.zeros((1, 2)), np.array([1]))]
    cases += [(3 * rng.normal(size=(n, k)), rng.integers(0, k, size=n)) for n, k in ((1, 3), (4, 5), (8, 10))]
    for Z, y in cases:
        n, k = Z.shape
        p, truth = _softmax(Z), np.eye(k)[y]
        mistakes = [
            (p - truth, f"almost: the loss is the mean over the batch, so divide by n = {n}"),
            (p / n, "the truth is missing: subtract 1 at each sample's true class, p − onehot(y)"),
            ((truth - p) / n, "the sign is flipped: the gradient is p − onehot(y), so that a step against it "
                              "raises the true class's probability"),
            ((_softmax(Z, axis=0) - truth) / n, "softmax runs over each row (one sample's k scores, axis=1), "
                                                "not down each column"),
            ((_softmax(Z, axis=None) - truth) / n, "each sample's probabilities must add up to 1 on their own: "
                                                   "normalise row by row, not over the whole batch"),
        ]
        _expect(xent_grad(Z, y), (p - truth) / n, f"xent_grad on a batch of {n} samples and {k} classes",
                mistakes, rtol=1e-5, atol=1e-8)
    return "softmax(Z) minus the one-hot truth, divided by n: the gradient of the mean cross-entropy."


@exercise("2.4", todo="replace the ... with a number; the rule for the variance of a dot product, a few cells up, "
                      "answers it")
def check_variance(answer: Any) -> str:
    value = needs_number(answer, "a number (a variance)")
    n, std_w, var_x = 512, 0.05, 4.0
    want = n * std_w**2 * var_x
    mistakes = [
        (n * std_w * var_x, "that used the standard deviation 0.05 where the rule wants the variance 0.05²"),
        (n * std_w**2 * var_x**2, "4 is already the variance of the inputs: use it as it is, without squaring"),
        (n * std_w**2 * var_x**0.5, "that used 2, the inputs' standard deviation; the rule wants their variance, 4"),
        (std_w**2 * var_x, "that is the variance of one product wᵢxᵢ; w·x adds up n = 512 of them"),
        (want**0.5, "that is the standard deviation of w·x; the question asks for its variance, the square"),
    ]
    for wrong, hint in mistakes:
        if np.isclose(value, wrong, rtol=1e-4):
            raise NotYet(hint)
    if not np.isclose(value, want, rtol=1e-3):
        raise NotYet(f"{value:.4g} is not it; the variances of independent terms add up, and each term wᵢxᵢ "
                     "has variance Var(w)·Var(x)")
    return (f"n·Var(w)·Var(x) = 512 · 0.0025 · 4 = {want:g}: the signal's variance grows; "
            "weights of std 1/√512 would keep it at 4.")


__all__ = ["check_grad_w", "check_layer", "check_variance", "check_xent_grad"]
