"""This machine's limits, measured with each backend's own library: bandwidths, sgemm, the roofline.

- **read bandwidth**: the library's dot product over two vectors that
  together hold twice the last-level cache (BabelStream's "dot"), the roof
  of read-only kernels; STREAM's copy and add are reported beside it;
- **cache ceilings**: the same read kernel on working sets that fit each
  cache level the system reports, the call's fixed cost taken out
  (:func:`net_read`);
- **sgemm**: a large float32 matrix product (:func:`time_sgemm`, the one
  place sgemm is timed), raised to the best rate of the library's own
  products timed later in the run, if higher;
- **the roofline** of the run: the best of those limits and the peak from
  the CPU's facts (:mod:`dotkit.benchmarks.machine`), and each row's
  fraction of ``min(peak, intensity × bandwidth)``.

A limit is what the machine can do, so it is the best repeat, not the median.

Example:
    >>> from dotkit.benchmarks.limits import roof
    >>> roof(0.25, 200.0, 20.0), roof(100.0, 200.0, 20.0)
    (5.0, 200.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dotkit.backends import Backend
from dotkit.benchmarks.machine import caches, cpu_facts, hardware_peak_gflops
from dotkit.benchmarks.profiles import Profile
from dotkit.benchmarks.rows import GB, lib_name, seeded_inputs
from dotkit.benchmarks.timing import Timing, time_call, time_calls
from dotkit.errors import InputValueError


def roof(intensity: float, peak_gflops: float, bandwidth_gbs: float) -> float:
    """The roofline: attainable GFLOP/s at ``intensity`` FLOP/byte, ``min(peak, I × bandwidth)``."""
    for what, name, value in (("the intensity", "intensity", intensity), ("the peak", "peak_gflops", peak_gflops),
                              ("the bandwidth", "bandwidth_gbs", bandwidth_gbs)):
        real = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        if not (real and math.isfinite(value) and value > 0):  # a roof at 0, below 0 or NaN says nothing
            raise InputValueError(f"roof: {what} ({name}) must be a finite number > 0; received {name}={value!r:.60}")
    return min(peak_gflops, intensity * bandwidth_gbs)


def raw_dot(bk: Backend, a: Any, b: Any) -> Any:
    """The library's own dot product (``inner`` where it has no ``dot``): the read kernel."""
    return bk.xp.dot(a, b) if hasattr(bk.xp, "dot") else bk.xp.inner(a, b)


def raw_dot_name(bk: Backend) -> str:
    return f"{lib_name(bk)}.{'dot' if hasattr(bk.xp, 'dot') else 'inner'}"


def time_sgemm(bk: Backend, side: int, *, repeats: int = 5, budget_s: float = 1.0) -> Timing:
    """The library's float32 product of two seeded ``side × side`` matrices (``2·side³`` FLOPs per call)."""
    x, y = seeded_inputs(bk, (side, side), (side, side))
    return time_call(lambda: bk.xp.matmul(x, y), sync=bk.sync, repeats=repeats, budget_s=budget_s)


def measure_limits(bk: Backend, prof: Profile, *, ceilings: bool = False) -> dict[str, Any]:
    """Memory bandwidths and the sgemm rate, with ``bk``'s own library.

    Returns:
        ``{"bandwidth_gbs", "read_gbs", "copy_gbs", "add_gbs", "stream_mb",
        "read_mb", "sgemm_gflops", "sgemm_n"}`` and, with ``ceilings``, a
        ``"ceilings"`` list (see :func:`measure_ceilings`). ``read_gbs`` is
        read-only traffic over two vectors that together hold twice the
        last-level cache; ``bandwidth_gbs`` is that figure, the roof of
        read-only kernels such as the dot product. Copy moves 2 arrays' bytes
        and add 3 (STREAM's convention: the write-allocate read of the output
        is not counted). Their arrays are ``stream_mb`` each, which can fit in
        a large last-level cache, so copy and add may measure that cache
        rather than main memory; they are not comparable with ``read_gbs``.
    """
    n = prof.stream_elems
    a, b = seeded_inputs(bk, (n,), (n,))
    copy_fn, add_fn = _stream_kernels(bk, a, b)
    copy = time_call(copy_fn, sync=bk.sync, budget_s=prof.budget_s)
    add = time_call(add_fn, sync=bk.sync, budget_s=prof.budget_s)
    del a, b, copy_fn, add_fn
    n_read = read_elems(prof)
    read = _read_gbs(bk, n_read)
    side = _sgemm_side(bk, prof)
    mm = time_sgemm(bk, side, repeats=5, budget_s=prof.budget_s * 4)
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


