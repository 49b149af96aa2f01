"""``python -m dotkit.bench``: every op the chapters use, against the raw library and the machine.

For each available backend the bench first measures this machine's limits
with the backend's own library:

- **read bandwidth**, from the library's dot product over two vectors that
  together hold twice the last-level cache (BabelStream's "dot"), the roof
  of read-only kernels; STREAM's copy and add are reported beside it;
- **cache ceilings** (first backend only): the same read kernel on working
  sets that fit each cache level the system reports;
- **sgemm**, from a large float32 matrix product (raised to the best rate of
  the library's own products timed later in the run, if higher), and the
  **peak** computed from the CPU's facts (:mod:`dotkit.benchmarks.machine`).

Then it times each op twice, through dotkit and through the raw library call
(``numpy.dot``, ``mlx.core.matmul``, ...), and reports the time per call, the
rate (GB/s for memory-bound ops, GFLOP/s otherwise), dotkit's speed as a
fraction of the raw call, and the fraction of the roofline limit
``min(peak, intensity × bandwidth)`` reached, with the bandwidth of the
fastest level that holds the op's bytes. Timings follow
:mod:`dotkit.benchmarks.timing`: warm-up, calibrated repeats, the median, and
``bk.sync()`` before every clock read (MLX is lazy).

Output (see :mod:`dotkit.benchmarks.report`): a table on the terminal, ``bench.json`` (results plus a description
of the machine) and ``roofline.png`` in ``--out``. Ops whose module is not
there yet, or whose library is missing, are reported as skipped.

Usage::

    python -m dotkit.bench [--quick | --profile smoke|quick|full] [--out DIR]
                           [--backends numpy,mlx] [--ops dot,matmul,...]
    python -m dotkit.bench movielens --path DIR [...]

Example:
    >>> from dotkit import bench
    >>> report = bench.run("smoke", ops=["dot"], backends=["numpy"])  # doctest: +SKIP
    >>> sorted(report)  # doctest: +SKIP
    ['elapsed_s', 'limits', 'machine', 'ops', 'profile', 'results', 'targets']
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from dotkit.backends import Backend, available_backends, get_backend
from dotkit.benchmarks.report import _best_bw, format_table, plot_roofline, roof, targets, write_outputs
from dotkit.benchmarks.timing import (
    available_memory_bytes,
    describe_machine,
    overhead_per_call,
    time_call,
    time_calls,
)

__all__ = [
    "OPS",
    "PROFILES",
    "Profile",
    "format_table",
    "main",
    "ceiling_for",
    "measure_ceilings",
    "measure_limits",
    "plot_roofline",
    "roof",
    "run",
    "targets",
    "write_outputs",
]

GB = 1e9


# -- configuration ---------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Profile:
    """Sizes and time budgets of one bench run.

    Attributes:
        name: ``"smoke"`` (seconds, for tests), ``"quick"`` or ``"full"``.
        stream_elems: float32 elements per array of the bandwidth kernels.
        sgemm_n: side of the square float32 product that measures the peak.
        dot_sizes: vector lengths for ``dot``.
        matmul_sizes: square sizes for ``matmul``.
        batched: ``(batch, m, k, n)`` shapes for batched ``matmul``.
        attention: ``(batch, heads, L, d)`` with ``S = L``.
        minilm_sentences: sentences encoded by the MiniLM benchmark.
        budget_s: seconds spent measuring one call (roughly).
        max_call_s: a call predicted to take longer than this is skipped.
    """

    name: str
    stream_elems: int
    sgemm_n: int
    dot_sizes: tuple[int, ...]
    matmul_sizes: tuple[int, ...]
    batched: tuple[tuple[int, int, int, int], ...]
    attention: tuple[int, int, int, int]
    minilm_sentences: int
    budget_s: float
    max_call_s: float


PROFILES = {
    "smoke": Profile(
        "smoke",
        1 << 20,
        128,
        (1_000, 10_000),
        (32, 64),
        ((4, 16, 16, 16),),
        (1, 2, 32, 16),
        2,
        0.02,
        0.2,
    ),
    "quick": Profile(
        "quick",
        1 << 24,
        2048,
        (1_000, 10_000, 100_000, 1_000_000, 10_000_000),
        (64, 256, 1024, 2048),
        ((64, 128, 128, 128), (96, 512, 64, 512)),
        (2, 12, 256, 64),
        100,
        0.25,
        1.0,
    ),
    "full": Profile(
        "full",
        1 << 25,
        4096,
        (1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000),
        (64, 128, 256, 512, 1024, 2048, 4096),
        ((64, 128, 128, 128), (96, 512, 64, 512)),
        (8, 12, 512, 64),
        1000,
        1.0,
        1.5,
    ),
}


def _profile(profile: str | Profile, overrides: dict[str, Any]) -> Profile:
    if isinstance(profile, str):
        if profile not in PROFILES:
            raise ValueError(
                f"bench: unknown profile {profile!r}; choose from {', '.join(PROFILES)}"
            )
        profile = PROFILES[profile]
    return dataclasses.replace(profile, **overrides) if overrides else profile


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _inputs(bk: Backend, *shapes: tuple[int, ...]) -> list[Any]:
    """Seeded float32 arrays of ``bk`` in [-1, 1), already computed."""
    rng = _rng()
    arrays = [bk.asarray(rng.random(s, dtype=np.float32) * 2 - 1) for s in shapes]
    bk.sync(*arrays)
    return arrays


# -- machine limits -----------------------------------------------------------------
def measure_limits(bk: Backend, prof: Profile, *, ceilings: bool = False) -> dict[str, Any]:
    """Memory bandwidths and the sgemm rate, with ``bk``'s own library.

    Returns:
        ``{"bandwidth_gbs", "read_gbs", "copy_gbs", "add_gbs", "stream_mb",
        "read_mb", "sgemm_gflops", "sgemm_n"}`` and, with ``ceilings``, a
        ``"ceilings"`` list (see :func:`measure_ceilings`). ``read_gbs`` is
        read-only traffic (the dot kernel, as in BabelStream) over two vectors
        that together hold twice the last-level cache; ``bandwidth_gbs`` is
        that figure, the roof of read-only kernels such as the dot product.
        Copy moves 2 arrays' bytes and add 3 (STREAM's convention: the
        write-allocate read of the output is not counted). Their arrays are
        ``stream_mb`` each, which can fit in a large last-level cache, so copy
        and add may measure that cache rather than main memory; they are not
        comparable with ``read_gbs``.
    """
    n = prof.stream_elems
    a, b = _inputs(bk, (n,), (n,))
    copy_fn, add_fn = _stream_kernels(bk, a, b)
    copy = time_call(copy_fn, sync=bk.sync, budget_s=prof.budget_s)
    add = time_call(add_fn, sync=bk.sync, budget_s=prof.budget_s)
    del a, b, copy_fn, add_fn
    n_read = _read_elems(prof)
    read = _read_gbs(bk, n_read, prof.budget_s)
    side = _sgemm_side(bk, prof)
    x, y = _inputs(bk, (side, side), (side, side))
    mm = time_call(lambda: bk.xp.matmul(x, y), sync=bk.sync, repeats=5, budget_s=prof.budget_s * 4)
    # A limit is what the machine can do: the best repeat, not the median.
    out = {
        "bandwidth_gbs": read,
        "read_gbs": read,
        "read_mb": 8 * n_read / 1e6,
        "copy_gbs": 2 * 4 * n / copy.best / GB,
        "add_gbs": 3 * 4 * n / add.best / GB,
        "stream_mb": 4 * n / 1e6,
        "sgemm_gflops": 2.0 * side**3 / mm.best / GB,
        "sgemm_n": side,
    }
    if ceilings:
        out["ceilings"] = measure_ceilings(bk, prof, memory_gbs=read)
    return out


def _read_elems(prof: Profile) -> int:
    """Elements per vector for the read-only bandwidth: two vectors hold twice the last-level cache."""
    from dotkit.benchmarks.machine import caches

    found = caches()
    llc = found[-1]["bytes"] if found else 0
    n = max(prof.stream_elems, llc // 4)
    free = available_memory_bytes()  # capped by a container's limit (Binder: 2 GB)
    if free is not None:
        n = min(n, free // 32)  # two float32 vectors in at most a quarter of the free memory
    return int(max(n, 1 << 16))


def _read_gbs(bk: Backend, n: int, budget_s: float) -> float:
    """Best rate of the library's dot over two length-``n`` float32 vectors: 8n bytes read, nothing written."""
    a = bk.asarray(np.full(n, 0.5, dtype=np.float32))
    b = bk.asarray(np.full(n, 0.25, dtype=np.float32))
    bk.sync(a, b)
    # At least 3 repeats whatever the budget: one call over vectors this long can take a large part
    # of it, and a limit taken from a single call is at the mercy of one burst of load.
    t = time_call(lambda: _raw_dot(bk, a, b), sync=bk.sync, repeats=3, budget_s=1e9)
    return 8.0 * n / t.best / GB


