"""Chapter 5's checkers: the stub, typical mistakes and the solution (see exercise_harness)."""

from __future__ import annotations

import numpy as np
from exercise_harness import Case, make_tests


def als_user_update_stub(Q_rated, y, reg):
    ...


def als_user_update(Q_rated, y, reg):
    f = Q_rated.shape[1]
    return np.linalg.solve(Q_rated.T @ Q_rated + reg * len(y) * np.eye(f), Q_rated.T @ y)


def predict_rating_stub(mu, b_u, b_i, p_u, q_i):
    ...


def predict_rating(mu, b_u, b_i, p_u, q_i):
    return mu + b_u + b_i + np.dot(p_u, q_i)


def sgd_step_stub(p, q, r, lr, reg):
    ...


def sgd_step(p, q, r, lr, reg):
    e = r - np.dot(p, q)
    return p + lr * (e * q - reg * p), q + lr * (e * p - reg * q)


def sgd_step_sequential(p, q, r, lr, reg):
    e = r - np.dot(p, q)
    p = p + lr * (e * q - reg * p)
    return p, q + lr * (e * p - reg * q)


def fold_in_stub(Q_rated, b_rated, y, mu, reg, bias_reg):
    ...


def _penalty(n, f, reg, bias_reg):
    return np.diag([bias_reg] + [reg * n] * f)


def fold_in(Q_rated, b_rated, y, mu, reg, bias_reg):
    A = np.hstack([np.ones((len(y), 1)), Q_rated])
    pen = _penalty(len(y), Q_rated.shape[1], reg, bias_reg)
    x = np.linalg.solve(A.T @ A + pen, A.T @ (y - mu - b_rated))
    return x[0], x[1:]


def fold_in_unpenalised_bias(Q_rated, b_rated, y, mu, reg, bias_reg):
    return fold_in(Q_rated, b_rated, y, mu, reg, 0.0)


def fold_in_count_scaled_bias(Q_rated, b_rated, y, mu, reg, bias_reg):
    A = np.hstack([np.ones((len(y), 1)), Q_rated])
    x = np.linalg.solve(A.T @ A + reg * len(y) * np.eye(A.shape[1]), A.T @ (y - mu - b_rated))
    return x[0], x[1:]


def fold_in_two_steps(Q_rated, b_rated, y, mu, reg, bias_reg):
    t = y - mu - b_rated
    b_u = np.sum(t) / (len(y) + bias_reg)
    f = Q_rated.shape[1]
    p = np.linalg.solve(Q_rated.T @ Q_rated + reg * len(y) * np.eye(f), Q_rated.T @ (t - b_u))
    return b_u, p


def fold_in_no_bias_column(Q_rated, b_rated, y, mu, reg, bias_reg):
    f = Q_rated.shape[1]
    p = np.linalg.solve(Q_rated.T @ Q_rated + reg * len(y) * np.eye(f), Q_rated.T @ (y - mu - b_rated))
    return 0.0, p


def own_neighbour_share_stub(Q):
    ...


def own_neighbour_share(Q):
    return float(np.mean(np.argmax(Q @ Q.T, axis=1) == np.arange(len(Q))))


def top_k_stub(scores, k):
    ...


def top_k(scores, k):
    keep = np.argpartition(-scores, k - 1)[:k]
    return keep[np.argsort(-scores[keep])]


def _fold_in_with(target):
    def answer(Q, b, y, mu, reg, bias_reg):
        A = np.hstack([np.ones((len(y), 1)), Q])
        x = np.linalg.solve(A.T @ A + _penalty(len(y), Q.shape[1], reg, bias_reg), A.T @ target(y, mu, b))
        return x[0], x[1:]

    return answer


def precision_recall_at_k_stub(ranked, future, k):
    ...


def precision_recall_at_k(ranked, future, k):
    hits = len(set(ranked[:k].tolist()) & future)
    return hits / k, hits / len(future)


