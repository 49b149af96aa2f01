"""Benchmarks behind ``python -m dotkit.bench``.

:mod:`dotkit.benchmarks.timing` holds the timing rules every benchmark
follows (warm-up, calibrated repeats, median, ``sync`` before each clock
read) and the machine description. Per-op benchmarks that need more than a
few lines live in their own modules here (``conv``, ``movielens``); the
driver that runs them all, prints the table, and writes the JSON and the
roofline plot is :mod:`dotkit.bench`.

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
    time_call,
    time_calls,
)

__all__ = ["Timing", "describe_machine", "overhead_per_call", "time_call", "time_calls"]
