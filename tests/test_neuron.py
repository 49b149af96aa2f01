"""dotkit.nn.neuron: one 2-input neuron's score, gradient and descent step (no widgets needed)."""

from __future__ import annotations

import numpy as np
import pytest

from dotkit.errors import InputValueError
from dotkit.nn.neuron import as_neuron, evaluate, gradient_step, make_blobs_2d, neuron_gradients


def test_blobs_are_seeded_and_balanced() -> None:
    a, b = make_blobs_2d(40, seed=3), make_blobs_2d(40, seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X.shape == (40, 2) and a.y.sum() == 20
    assert not np.allclose(a.X, make_blobs_2d(40, seed=4).X)
    with pytest.raises(InputValueError, match="n must be"):
        make_blobs_2d(1)


def test_evaluate_matches_numpy() -> None:
    d = make_blobs_2d(30)
    w, b = np.array([1.5, -0.5]), 0.3
    z = d.X @ w + b
    p = 1 / (1 + np.exp(-z))
    want_loss = -np.mean(np.where(d.y == 1, np.log(p), np.log(1 - p)))
    v = evaluate(w, b, d.X, d.y)
    assert v["accuracy"] == pytest.approx(np.mean((z > 0) == (d.y == 1)))
    assert v["loss"] == pytest.approx(want_loss, rel=1e-9)
    # flipping the neuron flips every decision
    assert evaluate(-w, -b, d.X, d.y)["accuracy"] == pytest.approx(1 - v["accuracy"])


def test_neuron_gradients_match_finite_differences() -> None:
    d = make_blobs_2d(30)
    w, b, eps = np.array([0.7, -1.2]), 0.4, 1e-6
    dw, db = neuron_gradients(w, b, d.X, d.y)
    numeric_w = [(evaluate(w + eps * e, b, *d)["loss"] - evaluate(w - eps * e, b, *d)["loss"]) / (2 * eps)
                 for e in np.eye(2)]
    numeric_b = (evaluate(w, b + eps, *d)["loss"] - evaluate(w, b - eps, *d)["loss"]) / (2 * eps)
    np.testing.assert_allclose(dw, numeric_w, rtol=1e-6)
    assert db == pytest.approx(numeric_b, rel=1e-6)


def test_gradient_steps_lower_the_loss() -> None:
    d = make_blobs_2d()
    w, b = np.array([0.0, -1.0]), 1.0
    losses = [evaluate(w, b, *d)["loss"]]
    for _ in range(20):
        w, b = gradient_step(w, b, *d, lr=0.5)
        losses.append(evaluate(w, b, *d)["loss"])
    assert all(later < earlier for earlier, later in zip(losses, losses[1:], strict=False))
    with pytest.raises(InputValueError, match="lr must be"):
        gradient_step(w, b, *d, lr=0.0)


def test_as_neuron_refuses_what_is_not_two_weights_and_a_bias() -> None:
    w, b = as_neuron([1, 2], 3)
    assert w.dtype == np.float64 and b == 3.0
    with pytest.raises(InputValueError, match="w must be two finite numbers"):
        as_neuron((1.0, 2.0, 3.0), 0.0)
    with pytest.raises(InputValueError, match="b must be a finite number"):
        evaluate((1.0, 1.0), float("nan"), np.zeros((2, 2)), [0, 1])
