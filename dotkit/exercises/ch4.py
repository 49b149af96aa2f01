"""Checkers for chapter 4, "Attention".

4.1  ``attention_for_one_query(q, K, V)``: scores, softmax weights and the context vector.
4.2  ``attention(Q, K, V)``: the whole of scaled dot-product attention with matrix products.
4.3  a number: the scale that gives q·k unit variance for 64-dimensional heads.
4.4  ``causal_mask(L)``: the boolean matrix that lets position i see positions j <= i.

Functions are called on fresh inputs drawn here and compared with a float64
NumPy oracle; a result that matches a known mistake gets that mistake's hint.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dotkit.exercises import NotYet, as_array, exercise, expect_close, needs_function, needs_number
from dotkit.linalg import to_numpy


def _softmax(s: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _close_or_known_mistake(answer: Any, want: np.ndarray, what: str,
                            mistakes: list[tuple[np.ndarray, str]]) -> None:
    """Like expect_close; but where ``answer`` equals a typical wrong result, say which mistake it is."""
    got = as_array(answer, what)
    try:
        expect_close(answer, want, what, rtol=1e-6, atol=1e-9)
    except NotYet:
        for wrong, hint in mistakes:
            if got.shape == wrong.shape and np.allclose(got, wrong, rtol=1e-3, atol=1e-5):
                raise NotYet(hint) from None
        raise


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
        _close_or_known_mistake(got[0], w, f"the weights for {n} keys of size {d}", [
            (s / math.sqrt(d), "these are the scaled scores themselves: the softmax turns them into weights"),
            (_softmax(s), "the softmax of the raw scores: divide the scores by √d first"),
            (_softmax(s / d), "you divided the scores by d; the scale is 1/√d"),
        ])
        _close_or_known_mistake(got[1], w @ V, f"the context vector for {n} keys", [
            (w @ K, "that is the weighted sum of the keys; the context sums the values, w @ V"),
        ])
    return "scores K q/√d, softmax to weights, then Σⱼ wⱼ vⱼ: one query's context vector."


@exercise("4.2", todo="build the (L, S) table of scaled scores with one matrix product, softmax each row "
                      "(subtract the row's maximum first), then multiply by V")
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
        _close_or_known_mistake(fn(Q, K, V), w @ V, f"attention for L={L} queries, S={S} keys, d={d}", mistakes)
    big = rng.normal(size=(4, 8)) * 100  # scores in the thousands: exp overflows without the max trick
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        got = as_array(fn(big, big, np.eye(4)), "attention for large scores")
    if not np.all(np.isfinite(got)):
        raise NotYet("for scores in the thousands your result is not finite: exp overflows; "
                      "subtract each row's own maximum (keepdims=True) before exponentiating")
    expect_close(got, _softmax(big @ big.T / math.sqrt(8)), "attention for large scores", rtol=1e-5, atol=1e-6)
    return "softmax(QKᵀ/√d) V: two matrix products and a row-wise softmax, stable for large scores."


@exercise("4.3", todo="replace the ... with a number c: Var(c·q·k) = c²·Var(q·k), and Var(q·k) = d here")
def check_scale(answer: Any) -> str:
    value = needs_number(answer, "a number (the factor c)")
    if math.isclose(value, 8.0, rel_tol=1e-3):
        raise NotYet("8 = √64 is the standard deviation of q·k; the scale *multiplies* q·k, so take its inverse")
    if math.isclose(value, 1 / 64, rel_tol=1e-3):
        raise NotYet("dividing by d = 64 shrinks the variance to 1/64; variance scales with the square of the factor")
    if math.isclose(value, 64.0, rel_tol=1e-3):
        raise NotYet("64 is the variance of q·k itself; c should shrink the scores, not grow them")
    if not math.isclose(value, 1 / 8, rel_tol=1e-3):
        raise NotYet(f"{value:.4g} is not it: Var(c·q·k) = c²·64 for unit-variance entries; which c makes that 1?")
    return "c = 1/√64 = 0.125: Var(q·k) = d, so multiplying by 1/√d brings it back to 1."


@exercise("4.4", todo="make an (L, L) array of booleans, True on and below the diagonal (np.tril may help)")
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


__all__: list[str] = []
