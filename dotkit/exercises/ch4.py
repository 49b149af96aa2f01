"""Checkers for chapter 4, "Attention".

4.1  ``attention_for_one_query(q, K, V)``: scores, softmax weights and the context vector.
4.2  ``attention(Q, K, V)``: the whole of scaled dot-product attention with matrix products.
4.3  ``score_scale(d, var_q, var_k)``: the factor that gives q·k unit variance, derived.
4.4  ``causal_mask(L)``: the boolean matrix that lets position i see positions j <= i.
4.5  ``padding_mask(lengths, S)``: the (batch, 1, 1, S) mask that hides each sentence's padding.
4.6  ``online_attention(Q, K, V, chunk)``: attention over blocks of keys with the online softmax.
4.7  ``multi_head(x, W_Q, W_K, W_V, W_O, h)``: heads split and merged with reshapes.
4.8  ``(layer, head)``: MiniLM's head that puts the most weight from *it* on *animal*.

Functions are called on fresh inputs drawn here and compared with a float64
NumPy oracle; a result that matches a known mistake gets that mistake's hint.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dotkit.backends import get_backend
from dotkit.exercises import (
    NotYet,
    YourTurn,
    as_array,
    describe_answer,
    exercise,
    expect_close,
    is_stub,
    needs_function,
    needs_number,
)
from dotkit.linalg import to_numpy
from dotkit.nn.activations import softmax_kernel


def _softmax(s: np.ndarray, axis: int = -1) -> np.ndarray:
    """The kit's NumPy softmax kernel (tested against SciPy): the reference an answer is checked against."""
    return softmax_kernel(get_backend("numpy"), np.asarray(s, dtype=np.float64), axis)


#: The tolerances of the attention checkers: tight for the right answer, looser to name a mistake.
_TOL = {"rtol": 1e-6, "atol": 1e-9, "mistake_rtol": 1e-3, "mistake_atol": 1e-5}


@exercise("4.1", todo="score all n keys against q at once (a matrix times a vector), divide by √d, "
                      "softmax into weights, then return (weights, weights @ V)")
def check_one_query(answer: Any) -> str:
    fn = needs_function(answer, "attention_for_one_query(q, K, V)")
    rng = np.random.default_rng(41)
    for n, d, dv in ((3, 2, 5), (6, 4, 4), (9, 16, 3)):
        q, K, V = rng.normal(size=d), rng.normal(size=(n, d)), rng.normal(size=(n, dv))
        got = fn(q, K, V)
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise NotYet("return two things, the weights and the context vector: `return w, w @ V`")
        s = K @ q
        w = _softmax(s / math.sqrt(d))
        if as_array(got[0], "the weights").shape == (dv,) and as_array(got[1], "the context").shape == (n,):
            raise NotYet(f"the pair is swapped: first the {n} weights (one per key), then the context vector")
        expect_close(got[0], w, f"the weights for {n} keys of size {d}", **_TOL, mistakes=[
            (s / math.sqrt(d), "these are the scaled scores themselves: the softmax turns them into weights"),
            (_softmax(s), "the softmax of the raw scores: divide the scores by √d first"),
            (_softmax(s / d), "you divided the scores by d; the scale is 1/√d"),
        ])
        expect_close(got[1], w @ V, f"the context vector for {n} keys", **_TOL, mistakes=[
            (w @ K, "that is the weighted sum of the keys; the context sums the values, w @ V"),
        ])
    return "scores K q/√d, softmax to weights, then Σⱼ wⱼ vⱼ: one query's context vector."


@exercise("4.2", todo="build the (L, S) table of scaled scores with one matrix product, softmax each row "
                      "(shift each row first so that no exponent is positive), then multiply by V")
