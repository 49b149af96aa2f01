"""What every op benchmark returns: a list of result rows, measured on seeded inputs.

A row is a JSON-ready dict: ``op``, ``backend``, ``size``, and either the
measurement (``dotkit_s``, ``raw_s``, rates, ratios) or why there is none
(``skipped``, ``error``). A ratio against another library timed in
alternation (PyTorch, sentence-transformers) is kept with its spread over
the rounds: ``vs_torch`` (the median), ``vs_torch_min``, ``vs_torch_max`` and
``vs_torch_runs``.

Example:
    >>> from dotkit.backends import get_backend
    >>> from dotkit.benchmarks.rows import skipped
    >>> skipped("dot", get_backend("numpy"), "n=1e9", "not enough free memory")["skipped"]
    'not enough free memory'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.backends import Backend
from dotkit.benchmarks.profiles import Profile
from dotkit.benchmarks.timing import Timing

GB = 1e9


def seeded_inputs(bk: Backend, *shapes: tuple[int, ...]) -> list[Any]:
    """Seeded float32 arrays of ``bk`` in [-1, 1), already computed (one generator, seed 0)."""
    rng = np.random.default_rng(0)
    arrays = [bk.asarray(rng.random(s, dtype=np.float32) * 2 - 1) for s in shapes]
    bk.sync(*arrays)
    return arrays


def lib_name(bk: Backend) -> str:
    """The name of the backend's array library (``numpy``, ``mlx.core``), as rows print it.

    Read from the module of the backend's own array type, so that a backend whose
    namespace is an adapter (MLX's) still names the library the raw call comes from.
    """
    return type(bk.asarray([0.0])).__module__


def result_row(op: str, bk: Backend, size: str, *, flops: float, bytes_: float, unit: str,
               dotkit: Timing | None = None, raw: Timing | None = None, raw_name: str = "",
               extra: dict | None = None) -> dict:
    """A measured row: times, rates (``unit`` is ``"GB/s"`` or ``"GFLOP/s"``) and dotkit against the raw call."""
    row: dict[str, Any] = {"op": op, "backend": bk.name, "size": size, "flops": flops, "bytes": bytes_,
                           "unit": unit, "raw_name": raw_name}
    for label, t in (("dotkit", dotkit), ("raw", raw)):
        if t is not None:
            row[f"{label}_s"] = t.median
            row[f"{label}_best_s"] = t.best
            row[f"{label}_rate"] = (bytes_ if unit == "GB/s" else flops) / t.median / GB
    if dotkit is not None and raw is not None:
        row["vs_raw"] = raw.median / dotkit.median  # >= 1: dotkit as fast as the raw call
    row.update(extra or {})
    return row


def ratio_fields(name: str, ratio: dict[str, float | int]) -> dict[str, float | int]:
    """A row's ``vs_<name>`` (the median over alternated rounds), ``vs_<name>_min``, ``_max`` and ``_runs``.

    ``ratio`` is :func:`dotkit.benchmarks.timing.paired_ratios` of the other
    library's timing over dotkit's: above 1, dotkit was the faster.
    """
    return {f"vs_{name}": ratio["median"], f"vs_{name}_min": ratio["min"], f"vs_{name}_max": ratio["max"],
            f"vs_{name}_runs": ratio["runs"]}


def skipped(op: str, bk: Backend, size: str, reason: str) -> dict:
    """A row that says why an op or size was not measured."""
    return {"op": op, "backend": bk.name, "size": size, "skipped": reason}


def too_slow(work: float, rate: float | None, prof: Profile) -> bool:
    """Whether ``work`` (FLOPs or bytes) is predicted, at the last ``rate`` per second, to exceed the budget."""
    return rate is not None and work / rate > prof.max_call_s


def hopeless(flops: float, bk: Backend, prof: Profile) -> bool:
    """Whether a call is too slow to time even at a conservative guess of the backend's GFLOP/s.

    Each backend declares its guess (``matmul_gflops_guess``): NumPy's BLAS reaches
    about 100 GFLOP/s on a small machine; MLX's CPU build on Linux links a
    reference BLAS that manages a few.
    """
    return flops / (bk.matmul_gflops_guess * GB) > prof.max_call_s


def fits_in_memory(nbytes: float) -> bool:
    """Whether ``nbytes`` fits twice in the memory still free (unknown counts as fitting)."""
    from dotkit._memory import free_bytes

    free = free_bytes()
    return free is None or nbytes * 2 < free


__all__ = ["GB", "fits_in_memory", "hopeless", "lib_name", "ratio_fields", "result_row", "seeded_inputs",
           "skipped", "too_slow"]
