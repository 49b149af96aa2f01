"""Checkers for chapter 5, "Recommender systems".

5.1  a number: the predicted score of the chapter's viewer for the musical, by hand.
5.2  ``als_user_update(Q_rated, y, reg)``: one user's regularised least-squares solve.
5.3  ``predict_rating(mu, b_u, b_i, p_u, q_i)``: the biased matrix-factorization prediction.
5.4  ``top_k(scores, k)``: the indices of the ``k`` largest scores, best first.

Functions are called on fresh inputs drawn here and compared with a float64
NumPy oracle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.exercises import NotYet, as_array, exercise, expect_close, needs_function, needs_number

#: The viewer and the musical of exercise 5.1 (features: action, romance, comedy, music).
VIEWER = np.array([0.9, -0.4, 0.5, 0.2])
MUSICAL = np.array([0.1, 0.6, 0.4, 0.9])


def _same(got: np.ndarray, other: np.ndarray) -> bool:
    """``got`` equals a known wrong result (loosely: the reader may have worked in float32)."""
    return got.shape == other.shape and bool(np.allclose(got, other, rtol=1e-3, atol=1e-6))


@exercise("5.1", todo="replace the ... with a number: multiply the viewer's and the musical's matching "
                      "components (action with action, romance with romance, …) and add the four products")
def check_musical_score(answer: Any) -> str:
    value = needs_number(answer)
    want = float(VIEWER @ MUSICAL)
    mistakes = {
        float(VIEWER @ MUSICAL[::-1]): "you paired the components in the wrong order: action goes with action, "
                                       "romance with romance, …",
        float(np.abs(VIEWER) @ MUSICAL): "the romance taste is −0.4: a dislike times an ingredient the film has "
                                         "lowers the score, so that product counts with a minus sign",
        want / float(np.linalg.norm(VIEWER) * np.linalg.norm(MUSICAL)): "that is the cosine; the score is the "
                                                                       "plain dot product, without dividing by "
                                                                       "the lengths",
    }
    for wrong, hint in mistakes.items():
        if abs(value - wrong) < 5e-3 and abs(value - want) >= 5e-3:
            raise NotYet(hint)
    expect_close(value, want, "the viewer's score for the musical", rtol=0, atol=5e-3)
    return (f"0.9·0.1 + (−0.4)·0.6 + 0.5·0.4 + 0.2·0.9 = {want:.2f}: the dislike of romance cancels most of "
            "what comedy and music add.")


@exercise("5.2", todo="build the f×f matrix QᵀQ, add the penalty on its diagonal (it grows with the number of "
                      "ratings), then np.linalg.solve against Qᵀy")
def check_als_user_update(answer: Any) -> str:
    update = needs_function(answer, "als_user_update(Q_rated, y, reg)")
    rng = np.random.default_rng(53)
    for n, f, reg in ((6, 2, 0.1), (25, 4, 0.05), (3, 5, 0.5)):
        Q, y = rng.normal(size=(n, f)), rng.normal(size=n)
        gram, rhs = Q.T @ Q, Q.T @ y
        want = np.linalg.solve(gram + reg * n * np.eye(f), rhs)
        what = f"the update for a user with {n} ratings and {f} factors"
        raw = update(Q.copy(), y.copy(), reg)
        got = as_array(raw, what)
        mistakes = [
            (np.linalg.solve(gram + reg * np.eye(f), rhs),
             "the penalty should grow with the user's number of ratings: use λ·n·I, with n = len(y)"),
            (np.linalg.solve(gram + reg * f * np.eye(f), rhs),
             "n is the user's number of ratings, len(y), not the number of factors"),
            (np.linalg.solve(gram + reg * n, rhs),
             "you added λ·n to every entry of QᵀQ; it belongs on the diagonal only (multiply by np.eye(f))"),
            (np.linalg.lstsq(Q, y, rcond=None)[0], "that is plain least squares: add λ·n to the diagonal of QᵀQ"),
        ]
        if not _same(got, want):
            for wrong, hint in mistakes:
                if _same(got, wrong):
                    raise NotYet(hint)
        expect_close(raw, want, what, rtol=1e-6, atol=1e-9)
    return "(QᵀQ + λnI) p = Qᵀy: an f×f system built from dot products of the rated items' vectors."


@exercise("5.3", todo="the prediction starts from the global mean, adds the user's and the item's bias, then how "
                      "well the two vectors match")
def check_predict_rating(answer: Any) -> str:
    predict_rating = needs_function(answer, "predict_rating(mu, b_u, b_i, p_u, q_i)")
    rng = np.random.default_rng(52)
    for f in (3, 1, 8):
        mu, b_u, b_i = float(rng.uniform(2.5, 4.0)), float(rng.normal(0, 0.5)), float(rng.normal(0, 0.5))
        p, q = rng.normal(size=f), rng.normal(size=f)
        raw = predict_rating(mu, b_u, b_i, p.copy(), q.copy())
        got = as_array(raw, "predict_rating's result")
        if got.size != 1:
            raise NotYet(f"predict_rating should return one number; with {f} factors it returned shape "
                         f"{got.shape}: sum the products of matching components (np.dot)")
        value, dot = float(got.reshape(())), float(p @ q)
        want = mu + b_u + b_i + dot
        mistakes = [
            (dot, "that is the bare dot product p_u·q_i: add the global mean and both biases"),
            (b_u + b_i + dot, "you left out the global mean μ: without it predictions sit near 0, not near the "
                              "average rating"),
            (mu + b_u + dot, "one bias is missing: add the item's b_i as well as the user's b_u"),
            (mu + b_i + dot, "one bias is missing: add the user's b_u as well as the item's b_i"),
        ]
        if not np.isclose(value, want, rtol=1e-4):
            for wrong, hint in mistakes:
                if np.isclose(value, wrong, rtol=1e-4):
                    raise NotYet(hint)
        expect_close(raw, np.full(got.shape, want), f"predict_rating with {f} factors", rtol=1e-9)
    return "r̂ = μ + b_u + b_i + p_u·q_i: the baseline, then the match of tastes."


@exercise("5.4", todo="np.argpartition on the negated scores keeps the k best (in no order); then order just "
                      "those k by their scores")
def check_top_k(answer: Any) -> str:
    top_k = needs_function(answer, "top_k(scores, k)")
    rng = np.random.default_rng(54)
    for n, k in ((10, 3), (1000, 10), (5000, 200), (50, 50), (7, 1)):
        scores = rng.normal(size=n)
        got = as_array(top_k(scores.copy(), k), f"top_k(scores, {k})")
        want = np.argsort(-scores)[:k]
        if got.shape != (k,):
            raise NotYet(f"top_k(scores, {k}) should return {k} indices; it returned shape {got.shape}")
        if np.allclose(got, np.sort(scores)[::-1][:k]):
            raise NotYet("those are the best scores themselves; return their indices (positions in scores)")
        if np.array_equal(got, np.argsort(scores)[:k]):
            raise NotYet("those are the indices of the k smallest scores: negate the scores, or reverse the order")
        if set(got.tolist()) == set(want.tolist()) and not np.array_equal(got, want):
            raise NotYet("you found the right items; now sort just those k, best first")
        if not np.array_equal(got, want):
            raise NotYet(f"for {n} scores and k={k} the indices differ from those of the k largest, best first")
    return "argpartition finds the k best in O(n); sorting only those costs O(k log k)."


__all__ = ["MUSICAL", "VIEWER", "check_als_user_update", "check_musical_score", "check_predict_rating",
           "check_top_k"]