def check_attention(answer: Any) -> str:
    fn = needs_function(answer, "attention(Q, K, V)")
    rng = np.random.default_rng(43)
    for L, S, d, dv in ((6, 6, 16, 6), (2, 3, 4, 2), (5, 7, 8, 3)):
        Q, K, V = rng.normal(size=(L, d)), rng.normal(size=(S, d)), rng.normal(size=(S, dv))
        s = Q @ K.T
        w = _softmax(s / math.sqrt(d))
        mistakes = [
            (w, "you returned the weights; the output is the weights times V, one row per query"),
            (_softmax(s) @ V, "the softmax of the raw scores: divide QKᵀ by √d first"),
            (_softmax(s / math.sqrt(d), axis=0) @ V,
             "the softmax ran down the columns; each row (one query) should sum to 1: use axis=1"),
        ]
        if L == S:
            mistakes.append((_softmax(s.T / math.sqrt(d)) @ V,
                             "the scores are transposed: row i of Q @ K.T is query i against every key"))
        expect_close(fn(Q, K, V), w @ V, f"attention for L={L} queries, S={S} keys, d={d}", mistakes=mistakes,
                     **_TOL)
    big = rng.normal(size=(4, 8)) * 100  # scores in the thousands: exp overflows without the max trick
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        got = as_array(fn(big, big, np.eye(4)), "attention for large scores")
    if not np.all(np.isfinite(got)):
        raise NotYet("for scores in the thousands your result is not finite. Without a shift, exp overflows to "
                     "inf and inf/inf is NaN; with one shift for the whole table, rows far below its maximum "
                     "underflow to 0 and 0/0 is NaN: subtract each row's own maximum (keepdims=True)")
    expect_close(got, _softmax(big @ big.T / math.sqrt(8)), "attention for large scores", rtol=1e-5, atol=1e-6)
    return "softmax(QKᵀ/√d) V: two matrix products and a row-wise softmax, stable for large scores."


_SCALE_CASES = ((64, 1.0, 1.0), (256, 4.0, 1.0), (16, 9.0, 0.25), (100, 2.0, 8.0))


@exercise("4.3", todo="return the factor c for head size d and entry variances var_q, var_k: write Var(c·q·k) "
                      "with the formula above and solve Var = 1 for c")
def check_scale(answer: Any) -> str:
    fn = needs_function(answer, "score_scale(d, var_q, var_k)")
    got = np.array([needs_number(fn(*case), f"score_scale{case}") for case in _SCALE_CASES])
    want = np.array([1 / math.sqrt(d * a * b) for d, a, b in _SCALE_CASES])
    if np.allclose(got, want, rtol=1e-6):
        return ("c = 1/√(d·Var(q)·Var(k)): Var(c·q·k) = c²·d·Var(q)·Var(k) = 1. With unit-variance entries that is "
                "the 1/√d_k of the attention formula.")
    mistakes = [
        ([math.sqrt(d * a * b) for d, a, b in _SCALE_CASES],
         "that is the standard deviation of q·k; c multiplies the scores to shrink them, so take its inverse"),
        ([1 / (d * a * b) for d, a, b in _SCALE_CASES],
         "that divides by the variance: Var(c·q·k) = c²·Var(q·k), so c is one over the *square root* of the variance"),
        ([1 / math.sqrt(d) for d, a, b in _SCALE_CASES],
         "1/√d is right only for unit-variance entries: the entry variances multiply Var(q·k) too"),
        ([1 / (math.sqrt(d) * a * b) for d, a, b in _SCALE_CASES],
         "the variances belong under the square root with d: Var(q·k) = d·Var(q)·Var(k)"),
    ]
    for wrong, hint in mistakes:
        if np.allclose(got, wrong, rtol=1e-6):
            raise NotYet(hint)
    worst = int(np.argmax(np.abs(got - want) / want))
    raise NotYet(f"score_scale{_SCALE_CASES[worst]} gave {got[worst]:.4g}: with it, Var(c·q·k) = "
                 f"{got[worst] ** 2 * math.prod(_SCALE_CASES[worst]):.4g}, not 1")


@exercise("4.4", todo="return an (L, L) array of booleans, True where key j may be seen by query i")
def check_causal_mask(answer: Any) -> str:
    fn = needs_function(answer, "causal_mask(L)")
    for L in (5, 2, 9, 1):  # L = 1 last: one cell cannot tell most mistakes apart
        got = fn(L)
        values = as_array(got, f"causal_mask({L})")
        want = np.tril(np.ones((L, L), dtype=bool))
        if values.shape != want.shape:
            raise NotYet(f"causal_mask({L}) should have shape {want.shape}; yours has shape {values.shape}")
        if np.asarray(to_numpy(got)).dtype != bool:  # as_array above has vetted the type
            raise NotYet("return booleans (True = may attend), e.g. with dtype=bool; "
                         f"yours has dtype {np.asarray(to_numpy(got)).dtype}")
        if L > 1 and np.array_equal(values, ~want):
            raise NotYet("yours is True where attention is forbidden; here True means 'query i may see key j'")
        if L > 1 and np.array_equal(values, want.T):
            raise NotYet("that is the transpose: row i is the query, so row i must allow columns 0..i")
        if np.array_equal(values, want & ~np.eye(L, dtype=bool)):
            raise NotYet("the diagonal is False: each position may also attend to itself (j = i)")
        if not np.array_equal(values, want):
            raise NotYet(f"causal_mask({L}) should be True exactly where the column j <= the row i")
    return "True on and below the diagonal: each position sees itself and the past, never the future."


