"""The bench's report: the issue's speed targets, the terminal table, the roofline, the files.

:func:`dotkit.bench.run` measures; this module turns its report (a JSON-ready
dict) into what people read: :func:`targets` (each target with its measured
value), :func:`format_table`, :func:`plot_roofline` and :func:`write_outputs`
(``bench.json`` and ``roofline.png``).
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

GB = 1e9
#: one marker per op of the bench, the same in every plot
_MARKERS = dict(zip(("overhead", "dot", "matmul", "batched_matmul", "conv2d", "attention", "minilm", "mf"),
                    "osD^v<>p"))


def roof(intensity: float, peak_gflops: float, bandwidth_gbs: float) -> float:
    """The roofline: attainable GFLOP/s at ``intensity`` FLOP/byte, ``min(peak, I × bandwidth)``."""
    return min(peak_gflops, intensity * bandwidth_gbs)


def _best_bw(limits: dict) -> float:
    return limits.get("bandwidth_gbs", 1e-9)


# -- targets ----------------------------------------------------------------------------------
def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with its measured value (None where not measured here)."""
    rows = [r for r in report["results"] if "skipped" not in r and "error" not in r]
    np_rows = [r for r in rows if r["backend"] == "numpy"]
    out = [
        _target(
            "dispatch overhead over numpy.dot (µs)",
            "<= 1.0",
            _first(
                r["overhead_us"] for r in np_rows if r["op"] == "overhead" and r["size"] == "dot"
            ),
            lambda v: v <= 1.0,
        ),
        _target(
            "dispatch overhead, backend= given (µs)",
            "<= 1.0",
            _first(
                r["overhead_us"]
                for r in np_rows
                if r["op"] == "overhead" and r["size"] == "dot, backend= given"
            ),
            lambda v: v <= 1.0,
        ),
        _target(
            "dot vs numpy.dot, n >= 1e7 (median)",
            ">= 0.95",
            _median(r["vs_raw"] for r in np_rows if r["op"] == "dot" and r["bytes"] >= 8e7),
            lambda v: v >= 0.95,
        ),
        _target(
            "dot vs measured bandwidth, n >= 1e7 (median)",
            ">= 0.8",
            _median(
                r["dotkit_of_limit"] for r in np_rows if r["op"] == "dot" and r["bytes"] >= 8e7
            ),
            lambda v: v >= 0.8,
        ),
        _target(
            "matmul vs numpy.matmul, n >= 256 (median)",
            ">= 0.95",
            _median(
                r["vs_raw"] for r in np_rows if r["op"] == "matmul" and r["flops"] >= 2 * 256**3
            ),
            lambda v: v >= 0.95,
        ),
    ]
    lim = report["limits"]
    if "mlx" in lim and "numpy" in lim:
        out.append(
            _target(
                "MLX sgemm / NumPy sgemm (information)",
                "",
                lim["mlx"]["sgemm_gflops"] / lim["numpy"]["sgemm_gflops"],
                None,
            )
        )
    for op, label, goal in (
        ("conv2d", "conv2d vs PyTorch CPU", 0.8),
        ("attention", "attention vs PyTorch CPU SDPA", 0.8),
        ("minilm", "MiniLM encode vs sentence-transformers", 1.0),
    ):
        value = _first(r["vs_torch"] for r in np_rows if r["op"] == op and "vs_torch" in r)
        out.append(_target(label, f">= {goal}", value, lambda v, g=goal: v >= g))
    return out


def _target(name: str, goal: str, value: float | None, ok: Callable[[float], bool] | None) -> dict:
    met = None if value is None or ok is None else bool(ok(value))
    return {"target": name, "goal": goal, "measured": value, "met": met}


def _first(values: Iterable[float]) -> float | None:
    return next(iter(values), None)


def _median(values: Iterable[float]) -> float | None:
    """The median over sizes: one size spoiled by a burst of load does not decide a target."""
    vals = list(values)
    return statistics.median(vals) if vals else None


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
    """The results as a plain-text table, then the limits and the targets."""
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
    lines.append("targets:")
    for t in report["targets"]:
        mark = {True: "met", False: "MISSED", None: "-"}[t["met"]]
        lines.append(f"  {t['target']:45s} {t['goal']:8s} measured {_fmt(t['measured'])}  {mark}")
    lines.append(f"elapsed {report['elapsed_s']:.1f} s")
    return "\n".join(lines)


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


