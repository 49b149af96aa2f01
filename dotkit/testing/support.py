"""Inputs for the conformance tests: seeded data on the backend, and the same numbers in float64."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

DTYPES = ("float64", "float32", "float16")


def need(bk: Any, dtype: str) -> Any:
    """The backend's ``dtype``, or a skip where the backend has none."""
    if dtype == "float64" and not bk.supports_float64:
        pytest.skip(f"the {bk.name} backend has no float64")
    if dtype == "float16" and bk.float16 is None:
        pytest.skip(f"the {bk.name} backend has no float16 (the Array API standard has none)")
    return bk.dtype(dtype)


class Draw:
    """Seeded normal data: ``draw(*shape)`` gives ``(array on bk, the same values in float64)``."""

    def __init__(self, bk: Any, dtype: str, seed: int = 0) -> None:
        self.bk, self.dtype, self.rng = bk, need(bk, dtype), np.random.default_rng(seed)

    def __call__(self, *shape: int, scale: float = 1.0) -> tuple[Any, np.ndarray]:
        values = np.asarray(self.rng.standard_normal(shape) * scale, dtype=self.name)  # rounded to the dtype
        return self.bk.asarray(values, dtype=self.dtype), np.asarray(values, dtype=np.float64)

    @property
    def name(self) -> str:
        return _dtype_name(self.dtype)


def _dtype_name(dt: Any) -> str:
    text = str(dt)
    for name in DTYPES:
        if name in text:
            return name
    raise ValueError(f"not a floating dtype the suite tests: {dt!r}")


def dtype_name(x: Any) -> str:
    """``"float32"`` (etc.) for an array of any backend."""
    return _dtype_name(x.dtype)
