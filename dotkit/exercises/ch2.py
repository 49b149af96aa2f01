"""Checkers for chapter 2, "Neurons and layers".

2.1  ``layer(X, W, b)``: a dense layer's forward pass for a batch, ``X Wᵀ + b``.
2.2  ``grad_w(x, w, b, t)``: ``∂L/∂w`` of one sigmoid neuron with ``L = ½(σ(w·x + b) - t)²``.
2.3  ``soft_xent_grad(Z, T)``: ``∂L/∂Z`` of the mean cross-entropy against soft targets ``T``.
2.4  a number: the variance of ``w·x`` for 512 inputs of mean 1 and variance 4, centred weights of std 0.05.
2.5  a number: the weight std that keeps a leaky-ReLU layer (slope 0.5, 128 inputs) steady.
2.6  a number: the smallest learning rate at which gradient descent on one squared error stops converging.
2.7  ``two_layer_grads(X, y, W1, b1, W2, b2)``: backpropagation through a ReLU hidden layer.

Functions are called on fresh NumPy inputs drawn here and compared with a
float64 NumPy oracle; their results may be NumPy or MLX arrays. When a result
is off, it is compared with the usual mistakes so that the hint can name one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dotkit.backends import get_backend
from dotkit.exercises import NotYet, as_array, exercise, expect_close, needs_function, needs_number
from dotkit.nn.activations import softmax_kernel

#: How near a typical wrong result an answer must be to get that mistake's hint.
_LOOSE = {"mistake_rtol": 1e-4, "mistake_atol": 1e-6}


def _softmax(Z: np.ndarray, axis: int | None = 1) -> np.ndarray:
    """The kit's NumPy softmax kernel (tested against SciPy): the reference an answer is checked against."""
    return softmax_kernel(get_backend("numpy"), np.asarray(Z, dtype=np.float64), axis)


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
        expect_close(layer(X, W, b), X @ W.T + b, f"layer on X of shape {X.shape} and W of shape {W.shape}",
                     rtol=1e-5, atol=1e-6, mistakes=mistakes, **_LOOSE)
    return "each output is a row of W dotted with a sample, plus the bias: X Wᵀ + b, one matrix product per batch."


def _sigmoid(z: float) -> float:
    return 0.5 * (1.0 + math.tanh(0.5 * z))


@exercise("2.2", todo="compute z = w·x + b and a = σ(z); then the error signal ∂L/∂z = (a − t)·σ′(z) "
                      "with σ′(z) = σ(z)(1 − σ(z)); then scale the input x by it")
def check_grad_w(answer: Any) -> str:
    grad_w = needs_function(answer, "grad_w(x, w, b, t)")
    rng = np.random.default_rng(22)
    cases = [(np.array([1.0, 2.0]), np.array([0.5, 0.5]), 0.5, 0.2)]
    cases += [(rng.normal(size=n), rng.normal(size=n), float(rng.normal()), float(rng.uniform()))
              for n in (1, 3, 10)]
    for x, w, b, t in cases:
        z = float(w @ x) + b
        a = _sigmoid(z)
        slope = a * (1 - a)
        mistakes = [
            ((z - t) * x, "that is the gradient of the neuron without activation; here the loss sees z "
                          "through a = σ(z), so use a − t, and the chain rule adds σ′(z)"),
            ((a - t) * x, "the chain rule has one more factor: a depends on z through σ, so multiply by "
                          "σ′(z) = σ(z)(1 − σ(z))"),
            (np.float64((a - t) * slope), "that is ∂L/∂z, one number; ∂L/∂w has one entry per weight: scale x by it"),
            ((t - a) * slope * x, "the sign is flipped: ∂L/∂a = a − t, positive when a overshoots t"),
            ((a - t) * (1 - a) * x, "σ′(z) is σ(z)(1 − σ(z)); you have only the (1 − σ(z)) half"),
            ((a - t) * z * (1 - z) * x, "σ′(z) = σ(z)(1 − σ(z)) uses the sigmoid's output a = σ(z), not z itself"),
            ((a - t) * slope * w, "∂z/∂wᵢ = xᵢ, so the error signal scales the input x, not the weights w"),
            (2 * (a - t) * slope * x, "twice too large: the ½ in L = ½(a − t)² cancels the 2 from the square"),
        ]
        expect_close(grad_w(x, w, b, t), (a - t) * slope * x, f"grad_w for x={np.round(x, 2).tolist()}",
                     rtol=1e-5, atol=1e-8, mistakes=mistakes, **_LOOSE)
    return ("∂L/∂w = (a − t)·σ(z)(1 − σ(z))·x: each link of the chain multiplies in its slope, and the last "
            "link, z = w·x + b, turns the error signal into a scaled copy of x.")


