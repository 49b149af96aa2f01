"""Element-wise activations and softmax, written once for every backend.

Each function takes an array (or list) and returns an array of the backend
that array implies; integer input is promoted to floating point.
"""

from __future__ import annotations

from typing import Any

from dotkit._inputs import as_array, resolve
from dotkit.backends import Backend
from dotkit.errors import ShapeError


def _prepare(op: str, x: Any, backend: str | Backend | None) -> tuple[Backend, Any]:
    bk = resolve(op, x, backend=backend)
    return bk, as_array(op, "x", x, bk, allow_int=False)


def _check_axis(op: str, x: Any, axis: int) -> None:
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ShapeError(f"{op}: axis={axis} is out of range for x.shape={tuple(x.shape)}")


def softmax(x: Any, *, axis: int = -1, backend: str | Backend | None = None) -> Any:
    """``softmax(x)ᵢ = exp(xᵢ - max x) / Σⱼ exp(xⱼ - max x)`` along ``axis``.

    Subtracting the maximum changes nothing mathematically (softmax is
    shift-invariant) but keeps ``exp`` from overflowing: logits of ±1e4 are
    fine. Half precision is computed in float32 and returned as float16.

    Example:
        >>> dotkit.softmax([1.0, 2.0, 3.0]).round(3)
        array([0.09 , 0.245, 0.665])
    """
    bk, x = _prepare("softmax", x, backend)
    _check_axis("softmax", x, axis)
    xp = bk.xp
    work = x.astype(bk.float32) if bk.is_half(x) else x
    shifted = work - xp.max(work, axis=axis, keepdims=True)
    e = xp.exp(shifted)
    out = e / xp.sum(e, axis=axis, keepdims=True)
    return out.astype(x.dtype) if bk.is_half(x) else out


def log_softmax(x: Any, *, axis: int = -1, backend: str | Backend | None = None) -> Any:
    """``log softmax(x) = x - max x - log Σ exp(x - max x)``, stable for large logits.

    Example:
        >>> dotkit.log_softmax([0.0, 0.0]).round(4)
        array([-0.6931, -0.6931])
    """
    bk, x = _prepare("log_softmax", x, backend)
    _check_axis("log_softmax", x, axis)
    xp = bk.xp
    shifted = x - xp.max(x, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


__all__ = ["log_softmax", "softmax"]
