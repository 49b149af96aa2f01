"""Checkers for chapter 4, "Attention".

4.1  ``attention_for_one_query(q, K, V)``: scores, softmax weights and the context vector.
4.2  ``attention(Q, K, V)``: the whole of scaled dot-product attention with matrix products.
4.3  a number: the scale that gives q·k unit variance for 64-dimensional heads.
4.4  ``causal_mask(L)``: the boolean matrix that lets position i see positions j <= i.

Functions are called on fresh inputs drawn here and compared with a float64
NumPy oracle.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dotkit.exercises import NotYet, exercise, expect_close, needs_function, needs_number
from dotkit.linalg import to_numpy


def _softmax(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _oracle(Q: np.ndarray, K: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    weights = _softmax(Q @ K.T / math.sqrt(Q.shape[-1]))
    return weights, weights @ V


@exercise("4.1")
def check_one_query(answer: Any) -> str:
    fn = needs_function(answer, "attention_for_one_query(q, K, V)")
    rng = np.random.default_rng(41)
    for n, d, dv in ((3, 2, 2), (6, 4, 4), (9, 16, 5)):
        q, K, V = rng.normal(size=d), rng.normal(size=(n, d)), rng.normal(size=(n, dv))
        got = fn(q, K, V)
        if not isinstance(got, tuple) or len(got) != 2:
            raise NotYet("return two things: (weights, context), e.g. `return w, w @ V`")
        weights, context = got
        want_w, want_c = _oracle(q[None], K, V)
        total = float(np.sum(np.asarray(to_numpy(weights), dtype=float)))
        if not math.isclose(total, 1.0, rel_tol=1e-6):
            raise NotYet("the weights should sum to 1: did you apply the softmax to the scores?")
        expect_close(weights, want_w[0], f"the weights for {n} keys of size {d} (did you divide by √d?)",
                     rtol=1e-6, atol=1e-9)
        expect_close(context, want_c[0], f"the context vector for {n} keys", rtol=1e-6, atol=1e-9)
    return "scores qᵀkⱼ/√d, softmax to weights, then Σⱼ wⱼ vⱼ: one query's context vector."


@exercise("4.4")
def check_causal_mask(answer: Any) -> str:
    fn = needs_function(answer, "causal_mask(L)")
    for L in (1, 2, 5, 9):
        got = np.asarray(to_numpy(fn(L)))
        want = np.tril(np.ones((L, L), dtype=bool))
        if got.shape != want.shape:
            raise NotYet(f"causal_mask({L}) should have shape {want.shape}; yours has {got.shape}")
        if got.dtype != bool:
            raise NotYet(f"causal_mask should return booleans (True = may attend); yours has dtype {got.dtype}")
        if np.array_equal(got, want.T) and L > 1:
            raise NotYet("that is the transpose: row i is the query, so row i must allow columns 0..i")
        if not np.array_equal(got, want):
            raise NotYet(f"causal_mask({L}) should be True exactly where the column j <= the row i")
    return "True on and below the diagonal: each position sees itself and the past, never the future."


@exercise("4.2")
def check_attention(answer: Any) -> str:
    fn = needs_function(answer, "attention(Q, K, V)")
    rng = np.random.default_rng(43)
    for L, S, d, dv in ((2, 3, 4, 2), (5, 7, 8, 3), (16, 16, 32, 32)):
        Q, K, V = rng.normal(size=(L, d)), rng.normal(size=(S, d)), rng.normal(size=(S, dv))
        got = fn(Q, K, V)
        want = _oracle(Q, K, V)[1]
        if np.shape(got) == (S, dv) and S != L:
            raise NotYet("the output has one row per query (L rows), not one per key")
        expect_close(got, want, f"attention for L={L} queries, S={S} keys, d={d}", rtol=1e-6, atol=1e-9)
    big = rng.normal(size=(4, 8)) * 100  # scores in the thousands: needs the max trick
    got = np.asarray(to_numpy(fn(big, big, np.eye(4))), dtype=float)
    if not np.all(np.isfinite(got)):
        raise NotYet("large scores overflow exp: subtract each row's maximum before exponentiating")
    return "softmax(QKᵀ/√d) V: two matrix products and a row-wise softmax, stable for large scores."


@exercise("4.3")
def check_scale(answer: Any) -> str:
    value = needs_number(answer)
    if math.isclose(value, 8.0, rel_tol=1e-3):
        raise NotYet("8 = √64 is the standard deviation of q·k; the scale *multiplies* q·k, so take its inverse")
    if math.isclose(value, 1 / 64, rel_tol=1e-3):
        raise NotYet("dividing by d = 64 shrinks the variance to 1/64; variance scales with the square of the factor")
    if not math.isclose(value, 1 / 8, rel_tol=1e-3):
        raise NotYet("Var(c·q·k) = c²·d for unit-variance entries; which c makes that 1 when d = 64?")
    return "c = 1/√64 = 0.125: Var(q·k) = d, so multiplying by 1/√d brings it back to 1."


__all__: list[str] = []