@exercise("4.5", todo="return booleans of shape (batch, 1, 1, S), True where key j is a real token of "
                      "sentence b")
def check_padding_mask(answer: Any) -> str:
    fn = needs_function(answer, "padding_mask(lengths, S)")
    for lengths, S in (([3, 5], 5), ([1, 4, 2], 6), ([2], 2)):
        got = fn(list(lengths), S)
        values = as_array(got, f"padding_mask({lengths}, {S})")
        want = (np.arange(S)[None, :] < np.asarray(lengths)[:, None])[:, None, None, :]
        B = len(lengths)
        if values.shape == (B, S):
            raise NotYet(f"yours has shape {values.shape}: add two axes of length 1, (batch, 1, 1, S), so the "
                         "mask broadcasts over the heads and the queries (x[:, None, None, :])")
        if values.shape == (B, 1, S, 1):
            raise NotYet("shape (batch, 1, S, 1) masks queries, not keys: the last axis must be the keys, "
                         "(batch, 1, 1, S)")
        if values.shape != want.shape:
            raise NotYet(f"padding_mask({lengths}, {S}) should have shape {want.shape}; yours has {values.shape}")
        if np.array_equal(values, want) and np.asarray(to_numpy(got)).dtype == bool:
            continue
        if np.asarray(to_numpy(got)).dtype != bool:
            raise NotYet("return booleans (True = a real token that may be attended to), e.g. with a comparison; "
                         f"yours has dtype {np.asarray(to_numpy(got)).dtype}")
        if np.array_equal(values, ~want):
            raise NotYet("yours is True on the padding; here True means 'a real token, may be attended to'")
        if np.array_equal(values, (np.arange(S)[None, :] <= np.asarray(lengths)[:, None])[:, None, None, :]):
            raise NotYet("one token too many: a sentence of length n has its real tokens at positions 0 … n−1")
        if not np.array_equal(values, want):
            raise NotYet(f"padding_mask({lengths}, {S}) should be True exactly where j < lengths[b]")
    # The point of the mask: the short sentence's outputs ignore whatever sits in its padding.
    from dotkit.nn.attention import scaled_dot_product_attention

    rng = np.random.default_rng(45)
    q, k, v = (rng.normal(size=(2, 1, 5, 4)) for _ in range(3))
    k2, v2 = k.copy(), v.copy()
    k2[0, :, 3:], v2[0, :, 3:] = 50.0, -50.0  # junk in the padding of sentence 0 (length 3)
    mask = np.asarray(to_numpy(fn([3, 5], 5)))
    a = to_numpy(scaled_dot_product_attention(q, k, v, mask=mask, backend="numpy"))
    b = to_numpy(scaled_dot_product_attention(q, k2, v2, mask=mask, backend="numpy"))
    if not np.allclose(a[0, :, :3], b[0, :, :3], atol=1e-6):
        raise NotYet("with your mask the short sentence still sees its padding")
    return ("True for j < length, shape (batch, 1, 1, S): the short sentence's outputs no longer depend on "
            "what its padding holds.")


def _online(Q: np.ndarray, K: np.ndarray, V: np.ndarray, chunk: int, *, rescale: bool = True,
            divide: bool = True) -> np.ndarray:
    """The online softmax, and two typical ways of getting it wrong (for the hints)."""
    L, d = Q.shape
    m, l, acc = np.full((L, 1), -np.inf), np.zeros((L, 1)), np.zeros((L, V.shape[1]))
    for start in range(0, K.shape[0], chunk):
        s = Q @ K[start:start + chunk].T / math.sqrt(d)
        new = np.maximum(m, s.max(axis=1, keepdims=True))
        e = np.exp(s - new)
        factor = np.exp(m - new) if rescale else 1.0
        l = l * factor + e.sum(axis=1, keepdims=True)
        acc = acc * factor + e @ V[start:start + chunk]
        m = new
    return acc / l if divide else acc


