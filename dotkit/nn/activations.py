"""Element-wise activations and softmax, written once for every backend.

Each function takes an array (or list) and returns an array of the backend
that array implies; integer input is promoted to floating point. Next to each
activation ``f`` sits its derivative ``f'`` (``relu_grad``, ``sigmoid_grad``,
...), which backpropagation multiplies into the error signal:
``δ_z = δ_a ⊙ f'(z)``.
"""

from __future__ import annotations

import math
from typing import Any

from dotkit._inputs import as_array, resolve
from dotkit.backends import Backend
from dotkit.errors import InputValueError, ShapeError

_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _prepare(op: str, x: Any, backend: str | Backend | None) -> tuple[Backend, Any]:
    bk = resolve(op, x, backend=backend)
    return bk, as_array(op, "x", x, bk, allow_int=False)


def _check_axis(op: str, x: Any, axis: int) -> None:
    if isinstance(axis, bool) or not hasattr(axis, "__index__"):
        raise InputValueError(f"{op}: axis must be an integer; received axis={axis!r}")
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ShapeError(f"{op}: axis={axis} is out of range for x.shape={tuple(x.shape)}")
    if x.shape[axis] == 0:
        raise ShapeError(
            f"{op}: x is empty along axis={axis}, so there is nothing to normalise; "
            f"received x.shape={tuple(x.shape)}"
        )


def softmax(x: Any, *, axis: int = -1, backend: str | Backend | None = None) -> Any:
    """``softmax(x)ᵢ = exp(xᵢ - max x) / Σⱼ exp(xⱼ - max x)`` along ``axis``.

    Subtracting the maximum changes nothing mathematically (softmax is
    shift-invariant) but keeps ``exp`` from overflowing: logits of ±1e4 are
    fine. A row with ``+inf`` entries gets its limit (all weight, shared, on
    those entries), not NaN. Half precision is computed in float32 and returned
    as float16.

    Example:
        >>> dotkit.softmax([1.0, 2.0, 3.0]).round(3)
        array([0.09 , 0.245, 0.665])
    """
    bk, x = _prepare("softmax", x, backend)
    _check_axis("softmax", x, axis)
    work = bk.cast(x, bk.float32) if bk.is_half(x) else x
    out = softmax_kernel(bk, work, axis)
    return bk.cast(out, x.dtype) if bk.is_half(x) else out


def softmax_parts(xp: Any, x: Any, axis: int | None) -> tuple[Any, Any, Any]:
    """``(s, e, Σe)`` with ``s = x - max x``, ``e = exp(s)``: what softmax, log softmax and the loss share.

    A row whose maximum is ``+inf`` is shifted to 0 there and ``-inf`` elsewhere:
    the limit of softmax as those entries grow, all the weight, shared equally,
    on the infinite entries (``softmax([inf, 1]) = [1, 0]``), where ``inf - inf``
    would give NaN. NaN stays NaN: there the answer is undefined.
    """
    m = xp.max(x, axis=axis, keepdims=True)
    top = m == float("inf")
    if bool(xp.any(top)):
        x = xp.where(top, xp.where(x == m, xp.zeros_like(x), xp.full_like(x, -float("inf"))), x)
        m = xp.where(top, xp.zeros_like(m), m)
    shifted = x - m
    e = xp.exp(shifted)
    return shifted, e, xp.sum(e, axis=axis, keepdims=True)


def softmax_kernel(bk: Backend, x: Any, axis: int | None = -1, *, empty_rows_zero: bool = False) -> Any:
    """``exp(x - max x) / Σ exp(x - max x)`` along ``axis`` on a checked floating array of ``bk``.

    The one softmax every caller uses (the public op, attention, the models).
    ``empty_rows_zero=True`` is attention's rule for a row of all ``-inf`` (a
    query that may attend to no key): weights of zero instead of ``0/0 = NaN``.
    """
    xp = bk.xp
    lost = None
    if empty_rows_zero:
        lost = xp.max(x, axis=axis, keepdims=True) == -float("inf")
        if bool(xp.any(lost)):
            x = xp.where(lost, xp.zeros_like(x), x)  # weighed as zeros, then their weights cleared
        else:
            lost = None
    _, e, total = softmax_parts(xp, x, axis)
    out = e / total
    return out if lost is None else xp.where(lost, xp.zeros_like(out), out)


def log_softmax(x: Any, *, axis: int = -1, backend: str | Backend | None = None) -> Any:
    """``log softmax(x) = x - max x - log Σ exp(x - max x)``, stable for large logits.

    Half precision is computed in float32 and returned as float16, as in :func:`softmax`.

    Example:
        >>> dotkit.log_softmax([0.0, 0.0]).round(4)
        array([-0.6931, -0.6931])
    """
    bk, x = _prepare("log_softmax", x, backend)
    _check_axis("log_softmax", x, axis)
    xp = bk.xp
    work = bk.cast(x, bk.float32) if bk.is_half(x) else x  # float16 sums in float32
    shifted, _, total = softmax_parts(xp, work, axis)
    out = shifted - xp.log(total)
    return bk.cast(out, x.dtype) if bk.is_half(x) else out


def relu(x: Any, *, backend: str | Backend | None = None) -> Any:
    """``relu(x) = max(0, x)``, element-wise.

    Example:
        >>> dotkit.relu([-1.0, 0.5])
        array([0. , 0.5])
    """
    bk, x = _prepare("relu", x, backend)
    return bk.xp.maximum(x, bk.xp.zeros_like(x))


