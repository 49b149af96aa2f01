"""One matrix product, five ways: what SIMD, cache blocking and threads each add.

Each rung computes the same float32 product ``C = A @ B`` and reports its
GFLOP/s (``2 N³`` operations per product):

1. ``python loops``: three nested loops over Python floats (one multiply-add
   at a time, no SIMD);
2. ``rank-1 updates``: ``C += A[:, k:k+1] * B[k]`` for every ``k``, ``N``
   NumPy calls that each update the whole of ``C`` at once (SIMD), without
   blocking: every update reads and writes all of ``C``, instead of keeping a
   tile of it in registers, on one core;
3. ``openblas, 1 thread``: NumPy's BLAS held to one thread (SIMD and
   cache blocking);
4. ``openblas, all threads``: the same on every core;
5. ``mlx``: MLX's ``matmul`` on its CPU device, where MLX is installed.
   MLX starts its own threads, which ``threadpoolctl`` cannot limit, so
   this rung's ``threads`` is ``None``. Every rung has a ``cpus_busy``: the
   process's CPU seconds per elapsed second while it was timed. It counts
   every thread of the process, so it includes an OpenBLAS thread still
   waiting (running) for work after an earlier rung, not only the rung's own.

Example:
    >>> from dotkit.benchmarks.ladder import matmul_ladder
    >>> rungs = matmul_ladder(32, python_n=8, budget_s=0.01, with_mlx=False)
    >>> [r["rung"] for r in rungs][:2]
    ['python loops', 'rank-1 updates']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.benchmarks.timing import time_call


def python_loops(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """``C[i][j] = Σₖ A[i][k] B[k][j]`` with plain Python loops."""
    n, p, q = len(a), len(b), len(b[0])
    c = [[0.0] * q for _ in range(n)]
    for i in range(n):
        for k in range(p):
            aik, row = a[i][k], b[k]
            ci = c[i]
            for j in range(q):
                ci[j] += aik * row[j]
    return c


def rank1_updates(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``C += A[:, k] ⊗ B[k]`` for each ``k``: one NumPy call per ``k`` (SIMD), no blocking."""
    c = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    for k in range(a.shape[1]):
        c += a[:, k : k + 1] * b[k]
    return c


def _rate(n: int, seconds: float) -> float:
    return 2.0 * n**3 / seconds / 1e9


def matmul_ladder(n: int = 256, *, python_n: int = 48, budget_s: float = 0.2,
                  with_mlx: bool = True) -> list[dict[str, Any]]:
    """GFLOP/s of each rung on seeded ``n × n`` float32 matrices (``python_n`` for the Python loops).

    Returns:
        ``[{"rung", "n", "gflops", "seconds", "threads", "cpus_busy"}, ...]`` in the order of the
        module docstring; ``threads`` is the thread limit the rung ran under (``None`` for MLX).
    """
    import time

    from threadpoolctl import threadpool_info, threadpool_limits

    rng = np.random.default_rng(0)
    a, b = (np.asarray(rng.standard_normal((n, n)), dtype=np.float32) for _ in range(2))
    small = [r.tolist() for r in a[:python_n, :python_n]], [r.tolist() for r in b[:python_n, :python_n]]
    assert np.allclose(rank1_updates(a[:8, :8], b[:8, :8]), a[:8, :8] @ b[:8, :8], atol=1e-4)

    def one(rung: str, size: int, fn: Any, sync: Any = None, threads: int | None = 1) -> dict[str, Any]:
        cpu, wall = time.process_time(), time.perf_counter()
        t = time_call(fn, sync=sync, repeats=3, budget_s=budget_s)
        busy = (time.process_time() - cpu) / max(time.perf_counter() - wall, 1e-9)
        return {"rung": rung, "n": size, "gflops": _rate(size, t.best), "seconds": t.best,
                "threads": threads, "cpus_busy": busy}

    blas_threads = max((p.get("num_threads", 1) for p in threadpool_info() if p.get("user_api") == "blas"),
                       default=1)

    # All threads first: after a thread limit is lifted, OpenBLAS's woken threads
    # can run far below speed for a while, which would spoil this rung.
    every = one("openblas, all threads", n, lambda: a @ b, threads=blas_threads)
    rungs = [one("python loops", python_n, lambda: python_loops(*small))]
    with threadpool_limits(1):
        rungs.append(one("rank-1 updates", n, lambda: rank1_updates(a, b)))
        rungs.append(one("openblas, 1 thread", n, lambda: a @ b))
    rungs.append(every)
    if with_mlx:
        try:
            import mlx.core as mx
        except ImportError:
            return rungs
        am, bm = mx.array(a), mx.array(b)
        mx.eval(am, bm)
        rungs.append(one("mlx", n, lambda: mx.matmul(am, bm), sync=mx.eval, threads=None))
    return rungs


__all__ = ["matmul_ladder", "python_loops", "rank1_updates"]
