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


def top_k_stub(scores, k):
    ...


def top_k(scores, k):
    keep = np.argpartition(-scores, k - 1)[:k]
    return keep[np.argsort(-scores[keep])]


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
    "5.2": Case(
        stub=als_user_update_stub,
        wrong=[
            (lambda Q, y, reg: np.linalg.solve(Q.T @ Q + reg * np.eye(Q.shape[1]), Q.T @ y), "λ·n·I"),
            (lambda Q, y, reg: np.linalg.solve(Q.T @ Q + reg * Q.shape[1] * np.eye(Q.shape[1]), Q.T @ y),
             "number of factors"),
            (lambda Q, y, reg: np.linalg.solve(Q.T @ Q + reg * len(y), Q.T @ y), "diagonal only"),
            (lambda Q, y, reg: np.linalg.lstsq(Q, y, rcond=None)[0], "plain least squares"),
            (lambda Q, y, reg: np.linalg.solve(Q.T @ Q + reg * len(y) * np.eye(Q.shape[1]), Q.T @ y)[:, None],
             "shape"),
        ],
        solution=als_user_update,
    ),
    "5.3": Case(
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
        stub=top_k_stub,
        wrong=[
            (lambda s, k: np.argsort(s)[:k], "smallest"),
            (lambda s, k: np.argpartition(-s, k - 1)[:k], "best first"),
            (lambda s, k: np.sort(s)[::-1][:k], "indices"),
            (lambda s, k: np.argsort(-s), "should return"),
        ],
        solution=top_k,
        float32=False,
    ),
}

globals().update(make_tests(CASES))
