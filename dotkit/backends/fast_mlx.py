"""The MLX backend's fast paths: MLX's own conv2d and fused attention, declared in :class:`MlxBackend.fast_paths`.

Both adapt dotkit's conventions to MLX's: NCHW images and OIHW filters to
MLX's channels-last layouts, and attention masks to the rules of
``mx.fast.scaled_dot_product_attention``. The conformance tests compare each
with its kernel. Arguments arrive checked, as MLX arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _mx() -> Any:
    import mlx.core as mx

    return mx


def conv2d(x: Any, w: Any, b: Any, stride: tuple[int, int], padding: tuple[int, int]) -> Any:
    """``mx.conv2d`` works in NHWC with OHWI weights: transpose in and out."""
    mx = _mx()
    out = mx.conv2d(mx.transpose(x, (0, 2, 3, 1)), mx.transpose(w, (0, 2, 3, 1)),
                    stride=tuple(stride), padding=tuple(padding))
    if b is not None:
        out = out + b
    return mx.transpose(out, (0, 3, 1, 2))


def scaled_dot_product_attention(q: Any, k: Any, v: Any, mask: Any, is_causal: bool, scale: float) -> Any:
    """``mx.fast.scaled_dot_product_attention`` on ``(1, G, L, d)`` views, masks adapted to its rules.

    MLX's ``"causal"`` mask is aligned bottom-right, PyTorch's (and ours) top-left;
    they agree when ``L == S``, otherwise an explicit lower-triangular mask is passed.
    Rows with no allowed key are set to zero afterwards, as on the kernel.
    """
    mx = _mx()
    shapes = [tuple(t.shape[:-2]) for t in (q, k, v)] + ([] if mask is None else [tuple(mask.shape[:-2])])
    batch = tuple(np.broadcast_shapes(*shapes))
    L, S, G = q.shape[-2], k.shape[-2], math.prod(batch)
    q4, k4, v4 = (mx.broadcast_to(t, batch + tuple(t.shape[-2:])).reshape(1, G, *t.shape[-2:]) for t in (q, k, v))
    if mask is None and (not is_causal or L == S):
        out = mx.fast.scaled_dot_product_attention(q4, k4, v4, scale=scale, mask="causal" if is_causal else None)
        return out.reshape(batch + (L, v.shape[-1]))
    allowed = None
    if mask is not None and mask.dtype == mx.bool_:
        allowed = mx.broadcast_to(mask, batch + (L, S)).reshape(1, G, L, S)
    if is_causal:
        causal = mx.arange(S)[None, :] <= mx.arange(L)[:, None]
        allowed = causal if allowed is None else mx.logical_and(allowed, causal)
    arg = allowed
    if mask is not None and mask.dtype != mx.bool_:
        arg = mx.broadcast_to(mask.astype(q.dtype), batch + (L, S)).reshape(1, G, L, S)
        if allowed is not None:
            arg = mx.where(allowed, arg, mx.array(-math.inf, dtype=q.dtype))
    out = mx.fast.scaled_dot_product_attention(q4, k4, v4, scale=scale, mask=arg)
    if allowed is not None:
        out = mx.where(mx.any(allowed, axis=-1, keepdims=True), out, mx.zeros_like(out))
    return out.reshape(batch + (L, v.shape[-1]))


__all__ = ["conv2d", "scaled_dot_product_attention"]