@exercise("2.3", todo="redo the two-line derivation with a target row t in place of the one-hot row; "
                      "use that each row of T adds up to 1, and remember the mean over the n samples")
def check_soft_xent_grad(answer: Any) -> str:
    soft_xent_grad = needs_function(answer, "soft_xent_grad(Z, T)")
    rng = np.random.default_rng(24)
    cases = [(np.zeros((1, 2)), np.array([[0.25, 0.75]]))]
    cases += [(3 * rng.normal(size=(n, k)), rng.dirichlet(np.ones(k), size=n)) for n, k in ((1, 3), (4, 5), (8, 10))]
    for Z, T in cases:
        n, k = Z.shape
        p = _softmax(Z)
        mistakes = [
            (p - T, f"almost: the loss is the mean over the batch, so divide by n = {n}"),
            ((T - p) / n, "the sign is flipped: the gradient is p − t, so that a step against it moves p towards t"),
            (-T / (n * p), "that is ∂L/∂p, the gradient with respect to the probabilities; carry it on through "
                           "the softmax to the scores Z"),
            ((p - np.eye(k)[T.argmax(axis=1)]) / n, "the targets are soft: use the whole row T, not a one-hot "
                                                    "row at its largest entry"),
            (p / n, "the targets are missing: the gradient compares p with T"),
            ((p - T) / k if k != n else None, f"the mean runs over the samples (n = {n}), not over the classes "
                                             f"(k = {k}): divide by n"),
            ((_softmax(Z, axis=0) - T) / n, "softmax runs over each row (one sample's k scores, axis=1), "
                                            "not down each column"),
        ]
        samples = f"{n} sample{'s' if n != 1 else ''}"
        expect_close(soft_xent_grad(Z, T), (p - T) / n, f"soft_xent_grad on a batch of {samples} and {k} classes",
                     rtol=1e-5, atol=1e-8, mistakes=mistakes, **_LOOSE)
    return ("(softmax(Z) − T)/n: the one-hot rule survives soft targets, because the only fact about the truth "
            "the derivation uses is that its row adds up to 1.")


@exercise("2.4", todo="replace the ... with a number; work out the variance of one product wᵢxᵢ with "
                      "Var(u) = E[u²] − E[u]², then add up the 512 independent products")
def check_variance(answer: Any) -> str:
    value = needs_number(answer, "a number (a variance)")
    n, std_w, mean_x, var_x = 512, 0.05, 1.0, 4.0
    want = n * std_w**2 * (var_x + mean_x**2)
    mistakes = [
        (n * std_w**2 * var_x, "that is the rule for inputs centred on zero; these have mean 1, and "
                               "E[(wᵢxᵢ)²] = E[wᵢ²]·E[xᵢ²] with E[xᵢ²] = Var(x) + 1²"),
        (n * std_w**2 * var_x + mean_x**2, "the mean of x enters every one of the 512 products, "
                                           "multiplied by Var(w): Var(wᵢxᵢ) = Var(w)(Var(x) + E[x]²)"),
        (n * (std_w**2 * var_x + mean_x**2), "the mean of x never acts alone: it is always multiplied by a "
                                             "weight, so it enters as Var(w)·E[x]², not as E[x]²"),
        (n * std_w * (var_x + mean_x**2), "that used the standard deviation 0.05 where the rule wants the "
                                          "variance 0.05²"),
        (std_w**2 * (var_x + mean_x**2), "that is the variance of one product wᵢxᵢ; w·x adds up n = 512 of them"),
        (want**0.5, "that is the standard deviation of w·x; the question asks for its variance, the square"),
        (n * std_w**2 * (var_x**0.5 + mean_x) ** 2, "E[x²] = Var(x) + E[x]² = 4 + 1; you squared the sum of "
                                                    "the standard deviation and the mean instead"),
    ]
    expect_close(value, want, "your variance", rtol=1e-3, atol=1e-8, mistakes=mistakes, mistake_rtol=1e-4,
                 otherwise=f"{value:.4g} is not it; the variances of independent terms add up, and each term "
                           "wᵢxᵢ has variance E[wᵢ²]E[xᵢ²] − (E[wᵢ]E[xᵢ])²")
    return (f"Var(wᵢxᵢ) = E[w²]E[x²] − 0 = 0.0025 · (4 + 1), and 512 of them add up to {want:g}: the "
            "inputs' mean widens w·x just as their variance does, which is why He's rule is written with "
            "E[a²], not Var(a).")


