"""The neuron explorer: one neuron with two inputs and the line where it changes its mind (chapter 2).

A neuron with weights ``w = (w1, w2)`` and bias ``b`` computes
``z = w·x + b`` and ``σ(z)``. It says "class 1" where ``z > 0``: the points
``w·x = -b`` form a straight line, perpendicular to ``w`` and at signed
distance ``-b/‖w‖`` from the origin. Three sliders move ``w1``, ``w2`` and
``b``; every change recomputes ``z`` for all points with one matrix–vector
product (:func:`dotkit.nn.layers.dense`), redraws the line and the shading
``σ(z)``, and updates the accuracy and loss. A "step" button takes one step
of gradient descent on the mean log-loss (:func:`dotkit.nn.neuron.gradient_step`), so the
line can be watched while it learns. The picture is a PNG rendered
with matplotlib's Agg canvas, so the explorer also builds without a frontend.

Example:
    >>> from dotkit.widgets.neuron import neuron_explorer
    >>> ex = neuron_explorer(w=(1.0, 1.0), b=0.0)    # doctest: +SKIP
    >>> ex                                           # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dotkit.errors import InputValueError
from dotkit.nn.neuron import Blobs, as_neuron, evaluate, gradient_step, make_blobs_2d
from dotkit.widgets._render import Explorer, new_figure, png_bytes

_LIMIT = 3.0  # the plot shows [-3, 3]²
_SLIDER = 8.0  # the sliders run over [-8, 8]: room for the larger weights that training reaches


def _fmt(value: float, digits: int = 2) -> str:
    """``value`` rounded for display, never as ``-0.00``."""
    return f"{round(float(value), digits) + 0.0:.{digits}f}"


def draw_neuron(w: Any, b: float, X: Any, y: Any, ax: Any, *, shade: bool = True, limit: float = _LIMIT) -> Any:
    """Draw the data, the shading ``σ(w·x + b)``, the boundary ``w·x + b = 0`` and the arrow ``w``.

    The arrow is ``w`` itself, drawn from the origin: its length ``‖w‖`` is the
    steepness of ``σ`` across the line. The axes show ``[-limit, limit]²``; make
    ``limit`` larger than ``‖w‖`` to keep the arrow's tip in view.

    Example:
        >>> fig, ax = plt.subplots()                            # doctest: +SKIP
        >>> draw_neuron((1, 1), 0.0, d.X, d.y, ax)              # doctest: +SKIP
    """
    w, b = as_neuron(w, b)
    if not (isinstance(limit, (int, float)) and math.isfinite(limit) and limit > 0):
        raise InputValueError(f"draw_neuron: limit must be a positive number; received limit={limit!r}")
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if shade:
        grid = np.linspace(-limit, limit, 121)
        g1, g2 = np.meshgrid(grid, grid)
        z = w[0] * g1 + w[1] * g2 + b
        prob = 0.5 * (1.0 + np.tanh(0.5 * z))  # σ(z), written so that it never overflows
        ax.contourf(g1, g2, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
    for label, colour, marker in ((0, "tab:blue", "o"), (1, "tab:red", "s")):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], c=colour, marker=marker, s=22, edgecolors="k", linewidths=0.4,
                   label=f"class {label}")
    norm = float(np.hypot(*w))
    if norm > 1e-12:
        foot = -b / norm**2 * w  # the point of the line nearest the origin
        direction = np.array([-w[1], w[0]]) / norm
        ends = foot + np.outer([-3 * limit, 3 * limit], direction)
        ax.plot(ends[:, 0], ends[:, 1], "k-", lw=2, label="w·x + b = 0")
        ax.quiver(0.0, 0.0, w[0], w[1], angles="xy", scale_units="xy", scale=1.0, color="k", width=0.012,
                  label="w (from the origin)")
    ax.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal", xlabel="x₁", ylabel="x₂")
    v = evaluate(w, b, X, y)
    ax.set_title(f"w = ({_fmt(w[0])}, {_fmt(w[1])}), b = {_fmt(b)}: accuracy {v['accuracy']:.0%}", fontsize=10)
    ax.legend(loc="lower right", fontsize=7)
    return ax


def _weights(op: str, w: Any) -> np.ndarray:
    """Two finite weights, or an error naming ``op`` (the reader called the explorer, not the neuron)."""
    from dotkit._inputs import as_array
    from dotkit.backends import get_backend

    v = as_array(op, "w", w, get_backend("numpy"), allow_int=False, finite=True)
    if tuple(v.shape) != (2,):
        raise InputValueError(f"{op}: w must be two finite numbers (w1, w2); received w.shape={tuple(v.shape)}")
    return np.asarray(v, dtype=np.float64)


def _bias(op: str, b: Any) -> float:
    real = isinstance(b, (int, float, np.integer, np.floating)) and not isinstance(b, (bool, np.bool_))
    if not (real and math.isfinite(float(b))):
        raise InputValueError(f"{op}: b must be a finite number; received b={b!r:.60}")
    return float(b)


class NeuronExplorer(Explorer):
    """The widget behind :func:`neuron_explorer`; display it in a notebook.

    Attributes:
        sliders: ``{"w1", "w2", "b"}`` → FloatSlider.
        lr: the FloatSlider of the learning rate ``η`` used by :meth:`step`.
        step_button: a Button that calls :meth:`step`; steps: how many were taken.
        data: the :class:`Blobs` on display.
        readout: an HTML widget with the numbers.
        image: an Image widget with the picture.
        values: the latest :func:`evaluate` result.
        widget: the whole layout (an HBox).
    """

    def __init__(self, w: Any = (1.0, 0.5), b: float = 0.0, data: Blobs | None = None) -> None:
        import ipywidgets as widgets

        w, b = as_neuron(_weights("NeuronExplorer", w), _bias("NeuronExplorer", b))
        self.data = make_blobs_2d() if data is None else Blobs(np.asarray(data[0], float), np.asarray(data[1]))

        def slider(value: float, label: str) -> Any:
            return widgets.FloatSlider(value=float(np.clip(value, -_SLIDER, _SLIDER)), min=-_SLIDER, max=_SLIDER,
                                       step=0.01, description=label, continuous_update=True,
                                       readout_format=".2f")

        self.sliders = {"w1": slider(w[0], "w₁"), "w2": slider(w[1], "w₂"), "b": slider(b, "b")}
        self.lr = widgets.FloatSlider(value=0.5, min=0.05, max=5.0, step=0.05, description="η",
                                      readout_format=".2f")
        self.step_button = widgets.Button(description="step", tooltip="one step of gradient descent")
        self.step_button.on_click(lambda _button: self.step())
        self.steps = 0
        self.readout = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="380px"))
        self.values: dict[str, float] = {}
        self._holding = False
        for s in self.sliders.values():
            s.observe(self._update, names="value")
        controls = widgets.VBox([*self.sliders.values(), widgets.HBox([self.lr, self.step_button]), self.readout])
        self.widget = widgets.HBox([self.image, controls])
        self._update()

    def step(self) -> tuple[np.ndarray, float]:
        """One step of gradient descent on the data's mean log-loss (:func:`gradient_step`); moves the sliders."""
        w, b = gradient_step(*self.neuron(), *self.data, lr=float(self.lr.value))
        self._holding = True  # one redraw for the three sliders, not three
        try:
            for key, value in zip(("w1", "w2", "b"), (*w, b)):
                self.sliders[key].value = float(np.clip(value, -_SLIDER, _SLIDER))
        finally:
            self._holding = False
        self.steps += 1
        self._update()
        return self.neuron()

    def neuron(self) -> tuple[np.ndarray, float]:
        """The current ``(w, b)`` from the sliders."""
        return np.array([self.sliders["w1"].value, self.sliders["w2"].value]), float(self.sliders["b"].value)

    def _update(self, change: Any = None) -> None:
        if self._holding:
            return
        w, b = self.neuron()
        self.values = evaluate(w, b, *self.data)
        norm = float(np.hypot(*w))
        distance = _fmt(-b / norm) if norm > 1e-12 else "undefined (w = 0)"
        rows = [
            ("z = w₁x₁ + w₂x₂ + b", f"{_fmt(w[0])}·x₁ + {_fmt(w[1])}·x₂ + {_fmt(b)}"),
            ("accuracy (z > 0 means class 1)", f"{self.values['accuracy']:.1%}"),
            ("mean log-loss of σ(z)", f"{self.values['loss']:.3f}"),
            ("‖w‖ (steepness of σ across the line)", f"{norm:.2f}"),
            ("signed distance of the line from 0: −b/‖w‖", distance),
            ("gradient-descent steps taken", str(self.steps)),
        ]
        cells = "".join(f"<tr><td>{k}</td><td><b>{v}</b></td></tr>" for k, v in rows)
        self.readout.value = f"<table>{cells}</table>"
        self.image.value = self._png(w, b)

    def _png(self, w: np.ndarray, b: float) -> bytes:
        fig = new_figure(figsize=(4.2, 4.2))
        draw_neuron(w, b, *self.data, fig.add_subplot())
        fig.tight_layout()
        return png_bytes(fig)

    def __repr__(self) -> str:
        w, b = self.neuron()
        return (f"NeuronExplorer(w=({_fmt(w[0], 1)}, {_fmt(w[1], 1)}), b={_fmt(b, 1)}, "
                f"accuracy={self.values['accuracy']:.3f})")


def neuron_explorer(w: Any = (1.0, 0.5), b: float = 0.0, data: Blobs | None = None) -> NeuronExplorer:
    """An explorer of one 2-input neuron: drag ``w1``, ``w2`` and ``b``, watch its decision line.

    Args:
        w: the starting weights (two numbers); b: the starting bias.
        data: ``(X, y)`` to show; a seeded :func:`make_blobs_2d` set by default.

    Returns:
        A :class:`NeuronExplorer`; display it (last line of a cell) to play.

    Example:
        >>> ex = neuron_explorer((1.0, 0.5), 0.0)     # doctest: +SKIP
        >>> ex.sliders["b"].value = 1.0               # doctest: +SKIP
    """
    return NeuronExplorer(w, b, data)


__all__ = ["NeuronExplorer", "draw_neuron", "neuron_explorer"]
