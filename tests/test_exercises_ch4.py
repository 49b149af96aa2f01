"""Chapter 4's checkers: the stub, typical mistakes and the solution (see exercise_harness)."""

from __future__ import annotations

import math

import numpy as np
from exercise_harness import Case, make_tests


def softmax(s, axis=-1):
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def attention_for_one_query_stub(q, K, V):
    # your code: n scores from K and q, scaled by √d; softmax into weights; the weighted sum of V's rows
    ...


def attention_for_one_query(q, K, V):
    scores = K @ q / np.sqrt(len(q))
    weights = np.exp(scores - scores.max())
    weights = weights / weights.sum()
    return weights, weights @ V


def attention_stub(Q, K, V):
    # your code: the (L, S) table of scaled scores, a softmax along each row, then times V
    ...


def attention(Q, K, V):
    scores = Q @ K.T / np.sqrt(Q.shape[1])
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = weights / weights.sum(axis=1, keepdims=True)
    return weights @ V


def attention_without_max(Q, K, V):
    weights = np.exp(Q @ K.T / np.sqrt(Q.shape[1]))
    return (weights / weights.sum(axis=1, keepdims=True)) @ V


def causal_mask_stub(L):
    # your code: an (L, L) boolean array; row i is the query, column j the key
    ...


def causal_mask(L):
    return np.tril(np.ones((L, L), dtype=bool))


CASES = {
    "4.1": Case(
        stub=attention_for_one_query_stub,
        wrong=[
            (lambda q, K, V: softmax(K @ q / np.sqrt(len(q))) @ V, "two things"),
            (lambda q, K, V: (softmax(K @ q), softmax(K @ q) @ V), "divide the scores by √d"),
            (lambda q, K, V: (softmax(K @ q / len(q)), softmax(K @ q / len(q)) @ V), "1/√d"),
            (lambda q, K, V: (K @ q / np.sqrt(len(q)), K @ q / np.sqrt(len(q)) @ V), "softmax turns them"),
            (lambda q, K, V: (softmax(K @ q / np.sqrt(len(q))), softmax(K @ q / np.sqrt(len(q))) @ K), "values"),
            (lambda q, K, V: attention_for_one_query(q, K, V)[::-1], "swapped"),
        ],
        solution=attention_for_one_query,
    ),
    "4.2": Case(
        stub=attention_stub,
        wrong=[
            (attention_without_max, "overflows"),
            (lambda Q, K, V: softmax(Q @ K.T) @ V, "divide QKᵀ by √d"),
            (lambda Q, K, V: softmax(Q @ K.T / np.sqrt(Q.shape[1]), axis=0) @ V, "axis=1"),
            (lambda Q, K, V: softmax(K @ Q.T / np.sqrt(Q.shape[1])) @ V, "transposed"),
            (lambda Q, K, V: softmax(Q @ K.T / np.sqrt(Q.shape[1])), "returned the weights"),
        ],
        solution=attention,
    ),
    "4.3": Case(
        stub=...,
        wrong=[(8, "inverse"), (1 / 64, "square"), (64.0, "grow"), (0.2, "c²·64"), (float("nan"), "nan")],
        solution=1 / math.sqrt(64),
    ),
    "4.4": Case(
        stub=causal_mask_stub,
        wrong=[
            (lambda L: np.triu(np.ones((L, L), dtype=bool)), "transpose"),
            (lambda L: np.tril(np.ones((L, L))), "booleans"),
            (lambda L: np.triu(np.ones((L, L), dtype=bool), k=1), "forbidden"),
            (lambda L: np.tril(np.ones((L, L), dtype=bool), k=-1), "itself"),
            (lambda L: np.ones(L, dtype=bool), "shape"),
        ],
        solution=causal_mask,
        float32=False,
    ),
}

globals().update(make_tests(CASES))
