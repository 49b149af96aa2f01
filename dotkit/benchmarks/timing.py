"""Timing that can be trusted: warm-up, calibrated repeats, median, and a sync.

Three rules make a timing mean something:

1. **Warm up** first: the first call pays for imports, memory allocation,
   BLAS thread start-up and (for MLX) graph compilation.
2. **Repeat and take the median**: a shared machine is noisy; the median
   ignores the runs where another process took the core.
3. **Sync before every clock read**: MLX is lazy; ``mx.matmul(a, b)`` returns
   at once and computes only when the result is needed. ``bk.sync(result)``
   (``mx.eval``; a no-op for NumPy) forces the work inside the timed region.

Example:
    >>> import numpy as np
    >>> from dotkit.benchmarks.timing import time_call
    >>> a = np.ones(1000, dtype=np.float32)
    >>> t = time_call(lambda: np.dot(a, a))
    >>> t.median > 0
    True
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: A clock read is worth only this much resolution: calibrate to many multiples.
_MIN_REPEAT_S = 0.01


@dataclass(frozen=True)
class Timing:
    """Seconds per call of one measured function.

    Attributes:
        median: median over the repeats of (time of ``number`` calls) / ``number``.
        best: the fastest repeat, per call.
        repeats: how many repeats were timed (after the warm-up).
        number: calls per repeat.
    """

    median: float
    best: float
    repeats: int
    number: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _no_sync(*arrays: Any) -> None:
    """The sync of an eager library: nothing to wait for."""


def _sync_results(sync: Callable[..., None] | None) -> Callable[[Any], None]:
    """``sync`` applied to a call's result; a call returning None (say, into another
    library timed for comparison) has nothing of the backend's to wait for."""
    if sync is None:
        return _no_sync
    return lambda result: None if result is None else sync(result)


def time_call(
    fn: Callable[[], Any],
    *,
    sync: Callable[..., None] | None = None,
    repeats: int = 5,
    warmup: int = 1,
    budget_s: float = 1.0,
    min_repeat_s: float = _MIN_REPEAT_S,
) -> Timing:
    """Time ``fn()``: warm-up, then ``repeats`` repeats of ``number`` calls each.

    Every call's result is passed to ``sync`` before the clock is read, so a
    lazy library's work is inside the timed region. ``number`` is chosen so
    that one repeat lasts at least ``min_repeat_s``; ``repeats`` shrinks (to
    no fewer than 1) when the whole measurement would exceed ``budget_s``.

    Args:
        fn: the call to time, with its inputs already built.
        sync: ``bk.sync`` of the backend that computes, or None for eager code.
        repeats: at most this many timed repeats; the median is reported.
        warmup: untimed calls before the first measurement (at least one is
            made, timed, to calibrate).
        budget_s: rough upper bound on the seconds spent measuring.

    Returns:
        A :class:`Timing` with the median and best seconds per call.
    """
    sync = _sync_results(sync)
    for _ in range(max(0, warmup - 1)):
        sync(fn())
    start = time.perf_counter()
    sync(fn())
    first = max(time.perf_counter() - start, 1e-9)
    number = max(1, int(min_repeat_s / first))
    affordable = int(budget_s / (first * number))
    repeats = max(1, min(repeats, affordable))
    per_call = [_one_repeat(fn, sync, number) / number for _ in range(repeats)]
    return Timing(statistics.median(per_call), min(per_call), repeats, number)


def time_calls(
    fns: Sequence[Callable[[], Any]],
    *,
    sync: Callable[..., None] | None = None,
    repeats: int = 5,
    budget_s: float = 1.0,
    min_repeat_s: float = _MIN_REPEAT_S,
) -> list[Timing]:
    """Time several calls side by side, alternating their repeats.

    On a shared machine the load changes from second to second. Timing
    ``a`` completely and then ``b`` lets a burst of load land on one of them
    only; alternating ``a, b, a, b, ...`` exposes both to the same conditions,
    so their *ratio* is trustworthy even when their absolute times are not.
    Each function gets one warm-up call (which also calibrates its
    ``number``), and ``budget_s`` seconds per function, roughly.

    Returns:
        One :class:`Timing` per function, in order.
    """
    sync = _sync_results(sync)
    firsts = []
    for fn in fns:
        start = time.perf_counter()
        sync(fn())
        firsts.append(max(time.perf_counter() - start, 1e-9))
    numbers = [max(1, int(min_repeat_s / f)) for f in firsts]
    per_round = sum(f * n for f, n in zip(firsts, numbers))
    repeats = max(1, min(repeats, int(budget_s * len(fns) / per_round)))
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, number, out in zip(fns, numbers, samples):
            out.append(_one_repeat(fn, sync, number) / number)
    return [Timing(statistics.median(s), min(s), repeats, n) for s, n in zip(samples, numbers)]


