"""Attention's formula as code, on arrays of one backend: no checks, no conversion.

::

    scores  = Q Kᵀ · scale                 (..., L, S)   every query dotted with every key
    weights = softmax(scores, axis=-1)     (..., L, S)   each row sums to 1
    out     = weights V                    (..., L, d_v) a weighted mean of the values

:func:`attention_kernel` is the formula as written, the reference that every
backend's fast path is tested against; :func:`chunked_attention_kernel` takes
the keys in blocks with an *online* softmax, so that its memory is
O(L·(d_v + chunk)) instead of O(L·S). A boolean mask says which keys a query
may attend to (True = allowed); a floating mask is added to the scores. A
query that may attend to no key gets weights of zero and an output of zero.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dotkit.backends import Backend
from dotkit.nn.activations import softmax_kernel


def causal_allowed(bk: Backend, L: int, S: int) -> Any:
    """``allowed[i, j] = j <= i`` (top-left aligned, as in PyTorch)."""
    xp = bk.xp
    return xp.arange(S)[None, :] <= xp.arange(L)[:, None]


def masked_scores(bk: Backend, scores: Any, mask: Any, causal: Any) -> Any:
    """Scores with forbidden entries set to -inf (boolean masks) or shifted (float masks)."""
    xp = bk.xp
    if mask is not None and bk.dtype_kind(mask) != "b":
        scores = scores + bk.cast(mask, scores.dtype)
        mask = None
    allowed = causal if mask is None else (mask if causal is None else xp.logical_and(mask, causal))
    if allowed is None:
        return scores
    return xp.where(allowed, scores, xp.asarray(-math.inf, dtype=scores.dtype))


# -- the reference --------------------------------------------------------
def stable_softmax(bk: Backend, scores: Any) -> Any:
    """Row softmax of the scores by :func:`dotkit.nn.activations.softmax_kernel`, with attention's rule.

    A row of all ``-inf`` (a query that may attend to no key) comes out all zero;
    a row with ``+inf`` scores gets softmax's limit, as :func:`dotkit.softmax` does:
    all the weight, shared equally, on those keys.
    """
    return softmax_kernel(bk, scores, -1, empty_rows_zero=True)


def attention_weights_kernel(bk: Backend, q: Any, k: Any, mask: Any, is_causal: bool, scale: float) -> Any:
    xp = bk.xp
    scores = xp.matmul(q * scale, xp.matrix_transpose(k))
    causal = causal_allowed(bk, q.shape[-2], k.shape[-2]) if is_causal else None
    return stable_softmax(bk, masked_scores(bk, scores, mask, causal))


def attention_kernel(bk: Backend, q: Any, k: Any, v: Any, mask: Any, is_causal: bool, scale: float) -> Any:
    """``softmax(Q Kᵀ · scale + mask) V``: the reference every fast path is compared with."""
    return bk.xp.matmul(attention_weights_kernel(bk, q, k, mask, is_causal, scale), v)


def chunked_attention_kernel(
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
        s = xp.matmul(qs, xp.matrix_transpose(k[..., start:stop, :]))
        block_mask = None if full_mask is None else full_mask[..., start:stop]
        causal = None
        if is_causal:
            causal = xp.arange(start, stop)[None, :] <= xp.arange(L)[:, None]
        s = masked_scores(bk, s, block_mask, causal)
        m_new = xp.maximum(m, xp.max(s, axis=-1, keepdims=True))
        shift = xp.where(xp.isfinite(m_new), m_new, xp.zeros_like(m_new))
        p = xp.exp(s - shift)
        fade = xp.exp(m - shift)  # 0 while nothing was seen (m = -inf)
        total = total * fade + xp.sum(p, axis=-1, keepdims=True)
        acc = acc * fade + xp.matmul(p, v[..., start:stop, :])
        m = m_new
    return acc / xp.where(total == 0, xp.ones_like(total), total)

__all__ = ["attention_kernel", "attention_weights_kernel", "causal_allowed", "chunked_attention_kernel",
           "masked_scores", "stable_softmax"]
