"""The chapter 2 neuron explorer builds without a frontend and follows its sliders."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from dotkit.errors import InputValueError  # noqa: E402
from dotkit.widgets.ch2 import NeuronExplorer, evaluate, make_blobs_2d, neuron_explorer  # noqa: E402


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


def test_explorer_constructs_and_follows_the_sliders() -> None:
    ex = neuron_explorer(w=(1.0, 0.5), b=0.0)
    assert isinstance(ex, NeuronExplorer)
    assert set(ex.sliders) == {"w1", "w2", "b"}
    assert ex.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "application/vnd.jupyter.widget-view+json" in ex._repr_mimebundle_()
    before = ex.values["accuracy"]
    ex.sliders["b"].value = 4.0  # pushes the line off the data: almost everything is class 0
    assert ex.values["accuracy"] != before
    assert ex.values == evaluate((1.0, 0.5), 4.0, *ex.data)
    assert "4.0" in ex.readout.value
    ex.sliders["w1"].value = 0.0
    ex.sliders["w2"].value = 0.0  # w = 0: no line, but no error either
    assert "undefined" in ex.readout.value
    assert "NeuronExplorer(w=(0.0, 0.0)" in repr(ex)


def test_bad_neuron() -> None:
    with pytest.raises(InputValueError, match="w must be two finite numbers"):
        neuron_explorer(w=(1.0, 2.0, 3.0))
    with pytest.raises(InputValueError, match="b must be a finite number"):
        evaluate((1.0, 1.0), float("nan"), np.zeros((2, 2)), [0, 1])
