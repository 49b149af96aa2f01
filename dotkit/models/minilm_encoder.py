"""The encoder of all-MiniLM-L6-v2 as kernels: one padded batch of token ids to unit-length sentence vectors.

Each layer is, on the ``(B·T, D)`` matrix ``h`` of token vectors (``B``
sentences padded to ``T`` tokens, ``D = 384``)::

    [Q | K | V] = h W_qkvᵀ + b_qkv                      one product for the three projections
    a  = attention(Q, K, V) per head, padding masked    12 heads of 32 features
    h  = LayerNorm(h + a W_oᵀ + b_o)
    h  = LayerNorm(h + GELU(h W_inᵀ + b_in) W_outᵀ + b_out)

with every ``W`` in PyTorch's ``(out, in)`` layout, dotkit's one dense layer
(:func:`dotkit.nn.layers.dense_kernel`), and LayerNorm dotkit's one layer norm
(:func:`dotkit.nn.normalization.layer_norm_kernel`).

and the sentence vector is the mean of the last layer's token vectors
(padding excluded), scaled to length 1. The functions here take arrays of one
backend and check nothing: :class:`dotkit.models.minilm.MiniLM` checks its
input once and calls them for every batch. Element-wise steps work in place
on the temporaries they own, so a layer makes no copy it does not need.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from dotkit.backends import Backend
from dotkit.nn.activations import gelu_kernel
from dotkit.nn.attention_kernels import attention_kernel
from dotkit.nn.layers import dense_kernel
from dotkit.nn.normalization import layer_norm_kernel


class LayerWeights(NamedTuple):
    """One encoder layer's weights, linear maps in PyTorch's ``(out, in)`` layout: ``y = x Wᵀ + b``.

    The layout of every dense layer in dotkit (:func:`dotkit.nn.layers.dense_kernel`).
    ``w_qkv`` is ``W_q``, ``W_k`` and ``W_v`` stacked row-wise, ``(3·D, D)``: the three
    projections as one product; ``w_q``, ``w_k``, ``w_v`` (and their biases) are its thirds.
    ``w_in`` is ``(1536, D)``, ``w_out`` ``(D, 1536)``.
    """

    w_qkv: Any
    b_qkv: Any
    w_o: Any
    b_o: Any
    ln1_g: Any
    ln1_b: Any
    w_in: Any
    b_in: Any
    w_out: Any
    b_out: Any
    ln2_g: Any
    ln2_b: Any

    def _third(self, a: Any, i: int) -> Any:
        d = a.shape[0] // 3
        return a[i * d:(i + 1) * d, ...]

    @property
    def w_q(self) -> Any:
        """``W_q``, ``(D, D)``: rows ``0:D`` of ``w_qkv``."""
        return self._third(self.w_qkv, 0)

    @property
    def w_k(self) -> Any:
        """``W_k``, ``(D, D)``: rows ``D:2D`` of ``w_qkv``."""
        return self._third(self.w_qkv, 1)

    @property
    def w_v(self) -> Any:
        """``W_v``, ``(D, D)``: rows ``2D:3D`` of ``w_qkv``."""
        return self._third(self.w_qkv, 2)

    @property
    def b_q(self) -> Any:
        return self._third(self.b_qkv, 0)

    @property
    def b_k(self) -> Any:
        return self._third(self.b_qkv, 1)

    @property
    def b_v(self) -> Any:
        return self._third(self.b_qkv, 2)


def gelu(bk: Backend, x: Any, fast: bool) -> Any:
    """The exact GELU ``x · Φ(x)``: the backend's fast path for ``"gelu"`` if ``fast``, else the kernel.

    (The tanh approximation would be off by about 1e-3: this model was trained with the erf form.)
    """
    fn = bk.fast_path("gelu") if fast else None
    return fn(x) if fn is not None else gelu_kernel(bk, x)


def embed(bk: Backend, emb: dict[str, Any], tok: Any, eps: float) -> Any:
    """Token + position + token-type embeddings, layer-normed: ``(B·T, D)`` for ids ``tok`` ``(B, T)``."""
    xp = bk.xp
    B, T = tok.shape
    h = xp.take(emb["word"], xp.reshape(tok, (B * T,)), axis=0)
    h = xp.reshape(h, (B, T, -1))
    h += emb["pos"][:T, :]
    h += emb["type"]
    return layer_norm_kernel(xp, xp.reshape(h, (B * T, -1)), emb["ln_g"], emb["ln_b"], eps)


def split_qkv(bk: Backend, h: Any, w: LayerWeights, shape: tuple[int, int, int]) -> tuple[Any, Any, Any]:
    """Queries, keys and values of ``h`` ``(B·T, D)``, each ``(B, heads, T, d_head)``, from one product.

    ``shape`` is ``(B, T, heads)``.
    """
    xp = bk.xp
    B, T, heads = shape
    qkv = xp.reshape(dense_kernel(xp, h, w.w_qkv, w.b_qkv), (B, T, 3, heads, -1))
    q, k, v = (xp.permute_dims(qkv[:, :, i, ...], (0, 2, 1, 3)) for i in range(3))
    return q, k, v


def self_attention(bk: Backend, h: Any, w: LayerWeights, allowed: Any, shape: tuple[int, int, int],
                   fast: bool) -> Any:
    """Multi-head self-attention of ``h`` ``(B·T, D)``: ``(B·T, D)``, before the output projection.

    ``shape`` is ``(B, T, heads)``; ``allowed`` ``(B, 1, 1, T)`` masks the padding keys (None: none).
    """
    xp = bk.xp
    B, T, _ = shape
    q, k, v = split_qkv(bk, h, w, shape)
    scale = 1.0 / math.sqrt(q.shape[-1])
    attend = bk.fast_path("scaled_dot_product_attention") if fast else None
    if attend is not None:
        a = attend(q, k, v, allowed, False, scale)
    else:
        a = attention_kernel(bk, q, k, v, allowed, False, scale)
    return xp.reshape(xp.permute_dims(a, (0, 2, 1, 3)), (B * T, -1))


def encoder_layer(bk: Backend, h: Any, w: LayerWeights, allowed: Any, shape: tuple[int, int, int],
                  eps: float, fast: bool) -> Any:
    """One encoder layer: attention and feed-forward, each with its residual sum and layer norm."""
    xp = bk.xp
    a = dense_kernel(xp, self_attention(bk, h, w, allowed, shape, fast), w.w_o, w.b_o)
    a += h
    h = layer_norm_kernel(xp, a, w.ln1_g, w.ln1_b, eps)  # a, a temporary of this layer, becomes h
    f = dense_kernel(xp, gelu(bk, dense_kernel(xp, h, w.w_in, w.b_in), fast), w.w_out, w.b_out)
    f += h
    return layer_norm_kernel(xp, f, w.ln2_g, w.ln2_b, eps)


def mean_pool(bk: Backend, h: Any, mask: Any) -> Any:
    """The mean of each sentence's token vectors (padding excluded), scaled to length 1: ``(B, D)``.

    ``h`` is ``(B, T, D)``, ``mask`` ``(B, T)`` floating, 1 for a token and 0 for padding.
    """
    xp = bk.xp
    m = mask[..., None]
    mean = xp.sum(h * m, axis=1) / xp.maximum(xp.sum(m, axis=1), 1e-9)
    length = xp.sqrt(xp.sum(mean * mean, axis=-1, keepdims=True))
    return mean / xp.maximum(length, 1e-12)


def encode_batch(bk: Backend, emb: dict[str, Any], layers: list[LayerWeights], tok: Any, mask: Any,
                 n_heads: int, eps: float, fast: bool) -> Any:
    """One padded batch through the network: ``(B, D)`` unit-length embeddings.

    ``tok`` ``(B, T)`` are token ids, ``mask`` ``(B, T)`` boolean (True for a token).
    """
    xp = bk.xp
    B, T = tok.shape
    h = embed(bk, emb, tok, eps)
    allowed = xp.reshape(mask, (B, 1, 1, T))  # keys only: padding is never attended to
    for w in layers:
        h = encoder_layer(bk, h, w, allowed, (B, T, n_heads), eps, fast)
    return mean_pool(bk, xp.reshape(h, (B, T, -1)), bk.cast(mask, h.dtype))


__all__ = ["LayerWeights", "embed", "encode_batch", "encoder_layer", "gelu", "mean_pool", "self_attention",
           "split_qkv"]
