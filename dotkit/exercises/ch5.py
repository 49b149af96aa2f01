"""Checkers for chapter 5, "Recommender systems".

5.1  a number: the predicted score of the chapter's viewer for the musical, by hand.
5.2  ``predict_rating(mu, b_u, b_i, p_u, q_i)``: the biased matrix-factorization prediction.
5.3  ``als_user_update(Q_rated, y, reg)``: one user's regularised least-squares solve.
5.4  ``sgd_step(p, q, r, lr, reg)``: one stochastic-gradient step on one rating.
5.5  ``own_neighbour_share(Q)``: how many items are their own nearest neighbour by dot product.
5.6  ``fold_in(Q_rated, b_rated, y, mu, reg)``: a new user's bias and vector from a few ratings.
5.7  ``top_k(scores, k)``: the indices of the ``k`` largest scores, best first, without a full sort.

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


@exercise("5.3", todo="build the f×f matrix QᵀQ, add the penalty on its diagonal (it grows with the number of "
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


@exercise("5.2", todo="the prediction starts from the global mean, adds the user's and the item's bias, then how "
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


@exercise("5.4", todo="compute the error e = r − p·q once, from the old vectors; then move p along "
                      "e·q − λ·p and q along e·p − λ·q, both scaled by the step size")
def check_sgd_step(answer: Any) -> str:
    step = needs_function(answer, "sgd_step(p, q, r, lr, reg)")
    rng = np.random.default_rng(55)
    for f, lr, reg in ((3, 0.05, 0.1), (6, 0.01, 0.02), (1, 0.2, 0.5)):
        p, q = rng.normal(size=f), rng.normal(size=f)
        r = float(rng.uniform(1, 5))
        e = r - p @ q
        want_p, want_q = p + lr * (e * q - reg * p), q + lr * (e * p - reg * q)
        out = step(p.copy(), q.copy(), r, lr, reg)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise NotYet("sgd_step should return two vectors, the new p and the new q: `return p_new, q_new`")
        got_p, got_q = as_array(out[0], "the new p"), as_array(out[1], "the new q")
        p_new = p + lr * (e * q - reg * p)
        mistakes = [
            (p - lr * (e * q - reg * p), q - lr * (e * p - reg * q),
             "the step goes the wrong way: with e = r − p·q, the update adds η·(e·q − λ·p)"),
            (p + lr * e * q, q + lr * e * p, "the penalty is missing: subtract λ·p (and λ·q) inside the step"),
            (p_new, q + lr * ((r - p_new @ q) * p_new - reg * q),
             "q was updated from the new p: compute the error once and update both vectors from the old ones"),
            (p_new, q + lr * (e * p_new - reg * q),
             "q was updated with the new p: keep a copy of the old p for q's step"),
            (p + lr * (e * q + reg * p), q + lr * (e * p + reg * q),
             "the penalty pulls the vectors towards zero: it enters with a minus sign, −λ·p"),
        ]
        right = _same(got_p, want_p) and _same(got_q, want_q)
        if not right:
            for wrong_p, wrong_q, hint in mistakes:
                if _same(got_p, wrong_p) and _same(got_q, wrong_q):
                    raise NotYet(hint)
        expect_close(out[0], want_p, f"the new p ({f} factors)", rtol=1e-6, atol=1e-9)
        expect_close(out[1], want_q, f"the new q ({f} factors)", rtol=1e-6, atol=1e-9)
    return ("e = r − p·q from the old vectors, then p += η(e q − λ p) and q += η(e p − λ q): the negative "
            "gradient of (r − p·q)² + λ(‖p‖² + ‖q‖²), halved.")


@exercise("5.6", todo="the unknowns are [b_u, p_u]: put a column of ones in front of Q_rated, subtract μ and "
                      "the items' biases from y, then solve the regularised normal equations as in 5.3")
def check_fold_in(answer: Any) -> str:
    fold_in = needs_function(answer, "fold_in(Q_rated, b_rated, y, mu, reg)")
    rng = np.random.default_rng(56)
    for n, f, reg in ((3, 4, 0.1), (8, 2, 0.05), (5, 6, 0.3)):
        Q, b = rng.normal(size=(n, f)), rng.normal(0, 0.4, size=n)
        y, mu = rng.integers(1, 6, size=n).astype(float), 3.5
        A = np.hstack([np.ones((n, 1)), Q])

        def solve(A: np.ndarray, t: np.ndarray, pen: float) -> np.ndarray:
            return np.linalg.solve(A.T @ A + pen * np.eye(A.shape[1]), A.T @ t)

        want = solve(A, y - mu - b, reg * n)
        out = fold_in(Q.copy(), b.copy(), y.copy(), mu, reg)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise NotYet("fold_in should return two things, the bias and the vector: `return b_u, p_u`")
        got_b, got_p = as_array(out[0], "the new user's bias"), as_array(out[1], "the new user's vector")
        if got_b.size != 1:
            raise NotYet(f"the bias b_u is one number; yours has shape {got_b.shape}")
        got = np.concatenate([got_b.reshape(1), got_p.reshape(-1)])
        mistakes = [
            (solve(A, y - mu, reg * n), "the items' biases are known: subtract b_i as well as μ from the ratings"),
            (solve(A, y - b, reg * n), "subtract the global mean μ from the ratings too"),
            (solve(A, y, reg * n), "the ratings still hold μ + b_i: subtract both before solving"),
            (solve(A, y - mu - b, reg), "the penalty grows with the number of ratings: λ·n·I, with n = len(y)"),
            (np.concatenate([[0.0], np.linalg.solve(Q.T @ Q + reg * n * np.eye(f), Q.T @ (y - mu - b))]),
             "the bias is an unknown too: add a column of ones to Q_rated so that the solve finds b_u"),
        ]
        if got.shape == want.shape and not _same(got, want):
            for wrong, hint in mistakes:
                if _same(got, wrong):
                    raise NotYet(hint)
        expect_close(out[1], want[1:], f"the vector of a user with {n} ratings", rtol=1e-6, atol=1e-9)
        expect_close(out[0], np.full(got_b.shape, want[0]), f"the bias of a user with {n} ratings",
                     rtol=1e-6, atol=1e-9)
    return ("With the items fixed, a new user is one more row of an ALS half-step: [1, q_i]·[b_u, p_u] "
            "fitted to r − μ − b_i, solved in a (f+1)×(f+1) system, no refit of anyone else.")


@exercise("5.5", todo="take all dot products Q @ Q.T, find each row's largest entry with argmax, and count the "
                      "rows whose largest entry is on the diagonal; return the share")
def check_own_neighbour_share(answer: Any) -> str:
    share = needs_function(answer, "own_neighbour_share(Q)")
    rng = np.random.default_rng(57)
    for n, f in ((200, 4), (60, 8), (500, 2)):
        Q = rng.normal(size=(n, f)) * rng.lognormal(0, 0.6, size=(n, 1))
        G = Q @ Q.T
        want = float(np.mean(np.argmax(G, axis=1) == np.arange(n)))
        value = needs_number(share(Q.copy()), "one number, a share between 0 and 1")
        off = G - np.diag(np.full(n, np.inf))
        mistakes = {
            want * n: "that is a count; return the share of items (divide by the number of rows)",
            1.0: "every item is its own nearest neighbour by cosine; by raw dot product a longer vector can win",
            float(np.mean(np.argmax(off, axis=1) == np.arange(n))): "leave the item itself among the "
                                                                   "candidates: the question is whether it wins",
        }
        for wrong, hint in mistakes.items():
            if abs(value - wrong) < 1e-6 and abs(value - want) > 1e-6:
                raise NotYet(hint)
        expect_close(value, want, f"the share for {n} random vectors of length {f}", rtol=0, atol=1e-6)
    return ("q_i·q_i = ‖q_i‖², and q_i·q_j = ‖q_i‖‖q_j‖cos θ beats it whenever ‖q_j‖ cos θ > ‖q_i‖: "
            "a short vector loses to any long one pointing roughly its way.")


class _NoFullSort(np.ndarray):
    """Scores that refuse to be sorted whole (sorting a slice of at most ``limit`` is fine)."""

    limit = 0

    def argsort(self, *args: Any, **kwargs: Any) -> Any:
        if self.size > _NoFullSort.limit:
            raise NotYet(f"you sorted all {self.size} scores; use np.argpartition to keep the k best, "
                         "then sort only those k")
        return np.asarray(self).argsort(*args, **kwargs)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        if self.size > _NoFullSort.limit:
            raise NotYet(f"you sorted all {self.size} scores; np.argpartition finds the k best without "
                         "a full sort")
        np.ndarray.sort(self, *args, **kwargs)


@exercise("5.7", todo="np.argpartition on the negated scores keeps the k best (in no order); then order just "
                      "those k by their scores")
def check_top_k(answer: Any) -> str:
    top_k = needs_function(answer, "top_k(scores, k)")
    rng = np.random.default_rng(54)
    for n, k in ((10, 3), (1000, 10), (5000, 200), (7, 1)):
        scores = rng.normal(size=n)
        _NoFullSort.limit = k
        got = as_array(top_k(scores.copy().view(_NoFullSort), k), f"top_k(scores, {k})")
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


__all__ = ["MUSICAL", "VIEWER", "check_als_user_update", "check_fold_in", "check_musical_score",
           "check_own_neighbour_share", "check_predict_rating", "check_sgd_step", "check_top_k"]
