"""The neuron explorer (chapter 2) builds without a frontend and follows its sliders."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from dotkit.errors import InputValueError  # noqa: E402
from dotkit.nn.neuron import evaluate, gradient_step, make_blobs_2d  # noqa: E402
from dotkit.widgets.neuron import NeuronExplorer, neuron_explorer  # noqa: E402


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


def test_the_step_button_moves_the_sliders_by_one_gradient_step() -> None:
    ex = neuron_explorer(w=(0.0, -1.0), b=1.0)
    ex.lr.value = 0.5
    ex.step_button.click()
    want_w, want_b = gradient_step((0.0, -1.0), 1.0, *ex.data, lr=0.5)
    np.testing.assert_allclose(ex.neuron()[0], want_w)
    assert ex.neuron()[1] == pytest.approx(want_b)
    assert ex.steps == 1 and "<b>1</b>" in ex.readout.value
    assert ex.values == evaluate(want_w, want_b, *ex.data)


def test_readout_never_shows_minus_zero() -> None:
    ex = neuron_explorer(w=(1.0, 0.0), b=0.0)
    assert "−0.00" not in ex.readout.value and "-0.00" not in ex.readout.value
    ex.sliders["b"].value = -0.001
    assert "-0.00" not in ex.readout.value


def test_draw_neuron_limit_keeps_a_long_arrow_in_view() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = make_blobs_2d(20)
    fig, ax = plt.subplots()
    from dotkit.widgets.neuron import draw_neuron

    draw_neuron((3.6, 1.0), -0.7, d.X, d.y, ax, limit=4.0)
    assert ax.get_xlim() == (-4.0, 4.0) and ax.get_ylim() == (-4.0, 4.0)
    with pytest.raises(InputValueError, match="limit must be"):
        draw_neuron((1.0, 1.0), 0.0, d.X, d.y, ax, limit=0.0)
    plt.close(fig)
