"""What this machine is, read from the machine: cores, SIMD width, clock, caches, libraries.

Every fact comes from the operating system (``/proc/cpuinfo`` and Linux's
sysfs) or from the installed files; a fact the system does not report is
``None`` with the reason in ``*_source``, never a guess. The compute peak
follows from the facts::

    peak = physical cores × float32 SIMD lanes × 2 (a fused multiply-add is 2 FLOPs) × clock × FMA units

The number of FMA units a core has is not reported by any of these files, so
:func:`hardware_peak_gflops` takes it as an argument (1 by default). Where the
processor's family is one whose published design fixes it (:func:`fma_units_by_design`),
``cpu_facts`` says so; elsewhere the bench fits it to the run.

Example:
    >>> from dotkit.benchmarks.machine import cpu_facts, hardware_peak_gflops
    >>> facts = cpu_facts()
    >>> facts["cores"] >= 1
    True
"""

from __future__ import annotations

import importlib.metadata as md
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_CPUINFO = "/proc/cpuinfo"
_SYSFS_CPU = "/sys/devices/system/cpu"

#: float32 lanes of the widest vector instruction set, by /proc/cpuinfo flag (widest first)
_SIMD_FLAGS = (("avx512f", "AVX-512", 16), ("avx2", "AVX2", 8), ("avx", "AVX", 8),
               ("sse2", "SSE2", 4), ("asimd", "NEON", 4), ("neon", "NEON", 4))


def _cpuinfo_fields(path: str = _CPUINFO) -> dict[str, str]:
    """The first processor's ``key: value`` lines of /proc/cpuinfo (empty where there is none)."""
    fields: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    if fields:
                        break
                    continue
                key, _, value = line.partition(":")
                fields.setdefault(key.strip().lower(), value.strip())
    except OSError:
        pass
    return fields


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def clock_ghz(sysfs: str = _SYSFS_CPU, cpuinfo: str = _CPUINFO) -> tuple[float | None, str]:
    """The core clock in GHz and where it was read: cpufreq's maximum, else /proc/cpuinfo's MHz.

    A virtual machine often has no cpufreq folder; its ``cpu MHz`` line is the
    clock the hypervisor reports, which may not be the turbo clock.
    """
    khz = _read(Path(sysfs) / "cpu0" / "cpufreq" / "cpuinfo_max_freq")
    if khz and khz.isdigit():
        return int(khz) / 1e6, "cpufreq cpuinfo_max_freq"
    mhz = _cpuinfo_fields(cpuinfo).get("cpu mhz")
    try:
        return float(mhz) / 1e3, "/proc/cpuinfo 'cpu MHz' (the reported clock; turbo may be higher)"
    except (TypeError, ValueError):
        return None, "not reported by this system (no cpufreq, no 'cpu MHz')"


def physical_cores(sysfs: str = _SYSFS_CPU) -> int | None:
    """Physical cores: logical CPUs that share a core (SMT siblings) count once; None if not reported."""
    groups = set()
    for cpu in Path(sysfs).glob("cpu[0-9]*"):
        siblings = _read(cpu / "topology" / "core_cpus_list") or _read(cpu / "topology" / "thread_siblings_list")
        if siblings:
            groups.add(siblings.strip())
    return len(groups) or None


def fma_units_by_design(vendor: str | None, family: int | None, simd: str | None) -> tuple[int | None, str]:
    """Full-register FMAs a core completes per cycle, where the processor family's published design fixes it.

    Only families whose count does not vary by model are listed (Intel's, for
    one, varies within a generation, so it is left to the fit).

    Returns:
        ``(count, where it comes from)``; ``(None, reason)`` for any other processor.
    """
    if vendor == "AuthenticAMD" and family == 0x19 and simd == "AVX-512":
        return 1, ("AMD family 19h with AVX-512 (Zen 4): its two 256-bit FMA pipes take a 512-bit FMA as two "
                   "halves, one full-register FMA per cycle (AMD's software optimization guide for family 19h)")
    if vendor == "AuthenticAMD" and family == 0x19 and simd == "AVX2":
        return 2, ("AMD family 19h without AVX-512 (Zen 3): two 256-bit FMA pipes, two full-register FMAs per "
                   "cycle (AMD's software optimization guide for family 19h)")
    return None, "not fixed by a published design the kit knows for this processor: fitted to the run"


