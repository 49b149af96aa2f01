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

- the **generic** path (:func:`_generic_attention`): the formula above on any
  backend; it is the reference the others are tested against;
- a **chunked** path (``chunk_size=``): keys in blocks with an *online*
  softmax, so memory is O(L·(d_v + chunk)) instead of O(L·S);
- **fast paths** registered per backend through ``bk._fast_paths``: MLX uses
  ``mx.fast.scaled_dot_product_attention``; NumPy uses a tiled in-place kernel
  (scale folded into ``q``, exponentials in place, row sums taken by the second
  matrix product, no max pass unless a row over- or underflows). Pass
  ``fast=False`` to force the generic path.

A query that may attend to no key at all (a fully masked row) gets weights of
zero and an output of zero, on every path.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from dotkit._inputs import as_array, check_positive_int, float_dtype_for, resolve
from dotkit._threads import run_parts
from dotkit.backends import Backend
from dotkit.errors import DtypeError, InputValueError, ShapeError

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


def _check_mask(op: str, mask: Any, bk: Backend, batch: tuple[int, ...], L: int, S: int) -> Any:
    """A boolean mask stays boolean (True = may attend); any other numbers are added to scores."""
    if mask is None:
        return None
    if bk.owns(mask) and bk.dtype_kind(mask) == "b":
        m = mask
    else:
        from dotkit.linalg import to_numpy

        raw = to_numpy(mask) if not isinstance(mask, (list, tuple)) else np.asarray(mask)
        kind = getattr(getattr(raw, "dtype", None), "kind", "")
        if kind in "iu" and kind:  # a 0/1 mask read as numbers would be added to the scores, not mask them
            raise DtypeError(
                f"{op}: mask must be boolean (True = may attend) or floating (added to the scores); received "
                f"integer dtype {raw.dtype}: for a 0/1 mask pass mask.astype(bool)"
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
    q, k, v = (t if t.dtype == work else t.astype(work) for t in (q, k, v))  # no needless copies
    return bk, q, k, v, mask, scale, out_dtype


def _causal_allowed(bk: Backend, L: int, S: int) -> Any:
    """``allowed[i, j] = j <= i`` (top-left aligned, as in PyTorch)."""
    xp = bk.xp
    return xp.arange(S)[None, :] <= xp.arange(L)[:, None]


def _masked_scores(bk: Backend, scores: Any, mask: Any, causal: Any) -> Any:
    """Scores with forbidden entries set to -inf (boolean masks) or shifted (float masks)."""
    xp = bk.xp
    if mask is not None and bk.dtype_kind(mask) != "b":
        scores = scores + mask.astype(scores.dtype)
        mask = None
    allowed = causal if mask is None else (mask if causal is None else xp.logical_and(mask, causal))
    if allowed is None:
        return scores
    return xp.where(allowed, scores, xp.array(-math.inf, dtype=scores.dtype))


# -- the generic reference --------------------------------------------------------
def _stable_softmax(bk: Backend, scores: Any) -> Any:
    """Row softmax that tolerates rows of -inf: such rows come out all zero."""
    xp = bk.xp
    m = xp.max(scores, axis=-1, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    e = xp.exp(scores - m)
    total = xp.sum(e, axis=-1, keepdims=True)
    return e / xp.where(total == 0, xp.ones_like(total), total)


def _generic_weights(bk: Backend, q: Any, k: Any, mask: Any, is_causal: bool, scale: float) -> Any:
    xp = bk.xp
    scores = xp.matmul(q * scale, xp.swapaxes(k, -1, -2))
    causal = _causal_allowed(bk, q.shape[-2], k.shape[-2]) if is_causal else None
    return _stable_softmax(bk, _masked_scores(bk, scores, mask, causal))


def _generic_attention(bk: Backend, q: Any, k: Any, v: Any, mask: Any, is_causal: bool, scale: float) -> Any:
    return bk.xp.matmul(_generic_weights(bk, q, k, mask, is_causal, scale), v)


def _chunked_attention(
    bk: Backend, q: Any, k: Any, v: Any, mask: Any, is_causal: bool, scale: float, chunk: int
) -> Any:
    """Keys in blocks of ``chunk`` with a running max ``m``, sum ``l`` and output ``acc``.

    For each block: ``m' = max(m, max s)``, ``l' = l·e^(m-m') + Σ e^(s-m')`` and
    ``acc' = acc·e^(m-m') + e^(s-m') V_block``; at the end ``out = acc / l``.
    """
    xp = bk.xp
    L, S = q.shape[-2], k.shape[-2]
    batch = tuple(np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2]))
    qs = q * scale
    m = xp.full(batch + (L, 1), -math.inf, dtype=q.dtype)
    total = xp.zeros(batch + (L, 1), dtype=q.dtype)
    acc = xp.zeros(batch + (L, v.shape[-1]), dtype=q.dtype)
    full_mask = None if mask is None else xp.broadcast_to(mask, tuple(mask.shape[:-2]) + (L, S))
    for start in range(0, S, chunk):
        stop = min(S, start + chunk)
        s = xp.matmul(qs, xp.swapaxes(k[..., start:stop, :], -1, -2))
        block_mask = None if full_mask is None else full_mask[..., start:stop]
        causal = None
        if is_causal:
            causal = xp.arange(start, stop)[None, :] <= xp.arange(L)[:, None]
        s = _masked_scores(bk, s, block_mask, causal)
        m_new = xp.maximum(m, xp.max(s, axis=-1, keepdims=True))
        shift = xp.where(xp.isfinite(m_new), m_new, xp.zeros_like(m_new))
        p = xp.exp(s - shift)
        fade = xp.exp(m - shift)  # 0 while nothing was seen (m = -inf)
        total = total * fade + xp.sum(p, axis=-1, keepdims=True)
        acc = acc * fade + xp.matmul(p, v[..., start:stop, :])
        m = m_new
    return acc / xp.where(total == 0, xp.ones_like(total), total)


