"""Dot products and what is built from them: norms, angles, projections,
matrix products and nearest-neighbour search.

Every function is written once against the backend object (``bk.xp`` is
``numpy`` or ``mlx.core``) and accepts lists, NumPy arrays or backend arrays.
Shapes follow NumPy: vectors live on the last axis, leading axes broadcast.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, NamedTuple

import numpy as np

from dotkit._inputs import as_array, check_positive_int, describe_array, float_dtype_for, from_python, resolve
from dotkit._memory import check_allocation
from dotkit.backends import Backend, get_backend, selected_name
from dotkit.backends.numpy import NumpyBackend
from dotkit.errors import DtypeError, InputValueError, ShapeError

_FAST_FLOATS = frozenset((np.dtype(np.float32), np.dtype(np.float64)))
_INT64_LIMIT = 2**63 - 1
_FLOAT32_EXACT = 2**24  # every integer up to this is exact in float32


def asarray(x: Any, *, dtype: Any = None, backend: str | Backend | None = None) -> Any:
    """``x`` (list, NumPy array or backend array) as an array of a backend.

    Without ``backend=`` it converts to the selected backend (``use_backend``
    block, ``DOTKIT_BACKEND``, then ``auto``), as every op does with NumPy
    inputs. ``dtype`` may be the backend's own, a NumPy dtype or a name
    (``np.float32`` or ``"float32"``).

    Example:
        >>> dotkit.asarray([1.0, 2.0], backend="numpy")
        array([1., 2.])
    """
    bk = get_backend(backend)
    arr = as_array("asarray", "x", x, bk)
    if dtype is None:
        return arr
    try:
        return bk.cast(arr, bk.dtype(dtype))
    except (TypeError, ValueError) as exc:
        raise DtypeError(
            f"asarray: dtype={dtype!r} is not a dtype of the {bk.name} backend "
            f"({str(exc).splitlines()[0]}); "
            f"received x with {describe_array(arr)}"
        ) from None


def to_numpy(x: Any) -> Any:
    """``x`` as a NumPy array, from any backend (evaluating lazy arrays first).

    Example:
        >>> dotkit.to_numpy([1, 2])
        array([1, 2])
    """
    bk = resolve("to_numpy", x)
    if bk.owns(x):
        return bk.to_numpy(x)
    if x is None or isinstance(x, (str, bytes)):
        raise DtypeError(f"to_numpy: x must be an array of numbers; received {type(x).__name__} {x!r:.60}")
    return from_python("to_numpy", "x", x, get_backend("numpy"))  # refuses ragged, strings, None


def _broadcast_batch(op: str, a: Any, b: Any, a_batch: tuple, b_batch: tuple, per_item: int = 1) -> None:
    """Check that the batch axes broadcast, and that ``per_item`` numbers per batch entry fit in memory."""
    try:
        batch = np.broadcast_shapes(a_batch, b_batch)
    except ValueError:
        raise ShapeError(
            f"{op}: leading (batch) dimensions do not broadcast; received "
            f"a.shape={tuple(a.shape)}, b.shape={tuple(b.shape)}"
        ) from None
    nbytes = math.prod(batch) * per_item * 8
    check_allocation(op, nbytes, f"broadcasting a.shape={tuple(a.shape)} against b.shape={tuple(b.shape)}",
                     "loop over smaller batches, or check that the shapes broadcast as you meant")


def _max_abs_int(bk: Backend, x: Any) -> int:
    """The largest ``|x|`` of an integer array, as an exact Python int (0 when empty)."""
    if not bk.size(x):
        return 0
    return max(abs(int(bk.xp.max(x))), abs(int(bk.xp.min(x))))


def _exact_integer_dtype(op: str, bk: Backend, a: Any, b: Any, n: int) -> Any:
    """The dtype in which an integer product of ``a`` and ``b`` is exact, or an error."""
    # Exact Python integers: a float32 maximum would round 2**24 + 1 down to 2**24.
    bound = _max_abs_int(bk, a) * _max_abs_int(bk, b) * max(n, 1)
    xp = bk.xp
    if bk.supports_float64 and bound <= _INT64_LIMIT:  # no partial sum can exceed the bound
        return xp.int64
    if bound <= _FLOAT32_EXACT:
        return xp.float32  # MLX has no integer matmul; float32 is exact here
    raise InputValueError(
        f"{op}: integer inputs whose products may reach {bound:.3g} cannot be summed exactly "
        f"on the {bk.name} backend (received a.dtype={a.dtype}, b.dtype={b.dtype}); "
        "cast to floating point first, e.g. dotkit.asarray(a, dtype='float64')"
    )


def _common_dtype(op: str, bk: Backend, a: Any, b: Any, n: int) -> Any:
    ints = bk.dtype_kind(a) in "iu" and bk.dtype_kind(b) in "iu"
    return _exact_integer_dtype(op, bk, a, b, n) if ints else float_dtype_for(bk, a, b)


_ndarray, _np_dot, _array = np.ndarray, np.dot, np.array  # module names: no attribute lookups in dot's fast path


def _on_numpy(backend: str | Backend | None) -> bool:
    """Whether a call with this ``backend=`` runs on the built-in NumPy backend (the selection when None).

    The exact class, not a subclass: a plugin built on NumPy may have its own dtype policy.
    """
    if backend is None:
        return selected_name() == "numpy"
    return backend == "numpy" if isinstance(backend, str) else type(backend) is NumpyBackend


def _plain_float_matrices(a: Any, b: Any) -> bool:
    """Two 2-D NumPy float arrays of one dtype whose inner dimensions match."""
    return (
        type(a) is np.ndarray
        and type(b) is np.ndarray
        and a.ndim == 2
        and b.ndim == 2
        and a.shape[1] == b.shape[0]
        and a.dtype == b.dtype
        and a.dtype in _FAST_FLOATS
    )


def dot(a: Any, b: Any, *, backend: str | Backend | None = None) -> Any:
    """The dot product along the last axis: ``a·b = Σᵢ aᵢ bᵢ``.

    Args:
        a, b: arrays of shape ``(..., n)``; leading axes broadcast.
        backend: run on this backend instead of the one the inputs imply.

    Returns:
        An array of the backend, of shape ``(...)``: for two vectors a 0-d
        array on every backend (NumPy included, never a NumPy scalar), so the
        same code handles its result everywhere; ``float(out)`` is the number.
        Integer inputs are summed exactly (or refused when that is impossible);
        float16 inputs accumulate in float32.

    Example:
        >>> dotkit.dot([1, 2, 3], [4, 5, 6])
        array(32)
        >>> dotkit.dot(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
        array(11.)
    """
    # Two NumPy float32/float64 vectors of one dtype and length on the NumPy backend: nothing to check or
    # convert. Written inline (no helper calls): on a slow machine each extra Python call costs 0.1 µs.
    if (type(a) is _ndarray and type(b) is _ndarray and a.ndim == 1 and a.shape == b.shape
            and a.dtype is b.dtype and a.dtype in _FAST_FLOATS
            and (selected_name() == "numpy" if backend is None else _on_numpy(backend))):
        return _array(_np_dot(a, b))  # the checks below, already known to pass: skip their cost
    bk = resolve("dot", a, b, backend=backend)
    a = as_array("dot", "a", a, bk, min_ndim=1)
    b = as_array("dot", "b", b, bk, min_ndim=1)
    if a.shape[-1] != b.shape[-1]:
        what = "vectors" if a.ndim == b.ndim == 1 else "arrays whose last dimensions are"
        raise ShapeError(
            f"dot: expected {what} of equal length; received a.shape={tuple(a.shape)}, "
            f"b.shape={tuple(b.shape)}"
        )
    if a.ndim > 1 or b.ndim > 1:
        # a backend may form the products before summing them: up to n numbers per result
        _broadcast_batch("dot", a, b, tuple(a.shape[:-1]), tuple(b.shape[:-1]), per_item=a.shape[-1])
    work = _common_dtype("dot", bk, a, b, a.shape[-1])
    out = bk.vecdot(bk.cast(a, work), bk.cast(b, work))
    if bk.is_half(a) and bk.is_half(b):
        out = bk.cast(out, a.dtype)
    elif work == bk.float32 and bk.dtype_kind(a) in "iu" and bk.dtype_kind(b) in "iu":
        out = bk.cast(out, bk.xp.int32)
    return out


def norm(x: Any, *, axis: int = -1, keepdims: bool = False, backend: str | Backend | None = None) -> Any:
    """The Euclidean length ``‖x‖ = √(x·x)`` along ``axis``.

    Example:
        >>> dotkit.norm([3.0, 4.0])
        array(5.)
    """
    bk = resolve("norm", x, backend=backend)
    x = as_array("norm", "x", x, bk, min_ndim=1, allow_int=False)
    if isinstance(axis, bool) or not hasattr(axis, "__index__"):
        raise InputValueError(f"norm: axis must be an integer; received axis={axis!r}")
    if not -x.ndim <= axis < x.ndim:
        raise ShapeError(f"norm: axis={axis} is out of range for x.shape={tuple(x.shape)}")
    work = float_dtype_for(bk, x)
    xw = bk.cast(x, work)
    xp, axis = bk.xp, axis % x.ndim
    if x.shape[axis] == 0:  # the length of an empty vector is 0 (there is no largest entry to scale by)
        out = bk.asarray(xp.sum(xw * xw, axis=axis, keepdims=keepdims))
        return bk.cast(out, x.dtype) if bk.is_half(x) else out
    # Scale by the largest entry so that squares neither overflow nor underflow.
    scale = xp.max(xp.abs(xw), axis=axis, keepdims=True)
    infinite = scale == float("inf")
    if bool(xp.any(infinite)):  # an infinite entry makes the length infinite; inf/inf would say NaN
        xw = xp.where(infinite, xp.zeros_like(xw), xw)
    safe = xp.where((scale > 0) & ~infinite, scale, xp.ones_like(scale))
    unit = xp.moveaxis(xw / safe, axis, -1)
    # The sum of squares is a dot product: bk.vecdot sums long axes accurately on every backend.
    # bk.asarray keeps a 0-d array a 0-d array (NumPy would hand back a scalar).
    out = bk.asarray(xp.sqrt(bk.vecdot(unit, unit)) * xp.squeeze(safe, axis=axis))
    out = bk.asarray(xp.where(xp.squeeze(infinite, axis=axis), xp.full_like(out, float("inf")), out))
    out = xp.expand_dims(out, axis=axis) if keepdims else out
    return bk.cast(out, x.dtype) if bk.is_half(x) else out


def _direction(bk: Backend, x: Any) -> Any:
    """``x`` scaled along the last axis so that its largest entry has size 1: same direction, no overflow.

    A vector with infinite entries points along them: ``[inf, 1]`` becomes ``[1, 0]``.
    Zero vectors stay zero and NaN stays NaN.
    """
    xp = bk.xp
    scale = xp.max(xp.abs(x), axis=-1, keepdims=True)
    inf = scale == float("inf")
    if bool(xp.any(inf)):
        signs = xp.where(xp.abs(x) == float("inf"), xp.sign(x), xp.zeros_like(x))
        x = xp.where(inf, signs, x)
        scale = xp.where(inf, xp.ones_like(scale), scale)
    return x / xp.where(scale > 0, scale, xp.ones_like(scale))


def cosine_similarity(a: Any, b: Any, *, backend: str | Backend | None = None) -> Any:
    """``cos θ = a·b / (‖a‖ ‖b‖)`` along the last axis, in ``[-1, 1]``.

    A zero vector has no direction: its cosine is NaN, with a warning.

    Example:
        >>> dotkit.cosine_similarity([3.0, 0.0], [1.0, 0.0])
        array(1.)
    """
    bk = resolve("cosine_similarity", a, b, backend=backend)
    a = as_array("cosine_similarity", "a", a, bk, min_ndim=1, allow_int=False)
    b = as_array("cosine_similarity", "b", b, bk, min_ndim=1, allow_int=False)
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(
            f"cosine_similarity: expected vectors of equal length; received a.shape={tuple(a.shape)}, "
            f"b.shape={tuple(b.shape)}"
        )
    half = bk.is_half(a) and bk.is_half(b)
    work = float_dtype_for(bk, a, b)  # float16 works in float32, cast once at the end
    # The cosine depends only on the directions: scaling first keeps a·b and the norms finite.
    ua, ub = _direction(bk, bk.cast(a, work)), _direction(bk, bk.cast(b, work))
    num = bk.vecdot(ua, ub)
    den = bk.xp.sqrt(bk.vecdot(ua, ua)) * bk.xp.sqrt(bk.vecdot(ub, ub))
    zero = den == 0
    if bool(bk.xp.any(zero)):
        warnings.warn(
            "cosine_similarity: a zero vector has no direction; its cosine is NaN",
            RuntimeWarning,
            stacklevel=2,
        )
    nan = bk.xp.full_like(den, float("nan"))
    cos = bk.xp.where(zero, nan, num / bk.xp.where(zero, bk.xp.ones_like(den), den))
    cos = bk.asarray(bk.xp.clip(cos, -1.0, 1.0))
    return bk.cast(cos, a.dtype) if half else cos


def angle(a: Any, b: Any, *, degrees: bool = False, backend: str | Backend | None = None) -> Any:
    """The angle between ``a`` and ``b``, in radians or degrees: ``θ = 2 atan2(‖â − b̂‖, ‖â + b̂‖)``.

    ``â``, ``b̂`` are the unit directions; this equals ``arccos(cos θ)`` but keeps small
    angles, which a rounded cosine near 1 loses. A zero vector's angle is NaN.

    Example:
        >>> dotkit.angle([1.0, 0.0], [0.0, 2.0], degrees=True)
        array(90.)
    """
    op = "angle"
    if not isinstance(degrees, (bool, np.bool_)):
        raise DtypeError(f"{op}: degrees must be True or False; received degrees={degrees!r}")
    bk = resolve(op, a, b, backend=backend)
    a = as_array(op, "a", a, bk, min_ndim=1, allow_int=False)
    b = as_array(op, "b", b, bk, min_ndim=1, allow_int=False)
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"{op}: expected vectors of equal length; received a.shape={tuple(a.shape)}, "
                         f"b.shape={tuple(b.shape)}")
    xp, work = bk.xp, float_dtype_for(bk, a, b)
    ua, ub = (_direction(bk, bk.cast(v, work)) for v in (a, b))
    na, nb = (xp.sqrt(bk.vecdot(u, u))[..., None] for u in (ua, ub))
    if bool(xp.any(na == 0) or xp.any(nb == 0)):
        warnings.warn(f"{op}: a zero vector has no direction; its angle is NaN", RuntimeWarning, stacklevel=2)
    ea, eb = ua / na, ub / nb
    theta = 2 * xp.atan2(xp.sqrt(bk.vecdot(ea - eb, ea - eb)), xp.sqrt(bk.vecdot(ea + eb, ea + eb)))
    theta = bk.asarray(theta * (180.0 / math.pi) if degrees else theta)  # a 0-d array stays one
    return bk.cast(theta, a.dtype) if bk.is_half(a) and bk.is_half(b) else theta


def project(a: Any, onto: Any, *, backend: str | Backend | None = None) -> Any:
    """The projection of ``a`` onto the line through ``onto``: ``(a·b / b·b) b``.

    Example:
        >>> dotkit.project([2.0, 3.0], [1.0, 0.0])
        array([2., 0.])
    """
    bk = resolve("project", a, onto, backend=backend)
    a = as_array("project", "a", a, bk, min_ndim=1, allow_int=False)
    b = as_array("project", "onto", onto, bk, min_ndim=1, allow_int=False)
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"project: a and onto must have the same length; received a.shape={tuple(a.shape)}, "
                         f"onto.shape={tuple(b.shape)}")
    # Onto the direction of b (scaled so its largest entry is 1): the same line, and b·b can
    # neither overflow nor underflow (onto = [inf, 0] is the x-axis). a is scaled the same way,
    # its size put back after the dot product, so a·u cannot overflow either.
    xp, u = bk.xp, _direction(bk, b)
    uu = dot(u, u, backend=bk)
    if bool(xp.any(uu == 0)):
        raise InputValueError(
            f"project: cannot project onto a zero vector (received onto.shape={tuple(b.shape)} "
            "with onto·onto = 0)"
        )
    size = xp.max(xp.abs(a), axis=-1)
    coef = (dot(_direction(bk, a), u, backend=bk) / uu * size)[..., None]
    # an entry where the line has no component stays 0 even when the coefficient is infinite
    return xp.where((u == 0) & ~xp.isnan(coef), xp.zeros_like(u), coef * u)


def matmul(a: Any, b: Any, *, backend: str | Backend | None = None) -> Any:
    """The matrix product: every row of ``a`` dotted with every column of ``b``.

    ``C[..., i, j] = Σₖ A[..., i, k] B[..., k, j]``, for ``(m, p) @ (p, q)`` and
    batched ``(b, m, p) @ (b, p, q)`` (leading axes broadcast). A 1-D operand
    is a vector, as in NumPy.

    Example:
        >>> dotkit.matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]])
        array([[19, 22],
               [43, 50]])
    """
    if _plain_float_matrices(a, b) and _on_numpy(backend):
        if a.shape[0] * b.shape[1] > 2**24:  # only a result this large could outgrow the machine
            check_allocation("matmul", a.shape[0] * b.shape[1] * a.itemsize,
                             f"the ({a.shape[0]}, {b.shape[1]}) result", "multiply in blocks of rows")
        return np.matmul(a, b)  # the other checks below, already known to pass: skip their cost
    bk = resolve("matmul", a, b, backend=backend)
    a = as_array("matmul", "a", a, bk, min_ndim=1)
    b = as_array("matmul", "b", b, bk, min_ndim=1)
    inner_b = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if a.shape[-1] != inner_b:
        raise ShapeError(
            f"matmul: inner dimensions differ; received a.shape={tuple(a.shape)}, "
            f"b.shape={tuple(b.shape)} ({a.shape[-1]} != {inner_b})"
        )
    rows = a.shape[-2] if a.ndim >= 2 else 1
    cols = b.shape[-1] if b.ndim >= 2 else 1
    _broadcast_batch("matmul", a, b, tuple(a.shape[:-2]), tuple(b.shape[:-2]), per_item=rows * cols)
    work = _common_dtype("matmul", bk, a, b, a.shape[-1])
    out = bk.xp.matmul(bk.cast(a, work), bk.cast(b, work))
    if bk.is_half(a) and bk.is_half(b):
        out = bk.cast(out, a.dtype)
    elif work == bk.float32 and bk.dtype_kind(a) in "iu" and bk.dtype_kind(b) in "iu":
        out = bk.cast(out, bk.xp.int32)
    return out


class TopK(NamedTuple):
    """The result of :func:`top_k_similar`: best first."""

    indices: Any
    scores: Any


def top_k_similar(
    query: Any,
    keys: Any,
    k: int = 5,
    *,
    metric: str = "cosine",
    backend: str | Backend | None = None,
) -> TopK:
    """The ``k`` rows of ``keys`` most similar to ``query``, best first.

    All scores come from one matrix–vector product ``keys @ query``; a partial
    sort then picks the ``k`` best without sorting every row.

    Args:
        query: ``(d,)`` or a batch of queries ``(q, d)``.
        keys: ``(n, d)``.
        k: how many to return, ``1 <= k <= n``.
        metric: ``"cosine"`` (direction only) or ``"dot"`` (length counts too).

    Returns:
        ``TopK(indices, scores)``, each ``(k,)`` or ``(q, k)``.

    Example:
        >>> keys = [[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]]
        >>> dotkit.top_k_similar([1.0, 0.1], keys, k=2).indices
        array([0, 2])
    """
    op = "top_k_similar"
    if metric not in ("cosine", "dot"):
        raise InputValueError(f"{op}: metric must be 'cosine' or 'dot'; received {metric!r}")
    bk = resolve(op, query, keys, backend=backend)
    q = as_array(op, "query", query, bk, ndim=(1, 2), allow_int=False)
    K = as_array(op, "keys", keys, bk, ndim=2, allow_int=False)
    if q.shape[-1] != K.shape[-1]:
        raise ShapeError(
            f"{op}: query and keys differ in dimension; received query.shape={tuple(q.shape)}, "
            f"keys.shape={tuple(K.shape)}"
        )
    k = check_positive_int(op, "k", k)
    if k > K.shape[0]:
        raise InputValueError(f"{op}: k={k} is larger than the number of keys ({K.shape[0]})")
    qn = norm(q, keepdims=True, backend=bk)
    if bool(bk.xp.any(bk.xp.isnan(qn)) or (metric == "cosine" and bk.xp.any(qn == 0))):
        raise InputValueError(f"{op}: query must be finite and, for cosine, not zero (it has no direction); "
                              f"received query with norm {bk.to_numpy(qn).ravel()[:3].tolist()}")
    kn = norm(K, backend=bk) if metric == "cosine" else None
    if kn is not None and bool(bk.xp.any(kn == float("inf"))):
        K = _direction(bk, K)  # keys beyond the dtype's range: score their directions (same cosines)
        kn = norm(K, backend=bk)
    scores = bk.xp.matmul(q, K.T)  # (d,) @ (d, n) -> (n,); (q, d) @ (d, n) -> (q, n)
    if kn is not None:
        scores = scores / bk.xp.where(kn == 0, bk.xp.ones_like(kn), kn) / qn
    top = bk.top_k(scores, k)
    top_scores = bk.xp.take_along_axis(scores, top, axis=-1)
    order = bk.xp.argsort(-top_scores, axis=-1)
    return TopK(
        bk.xp.take_along_axis(top, order, axis=-1),
        bk.xp.take_along_axis(top_scores, order, axis=-1),
    )


__all__ = [
    "TopK",
    "angle",
    "asarray",
    "cosine_similarity",
    "dot",
    "matmul",
    "norm",
    "project",
    "to_numpy",
    "top_k_similar",
]
