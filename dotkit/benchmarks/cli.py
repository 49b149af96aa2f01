"""The command line of ``python -m dotkit.bench``.

Usage::

    python -m dotkit.bench [--quick | --profile smoke|quick|full] [--out DIR]
                           [--backends numpy,mlx] [--ops dot,matmul,...]
    python -m dotkit.bench movielens --path DIR [...]
    python -m dotkit.bench compare OLD/bench.json NEW/bench.json

It prints the table (:func:`dotkit.benchmarks.report.format_table`) and
writes ``bench.json`` and ``roofline.png`` to ``--out``; the exit status is 1
when an op failed, 0 otherwise (a missed goal is a finding, not a failure).

Example:
    >>> from dotkit.benchmarks.cli import main
    >>> main(["--profile", "smoke", "--ops", "dot", "--backends", "numpy", "--out", "out"])  # doctest: +SKIP
    0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dotkit.benchmarks.driver import OPS, run
from dotkit.benchmarks.profiles import PROFILES
from dotkit.benchmarks.report import format_table, write_outputs


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m dotkit.bench",
        description="Every op the chapters use, per backend, against the raw library call and "
        "this machine's measured limits.",
        epilog="Matrix factorization on MovieLens-100k: "
        "python -m dotkit.bench movielens --path DIR (see its --help). Two runs side by side: "
        "python -m dotkit.bench compare OLD/bench.json NEW/bench.json.",
    )
    p.add_argument("--quick", action="store_true", help="fewer, smaller sizes (about a minute)")
    p.add_argument("--profile", choices=sorted(PROFILES), help="smoke (seconds), quick or full (default)")
    p.add_argument("--out", default="bench-results", help="folder for bench.json and roofline.png")
    p.add_argument("--backends", help="comma-separated backend names (default: all available)")
    p.add_argument("--ops", help=f"comma-separated ops (default: all): {', '.join(OPS)}")
    return p


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.replace(" ", ",").split(",") if v.strip()] if value else None


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "movielens":
        from dotkit.benchmarks import movielens

        return int(movielens.main(argv[1:]) or 0)
    if argv and argv[0] == "compare":
        from dotkit.benchmarks import compare

        return compare.main(argv[1:])
    args = _parser().parse_args(argv)
    report = run(
        args.profile or ("quick" if args.quick else "full"),
        ops=_split(args.ops),
        backends=_split(args.backends),
        progress=lambda line: print(f"[bench] {line}", file=sys.stderr, flush=True),
    )
    paths = write_outputs(report, args.out)
    print(format_table(report))
    print("wrote " + " and ".join(str(p) for p in paths.values()))
    return 1 if any("error" in r for r in report["results"]) else 0


__all__ = ["main"]