def _one_repeat(fn: Callable[[], Any], sync: Callable[..., None], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        sync(fn())
    return time.perf_counter() - start


def overhead_per_call(
    wrapped: Callable[[], Any],
    raw: Callable[[], Any],
    *,
    sync: Callable[..., None] | None = None,
    rounds: int = 7,
    min_repeat_s: float = 0.02,
) -> dict[str, float]:
    """Seconds a wrapper adds per call over the raw library call, on tiny inputs.

    The two are timed in alternation (``rounds`` times each) so that a burst of
    load from another process hits both alike; the overhead is the difference
    of their medians.

    Returns:
        ``{"raw_s": ..., "wrapped_s": ..., "overhead_s": ...}`` per call.
    """
    raws, wraps = [], []
    for _ in range(rounds):
        raws.append(time_call(raw, sync=sync, repeats=1, min_repeat_s=min_repeat_s).median)
        wraps.append(time_call(wrapped, sync=sync, repeats=1, min_repeat_s=min_repeat_s).median)
    raw_s, wrapped_s = statistics.median(raws), statistics.median(wraps)
    return {"raw_s": raw_s, "wrapped_s": wrapped_s, "overhead_s": wrapped_s - raw_s}


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo where there is one."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def available_memory_bytes() -> int | None:
    """Memory this process can still get (``MemAvailable``, capped by a container's limit), or None."""
    from dotkit._memory import free_bytes

    return free_bytes()


def blas_info() -> dict[str, Any]:
    """Which BLAS NumPy links, and its configuration, as NumPy reports it."""
    import numpy as np

    try:
        deps = np.show_config(mode="dicts").get("Build Dependencies", {})
        blas = deps.get("blas", {})
        return {
            k: blas.get(k) for k in ("name", "version", "openblas configuration") if blas.get(k)
        }
    except Exception:  # noqa: BLE001 - older NumPy without mode="dicts"
        return {}


def describe_machine() -> dict[str, Any]:
    """A JSON-ready description of this machine and the libraries that will be timed."""
    import numpy as np

    info: dict[str, Any] = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_info(),
        "threads_env": {
            k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS") if k in os.environ
        },
        "memory_available_gb": _gb(available_memory_bytes()),
        "last_level_cache_mb": _last_level_cache_mb(),
        "load_average_1min": _load_average(),
    }
    info.update(_optional_versions())
    return info


def _last_level_cache_mb() -> float | None:
    """The largest CPU cache in MiB, from Linux's sysfs (None elsewhere)."""
    sizes = []
    for f in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        text = f.read_text().strip().upper()
        scale = {"K": 1 / 1024, "M": 1.0, "G": 1024.0}.get(text[-1:], None)
        try:
            sizes.append(float(text[:-1]) * scale if scale else float(text) / 2**20)
        except ValueError:
            continue
    return max(sizes) if sizes else None


def _load_average() -> float | None:
    """Runnable processes averaged over the last minute: above the core count, timings suffer."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _gb(n: int | None) -> float | None:
    return None if n is None else round(n / 1e9, 1)


def _optional_versions() -> dict[str, Any]:
    """Versions of optional libraries that are installed (found without importing them)."""
    import importlib.metadata as md

    out: dict[str, Any] = {}
    for dist in ("mlx", "torch", "sentence-transformers"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            out[dist] = None
    return out


__all__ = [
    "Timing",
    "available_memory_bytes",
    "blas_info",
    "cpu_model",
    "describe_machine",
    "overhead_per_call",
    "time_call",
    "time_calls",
]
