"""Spreading NumPy work over the machine's cores, one BLAS thread per worker.

NumPy's element-wise ops (``exp``, ``erf``, the sums of a layer norm) run on
one core, while its BLAS spreads each matrix product over all of them. For
work made of many independent pieces (attention tiles, batches of sentences)
it is faster to give each core whole pieces and let every step run in
parallel: NumPy releases the GIL inside its loops and BLAS calls, so plain
threads do it. Meanwhile BLAS is held to one thread (through threadpoolctl,
which ships with scikit-learn) so that workers do not oversubscribe the cores.

Work that is already running inside a worker runs sequentially, so nested
calls never multiply the threads.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any, TypeVar

T = TypeVar("T")
_inside = threading.local()
_DONE = object()


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - macOS, Windows


@functools.cache
def blas_controller() -> Any:
    """threadpoolctl's controller, or None where threadpoolctl is not installed."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - it comes with scikit-learn
        return None
    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[Any]:
    """A ``with`` block in which BLAS runs on one thread (no-op without threadpoolctl)."""
    controller = blas_controller()
    if controller is None:  # pragma: no cover - it comes with scikit-learn
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


def run_parts(run: Callable[[Iterable[T]], None], items: Sequence[T], *, parallel: bool) -> None:
    """Call ``run(part)`` on one thread per core, the parts drawing items from one queue.

    Each worker takes the next item when it is done with its last one, so a
    core that is slowed down (by another process, or by larger items) simply
    takes fewer of them. The calling thread is one of the workers, the others
    come from a pool kept for the life of the process (starting threads for
    every call would cost about 0.1 ms). If a part raises, the other parts
    take no further items, and the error reaches the caller once all have stopped.

    Args:
        run: processes the items of an iterable; it must release the GIL for the
            work to overlap (NumPy calls on large arrays do) and write its results
            itself.
        items: the independent pieces of work.
        parallel: False runs ``run(items)`` on the calling thread, with BLAS's own
            threads (the right choice for small work, where threads cost more
            than they give).
    """
    workers = min(cores(), len(items))
    controller = blas_controller() if parallel and workers > 1 else None
    if controller is None or getattr(_inside, "active", False):
        run(items)
        return
    queue = iter(items)
    lock = threading.Lock()
    failed = threading.Event()

    def take() -> Iterator[T]:
        while not failed.is_set():
            with lock:
                item = next(queue, _DONE)
            if item is _DONE:
                return
            yield item  # type: ignore[misc]

    def work() -> None:
        _inside.active = True
        try:
            run(take())
        except BaseException:
            failed.set()
            raise
        finally:
            _inside.active = False

    with one_blas_thread():
        helpers = [_pool().submit(work) for _ in range(workers - 1)]
        try:
            work()
        finally:
            futures.wait(helpers)
    for helper in helpers:
        helper.result()  # re-raises a helper's error


_pool_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}  # by process id


def _pool() -> ThreadPoolExecutor:
    """The helper threads of this process, one per core but the caller's (a forked child starts its own)."""
    with _pool_lock:
        pool = _pools.get(os.getpid())
        if pool is None:
            pool = _pools[os.getpid()] = ThreadPoolExecutor(max(1, cores() - 1), thread_name_prefix="dotkit-worker")
        return pool
