"""Checks the RL functions share: a discount or rate given as a number, a seed given as a seed.

Each refuses, naming the function and the argument, before anything is
computed, so that ``gamma="1"`` or ``seed="a"`` fails with the reader's own
names rather than a comparison or NumPy error from deep inside a loop.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dotkit.errors import InputValueError


def check_unit(op: str, name: str, value: Any) -> float:
    """``value`` as a float in ``[0, 1]`` (a discount, a probability), or a clear error.

    Example:
        >>> check_unit("sarsa", "gamma", 0.9)
        0.9
    """
    real = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if not real or not 0.0 <= float(value) <= 1.0:  # NaN fails the comparison too
        raise InputValueError(f"{op}: {name} must be a number in [0, 1]; received {name}={value!r:.60}")
    return float(value)


def check_seed(op: str, name: str, value: Any) -> np.random.Generator:
    """A NumPy ``Generator`` from ``value``: a ``Generator`` itself, or an integer seed >= 0.

    Example:
        >>> int(check_seed("episodes", "rng", 0).integers(10)) in range(10)
        True
    """
    if isinstance(value, np.random.Generator):
        return value
    whole = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if not whole or value < 0:
        raise InputValueError(
            f"{op}: {name} must be a numpy Generator or an integer seed >= 0; received {name}={value!r:.60}"
        )
    return np.random.default_rng(int(value))


def finite_real(value: Any) -> bool:
    """``value`` is a real, finite number (not a bool, a string or None)."""
    real = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    return real and math.isfinite(float(value))
