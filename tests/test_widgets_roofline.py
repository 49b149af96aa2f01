"""The roofline explorer (appendix A): its numbers follow the model's formulas, and it follows its sliders."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dotkit.bench import roof
from dotkit.errors import InputValueError
from dotkit.widgets.roofline import batch_crossing, layer_intensity, placements


def test_placements_on_the_toy_machine() -> None:
    """The appendix's toy machine: 100 GFLOP/s, 10 GB/s, ridge 10 FLOP/byte."""
    dot, layer, mm = placements(100.0, 10.0, batch=1, N=1024)
    assert (dot["kind"], layer["kind"], mm["kind"]) == ("dot", "layer", "matmul")
    assert dot["intensity"] == 0.25 and dot["bound_gflops"] == 2.5 and dot["side"] == "memory-bound"
    # y = W x with W 512 × 512 in float32: 2mn FLOPs over 4(mn + n + m) bytes
    assert layer["intensity"] == pytest.approx(2 * 512 * 512 / (4 * (512 * 512 + 1024)))
    assert layer["bound_gflops"] == pytest.approx(10 * layer["intensity"])
    assert mm["intensity"] == pytest.approx(1024 / 6) and mm["bound_gflops"] == 100.0
    assert mm["side"] == "compute-bound"


@given(peak=st.floats(1.0, 1e6), bandwidth=st.floats(0.1, 1e5), batch=st.integers(1, 4096),
       N=st.integers(1, 10_000), itemsize=st.sampled_from([2, 4, 8]))
def test_every_placement_is_the_roof_at_its_intensity(peak, bandwidth, batch, N, itemsize) -> None:
    for p in placements(peak, bandwidth, batch=batch, N=N, itemsize=itemsize):
        assert p["bound_gflops"] == roof(p["intensity"], peak, bandwidth) <= peak
        assert (p["side"] == "compute-bound") == (p["intensity"] >= peak / bandwidth)
    # halving the bytes per number doubles every intensity
    if itemsize == 4:
        wide = placements(peak, bandwidth, batch=batch, N=N, itemsize=8)
        narrow = placements(peak, bandwidth, batch=batch, N=N, itemsize=4)
        assert all(math.isclose(n["intensity"], 2 * w["intensity"]) for n, w in zip(narrow, wide))


@given(ridge=st.floats(0.01, 300.0), itemsize=st.sampled_from([2, 4, 8]))
def test_batch_crossing_is_the_first_batch_at_the_ridge(ridge, itemsize) -> None:
    B = batch_crossing(ridge, itemsize=itemsize, max_batch=4096)
    reached = [b for b in range(1, 4097) if layer_intensity(b, itemsize=itemsize) >= ridge]
    assert B == (reached[0] if reached else None)


def test_batch_crossing_matches_the_appendix() -> None:
    """The appendix's batching cell finds B = 14 against a 6.6 FLOP/byte ridge and B = 4 against 1.9."""
    assert batch_crossing(6.6) == 14 and batch_crossing(1.9) == 4
    # the 512 × 512 layer's intensity never exceeds 2mn / (4(m + n)) = 128 in float32
    assert batch_crossing(128.5) is None and layer_intensity(4096) < 128


@pytest.mark.parametrize(("call", "match"), [
    (lambda: placements(0.0, 10.0),
     "placements: peak_gflops must be a positive, finite number; received peak_gflops=0.0"),
    (lambda: placements(100.0, float("nan")), "placements: bandwidth_gbs must be a positive"),
    (lambda: placements(100.0, "10"), r"bandwidth_gbs='10' \(str\)"),
    (lambda: placements(100.0, 10.0, batch=0), "placements: batch must be >= 1; received batch=0"),
    (lambda: placements(100.0, 10.0, N=2.5), "placements: N must be an integer"),
    (lambda: placements(100.0, 10.0, itemsize=3), "placements: itemsize must be 2, 4 or 8"),
    (lambda: placements(100.0, 10.0, itemsize=True), "itemsize must be 2, 4 or 8"),
    (lambda: layer_intensity(-1), "layer_intensity: B must be >= 1"),
    (lambda: batch_crossing(-2.0), "batch_crossing: ridge must be a positive"),
])
def test_bad_input_names_the_function_and_the_argument(call, match) -> None:
    with pytest.raises(InputValueError, match=match):
        call()


def test_explorer_constructs_and_follows_its_sliders() -> None:
    pytest.importorskip("ipywidgets")
    pytest.importorskip("matplotlib")
    from dotkit.widgets.roofline import RooflineExplorer, roofline_explorer

    ex = roofline_explorer()
    assert isinstance(ex, RooflineExplorer)
    assert ex.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle
    assert "ridge point: <b>10</b>" in ex.readout.value and "from B = 22" in ex.readout.value
    first = ex.image.value
    ex.bandwidth.value = 100.0  # ridge 1: B = 2 gives 0.99, so the layer crosses at B = 3
    assert "ridge point: <b>1</b>" in ex.readout.value and "from B = 3" in ex.readout.value
    assert ex.image.value != first
    ex.format.value = "bfloat16"  # twice the numbers per byte
    assert "dot product: I = 0.5 FLOP/byte" in ex.readout.value
    ex.peak.value, ex.bandwidth.value = 1e6, 1.0  # a ridge of 10⁶: nothing crosses
    assert "stays left of the ridge for every B up to 4096" in ex.readout.value
    assert [p["side"] for p in ex.current()] == ["memory-bound"] * 3
    assert repr(ex).startswith("RooflineExplorer(peak=1e+06 GFLOP/s")
    ex.peak.value, ex.bandwidth.value = 1.0, 1e5  # a ridge of 10⁻⁵, left of the usual axes: they widen
    assert "ridge point: <b>1e-05</b>" in ex.readout.value and ex.image.value[:4] == b"\x89PNG"


def test_bad_explorer_settings() -> None:
    pytest.importorskip("ipywidgets")
    from dotkit.widgets.roofline import roofline_explorer

    with pytest.raises(InputValueError, match="roofline_explorer: peak_gflops must be a positive"):
        roofline_explorer(peak_gflops=-1.0)
    with pytest.raises(InputValueError, match="roofline_explorer: the sliders run over"):
        roofline_explorer(bandwidth_gbs=1e9)
    with pytest.raises(InputValueError, match="batch must be a power of two"):
        roofline_explorer(batch=3)
    with pytest.raises(InputValueError, match="number_format must be one of float32, bfloat16, float64"):
        roofline_explorer(number_format="int8")
