"""The roofline explorer: a machine of two numbers and the course's operations placed on it (appendix A).

A machine with a peak of ``P`` GFLOP/s and a memory bandwidth of ``W`` GB/s
bounds an operation of arithmetic intensity ``I`` (FLOPs per byte moved) at
``min(P, I × W)`` GFLOP/s (:func:`dotkit.bench.roof`). The explorer places
three operations on that bound by arithmetic alone: a dot product (``I =
1/itemsize``, whatever its length), a fully connected layer of ``m × n``
weights applied to a batch of ``B`` inputs, and the product of two ``N × N``
matrices (``I = 2N / (3 · itemsize)``). Sliders move the peak, the bandwidth,
``B`` and ``N``, and a menu the number format; the picture redraws the roof,
the ridge point ``P / W`` and the three points, and the text under it says
which side of the ridge each lies on and from which batch the layer crosses it.
Nothing is timed: the explorer shows the model, not a measurement.

The numbers are computed by :func:`placements` and :func:`batch_crossing`,
which need no ipywidgets. The picture is PNG from matplotlib's Agg canvas in
an ``ipywidgets.Image``, so the explorer is built and driven without a
frontend (tests do).

Example:
    >>> from dotkit.widgets.roofline import placements
    >>> [round(p["bound_gflops"], 2) for p in placements(100.0, 10.0, batch=1, N=1024)]
    [2.5, 4.98, 100.0]
    >>> from dotkit.widgets.roofline import roofline_explorer
    >>> roofline_explorer(peak_gflops=100.0, bandwidth_gbs=10.0)   # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any

from dotkit._inputs import check_positive_int
from dotkit.errors import InputValueError
from dotkit.widgets._render import Explorer, new_figure, png_bytes

#: the number formats the explorer offers, with their bytes per number
FORMATS = {"float32": 4, "bfloat16": 2, "float64": 8}
#: the layer's weights: a 512 × 512 matrix, as in the appendix's batching section
LAYER_SHAPE = (512, 512)
_BATCHES = tuple(2**k for k in range(13))  # 1 … 4096
_SIZES = tuple(2**k for k in range(4, 14))  # 16 … 8192
_MARKERS = {"dot": ("o", "tab:blue"), "layer": ("s", "tab:orange"), "matmul": ("D", "tab:green")}


def _positive(fn: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
        raise InputValueError(f"{fn}: {name} must be a positive, finite number; received {name}={value!r:.60} "
                              f"({type(value).__name__})")
    return float(value)


def _count(fn: str, name: str, value: Any) -> int:
    return check_positive_int(fn, name, value)


def _itemsize(fn: str, itemsize: Any) -> int:
    if isinstance(itemsize, bool) or itemsize not in FORMATS.values():
        raise InputValueError(f"{fn}: itemsize must be 2, 4 or 8 (bytes per number); "
                              f"received itemsize={itemsize!r:.60}")
    return int(itemsize)


def layer_intensity(B: int, m: int = LAYER_SHAPE[0], n: int = LAYER_SHAPE[1], itemsize: int = 4) -> float:
    """FLOPs per byte of a layer ``Y = W X``: ``W`` is ``m × n``, ``X`` holds ``B`` inputs.

    ``2Bmn`` FLOPs over the bytes of the weights, the ``B`` inputs and the ``B``
    outputs, each moved once: ``2Bmn / (itemsize · (mn + Bn + Bm))``.
    """
    B, m, n = (_count("layer_intensity", k, v) for k, v in (("B", B), ("m", m), ("n", n)))
    itemsize = _itemsize("layer_intensity", itemsize)
    return 2 * B * m * n / (itemsize * (m * n + B * n + B * m))


def batch_crossing(ridge: float, m: int = LAYER_SHAPE[0], n: int = LAYER_SHAPE[1], itemsize: int = 4,
                   max_batch: int = 4096) -> int | None:
    """The smallest batch ``B ≤ max_batch`` whose layer intensity reaches ``ridge``, or None.

    The intensity grows with ``B`` towards ``2mn / (itemsize · (m + n))``, so a
    ridge above that limit is never reached, however large the batch.
    """
    ridge = _positive("batch_crossing", "ridge", ridge)
    m, n, max_batch = (_count("batch_crossing", k, v) for k, v in (("m", m), ("n", n), ("max_batch", max_batch)))
    itemsize = _itemsize("batch_crossing", itemsize)
    if layer_intensity(max_batch, m, n, itemsize) < ridge:
        return None
    lo, hi = 1, max_batch  # the intensity rises with B: bisect for the first B that reaches the ridge
    while lo < hi:
        mid = (lo + hi) // 2
        if layer_intensity(mid, m, n, itemsize) >= ridge:
            hi = mid
        else:
            lo = mid + 1
    return lo


def placements(peak_gflops: float, bandwidth_gbs: float, *, batch: int = 1, N: int = 1024,
               itemsize: int = 4) -> list[dict[str, Any]]:
    """The dot product, the layer at ``batch`` and the ``N × N`` matrix product on one roofline.

    Returns one dict per operation: ``kind`` (``"dot"``, ``"layer"``, ``"matmul"``), ``name``,
    ``intensity`` (FLOP/byte),
    ``bound_gflops`` (``min(peak, I × bandwidth)``) and ``side`` (``"memory-bound"``
    left of the ridge, ``"compute-bound"`` on or right of it).
    """
    from dotkit.bench import roof

    peak = _positive("placements", "peak_gflops", peak_gflops)
    bandwidth = _positive("placements", "bandwidth_gbs", bandwidth_gbs)
    batch, N = _count("placements", "batch", batch), _count("placements", "N", N)
    itemsize = _itemsize("placements", itemsize)
    ridge = peak / bandwidth
    m, n = LAYER_SHAPE
    ops = (("dot", "dot product", 1 / itemsize),
           ("layer", f"layer {m}×{n}, B = {batch}", layer_intensity(batch, m, n, itemsize)),
           ("matmul", f"matmul N = {N}", 2 * N / (3 * itemsize)))
    return [{"kind": kind, "name": name, "intensity": I, "bound_gflops": roof(I, peak, bandwidth),
             "side": "compute-bound" if I >= ridge else "memory-bound"} for kind, name, I in ops]


def _number(x: float) -> str:
    """A rate or an intensity to three significant digits: 0.25, 4.98, 171, 67,000."""
    return f"{x:.3g}" if x < 1000 else f"{float(f'{x:.3g}'):,.0f}"


class RooflineExplorer(Explorer):
    """The widget behind :func:`roofline_explorer`.

    Attributes:
        peak, bandwidth: FloatLogSliders, GFLOP/s and GB/s.
        batch, size: SelectionSliders, the layer's batch ``B`` and the matrices' ``N``.
        format: Dropdown, the number format (its bytes per number).
        readout: HTML with the numbers; image: the picture; widget: the layout.
    """

    def __init__(self, peak_gflops: float = 100.0, bandwidth_gbs: float = 10.0, batch: int = 1,
                 N: int = 1024, number_format: str = "float32") -> None:
        import ipywidgets as w

        peak = _positive("roofline_explorer", "peak_gflops", peak_gflops)
        bandwidth = _positive("roofline_explorer", "bandwidth_gbs", bandwidth_gbs)
        if not (1 <= peak <= 1e6 and 0.1 <= bandwidth <= 1e5):
            raise InputValueError(f"roofline_explorer: the sliders run over 1 to 10⁶ GFLOP/s and 0.1 to 10⁵ GB/s; "
                                  f"received peak_gflops={peak_gflops!r}, bandwidth_gbs={bandwidth_gbs!r}")
        if batch not in _BATCHES or N not in _SIZES:
            raise InputValueError(f"roofline_explorer: batch must be a power of two from 1 to 4096 and N one from 16 "
                                  f"to 8192; received batch={batch!r:.40}, N={N!r:.40}")
        if number_format not in FORMATS:
            raise InputValueError(f"roofline_explorer: number_format must be one of {', '.join(FORMATS)}; "
                                  f"received number_format={number_format!r:.40}")
        style = {"description_width": "150px"}
        wide = w.Layout(width="460px")
        self.peak = w.FloatLogSlider(value=peak, base=10, min=0, max=6, step=0.001, readout_format=".4g",
                                     description="peak (GFLOP/s)", style=style, layout=wide)
        self.bandwidth = w.FloatLogSlider(value=bandwidth, base=10, min=-1, max=5, step=0.001, readout_format=".4g",
                                          description="bandwidth (GB/s)", style=style, layout=wide)
        self.batch = w.SelectionSlider(options=_BATCHES, value=batch, description="layer batch B",
                                       style=style, layout=wide)
        self.size = w.SelectionSlider(options=_SIZES, value=N, description="matmul size N", style=style, layout=wide)
        self.format = w.Dropdown(options=list(FORMATS), value=number_format, description="number format",
                                 style=style)
        self.readout = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(width="620px"))
        for control in (self.peak, self.bandwidth, self.batch, self.size, self.format):
            control.observe(self._on_change, names="value")
        self.widget = w.VBox([w.VBox([self.peak, self.bandwidth, self.batch, self.size, self.format]),
                              self.image, self.readout])
        self._draw()

    @property
    def itemsize(self) -> int:
        return FORMATS[self.format.value]

    def current(self) -> list[dict[str, Any]]:
        """The three placements at the sliders' values."""
        return placements(self.peak.value, self.bandwidth.value, batch=self.batch.value, N=self.size.value,
                          itemsize=self.itemsize)

    def _on_change(self, change: Any) -> None:
        self._draw()

    def _draw(self) -> None:
        points = self.current()
        ridge = self.peak.value / self.bandwidth.value
        crossing = batch_crossing(ridge, itemsize=self.itemsize)
        m, n = LAYER_SHAPE
        lines = [f"ridge point: <b>{_number(ridge)}</b> FLOP/byte (peak / bandwidth)"]
        lines += [f"{p['name']}: I = {_number(p['intensity'])} FLOP/byte, at most <b>{_number(p['bound_gflops'])}"
                  f"</b> GFLOP/s, {p['side']}" for p in points]
        lines.append(f"the {m}×{n} layer reaches the ridge from B = {crossing}" if crossing else
                     f"the {m}×{n} layer stays left of the ridge for every B up to 4096 (its intensity "
                     f"never exceeds {_number(2 * m * n / (self.itemsize * (m + n)))})")
        self.readout.value = "<br>".join(lines)
        self.image.value = self._png(points, ridge, lines[-1])

    def _png(self, points: list[dict[str, Any]], ridge: float, crossing: str) -> bytes:
        from dotkit.bench import roof

        peak, bandwidth = self.peak.value, self.bandwidth.value
        fig = new_figure(figsize=(7.6, 4.6))
        ax = fig.subplots()
        # 10⁻³ … 10⁵ FLOP/byte, widened to keep a far ridge in view
        lo, hi = min(-3.0, math.floor(math.log10(ridge)) - 1), max(5.0, math.ceil(math.log10(ridge)) + 1)
        xs = [10 ** (lo + (hi - lo) * k / 200) for k in range(201)]
        ax.loglog(xs, [roof(x, peak, bandwidth) for x in xs], color="k", lw=2,
                  label=f"roof: min({_number(peak)}, I × {_number(bandwidth)}) GFLOP/s")
        ax.axvline(ridge, color="0.5", ls=":", label=f"ridge point, I = {_number(ridge)} FLOP/byte")
        for p in points:
            marker, colour = _MARKERS[p["kind"]]
            ax.plot(p["intensity"], p["bound_gflops"], marker, color=colour, ms=9, mec="k",
                    label=f"{p['name']}: I = {_number(p['intensity'])}, ≤ {_number(p['bound_gflops'])} GFLOP/s")
        ax.set(xlabel="arithmetic intensity I (FLOP per byte)", ylabel="attainable rate (GFLOP/s)",
               xlim=(xs[0], xs[-1]), ylim=(min(peak, xs[0] * bandwidth), peak * 30))
        ax.set_title(f"Roofline of a machine with {_number(peak)} GFLOP/s and {_number(bandwidth)} GB/s, "
                     f"{self.format.value}\n{crossing}", fontsize=10)
        ax.legend(fontsize=9, loc="lower right")
        fig.tight_layout()
        return png_bytes(fig)

    def __repr__(self) -> str:
        return (f"RooflineExplorer(peak={self.peak.value:.3g} GFLOP/s, bandwidth={self.bandwidth.value:.3g} GB/s, "
                f"B={self.batch.value}, N={self.size.value}, {self.format.value})")


def roofline_explorer(peak_gflops: float = 100.0, bandwidth_gbs: float = 10.0, batch: int = 1, N: int = 1024,
                      number_format: str = "float32") -> RooflineExplorer:
    """An explorer of the roofline model: move a machine's two numbers and see where the operations land.

    Args:
        peak_gflops: the opening peak, 1 to 10⁶ GFLOP/s (the toy machine's 100 by default).
        bandwidth_gbs: the opening bandwidth, 0.1 to 10⁵ GB/s (10 by default).
        batch: the layer's opening batch, a power of two from 1 to 4096.
        N: the matrix product's opening size, a power of two from 16 to 8192.
        number_format: ``"float32"``, ``"bfloat16"`` or ``"float64"``.
    """
    return RooflineExplorer(peak_gflops, bandwidth_gbs, batch, N, number_format)


__all__ = ["FORMATS", "LAYER_SHAPE", "RooflineExplorer", "batch_crossing", "layer_intensity", "placements",
           "roofline_explorer"]