@exercise("2.5", todo="work out the mean of a² for a = leaky ReLU(z), with z symmetric around 0 of variance q; "
                      "then pick Var(w) so that n·Var(w)·E[a²] = q, and answer its square root")
def check_leaky_std(answer: Any) -> str:
    value = needs_number(answer, "a number (a standard deviation)")
    n, alpha = 128, 0.5
    second_moment = (1 + alpha**2) / 2          # E[a²] / q
    want = math.sqrt(1 / (n * second_moment))
    mistakes = [
        (math.sqrt(2 / n), "that is He's value for the plain ReLU; the leaky side lets α·z through for z < 0, "
                           "which adds to the mean of a²"),
        (math.sqrt(2 / ((1 + alpha) * n)), "the negative side is scaled by α, so it adds α² (not α) times "
                                           "half the variance to the mean of a²"),
        (1 / (n * second_moment), "that is the variance of the weights; the question asks for their "
                                  "standard deviation"),
        (math.sqrt(second_moment / n), "upside down: the layer multiplies the variance by n·Var(w)·(1 + α²)/2, "
                                       "and that product must be 1"),
        (math.sqrt(1 / n), "that is LeCun's 1/n, right for a linear layer; the leaky ReLU shrinks the negative half"),
    ]
    expect_close(value, want, "your standard deviation", rtol=1e-3, atol=1e-8, mistakes=mistakes,
                 otherwise=f"{value:.4g} is not it; E[a²] = ½q + ½α²q for a symmetric z, and the layer "
                           "multiplies the variance by n·Var(w)·E[a²]/q")
    return (f"E[a²] = (1 + α²)/2 · q = 0.625 q, so Var(w) = 1/(0.625 · 128) and the std is {want:.4f}; "
            "at α = 0 this is He's √(2/n), at α = 1 (a linear unit) LeCun's √(1/n).")


@exercise("2.6", todo="write the error e = w·x − t after one step in terms of the error before it: "
                      "it gets multiplied by a factor that depends on η and ‖x‖²")
def check_diverging_lr(answer: Any) -> str:
    value = needs_number(answer, "a number (a learning rate)")
    squared_norm = 3.0**2 + 4.0**2
    want = 2 / squared_norm
    mistakes = [
        (1 / squared_norm, "at η = 1/‖x‖² one step lands exactly on the target; the error still shrinks a while "
                           "beyond that, with flipping sign"),
        (2 / math.sqrt(squared_norm), "the factor is 1 − η‖x‖², with the squared length ‖x‖² = 25, not ‖x‖ = 5"),
        (1 / math.sqrt(squared_norm), "the factor is 1 − η‖x‖², with the squared length ‖x‖² = 25, and the "
                                       "error only grows once the factor drops below −1"),
        (2 / 7, "‖x‖² is 3² + 4² = 25, not 3 + 4"),
        (1.0, "with ‖x‖² = 25 each step multiplies the error by 1 − 25η: try η = 1 and see how far it overshoots"),
    ]
    expect_close(value, want, "your learning rate", rtol=1e-3, atol=1e-8, mistakes=mistakes,
                 otherwise=f"{value:.4g} is not it; after one step the error is e·(1 − η‖x‖²); it stops "
                           "shrinking when that factor reaches −1")
    return ("each step multiplies the error by 1 − 25η; for η > 2/25 = 0.08 that factor is below −1, "
            "so the error flips sign and grows at every step.")


