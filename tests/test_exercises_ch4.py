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


def score_scale_stub(d, var_q, var_k):
    # your code: the factor c that makes c·(q·k) have variance 1
    ...


def score_scale(d, var_q, var_k):
    return 1 / math.sqrt(d * var_q * var_k)


def full_softmax(Q, K, V, chunk):
    return attention(Q, K, V)


def causal_mask_stub(L):
    # your code: an (L, L) boolean array; row i is the query, column j the key
    ...


def causal_mask(L):
    return np.tril(np.ones((L, L), dtype=bool))


def padding_mask_stub(lengths, S):
    # your code: (batch, 1, 1, S) booleans; True where key j is one of sentence b's real tokens
    ...


def padding_mask(lengths, S):
    real = np.arange(S)[None, :] < np.asarray(lengths)[:, None]   # (batch, S)
    return real[:, None, None, :]


def online_attention_stub(Q, K, V, chunk):
    # your code: running maximum m (L, 1), running total l (L, 1), running value sum acc (L, d_v);
    # for each block of keys, rescale the old m, l, acc to the new maximum, then add the block's terms
    ...


def online(Q, K, V, chunk, rescale=True, divide=True, per_block=False, scale=True):
    L, d = Q.shape
    m, l, acc = np.full((L, 1), -np.inf), np.zeros((L, 1)), np.zeros((L, V.shape[1]))
    blocks = []
    for start in range(0, K.shape[0], chunk):
        s = Q @ K[start:start + chunk].T / (np.sqrt(d) if scale else 1.0)
        if per_block:
            blocks.append(softmax(s) @ V[start:start + chunk])
            continue
        new = np.maximum(m, s.max(axis=1, keepdims=True))
        factor = np.exp(m - new) if rescale else 1.0
        e = np.exp(s - new)
        l = l * factor + e.sum(axis=1, keepdims=True)
        acc = acc * factor + e @ V[start:start + chunk]
        m = new
    if per_block:
        return sum(blocks) / len(blocks)
    return acc / l if divide else acc


def online_attention(Q, K, V, chunk):
    return online(Q, K, V, chunk)


def online_without_max(Q, K, V, chunk):
    l, acc = 0.0, 0.0
    for start in range(0, K.shape[0], chunk):
        e = np.exp(Q @ K[start:start + chunk].T / np.sqrt(Q.shape[1]))
        l, acc = l + e.sum(axis=1, keepdims=True), acc + e @ V[start:start + chunk]
    return acc / l


def multi_head_stub(x, W_Q, W_K, W_V, W_O, h):
    # your code: q, k, v of shape (h, L, D // h); attention per head; back to (L, D); times W_O
    ...


def multi_head(x, W_Q, W_K, W_V, W_O, h, split_ok=True, merge_ok=True, per_head_scale=True, mix=True,
               out_in=True):
    L, D = x.shape

    def split(y):
        return y.reshape(L, h, D // h).transpose(1, 0, 2) if split_ok else y.reshape(h, L, D // h)

    def project(y, W):  # the weights are (out, in); out_in=False multiplies them the other way round
        return y @ W.T if out_in else y @ W

    q, k, v = split(project(x, W_Q)), split(project(x, W_K)), split(project(x, W_V))
    w = softmax(q @ k.transpose(0, 2, 1) / np.sqrt(D // h if per_head_scale else D))
    out = w @ v
    merged = out.transpose(1, 0, 2).reshape(L, D) if merge_ok else out.reshape(L, D)
    return project(merged, W_O) if mix else merged


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
        stub=score_scale_stub,
        wrong=[
            (lambda d, vq, vk: math.sqrt(d * vq * vk), "inverse"),
            (lambda d, vq, vk: 1 / (d * vq * vk), "square root"),
            (lambda d, vq, vk: 1 / math.sqrt(d), "unit-variance"),
            (lambda d, vq, vk: 1 / (math.sqrt(d) * vq * vk), "under the square root"),
            (lambda d, vq, vk: 0.125, "not 1"),
        ],
        solution=score_scale,
        float32=False,
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
    "4.5": Case(
        stub=padding_mask_stub,
        wrong=[
            (lambda lengths, S: np.arange(S)[None, :] < np.asarray(lengths)[:, None], "two axes"),
            (lambda lengths, S: (np.arange(S)[None, :] < np.asarray(lengths)[:, None])[:, None, :, None], "queries"),
            (lambda lengths, S: ~padding_mask(lengths, S), "on the padding"),
            (lambda lengths, S: (np.arange(S)[None, :] <= np.asarray(lengths)[:, None])[:, None, None, :], "0 … n−1"),
            (lambda lengths, S: padding_mask(lengths, S).astype(np.float32), "booleans"),
        ],
        solution=padding_mask,
        float32=False,
    ),
    "4.6": Case(
        stub=online_attention_stub,
        wrong=[
            (lambda Q, K, V, c: online(Q, K, V, c, rescale=False), "exp(m_old − m_new)"),
            (lambda Q, K, V, c: online(Q, K, V, c, divide=False), "divide it by the running total"),
            (lambda Q, K, V, c: online(Q, K, V, c, per_block=True), "normalised on its own"),
            (lambda Q, K, V, c: online(Q, K, V, c, scale=False), "divide the scores by √d"),
            (online_without_max, "not finite"),
            (full_softmax, "keys at once"),
        ],
        solution=online_attention,
    ),
    "4.7": Case(
        stub=multi_head_stub,
        wrong=[
            (lambda *a: multi_head(*a, split_ok=False), "mixes tokens"),
            (lambda *a: multi_head(*a, merge_ok=False), "swapping the axes back"),
            (lambda *a: multi_head(*a, per_head_scale=False), "√(D // h)"),
            (lambda *a: multi_head(*a, mix=False), "mixed by W_O"),
            (lambda *a: multi_head(*a, out_in=False), "x @ W_Q.T"),
        ],
        solution=multi_head,
    ),
    "4.8": Case(
        stub=...,
        wrong=[((3, 1), "counted from 0"), ((6, 9), "row i"),
               ((1, 1), "not the head"), ((4, 2, 1), "two numbers")],
        solution=(4, 2),
        float32=False,
    ),
}

globals().update(make_tests(CASES))
