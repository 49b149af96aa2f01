"""``python -m dotkit.bench``: every op the chapters use, against the raw library and the machine.

For each available backend the bench first measures this machine's limits
with the backend's own library (read bandwidth, cache ceilings, sgemm:
:mod:`dotkit.benchmarks.limits`), then times each op twice, through dotkit
and through the raw library call (``numpy.dot``, ``mlx.core.matmul``, ...),
and, where they are installed, against PyTorch's CPU kernels and
sentence-transformers. It reports the time per call, the rate, dotkit's
speed as a fraction of the raw call, the fraction of the roofline reached,
and the goals of :mod:`dotkit.benchmarks.goals`.

The measuring lives in :mod:`dotkit.benchmarks`, one module per op family;
this module is the entry point and keeps the names chapters use
(``bench.run``, ``bench.roof``, ``bench.plot_roofline``, ...).

Usage::

    python -m dotkit.bench [--quick | --profile smoke|quick|full] [--out DIR]
                           [--backends numpy,mlx] [--ops dot,matmul,...]
    python -m dotkit.bench movielens --path DIR [...]
    python -m dotkit.bench compare OLD/bench.json NEW/bench.json

Example:
    >>> from dotkit import bench
    >>> bench.roof(0.25, 200.0, 20.0)
    5.0
"""

from __future__ import annotations

import sys

from dotkit.benchmarks.cli import main
from dotkit.benchmarks.driver import OPS, run
from dotkit.benchmarks.goals import GOALS, check_goals
from dotkit.benchmarks.limits import ceiling_for, measure_ceilings, measure_limits, roof
from dotkit.benchmarks.profiles import PROFILES, Profile
from dotkit.benchmarks.report import format_table, plot_roofline, write_outputs

__all__ = [
    "GOALS",
    "OPS",
    "PROFILES",
    "Profile",
    "ceiling_for",
    "check_goals",
    "format_table",
    "main",
    "measure_ceilings",
    "measure_limits",
    "plot_roofline",
    "roof",
    "run",
    "write_outputs",
]

if __name__ == "__main__":
    sys.exit(main())
