"""Snapshots of a model's state, to check that a failed call leaves it exactly as it was."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

import dotkit as dk
from dotkit.errors import DotkitError


def snapshot(m: Any) -> dict:
    """Every array, list of arrays and plain value on ``m``, copied (as NumPy) for a later comparison."""
    out = {}
    for name, value in vars(m).items():
        if isinstance(value, list) and value and hasattr(value[0], "shape"):
            out[name] = [np.array(dk.to_numpy(v)) for v in value]
        elif hasattr(value, "shape"):
            out[name] = np.array(dk.to_numpy(value))
        elif isinstance(value, (list, dict, int, float, str, bool, type(None))):
            out[name] = json.dumps(value, default=repr, sort_keys=True)
    return out


def _equal(u: np.ndarray, v: np.ndarray) -> bool:
    return u.shape == v.shape and u.dtype == v.dtype and np.array_equal(u, v, equal_nan=u.dtype.kind in "fc")


def changes(a: dict, b: dict) -> str | None:
    """What differs between two snapshots, or None."""
    if a.keys() != b.keys():
        return f"attributes changed: {sorted(a.keys() ^ b.keys())}"
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, list):
            if len(x) != len(y) or any(not _equal(u, v) for u, v in zip(x, y)):
                return f"{k} changed"
        elif isinstance(x, np.ndarray):
            if not _equal(x, y):
                return f"{k} changed"
        elif x != y:
            return f"{k} changed: {x[:80]} -> {y[:80]}"
    return None


def unchanged_after(make, bad) -> str:
    """'unchanged' if ``bad(model)`` raised a DotkitError and left the model as it was."""
    m = make()
    before = snapshot(m)
    try:
        bad(m)
    except DotkitError:
        pass
    else:
        return "the call did not fail"
    why = changes(before, snapshot(m))
    return why or "unchanged"
