"""Timing that can be trusted: warm-up, calibrated repeats, median, and a sync.

Three rules make a timing mean something:

1. **Warm up** first: the first call pays for imports, memory allocation,
   BLAS thread start-up and (for MLX) graph compilation.
2. **Repeat and take the median**: a shared machine is noisy; the median
   ignores the runs where another process took the core.
3. **Sync before every clock read**: MLX is lazy; ``mx.matmul(a, b)`` returns
   at once and computes only when the result is needed. By default every
   result is handed to the sync of the backend that owns it (``mx.eval`` for
   MLX; nothing at all for NumPy and other eager libraries), so the work is
   inside the timed region without the caller naming a backend.

Example:
    >>> import numpy as np
    >>> from dotkit.benchmarks.timing import time_call
    >>> a = np.ones(1000, dtype=np.float32)
    >>> t = time_call(lambda: np.dot(a, a))
    >>> t.median > 0
    True
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

# The machine description lives in `machine`; code that times things often wants it beside the timings.
from dotkit.backends import Backend, backend_of, get_backend
from dotkit.benchmarks.machine import describe_machine
from dotkit.errors import InputValueError

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
        samples: seconds per call of each repeat, in the order they were timed
            (what :func:`paired_ratios` pairs up).
    """

    median: float
    best: float
    repeats: int
    number: int
    samples: tuple[float, ...] = ()

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


#: How to wait for a result of each type: its backend's sync, or None when there is nothing to wait
#: for (eager backends, Python objects). Worked out once per type, since the clock runs around it.
_waits: dict[type, Callable[[Any], None] | None] = {}


def wait_for_result(result: Any) -> None:
    """Wait until ``result`` is computed by the backend that owns it.

    A lazy backend's array (MLX) goes to that backend's ``sync``; a tuple,
    list or dict has each of its items waited for; NumPy arrays, eager
    backends' arrays, None and other Python objects cost one type lookup.

    Example:
        >>> import numpy as np
        >>> wait_for_result((np.ones(3), None, 2.0)) is None
        True
    """
    kind = type(result)
    try:
        wait = _waits[kind]
    except KeyError:
        wait = _waits[kind] = _wait_for_type(result)
    if wait is not None:
        wait(result)


def _wait_for_type(result: Any) -> Callable[[Any], None] | None:
    """The wait for results of ``type(result)``; None when an object of that type needs none."""
    if isinstance(result, (tuple, list)):
        return _wait_for_items
    if isinstance(result, dict):
        return lambda mapping: _wait_for_items(mapping.values())
    name = backend_of(result)
    if name is None:
        return None
    backend = get_backend(name)
    return None if type(backend).sync is Backend.sync else backend.sync  # an eager backend's sync does nothing


def _wait_for_items(items: Any) -> None:
    for item in items:
        wait_for_result(item)


def _sync_results(sync: Callable[..., None] | None) -> Callable[[Any], None]:
    """``sync`` applied to a call's result, or the result's own backend's sync when ``sync`` is None;
    a call returning None (say, into another library timed for comparison) has nothing to wait for."""
    if sync is None:
        return wait_for_result
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

    Every call's result is waited for before the clock is read, so a lazy
    library's work is inside the timed region. ``number`` is chosen so that
    one repeat lasts at least ``min_repeat_s``; ``repeats`` shrinks (to no
    fewer than 1) when the whole measurement would exceed ``budget_s``.

    Args:
        fn: the call to time, with its inputs already built.
        sync: called with each result; None (the default) waits for the
            backend that owns the result (:func:`wait_for_result`).
        repeats: at most this many timed repeats; the median is reported.
        warmup: untimed calls before the first measurement (at least one is
            made, timed, to calibrate). With ``warmup=0`` a calibrating call
            that takes longer than ``min_repeat_s`` is kept as the first
            repeat, so a call that lasts seconds is made only once when
            ``budget_s`` affords no more.
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
    per_call = [first] if warmup <= 0 and first >= min_repeat_s else []
    per_call += [_one_repeat(fn, sync, number) / number for _ in range(repeats - len(per_call))]
    return Timing(statistics.median(per_call), min(per_call), len(per_call), number, tuple(per_call))