CASES = {
    "5.1": Case(
        stub=...,
        wrong=[
            (1.0, "off"),
            (0.9 * 0.9 - 0.4 * 0.4 + 0.5 * 0.6 + 0.2 * 0.1, "wrong order"),
            (0.9 * 0.1 + 0.4 * 0.6 + 0.5 * 0.4 + 0.2 * 0.9, "minus sign"),
            (0.23 / (1.26 * 1.34) ** 0.5, "cosine"),
            (np.array([0.09, -0.24, 0.2, 0.18]), "one value"),
            (float("nan"), "nan"),
        ],
        solution=0.9 * 0.1 + (-0.4) * 0.6 + 0.5 * 0.4 + 0.2 * 0.9,
    ),
    "5.3": Case(
        stub=als_user_update_stub,
        wrong=[
            (lambda Q, y, reg: np.linalg.solve(Q.T @ Q + reg * np.eye(Q.shape[1]), Q.T @ y), "λ·n·I"),
            (lambda Q, y, reg: np.linalg.solve(Q.T @ Q + reg * Q.shape[1] * np.eye(Q.shape[1]), Q.T @ y),
             "number of factors"),
            (lambda Q, y, reg: np.linalg.solve(Q.T @ Q + reg * len(y), Q.T @ y), "diagonal only"),
            (lambda Q, y, reg: np.linalg.lstsq(Q, y, rcond=None)[0], "plain least squares"),
            (lambda Q, y, reg: np.linalg.solve(Q.T @ Q + reg * len(y) * np.eye(Q.shape[1]), y), "refused the shapes"),
            (lambda Q, y, reg: np.linalg.solve(Q.T @ Q + reg * len(y) * np.eye(Q.shape[1]), Q.T @ y)[:, None],
             "shape"),
        ],
        solution=als_user_update,
    ),
    "5.2": Case(
        stub=predict_rating_stub,
        wrong=[
            (lambda mu, b_u, b_i, p, q: np.dot(p, q), "bare dot product"),
            (lambda mu, b_u, b_i, p, q: b_u + b_i + np.dot(p, q), "global mean"),
            (lambda mu, b_u, b_i, p, q: mu + b_u + np.dot(p, q), "b_i as well"),
            (lambda mu, b_u, b_i, p, q: mu + b_u + b_i + p * q, "one number"),
            (lambda mu, b_u, b_i, p, q: mu * b_u * b_i * np.dot(p, q), "off"),
        ],
        solution=predict_rating,
    ),
    "5.4": Case(
        stub=sgd_step_stub,
        wrong=[
            (lambda p, q, r, lr, reg: (p - lr * ((r - p @ q) * q - reg * p), q - lr * ((r - p @ q) * p - reg * q)),
             "wrong way"),
            (lambda p, q, r, lr, reg: (p + lr * (r - p @ q) * q, q + lr * (r - p @ q) * p), "penalty is missing"),
            (sgd_step_sequential, "keep a copy of the old p"),
            (lambda p, q, r, lr, reg: (p + lr * ((r - p @ q) * q + reg * p), q + lr * ((r - p @ q) * p + reg * q)),
             "minus sign"),
            (lambda p, q, r, lr, reg: p + lr * ((r - p @ q) * q - reg * p), "two vectors"),
            (lambda p, q, r, lr, reg: (p + 2 * lr * ((r - p @ q) * q - reg * p),
                                       q + 2 * lr * ((r - p @ q) * p - reg * q)), "twice the step"),
        ],
        solution=sgd_step,
    ),
    "5.6": Case(
        stub=fold_in_stub,
        wrong=[
            (_fold_in_with(lambda y, mu, b: y - mu), "subtract b_i"),
            (_fold_in_with(lambda y, mu, b: y - b), "global mean"),
            (_fold_in_with(lambda y, mu, b: y), "hold μ + b_i"),
            (fold_in_no_bias_column, "column of ones"),
            (fold_in_unpenalised_bias, "the bias is penalised too"),
            (fold_in_count_scaled_bias, "its own fixed penalty"),
            (fold_in_two_steps, "fitted the bias first"),
            (lambda Q, b, y, mu, reg, bias_reg: np.zeros(Q.shape[1] + 1), "return b_u, p_u"),
        ],
        solution=fold_in,
    ),
    "5.5": Case(
        stub=own_neighbour_share_stub,
        wrong=[
            (lambda Q: float(np.sum(np.argmax(Q @ Q.T, axis=1) == np.arange(len(Q)))), "that is a count"),
            (lambda Q: 1.0, "by cosine"),
            (lambda Q: float(np.mean(np.argmax(Q @ Q.T - np.diag(np.full(len(Q), np.inf)), axis=1)
                                     == np.arange(len(Q)))), "left each item out"),
            (lambda Q: np.argmax(Q @ Q.T, axis=1) == np.arange(len(Q)), "one number"),
        ],
        solution=own_neighbour_share,
    ),
    "5.7": Case(
        stub=top_k_stub,
        wrong=[
            (lambda s, k: (-s).argsort()[:k], "scores; use np.argpartition"),
            (lambda s, k: np.sort(s)[::-1][:k], "with sort)"),
            (lambda s, k: np.argpartition(s, k - 1)[:k][np.argsort(s[np.argpartition(s, k - 1)[:k]])], "smallest"),
            (lambda s, k: np.argpartition(-s, k - 1)[:k], "best first"),
            # the k smallest, ordered best first: argpartition used as if it put the largest first
            (lambda s, k: (lambda i: i[np.argsort(-s[i])])(np.argpartition(s, k - 1)[:k]), "give it -scores"),
            (lambda s, k: -np.partition(-s, k - 1)[:k], "indices"),
            (lambda s, k: np.argsort(-np.asarray(s))[:k], "with argsort"),
            (lambda s, k: np.array(sorted(range(len(s)), key=lambda j: -s[j])[:k]), "with sorted"),
        ],
        solution=top_k,
        float32=False,
    ),
    "5.8": Case(
        stub=precision_recall_at_k_stub,
        wrong=[
            (lambda r, f, k: (len(set(r[:k].tolist()) & f),) * 2, "counts of hits"),
            (lambda r, f, k: precision_recall_at_k(r, f, k)[::-1], "swapped"),
            (lambda r, f, k: (len(set(r[:k].tolist()) & f) / k,) * 2, "not by k"),
            (lambda r, f, k: (len(set(r.tolist()) & f) / k, len(set(r.tolist()) & f) / len(f)), "first k"),
            (lambda r, f, k: (len(set(r[:k].tolist()) & f) / len(r), len(set(r[:k].tolist()) & f) / len(f)),
             "whole list"),
            (lambda r, f, k: len(set(r[:k].tolist()) & f) / k, "the pair"),
        ],
        solution=precision_recall_at_k,
    ),
}

globals().update(make_tests(CASES))
