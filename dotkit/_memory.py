"""How much memory an op may ask for, checked before it starts.

An op that builds an array from its arguments' sizes (a broadcast product, a
padded image, a score table) estimates its peak first and refuses, naming the
size and what to do, when the machine cannot hold it: on NumPy the alternative
is a bare ``MemoryError`` after seconds of swapping, on MLX a crashed kernel.

The limit is the memory available now (``MemAvailable`` on Linux, capped by a
container's cgroup limit; the physical memory elsewhere); ``DOTKIT_MEMORY_LIMIT`` overrides it, in bytes or with a
unit (``"512MiB"``, ``"8GB"``).
"""

from __future__ import annotations

import os
import re

from dotkit.errors import MemoryLimitError

ENV_VAR = "DOTKIT_MEMORY_LIMIT"
_SMALL = 2**28  # 256 MiB
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _parse(text: str) -> int:
    m = re.fullmatch(r"\s*([0-9.]+(?:e[0-9]+)?)\s*([a-zA-Z]*)\s*", text)
    if not m or m.group(2).lower() not in _UNITS:
        raise MemoryLimitError(f"{ENV_VAR}: expected bytes such as 8GiB or 512MB; received {text!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def cgroup_limit_bytes() -> int | None:
    """The memory limit of this process's control group (cgroup v2 or v1), or None where there is none.

    A container (Binder gives 2 GB) can hold far less than ``MemAvailable`` shows.
    """
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:  # v1 reports "no limit" as a huge number
            return int(text)
    return None


def free_bytes() -> int | None:
    """Memory this process can still get: ``MemAvailable``, capped by a container's limit; None if unknown."""
    free = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    free = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    limit = cgroup_limit_bytes()
    if limit is not None:
        free = limit if free is None else min(free, limit)
    return free


def available_bytes() -> int:
    """The bytes an op may allocate: ``DOTKIT_MEMORY_LIMIT``, else what this process can still get."""
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        return _parse(override)
    free = free_bytes()
    if free is not None:
        return free
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - no way to tell
        return 2**63


def check_allocation(op: str, nbytes: float, what: str, advice: str) -> None:
    """Refuse, before starting, an allocation of ``nbytes`` that the machine cannot hold.

    Example:
        >>> check_allocation("dot", 8e6, "the (1000, 1000) result", "use smaller batches")
    """
    if nbytes < _SMALL and ENV_VAR not in os.environ:
        return  # every machine this runs on holds that: skip reading the free memory
    limit = available_bytes()
    if nbytes > limit:
        raise MemoryLimitError(
            f"{op}: {what} would need {nbytes / 2**30:.3g} GiB, more than the {limit / 2**30:.3g} GiB "
            f"available; {advice} (the limit is the free memory, or {ENV_VAR} where set)"
        )


__all__ = ["ENV_VAR", "available_bytes", "cgroup_limit_bytes", "check_allocation", "free_bytes"]
