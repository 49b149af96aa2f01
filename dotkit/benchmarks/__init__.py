"""Benchmarks behind ``python -m dotkit.bench``, one module per job.

- :mod:`~dotkit.benchmarks.timing`: the timing rules every benchmark follows
  (warm-up, calibrated repeats, median, ``sync`` before each clock read),
  alternated timing and the ratio of two timings round by round;
- :mod:`~dotkit.benchmarks.machine`: what this machine is (cores, SIMD,
  clock, caches, BLAS, library versions), read from the system;
- :mod:`~dotkit.benchmarks.limits`: what it can do, measured (bandwidths,
  cache ceilings, sgemm) and the roofline they make;
- :mod:`~dotkit.benchmarks.profiles`: the sizes and budgets of a run;
- :mod:`~dotkit.benchmarks.rows`: the result rows every op benchmark returns;
- the ops: :mod:`~dotkit.benchmarks.linalg` (dispatch overhead, dot,
  matmul), :mod:`~dotkit.benchmarks.conv`, :mod:`~dotkit.benchmarks.attention`,
  :mod:`~dotkit.benchmarks.minilm`, :mod:`~dotkit.benchmarks.movielens`
  (matrix factorization), and :mod:`~dotkit.benchmarks.ladder` (one product,
  five ways, for the appendix);
- :mod:`~dotkit.benchmarks.goals`: the one table of goals the report compares with;
- :mod:`~dotkit.benchmarks.driver` (the run), :mod:`~dotkit.benchmarks.report`
  (table, plot, files) and :mod:`~dotkit.benchmarks.cli` (the command line
  that :mod:`dotkit.bench` starts).

Example:
    >>> from dotkit.benchmarks import time_call
    >>> time_call(lambda: sum(range(100))).repeats >= 1
    True
"""

from __future__ import annotations

from dotkit.benchmarks.timing import (
    Timing,
    describe_machine,
    overhead_per_call,
    paired_ratios,
    time_call,
    time_calls,
)

__all__ = ["Timing", "describe_machine", "overhead_per_call", "paired_ratios", "time_call", "time_calls"]
