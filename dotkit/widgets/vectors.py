"""The vector explorer: two vectors in the plane, their angle, dot product and projection (chapter 1).

Four sliders set the direction and length of ``a`` and ``b``. Every change
recomputes ``a·b`` (with :func:`dotkit.dot`), ``‖a‖‖b‖cos θ``, the angle and
the projection of ``a`` on ``b`` (with :func:`dotkit.project`), redraws the
picture and updates the numbers beside it. The picture is rendered to PNG with
matplotlib's Agg canvas and shown in an ``ipywidgets.Image``, so the explorer
works in any frontend and can be built and driven without one (tests do).

Example:
    >>> from dotkit.widgets.vectors import vector_explorer
    >>> ex = vector_explorer(a=(2.0, 1.0), b=(1.0, 2.0))   # doctest: +SKIP
    >>> ex                                                  # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import dotkit as dk
from dotkit.errors import InputValueError
from dotkit.widgets._render import Explorer, new_figure, png_bytes

_LIMIT = 3.5  # the plot shows [-3.5, 3.5]²; the length sliders stop at 3


def _vector2(op: str, name: str, vector: Any, *, finite: bool) -> np.ndarray:
    """``vector`` as two float64 numbers, or an error that names ``op`` and ``name``."""
    from dotkit._inputs import as_array
    from dotkit.backends import get_backend

    v = as_array(op, name, vector, get_backend("numpy"), allow_int=False, finite=finite)
    if tuple(v.shape) != (2,):
        raise InputValueError(f"{op}: {name} must be two {'finite ' if finite else ''}numbers, a vector in the "
                              f"plane; received {name}.shape={tuple(v.shape)}")
    return np.asarray(v, dtype=np.float64)


def _polar(vector: Any, name: str) -> tuple[float, float]:
    v = _vector2("VectorExplorer (vector_explorer)", name, vector, finite=True)
    length = float(np.hypot(*v))
    if not 0.1 <= length <= 3.0:
        raise InputValueError(
            f"vector_explorer: {name} must have a length between 0.1 and 3; "
            f"received ‖{name}‖={length:.3g}"
        )
    return math.degrees(math.atan2(v[1], v[0])) % 360.0, length


def explain(a: Any, b: Any) -> dict[str, Any]:
    """Everything the explorer shows for two 2-D vectors, computed with dotkit.

    Returns a dict with ``dot`` (Σ aᵢbᵢ), ``geometric`` (‖a‖‖b‖cos θ),
    ``angle`` (θ in degrees), ``scalar_projection`` (a·b/‖b‖), ``projection``
    (the vector (a·b/b·b) b, as a NumPy array) and ``sign`` (a word).

    Example:
        >>> round(explain([1.0, 0.0], [0.0, 2.0])["dot"], 6)
        0.0
    """
    a, b = _vector2("explain", "a", a, finite=False), _vector2("explain", "b", b, finite=False)
    dot = float(dk.dot(a, b))
    na, nb = float(dk.norm(a)), float(dk.norm(b))
    # a zero or NaN vector has no direction: its angle and projection are undefined, not 90°
    directed = all(bool(np.all(np.isfinite(v)) and np.any(v != 0)) for v in (a, b))
    theta = float(dk.angle(a, b, degrees=True)) if directed else math.nan
    return {
        "dot": dot,
        "geometric": na * nb * math.cos(math.radians(theta)),
        "angle": theta,
        "scalar_projection": dot / nb if directed else math.nan,
        "projection": np.asarray(dk.to_numpy(dk.project(a, b)), dtype=float) if directed else np.full(2, math.nan),
        "sign": _sign_line(dot) if directed else "undefined: a zero or NaN vector has no direction, so no angle",
    }


def _sign_line(dot: float) -> str:
    """The sign of a·b in words; it is the sign of cos θ, which flips exactly where θ crosses 90°."""
    return "positive: θ < 90°" if dot > 1e-9 else (
        "negative: θ > 90°" if dot < -1e-9 else "zero: θ = 90°, perpendicular"
    )


def draw_pair(a: Any, b: Any, ax: Any, *, values: dict[str, Any] | None = None) -> Any:
    """Draw ``a`` and ``b`` as arrows, the angle between them and the projection of ``a`` on ``b``.

    Args:
        a, b: two 2-D vectors.
        ax: a matplotlib Axes to draw on.
        values: a precomputed :func:`explain` result (computed if None).

    Returns:
        ``ax``, titled with a·b and θ.

    Example:
        >>> fig, ax = plt.subplots()             # doctest: +SKIP
        >>> draw_pair([2, 1], [0.5, 2], ax)      # doctest: +SKIP
    """
    from matplotlib.patches import Arc

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    v = explain(a, b) if values is None else values
    ax.axhline(0, color="0.85", lw=0.8)
    ax.axvline(0, color="0.85", lw=0.8)
    unit_b = b / np.linalg.norm(b)
    ax.plot(*np.outer([-_LIMIT * 2, _LIMIT * 2], unit_b).T, ":", color="tab:orange", lw=0.8,
            label="the line through b")
    p = v["projection"]
    ax.plot([a[0], p[0]], [a[1], p[1]], "--", color="0.5", lw=1, label="a − projection, perpendicular to b")
    # drawn beside the line of b, not on top of it, so that b stays visible where they overlap
    side = 0.16 * np.array([-unit_b[1], unit_b[0]])
    ax.plot([side[0], p[0] + side[0]], [side[1], p[1] + side[1]], color="tab:green", lw=2.5,
            solid_capstyle="butt", label="projection of a on b (drawn beside b)", zorder=2)
    for vec, color, name in ((a, "tab:blue", "a"), (b, "tab:orange", "b")):
        arrow = {"arrowstyle": "-|>", "color": color, "lw": 2, "zorder": 3}
        ax.annotate("", xy=vec, xytext=(0, 0), arrowprops=arrow)
        ax.text(*(vec * 1.08), name, color=color, fontsize=13, ha="center", va="center")
    lo, hi = sorted((math.degrees(math.atan2(a[1], a[0])), math.degrees(math.atan2(b[1], b[0]))))
    if hi - lo > 180:  # draw the arc the short way round
        lo, hi = hi, lo + 360
    ax.add_patch(Arc((0, 0), 1.0, 1.0, theta1=lo, theta2=hi, color="0.3"))
    middle = math.radians((lo + hi) / 2)
    ax.text(0.75 * math.cos(middle), 0.75 * math.sin(middle), "θ", fontsize=11, ha="center", va="center")
    ax.plot([], [], color="0.3", lw=1, label="θ, the angle between a and b")
    ax.set(xlim=(-_LIMIT, _LIMIT), ylim=(-_LIMIT, _LIMIT), aspect="equal")
    ax.set_title(f"a·b = {v['dot']:.2f}   θ = {v['angle']:.0f}°", fontsize=11)
    # below the picture, so that it never covers an arrow, wherever the sliders point them
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), fontsize=9)
    return ax


class VectorExplorer(Explorer):
    """The widget behind :func:`vector_explorer`; display it in a notebook.

    Attributes:
        sliders: ``{"a_angle", "a_length", "b_angle", "b_length"}`` → FloatSlider.
        readout: an HTML widget with the numbers.
        image: an Image widget with the picture.
        values: the latest :func:`explain` result.
        widget: the whole layout (a VBox).
    """

    def __init__(self, a: Any = (2.0, 1.0), b: Any = (0.5, 2.0)) -> None:
        import ipywidgets as w

        (a_angle, a_len), (b_angle, b_len) = _polar(a, "a"), _polar(b, "b")

        def slider(value: float, lo: float, hi: float, step: float, label: str) -> Any:
            return w.FloatSlider(
                value=round(value, 1), min=lo, max=hi, step=step, description=label,
                continuous_update=True, readout_format=".1f",
            )

        self.sliders = {
            "a_angle": slider(a_angle, 0.0, 360.0, 1.0, "a: angle °"),
            "a_length": slider(a_len, 0.1, 3.0, 0.1, "a: length"),
            "b_angle": slider(b_angle, 0.0, 360.0, 1.0, "b: angle °"),
            "b_length": slider(b_len, 0.1, 3.0, 0.1, "b: length"),
        }
        self.readout = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(width="368px"))
        self.values: dict[str, Any] = {}
        # the vectors as given, until a slider moves: the sliders' rounding would turn (2, 1) into (1.97, 0.99)
        self._exact: dict[str, np.ndarray] = {"a": np.asarray(a, dtype=float), "b": np.asarray(b, dtype=float)}
        for s in self.sliders.values():
            s.observe(self._update, names="value")
        controls = w.VBox([*self.sliders.values(), self.readout])
        self.widget = w.HBox([self.image, controls])
        self._update()

    # -- state -----------------------------------------------------------------
    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """The current ``a`` and ``b`` from the sliders."""
        s = {k: v.value for k, v in self.sliders.items()}

        def vec(deg: float, length: float) -> np.ndarray:
            return length * np.array([math.cos(math.radians(deg)), math.sin(math.radians(deg))])

        a = self._exact.get("a", vec(s["a_angle"], s["a_length"]))
        b = self._exact.get("b", vec(s["b_angle"], s["b_length"]))
        return a, b

    def _update(self, change: Any = None) -> None:
        if change is not None:  # a slider moved: from now on that vector is what the sliders say
            moved = next(k for k, s in self.sliders.items() if s is change["owner"])
            self._exact.pop(moved[0], None)
        a, b = self.vectors()
        self.values = explain(a, b)
        self.readout.value = self._html(a, b, self.values)
        self.image.value = self._png(a, b, self.values)

    # -- views -------------------------------------------------------------------
    @staticmethod
    def _html(a: np.ndarray, b: np.ndarray, v: dict[str, Any]) -> str:
        p = v["projection"]
        rows = [
            ("a", f"({a[0]:.2f}, {a[1]:.2f})"),
            ("b", f"({b[0]:.2f}, {b[1]:.2f})"),
            ("a·b = a₁b₁ + a₂b₂", f"{v['dot']:.3f}"),
            ("‖a‖‖b‖ cos θ", f"{v['geometric']:.3f}"),
            ("θ", f"{v['angle']:.1f}°"),
            ("sign", v["sign"]),
            ("a·b / ‖b‖ (signed length of the shadow)", f"{v['scalar_projection']:.3f}"),
            ("projection of a on b", f"({p[0]:.2f}, {p[1]:.2f})"),
        ]
        cells = "".join(f"<tr><td>{k}</td><td><b>{val}</b></td></tr>" for k, val in rows)
        return f"<table>{cells}</table>"

    @staticmethod
    def _png(a: np.ndarray, b: np.ndarray, v: dict[str, Any]) -> bytes:
        fig = new_figure(figsize=(4.6, 5.5))
        draw_pair(a, b, fig.add_axes((0.1, 0.25, 0.85, 0.69)), values=v)  # room for the legend below
        return png_bytes(fig)


    def __repr__(self) -> str:
        a, b = self.vectors()
        return (
            f"VectorExplorer(a=({a[0]:.2f}, {a[1]:.2f}), b=({b[0]:.2f}, {b[1]:.2f}), "
            f"a·b={self.values['dot']:.3f})"
        )


def vector_explorer(a: Any = (2.0, 1.0), b: Any = (0.5, 2.0)) -> VectorExplorer:
    """An explorer of two 2-D vectors: drag their angles and lengths, watch a·b.

    Args:
        a, b: the starting vectors, each two numbers with length between 0.1 and 3.

    Returns:
        A :class:`VectorExplorer`; display it (last line of a cell) to play.

    Example:
        >>> ex = vector_explorer((2, 1), (1, 2))     # doctest: +SKIP
        >>> ex.sliders["b_angle"].value = 120        # doctest: +SKIP
    """
    return VectorExplorer(a, b)


__all__ = ["VectorExplorer", "draw_pair", "explain", "vector_explorer"]