def plot_roofline(report: dict[str, Any], path: str | Path | None = None, ax: Any = None) -> Any:
    """The roofline of this machine with every measured op on it.

    Roofs: the compute peak from the machine's facts (solid), the measured
    sgemm (dashed), the read bandwidth of main memory and the cache ceilings
    (slanted). Points: dotkit's GFLOP/s at each op's arithmetic intensity,
    coloured by backend (NumPy C0, MLX C1, others C2...) and shaped by op.

    Returns:
        The matplotlib figure (also saved to ``path`` when given).
    """
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(7, 4.5)).subplots()  # no pyplot: no GUI backend, no global state
    fig = ax.figure
    m = report["limits"].get("machine", {})
    xs = np.logspace(-2, 3, 200)
    peak = m.get("peak_gflops") or m.get("sgemm_gflops", 1.0)
    ceilings = m.get("ceilings") or [{"level": "memory", "gbs": m.get("bandwidth_gbs", 1e-9)}]
    for c, shade in zip(ceilings[::-1], ("0.1", "0.35", "0.55", "0.7", "0.8")):
        lw = 2.0 if c["level"] in ("memory", "L1") else 1.0
        l1 = c["level"] == "L1"  # dotted and thicker: it can lie on another level's line
        ax.plot(xs, [roof(x, peak, c["gbs"]) for x in xs], ":" if l1 else "-", color=shade, lw=lw,
                label=f"{'main memory' if c['level'] == 'memory' else c['level'] + ' ceiling'} "
                      f"({c['gbs']:.0f} GB/s{', a lower bound' if l1 else ''})")
    if m.get("hardware_peak_gflops"):
        ax.axhline(peak, color="k", lw=1.6, ls="-.",
                   label=f"peak: CPU facts × implied FMA units ({peak:.0f} GFLOP/s)")
    ax.axhline(m.get("sgemm_gflops", peak), color="0.4", lw=0.8, ls="--",
               label=f"measured sgemm ({m.get('sgemm_gflops', peak):.0f} GFLOP/s)")
    colors = dict(_COLORS)
    first = next((k for k in report["limits"] if k != "machine"), None)  # its points get size labels
    labelled = 0
    for row in report["results"]:
        if "intensity" in row and "dotkit_s" in row:
            color = colors.setdefault(row["backend"], f"C{len(colors)}")
            rate = row["flops"] / row["dotkit_s"] / GB
            ax.plot(row["intensity"], rate, _MARKERS.get(row["op"], "x"), color=color, alpha=0.85, ms=6)
            if row["backend"] == first and row["op"] in ("dot", "matmul"):
                labelled += 1  # the dot points share one intensity: alternate their labels left and right
                left = row["op"] == "dot" and labelled % 2 == 0
                ax.annotate(row["size"].replace("n=", ""), (row["intensity"], rate), fontsize=9,
                            xytext=(-5 if left else 5, 0), textcoords="offset points", color=color,
                            ha="right" if left else "left", va="center")
    shown = {r["backend"] for r in report["results"] if "intensity" in r}
    for name, color in colors.items():
        if name in shown:
            ax.plot([], [], "-", lw=6, color=color, label=f"backend: {name}")
    for op, mk in _MARKERS.items():
        if any(r["op"] == op and "intensity" in r for r in report["results"]):
            ax.plot([], [], mk, color="0.5", label=f"op: {op}")
    ax.set(xscale="log", yscale="log", xlabel="arithmetic intensity (FLOP per byte)",
           ylabel="GFLOP/s", title="Measured ops under this machine's roofs")
    ax.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.01, 0.5))
    if path is not None:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig


def _backend_limits(report: dict) -> list[tuple[str, dict]]:
    return [(k, v) for k, v in report["limits"].items() if k != "machine"]


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


