"""Attention on every backend against a plain float64 NumPy reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dotkit as dk
from dotkit.errors import InputValueError, ShapeError
from dotkit.nn.attention import (
    attention_weights,
    linear_attention,
    merge_heads,
    multi_head_attention,
    split_heads,
)
from dotkit.nn.attention import (
    scaled_dot_product_attention as sdpa,
)

F32 = {"rtol": 1e-4, "atol": 1e-5}  # float32 results against the float64 oracle
PATHS = [{}, {"fast": False}, {"chunk_size": 3}, {"chunk_size": 1000}]


def reference(q, k, v, mask=None, is_causal=False, scale=None):
    """softmax(q kᵀ · scale) v in float64, written from the definition."""
    q, k, v = (np.asarray(t, dtype=np.float64) for t in (q, k, v))
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    allowed = np.ones(s.shape, dtype=bool)
    if mask is not None:
        allowed = allowed & np.asarray(mask)
    if is_causal:
        allowed = allowed & np.tril(np.ones(s.shape[-2:], dtype=bool))
    s = np.where(allowed, s, -np.inf)
    out_w = np.zeros_like(s)
    rows = allowed.any(-1)
    m = np.where(rows, np.max(np.where(allowed, s, -1e300), axis=-1), 0.0)[..., None]
    e = np.where(allowed, np.exp(s - m), 0.0)
    total = e.sum(-1, keepdims=True)
    out_w = np.divide(e, total, out=out_w, where=total > 0)
    return out_w @ v, out_w


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def on(bk, *arrays):
    return [dk.asarray(a, backend=bk) for a in arrays]


SHAPES = [
    ((5, 8), (7, 8), (7, 4)),  # one head
    ((2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 6)),  # batch and heads, d_v != d
    ((2, 1, 6, 4), (3, 6, 4), (1, 6, 4)),  # broadcast leading axes
]


@pytest.mark.parametrize("shapes", SHAPES, ids=["2d", "4d", "broadcast"])
@pytest.mark.parametrize("path", PATHS, ids=["fast", "generic", "chunk3", "chunkbig"])
def test_sdpa_matches_reference(backend, rng, shapes, path) -> None:
    q, k, v = (f32(rng, *s) for s in shapes)
    L, S = q.shape[-2], k.shape[-2]
    mask = rng.random((L, S)) > 0.4
    mask[:, 0] = True
    cases = [
        {},
        {"mask": mask},
        {"is_causal": True},
        {"scale": 0.37},
        {"mask": mask, "is_causal": True, "scale": 1.5},
    ]
    for kw in cases:
        want, _ = reference(q, k, v, **kw)
        got = dk.to_numpy(sdpa(*on(backend, q, k, v), **kw, **path))
        np.testing.assert_allclose(got, want, **F32, err_msg=str(kw))


@pytest.mark.parametrize("path", PATHS, ids=["fast", "generic", "chunk3", "chunkbig"])
def test_mask_batched_per_head_and_key_padding(backend, rng, path) -> None:
    q, k, v = f32(rng, 2, 3, 4, 8), f32(rng, 2, 3, 6, 8), f32(rng, 2, 3, 6, 5)
    per_head = rng.random((2, 3, 4, 6)) > 0.3
    padding = np.array([[True] * 6, [True] * 4 + [False] * 2])[:, None, None, :]
    for mask in (per_head, padding):
        want, _ = reference(q, k, v, mask=mask)
        got = dk.to_numpy(sdpa(*on(backend, q, k, v), mask=mask, **path))
        np.testing.assert_allclose(got, want, **F32)


@pytest.mark.parametrize("L,S", [(3, 6), (6, 3)])
def test_causal_is_top_left_aligned_when_lengths_differ(backend, rng, L, S) -> None:
    q, k, v = f32(rng, 2, L, 4), f32(rng, 2, S, 4), f32(rng, 2, S, 3)
    want, _ = reference(q, k, v, is_causal=True)
    for path in PATHS:
        got = dk.to_numpy(sdpa(*on(backend, q, k, v), is_causal=True, **path))
        np.testing.assert_allclose(got, want, **F32, err_msg=str(path))


@pytest.mark.parametrize("path", PATHS, ids=["fast", "generic", "chunk3", "chunkbig"])
def test_fully_masked_query_gets_zeros(backend, rng, path) -> None:
    q, k, v = f32(rng, 2, 4, 8), f32(rng, 2, 5, 8), f32(rng, 2, 5, 3)
    mask = np.ones((2, 4, 5), dtype=bool)
    mask[0, 1] = False
    mask[1, 3] = False
    got = dk.to_numpy(sdpa(*on(backend, q, k, v), mask=mask, **path))
    assert np.isfinite(got).all()
    np.testing.assert_array_equal(got[0, 1], 0.0)
    np.testing.assert_array_equal(got[1, 3], 0.0)
    np.testing.assert_allclose(got, reference(q, k, v, mask=mask)[0], **F32)
    w = dk.to_numpy(attention_weights(*on(backend, q, k), mask=mask))
    np.testing.assert_array_equal(w[0, 1], 0.0)


@pytest.mark.parametrize("path", PATHS, ids=["fast", "generic", "chunk3", "chunkbig"])
def test_huge_logits_stay_finite(backend, rng, path) -> None:
    q = np.array([[1e4, 0.0], [0.0, -1e4], [30.0, 30.0], [-60.0, 0.0]], dtype=np.float32)
    k = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]], dtype=np.float32)
    v = f32(rng, 4, 3)
    got = dk.to_numpy(sdpa(*on(backend, q, k, v), scale=1.0, **path))
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, reference(q, k, v, scale=1.0)[0], **F32)


def test_additive_float_mask_equals_boolean(backend, rng) -> None:
    q, k, v = f32(rng, 3, 4, 8), f32(rng, 3, 6, 8), f32(rng, 3, 6, 2)
    mask = rng.random((4, 6)) > 0.3
    mask[:, 0] = True
    additive = np.where(mask, 0.0, -np.inf).astype(np.float32)
    want, _ = reference(q, k, v, mask=mask)
    for path in PATHS:
        got = dk.to_numpy(sdpa(*on(backend, q, k, v), mask=dk.asarray(additive, backend=backend), **path))
        np.testing.assert_allclose(got, want, **F32, err_msg=str(path))


def test_numpy_fast_kernel_tiles_and_threads(rng) -> None:
    """Sizes that make the NumPy kernel split rows into tiles and run them on threads."""
    q, k, v = f32(rng, 8, 600, 16), f32(rng, 8, 520, 16), f32(rng, 8, 520, 8)
    mask = rng.random((8, 1, 520)) > 0.2
    for kw in ({}, {"is_causal": True}, {"mask": mask}):
        want, _ = reference(q, k, v, **kw)
        got = sdpa(q, k, v, **kw)
        np.testing.assert_allclose(got, want, **F32, err_msg=str(kw))


def test_chunked_equals_plain_for_many_chunk_sizes(backend, rng) -> None:
    q, k, v = f32(rng, 2, 9, 8), f32(rng, 2, 13, 8), f32(rng, 2, 13, 4)
    mask = rng.random((2, 9, 13)) > 0.5
    plain = dk.to_numpy(sdpa(*on(backend, q, k, v), mask=mask, is_causal=True, fast=False))
    for chunk in (1, 2, 5, 12, 13, 64):
        got = dk.to_numpy(sdpa(*on(backend, q, k, v), mask=mask, is_causal=True, chunk_size=chunk))
        np.testing.assert_allclose(got, plain, rtol=1e-5, atol=1e-6, err_msg=f"chunk={chunk}")


def test_mlx_fast_path_equals_generic(rng) -> None:
    pytest.importorskip("mlx.core")
    bk = dk.get_backend("mlx")
    q, k, v = f32(rng, 2, 3, 7, 16), f32(rng, 2, 3, 9, 16), f32(rng, 2, 3, 9, 16)
    padding = rng.random((2, 1, 1, 9)) > 0.3
    cases = [{}, {"mask": padding}, {"is_causal": True}, {"scale": 0.2, "mask": padding, "is_causal": True}]
    for kw in cases:
        fast = dk.to_numpy(sdpa(*on(bk, q, k, v), **kw))
        generic = dk.to_numpy(sdpa(*on(bk, q, k, v), fast=False, **kw))
        np.testing.assert_allclose(fast, generic, rtol=1e-4, atol=1e-5, err_msg=str(kw))
    assert bk.fast_path("scaled_dot_product_attention") is not None
    same = f32(rng, 2, 3, 9, 16)  # L == S: MLX's own "causal" string
    fast = dk.to_numpy(sdpa(*on(bk, same, k, v), is_causal=True))
    np.testing.assert_allclose(fast, reference(same, k, v, is_causal=True)[0], **F32)


def test_float16_in_float16_out(backend, rng) -> None:
    q, k, v = (f32(rng, 4, 8).astype(np.float16) for _ in range(3))
    got = sdpa(*on(backend, q, k, v))
    assert dk.to_numpy(got).dtype == np.float16
    np.testing.assert_allclose(dk.to_numpy(got), reference(q, k, v)[0], rtol=1e-2, atol=1e-2)


def test_default_scale_is_inverse_sqrt_d(backend, rng) -> None:
    q, k, v = f32(rng, 3, 16), f32(rng, 5, 16), f32(rng, 5, 2)
    got = dk.to_numpy(sdpa(*on(backend, q, k, v)))
    np.testing.assert_allclose(got, reference(q, k, v, scale=0.25)[0], **F32)


def test_attention_weights_are_distributions(backend, rng) -> None:
    q, k = f32(rng, 2, 5, 8), f32(rng, 2, 6, 8)
    w = dk.to_numpy(attention_weights(*on(backend, q, k), is_causal=True))
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(w, reference(q, k, k, is_causal=True)[1], **F32)
    assert np.all(np.triu(w[0], k=1) == 0)


def test_multi_head_attention_matches_a_loop_over_heads(backend, rng) -> None:
    # three different widths, so a weight taken the wrong way round cannot pass
    B, L, D_in, D, D_out, H = 2, 5, 10, 12, 7, 3
    x = f32(rng, B, L, D_in)
    w_q, w_k, w_v = (f32(rng, D, D_in) / 3 for _ in range(3))   # (out, in), as every dense layer
    w_o = f32(rng, D_out, D) / 3
    b_q, b_k, b_v, b_o = f32(rng, D), f32(rng, D), f32(rng, D), f32(rng, D_out)
    pad = np.array([[True] * 5, [True] * 3 + [False] * 2])
    Q, K, V = x @ w_q.T + b_q, x @ w_k.T + b_k, x @ w_v.T + b_v
    dh = D // H
    heads = []
    for h in range(H):
        cols = slice(h * dh, (h + 1) * dh)
        heads.append(reference(Q[..., cols], K[..., cols], V[..., cols], mask=pad[:, None, :])[0])
    want = np.concatenate(heads, axis=-1) @ w_o.T + b_o
    got = multi_head_attention(*on(backend, x, w_q, w_k, w_v, w_o), H, b_q=b_q, b_k=b_k, b_v=b_v,
                               b_o=b_o, mask=pad[:, None, None, :], backend=backend)
    np.testing.assert_allclose(dk.to_numpy(got), want, rtol=1e-4, atol=1e-4)
    no_bias = multi_head_attention(*on(backend, x, w_q, w_k, w_v, w_o), H, is_causal=True)
    assert dk.to_numpy(no_bias).shape == (B, L, D_out)


def test_multi_head_projections_are_the_dense_layer(rng) -> None:
    from dotkit.nn.layers import dense

    x, w = f32(rng, 4, 6), f32(rng, 6, 6) / 3
    b = f32(rng, 6)
    # with one head that sees every key and values equal to the keys' inputs, W_O's layer is the last step
    out = multi_head_attention(x, w, w, np.eye(6, dtype=np.float32), w, 1, b_o=b, backend="numpy")
    attended = reference(x @ w.T, x @ w.T, x)[0]
    np.testing.assert_allclose(dk.to_numpy(out), dk.to_numpy(dense(attended, w, b)), rtol=1e-4, atol=1e-5)
    half = multi_head_attention(x.astype(np.float16), w, w, w, w, 2, backend="numpy")
    assert half.dtype == np.float16  # computed in float32, rounded once per projection
    np.testing.assert_allclose(dk.to_numpy(half), dk.to_numpy(multi_head_attention(x, w, w, w, w, 2)),
                               atol=2e-2)


def test_split_and_merge_heads_round_trip(backend, rng) -> None:
    x = dk.asarray(f32(rng, 2, 5, 12), backend=backend)
    heads = split_heads(x, 4)
    assert tuple(heads.shape) == (2, 4, 5, 3)
    np.testing.assert_array_equal(dk.to_numpy(heads)[:, 1], dk.to_numpy(x)[..., 3:6])
    np.testing.assert_array_equal(dk.to_numpy(merge_heads(heads)), dk.to_numpy(x))


def test_linear_attention_is_the_kernel_formula(backend, rng) -> None:
    q, k, v = f32(rng, 2, 5, 4), f32(rng, 2, 7, 4), f32(rng, 2, 7, 3)

    def phi(t):
        return np.where(t > 0, t + 1, np.exp(np.minimum(t, 0))).astype(np.float64)

    w = phi(q) @ np.swapaxes(phi(k), -1, -2)
    want = (w / w.sum(-1, keepdims=True)) @ v
    got = dk.to_numpy(linear_attention(*on(backend, q, k, v)))
    np.testing.assert_allclose(got, want, **F32)
    got_sq = dk.to_numpy(linear_attention(*on(backend, q, k, v), feature_map=lambda t: t * t + 1e-3))
    w2 = (q.astype(np.float64) ** 2 + 1e-3) @ np.swapaxes(k.astype(np.float64) ** 2 + 1e-3, -1, -2)
    np.testing.assert_allclose(got_sq, (w2 / w2.sum(-1, keepdims=True)) @ v, **F32)


@settings(max_examples=15, deadline=None)
@given(L=st.integers(1, 6), S=st.integers(1, 7), d=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_outputs_are_convex_combinations_of_values(L, S, d, seed) -> None:
    rng = np.random.default_rng(seed)
    q, k, v = f32(rng, L, d) * 3, f32(rng, S, d) * 3, f32(rng, S, 3)
    for path in PATHS:
        out = sdpa(q, k, v, **path)
        assert np.all(out <= v.max(0) + 1e-5) and np.all(out >= v.min(0) - 1e-5)


def test_errors_name_the_op_and_shapes(rng) -> None:
    q, k, v = f32(rng, 4, 8), f32(rng, 5, 8), f32(rng, 5, 3)
    with pytest.raises(ShapeError, match=r"scaled_dot_product_attention: q and k .* k.shape=\(5, 7\)"):
        sdpa(q, f32(rng, 5, 7), v)
    with pytest.raises(ShapeError, match="same number of keys"):
        sdpa(q, k, f32(rng, 6, 3))
    with pytest.raises(ShapeError, match=r"mask must broadcast to .* mask.shape=\(4, 4\)"):
        sdpa(q, k, v, mask=np.ones((4, 4), dtype=bool))
    with pytest.raises(ShapeError, match="at least 2 dimension"):
        sdpa(q[0], k, v)
    with pytest.raises(InputValueError, match="chunk_size"):
        sdpa(q, k, v, chunk_size=0)
    with pytest.raises(InputValueError, match="scale must be finite"):
        sdpa(q, k, v, scale=float("nan"))
    with pytest.raises(ShapeError, match="not divisible by n_heads=5"):
        split_heads(f32(rng, 3, 8), 5)
    with pytest.raises(ShapeError, match=r"w_q must have shape \(d_out, 8\), the dense layout .* "
                                         r"w_q.shape=\(8, 4\); its transpose fits: pass w_q.T"):
        multi_head_attention(f32(rng, 3, 8), f32(rng, 8, 4), f32(rng, 4, 8), f32(rng, 4, 8), f32(rng, 8, 4), 2)
    with pytest.raises(ShapeError, match=r"w_o must have shape \(d_out, 4\).* w_o.shape=\(5, 8\)$"):
        multi_head_attention(f32(rng, 3, 8), f32(rng, 4, 8), f32(rng, 4, 8), f32(rng, 4, 8), f32(rng, 5, 8), 2)
    with pytest.raises(ShapeError, match=r"b_k must have shape \(4,\), one entry per row of w_k"):
        multi_head_attention(f32(rng, 3, 8), *(f32(rng, 4, 8) for _ in range(3)), f32(rng, 8, 4), 2,
                             b_k=f32(rng, 8))


def test_no_keys_gives_zeros(backend) -> None:
    out = sdpa(np.ones((2, 3), np.float32), np.ones((0, 3), np.float32), np.ones((0, 4), np.float32), backend=backend)
    assert tuple(out.shape) == (2, 4) and not dk.to_numpy(out).any()



# -- one head that learns (dotkit.nn.attention_head) ------------------------------------
def test_head_gradient_matches_finite_differences() -> None:
    from dotkit.nn.attention_head import head_loss_and_grads, initial_head, previous_token_task

    tokens, x = previous_token_task(3, 5, 4, seed=2)
    w_q, w_k = initial_head(x.shape[-1], 6, seed=3)
    assert w_q.shape == w_k.shape == (6, x.shape[-1])  # (out, in), as every dense layer
    _, g_q, g_k, a = head_loss_and_grads(w_q, w_k, x, tokens, 4, 0.4)
    assert g_q.shape == g_k.shape == w_q.shape
    np.testing.assert_allclose(a.sum(axis=-1), 1.0, atol=1e-12)
    rng = np.random.default_rng(5)
    for which, grad in ((0, g_q), (1, g_k)):
        for _ in range(6):
            i, j = rng.integers(w_q.shape[0]), rng.integers(w_q.shape[1])
            ws = [w_q.copy(), w_k.copy()]
            ws[which][i, j] += 1e-6
            up = head_loss_and_grads(*ws, x, tokens, 4, 0.4)[0]
            ws[which][i, j] -= 2e-6
            down = head_loss_and_grads(*ws, x, tokens, 4, 0.4)[0]
            assert abs((up - down) / 2e-6 - grad[i, j]) < 1e-6 + 1e-4 * abs(grad[i, j])


def test_head_learns_the_previous_token_and_the_scale_matters_for_wide_heads() -> None:
    from dotkit.nn.attention_head import previous_token_accuracy, previous_token_task, train_previous_token_head

    tokens, x = previous_token_task(64, 10, 12, seed=0)
    held_tokens, held_x = previous_token_task(200, 10, 12, seed=1)
    scaled = train_previous_token_head(tokens, x, 12, d=64, steps=300)
    raw = train_previous_token_head(tokens, x, 12, d=64, scaled=False, steps=300)
    assert scaled.accuracy[0] < 0.3 and scaled.loss[-1] < 0.05 * scaled.loss[0]
    assert previous_token_accuracy(scaled.w_q, scaled.w_k, held_x, held_tokens, 1 / 8) > 0.99
    assert raw.accuracy[-1] < 0.9 and raw.loss[-1] > 10 * scaled.loss[-1]   # saturated rows stay stuck


def test_previous_token_task_inputs_and_errors() -> None:
    from dotkit.errors import InputValueError
    from dotkit.nn.attention_head import previous_token_task

    tokens, x = previous_token_task(4, 6, 5, seed=0)
    assert tokens.shape == (4, 6) and x.shape == (4, 6, 11)
    np.testing.assert_array_equal(x[..., :5].argmax(-1), tokens)
    np.testing.assert_array_equal(x[0, :, 5:], np.eye(6))
    with pytest.raises(InputValueError, match="length=1"):
        previous_token_task(2, 1, 5)


def test_integer_masks_and_string_causal_flags_are_refused(backend) -> None:
    """A 0/1 integer mask would be added to the scores, and "False" is a true string: both misread silently."""
    q = np.ones((3, 2))
    with pytest.raises(TypeError, match=r"mask must be boolean .* integer dtype .* a boolean mask \(mask != 0\)"):
        dk.scaled_dot_product_attention(q, q, q, mask=np.tril(np.ones((3, 3), dtype=int)), backend=backend)
    with pytest.raises(ValueError, match=r"is_causal must be True or False; received 'False'"):
        dk.scaled_dot_product_attention(q, q, q, is_causal="False", backend=backend)
    with pytest.raises(ValueError, match="is_causal"):
        attention_weights(q, q, is_causal=1, backend=backend)
    ok = dk.scaled_dot_product_attention(q, q, q, mask=np.tril(np.ones((3, 3), dtype=bool)), is_causal=np.bool_(True),
                                         backend=backend)
    assert tuple(ok.shape) == (3, 2)


def test_numpy_gelu_for_the_transformer_matches_the_exact_formula() -> None:
    """MiniLM's feed-forward GELU on NumPy (erfc from Abramowitz & Stegun 7.1.26, in blocks) against SciPy's erf."""
    from scipy.special import erf

    from dotkit.backends.fast_numpy import gelu

    rng = np.random.default_rng(12)
    x = np.concatenate([np.linspace(-15, 15, 70_001), 3 * rng.standard_normal(50_000)]).astype(np.float32)
    exact = 0.5 * x.astype(np.float64) * (1 + erf(x.astype(np.float64) / math.sqrt(2)))
    got = gelu(x.reshape(-1, 7)[:, ::2])  # a strided view: read as it is, returned in its shape
    np.testing.assert_allclose(got.ravel(), exact.reshape(-1, 7)[:, ::2].ravel(), rtol=0, atol=4e-7 * 15)
    assert got.dtype == np.float32 and got.shape == (120_001 // 7, 4)
    assert np.all(np.abs(gelu(x) - exact) <= 3e-7 * np.maximum(1, np.abs(x)))  # float32 rounding, relative to |x|
    with np.errstate(all="raise"):
        special = gelu(np.array([-np.inf, np.inf, -1e30, 1e30, 0.0], dtype=np.float32))
    np.testing.assert_array_equal(special, np.array([0, np.inf, 0, 1e30, 0], dtype=np.float32))
    assert np.isnan(gelu(np.array([np.nan], dtype=np.float32)))[0]
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(gelu(x64), exact, rtol=1e-12, atol=1e-15)  # float64: the formula itself