class _Keys(np.ndarray):
    """The keys handed to a reader's online_attention: remember the most numbers of K in one product."""

    widest: list[int]

    def __array_finalize__(self, obj: Any) -> None:
        self.widest = getattr(obj, "widest", [0])

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if ufunc is np.matmul:
            for x in inputs:
                if isinstance(x, _Keys):
                    x.widest[0] = max(x.widest[0], x.size)
        plain = [np.asarray(x) if isinstance(x, _Keys) else x for x in inputs]
        return getattr(ufunc, method)(*plain, **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func in (np.dot, np.inner, np.tensordot, np.einsum):
            self.widest[0] = max([self.widest[0]] + [x.size for x in args if isinstance(x, _Keys)])
        plain = [np.asarray(x) if isinstance(x, _Keys) else x for x in args]
        return func(*plain, **kwargs)


def _watched(K: np.ndarray) -> _Keys:
    keys = K.view(_Keys)
    keys.widest = [0]
    return keys


@exercise("4.6", todo="per query keep a running maximum, a running sum of exponentials and a running "
                      "weighted sum of values; what must happen to the old sums when a block brings a larger "
                      "maximum? At the end, divide")
def check_online_attention(answer: Any) -> str:
    fn = needs_function(answer, "online_attention(Q, K, V, chunk)")
    rng = np.random.default_rng(46)
    for L, S, d, dv, chunk, size in ((4, 12, 4, 3, 5, 1.0), (3, 7, 8, 2, 1, 1.0), (5, 9, 6, 3, 9, 1.0),
                                     (4, 10, 6, 3, 20, 1.0), (4, 11, 4, 3, 3, 1000.0)):
        Q, K, V = rng.normal(size=(L, d)) * size, rng.normal(size=(S, d)), rng.normal(size=(S, dv))
        want = _softmax(Q @ K.T / math.sqrt(d)) @ V
        keys = _watched(K)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            raw = fn(Q, keys, V, chunk)
        got = as_array(raw, f"online_attention with S={S} keys in chunks of {chunk}")
        if got.shape == want.shape and not np.all(np.isfinite(got)):
            raise NotYet(f"for scores up to {np.abs(Q @ K.T).max() / math.sqrt(d):.0f} your result is not finite: "
                         "subtract the running maximum before exponentiating")
        mistakes = [
            (_online(Q, K, V, chunk, rescale=False),
             "when a block raises the maximum, the old sums were measured against the old maximum: "
             "multiply l and acc by exp(m_old − m_new) before adding the block"),
            (_online(Q, K, V, chunk, divide=False),
             "you returned the running sum of weighted values; divide it by the running total l at the end"),
            (_softmax(Q @ K.T) @ V, "the softmax of the raw scores: divide the scores by √d"),
        ]
        n_blocks = -(-S // chunk)
        if n_blocks > 1:
            per_block = sum(_softmax(Q @ K[i:i + chunk].T / math.sqrt(d)) @ V[i:i + chunk]
                            for i in range(0, S, chunk)) / n_blocks
            mistakes.append((per_block, "each block was normalised on its own and the blocks averaged; the "
                                        "weights must share one total over all keys: keep a running sum l"))
        expect_close(raw, want, f"online_attention with S={S} keys in chunks of {chunk}", mistakes=mistakes,
                     **_TOL)
        if keys.widest[0] > min(chunk, S) * d:
            raise NotYet(f"the result is right, but a product used {keys.widest[0] // d} keys at once, more than the "
                         f"chunk of {chunk}: take the keys one block at a time, K[start:start + chunk]")
    return ("the running maximum, total and value sum, rescaled by exp(m − m′) when the maximum grows, give the "
            "full softmax attention, and no product of yours used more than one block of keys.")


def _multi_head(x: np.ndarray, ws: tuple[np.ndarray, ...], h: int, *, mistake: str = "") -> np.ndarray:
    """Multi-head attention in NumPy, and typical slips in splitting and merging (for the hints)."""
    w_q, w_k, w_v, w_o = ws
    L, D = x.shape
    dh = D // h

    def split(y: np.ndarray) -> np.ndarray:
        return y.reshape(h, L, dh) if mistake == "split" else y.reshape(L, h, dh).transpose(1, 0, 2)

    def project(y: np.ndarray, w: np.ndarray) -> np.ndarray:  # w is (out, in), as in every dense layer
        return y @ w if mistake == "layout" else y @ w.T

    q, k, v = split(project(x, w_q)), split(project(x, w_k)), split(project(x, w_v))
    out = _softmax(q @ k.transpose(0, 2, 1) / math.sqrt(D if mistake == "scale" else dh)) @ v
    merged = out.reshape(L, D) if mistake == "merge" else out.transpose(1, 0, 2).reshape(L, D)
    return merged if mistake == "w_o" else project(merged, w_o)


@exercise("4.7", todo="project (x @ W_Q.T: the weights are (out, in)), split into h heads of D // h columns "
                      "each, attend in every head, put the heads back side by side, mix with W_O")
def check_multi_head(answer: Any) -> str:
    from dotkit.nn.attention import multi_head_attention

    fn = needs_function(answer, "multi_head(x, W_Q, W_K, W_V, W_O, h)")
    rng = np.random.default_rng(47)
    for L, D, h in ((5, 8, 2), (4, 12, 3), (6, 6, 1)):
        x = rng.normal(size=(L, D))
        ws = tuple(rng.normal(size=(D, D)) / math.sqrt(D) for _ in range(4))
        want = to_numpy(multi_head_attention(x, *ws, h, backend="numpy"))
        got = fn(x, *ws, h)
        mistakes = [
            (_multi_head(x, ws, h, mistake="split"),
             "reshaping (L, D) straight to (h, L, D // h) mixes tokens: head 0 gets the first L·D/h numbers, "
             "whole rows of several tokens. Reshape to (L, h, D // h), then swap axes 0 and 1"),
            (_multi_head(x, ws, h, mistake="merge"),
             "the heads were merged without swapping the axes back: (h, L, d) → (L, h, d) first, then reshape"),
            (_multi_head(x, ws, h, mistake="scale"),
             "the scores were divided by √D; each head has its own d_k = D // h, so divide by √(D // h)"),
            (_multi_head(x, ws, h, mistake="w_o"),
             "the concatenated heads still have to be mixed by W_O"),
            (_multi_head(x, ws, h, mistake="layout"),
             "the weights are stored (out, in), as every dense layer in dotkit: project with x @ W_Q.T "
             "(and W_K.T, W_V.T, W_O.T), not x @ W_Q"),
        ]
        expect_close(got, want, f"multi_head for L={L}, D={D}, h={h}", mistakes=mistakes, **_TOL)
    return "split = reshape (L, h, d) + swap axes; merge = the inverse: the same numbers as dk.multi_head_attention."


# Computed from MiniLM.attentions(...) for the sentence of exercise 4.8 (tests/test_minilm.py checks it):
# the largest weight from 'it' to 'animal' is 0.677, in layer 4, head 2; next come layer 6, head 12 (0.673),
# then nothing above 0.25. The two differ by 0.004, less than a change of wording could move them, so both
# count as right. The largest weight from 'animal' to 'it' is in layer 6, head 9.
IT_ANIMAL_HEAD = (4, 2)
IT_ANIMAL_HEADS = ((4, 2), (6, 12))


@exercise("4.8", todo="answer with the (layer, head) whose weight from 'it' to 'animal' is largest, found "
                      "by a rule over all 72 heads (row i of a map is the token doing the looking)")
def check_it_head(answer: Any) -> str:
    if is_stub(answer):
        raise YourTurn
    if answer is None or isinstance(answer, (str, bytes, dict, set)) or callable(answer):
        raise NotYet(f"the answer is a pair (layer, head); received {describe_answer(answer)}")
    try:
        pair = tuple(int(v) for v in np.asarray(to_numpy(answer)).ravel())
    except Exception:
        raise NotYet(
            f"the answer is a pair of whole numbers (layer, head); received {describe_answer(answer)}"
        ) from None
    if len(pair) != 2:
        raise NotYet(f"the answer is two numbers, (layer, head); received {len(pair)}")
    if pair in {(a - 1, b - 1) for a, b in IT_ANIMAL_HEADS}:
        raise NotYet("right head, counted from 0: the printouts count layers and heads from 1, so add 1 to both")
    if pair == (6, 9):
        raise NotYet("that head looks from 'animal' to 'it': row i is the token doing the looking, "
                     "so take weights[:, :, i_it, i_animal]")
    if pair not in IT_ANIMAL_HEADS:
        raise NotYet(f"layer {pair[0]}, head {pair[1]} is not the head with the largest weight from 'it' to "
                     "'animal': build the 6 × 12 table of that one weight and take its argmax")
    return (f"layer {pair[0]}, head {pair[1]}: layer 4, head 2 and layer 6, head 12 put 0.68 and 0.67 of the "
            "attention of 'it' on 'animal', a tie for practical purposes, and no other head gets above 0.25. "
            "Whether they resolve the pronoun is another question: the next cell changes the sentence.")


__all__: list[str] = []
