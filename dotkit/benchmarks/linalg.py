"""``dk.dot`` and ``dk.matmul`` against the library calls they wrap, and what a call through dotkit costs.

- ``overhead``: seconds dotkit adds per call over the raw call, on inputs too
  small to compute anything (the price of checking and dispatching);
- ``dot``: float32 vectors from a thousand to 10⁸ elements, memory-bound,
  reported in GB/s;
- ``matmul`` and ``batched_matmul``: square products up to 4096 and stacks
  of products shaped like attention heads, compute-bound, in GFLOP/s.

Each size times the library's call and dotkit's in alternation, so that
both meet the same load; ``vs_raw`` is the ratio of their medians.

Example:
    >>> from dotkit.backends import get_backend
    >>> from dotkit.benchmarks.linalg import bench_dot
    >>> from dotkit.benchmarks.profiles import PROFILES
    >>> [r["size"] for r in bench_dot(get_backend("numpy"), PROFILES["smoke"])]
    ['n=1e3', 'n=1e4']
"""

from __future__ import annotations

from collections.abc import Iterable

from dotkit.backends import Backend
from dotkit.benchmarks.limits import raw_dot, raw_dot_name
from dotkit.benchmarks.profiles import Profile
from dotkit.benchmarks.rows import fits_in_memory, lib_name, result_row, seeded_inputs, skipped, too_slow
from dotkit.benchmarks.timing import overhead_per_call, time_calls


def bench_overhead(bk: Backend, prof: Profile) -> list[dict]:
    """dotkit's cost per call over the raw call, on inputs too small to compute anything."""
    import dotkit as dk

    a, b = seeded_inputs(bk, (8,), (8,))
    m, n = seeded_inputs(bk, (4, 4), (4, 4))
    cases = [
        ("dot", lambda: dk.dot(a, b), lambda: raw_dot(bk, a, b), raw_dot_name(bk)),
        ("dot, backend= given", lambda: dk.dot(a, b, backend=bk), lambda: raw_dot(bk, a, b), raw_dot_name(bk)),
        ("matmul", lambda: dk.matmul(m, n), lambda: bk.xp.matmul(m, n), f"{lib_name(bk)}.matmul"),
    ]
    rows = []
    for label, wrapped, raw, raw_name in cases:
        o = overhead_per_call(wrapped, raw, sync=bk.sync, rounds=3 if prof.name == "smoke" else 15,
                              min_repeat_s=0.005)
        rows.append({"op": "overhead", "backend": bk.name, "size": label, "raw_name": raw_name,
                     "raw_us": o["raw_s"] * 1e6, "dotkit_us": o["wrapped_s"] * 1e6,
                     "overhead_us": o["overhead_s"] * 1e6})
    return rows


def bench_dot(bk: Backend, prof: Profile) -> list[dict]:
    """``dk.dot`` vs the library's dot on float32 vectors: memory-bound, reported in GB/s."""
    rows: list[dict] = []
    rate = None
    for n in prof.dot_sizes:
        size = f"n={n:.0e}".replace("e+0", "e")
        nbytes = 8.0 * n
        # the pair is built in NumPy; a backend that copies it on the way in holds both for a moment
        if not fits_in_memory(nbytes * (3 if bk.asarray_copies_numpy else 1.5)):
            rows.append(skipped("dot", bk, size, "not enough free memory"))
        elif too_slow(nbytes, rate, prof):
            rows.append(skipped("dot", bk, size, f"predicted over {prof.max_call_s} s per call"))
        else:
            rows.append(_dot_row(bk, prof, n, size))
            rate = nbytes / max(rows[-1]["dotkit_best_s"], rows[-1]["raw_best_s"])
    return rows


def _dot_row(bk: Backend, prof: Profile, n: int, size: str) -> dict:
    """One length: the library's dot and ``dk.dot`` timed side by side."""
    import dotkit as dk

    a, b = seeded_inputs(bk, (n,), (n,))
    raw, mine = time_calls([lambda: raw_dot(bk, a, b), lambda: dk.dot(a, b)], sync=bk.sync, repeats=9,
                           budget_s=prof.budget_s)
    return result_row("dot", bk, size, flops=2.0 * n, bytes_=8.0 * n, unit="GB/s", dotkit=mine, raw=raw,
                      raw_name=raw_dot_name(bk))


def bench_matmul(bk: Backend, prof: Profile) -> list[dict]:
    """Square float32 products: compute-bound once the matrices are a few hundred wide."""
    return _matmul_rows("matmul", bk, prof, [(0, s, s, s) for s in prof.matmul_sizes])


def bench_batched_matmul(bk: Backend, prof: Profile) -> list[dict]:
    """Stacks of products ``(b, m, k) @ (b, k, n)``, as in attention heads."""
    return _matmul_rows("batched_matmul", bk, prof, prof.batched)


def _matmul_rows(op: str, bk: Backend, prof: Profile, shapes: Iterable[tuple[int, int, int, int]]) -> list[dict]:
    """``dk.matmul`` vs ``xp.matmul`` for ``(batch, m, k, n)`` shapes (batch 0: plain 2-D)."""
    rows: list[dict] = []
    rate = None
    for batch, m, k, n in shapes:
        size = (f"{batch}x" if batch else "") + (f"{m}" if m == k == n else f"{m}x{k}x{n}")
        flops = 2.0 * max(batch, 1) * m * k * n
        if too_slow(flops, rate, prof):
            rows.append(skipped(op, bk, size, f"predicted over {prof.max_call_s} s per call"))
        else:
            rows.append(_matmul_row(op, bk, prof, (batch, m, k, n), size))
            rate = flops / max(rows[-1]["dotkit_best_s"], rows[-1]["raw_best_s"])
    return rows


def _matmul_row(op: str, bk: Backend, prof: Profile, shape: tuple[int, int, int, int], size: str) -> dict:
    """One shape: ``xp.matmul`` and ``dk.matmul`` timed side by side."""
    import dotkit as dk

    batch, m, k, n = shape
    lead = (batch,) if batch else ()
    a, b = seeded_inputs(bk, (*lead, m, k), (*lead, k, n))
    raw, mine = time_calls([lambda: bk.xp.matmul(a, b), lambda: dk.matmul(a, b)], sync=bk.sync, repeats=7,
                           budget_s=prof.budget_s)
    count = max(batch, 1)
    return result_row(op, bk, size, flops=2.0 * count * m * k * n, bytes_=4.0 * count * (m * k + k * n + m * n),
                      unit="GFLOP/s", dotkit=mine, raw=raw, raw_name=f"{lib_name(bk)}.matmul")


__all__ = ["bench_batched_matmul", "bench_dot", "bench_matmul", "bench_overhead"]
