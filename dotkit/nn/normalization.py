"""Layer normalisation: each vector shifted to mean 0, scaled to variance 1, then given a learned scale and shift.

Over the last axis of ``x`` (``d`` features), with ``μ`` and ``σ²`` the mean and
the (biased) variance of each vector's features::

    layer_norm(x) = (x − μ) / √(σ² + ε) · γ + β          γ, β: (d,)

It keeps the numbers flowing through a deep network in a stable range: a
transformer applies it after every residual sum. The variance is itself a dot
product, ``σ² = (x − μ)·(x − μ) / d``.

Example:
    >>> from dotkit.nn import layer_norm
    >>> layer_norm([[1.0, 3.0]], [1.0, 1.0], [0.0, 0.0], eps=1e-12)
    array([[-1.,  1.]])
"""

from __future__ import annotations

import math
from typing import Any

from dotkit._inputs import as_array, describe_array, float_dtype_for, resolve
from dotkit.backends import Backend
from dotkit.errors import InputValueError, ShapeError


def layer_norm_kernel(xp: Any, x: Any, gamma: Any, beta: Any, eps: float) -> Any:
    """``(x − μ) / √(σ² + ε) · γ + β`` over the last axis, on checked arrays of one dtype; the one layer norm.

    **It overwrites ``x``** and returns it: the steps run in place, so a model's
    layer makes no copy of its token vectors. Pass an array the caller owns (a
    fresh temporary, such as a residual sum); :func:`layer_norm`, the public
    form, hands it a copy of the user's array. In-place operators on arrays a
    namespace created are standard (the strict namespace allows them).
    """
    x -= xp.mean(x, axis=-1, keepdims=True)
    x *= 1.0 / xp.sqrt(xp.mean(x * x, axis=-1, keepdims=True) + eps)
    x *= gamma
    x += beta
    return x


def _check_eps(op: str, eps: Any) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) and not hasattr(eps, "__float__"):
        raise InputValueError(f"{op}: eps must be a positive number; received eps={eps!r}")
    value = float(eps)
    if not (math.isfinite(value) and value > 0):
        raise InputValueError(
            f"{op}: eps must be finite and > 0 (it keeps a constant vector from dividing by zero); "
            f"received eps={eps!r}"
        )
    return value


def _norm_inputs(op: str, x: Any, gamma: Any, beta: Any, bk: Backend) -> tuple[Any, Any, Any]:
    x = as_array(op, "x", x, bk, min_ndim=1, allow_int=False)
    if x.shape[-1] == 0:
        raise ShapeError(f"{op}: x has no features on its last axis to normalise; received x.shape={tuple(x.shape)}")
    d = x.shape[-1]
    params = []
    for name, p in (("gamma", gamma), ("beta", beta)):
        p = as_array(op, name, p, bk, allow_int=False)
        if tuple(p.shape) != (d,):
            raise ShapeError(
                f"{op}: {name} must hold one number per feature of x's last axis, shape ({d},); "
                f"received {name} {describe_array(p)}, x.shape={tuple(x.shape)}"
            )
        params.append(p)
    return x, params[0], params[1]


def layer_norm(x: Any, gamma: Any, beta: Any, *, eps: float = 1e-5, backend: str | Backend | None = None) -> Any:
    """Layer normalisation over the last axis: ``(x − μ) / √(σ² + ε) · γ + β``.

    Args:
        x: ``(..., d)``: every vector along the last axis is normalised on its own.
        gamma: ``(d,)`` learned scale; beta: ``(d,)`` learned shift.
        eps: added to the variance, > 0, so a constant vector gives ``β`` rather than ``0/0``.

    Returns:
        An array of ``x``'s shape and floating dtype (half precision is computed in
        float32 and returned as float16); ``x`` is left as it was. NaN in a vector
        makes that vector NaN, as in the other ops.

    Example:
        >>> layer_norm([[0.0, 2.0, 4.0]], [1.0, 1.0, 1.0], [0.0, 0.0, 1.0], eps=1e-12).round(4)
        array([[-1.2247,  0.    ,  2.2247]])
    """
    op = "layer_norm"
    bk = resolve(op, x, gamma, beta, backend=backend)
    eps = _check_eps(op, eps)
    x, gamma, beta = _norm_inputs(op, x, gamma, beta, bk)
    xp = bk.xp
    work = float_dtype_for(bk, x, gamma, beta)
    # the kernel works in place: on a cast (already a new array) or on a copy, never on the caller's x
    h = bk.cast(x, work) if x.dtype != work else xp.asarray(x, copy=True)
    out = layer_norm_kernel(xp, h, bk.cast(gamma, work), bk.cast(beta, work), eps)
    return bk.cast(out, x.dtype) if bk.is_half(x) else out


__all__ = ["layer_norm", "layer_norm_kernel"]
