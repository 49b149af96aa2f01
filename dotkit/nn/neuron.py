"""One neuron with two inputs, ``σ(w·x + b)``, on a small labelled data set in the plane.

The neuron says "class 1" where ``z = w·x + b > 0``; :func:`evaluate` scores
it (accuracy and mean log-loss), :func:`neuron_gradients` gives the gradient
of that loss and :func:`gradient_step` takes one step of gradient descent.
:func:`make_blobs_2d` draws the two seeded clouds the neuron explorer
(:mod:`dotkit.widgets.neuron`) shows.

Example:
    >>> d = make_blobs_2d(20)
    >>> w, b = gradient_step((0.0, 0.0), 0.0, d.X, d.y)
    >>> evaluate(w, b, d.X, d.y)["accuracy"] > 0.5
    True
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from dotkit.errors import InputValueError


class Blobs(NamedTuple):
    """A small labelled 2-D data set: ``X`` is ``(n, 2)``, ``y`` is ``(n,)`` of 0/1."""

    X: np.ndarray
    y: np.ndarray


def make_blobs_2d(n: int = 60, *, seed: int = 2, spread: float = 0.7) -> Blobs:
    """Two seeded Gaussian clouds in the plane, class 0 around (-1, -0.5), class 1 around (1, 0.8).

    Example:
        >>> make_blobs_2d(10).X.shape
        (10, 2)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise InputValueError(f"make_blobs_2d: n must be an integer >= 2; received n={n!r}")
    if not (isinstance(spread, (int, float)) and math.isfinite(spread) and spread > 0):
        raise InputValueError(f"make_blobs_2d: spread must be a positive number; received spread={spread!r}")
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    centres = np.array([[-1.0, -0.5], [1.0, 0.8]])
    X = centres[y] + spread * rng.standard_normal((n, 2))
    return Blobs(X, y)


def as_neuron(w: Any, b: Any, op: str = "neuron") -> tuple[np.ndarray, float]:
    """``(w, b)`` as two float weights and a float bias, refusing anything else in ``op``'s name.

    Example:
        >>> as_neuron([1, 2], 0)
        (array([1., 2.]), 0.0)
    """
    try:
        w = np.asarray(w, dtype=float)
    except (TypeError, ValueError):
        raise InputValueError(f"{op}: w must be two finite numbers; received w={w!r}") from None
    if w.shape != (2,) or not np.all(np.isfinite(w)):
        raise InputValueError(f"{op}: w must be two finite numbers; received w={w!r}")
    if isinstance(b, bool) or not (isinstance(b, (int, float, np.floating, np.integer)) and math.isfinite(float(b))):
        raise InputValueError(f"{op}: b must be a finite number; received b={b!r}")
    return w, float(b)


def _points(X: Any, y: Any, op: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` as ``(n, 2)`` floats and ``y`` as ``n`` labels in {0, 1}, checked in ``op``'s name."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise InputValueError(f"{op}: X must be (n, 2) points; received X.shape={X.shape}")
    if y.shape != (X.shape[0],):
        raise InputValueError(f"{op}: y must hold one label per row of X ({X.shape[0]}); received y.shape={y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise InputValueError(f"{op}: y must hold labels 0 and 1; received values {np.unique(y)[:5]!r}")
    return X, np.array(y, dtype=float)


def evaluate(w: Any, b: float, X: Any, y: Any) -> dict[str, float]:
    """How the neuron ``σ(w·x + b)`` does on ``(X, y)``: accuracy and mean log-loss.

    ``z = X wᵀ + b`` is computed with :func:`dotkit.nn.layers.dense`, one dot
    product per point.

    Example:
        >>> d = make_blobs_2d(20)
        >>> 0 <= evaluate((1.0, 1.0), 0.0, d.X, d.y)["accuracy"] <= 1
        True
    """
    from dotkit.linalg import to_numpy
    from dotkit.nn.layers import dense

    w, b = as_neuron(w, b, "evaluate")
    X, y = _points(X, y, "evaluate")
    z = to_numpy(dense(X, w[None, :], [b], backend="numpy"))[:, 0]
    # log σ(z) = -log(1 + e^{-z}), written with logaddexp so that it never overflows
    loss = np.mean(np.where(y == 1, np.logaddexp(0.0, -z), np.logaddexp(0.0, z)))
    return {"accuracy": float(np.mean((z > 0) == (y == 1))), "loss": float(loss)}


def neuron_gradients(w: Any, b: float, X: Any, y: Any) -> tuple[np.ndarray, float]:
    """``∂L/∂w`` and ``∂L/∂b`` of the mean log-loss of ``σ(w·x + b)`` on ``(X, y)``.

    With ``p = σ(z)`` and labels ``y`` in {0, 1}, the error signal of each point is
    ``δ = (p - y) / n``; then ``∂L/∂w = Xᵀ δ`` and ``∂L/∂b = Σ δ``.

    Example:
        >>> neuron_gradients((0.0, 0.0), 0.0, [[1.0, 2.0], [3.0, 4.0]], [1, 0])
        (array([0.5, 0.5]), 0.0)
    """
    w, b = as_neuron(w, b, "neuron_gradients")
    X, y = _points(X, y, "neuron_gradients")
    z = X @ w + b
    delta = (0.5 * (1.0 + np.tanh(0.5 * z)) - y) / len(y)  # σ(z) - y, written so that it never overflows
    return X.T @ delta, float(delta.sum())


def gradient_step(w: Any, b: float, X: Any, y: Any, lr: float = 0.5) -> tuple[np.ndarray, float]:
    """One step of gradient descent on the mean log-loss: ``w ← w - η ∂L/∂w``, ``b ← b - η ∂L/∂b``.

    Example:
        >>> gradient_step((0.0, 0.0), 0.0, [[1.0, 2.0], [3.0, 4.0]], [1, 0], lr=1.0)
        (array([-0.5, -0.5]), 0.0)
    """
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise InputValueError(f"gradient_step: lr must be a positive number; received lr={lr!r}")
    w, b = as_neuron(w, b, "gradient_step")
    dw, db = neuron_gradients(w, b, X, y)
    return w - lr * dw, b - lr * db


__all__ = ["Blobs", "as_neuron", "evaluate", "gradient_step", "make_blobs_2d", "neuron_gradients"]