def relu_grad(x: Any, *, backend: str | Backend | None = None) -> Any:
    """``relu'(x) = 1 if x > 0 else 0`` (0 at the kink, as most libraries choose).

    Example:
        >>> relu_grad([-1.0, 2.0])
        array([0., 1.])
    """
    bk, x = _prepare("relu_grad", x, backend)
    return bk.cast(x > 0, x.dtype)


def sigmoid(x: Any, *, backend: str | Backend | None = None) -> Any:
    """``σ(x) = 1 / (1 + e^{-x})``, computed without overflow for any ``x``.

    With ``e = exp(-|x|) ≤ 1``: ``σ(x) = 1/(1+e)`` for ``x ≥ 0`` and
    ``e/(1+e)`` for ``x < 0``, so ``exp`` never sees a large argument.

    Example:
        >>> dotkit.sigmoid([0.0, 1000.0, -1000.0])
        array([0.5, 1. , 0. ])
    """
    bk, x = _prepare("sigmoid", x, backend)
    xp = bk.xp
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x: Any, *, backend: str | Backend | None = None) -> Any:
    """``σ'(x) = σ(x) (1 - σ(x))``; at most 1/4, at ``x = 0``.

    Example:
        >>> sigmoid_grad([0.0])
        array([0.25])
    """
    s = sigmoid(x, backend=backend)
    return s * (1.0 - s)


def tanh(x: Any, *, backend: str | Backend | None = None) -> Any:
    """``tanh(x) = (eˣ - e⁻ˣ) / (eˣ + e⁻ˣ) = 2σ(2x) - 1``, in ``(-1, 1)``.

    Example:
        >>> dotkit.tanh([0.0]).round(4)
        array([0.])
    """
    bk, x = _prepare("tanh", x, backend)
    return bk.xp.tanh(x)


def tanh_grad(x: Any, *, backend: str | Backend | None = None) -> Any:
    """``tanh'(x) = 1 - tanh(x)²``.

    Example:
        >>> tanh_grad([0.0])
        array([1.])
    """
    t = tanh(x, backend=backend)
    return 1.0 - t * t


def gelu(x: Any, *, fast: bool = True, backend: str | Backend | None = None) -> Any:
    """``gelu(x) = x Φ(x) = x (1 + erf(x/√2)) / 2``, the exact (erf) form.

    ``Φ`` is the standard normal CDF: the input is kept in proportion to how
    likely a standard normal variable is to lie below it.

    ``fast=False`` skips the backend's fast path for GELU, if it declares one.

    Example:
        >>> dotkit.gelu([0.0, 1.0]).round(4)
        array([0.    , 0.8413])
    """
    bk, x = _prepare("gelu", x, backend)
    work = bk.cast(x, bk.float32) if bk.is_half(x) else x  # erf in half precision: not everywhere
    # At -inf, x·Φ(x) is -inf·0: its limit is gelu(0) = 0 (Φ falls faster than x grows).
    work = bk.xp.where(work == -float("inf"), bk.xp.zeros_like(work), work)
    fn = bk.fast_path("gelu") if fast else None
    return bk.cast(fn(work) if fn is not None else gelu_kernel(bk, work), x.dtype)


def gelu_kernel(bk: Backend, x: Any) -> Any:
    """``x Φ(x) = x (1 + erf(x/√2)) / 2`` on a checked floating array of ``bk`` (no ``-inf``)."""
    return 0.5 * x * (1.0 + bk.erf(x / _SQRT_2))


def gelu_grad(x: Any, *, backend: str | Backend | None = None) -> Any:
    """``gelu'(x) = Φ(x) + x φ(x)`` with ``φ(x) = exp(-x²/2) / √(2π)``.

    Example:
        >>> gelu_grad([0.0])
        array([0.5])
    """
    bk, x = _prepare("gelu_grad", x, backend)
    xp, dtype = bk.xp, x.dtype
    x = bk.cast(x, bk.float32) if bk.is_half(x) else x
    cdf = 0.5 * (1.0 + bk.erf(x / _SQRT_2))
    # φ(x) underflows to 0 beyond |x| = 40 in every precision; clipping there keeps x² from
    # overflowing (float16 tops out at 65504) without changing any result.
    # The same clipped x multiplies φ, so ±inf gives Φ(±inf) (1 or 0) rather than inf·0.
    c = xp.clip(x, -40.0, 40.0)
    return bk.cast(cdf + c * xp.exp(-0.5 * c * c) * _INV_SQRT_2PI, dtype)


#: name -> (activation, its derivative), for layers and models that take a name.
ACTIVATIONS = {
    "relu": (relu, relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "gelu": (gelu, gelu_grad),
}


def get_activation(name: str, op: str = "get_activation") -> tuple[Any, Any]:
    """``(f, f')`` for an activation name: ``"relu"``, ``"sigmoid"``, ``"tanh"`` or ``"gelu"``.

    Example:
        >>> f, df = get_activation("relu")
    """
    if not isinstance(name, str) or name.lower() not in ACTIVATIONS:
        raise InputValueError(
            f"{op}: unknown activation {name!r}; choose one of {', '.join(sorted(ACTIVATIONS))}"
        )
    return ACTIVATIONS[name.lower()]


__all__ = [
    "ACTIVATIONS",
    "gelu",
    "gelu_grad",
    "gelu_kernel",
    "get_activation",
    "log_softmax",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_kernel",
    "softmax_parts",
    "tanh",
    "tanh_grad",
]
