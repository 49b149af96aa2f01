"""Comparing a backend's result with a NumPy float64 reference, with the tolerance of its dtype."""

from __future__ import annotations

from typing import Any

import numpy as np

#: dtype name -> (rtol, atol); atol is relative to max(1, max|reference|). See ``dotkit.testing``.
TOLERANCES: dict[str, tuple[float, float]] = {
    "float64": (1e-9, 1e-11),
    "float32": (2e-4, 2e-5),
    "float16": (1e-2, 1e-2),
}


def assert_close(bk: Any, got: Any, want: Any, dtype: str, what: str) -> None:
    """``got`` (an array of ``bk``) matches ``want`` (NumPy float64) within ``dtype``'s tolerance."""
    assert bk.owns(got), f"{what}: expected an array of the {bk.name} backend; received {type(got).__name__}"
    out = np.asarray(bk.to_numpy(got), dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert out.shape == want.shape, f"{what}: shape {out.shape}, expected {want.shape}"
    rtol, atol = TOLERANCES[dtype]
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0, where=np.isfinite(want))))
    np.testing.assert_allclose(out, want, rtol=rtol, atol=atol * scale, err_msg=f"{what} ({bk.name}, {dtype})")
