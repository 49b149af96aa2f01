"""Checkers for chapter 5, "Recommender systems".

5.1  a number: the predicted score of the chapter's viewer for the musical, by hand.
5.2  ``predict_rating(mu, b_u, b_i, p_u, q_i)``: the biased matrix-factorization prediction.
5.3  ``als_user_update(Q_rated, y, reg)``: one user's regularised least-squares solve.
5.4  ``top_k(scores, k)``: the indices of the ``k`` largest scores, best first.

Functions are called on fresh inputs drawn here and compared with a float64
NumPy oracle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.exercises import NotYet, exercise, expect_close, needs_function

#: The viewer and the musical of exercise 5.1 (features: action, romance, comedy, music).
VIEWER = np.array([0.9, -0.4, 0.5, 0.2])
MUSICAL = np.array([0.1, 0.6, 0.4, 0.9])



@exercise("5.1")
def check_musical_score(answer: Any) -> str:
    want = float(VIEWER @ MUSICAL)
    if answer is not None and answer is not Ellipsis and np.ndim(answer) == 0:
        if np.isclose(float(answer), float(VIEWER @ MUSICAL[::-1])):
            raise NotYet(
                "you paired the components in the wrong order: action with action, romance with "
                "romance, …"
            )
    expect_close(answer, want, "the viewer's score for the musical", rtol=0, atol=5e-3)
    return (
        f"0.9·0.1 + (−0.4)·0.6 + 0.5·0.4 + 0.2·0.9 = {want:.2f}: the dislike of romance "
        "cancels "
        "most of what comedy and music add."
    )


@exercise("5.2")
def check_predict_rating(answer: Any) -> str:
    predict_rating = needs_function(answer, "predict_rating(mu, b_u, b_i, p_u, q_i)")
    rng = np.random.default_rng(52)
    for f in (1, 3, 8):
        mu, b_u, b_i = 3.5, float(rng.normal(0, 0.3)), float(rng.normal(0, 0.3))
        p, q = rng.normal(size=f), rng.normal(size=f)
        got = predict_rating(mu, b_u, b_i, p, q)
        if np.ndim(got) != 0:
            raise NotYet(
                f"predict_rating should return one number; it returned shape {np.shape(got)}"
            )
        if np.isclose(float(got), float(p @ q)):
            raise NotYet("that is the bare dot product: add the global mean and both biases")
        want = mu + b_u + b_i + float(p @ q)
        expect_close(got, want, f"predict_rating with {f} factors", rtol=1e-9)
    return "r̂ = μ + b_u + b_i + p_u·q_i: the baseline, then the match of tastes."


@exercise("5.3")
def check_als_user_update(answer: Any) -> str:
    update = needs_function(answer, "als_user_update(Q_rated, y, reg)")
    rng = np.random.default_rng(53)
    for n, f, reg in ((6, 2, 0.1), (25, 4, 0.05), (3, 5, 0.5)):
        Q, y = rng.normal(size=(n, f)), rng.normal(size=n)
        want = np.linalg.solve(Q.T @ Q + reg * n * np.eye(f), Q.T @ y)
        got = np.asarray(update(Q.copy(), y.copy(), reg), dtype=float)
        unweighted = np.linalg.solve(Q.T @ Q + reg * np.eye(f), Q.T @ y)
        if got.shape == want.shape and np.allclose(got, unweighted):
            raise NotYet(
                "the penalty should grow with the user's number of ratings: use λ·n·I, with n = "
                "len(y)"
            )
        lstsq = np.linalg.lstsq(Q, y, rcond=None)[0]
        if got.shape == want.shape and np.allclose(got, lstsq) and not np.allclose(lstsq, want):
            raise NotYet("that is plain least squares: add λ·n to the diagonal of QᵀQ")
        what = f"the update for a user with {n} ratings and {f} factors"
        expect_close(got, want, what, rtol=1e-6, atol=1e-9)
    return (
        "(QᵀQ + λnI) p = Qᵀy: an f×f system built from dot products "
        "of the rated items' vectors."
    )


@exercise("5.4")
def check_top_k(answer: Any) -> str:
    top_k = needs_function(answer, "top_k(scores, k)")
    rng = np.random.default_rng(54)
    for n, k in ((10, 3), (1000, 10), (5000, 200), (50, 50), (7, 1)):
        scores = rng.normal(size=n)
        got = np.asarray(top_k(scores.copy(), k))
        want = np.argsort(-scores)[:k]
        if got.shape != (k,):
            raise NotYet(
                f"top_k(scores, {k}) should return {k} indices; it returned shape {got.shape}"
            )
        if set(got.tolist()) == set(want.tolist()) and not np.array_equal(got, want):
            raise NotYet("you found the right items; now sort just those k, best first")
        if not np.array_equal(got, want):
            raise NotYet(
                f"for {n} scores and k={k} the indices differ from the k largest, best first"
            )
    return "argpartition finds the k best in O(n); sorting only those costs O(k log k)."


__all__ = ["MUSICAL", "VIEWER"]
