"""What the bench's figures are compared with: one table of goals, each with where its number comes from.

:data:`GOALS` is the table; :func:`check_goals` reads a bench report and
gives each goal its measured value (on the NumPy backend), its spread and
whether it is met. A goal whose rows were not measured (PyTorch or
sentence-transformers not installed, an op left out) is reported as
unmeasured, never as met.

Example:
    >>> from dotkit.benchmarks.goals import GOALS
    >>> [g.op for g in GOALS][:3]
    ['overhead', 'overhead', 'dot']
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def _always(row: dict) -> bool:
    return True


@dataclass(frozen=True)
class Goal:
    """One comparison the bench reports.

    Attributes:
        label: what is compared, as the table prints it.
        op: the ``op`` of the rows it reads (NumPy backend only).
        field: the row's value that is compared (``vs_raw``, ``vs_torch``, ...).
        bound: the number it is compared with.
        at_most: True when the value must stay at or below ``bound``, False for at or above.
        source: where the number comes from, in a sentence.
        rows: which of the op's rows count (default: all); over several, the median counts.
    """

    label: str
    op: str
    field: str
    bound: float
    at_most: bool
    source: str
    rows: Callable[[dict], bool] = _always

    @property
    def text(self) -> str:
        return f"{'<=' if self.at_most else '>='} {self.bound:g}"


GOALS: tuple[Goal, ...] = (
    Goal("dispatch overhead over numpy.dot (µs)", "overhead", "overhead_us", 1.0, True,
         "the order of what numpy.dot itself costs per call on tiny inputs (the overhead rows' raw column): "
         "a loop of small products through dotkit should cost at most about twice the bare loop",
         rows=lambda r: r["size"] == "dot"),
    Goal("dispatch overhead, backend= given (µs)", "overhead", "overhead_us", 1.0, True,
         "the same bound with the backend named in the call, the path models take inside their loops",
         rows=lambda r: r["size"] == "dot, backend= given"),
    Goal("dot vs numpy.dot, n >= 1e7 (median)", "dot", "vs_raw", 0.95, False,
         "dk.dot hands long vectors to numpy.dot, so it should match it; 5 % is the noise two alternated "
         "timings of the same call show on a shared machine",
         rows=lambda r: r["bytes"] >= 8e7),
    Goal("dot vs measured bandwidth, n >= 1e7 (median)", "dot", "dotkit_of_limit", 0.8, False,
         "a dot product reads every byte once, so main memory's read rate measured in the same run bounds "
         "it; 0.8 allows for the load of other programs on the bandwidth",
         rows=lambda r: r["bytes"] >= 8e7),
    Goal("matmul vs numpy.matmul, n >= 256 (median)", "matmul", "vs_raw", 0.95, False,
         "dk.matmul hands the product to the same BLAS call, which dominates from a few hundred rows on",
         rows=lambda r: r["flops"] >= 2 * 256**3),
    Goal("conv2d vs PyTorch CPU", "conv2d", "vs_torch", 0.8, False,
         "PyTorch's CPU conv2d is the tuned kernel a reader would otherwise call; within 0.8 of it on the "
         "ResNet layer, dotkit's im2col layer is fast enough to train chapter 3's networks"),
    Goal("attention vs PyTorch CPU SDPA", "attention", "vs_torch", 0.8, False,
         "PyTorch's scaled_dot_product_attention on the CPU, the fused kernel transformers use there; "
         "0.8 for the same reason as conv2d"),
    Goal("MiniLM encode vs sentence-transformers", "minilm", "vs_torch", 1.0, False,
         "sentence-transformers runs the same weights through PyTorch; chapter 4's encoder should be "
         "no slower, so that nobody needs it to embed sentences"),
)


def check_goals(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of :data:`GOALS` with its measured value from ``report``'s NumPy rows.

    Returns:
        ``[{"goal", "bound", "measured", "min", "max", "runs", "over", "met", "source"}, ...]``:
        ``measured`` is the median over the goal's rows (``over`` is
        ``"sizes"``), or a single row's median over alternated rounds
        (``"alternated runs"``), with the ``min`` and ``max`` of the same
        values; ``runs`` counts them; ``measured`` and ``met`` are None where
        nothing was measured.
    """
    rows = [r for r in report["results"] if r.get("backend") == "numpy" and "skipped" not in r and "error" not in r]
    return [_check(goal, [r for r in rows if r["op"] == goal.op and goal.field in r and goal.rows(r)])
            for goal in GOALS]


def _check(goal: Goal, rows: list[dict]) -> dict[str, Any]:
    values = [r[goal.field] for r in rows]
    out: dict[str, Any] = {"goal": goal.label, "bound": goal.text, "measured": None, "min": None, "max": None,
                           "runs": 0, "over": "", "met": None, "source": goal.source}
    if not values:
        return out
    median = statistics.median(values)
    if len(rows) == 1 and f"{goal.field}_min" in rows[0]:
        low, high, runs = (rows[0][f"{goal.field}_{k}"] for k in ("min", "max", "runs"))
        over = "alternated runs"
    else:
        low, high, runs, over = min(values), max(values), len(values), "sizes"
    met = median <= goal.bound if goal.at_most else median >= goal.bound
    return out | {"measured": median, "min": low, "max": high, "runs": runs, "over": over, "met": met}


__all__ = ["GOALS", "Goal", "check_goals"]