def cpu_facts(sysfs: str = _SYSFS_CPU, cpuinfo: str = _CPUINFO) -> dict[str, Any]:
    """Cores, widest SIMD instruction set and its float32 lanes, FMA support, clock, and FMA count by design."""
    fields = _cpuinfo_fields(cpuinfo)
    flags = set((fields.get("flags") or fields.get("features") or "").split())
    simd, lanes = next(((name, n) for flag, name, n in _SIMD_FLAGS if flag in flags), (None, None))
    ghz, source = clock_ghz(sysfs, cpuinfo)
    vendor = fields.get("vendor_id") or None
    family = int(fields["cpu family"]) if fields.get("cpu family", "").isdigit() else None
    units, units_source = fma_units_by_design(vendor, family, simd)
    return {
        "model": fields.get("model name") or fields.get("processor") or None,
        "vendor": vendor,
        "family": family,
        "fma_units_by_design": units,
        "fma_units_source": units_source,
        "cores": os.cpu_count(),
        "physical_cores": physical_cores(sysfs),
        "simd": simd,
        "simd_lanes_f32": lanes,
        "fma": "fma" in flags or "asimd" in flags,
        "clock_ghz": ghz,
        "clock_source": source,
        "virtual_machine": "hypervisor" in flags,
    }


def hardware_peak_gflops(facts: dict[str, Any], fma_units: int = 1) -> float | None:
    """``physical cores × lanes × 2 × clock × fma_units`` in GFLOP/s, or None when a fact is missing.

    SMT siblings (two hardware threads of one core) share that core's FMA
    units, so they count once; where the topology is not reported, every
    logical CPU counts as a core.
    """
    if not (facts.get("cores") and facts.get("simd_lanes_f32") and facts.get("clock_ghz")):
        return None
    per_cycle = facts["simd_lanes_f32"] * (2 if facts.get("fma") else 1) * fma_units
    return (facts.get("physical_cores") or facts["cores"]) * per_cycle * facts["clock_ghz"]


def caches(sysfs: str = _SYSFS_CPU) -> list[dict[str, Any]]:
    """The data caches of core 0, smallest first: ``{"level", "type", "bytes", "shared_by"}``.

    ``type`` is sysfs's "Data" or "Unified" (data and instructions together).
    """
    out = []
    for d in sorted(Path(sysfs, "cpu0", "cache").glob("index*")):
        kind, level, size = (_read(d / f) for f in ("type", "level", "size"))
        if kind == "Instruction" or not (level and size):
            continue
        scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(size[-1].upper(), 1)
        digits = size.rstrip("KMGkmg")
        if not digits.isdigit():
            continue
        shared = _read(d / "shared_cpu_list") or ""
        out.append({"level": f"L{level}", "type": kind or "Unknown", "bytes": int(digits) * scale,
                    "shared_by": _count_cpus(shared)})
    return sorted(out, key=lambda c: c["bytes"])


def _count_cpus(listing: str) -> int | None:
    """'0-1,4' -> 3."""
    count = 0
    for part in filter(None, listing.split(",")):
        lo, _, hi = part.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            return None
        count += int(hi or lo) - int(lo) + 1
    return count or None


def bundled_libraries(dist: str) -> list[str]:
    """Shared libraries shipped inside an installed wheel (its ``*.libs`` folder and ``lib/``)."""
    try:
        files = md.files(dist) or []
    except md.PackageNotFoundError:
        return []
    names = {Path(str(f)).name for f in files if ".so" in Path(str(f)).name or str(f).endswith(".dylib")}
    return sorted(n for n in names if not n.endswith(".py") and ".cpython-" not in n)


def blas_info() -> dict[str, Any]:
    """Which BLAS NumPy links, and its configuration, as NumPy reports it."""
    import numpy as np

    try:
        blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    except Exception:  # noqa: BLE001 - older NumPy without mode="dicts"
        return {}
    return {k: blas.get(k) for k in ("name", "version", "openblas configuration") if blas.get(k)}


