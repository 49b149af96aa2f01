"""Two bench runs side by side: what differs about the machine, and every goal and ratio before and after.

``python -m dotkit.bench compare OLD/bench.json NEW/bench.json`` prints, in
this order, the facts of the machine description that differ between the
two runs (CPU, cores, SIMD, BLAS, library versions, the load), each goal of
:mod:`dotkit.benchmarks.goals` with both measurements and their spread, and
each ratio of a row measured in both runs (``vs_raw``, ``vs_torch``) with
the new over the old. The goals are checked again from each run's rows, so
a run written by an older bench compares too.

A ratio is marked ``lower`` when the new run's is below 0.95 of the old one,
and, where the old run kept its spread over alternated rounds, also below
that spread's minimum: a change the load alone would rarely make.

Example:
    >>> from dotkit.benchmarks.compare import compare_runs
    >>> row = {"op": "dot", "backend": "numpy", "size": "n=1e7", "bytes": 8e7, "vs_raw": 1.0}
    >>> old = {"machine": {"numpy": "2.3"}, "results": [row]}
    >>> new = {"machine": {"numpy": "2.4"}, "results": [row | {"vs_raw": 0.9}]}
    >>> print(compare_runs(old, new).splitlines()[1])
      numpy: 2.3 -> 2.4
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dotkit.benchmarks.goals import check_goals

#: what tells two machines (or two installs) apart, in the order it is printed
MACHINE_FACTS = ("cpu", "cores", "simd", "blas", "blas_threads", "threads_env", "python", "dotkit", "numpy",
                 "mlx", "torch", "sentence-transformers", "load_average_1min")

RATIOS = ("vs_raw", "vs_torch")


def load_run(path: str | Path) -> dict[str, Any]:
    """A bench report from its ``bench.json``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def machine_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``"fact: old -> new"`` for each fact of :data:`MACHINE_FACTS` that differs."""
    a, b = old.get("machine", {}), new.get("machine", {})
    return [f"{k}: {_short(a.get(k))} -> {_short(b.get(k))}" for k in MACHINE_FACTS if a.get(k) != b.get(k)]


def goal_lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Each goal with the old and the new measurement, and its spread where one was kept."""
    lines = []
    for a, b in zip(check_goals(old), check_goals(new)):
        lines.append(f"{a['goal']:45s} {a['bound']:7s} {_measured(a):>24s} -> {_measured(b)}")
    return lines


def ratio_lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Each ratio of a row measured in both runs: old, new, new / old, and ``lower`` for a drop."""
    before = {_key(r): r for r in old.get("results", [])}
    lines = []
    for r in new.get("results", []):
        o = before.get(_key(r))
        for field in RATIOS:
            if o is None or field not in r or field not in o:
                continue
            change = r[field] / o[field]
            drop = change < 0.95 and r[field] < o.get(f"{field}_min", o[field])
            lines.append(f"{r['backend']:6s} {r['op']:15s} {r['size']:28s} {field:8s} "
                         f"{o[field]:6.2f} -> {r[field]:6.2f}  ({change:.2f}x){'  lower' if drop else ''}")
    return lines


def compare_runs(old: dict[str, Any], new: dict[str, Any]) -> str:
    """The whole comparison as text: machine, goals, ratios."""
    changes = machine_changes(old, new)
    parts = ["machine:", *(f"  {c}" for c in changes or ["the same facts"])]
    parts += ["goals (NumPy backend), old -> new:", *(f"  {line}" for line in goal_lines(old, new))]
    parts += ["ratios of rows measured in both runs:", *(f"  {line}" for line in ratio_lines(old, new))]
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    """``compare OLD NEW``: print the comparison of two ``bench.json`` files; returns the exit status."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m dotkit.bench compare", description=__doc__.split("\n")[0])
    p.add_argument("old", help="bench.json of the earlier run")
    p.add_argument("new", help="bench.json of the later run")
    args = p.parse_args(argv)
    print(compare_runs(load_run(args.old), load_run(args.new)))
    return 0


def _key(row: dict) -> tuple[str, str, str]:
    return row.get("backend", ""), row.get("op", ""), row.get("size", "")


def _measured(g: dict) -> str:
    if g["measured"] is None:
        return "not measured"
    spread = f" ({g['min']:.3g}-{g['max']:.3g})" if g["runs"] > 1 else ""
    return f"{g['measured']:.3g}{spread}"


def _short(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}={x}" for k, x in v.items()) or "{}"
    return str(v)


__all__ = ["MACHINE_FACTS", "compare_runs", "goal_lines", "load_run", "machine_changes", "ratio_lines"]
