"""conv2d, max pooling, scaled dot-product attention (fast path and kernel) and multi-head attention,
against NumPy float64."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dotkit as dk
from dotkit.nn.conv import max_pool2d
from dotkit.testing.cases import fast_path_cases
from dotkit.testing.compare import assert_close
from dotkit.testing.support import DTYPES, Draw, dtype_name


def _conv_reference(x: np.ndarray, w: np.ndarray, b: Any, stride: tuple, padding: tuple) -> np.ndarray:
    (sh, sw), (ph, pw) = stride, padding
    xp_ = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    kh, kw = w.shape[2:]
    ho, wo = (xp_.shape[2] - kh) // sh + 1, (xp_.shape[3] - kw) // sw + 1
    out = np.zeros((x.shape[0], w.shape[0], ho, wo))
    for i in range(ho):
        for j in range(wo):  # one dot product per output value: patch · filter
            out[:, :, i, j] = np.einsum("nchw,ochw->no", xp_[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw], w)
    return out if b is None else out + b[None, :, None, None]


@pytest.mark.dotkit_op("conv2d")
@pytest.mark.parametrize("fast", (True, False), ids=("fast", "kernel"))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("stride", "padding"), [((1, 1), (0, 0)), ((2, 1), (1, 2))])
def test_conv2d(dotkit_backend: Any, dtype: str, fast: bool, stride: tuple, padding: tuple) -> None:
    draw = Draw(dotkit_backend, dtype, seed=10)
    (x, x64), (w, w64), (b, b64) = draw(2, 3, 8, 7), draw(4, 3, 3, 2), draw(4)
    out = dk.conv2d(x, w, b, stride=stride, padding=padding, fast=fast)
    assert dtype_name(out) == dtype
    assert_close(dotkit_backend, out, _conv_reference(x64, w64, b64, stride, padding), dtype, "conv2d")


@pytest.mark.dotkit_op("max_pool2d")
def test_max_pool2d(dotkit_backend: Any) -> None:
    x, x64 = Draw(dotkit_backend, "float32", seed=11)(2, 3, 7, 6)
    want = x64[:, :, :6, :6].reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5))
    assert_close(dotkit_backend, max_pool2d(x, 2), want, "float32", "max_pool2d")


def _attention_reference(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: Any, causal: bool,
                         scale: float) -> np.ndarray:
    s = q @ np.swapaxes(k, -1, -2) * scale
    allowed = np.ones(s.shape, dtype=bool)
    if mask is not None and mask.dtype == bool:
        allowed &= mask
    elif mask is not None:
        s = s + mask
    if causal:
        allowed &= np.tril(np.ones(s.shape[-2:], dtype=bool))
    s = np.where(allowed, s, -np.inf)
    top = np.max(s, axis=-1, keepdims=True)
    e = np.where(allowed, np.exp(s - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    return (e / np.where(total > 0, total, 1.0)) @ v  # a query with no allowed key gets zeros


@pytest.mark.dotkit_op("scaled_dot_product_attention")
@pytest.mark.parametrize("fast", (True, False), ids=("fast", "kernel"))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mask_kind", ("none", "bool", "float"))
@pytest.mark.parametrize("causal", (False, True))
def test_scaled_dot_product_attention(dotkit_backend: Any, dtype: str, fast: bool, mask_kind: str,
                                      causal: bool) -> None:
    bk = dotkit_backend
    draw = Draw(bk, dtype, seed=12)
    (q, q64), (k, k64), (v, v64) = draw(2, 3, 5, 4), draw(2, 3, 6, 4), draw(2, 3, 6, 3)
    mask = mask64 = None
    if mask_kind == "bool":
        mask64 = np.random.default_rng(13).random((5, 6)) > 0.3
        mask64[1] = False  # one query that may attend to nothing: zeros
        mask = bk.asarray(mask64)
    elif mask_kind == "float":
        mask, mask64 = draw(5, 6)
    out = dk.scaled_dot_product_attention(q, k, v, mask=mask, is_causal=causal, scale=0.5, fast=fast)
    assert dtype_name(out) == dtype
    assert_close(bk, out, _attention_reference(q64, k64, v64, mask64, causal, 0.5), dtype, "attention")


@pytest.mark.dotkit_op("multi_head_attention")
@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_head_attention(dotkit_backend: Any, dtype: str) -> None:
    # widths 6 -> 8 -> 3 and (out, in) weights, the one dense layout, so a transposed weight cannot pass
    draw = Draw(dotkit_backend, dtype, seed=14)
    (x, x64), (b_q, bq64), (b_o, bo64) = draw(2, 5, 6), draw(8), draw(3)
    (w_q, wq64), (w_k, wk64), (w_v, wv64) = (draw(8, 6, scale=0.4) for _ in range(3))
    w_o, wo64 = draw(3, 8, scale=0.4)
    out = dk.multi_head_attention(x, w_q, w_k, w_v, w_o, 2, b_q=b_q, b_o=b_o, is_causal=True)
    assert dtype_name(out) == dtype

    def heads(y: np.ndarray) -> np.ndarray:  # (2, 5, 8) -> (2, heads, 5, 4): head h owns columns 4h to 4h + 3
        return y.reshape(2, 5, 2, 4).transpose(0, 2, 1, 3)

    per_head = _attention_reference(heads(x64 @ wq64.T + bq64), heads(x64 @ wk64.T), heads(x64 @ wv64.T),
                                    None, True, 0.5)  # scale 1/√4
    want = per_head.transpose(0, 2, 1, 3).reshape(2, 5, 8) @ wo64.T + bo64
    assert_close(dotkit_backend, out, want, dtype, "multi_head_attention")


def test_declared_fast_paths_agree_with_their_kernels(dotkit_backend: Any) -> None:
    bk = dotkit_backend
    declared = sorted(type(bk).fast_paths)
    if not declared:
        pytest.skip(f"the {bk.name} backend declares no fast paths")
    for op in declared:
        fn = bk.fast_path(op)
        assert callable(fn), f"{bk.name}: the fast path for {op!r} did not resolve"
        for label, args, kernel in fast_path_cases(bk, op):
            want = bk.to_numpy(kernel())
            assert_close(bk, fn(*args), want, "float32", f"{op} fast path, {label}")