def read_elems(prof: Profile) -> int:
    """Elements per vector for the read-only bandwidth: two vectors hold twice the last-level cache.

    Where memory is short they hold less: the two float32 vectors take at most an
    eighth of the memory available (``DOTKIT_MEMORY_LIMIT``, else what is free,
    capped by a container's limit: Binder gives 2 GB), since the appendix also
    reads a float64 pair of the same length beside them. A virtual machine can
    report its host's whole last-level cache (hundreds of MiB), so the rule
    matters on a small container even where the machine is large.
    """
    from dotkit._memory import available_bytes

    found = caches()
    n = max(prof.stream_elems, (found[-1]["bytes"] if found else 0) // 4)
    n = min(n, available_bytes() // 64)
    return int(max(n, 1 << 16))


def _read_gbs(bk: Backend, n: int) -> float:
    """Best rate of the library's dot over two length-``n`` float32 vectors: 8n bytes read, nothing written."""
    a = bk.asarray(np.full(n, 0.5, dtype=np.float32))
    b = bk.asarray(np.full(n, 0.25, dtype=np.float32))
    bk.sync(a, b)
    # At least 3 repeats whatever the budget: one call over vectors this long can take a large part
    # of it, and a limit taken from a single call is at the mercy of one burst of load.
    t = time_call(lambda: raw_dot(bk, a, b), sync=bk.sync, repeats=3, budget_s=1e9)
    return 8.0 * n / t.best / GB


def measure_ceilings(bk: Backend, prof: Profile, *, memory_gbs: float) -> list[dict[str, Any]]:
    """Read-only bandwidth of each cache level, from the cache sizes the system reports.

    A level's ceiling is the best :func:`net_read` rate of the dot kernel
    over a few working sets (both vectors together) that fit in it but not
    in the level above: starting at twice the size of the level below (half
    the L1 for L1) and growing fourfold, at most four sizes, stopping above
    half the level or 128 MiB. The call's fixed cost is taken out, so short
    vectors measure their cache, not the call. The last entry is main memory
    (``memory_gbs``). A level that comes out slower than the one behind it is
    raised to that one's ceiling (:func:`hold_the_order`).

    Returns:
        ``[{"level": "L1", "bytes": best working set, "cache_bytes", "gbs"}, ..., {"level": "memory", ...}]``.
    """
    out, previous = [], None
    for cache in caches():
        ws = cache["bytes"] // 2 if previous is None else 2 * previous
        gbs, best_ws = _best_read(bk, prof, ws, top=min(cache["bytes"] // 2, 128 * 2**20))
        out.append({"level": cache["level"], "bytes": best_ws, "cache_bytes": cache["bytes"], "gbs": gbs})
        previous = cache["bytes"]
    out.append({"level": "memory", "bytes": None, "cache_bytes": None, "gbs": memory_gbs})
    hold_the_order(out)
    return out


#: elements per vector of the short call that stands for the fixed cost of a call
SHORT_ELEMS = 64


def net_read(bk: Backend, n: int, *, budget_s: float, repeats: int = 9) -> dict[str, float]:
    """The dot kernel's read rate over two length-``n`` float32 vectors, the call's fixed cost taken out.

    A call costs a fixed time before it reads a byte, which on vectors short
    enough for the L1 is most of the call. The long call and one on
    ``SHORT_ELEMS`` elements are timed alternately (the same load for both);
    the difference of their best times is the time of reading the extra bytes:

        net GB/s = (8n - 8·SHORT_ELEMS) / (t(n) - t(SHORT_ELEMS))

    Where the two times cannot be told apart, the plain ``8n / t(n)`` (a lower
    bound) is returned as the net rate.

    Returns:
        ``{"gbs": net rate, "plain_gbs": 8n / t(n), "t_s": t(n), "short_s": t(SHORT_ELEMS)}``.
    """
    a, b = seeded_inputs(bk, (n,), (n,))
    sa, sb = seeded_inputs(bk, (SHORT_ELEMS,), (SHORT_ELEMS,))
    long_t, short_t = time_calls([lambda: raw_dot(bk, a, b), lambda: raw_dot(bk, sa, sb)], sync=bk.sync,
                                 repeats=repeats, budget_s=budget_s / 2)
    plain = 8.0 * n / long_t.best / GB
    extra_s = long_t.best - short_t.best
    net = 8.0 * (n - SHORT_ELEMS) / extra_s / GB if n > SHORT_ELEMS and extra_s > 0 else plain
    return {"gbs": max(net, plain), "plain_gbs": plain, "t_s": long_t.best, "short_s": short_t.best}


def _best_read(bk: Backend, prof: Profile, ws: int, *, top: int) -> tuple[float, int]:
    """The best net read rate over working sets ``ws, 4·ws, ...`` (at most four, stopping above ``top``)."""
    best = (0.0, ws)
    for _ in range(4):
        if ws > top and best[0] > 0:
            break
        n = max(ws // 8, 256)
        best = max(best, (net_read(bk, n, budget_s=prof.budget_s)["gbs"], 8 * n))
        ws *= 4
    return best


def ceiling_for(nbytes: float, ceilings: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The ceiling of the nearest (smallest) level that holds a working set of ``nbytes`` (memory if none)."""
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
    rate = 2.0 * side**3 / time_sgemm(bk, side, repeats=3, budget_s=prof.budget_s).best
    while side * 2 <= prof.sgemm_n and 2.0 * (side * 2) ** 3 / rate <= prof.max_call_s / 2:
        side *= 2
    return side


# -- the run's roofline ----------------------------------------------------------------------
def raise_to_best_seen(lim: dict, rows: list[dict], *, ceilings: bool = False) -> None:
    """Raise a backend's limits to the best rates its own library reached later in the run.

    On a shared machine one burst of load can spoil a limit's measurement.
    The library's own float32 products timed later (the best repeat of the raw
    call in the matmul rows, and of ``dk.matmul``, which hands the product to
    the same call) are sgemm calls too, and its own dot products
    (the raw call in the dot rows) read from whichever level holds their
    vectors; so sgemm, each cache ceiling (with ``ceilings``) and the main-memory
    bandwidth are the best seen in the whole run, the same definitions as
    the dedicated measurements. The measured sgemm stays as ``sgemm_measured_gflops``.
    """
    lim["sgemm_measured_gflops"] = lim["sgemm_gflops"]
    lim["sgemm_gflops"] = max(lim["sgemm_gflops"], best_product_rate(rows))
    found = lim.get("ceilings", []) if ceilings else []
    for r in rows:
        c = ceiling_for(r["bytes"], found) if r.get("op") == "dot" and "raw_best_s" in r else None
        rate = r["bytes"] / r["raw_best_s"] / GB if c is not None else 0.0
        if c is not None and rate > c["gbs"]:
            # the working set printed beside a ceiling is the one that reached it
            c["gbs"], c["bytes"] = rate, (r["bytes"] if c["cache_bytes"] is not None else c["bytes"])
            c.pop("raised_to", None), c.pop("measured_gbs", None)  # measured now, by a dot product of the run
    if found:
        lim["bandwidth_gbs"] = lim["read_gbs"] = found[-1]["gbs"] = max(found[-1]["gbs"], lim["read_gbs"])
        hold_the_order(found)


def hold_the_order(ceilings: list[dict[str, Any]]) -> None:
    """Raise a nearer level's ceiling that came out below the one behind it, to that one's.

    Data a nearer level holds can always be read at least as fast as from the
    level behind it, so a lower figure is the measurement's failure, not the
    cache's: on the L1's short calls the fixed cost is most of each time, and
    the difference of two such times can come out far too small. The measured
    figure stays as ``measured_gbs``, and ``raised_to`` names the level whose
    ceiling it now has. Works from main memory inwards, so a raise carries on.
    """
    for near, far in reversed(list(zip(ceilings, ceilings[1:]))):
        if near["gbs"] < far["gbs"]:
            near.setdefault("measured_gbs", near["gbs"])
            near["gbs"], near["raised_to"] = far["gbs"], far.get("raised_to", far["level"])


def best_product_rate(rows: list[dict]) -> float:
    """The best GFLOP/s of any matrix product of the run (best repeat, dotkit's or the raw call)."""
    rates = [r["flops"] / r[f"{label}_best_s"] / GB for r in rows
             if r.get("op") in ("matmul", "batched_matmul") for label in ("dotkit", "raw")
             if f"{label}_best_s" in r]
    return max(rates, default=0.0)


def machine_roofline(limits: dict[str, dict], first: str | None = None, best_seen: float = 0.0) -> dict[str, Any]:
    """The machine's roofline: the best measured limits, the cache ceilings, and the peak from its facts.

    ``hardware_peak_gflops`` is cores × lanes × 2 × clock with one FMA unit per
    core. The OS does not report how many FMA instructions a core completes per
    cycle. Where the processor family's published design fixes it
    (``cpu["fma_units_by_design"]``), ``fma_units`` is that count, and a
    product faster than the peak at the reported clock shows a faster (boost)
    clock: the peak is then raised to that product, like the ceilings, and
    ``clock_needed_ghz`` is the clock it needs. Elsewhere ``fma_units`` is
    fitted: the smallest whole ``k`` such that no matrix product of the run is
    faster than ``k + 0.02`` one-unit peaks. ``fma_units_from`` says which; ``peak_at_reported_clock``
    is the peak with ``fma_units`` at the reported clock; ``peak_gflops`` the
    peak used (the measured sgemm where a fact is missing). ``sgemm_gflops`` is
    the best repeat of any float32 product of the run: the backends' sgemm
    figures and ``best_seen`` (dotkit's calls included).
    """
    if not limits:
        return {}
    sgemm = max([v["sgemm_gflops"] for v in limits.values()] + [best_seen])
    facts = cpu_facts()
    one_unit = hardware_peak_gflops(facts)
    design = facts.get("fma_units_by_design")
    if one_unit and design:
        units, source = design, "design"
    elif one_unit:
        units, source = max(1, math.ceil(sgemm / one_unit - 0.02)), "fit"
    else:
        units, source = None, None
    at_clock = one_unit * units if one_unit else None
    peak = (max(at_clock, sgemm) if source == "design" else at_clock) if at_clock else sgemm
    return {
        "bandwidth_gbs": max(v["bandwidth_gbs"] for v in limits.values()),
        "sgemm_gflops": sgemm,
        "hardware_peak_gflops": one_unit,
        "fma_units": units,
        "fma_units_from": source,
        "peak_at_reported_clock": at_clock,
        "clock_needed_ghz": facts["clock_ghz"] * peak / at_clock if at_clock and peak > at_clock else None,
        "peak_gflops": peak,
        "cpu": facts,
        "ceilings": limits.get(first, {}).get("ceilings", []),
    }


def add_fraction_of_roof(row: dict, machine: dict) -> None:
    """``row["dotkit_of_limit"]`` (and the raw call's): the fraction of the roofline reached.

    The bandwidth roof is the ceiling of the fastest cache level that holds
    the op's bytes (main memory when none does): a working set that fits in a
    cache is fed by that cache, not by memory.
    """
    if "flops" not in row or not machine or not row.get("bytes"):
        return
    intensity = row["intensity"] = row["flops"] / row["bytes"]
    ceiling = ceiling_for(row["bytes"], machine.get("ceilings", []))
    bw = ceiling["gbs"] if ceiling else machine.get("bandwidth_gbs", 1e-9)
    row["level"] = ceiling["level"] if ceiling else "memory"
    attainable = roof(intensity, max(machine.get("peak_gflops") or machine["sgemm_gflops"], 1e-9), bw)
    for label in ("dotkit", "raw"):
        if f"{label}_s" in row:
            row[f"{label}_of_limit"] = row["flops"] / row[f"{label}_s"] / GB / attainable


__all__ = ["add_fraction_of_roof", "best_product_rate", "ceiling_for", "hold_the_order", "machine_roofline",
           "measure_ceilings", "measure_limits", "net_read", "raise_to_best_seen", "raw_dot", "raw_dot_name",
           "read_elems", "roof", "time_sgemm"]