#: Seconds of rest before each repeat when libraries with their own thread pools are timed side by side
#: (see :func:`time_calls`): longer than OpenBLAS's spin of about 0.1 s.
SETTLE_S = 0.2
#: The shortest repeat after a settle: several calls of a 10-20 ms layer, not one.
SETTLED_REPEAT_S = 0.1


def time_calls(
    fns: Sequence[Callable[[], Any]],
    *,
    sync: Callable[..., None] | None = None,
    repeats: int = 5,
    budget_s: float = 1.0,
    min_repeat_s: float = _MIN_REPEAT_S,
    settle_s: float = 0.0,
) -> list[Timing]:
    """Time several calls side by side, alternating their repeats.

    On a shared machine the load changes from second to second. Timing
    ``a`` completely and then ``b`` lets a burst of load land on one of them
    only; alternating ``a, b, a, b, ...`` exposes both to the same conditions,
    so their *ratio* is trustworthy even when their absolute times are not.
    Each function gets one warm-up call (which also calibrates its
    ``number``), and ``budget_s`` seconds per function, roughly.

    ``sync`` is as in :func:`time_call`: None waits for each result's own backend.
    ``settle_s`` seconds of sleep (not timed) precede each repeat: a threaded
    library's workers keep spinning on the cores for a while after its call
    returns (OpenBLAS's for up to about 0.1 s, OpenMP's for a few ms), and
    without the pause the next call, another library's, would share the cores
    with them and be charged for it. After the pause one untimed call runs
    first: on a virtual machine a core left idle for the pause wakes slowly,
    and a timed call straight after it measured up to twice its time in a
    loop (seen with conv2d on a 2-core VM), and each repeat then lasts at
    least :data:`SETTLED_REPEAT_S`, so that it times the calls' steady rate.

    Returns:
        One :class:`Timing` per function, in order.
    """
    sync = _sync_results(sync)
    if settle_s:
        min_repeat_s = max(min_repeat_s, SETTLED_REPEAT_S)
    firsts = []
    for fn in fns:
        start = time.perf_counter()
        sync(fn())
        firsts.append(max(time.perf_counter() - start, 1e-9))
    numbers = [max(1, int(min_repeat_s / f)) for f in firsts]
    per_round = sum(f * n for f, n in zip(firsts, numbers))
    repeats = max(1, min(repeats, int(budget_s * len(fns) / per_round)))
    samples = _alternate(fns, sync, numbers, repeats, settle_s)
    return [Timing(statistics.median(s), min(s), repeats, n, tuple(s)) for s, n in zip(samples, numbers)]


def _alternate(fns: Sequence[Callable[[], Any]], sync: Callable[..., None], numbers: list[int], repeats: int,
               settle_s: float) -> list[list[float]]:
    """Seconds per call of each function, one repeat of each in turn, ``repeats`` rounds."""
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, number, out in zip(fns, numbers, samples):
            if settle_s:
                time.sleep(settle_s)
                sync(fn())  # untimed: the cores come back from idle on this call, not on a timed one
            out.append(_one_repeat(fn, sync, number) / number)
    return samples


def paired_ratios(reference: Timing, mine: Timing) -> dict[str, float | int]:
    """``reference / mine`` for each round of an alternated timing: the median and its spread.

    :func:`time_calls` times its calls back to back in every round, so one
    round's ratio compares the two under the same load. The median over the
    rounds is the comparison; its min and max say how much the load moved it.
    Above 1, ``mine`` was the faster.

    Example:
        >>> a = Timing(2.0, 1.0, 3, 1, (1.0, 2.0, 3.0))
        >>> b = Timing(1.0, 1.0, 3, 1, (1.0, 1.0, 1.0))
        >>> paired_ratios(a, b)
        {'median': 2.0, 'min': 1.0, 'max': 3.0, 'runs': 3}
    """
    ratios = [r / m for r, m in zip(reference.samples, mine.samples)]
    if not ratios:
        raise InputValueError(
            f"paired_ratios: expected two timings from one time_calls, with a sample per round; received "
            f"{len(reference.samples)} and {len(mine.samples)} samples"
        )
    return {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios), "runs": len(ratios)}


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


__all__ = [
    "Timing",
    "describe_machine",
    "overhead_per_call",
    "paired_ratios",
    "time_call",
    "time_calls",
    "wait_for_result",
]