def library_versions() -> dict[str, str | None]:
    """Versions of dotkit and of the libraries a bench may time, found without importing them."""
    out: dict[str, str | None] = {}
    for dist in ("dotkit", "numpy", "mlx", "torch", "sentence-transformers"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            out[dist] = None
    return out


def _blas_threads() -> int | None:
    """Threads NumPy's BLAS will use, as threadpoolctl reads them (None where it is not installed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return next((p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"), None)


def describe_machine() -> dict[str, Any]:
    """A JSON-ready description of this machine and its libraries, to tell two bench runs apart.

    The CPU's facts (:func:`cpu_facts`: model, cores, SIMD, clock), its caches,
    NumPy's BLAS, the thread settings, the library versions at the top level
    (``info["numpy"]``, ``info["torch"]``, ...), and the load and free memory
    when the description was taken.
    """
    import platform

    from dotkit._memory import free_bytes

    facts = cpu_facts()
    found = caches()
    free = free_bytes()
    info: dict[str, Any] = {
        "cpu": facts["model"] or platform.processor() or platform.machine(),
        "cores": facts["cores"],
        "simd": facts["simd"],
        "cpu_facts": facts,
        "caches": found,
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "blas": blas_info(),
        "blas_threads": _blas_threads(),
        "threads_env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
                        if k in os.environ},
        "memory_available_gb": None if free is None else round(free / 1e9, 1),
        "last_level_cache_mb": found[-1]["bytes"] / 2**20 if found else None,
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    return info | library_versions()


def thread_cpu_seconds() -> dict[int, float]:
    """CPU seconds each thread of this process has run so far, by thread id (empty off Linux).

    ``time.process_time`` adds up every thread; this splits it, so that a thread
    that only waits (a BLAS pool spinning after its last product, say) can be
    told apart from the one doing the arithmetic.
    """
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    seconds = {}
    for task in Path("/proc/self/task").glob("*") if Path("/proc/self/task").is_dir() else ():
        stat = _read(task / "stat")
        if stat:  # fields after the parenthesised name: utime and stime are the 12th and 13th
            fields = stat.rsplit(")", 1)[1].split()
            seconds[int(task.name)] = (int(fields[11]) + int(fields[12])) / tick
    return seconds


def busy_cpu_seconds(stat: str = "/proc/stat") -> float | None:
    """CPU-seconds the whole system has been busy since boot, all CPUs together (None off Linux).

    The first line of /proc/stat counts, in clock ticks, the time all CPUs
    spent in user code (``user``, ``nice``, which include guests), the kernel
    (``system``, ``irq``, ``softirq``) and ``steal``: time a virtual machine's
    vCPU was ready but the hypervisor ran something else. Idle time and time
    waiting for a disk are left out.
    """
    line = (_read(Path(stat)) or "").partition("\n")[0].split()
    if len(line) < 9 or line[0] != "cpu":
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in line[1:9])
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return (user + nice + system + irq + softirq + steal) / tick


@contextmanager
def others_cpus() -> Iterator[dict[str, float | None]]:
    """How many CPUs other programs kept busy, on average, while the block ran.

    The system's busy CPU time (:func:`busy_cpu_seconds`) minus this process's
    (``time.process_time``, every thread), over the elapsed time. Both count in
    clock ticks (10 ms), so a block of under a second gets a rough figure.
    The dict yielded is filled on exit: ``{"others_cpus", "mine_cpus", "wall_s"}``
    (``others_cpus`` None where the system does not report its busy time).

    Example:
        >>> with others_cpus() as load:
        ...     _ = sum(range(1000))
        >>> sorted(load)
        ['mine_cpus', 'others_cpus', 'wall_s']
    """
    import time

    out: dict[str, float | None] = {}
    busy0, mine0, wall0 = busy_cpu_seconds(), time.process_time(), time.perf_counter()
    try:
        yield out
    finally:
        busy1, mine, wall = busy_cpu_seconds(), time.process_time() - mine0, time.perf_counter() - wall0
        out["wall_s"], out["mine_cpus"] = wall, mine / wall
        out["others_cpus"] = max(0.0, (busy1 - busy0 - mine) / wall) if busy0 is not None and busy1 else None


@contextmanager
def pinned(main_cpu: int, other_cpu: int) -> Iterator[bool]:
    """Run the calling thread on ``main_cpu`` and every other thread of the process on ``other_cpu``.

    Yields False, and changes nothing, where the system cannot pin threads (not
    Linux, or a CPU it does not offer); every thread gets its own CPU set back
    afterwards.
    """
    import threading

    me = threading.get_native_id()
    saved: dict[int, set[int]] = {}
    try:
        for t in [int(t.name) for t in Path("/proc/self/task").iterdir()]:
            saved[t] = os.sched_getaffinity(t)
            os.sched_setaffinity(t, {main_cpu if t == me else other_cpu})
        ok = True
    except (AttributeError, OSError, ValueError):
        ok = False
    try:
        yield ok
    finally:
        for t, cpus in saved.items():
            try:
                os.sched_setaffinity(t, cpus)
            except OSError:  # the thread has ended meanwhile
                pass


__all__ = ["blas_info", "bundled_libraries", "busy_cpu_seconds", "caches", "clock_ghz", "cpu_facts",
           "describe_machine", "fma_units_by_design", "hardware_peak_gflops", "library_versions", "others_cpus",
           "pinned", "thread_cpu_seconds"]