def measure_ceilings(bk: Backend, prof: Profile, *, memory_gbs: float) -> list[dict[str, Any]]:
    """Read-only bandwidth of each cache level, from the cache sizes the system reports.

    A level's ceiling is the best rate of the dot kernel over a few working
    sets (both vectors together) that fit in it but not in the level above:
    starting at twice the size of the level below (half the L1 for L1) and
    growing fourfold, at most four sizes, stopping above half the level or
    128 MiB. Short vectors also pay the call's fixed cost, so the L1 figure
    is a lower bound of what L1 can deliver. The last entry is main memory
    (``memory_gbs``).

    Returns:
        ``[{"level": "L1", "bytes": best working set, "cache_bytes", "gbs"}, ..., {"level": "memory", ...}]``.
    """
    from dotkit.benchmarks.machine import caches

    out, previous = [], None
    for cache in caches():
        ws = cache["bytes"] // 2 if previous is None else 2 * previous
        top = min(cache["bytes"] // 2, 128 * 2**20)
        best = (0.0, ws)
        for _ in range(4):
            if ws > top and best[0] > 0:
                break
            n = max(ws // 8, 256)
            a, b = _inputs(bk, (n,), (n,))
            t = time_call(lambda a=a, b=b: _raw_dot(bk, a, b), sync=bk.sync, repeats=9,
                          budget_s=prof.budget_s / 2)
            best = max(best, (8.0 * n / t.best / GB, 8 * n))
            ws *= 4
        out.append({"level": cache["level"], "bytes": best[1], "cache_bytes": cache["bytes"], "gbs": best[0]})
        previous = cache["bytes"]
    out.append({"level": "memory", "bytes": None, "cache_bytes": None, "gbs": memory_gbs})
    return out


def ceiling_for(nbytes: float, ceilings: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The ceiling of the fastest level that holds a working set of ``nbytes`` (memory if none)."""
    for c in ceilings:
        if c["cache_bytes"] is not None and nbytes <= c["cache_bytes"]:
            return c
    return ceilings[-1] if ceilings else None


def _stream_kernels(bk: Backend, a: Any, b: Any) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """Copy and add, into a preallocated output where the library allows it.

    Writing into the same output every time keeps page faults of fresh
    allocations out of the timing. A library without ``out=`` (MLX)
    allocates, as its own ops do, and its "copy" is the scale ``2a``: the
    same two streams of bytes, one read and one written.
    """
    xp = bk.xp
    try:
        c = xp.empty_like(a)
        xp.add(a, b, out=c)
        xp.copyto(c, a)
    except (AttributeError, TypeError):
        return (lambda: a * 2), (lambda: a + b)
    return (lambda: xp.copyto(c, a)), (lambda: xp.add(a, b, out=c))


def _sgemm_side(bk: Backend, prof: Profile) -> int:
    """The largest side up to ``prof.sgemm_n`` whose product fits the time budget."""
    side = min(256, prof.sgemm_n)
    x, y = _inputs(bk, (side, side), (side, side))
    t = time_call(lambda: bk.xp.matmul(x, y), sync=bk.sync, repeats=3, budget_s=prof.budget_s)
    rate = 2.0 * side**3 / t.best
    while side * 2 <= prof.sgemm_n and 2.0 * (side * 2) ** 3 / rate <= prof.max_call_s / 2:
        side *= 2
    return side


# -- one measured row -----------------------------------------------------------------
def _row(
    op: str,
    bk: Backend,
    size: str,
    *,
    flops: float,
    bytes_: float,
    unit: str,
    dotkit: Any = None,
    raw: Any = None,
    raw_name: str = "",
    extra: dict | None = None,
) -> dict:
    """A result row: times, rates and the ratio of dotkit to the raw call."""
    row: dict[str, Any] = {
        "op": op,
        "backend": bk.name,
        "size": size,
        "flops": flops,
        "bytes": bytes_,
        "unit": unit,
        "raw_name": raw_name,
    }
    for label, t in (("dotkit", dotkit), ("raw", raw)):
        if t is not None:
            row[f"{label}_s"] = t.median
            row[f"{label}_best_s"] = t.best
            row[f"{label}_rate"] = (bytes_ if unit == "GB/s" else flops) / t.median / GB
    if dotkit is not None and raw is not None:
        row["vs_raw"] = raw.median / dotkit.median  # >= 1: dotkit as fast as the raw call
    row.update(extra or {})
    return row


def _too_slow(flops: float, rate: float | None, prof: Profile) -> bool:
    """Whether a call of ``flops`` is predicted, from the last rate, to exceed the budget."""
    return rate is not None and flops / rate > prof.max_call_s


def _fits_in_memory(nbytes: float) -> bool:
    free = available_memory_bytes()
    return free is None or nbytes * 2 < free


def _skipped(op: str, bk: Backend, size: str, reason: str) -> dict:
    return {"op": op, "backend": bk.name, "size": size, "skipped": reason}


# -- ops ---------------------------------------------------------------------------------
def bench_overhead(bk: Backend, prof: Profile) -> list[dict]:
    """dotkit's cost per call over the raw call, on inputs too small to compute anything."""
    import dotkit as dk

    a, b = _inputs(bk, (8,), (8,))
    m, n = _inputs(bk, (4, 4), (4, 4))
    cases = [
        ("dot", lambda: dk.dot(a, b), lambda: _raw_dot(bk, a, b), _raw_dot_name(bk)),
        (
            "dot, backend= given",
            lambda: dk.dot(a, b, backend=bk),
            lambda: _raw_dot(bk, a, b),
            _raw_dot_name(bk),
        ),
        ("matmul", lambda: dk.matmul(m, n), lambda: bk.xp.matmul(m, n), f"{_lib(bk)}.matmul"),
    ]
    rows = []
    for label, wrapped, raw, raw_name in cases:
        o = overhead_per_call(
            wrapped, raw, sync=bk.sync, rounds=3 if prof.name == "smoke" else 15, min_repeat_s=0.005
        )
        rows.append(
            {
                "op": "overhead",
                "backend": bk.name,
                "size": label,
                "raw_name": raw_name,
                "raw_us": o["raw_s"] * 1e6,
                "dotkit_us": o["wrapped_s"] * 1e6,
                "overhead_us": o["overhead_s"] * 1e6,
            }
        )
    return rows


def _lib(bk: Backend) -> str:
    return bk.xp.__name__


def _raw_dot(bk: Backend, a: Any, b: Any) -> Any:
    return bk.xp.dot(a, b) if hasattr(bk.xp, "dot") else bk.xp.inner(a, b)


def _raw_dot_name(bk: Backend) -> str:
    return f"{_lib(bk)}.{'dot' if hasattr(bk.xp, 'dot') else 'inner'}"


def bench_dot(bk: Backend, prof: Profile) -> list[dict]:
    """``dk.dot`` vs the library's dot on float32 vectors: memory-bound, reported in GB/s."""
    rows: list[dict] = []
    rate = None
    for n in prof.dot_sizes:
        size = f"n={n:.0e}".replace("e+0", "e")
        nbytes = 8.0 * n
        if not _fits_in_memory(nbytes * (3 if bk.name != "numpy" else 1.5)):
            rows.append(_skipped("dot", bk, size, "not enough free memory"))
        elif _too_slow(nbytes, rate, prof):
            rows.append(_skipped("dot", bk, size, f"predicted over {prof.max_call_s} s per call"))
        else:
            rows.append(_dot_row(bk, prof, n, size))
            rate = nbytes / max(rows[-1]["dotkit_best_s"], rows[-1]["raw_best_s"])
    return rows


def _dot_row(bk: Backend, prof: Profile, n: int, size: str) -> dict:
    """One length: the library's dot and ``dk.dot`` timed side by side."""
    import dotkit as dk

    a, b = _inputs(bk, (n,), (n,))
    raw, mine = time_calls(
        [lambda: _raw_dot(bk, a, b), lambda: dk.dot(a, b)],
        sync=bk.sync,
        repeats=9,
        budget_s=prof.budget_s,
    )
    return _row(
        "dot",
        bk,
        size,
        flops=2.0 * n,
        bytes_=8.0 * n,
        unit="GB/s",
        dotkit=mine,
        raw=raw,
        raw_name=_raw_dot_name(bk),
    )


def _matmul_rows(
    op: str, bk: Backend, prof: Profile, shapes: Iterable[tuple[int, int, int, int]]
) -> list[dict]:
    """``dk.matmul`` vs ``xp.matmul`` for ``(batch, m, k, n)`` shapes (batch 0: plain 2-D)."""
    rows: list[dict] = []
    rate = None
    for batch, m, k, n in shapes:
        size = (f"{batch}x" if batch else "") + (f"{m}" if m == k == n else f"{m}x{k}x{n}")
        flops = 2.0 * max(batch, 1) * m * k * n
        if _too_slow(flops, rate, prof):
            rows.append(_skipped(op, bk, size, f"predicted over {prof.max_call_s} s per call"))
        else:
            rows.append(_matmul_row(op, bk, prof, (batch, m, k, n), size))
            rate = flops / max(rows[-1]["dotkit_best_s"], rows[-1]["raw_best_s"])
    return rows


def _matmul_row(
    op: str, bk: Backend, prof: Profile, shape: tuple[int, int, int, int], size: str
) -> dict:
    """One shape: ``xp.matmul`` and ``dk.matmul`` timed side by side."""
    import dotkit as dk

    batch, m, k, n = shape
    lead = (batch,) if batch else ()
    a, b = _inputs(bk, (*lead, m, k), (*lead, k, n))
    raw, mine = time_calls(
        [lambda: bk.xp.matmul(a, b), lambda: dk.matmul(a, b)],
        sync=bk.sync,
        repeats=7,
        budget_s=prof.budget_s,
    )
    count = max(batch, 1)
    return _row(
        op,
        bk,
        size,
        flops=2.0 * count * m * k * n,
        bytes_=4.0 * count * (m * k + k * n + m * n),
        unit="GFLOP/s",
        dotkit=mine,
        raw=raw,
        raw_name=f"{_lib(bk)}.matmul",
    )


def bench_matmul(bk: Backend, prof: Profile) -> list[dict]:
    """Square float32 products: compute-bound once the matrices are a few hundred wide."""
    return _matmul_rows("matmul", bk, prof, [(0, s, s, s) for s in prof.matmul_sizes])


def bench_batched_matmul(bk: Backend, prof: Profile) -> list[dict]:
    """Stacks of products ``(b, m, k) @ (b, k, n)``, as in attention heads."""
    return _matmul_rows("batched_matmul", bk, prof, prof.batched)


def _softmax_attention(xp: Any, q: Any, k: Any, v: Any, scale: float) -> Any:
    """The textbook formula in plain array code: the baseline a reader would write."""
    s = xp.matmul(q, xp.swapaxes(k, -1, -2)) * scale
    e = xp.exp(s - xp.max(s, axis=-1, keepdims=True))
    return xp.matmul(e / xp.sum(e, axis=-1, keepdims=True), v)


def bench_attention(bk: Backend, prof: Profile) -> list[dict]:
    """``scaled_dot_product_attention`` vs the library's best and PyTorch's SDPA if installed."""
    from dotkit.nn.attention import scaled_dot_product_attention as sdpa

    B, H, L, d = prof.attention
    size = f"{B}x{H}x{L}x{d}"
    flops = 4.0 * B * H * L * L * d
    if flops / _gflops_hint(bk) > prof.max_call_s * 1e9:
        return [_skipped("attention", bk, size, f"predicted over {prof.max_call_s} s per call")]
    q, k, v = _inputs(bk, (B, H, L, d), (B, H, L, d), (B, H, L, d))
    scale = 1.0 / math.sqrt(d)
    raw_fn, raw_name = _raw_attention(bk, q, k, v, scale)
    calls = [raw_fn, lambda: sdpa(q, k, v)]
    torch_fn, extra = _torch_attention(bk, q, k, v)
    if torch_fn is not None:  # timed in alternation with dotkit, under the same load
        calls.append(torch_fn)
    times = time_calls(calls, sync=bk.sync, repeats=3, budget_s=prof.budget_s)
    raw, mine = times[:2]
    if torch_fn is not None:
        extra.update(torch_s=times[2].median, vs_torch=times[2].median / mine.median)
    return [
        _row(
            "attention",
            bk,
            size,
            flops=flops,
            bytes_=4.0 * 4 * B * H * L * d,
            unit="GFLOP/s",
            dotkit=mine,
            raw=raw,
            raw_name=raw_name,
            extra=extra,
        )
    ]


def _gflops_hint(bk: Backend) -> float:
    """A conservative guess of a backend's GFLOP/s, for skipping hopeless sizes up front."""
    return 100.0 if bk.name == "numpy" else 3.0


def _raw_attention(
    bk: Backend, q: Any, k: Any, v: Any, scale: float
) -> tuple[Callable[[], Any], str]:
    fast = getattr(getattr(bk.xp, "fast", None), "scaled_dot_product_attention", None)
    if fast is not None:
        return (lambda: fast(q, k, v, scale=scale)), f"{_lib(bk)}.fast.scaled_dot_product_attention"
    return (lambda: _softmax_attention(bk.xp, q, k, v, scale)), f"{_lib(bk)} softmax formula"


def _torch_attention(
    bk: Backend, q: Any, k: Any, v: Any
) -> tuple[Callable[[], None] | None, dict[str, Any]]:
    """PyTorch CPU's SDPA on the same inputs, when PyTorch is importable (never required)."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None, {}
    tq, tk, tv = (torch.from_numpy(np.ascontiguousarray(bk.to_numpy(t))) for t in (q, k, v))

    def call() -> None:
        with torch.inference_mode():
            F.scaled_dot_product_attention(tq, tk, tv)

    return call, {"torch_version": torch.__version__}


def _conv_layer(prof: Profile) -> dict[str, int]:
    """The issue's layer (N=8, C=64->64, 56x56, 3x3, pad 1), or a tiny one for the smoke run."""
    if prof.name == "smoke":
        return {"n": 1, "c_in": 4, "c_out": 4, "size": 16}
    return {"n": 8, "c_in": 64, "c_out": 64, "size": 56}


def bench_conv2d(bk: Backend, prof: Profile) -> list[dict]:
    """``dotkit.conv2d`` (via :func:`dotkit.benchmarks.conv.run`) vs the library's and PyTorch's."""
    from dotkit.benchmarks import conv

    layer = _conv_layer(prof)
    flops = 2.0 * layer["n"] * layer["c_out"] * layer["size"] ** 2 * layer["c_in"] * 9
    size = "N={n} C={c_in}->{c_out} {size}x{size} 3x3".format(**layer)
    if flops / _gflops_hint(bk) > prof.max_call_s * 1e9:
        return [_skipped("conv2d", bk, size, f"predicted over {prof.max_call_s} s per call")]
    mine = conv.run(
        bk.name, **layer, padding=1, repeats=3, budget_s=prof.budget_s,
        alongside={"raw": _raw_conv(bk), "torch": _torch_conv()},
    )
    n, c, o, hw = layer["n"], layer["c_in"], layer["c_out"], layer["size"]
    row: dict[str, Any] = {
        "op": "conv2d",
        "backend": bk.name,
        "size": size,
        "flops": mine["flops"],
        "bytes": 4.0 * (n * c * hw * hw + o * c * 9 + n * o * hw * hw),
        "unit": "GFLOP/s",
        "dotkit_s": mine["seconds"],
        "dotkit_rate": mine["gflops"],
        "path": mine.get("path", ""),
    }
    others = mine["alongside_seconds"]
    if "raw" in others:
        row.update(
            raw_s=others["raw"],
            raw_name=f"{_lib(bk)}.conv2d",
            raw_rate=mine["flops"] / others["raw"] / GB,
            vs_raw=others["raw"] / mine["seconds"],
        )
    if "torch" in others:
        row.update(torch_s=others["torch"], vs_torch=others["torch"] / mine["seconds"])
    return [row]


def _raw_conv(bk: Backend) -> Callable[[np.ndarray, np.ndarray, int], Any] | None:
    """The library's own conv2d, where it has one (MLX: channels-last ``mx.conv2d``)."""
    fn = getattr(bk.xp, "conv2d", None)
    if fn is None:
        return None

    def make(x: np.ndarray, w: np.ndarray, padding: int) -> Callable[[], Any]:
        xl = bk.asarray(np.ascontiguousarray(x.transpose(0, 2, 3, 1)))  # NHWC
        wl = bk.asarray(np.ascontiguousarray(w.transpose(0, 2, 3, 1)))  # OHWI
        bk.sync(xl, wl)
        return lambda: fn(xl, wl, padding=padding)

    return make


def _torch_conv() -> Callable[[np.ndarray, np.ndarray, int], Any] | None:
    """PyTorch CPU's conv2d on the same layer, when PyTorch is importable (never required)."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None

    def make(x: np.ndarray, w: np.ndarray, padding: int) -> Callable[[], None]:
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)

        def call() -> None:
            with torch.inference_mode():
                F.conv2d(tx, tw, padding=padding)

        return call

    return make


_WORDS = (
    "the", "cat", "sat", "on", "a", "mat", "while", "dot", "products", "measure", "how", "two",
    "vectors", "align", "and", "attention", "weighs", "every", "word", "by", "its", "score",
    "against", "query", "so", "that", "meaning", "moves", "between", "tokens", "in", "sentence",
    "model", "reads", "once",
)  # fmt: skip


def _sentences(n: int) -> list[str]:
    """``n`` seeded sentences of 6 to 20 words (the MiniLM benchmark's input)."""
    rng = _rng()
    return [" ".join(rng.choice(_WORDS, size=int(rng.integers(6, 21)))) + "." for _ in range(n)]


@functools.cache
def _minilm() -> Any:
    """The MiniLM model, loaded once per process (each backend converts the weights once)."""
    from dotkit.models.minilm import MiniLM

    return MiniLM.from_package()


def bench_minilm(bk: Backend, prof: Profile) -> list[dict]:
    """Sentences per second of ``MiniLM.encode`` (all-MiniLM-L6-v2, from its installed package).

    A slow backend encodes fewer sentences, so that one call stays within ten
    times ``prof.max_call_s``; the rate is what is compared.
    """
    model = _minilm()
    sentences = _sentences(prof.minilm_sentences)
    probe = sentences[:8]
    if len(sentences) > len(probe):
        first = time_call(
            lambda: model.encode(probe, backend=bk), sync=bk.sync, repeats=1, budget_s=0
        )
        per_sentence = first.median / len(probe)
        sentences = sentences[: max(len(probe), int(10 * prof.max_call_s / per_sentence))]
    calls = [lambda: bk.sync(model.encode(sentences, backend=bk))]
    st = _sentence_transformers()
    if st is not None:  # timed in alternation with dotkit, on the same sentences
        calls.append(lambda: st.encode(sentences, batch_size=32))
    times = time_calls(calls, repeats=3, budget_s=prof.budget_s)
    row = {
        "op": "minilm",
        "backend": bk.name,
        "size": f"{len(sentences)} sentences",
        "dotkit_s": times[0].median,
        "sentences_per_s": len(sentences) / times[0].median,
    }
    if st is not None:
        st_rate = len(sentences) / times[1].median
        row.update(sentence_transformers_per_s=st_rate, vs_torch=row["sentences_per_s"] / st_rate)
    return [row]


@functools.cache
def _sentence_transformers() -> Any:
    """sentence-transformers' model from the same installed folder, or None (never required)."""
    try:
        from sentence_transformers import SentenceTransformer

        from dotkit.datasets.minilm import minilm_path

        return SentenceTransformer(str(minilm_path()), device="cpu")
    except Exception:  # noqa: BLE001 - not installed, or no offline copy it can read
        return None


def bench_mf(bk: Backend, prof: Profile) -> list[dict]:
    """One ALS epoch of matrix factorization on a MovieLens-shaped synthetic set."""
    from dotkit.benchmarks import movielens

    result = movielens.bench_epoch(bk.name, quick=prof.name == "quick", smoke=prof.name == "smoke")
    return _external_rows("mf", bk, result)


def _external_rows(op: str, bk: Backend, result: Any) -> list[dict]:
    """Rows from another module's benchmark result (a dict, or a list of dicts)."""
    items = result if isinstance(result, list) else [result]
    rows = []
    for item in items:
        row = {"op": op, "backend": bk.name, "size": str(item.get("size", item.get("shape", "")))}
        row.update({k: v for k, v in item.items() if _jsonable(v)})
        rows.append(row)
    return rows


def _jsonable(v: Any) -> bool:
    try:
        json.dumps(v)
    except (TypeError, ValueError):
        return False
    return True


OPS: dict[str, Callable[[Backend, Profile], list[dict]]] = {
    "overhead": bench_overhead,
    "dot": bench_dot,
    "matmul": bench_matmul,
    "batched_matmul": bench_batched_matmul,
    "conv2d": bench_conv2d,
    "attention": bench_attention,
    "minilm": bench_minilm,
    "mf": bench_mf,
}


def _run_op(op: str, bk: Backend, prof: Profile) -> list[dict]:
    """One op on one backend; a missing module or library becomes a 'skipped' row."""
    try:
        return OPS[op](bk, prof)
    except (ImportError, AttributeError, NotImplementedError) as exc:
        return [_skipped(op, bk, "", f"not available: {type(exc).__name__}: {exc}")]
    except Exception as exc:  # noqa: BLE001 - one broken op must not lose the others' results
        return [{"op": op, "backend": bk.name, "size": "", "error": f"{type(exc).__name__}: {exc}"}]


# -- the whole run ------------------------------------------------------------------------
def run(
    profile: str | Profile = "quick",
    *,
    ops: Sequence[str] | None = None,
    backends: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Measure limits, then every requested op on every requested backend.

    Args:
        profile: ``"smoke"``, ``"quick"``, ``"full"`` or a :class:`Profile`.
        ops: names from :data:`OPS` (default: all).
        backends: backend names (default: every available one).
        progress: called with a short line before each step (e.g. ``print``).
        **overrides: fields of :class:`Profile` to change, e.g. ``dot_sizes=(1000,)``.

    Returns:
        ``{"machine", "profile", "ops", "limits", "results", "targets", "elapsed_s"}``.
    """
    prof = _profile(profile, overrides)
    ops = list(ops or OPS)
    unknown = [o for o in ops if o not in OPS]
    if unknown:
        raise ValueError(f"bench: unknown op(s) {unknown}; choose from {', '.join(OPS)}")
    say = progress or (lambda line: None)
    start = time.perf_counter()
    bks = [get_backend(name) for name in (backends or available_backends())]
    limits, results = {}, []
    for bk in bks:
        say(f"{bk.name}: machine limits")
        limits[bk.name] = measure_limits(bk, prof, ceilings=bk.name == bks[0].name)
    for bk in bks:
        for op in ops:
            say(f"{bk.name}: {op}")
            results.extend(_run_op(op, bk, prof))
    for name, lim in limits.items():
        _raise_peak_to_best_seen(lim, [r for r in results if r["backend"] == name])
    if bks:
        _raise_ceilings_to_best_seen(limits[bks[0].name], [r for r in results if r["backend"] == bks[0].name])
    machine = _machine_limit(limits, bks[0].name if bks else None, _best_matmul_rate(results))
    for row in results:
        _add_fraction(row, machine)
    report = {
        "machine": describe_machine() | {"backends": {bk.name: bk.describe() for bk in bks}},
        "profile": dataclasses.asdict(prof),
        "ops": ops,
        "limits": {"machine": machine, **limits},
        "results": results,
    }
    report["targets"] = targets(report)
    report["elapsed_s"] = time.perf_counter() - start
    return report


def _raise_ceilings_to_best_seen(lim: dict, rows: list[dict]) -> None:
    """A ceiling below a rate the same read kernel reached later in the run was measured unluckily.

    The library's own dot products (``raw_best_s`` of the dot rows) read from
    whichever level holds their vectors, so each level's ceiling (and the
    main-memory bandwidth) is the best read rate seen there in the whole run.
    """
    ceilings = lim.get("ceilings", [])
    for r in rows:
        if r.get("op") == "dot" and "raw_best_s" in r:
            c = ceiling_for(r["bytes"], ceilings)
            if c is not None:
                c["gbs"] = max(c["gbs"], r["bytes"] / r["raw_best_s"] / GB)
    if ceilings:
        lim["bandwidth_gbs"] = lim["read_gbs"] = ceilings[-1]["gbs"] = max(ceilings[-1]["gbs"], lim["read_gbs"])


def _best_matmul_rate(rows: list[dict]) -> float:
    """The best GFLOP/s of any matrix product of the run (best repeat, dotkit's or the raw call)."""
    rates = [r["flops"] / r[f"{label}_best_s"] / GB for r in rows
             if r.get("op") in ("matmul", "batched_matmul") for label in ("dotkit", "raw")
             if f"{label}_best_s" in r]
    return max(rates, default=0.0)


def _machine_limit(limits: dict[str, dict], first: str | None = None, best_seen: float = 0.0) -> dict[str, Any]:
    """The machine's roofline: the best measured limits, the cache ceilings, and the peak from its facts.

    ``hardware_peak_gflops`` is cores × lanes × 2 × clock with one FMA unit per
    core; the OS does not report how many FMA instructions a core starts per
    cycle, so ``fma_units_implied`` is the smallest whole number that no
    matrix product of the run exceeds by more than 2 %, and ``peak_gflops``
    the peak with that many (the measured sgemm where a fact is missing).
    ``sgemm_gflops`` is the best repeat of any float32 product of the run:
    the backends' sgemm figures and ``best_seen`` (dotkit's calls included),
    the same rate the FMA count is taken from.
    """
    from dotkit.benchmarks.machine import cpu_facts, hardware_peak_gflops

    if not limits:
        return {}
    sgemm = max([v["sgemm_gflops"] for v in limits.values()] + [best_seen])
    facts = cpu_facts()
    one_unit = hardware_peak_gflops(facts)
    units = max(1, math.ceil(sgemm / one_unit - 0.02)) if one_unit else None
    return {
        "bandwidth_gbs": max(v["bandwidth_gbs"] for v in limits.values()),
        "sgemm_gflops": sgemm,
        "hardware_peak_gflops": one_unit,
        "fma_units_implied": units,
        "peak_gflops": one_unit * units if one_unit else sgemm,
        "cpu": facts,
        "ceilings": limits.get(first, {}).get("ceilings", []),
    }


def _raise_peak_to_best_seen(lim: dict, rows: list[dict]) -> None:
    """A peak below a rate the same library reached later in the run was measured unluckily.

    On a shared machine one burst of load can spoil the sgemm measurement;
    the library's own float32 products timed later (the best repeat of the
    raw call in the matmul rows) are sgemm calls too, so the limit is the best
    repeat of them all, the same definition as the dedicated measurement.
    """
    seen = [
        r["flops"] / r["raw_best_s"] / GB
        for r in rows
        if r.get("op") in ("matmul", "batched_matmul") and "raw_best_s" in r
    ]
    lim["sgemm_measured_gflops"] = lim["sgemm_gflops"]
    lim["sgemm_gflops"] = max([lim["sgemm_gflops"], *seen])


def _add_fraction(row: dict, machine: dict) -> None:
    """Fraction of the roofline reached by dotkit's call (and the raw call).

    The bandwidth roof is the ceiling of the fastest cache level that holds
    the op's bytes (main memory when none does): a working set that fits in a
    cache is fed by that cache, not by memory.
    """
    if "flops" not in row or not machine or not row.get("bytes"):
        return
    intensity = row["flops"] / row["bytes"]
    row["intensity"] = intensity
    ceiling = ceiling_for(row["bytes"], machine.get("ceilings", []))
    bw = ceiling["gbs"] if ceiling else _best_bw(machine)
    row["level"] = ceiling["level"] if ceiling else "memory"
    peak = machine.get("peak_gflops") or machine["sgemm_gflops"]
    attainable = roof(intensity, max(peak, 1e-9), bw)
    for label in ("dotkit", "raw"):
        if f"{label}_s" in row:
            row[f"{label}_of_limit"] = row["flops"] / row[f"{label}_s"] / GB / attainable


# -- command line -------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m dotkit.bench",
        description="Every op the chapters use, per backend, against the raw library call and "
        "this machine's measured limits.",
        epilog="Matrix factorization on MovieLens-100k: "
        "python -m dotkit.bench movielens --path DIR (see its --help).",
    )
    p.add_argument("--quick", action="store_true", help="fewer, smaller sizes (about a minute)")
    p.add_argument(
        "--profile", choices=sorted(PROFILES), help="smoke (seconds), quick or full (default)"
    )
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
    args = _parser().parse_args(argv)
    profile = args.profile or ("quick" if args.quick else "full")
    report = run(
        profile,
        ops=_split(args.ops),
        backends=_split(args.backends),
        progress=lambda line: print(f"[bench] {line}", file=sys.stderr, flush=True),
    )
    paths = write_outputs(report, args.out)
    print(format_table(report))
    print("wrote " + " and ".join(str(p) for p in paths.values()))
    errors = [r for r in report["results"] if "error" in r]
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