# -- fast paths -----------------------------------------------------------------------
_TILE = 1 << 18  # score elements per tile: 1 MiB of float32 stays in L2 cache


def _numpy_attention(bk: Backend, q: Any, k: Any, v: Any, mask: Any, is_causal: bool, scale: float) -> Any:
    """Tiled NumPy kernel: scores of a few heads (or a block of rows) at a time, in place.

    Per tile: ``s = (scale·q) Kᵀ`` into a reused buffer, forbidden entries set to
    -inf, ``exp`` in place, then one product with ``[V | 1]`` gives both
    ``Σ e·v`` and the row sums ``Σ e``. No max is subtracted: rows whose sum
    over- or underflows (scores beyond about ±40) are recomputed with the
    stable generic formula, so the result is always the stable one.
    Additive (floating) masks go to the generic formula.
    """
    if mask is not None and mask.dtype != bool:
        return _generic_attention(bk, q, k, v, mask, is_causal, scale)
    batch = _batch_shape(q, k, v, mask)
    L, d, S, dv = q.shape[-2], q.shape[-1], k.shape[-2], v.shape[-1]
    G, dt = math.prod(batch), q.dtype
    qg = np.broadcast_to(q, batch + (L, d)).reshape(G, L, d)
    kg = np.broadcast_to(k, batch + (S, d)).reshape(G, S, d)
    vg = np.broadcast_to(v, batch + (S, dv)).reshape(G, S, dv)
    forbidden = None if mask is None else _forbidden(mask, batch, G, L, S)
    upper = np.triu(np.ones((L, S), dtype=bool), k=1) if is_causal else None
    out = np.empty((G, L, dv), dtype=dt)
    total = np.empty((G, L), dtype=dt)
    heads = max(1, _TILE // max(1, L * S))
    rows = L if heads > 1 else max(1, min(L, _TILE // max(1, S)))
    tiles = [(g0, min(G, g0 + heads), r0, min(L, r0 + rows)) for g0 in range(0, G, heads) for r0 in range(0, L, rows)]
    size = heads * rows * S

    def run(part: Iterable[tuple[int, int, int, int]]) -> None:
        buf = np.empty(size, dtype=dt)  # one score buffer per worker, reused for every tile
        va = np.empty((heads, S, dv + 1), dtype=dt)  # [V | 1]: the product also gives row sums
        va[..., dv] = 1
        loaded = -1
        for g0, g1, r0, r1 in part:
            if loaded != g0:
                va[: g1 - g0, :, :dv] = vg[g0:g1]
                loaded = g0
            cols = min(S, r1) if is_causal else S  # causal: later keys are never needed
            s = buf[: (g1 - g0) * (r1 - r0) * cols].reshape(g1 - g0, r1 - r0, cols)
            np.matmul(qg[g0:g1, r0:r1] * dt.type(scale), kg[g0:g1, :cols].transpose(0, 2, 1), out=s)
            if forbidden is not None:
                gs = slice(g0, g1) if forbidden.shape[0] > 1 else slice(None)
                rs = slice(r0, r1) if forbidden.shape[1] > 1 else slice(None)
                np.copyto(s, -np.inf, where=forbidden[gs, rs, :cols])
            if upper is not None:
                np.copyto(s, -np.inf, where=upper[r0:r1, :cols])
            np.exp(s, out=s)
            o = np.matmul(s, va[: g1 - g0, :cols])
            np.divide(o[..., :dv], o[..., dv:], out=out[g0:g1, r0:r1])
            total[g0:g1, r0:r1] = o[..., dv]

    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        _run_tiles(run, tiles, G * L * S)
        tiny, huge = (1e-20, 1e30) if dt == np.float32 else (1e-200, 1e300)
        bad = ~((total > tiny) & (total < huge))
        if not bad.any() and not np.isfinite(out).all():
            bad = ~np.isfinite(out).all(axis=-1)
    if bad.any():
        _repair_rows(bk, out, bad, qg, kg, vg, forbidden, upper, scale)
    return out.reshape(batch + (L, dv))


_PARALLEL_MIN = 1 << 21  # score elements below which one thread (plus threaded BLAS) is best


def _run_tiles(run: Callable[[Iterable], None], tiles: list, work: int) -> None:
    """Run the tiles on one thread per core (see :mod:`dotkit._threads`).

    The element-wise ``exp`` is single-threaded in NumPy, so splitting the tiles
    over cores, with BLAS held to one thread meanwhile, uses every core for all
    three steps. Small problems run on the calling thread with BLAS's own threads.
    """
    run_parts(run, tiles, parallel=work >= _PARALLEL_MIN)


def _batch_shape(q: Any, k: Any, v: Any, mask: Any) -> tuple[int, ...]:
    shapes = [q.shape[:-2], k.shape[:-2], v.shape[:-2]] + ([] if mask is None else [mask.shape[:-2]])
    return tuple(np.broadcast_shapes(*(tuple(t) for t in shapes)))


def _forbidden(mask: Any, batch: tuple[int, ...], G: int, L: int, S: int) -> Any:
    """``~mask`` as a ``(G or 1, L or 1, S)`` array: shared masks are not copied per head."""
    m = mask.reshape((1,) * (len(batch) + 2 - mask.ndim) + tuple(mask.shape))
    Lm = m.shape[-2]
    if all(n == 1 for n in m.shape[:-2]):
        return ~np.broadcast_to(m, m.shape[:-1] + (S,)).reshape(1, Lm, S)
    return ~np.broadcast_to(m, batch + (Lm, S)).reshape(G, Lm, S)


def _repair_rows(bk: Backend, out: Any, bad: Any, qg: Any, kg: Any, vg: Any,
                 forbidden: Any, upper: Any, scale: float) -> None:
    """Recompute the rows flagged in ``bad`` with the stable generic formula."""
    for g in np.unique(np.nonzero(bad)[0]):
        r = np.nonzero(bad[g])[0]
        s = np.matmul(qg[g, r] * scale, kg[g].T)
        blocked = np.zeros(s.shape, dtype=bool)
        if forbidden is not None:
            f = forbidden[g if forbidden.shape[0] > 1 else 0]
            blocked |= f[r] if f.shape[0] > 1 else f
        if upper is not None:
            blocked |= upper[r]
        out[g, r] = np.matmul(_stable_softmax(bk, np.where(blocked, -np.inf, s)), vg[g])


def _mlx_attention(bk: Backend, q: Any, k: Any, v: Any, mask: Any, is_causal: bool, scale: float) -> Any:
    """``mx.fast.scaled_dot_product_attention`` on ``(1, G, L, d)`` views, masks adapted to its rules.

    MLX's ``"causal"`` mask is aligned bottom-right, PyTorch's (and ours) top-left;
    they agree when ``L == S``, otherwise an explicit lower-triangular mask is passed.
    Rows with no allowed key are set to zero afterwards, as on the generic path.
    """
    mx = bk.xp
    batch = _batch_shape(q, k, v, mask)
    L, S, G = q.shape[-2], k.shape[-2], math.prod(batch)
    q4, k4, v4 = (mx.broadcast_to(t, batch + tuple(t.shape[-2:])).reshape(1, G, *t.shape[-2:]) for t in (q, k, v))
    if mask is None and (not is_causal or L == S):
        arg = "causal" if is_causal else None
        out = mx.fast.scaled_dot_product_attention(q4, k4, v4, scale=scale, mask=arg)
        return out.reshape(batch + (L, v.shape[-1]))
    allowed = None
    if mask is not None and bk.dtype_kind(mask) == "b":
        allowed = mx.broadcast_to(mask, batch + (L, S)).reshape(1, G, L, S)
    if is_causal:
        causal = _causal_allowed(bk, L, S)
        allowed = causal if allowed is None else mx.logical_and(allowed, causal)
    arg = allowed
    if mask is not None and bk.dtype_kind(mask) != "b":
        arg = mx.broadcast_to(mask.astype(q.dtype), batch + (L, S)).reshape(1, G, L, S)
        if allowed is not None:
            arg = mx.where(allowed, arg, mx.array(-math.inf, dtype=q.dtype))
    out = mx.fast.scaled_dot_product_attention(q4, k4, v4, scale=scale, mask=arg)
    if allowed is not None:
        out = mx.where(mx.any(allowed, axis=-1, keepdims=True), out, mx.zeros_like(out))
    return out.reshape(batch + (L, v.shape[-1]))


_FAST_PATHS: dict[str, Callable[..., Any]] = {
    "numpy": _numpy_attention,
    "mlx": _mlx_attention,
}


def _fast_path(bk: Backend) -> Callable[..., Any] | None:
    """The backend's fast path for attention, registering dotkit's own on first use."""
    fn = bk.fast_path(_OP)
    if fn is None and bk.array_module in _FAST_PATHS and _OP not in bk._fast_paths:
        fn = bk._fast_paths[_OP] = _FAST_PATHS[bk.array_module]
    return fn


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
        fast: use the backend's fast path when it has one (NumPy: a tiled in-place
            kernel; MLX: ``mx.fast.scaled_dot_product_attention``). ``False``
            forces the generic reference formula.
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
        out = _chunked_attention(bk, q, k, v, mask, bool(is_causal), scale, chunk)
    else:
        fn = _fast_path(bk) if fast else None
        out = (fn or _generic_attention)(bk, q, k, v, mask, bool(is_causal), scale)
    return out if out.dtype == out_dtype else out.astype(out_dtype)


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
    q, k = (t if t.dtype == work else t.astype(work) for t in (q, k))
    return _generic_weights(bk, q, k, mask, _check_causal(op, is_causal), scale)


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
    return bk.xp.swapaxes(x.reshape(*lead, L, n_heads, D // n_heads), -2, -3)


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
    return bk.xp.swapaxes(x, -2, -3).reshape(*lead, L, H * dh)


def _project(bk: Backend, op: str, name: str, x: Any, w: Any, b: Any, d_in: int) -> Any:
    from dotkit.linalg import matmul

    w = as_array(op, name, w, bk, ndim=2, allow_int=False)
    if w.shape[0] != d_in:
        raise ShapeError(
            f"{op}: {name} must have shape (d_in, d_out) with d_in={d_in} (it multiplies x "
            f"from the right: x @ {name}); received {name}.shape={tuple(w.shape)}"
        )
    flat = x.reshape(-1, d_in)  # one 2-D product for the whole batch
    y = matmul(flat, w if w.dtype == x.dtype else w.astype(x.dtype), backend=bk)
    if b is not None:
        bname = "b" + name[1:]
        b = as_array(op, bname, b, bk, ndim=1, allow_int=False)
        if b.shape[0] != w.shape[1]:
            raise ShapeError(
                f"{op}: {bname} must have shape ({w.shape[1]},); received {bname}.shape={tuple(b.shape)}"
            )
        y = y + (b if b.dtype == x.dtype else b.astype(x.dtype))
    return y.reshape(*x.shape[:-1], w.shape[1])


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

    ``Q = x W_q + b_q``, ``K = x W_k + b_k``, ``V = x W_v + b_v``, each split into
    ``n_heads`` slices of ``d_head = D / n_heads`` features; every head runs
    :func:`scaled_dot_product_attention` with ``scale = 1/√d_head``; the heads'
    outputs are concatenated and projected: ``out = concat(heads) W_o + b_o``.

    Args:
        x: ``(..., L, D_in)``.
        w_q, w_k, w_v: ``(D_in, D)`` (they multiply from the right, ``x @ w``;
            a PyTorch ``Linear`` weight is the transpose). ``D % n_heads == 0``.
        w_o: ``(D, D_out)``.
        n_heads: number of heads.
        b_q, b_k, b_v, b_o: optional biases ``(D,)`` / ``(D_out,)``.
        mask: boolean, broadcastable to ``(..., n_heads, L, L)``; True = may attend.
            A key-padding mask of shape ``(B, L)`` is written ``mask[:, None, None, :]``.
        is_causal: each position sees only itself and earlier ones.
        fast: allow the backend's attention fast path.

    Returns:
        ``(..., L, D_out)``.

    Example:
        >>> x = np.eye(3)
        >>> I = np.eye(3)
        >>> multi_head_attention(x, I, I, I, I, n_heads=1).shape
        (3, 3)
    """
    op = "multi_head_attention"
    bk = resolve(op, x, w_q, w_k, w_v, w_o, backend=backend)
    x = as_array(op, "x", x, bk, min_ndim=2, allow_int=False)
    n_heads = check_positive_int(op, "n_heads", n_heads)
    d_in = x.shape[-1]
    qp = _project(bk, op, "w_q", x, w_q, b_q, d_in)
    kp = _project(bk, op, "w_k", x, w_k, b_k, d_in)
    vp = _project(bk, op, "w_v", x, w_v, b_v, d_in)
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
    return _project(bk, op, "w_o", merged, w_o, b_o, merged.shape[-1])


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
    phi = feature_map if feature_map is not None else (lambda t: xp.where(t > 0, t + 1, xp.exp(xp.minimum(t, 0))))
    fq, fk = phi(q), phi(k)
    if not (bk.owns(fq) and bk.owns(fk)) or fq.shape[-1] != fk.shape[-1]:
        raise DtypeError(
            f"{op}: feature_map must return arrays of the same backend with equal feature sizes; "
            f"received {type(fq).__name__} {getattr(fq, 'shape', None)} and "
            f"{type(fk).__name__} {getattr(fk, 'shape', None)}"
        )
    kv = xp.matmul(xp.swapaxes(fk, -1, -2), v)  # (..., r, d_v): keys summed first
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
