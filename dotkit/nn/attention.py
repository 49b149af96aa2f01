"""Scaled dot-product attention and multi-head attention, written once.

Attention is two matrix products with a softmax between them::

    scores  = Q Kᵀ · scale                 (..., L, S)   every query dotted with every key
    weights = softmax(scores, axis=-1)     (..., L, S)   each row sums to 1
    out     = weights V                    (..., L, d_v) a weighted mean of the values

Shapes follow PyTorch's ``scaled_dot_product_attention``: ``q`` is
``(..., L, d)``, ``k`` is ``(..., S, d)``, ``v`` is ``(..., S, d_v)``, leading
(batch, head) axes broadcast. A boolean ``mask`` broadcastable to
``(..., L, S)`` says which keys each query **may** attend to (True = allowed);
a floating mask is added to the scores instead. ``is_causal=True`` lets query
``i`` see keys ``j <= i`` (top-left aligned, as in PyTorch).

Three implementations compute the same function:

- the **kernel** (:func:`dotkit.nn.attention_kernels.attention_kernel`): the
  formula above on any backend; it is the reference the others are tested against;
- a **chunked** kernel (``chunk_size=``): keys in blocks with an *online*
  softmax, so memory is O(L·(d_v + chunk)) instead of O(L·S);
- **fast paths** that a backend declares for ``"scaled_dot_product_attention"``
  (see :mod:`dotkit.backends.base`): MLX uses ``mx.fast.scaled_dot_product_attention``;
  NumPy a tiled in-place kernel on every core (:mod:`dotkit.backends.fast_numpy`).
  Pass ``fast=False`` to force the kernel.

A query that may attend to no key at all (a fully masked row) gets weights of
zero and an output of zero, on every path.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from dotkit._inputs import as_array, check_positive_int, float_dtype_for, resolve
from dotkit._memory import check_shape
from dotkit.backends import Backend
from dotkit.errors import DtypeError, InputValueError, ShapeError
from dotkit.nn.attention_kernels import attention_kernel, attention_weights_kernel, chunked_attention_kernel
from dotkit.nn.layers import dense_kernel

_OP = "scaled_dot_product_attention"


# -- input checks ---------------------------------------------------------------
def _check_qkv(op: str, q: Any, k: Any, v: Any) -> tuple[int, ...]:
    if q.shape[-1] != k.shape[-1]:
        raise ShapeError(
            f"{op}: q and k must have the same feature size d; received "
            f"q.shape={tuple(q.shape)}, k.shape={tuple(k.shape)}"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ShapeError(
            f"{op}: k and v must have the same number of keys S; received "
            f"k.shape={tuple(k.shape)}, v.shape={tuple(v.shape)}"
        )
    try:
        return tuple(np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2]))
    except ValueError:
        raise ShapeError(
            f"{op}: the leading (batch, head) axes do not broadcast; received "
            f"q.shape={tuple(q.shape)}, k.shape={tuple(k.shape)}, v.shape={tuple(v.shape)}"
        ) from None


def _batch_shape(q: Any, k: Any, v: Any, mask: Any) -> tuple[int, ...]:
    """The broadcast (batch, head) axes of q, k, v and the mask."""
    shapes = [q.shape[:-2], k.shape[:-2], v.shape[:-2]] + ([] if mask is None else [mask.shape[:-2]])
    return tuple(np.broadcast_shapes(*(tuple(t) for t in shapes)))


def _check_mask(op: str, mask: Any, bk: Backend, batch: tuple[int, ...], L: int, S: int) -> Any:
    """A boolean mask stays boolean (True = may attend); any other numbers are added to scores."""
    if mask is None:
        return None
    if bk.owns(mask) and bk.dtype_kind(mask) == "b":
        m = mask
    else:
        from dotkit.linalg import to_numpy

        try:
            raw = to_numpy(mask) if not isinstance(mask, (list, tuple)) else np.asarray(mask)
        except (TypeError, ValueError):
            raw = None
        if isinstance(mask, (str, bytes)) or getattr(raw, "dtype", None) is None:
            raise DtypeError(f"{op}: mask must be a boolean or floating array; received {type(mask).__name__} "
                             f"{mask!r:.40}")
        kind = getattr(getattr(raw, "dtype", None), "kind", "")
        if kind in "iu" and kind:  # a 0/1 mask read as numbers would be added to the scores, not mask them
            raise DtypeError(
                f"{op}: mask must be boolean (True = may attend) or floating (added to the scores); received "
                f"integer dtype {raw.dtype}: for a 0/1 mask pass a boolean mask (mask != 0)"
            )
        is_bool = kind == "b"
        m = bk.asarray(raw) if is_bool else as_array(op, "mask", mask, bk, allow_int=False)
    try:
        full = tuple(np.broadcast_shapes(tuple(m.shape), batch + (L, S)))
    except ValueError:
        full = None
    if m.ndim < 1 or full is None or full[-2:] != (L, S):
        raise ShapeError(
            f"{op}: mask must broadcast to (..., L, S) = {batch + (L, S)}; received "
            f"mask.shape={tuple(m.shape)}"
        )
    return m


def _check_causal(op: str, is_causal: Any) -> bool:
    """``is_causal`` as a bool; a string such as ``"False"`` would otherwise count as True."""
    if not isinstance(is_causal, (bool, np.bool_)):
        raise InputValueError(f"{op}: is_causal must be True or False; received {is_causal!r}")
    return bool(is_causal)


def _check_scale(op: str, scale: Any, d: int) -> float:
    if scale is None:
        return 1.0 / math.sqrt(d) if d > 0 else 1.0
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)):
        raise InputValueError(f"{op}: scale must be a number; received {scale!r}")
    if not math.isfinite(float(scale)):
        raise InputValueError(f"{op}: scale must be finite; received scale={scale}")
    return float(scale)


def _prepare(
    op: str, q: Any, k: Any, v: Any, mask: Any, scale: Any, backend: Any
) -> tuple[Backend, Any, Any, Any, Any, float, Any]:
    """Backend, q/k/v in their common floating dtype, mask, scale, and the output dtype."""
    bk = resolve(op, q, k, v, backend=backend)
    q = as_array(op, "q", q, bk, min_ndim=2, allow_int=False)
    k = as_array(op, "k", k, bk, min_ndim=2, allow_int=False)
    v = as_array(op, "v", v, bk, min_ndim=2, allow_int=False)
    batch = _check_qkv(op, q, k, v)
    mask = _check_mask(op, mask, bk, batch, q.shape[-2], k.shape[-2])
    work = float_dtype_for(bk, q, k, v)
    out_dtype = q.dtype if all(bk.is_half(t) for t in (q, k, v)) else work
    scale = _check_scale(op, scale, q.shape[-1])
    q, k, v = (bk.cast(t, work) for t in (q, k, v))  # no needless copies
    return bk, q, k, v, mask, scale, out_dtype


def _check_scores(op: str, bk: Backend, batch: tuple[int, ...], q: Any, k: Any, copies: int) -> None:
    """Refuse, before any is made, ``copies`` score tables ``(..., L, S)`` the machine cannot hold."""
    itemsize = bk.xp.finfo(q.dtype).bits // 8
    check_shape(op, batch + (q.shape[-2], k.shape[-2]), itemsize * copies, "the attention scores",
                "pass chunk_size= to take the keys in blocks, or attend over fewer queries, keys or heads")


# -- public API ----------------------------------------------------------------------------
def scaled_dot_product_attention(
    q: Any,
    k: Any,
    v: Any,
    *,
    mask: Any = None,
    is_causal: bool = False,
    scale: float | None = None,
    chunk_size: int | None = None,
    fast: bool = True,
    backend: str | Backend | None = None,
) -> Any:
    """Attention: ``softmax(Q Kᵀ · scale + mask) V``, one weighted mean of values per query.

    ``out[..., i, :] = Σⱼ wᵢⱼ v[..., j, :]`` with ``wᵢⱼ = exp(sᵢⱼ) / Σₗ exp(sᵢₗ)`` and
    ``sᵢⱼ = scale · qᵢ·kⱼ``; by default ``scale = 1/√d`` so that the scores keep
    unit variance whatever the head size.

    Args:
        q: queries ``(..., L, d)``.
        k: keys ``(..., S, d)``.
        v: values ``(..., S, d_v)``. Leading axes of q, k, v (and mask) broadcast.
        mask: boolean, broadcastable to ``(..., L, S)``; True where query i may
            attend to key j. A floating mask is *added* to the scores instead.
        is_causal: also forbid keys after the query (``j > i``, top-left aligned).
        scale: the factor on ``q·k``; default ``1/√d``.
        chunk_size: if given, process the keys in blocks of this size with an
            online softmax; memory O(L·(d_v + chunk_size)) instead of O(L·S).
        fast: use the backend's fast path when it declares one (NumPy: a tiled
            in-place kernel; MLX: ``mx.fast.scaled_dot_product_attention``).
            ``False`` forces the kernel, the reference formula.
        backend: run on this backend instead of the one the inputs imply.

    Returns:
        ``(..., L, d_v)`` in the inputs' floating dtype (float16 is computed in
        float32). Logits of ±1e4 give no NaN; a query whose row of the mask is
        all False gets an output of zeros.

    Example:
        >>> q = k = v = [[1.0, 0.0], [0.0, 1.0]]
        >>> dotkit.scaled_dot_product_attention(q, k, v).round(3)
        array([[0.67, 0.33],
               [0.33, 0.67]])
    """
    is_causal = _check_causal(_OP, is_causal)
    bk, q, k, v, mask, scale, out_dtype = _prepare(_OP, q, k, v, mask, scale, backend)
    if k.shape[-2] == 0:  # no keys at all: every row is "fully masked"
        batch = _batch_shape(q, k, v, mask)
        return bk.xp.zeros(batch + (q.shape[-2], v.shape[-1]), dtype=out_dtype)
    if chunk_size is not None:
        chunk = check_positive_int(_OP, "chunk_size", chunk_size)
        out = chunked_attention_kernel(bk, q, k, v, mask, is_causal, scale, chunk)
    else:
        # an infinite q or k entry can make a score +inf: the kernel gives such rows softmax's limit
        fast = fast and bool(bk.xp.all(bk.xp.isfinite(q)) and bk.xp.all(bk.xp.isfinite(k)))
        fn = bk.fast_path(_OP) if fast else None
        _check_scores(_OP, bk, _batch_shape(q, k, v, mask), q, k, 1 if fn is not None else 2)
        out = fn(q, k, v, mask, is_causal, scale) if fn is not None else attention_kernel(
            bk, q, k, v, mask, is_causal, scale)
    return bk.cast(out, out_dtype)


def attention_weights(
    q: Any,
    k: Any,
    *,
    mask: Any = None,
    is_causal: bool = False,
    scale: float | None = None,
    backend: str | Backend | None = None,
) -> Any:
    """The attention matrix ``softmax(Q Kᵀ · scale + mask)``, shape ``(..., L, S)``.

    Each row is a probability distribution over the keys (all zeros for a fully
    masked row); useful for looking at what a head attends to.

    Example:
        >>> dotkit.nn.attention.attention_weights([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]).round(3)
        array([[0.67, 0.33]])
    """
    op = "attention_weights"
    bk = resolve(op, q, k, backend=backend)
    q = as_array(op, "q", q, bk, min_ndim=2, allow_int=False)
    k = as_array(op, "k", k, bk, min_ndim=2, allow_int=False)
    if q.shape[-1] != k.shape[-1]:
        raise ShapeError(
            f"{op}: q and k must have the same feature size d; received "
            f"q.shape={tuple(q.shape)}, k.shape={tuple(k.shape)}"
        )
    try:
        batch = tuple(np.broadcast_shapes(q.shape[:-2], k.shape[:-2]))
    except ValueError:
        raise ShapeError(
            f"{op}: the leading axes do not broadcast; received q.shape={tuple(q.shape)}, "
            f"k.shape={tuple(k.shape)}"
        ) from None
    mask = _check_mask(op, mask, bk, batch, q.shape[-2], k.shape[-2])
    work = float_dtype_for(bk, q, k)
    scale = _check_scale(op, scale, q.shape[-1])
    q, k = (bk.cast(t, work) for t in (q, k))
    _check_scores(op, bk, tuple(np.broadcast_shapes(batch, tuple(mask.shape[:-2]))) if mask is not None else batch,
                  q, k, 2)
    return attention_weights_kernel(bk, q, k, mask, _check_causal(op, is_causal), scale)


def split_heads(x: Any, n_heads: int, *, backend: str | Backend | None = None) -> Any:
    """``(..., L, n_heads·d_head)`` → ``(..., n_heads, L, d_head)``: one slice of features per head.

    Example:
        >>> split_heads(np.zeros((5, 8)), 2).shape
        (2, 5, 4)
    """
    op = "split_heads"
    bk = resolve(op, x, backend=backend)
    x = as_array(op, "x", x, bk, min_ndim=2)
    n_heads = check_positive_int(op, "n_heads", n_heads)
    if x.shape[-1] % n_heads:
        raise ShapeError(
            f"{op}: the feature size {x.shape[-1]} is not divisible by n_heads={n_heads} "
            f"(received x.shape={tuple(x.shape)})"
        )
    *lead, L, D = x.shape
    n = len(lead)
    parts = bk.xp.reshape(x, (*lead, L, n_heads, D // n_heads))
    return bk.xp.permute_dims(parts, (*range(n), n + 1, n, n + 2))  # the standard's names (no swapaxes)


def merge_heads(x: Any, *, backend: str | Backend | None = None) -> Any:
    """``(..., n_heads, L, d_head)`` → ``(..., L, n_heads·d_head)``, the inverse of :func:`split_heads`.

    Example:
        >>> merge_heads(np.zeros((2, 5, 4))).shape
        (5, 8)
    """
    op = "merge_heads"
    bk = resolve(op, x, backend=backend)
    x = as_array(op, "x", x, bk, min_ndim=3)
    *lead, H, L, dh = x.shape
    n = len(lead)
    return bk.xp.reshape(bk.xp.permute_dims(x, (*range(n), n + 1, n, n + 2)), (*lead, L, H * dh))


def _project(bk: Backend, op: str, name: str, x: Any, w: Any, b: Any) -> Any:
    """``x Wᵀ + b`` over the last axis of ``x``, for ``W`` in the one dense layout ``(d_out, d_in)``."""
    w = as_array(op, name, w, bk, ndim=2, allow_int=False)
    d_in = x.shape[-1]
    if w.shape[1] != d_in:
        hint = f"; its transpose fits: pass {name}.T" if w.shape[0] == d_in else ""
        source = "the merged heads" if name == "w_o" else "x"
        raise ShapeError(
            f"{op}: {name} must have shape (d_out, {d_in}), the dense layout (d_out, d_in) applied as "
            f"{source} @ {name}.T to {d_in} features; received {name}.shape={tuple(w.shape)}{hint}"
        )
    if b is not None:
        bname = "b" + name[1:]
        b = as_array(op, bname, b, bk, ndim=1, allow_int=False)
        if b.shape[0] != w.shape[0]:
            raise ShapeError(
                f"{op}: {bname} must have shape ({w.shape[0]},), one entry per row of {name}; received "
                f"{bname}.shape={tuple(b.shape)}, {name}.shape={tuple(w.shape)}"
            )
    work, xp = float_dtype_for(bk, x), bk.xp  # half precision is multiplied in float32, rounded once
    flat = bk.cast(xp.reshape(x, (-1, d_in)), work)  # one 2-D product for the whole batch
    y = dense_kernel(xp, flat, bk.cast(w, work), None if b is None else bk.cast(b, work))
    return bk.cast(xp.reshape(y, (*x.shape[:-1], w.shape[0])), x.dtype)


def multi_head_attention(
    x: Any,
    w_q: Any,
    w_k: Any,
    w_v: Any,
    w_o: Any,
    n_heads: int,
    *,
    b_q: Any = None,
    b_k: Any = None,
    b_v: Any = None,
    b_o: Any = None,
    mask: Any = None,
    is_causal: bool = False,
    fast: bool = True,
    backend: str | Backend | None = None,
) -> Any:
    """Multi-head self-attention: project, split into heads, attend, merge, project.

    ``Q = x W_qᵀ + b_q``, ``K = x W_kᵀ + b_k``, ``V = x W_vᵀ + b_v``, each split into
    ``n_heads`` slices of ``d_head = D / n_heads`` features; every head runs
    :func:`scaled_dot_product_attention` with ``scale = 1/√d_head``; the heads'
    outputs are concatenated and projected: ``out = concat(heads) W_oᵀ + b_o``.
    The four projections are dense layers (:func:`dotkit.nn.layers.dense_kernel`),
    in its one weight layout ``(d_out, d_in)``, row ``j`` output feature ``j``'s
    weights: the layout of PyTorch's ``Linear`` and of MiniLM's checkpoint.

    Args:
        x: ``(..., L, D_in)``.
        w_q, w_k, w_v: ``(D, D_in)``, used as ``x @ w.T``. ``D % n_heads == 0``.
        w_o: ``(D_out, D)``.
        n_heads: number of heads.
        b_q, b_k, b_v, b_o: optional biases ``(D,)`` / ``(D_out,)``.
        mask: boolean, broadcastable to ``(..., n_heads, L, L)``; True = may attend.
            A key-padding mask of shape ``(B, L)`` is written ``mask[:, None, None, :]``.
        is_causal: each position sees only itself and earlier ones.
        fast: allow the backend's attention fast path.

    Returns:
        ``(..., L, D_out)``.

    Example:
        >>> x, w, w_o = np.ones((5, 4)), np.ones((6, 4)), np.ones((3, 6))  # 5 tokens; (out, in): 4 -> 6 -> 3
        >>> multi_head_attention(x, w, w, w, w_o, n_heads=2).shape
        (5, 3)
    """
    op = "multi_head_attention"
    bk = resolve(op, x, w_q, w_k, w_v, w_o, backend=backend)
    x = as_array(op, "x", x, bk, min_ndim=2, allow_int=False)
    n_heads = check_positive_int(op, "n_heads", n_heads)
    qp = _project(bk, op, "w_q", x, w_q, b_q)
    kp = _project(bk, op, "w_k", x, w_k, b_k)
    vp = _project(bk, op, "w_v", x, w_v, b_v)
    if qp.shape[-1] != kp.shape[-1] or qp.shape[-1] % n_heads or vp.shape[-1] % n_heads:
        raise ShapeError(
            f"{op}: w_q and w_k must give the same width, divisible by n_heads={n_heads} (as must "
            f"w_v); received w_q -> {qp.shape[-1]}, w_k -> {kp.shape[-1]}, w_v -> {vp.shape[-1]}"
        )
    heads = scaled_dot_product_attention(
        split_heads(qp, n_heads, backend=bk),
        split_heads(kp, n_heads, backend=bk),
        split_heads(vp, n_heads, backend=bk),
        mask=mask,
        is_causal=is_causal,
        fast=fast,
        backend=bk,
    )
    merged = merge_heads(heads, backend=bk)
    return _project(bk, op, "w_o", merged, w_o, b_o)


def linear_attention(
    q: Any,
    k: Any,
    v: Any,
    *,
    feature_map: Callable[[Any], Any] | None = None,
    backend: str | Backend | None = None,
) -> Any:
    """Attention with the kernel ``φ(q)·φ(k)`` in place of ``exp(q·k/√d)``.

    ``out_i = φ(q_i) (Σⱼ φ(k_j) v_jᵀ) / (φ(q_i)·Σⱼ φ(k_j))``. Because the kernel is a
    plain dot product of features, the sum over keys can be done *first*: the
    cost is O((L + S)·d·d_v) instead of O(L·S·d), and no L×S matrix is formed.
    The default feature map is ``elu(x) + 1`` (positive, so weights stay ≥ 0).

    Args:
        q: ``(..., L, d)``; k: ``(..., S, d)``; v: ``(..., S, d_v)``.
        feature_map: a function from ``(..., n, d)`` arrays to ``(..., n, r)``
            arrays with positive entries, written with the backend's ``xp``.

    Example:
        >>> linear_attention(np.ones((2, 3)), np.ones((4, 3)), np.eye(4)).round(2)
        array([[0.25, 0.25, 0.25, 0.25],
               [0.25, 0.25, 0.25, 0.25]])
    """
    op = "linear_attention"
    bk, q, k, v, _, _, out_dtype = _prepare(op, q, k, v, None, None, backend)
    xp = bk.xp
    if feature_map is not None and not callable(feature_map):
        raise DtypeError(f"{op}: feature_map must be a function of an array; received {feature_map!r:.40}")
    if k.shape[-2] == 0:  # no keys: every output is zero, as scaled_dot_product_attention gives
        return xp.zeros(_batch_shape(q, k, v, None) + (q.shape[-2], v.shape[-1]), dtype=out_dtype)
    phi = feature_map if feature_map is not None else (lambda t: xp.where(t > 0, t + 1, xp.exp(xp.minimum(t, 0))))
    fq, fk = phi(q), phi(k)
    if not (bk.owns(fq) and bk.owns(fk)) or fq.shape[-1] != fk.shape[-1]:
        raise DtypeError(
            f"{op}: feature_map must return arrays of the same backend with equal feature sizes; "
            f"received {type(fq).__name__} {getattr(fq, 'shape', None)} and "
            f"{type(fk).__name__} {getattr(fk, 'shape', None)}"
        )
    if feature_map is not None and bool(xp.any(fq < 0) or xp.any(fk < 0)):
        raise InputValueError(f"{op}: feature_map must return entries >= 0 (they weight the values); "
                              "it returned negative ones")
    kv = xp.matmul(xp.matrix_transpose(fk), v)  # (..., r, d_v): keys summed first
    norm = xp.matmul(fq, xp.sum(fk, axis=-2)[..., None])  # (..., L, 1)
    return xp.matmul(fq, kv) / norm


__all__ = [
    "attention_weights",
    "linear_attention",
    "merge_heads",
    "multi_head_attention",
    "scaled_dot_product_attention",
    "split_heads",
]
