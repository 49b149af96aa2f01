"""The chapter 1 explorer builds without a frontend and follows its sliders."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from dotkit.errors import InputValueError  # noqa: E402
from dotkit.widgets.vectors import VectorExplorer, draw_pair, explain, vector_explorer  # noqa: E402


def oracle(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    dot = float(a @ b)
    return {
        "dot": dot,
        "angle": math.degrees(math.acos(dot / (np.linalg.norm(a) * np.linalg.norm(b)))),
        "scalar_projection": dot / float(np.linalg.norm(b)),
    }


def test_explain_matches_numpy() -> None:
    a, b = np.array([2.0, 1.0]), np.array([-0.5, 2.0])
    v = explain(a, b)
    want = oracle(a, b)
    for key in want:
        assert math.isclose(v[key], want[key], rel_tol=1e-5, abs_tol=1e-6), key
    assert math.isclose(v["geometric"], v["dot"], rel_tol=1e-5, abs_tol=1e-6)
    np.testing.assert_allclose(v["projection"], (a @ b) / (b @ b) * b, rtol=1e-5, atol=1e-6)
    assert explain([1.0, 0.0], [0.0, 2.0])["sign"].startswith("zero")
    assert explain([1.0, 0.0], [-1.0, 0.5])["sign"].startswith("negative")


def test_explorer_constructs_and_shows_the_numbers() -> None:
    ex = vector_explorer(a=(2.0, 1.0), b=(0.5, 2.0))
    assert isinstance(ex, VectorExplorer)
    assert set(ex.sliders) == {"a_angle", "a_length", "b_angle", "b_length"}
    a, b = ex.vectors()
    assert math.isclose(ex.values["dot"], float(a @ b), rel_tol=1e-5)
    assert f"{float(a @ b):.3f}" in ex.readout.value
    assert ex.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_moving_a_slider_updates_everything() -> None:
    ex = vector_explorer(a=(2.0, 0.0), b=(0.0, 1.0))  # perpendicular: a·b = 0
    assert abs(ex.values["dot"]) < 1e-9 and "zero" in ex.readout.value
    before_png = ex.image.value

    ex.sliders["b_angle"].value = 0.0  # b now along a: a·b = 2 · 1
    assert math.isclose(ex.values["dot"], 2.0, rel_tol=1e-6)
    assert math.isclose(ex.values["angle"], 0.0, abs_tol=1e-3)
    assert "2.000" in ex.readout.value and "positive" in ex.readout.value
    assert ex.image.value != before_png

    ex.sliders["a_length"].value = 3.0
    ex.sliders["b_angle"].value = 180.0  # opposite: a·b = −3
    assert math.isclose(ex.values["dot"], -3.0, rel_tol=1e-6)
    assert "-3.000" in ex.readout.value and "negative" in ex.readout.value
    np.testing.assert_allclose(ex.values["projection"], [3.0, 0.0], atol=1e-6)


def test_bad_starting_vectors_are_refused() -> None:
    with pytest.raises(InputValueError, match="a must be two finite numbers"):
        vector_explorer(a=(1.0, 2.0, 3.0))
    with pytest.raises(InputValueError, match="length between"):
        vector_explorer(b=(0.0, 0.0))


def test_draw_pair_draws_on_given_axes() -> None:
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    assert draw_pair([2.0, 1.0], [0.5, 2.0], ax) is ax
    assert "a·b = 3.00" in ax.get_title()
    # every line style drawn is keyed in the legend: the line through b, the residual, the projection, the arc
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 4 and any("perpendicular" in t for t in labels) and any("θ" in t for t in labels)


def test_starting_vectors_are_kept_exactly_until_a_slider_moves() -> None:
    ex = vector_explorer(a=(2.0, 1.0), b=(0.5, 2.0))
    a, b = ex.vectors()
    np.testing.assert_array_equal(a, [2.0, 1.0])
    np.testing.assert_array_equal(b, [0.5, 2.0])
    assert "(2.00, 1.00)" in ex.readout.value and math.isclose(ex.values["dot"], 3.0, rel_tol=1e-12)
    ex.sliders["b_length"].value = 1.0  # b now follows its sliders; a is still exact
    a, b = ex.vectors()
    np.testing.assert_array_equal(a, [2.0, 1.0])
    assert math.isclose(float(np.hypot(*b)), 1.0, rel_tol=1e-9)


def test_sign_readout_flips_at_ninety_degrees() -> None:
    ex = vector_explorer(a=(1.0, 0.0), b=(1.0, 0.0))
    for angle, word in ((89.0, "positive"), (90.0, "zero"), (91.0, "negative")):
        ex.sliders["b_angle"].value = angle
        assert word in ex.values["sign"] and word in ex.readout.value, (angle, ex.values["sign"])
    assert "same way" not in ex.readout.value
