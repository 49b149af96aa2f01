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

import math
import os
import re
from collections.abc import Sequence
from typing import Any

from dotkit.errors import MemoryLimitError

ENV_VAR = "DOTKIT_MEMORY_LIMIT"
_SMALL = 2**28  # 256 MiB
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _parse(text: str) -> int:
    m = re.fullmatch(r"\s*((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][0-9]+)?)\s*([a-zA-Z]*)\s*", text)
    value = float(m.group(1)) * _UNITS.get(m.group(2).lower(), math.nan) if m else math.nan
    if not math.isfinite(value):  # no match, an unknown unit, or a number too large for a float
        raise MemoryLimitError(f"{ENV_VAR}: expected bytes such as 8GiB or 512MB; received {text!r}")
    return int(value)


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


def array_bytes(shape: Sequence[Any], itemsize: int) -> int:
    """Bytes of an array of ``shape`` and ``itemsize``, counted with Python ints (no int64 overflow).

    Example:
        >>> array_bytes((10**6, 10**6), 8) / 2**40   # TiB
        7.275957614183426
    """
    n = int(itemsize)
    for d in shape:
        n *= max(int(d), 0)
    return n


def check_shape(op: str, shape: Sequence[Any], itemsize: int, what: str, advice: str) -> None:
    """Refuse, before it is made, an array of ``shape`` that the machine cannot hold.

    The size guard for an op that builds an array from its arguments' sizes
    (a weight matrix from ``fan_in`` and ``fan_out``, a padded image, a score
    table): the message names the shape, the size in GiB and what to do.

    Example:
        >>> check_shape("init_weights", (3, 4), 8, "the weights", "use fewer units")
    """
    check_allocation(op, array_bytes(shape, itemsize), f"{what} of shape {tuple(int(d) for d in shape)}", advice)


__all__ = ["ENV_VAR", "array_bytes", "available_bytes", "cgroup_limit_bytes", "check_allocation", "check_shape",
           "free_bytes"]