def _two_layer(X: np.ndarray, y: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray,
               slope: str = "relu", per_sample: bool = False) -> dict[str, np.ndarray]:
    """The gradients, or one of the usual wrong versions of them (``slope``: relu, none, h)."""
    n = X.shape[0]
    z1 = X @ W1.T + b1
    h = np.maximum(z1, 0.0)
    delta2 = _softmax(h @ W2.T + b2) - np.eye(W2.shape[0])[y]
    if not per_sample:
        delta2 = delta2 / n
    back = delta2 @ W2
    delta1 = {"relu": back * (z1 > 0), "none": back, "h": back * h}[slope]
    return {"W1": delta1.T @ X, "b1": delta1.sum(axis=0), "W2": delta2.T @ h, "b2": delta2.sum(axis=0)}


@exercise("2.7", todo="forward: z₁, h = relu(z₁), z₂; backward: δ₂ = (p − onehot(y))/n, then the dense-layer rules "
                      "for W2 and b2, then δ₁ = (δ₂ W2) times the ReLU's slope, then the rules for W1 and b1")
def check_two_layer_grads(answer: Any) -> str:
    two_layer_grads = needs_function(answer, "two_layer_grads(X, y, W1, b1, W2, b2)")
    rng = np.random.default_rng(27)
    for n, d, m, k in ((1, 2, 3, 2), (6, 4, 5, 3), (10, 8, 6, 4)):
        X, y = rng.normal(size=(n, d)), rng.integers(0, k, size=n)
        W1, b1 = rng.normal(size=(m, d)), rng.normal(size=m)
        W2, b2 = rng.normal(size=(k, m)), rng.normal(size=k)
        got = two_layer_grads(X, y, W1, b1, W2, b2)
        if not isinstance(got, dict) or set(got) != {"W1", "b1", "W2", "b2"}:
            raise NotYet("return a dict with the four keys 'W1', 'b1', 'W2', 'b2'; received "
                         + (f"the keys {sorted(got)}" if isinstance(got, dict) else type(got).__name__))
        want = _two_layer(X, y, W1, b1, W2, b2)
        mistakes = [
            (_two_layer(X, y, W1, b1, W2, b2, slope="none"),
             "the hidden layer's error signal δ₂W2 must be multiplied by the ReLU's slope: "
             "1 where z₁ > 0, 0 elsewhere"),
            (_two_layer(X, y, W1, b1, W2, b2, slope="h"),
             "you multiplied δ₂W2 by the activation h; the chain rule wants the ReLU's slope, "
             "1 where z₁ > 0 and 0 elsewhere"),
            (_two_layer(X, y, W1, b1, W2, b2, per_sample=True),
             f"every gradient is n = {n} times too large: the loss is the mean over the batch, so δ₂ carries a 1/n"),
        ]
        mine = {name: as_array(got[name], f"your {name!r} gradient") for name in want}

        def same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
            return all(a[k].shape == b[k].shape and np.allclose(a[k], b[k], rtol=1e-4, atol=1e-6) for k in b)

        if not same(mine, want):
            for wrong, hint in mistakes:
                if same(mine, wrong):
                    raise NotYet(hint)
            unscaled = _two_layer(X, y, W1, b1, W2, b2, per_sample=True)
            too_large = [k for k in ("W1", "b1", "W2", "b2") if n > 1 and mine[k].shape == want[k].shape
                         and not np.allclose(mine[k], want[k], rtol=1e-4, atol=1e-6)
                         and np.allclose(mine[k], unscaled[k], rtol=1e-4, atol=1e-6)]
            if too_large:
                which = ", ".join(repr(k) for k in too_large)
                which += " gradients are" if len(too_large) > 1 else " gradient is"
                raise NotYet(f"the {which} "
                             f"n = {n} times too large: the 1/n of the mean must reach every gradient, so put "
                             "it into δ₂ once, before anything is computed from it")
        for name in ("W2", "b2", "W1", "b1"):  # in the order backpropagation computes them
            samples = f"{n} sample{'s' if n > 1 else ''}"
            expect_close(got[name], want[name], f"the {name!r} gradient for a batch of {samples}, {d} inputs, "
                                                f"{m} hidden units", rtol=1e-5, atol=1e-6)
    return ("δ₂ = (p − onehot(y))/n, ∂L/∂W2 = δ₂ᵀh, δ₁ = (δ₂W2)·[z₁ > 0], ∂L/∂W1 = δ₁ᵀX: each step is a matrix "
            "product, the forward pass's products transposed.")


__all__ = ["check_diverging_lr", "check_grad_w", "check_layer", "check_leaky_std", "check_soft_xent_grad",
           "check_two_layer_grads", "check_variance"]
