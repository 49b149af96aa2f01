"""The bench's report as people read it: the terminal table, the roofline plot, the files.

:func:`dotkit.benchmarks.driver.run` measures and returns a JSON-ready dict
(with the goals of :mod:`dotkit.benchmarks.goals` checked); this module turns
it into :func:`format_table`, :func:`plot_roofline` and :func:`write_outputs`
(``bench.json`` and ``roofline.png``).

Example:
    >>> from dotkit.benchmarks.report import format_table
    >>> empty = {"machine": {"cpu": "a CPU", "cores": 2}, "profile": {"name": "smoke"}, "limits": {},
    ...          "results": [], "goals": [], "elapsed_s": 1.0}
    >>> print(format_table(empty).splitlines()[0])
    dotkit bench (smoke) on a CPU, 2 cores
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from dotkit.benchmarks.limits import roof
from dotkit.benchmarks.rows import GB

#: one marker per op of the bench, the same in every plot
_MARKERS = dict(zip(("overhead", "dot", "matmul", "batched_matmul", "conv2d", "attention", "minilm", "mf"),
                    "osD^v<>p"))


# -- output -----------------------------------------------------------------------------------
def _fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def _fmt(v: float | None, spec: str = ".3g") -> str:
    return "-" if v is None else format(v, spec)


def format_table(report: dict[str, Any]) -> str:
    """The results as a plain-text table, then the limits and the goals."""
    _check_report(report)
    m = report["machine"]
    lines = [f"dotkit bench ({report['profile']['name']}) on {m['cpu']}, {m['cores']} cores"]
    for name, lim in report["limits"].items():
        lines.append(
            f"  limits {name:8s} bandwidth {lim['bandwidth_gbs']:.1f} GB/s, "
            f"sgemm {lim['sgemm_gflops']:.1f} GFLOP/s"
        )
    head = (
        "backend",
        "op",
        "size",
        "dotkit",
        "raw",
        "rate",
        "raw rate",
        "unit",
        "vs raw",
        "of limit",
    )
    measured = [r for r in report["results"] if "skipped" not in r and "error" not in r]
    body = [_table_row(r) for r in measured]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body)]
    for cells in [head, *body]:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip())
    for r in report["results"]:
        if "skipped" in r or "error" in r:
            why = ("skipped: " + r["skipped"]) if "skipped" in r else ("ERROR: " + r["error"])
            lines.append(f"{r['backend']}  {r['op']} {r['size']}: {why}")
    lines.append("goals (NumPy backend):")
    lines.extend(_goal_line(g) for g in report["goals"])
    lines.append(f"elapsed {report['elapsed_s']:.1f} s")
    return "\n".join(lines)


_REPORT_KEYS = ("machine", "profile", "limits", "results", "goals", "elapsed_s")


def _check_report(report: Any) -> None:
    """A report is what ``bench.run`` returns; say which part is missing rather than raise a KeyError."""
    from dotkit.errors import DtypeError, InputValueError

    if not isinstance(report, dict):
        raise DtypeError(f"format_table: report must be the dict bench.run returns; received {type(report).__name__}")
    missing = [k for k in _REPORT_KEYS if k not in report]
    if missing:
        raise InputValueError(
            f"format_table: report lacks {', '.join(repr(k) for k in missing)}; pass what bench.run returns "
            f"(received a dict with keys {sorted(report)[:8]})"
        )


def _goal_line(g: dict) -> str:
    """``label  >= 0.8  measured 0.91 (0.85-0.97 over 5 alternated runs)  met``."""
    if g["measured"] is None:
        return f"  {g['goal']:45s} {g['bound']:7s} not measured"
    spread = f" ({_fmt(g['min'])}-{_fmt(g['max'])} over {g['runs']} {g['over']})" if g["runs"] > 1 else ""
    mark = "met" if g["met"] else "MISSED"
    return f"  {g['goal']:45s} {g['bound']:7s} measured {_fmt(g['measured'])}{spread}  {mark}"


def _table_row(r: dict) -> tuple[str, ...]:
    if r["op"] == "overhead":
        return (
            r["backend"],
            "overhead",
            r["size"],
            f"{r['dotkit_us']:.2f} µs",
            f"{r['raw_us']:.2f} µs",
            "",
            "",
            "",
            f"+{r['overhead_us']:.2f} µs",
            "",
        )
    return (
        r["backend"],
        r["op"],
        r["size"],
        _fmt_time(r.get("dotkit_s")),
        _fmt_time(r.get("raw_s")),
        _fmt(r.get("dotkit_rate"), ".1f"),
        _fmt(r.get("raw_rate"), ".1f"),
        r.get("unit", ""),
        _fmt(r.get("vs_raw"), ".2f"),
        _fmt(r.get("dotkit_of_limit"), ".2f"),
    )


_COLORS = {"numpy": "C0", "mlx": "C1"}


def plot_roofline(report: dict[str, Any], path: str | Path | None = None, ax: Any = None,
                  traffic: dict[tuple[str, str], float] | None = None) -> Any:
    """The roofline of this machine with every measured op on it.

    Roofs: the compute peak from the machine's facts (black, dash-dot), dotted
    beside it the peak at the reported clock where the two differ (the design's
    count, where the peak was raised to a product that ran at a boost clock; one
    unit, where a fitted count above one has that other reading), the measured sgemm (a
    wide grey band), main memory's read bandwidth (black) and the cache ceilings
    (slanted, one colour and line style per level, keyed in the legend), with
    the ridge against main memory as a vertical red line and headroom above the peak. Points: dotkit's GFLOP/s
    at each op's arithmetic intensity, coloured by backend (NumPy C0, MLX C1,
    others C2...) and shaped by op; the dot and matmul points carry their size.

    Args:
        traffic: ``{(backend, op): k}`` for an op whose calls move ``k`` times
            the bytes the bench counts (an intermediate written and read back):
            its points are drawn at ``intensity / k``.

    Returns:
        The matplotlib figure (also saved to ``path`` when given).
    """
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(8, 5)).subplots()  # no pyplot: no GUI backend, no global state
    m = report["limits"].get("machine", {})
    _draw_roofs(ax, m)
    _draw_points(ax, report, traffic or {})
    ax.set(xscale="log", yscale="log", xlim=(_XS[0], _XS[-1]))
    ax.set_xlabel("arithmetic intensity (FLOP per byte)", fontsize=10)
    ax.set_ylabel("GFLOP/s", fontsize=10)
    ax.set_title("Measured ops under this machine's roofs", fontsize=11)
    peak = m.get("peak_gflops") or m.get("sgemm_gflops")
    if peak:
        ax.set_ylim(top=4 * peak)  # headroom: the peak and sgemm lines stay off the frame
    ax.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.01, 0.5))
    if path is not None:
        ax.figure.savefig(path, dpi=110, bbox_inches="tight")
    return ax.figure


# one colour and one line style per memory level, so that two levels of about the same speed stay apart
_LEVELS = {"L1": ("C2", ":"), "L2": ("C4", "-"), "L3": ("C5", "--"), "L4": ("C8", "-."), "memory": ("k", "-")}
_WIDTHS = {":": 2.2, "--": 3.2}
_XS = np.logspace(-2, 3, 200)


def _draw_roofs(ax: Any, m: dict[str, Any]) -> None:
    """The cache ceilings and main memory (slanted), the peak and the measured sgemm (flat), the ridge."""
    peak = m.get("peak_gflops") or m.get("sgemm_gflops", 1.0)
    ceilings = m.get("ceilings") or [{"level": "memory", "gbs": m.get("bandwidth_gbs", 1e-9)}]
    for c in ceilings[::-1]:
        color, ls = _LEVELS.get(c["level"], ("C9", "-"))
        name = "main memory" if c["level"] == "memory" else c["level"]
        # a wide dashed line under a dotted one: two levels of the same speed both stay visible
        ax.plot(_XS, [roof(x, peak, c["gbs"]) for x in _XS], ls, color=color, lw=_WIDTHS.get(ls, 1.6),
                label=f"{name}{' ceiling' if name != 'main memory' else ''} ({c['gbs']:.1f} GB/s, one thread"
                      + (f"; raised to the {c['raised_to']}'s" if c.get("raised_to") else "") + ")")
    sgemm = m.get("sgemm_gflops", peak)
    if m.get("hardware_peak_gflops"):
        one_unit, at_clock = m["hardware_peak_gflops"], m.get("peak_at_reported_clock") or peak
        if m.get("fma_units_from") == "design" and peak > at_clock:
            # the design's count at the reported clock, and the peak raised to the fastest product (a boost clock)
            what = f"peak: design's FMA count at the fastest product's clock ({peak:.1f} GFLOP/s)"
            other = f"design's peak at the reported clock ({at_clock:.0f} GFLOP/s)"
        else:
            what = (f"peak: CPU facts × {'the design' if m.get('fma_units_from') == 'design' else 'fitted'}"
                    f" FMA count ({peak:.0f} GFLOP/s)")
            # a fitted count above one is one reading; one unit at a faster clock is the other (see limits)
            other = (f"one FMA unit at the reported clock ({one_unit:.0f} GFLOP/s)"
                     if m.get("fma_units_from") == "fit" and m.get("fma_units", 1) > 1 and one_unit < sgemm else None)
            at_clock = one_unit
        ax.axhline(peak, color="k", lw=2, ls="-.", label=what)
        ax.annotate(f"peak {peak:.1f}", (_XS[0], peak), xytext=(4, 3), textcoords="offset points",
                    fontsize=9, va="bottom")
        if other:
            ax.axhline(at_clock, color="k", lw=1, ls=":", label=other)
    # a wide light band under the thin peak line, so that the two stay apart when they nearly meet
    ax.axhline(sgemm, color="0.7", lw=4, zorder=1, label=f"measured sgemm ({sgemm:.1f} GFLOP/s)")
    near = [peak] + [m[k] for k in ("peak_at_reported_clock", "hardware_peak_gflops") if m.get(k)]
    if all(abs(np.log(sgemm / line)) > np.log(1.5) for line in near):  # its own label only where no line is near
        ax.annotate(f"sgemm {sgemm:.1f}", (_XS[0], sgemm), xytext=(4, -3), textcoords="offset points",
                    fontsize=9, va="top", color="0.4")
    memory = m.get("bandwidth_gbs")
    if memory:
        ax.axvline(peak / memory, color="C3", ls="--", lw=1,
                   label=f"ridge vs main memory (I = {peak / memory:.1f} FLOP/byte)")


def _draw_points(ax: Any, report: dict[str, Any], traffic: dict[tuple[str, str], float]) -> None:
    """Each measured row at its intensity (colour: backend, marker: op), the dot and matmul sizes labelled."""
    colors = dict(_COLORS)
    labels = []
    for row in report["results"]:
        if "intensity" in row and "dotkit_s" in row:
            color = colors.setdefault(row["backend"], f"C{len(colors)}")
            rate = row["flops"] / row["dotkit_s"] / GB
            x = row["intensity"] / traffic.get((row["backend"], row["op"]), 1.0)
            ax.plot(x, rate, _MARKERS.get(row["op"], "x"), color=color, alpha=0.85, ms=6)
            if row["op"] in ("dot", "matmul"):
                labels.append((x, rate, row["size"].replace("n=", ""), color))
    _label_points(ax, labels)
    shown = {r["backend"] for r in report["results"] if "intensity" in r}
    for name, color in colors.items():
        if name in shown:
            ax.plot([], [], "-", lw=6, color=color, label=f"backend: {name}")
    for op, mk in _MARKERS.items():
        if any(r["op"] == op and "intensity" in r for r in report["results"]):
            ax.plot([], [], mk, color="0.5", label=f"op: {op}")
    for (backend, op), k in traffic.items():
        if k != 1 and any(r["op"] == op and r["backend"] == backend for r in report["results"]):
            ax.plot([], [], " ", label=f"{backend} {op}: drawn at I / {k:g} (the bytes it moves)")


def _label_points(ax: Any, labels: list[tuple[float, float, str, str]]) -> None:
    """Size labels that stay readable where points crowd: the points of one backend at one intensity
    get a stack of labels beside them, in order of rate, at least 12 points apart, each joined to its
    point by a thin leader line (NumPy's to the right, the others' to the left); a point alone at its
    intensity is labelled just below and to the right, so that neighbouring sizes' labels do not meet."""
    groups: dict[tuple[float, str], list[tuple[float, str]]] = {}
    for x, rate, text, color in labels:
        groups.setdefault((x, color), []).append((rate, text))
    decade_pts = 72 * 4.5 / 6  # about the points per decade of rate on these axes
    for (x, color), members in groups.items():
        left = color != _COLORS["numpy"]
        members.sort()
        y_prev = None
        base = np.log10(members[0][0]) * decade_pts
        for rate, text in members:
            y_here = np.log10(rate) * decade_pts - base  # where the point sits, in points above the lowest
            y_label = y_here if y_prev is None else max(y_here, y_prev + 12)
            y_prev = y_label
            if len(members) == 1:  # a lone point (one matmul size): label it just below, clear of its neighbours
                ax.annotate(text, (x, rate), fontsize=9, color=color, va="top", ha="left",
                            xytext=(2, -6), textcoords="offset points")
                continue
            ax.annotate(text, (x, rate), fontsize=9, color=color, va="center",
                        xytext=((-1 if left else 1) * 22, y_label - y_here),
                        textcoords="offset points", ha="right" if left else "left",
                        arrowprops=dict(arrowstyle="-", lw=0.6, color=color, shrinkA=0, shrinkB=3))


def write_outputs(report: dict[str, Any], out: str | Path) -> dict[str, Path]:
    """``bench.json`` and ``roofline.png`` in ``out`` (created if needed).

    The plot is left out, with a note on stderr, where matplotlib is not installed.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "bench.json", "plot": out / "roofline.png"}
    paths["json"].write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    try:
        plot_roofline(report, paths["plot"])
    except ImportError as exc:
        print(f"bench: no roofline plot ({exc}; pip install matplotlib)", file=sys.stderr)
        del paths["plot"]
    return paths


__all__ = ["format_table", "plot_roofline", "write_outputs"]
