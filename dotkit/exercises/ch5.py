"""Checkers for chapter 5, "Recommender systems".

5.1  a number: the predicted score of the chapter's viewer for the musical, by hand.
5.2  ``predict_rating(mu, b_u, b_i, p_u, q_i)``: the biased matrix-factorization prediction.
5.3  ``als_user_update(Q_rated, y, reg)``: one user's regularised least-squares solve.
5.4  ``sgd_step(p, q, r, lr, reg)``: one stochastic-gradient step on one rating.
5.5  ``own_neighbour_share(Q)``: how many items are their own nearest neighbour by dot product.
5.6  ``fold_in(Q_rated, b_rated, y, mu, reg, bias_reg)``: a new user's bias and vector from a few ratings.
5.7  ``top_k(scores, k)``: the indices of the ``k`` largest scores, best first, without a full sort.
5.8  ``precision_recall_at_k(ranked, future, k)``: one user's precision@k and recall@k.

Functions are called on fresh inputs drawn here and compared with a float64
NumPy oracle.
"""

from __future__ import annotations

import builtins
import contextlib
from typing import Any

import numpy as np

from dotkit.exercises import (
    NotYet,
    as_array,
    exercise,
    expect_close,
    known_mistake,
    needs_function,
    needs_number,
)

#: The viewer and the musical of exercise 5.1 (features: action, romance, comedy, music).
VIEWER = np.array([0.9, -0.4, 0.5, 0.2])
MUSICAL = np.array([0.1, 0.6, 0.4, 0.9])


@exercise("5.1", todo="replace the ... with one number: your score for the musical, worked out by hand")
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
    expect_close(value, want, "the viewer's score for the musical", rtol=0, atol=5e-3, mistakes=mistakes.items())
    return (f"0.9·0.1 + (−0.4)·0.6 + 0.5·0.4 + 0.2·0.9 = {want:.2f}: the dislike of romance cancels most of "
            "what comedy and music add.")


@exercise("5.3", todo="write the body of als_user_update so that it returns the user's new vector p, one "
                      "number per factor")
def check_als_user_update(answer: Any) -> str:
    update = needs_function(answer, "als_user_update(Q_rated, y, reg)")
    rng = np.random.default_rng(53)
    for n, f, reg in ((6, 2, 0.1), (25, 4, 0.05), (3, 5, 0.5)):
        Q, y = rng.normal(size=(n, f)), rng.normal(size=n)
        gram, rhs = Q.T @ Q, Q.T @ y
        want = np.linalg.solve(gram + reg * n * np.eye(f), rhs)
        what = f"the update for a user with {n} ratings and {f} factors"
        try:
            raw = update(Q.copy(), y.copy(), reg)
        except NotYet as exc:
            if "ValueError" in str(exc) and ("mismatch" in str(exc) or "solve" in str(exc)):
                raise NotYet(f"np.linalg.solve refused the shapes: an f×f matrix needs a right-hand side with "
                             f"f entries, and y has one per rating (here n = {n}, f = {f}); which product of "
                             "Q_rated and y has f entries?") from None
            raise
        mistakes = [
            (np.linalg.solve(gram + reg * np.eye(f), rhs),
             "the penalty should grow with the user's number of ratings: use λ·n·I, with n = len(y)"),
            (np.linalg.solve(gram + reg * f * np.eye(f), rhs),
             "n is the user's number of ratings, len(y), not the number of factors"),
            (np.linalg.solve(gram + reg * n, rhs),
             "you added λ·n to every entry of QᵀQ; it belongs on the diagonal only (multiply by np.eye(f))"),
            (np.linalg.lstsq(Q, y, rcond=None)[0], "that is plain least squares: add λ·n to the diagonal of QᵀQ"),
        ]
        expect_close(raw, want, what, rtol=1e-6, atol=1e-9, mistakes=mistakes,
                     mistake_rtol=1e-3, mistake_atol=1e-6)
    return "(QᵀQ + λnI) p = Qᵀy: an f×f system built from dot products of the rated items' vectors."


@exercise("5.2", todo="write the body of predict_rating so that it returns one number, the model's predicted "
                      "rating")
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


@exercise("5.4", todo="write the body of sgd_step so that it returns the pair (new p, new q) after one step "
                      "on the rating r")
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
            (p + 2 * lr * (e * q - reg * p), q + 2 * lr * (e * p - reg * q),
             "right direction, twice the step: the chapter's rule folds the 2 of the squared error's gradient "
             "into η, so the step is η·(e·q − λ·p), not 2η·(…)"),
            (p + lr * (2 * e * q - reg * p), q + lr * (2 * e * p - reg * q),
             "the 2 from differentiating the square is already folded into η: use η·(e·q − λ·p)"),
        ]
        hint = known_mistake((got_p, got_q), (want_p, want_q), [((wp, wq), hint) for wp, wq, hint in mistakes])
        if hint:
            raise NotYet(hint)
        expect_close(out[0], want_p, f"the new p ({f} factors)", rtol=1e-6, atol=1e-9)
        expect_close(out[1], want_q, f"the new q ({f} factors)", rtol=1e-6, atol=1e-9)
    return ("e = r − p·q from the old vectors, then p += η(e q − λ p) and q += η(e p − λ q): the negative "
            "gradient of (r − p·q)² + λ(‖p‖² + ‖q‖²), halved.")


@exercise("5.6", todo="write the body of fold_in so that it returns the pair (b_u, p_u): one number and a "
                      "vector with one entry per factor")
def check_fold_in(answer: Any) -> str:
    fold_in = needs_function(answer, "fold_in(Q_rated, b_rated, y, mu, reg, bias_reg)")
    rng = np.random.default_rng(56)
    for n, f, reg, breg in ((3, 4, 0.1, 10.0), (8, 2, 0.05, 2.0), (5, 6, 0.3, 0.7)):
        Q, b = rng.normal(size=(n, f)), rng.normal(0, 0.4, size=n)
        y, mu = np.asarray(rng.integers(1, 6, size=n), dtype=float), 3.5
        A = np.hstack([np.ones((n, 1)), Q])

        def solve(A: np.ndarray, t: np.ndarray, pen: Any) -> np.ndarray:
            return np.linalg.solve(A.T @ A + np.diag(np.broadcast_to(pen, A.shape[1])), A.T @ t)

        good = np.array([breg] + [reg * n] * f)
        want = solve(A, y - mu - b, good)
        b_first = float(np.sum(y - mu - b) / (n + breg))
        p_after = np.linalg.solve(Q.T @ Q + reg * n * np.eye(f), Q.T @ (y - mu - b - b_first))
        out = fold_in(Q.copy(), b.copy(), y.copy(), mu, reg, breg)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise NotYet("fold_in should return two things, the bias and the vector: `return b_u, p_u`")
        got_b, got_p = as_array(out[0], "the new user's bias"), as_array(out[1], "the new user's vector")
        if got_b.size != 1:
            raise NotYet(f"the bias b_u is one number; yours has shape {got_b.shape}")
        got = np.concatenate([got_b.reshape(1), got_p.reshape(-1)])
        mistakes = [
            (solve(A, y - mu, good), "the items' biases are known: subtract b_i as well as μ from the ratings"),
            (solve(A, y - b, good), "subtract the global mean μ from the ratings too"),
            (solve(A, y, good), "the ratings still hold μ + b_i: subtract both before solving"),
            (solve(A, y - mu - b, np.array([breg] + [reg] * f)),
             "the vector's penalty grows with the number of ratings: λ·n on its diagonal entries, n = len(y)"),
            (solve(A, y - mu - b, reg * n),
             "the bias gets its own fixed penalty λ_b (bias_reg), not λ·n like the vector's entries"),
            (solve(A, y - mu - b, np.array([0.0] + [reg * n] * f)),
             "the bias is penalised too: put bias_reg on the first diagonal entry (a new user with three "
             "ratings should not keep their whole average offset)"),
            (np.concatenate([[0.0], np.linalg.solve(Q.T @ Q + reg * n * np.eye(f), Q.T @ (y - mu - b))]),
             "the bias is an unknown too: add a column of ones to Q_rated so that the solve finds b_u"),
            (np.concatenate([[b_first], p_after]),
             "you fitted the bias first and the vector after it; the two share the ratings, so solve for "
             "[b_u, p_u] together in one (f+1)×(f+1) system"),
        ]
        hint = known_mistake(got, want, mistakes)
        if hint:
            raise NotYet(hint)
        expect_close(out[1], want[1:], f"the vector of a user with {n} ratings", rtol=1e-6, atol=1e-9)
        expect_close(out[0], np.full(got_b.shape, want[0]), f"the bias of a user with {n} ratings",
                     rtol=1e-6, atol=1e-9)
    return ("With the items fixed, a new user is one more row of an ALS half-step: [1, q_i]·[b_u, p_u] "
            "fitted to r − μ − b_i, penalties diag(λ_b, λn, …), one (f+1)×(f+1) solve, no refit of anyone else.")


@exercise("5.5", todo="write the body of own_neighbour_share so that it returns one number, a share between "
                      "0 and 1")
def check_own_neighbour_share(answer: Any) -> str:
    share = needs_function(answer, "own_neighbour_share(Q)")
    rng = np.random.default_rng(57)
    for n, f in ((200, 4), (60, 8), (500, 2)):
        Q = rng.normal(size=(n, f)) * rng.lognormal(0, 0.6, size=(n, 1))
        G = Q @ Q.T
        want = float(np.mean(np.argmax(G, axis=1) == np.arange(n)))
        value = needs_number(share(Q.copy()), "one number, a share between 0 and 1")
        mistakes = {
            want * n: "that is a count; return the share of items (divide by the number of rows)",
            1.0: "every item is its own nearest neighbour by cosine; by raw dot product a longer vector can win",
        }
        if value == 0.0 and want > 0:
            raise NotYet("no row came out as its own nearest neighbour, yet some must (the longest vector "
                         "always is). If you left each item out of its own candidates, put it back: the "
                         "question is whether q_i·q_i wins; otherwise check what you compare argmax with")
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


@contextlib.contextmanager
def _no_full_sorts(limit: int) -> Any:
    """While active, ``np.argsort``, ``np.sort``, ``np.lexsort`` and ``sorted`` refuse more than ``limit`` items."""
    saved = {name: getattr(np, name) for name in ("argsort", "sort", "lexsort")}
    saved_sorted = builtins.sorted

    def guard(name: str, fn: Any) -> Any:
        def wrapped(a: Any, *args: Any, **kwargs: Any) -> Any:
            size = np.size(a) if name != "sorted" else None
            if size is None:
                a = list(a)
                size = len(a)
            if size > limit:
                raise NotYet(f"you sorted all {size} scores (with {name}); use np.argpartition to keep the "
                             "k best, then sort only those k")
            return fn(a, *args, **kwargs)

        return wrapped

    try:
        for name, fn in saved.items():
            setattr(np, name, guard(name, fn))
        builtins.sorted = guard("sorted", saved_sorted)
        yield
    finally:
        for name, fn in saved.items():
            setattr(np, name, fn)
        builtins.sorted = saved_sorted


@exercise("5.7", todo="write the body of top_k so that it returns k positions in scores, best first, "
                      "without sorting all the scores")
def check_top_k(answer: Any) -> str:
    top_k = needs_function(answer, "top_k(scores, k)")
    rng = np.random.default_rng(54)
    for n, k in ((10, 3), (1000, 10), (5000, 200), (7, 1)):
        scores = rng.normal(size=n)
        _NoFullSort.limit = k
        with _no_full_sorts(k):
            raw = top_k(scores.copy().view(_NoFullSort), k)
        got = as_array(raw, f"top_k(scores, {k})")
        want = np.argsort(-scores)[:k]
        if got.shape != (k,):
            raise NotYet(f"top_k(scores, {k}) should return {k} indices; it returned shape {got.shape}")
        if np.allclose(got, np.sort(scores)[::-1][:k]):
            raise NotYet("those are the best scores themselves; return their indices (positions in scores)")
        if np.array_equal(got, np.argsort(scores)[:k]):
            raise NotYet("those are the indices of the k smallest scores: negate the scores, or reverse the order")
        if k > 1 and set(got.tolist()) == set(np.argsort(scores)[:k].tolist()):
            raise NotYet("those are the k smallest scores, however you order them: np.argpartition puts the "
                         "smallest first, so give it -scores (or take the last k)")
        if set(got.tolist()) == set(want.tolist()) and not np.array_equal(got, want):
            raise NotYet("you found the right items; now sort just those k, best first")
        if not np.array_equal(got, want):
            raise NotYet(f"for {n} scores and k={k} the indices differ from those of the k largest, best first")
    return "argpartition finds the k best in O(n); sorting only those costs O(k log k)."


def _hits_at_k(ranked: np.ndarray, future: set[int], k: int) -> int:
    return len(set(ranked[:k].tolist()) & future)


@exercise("5.8", todo="write the body of precision_recall_at_k so that it returns the pair (precision, recall) "
                      "for one user's list at length k")
def check_precision_recall_at_k(answer: Any) -> str:
    fn = needs_function(answer, "precision_recall_at_k(ranked, future, k)")
    rng = np.random.default_rng(58)
    for n_list, n_future, k in ((20, 6, 10), (30, 3, 10), (15, 12, 5), (25, 40, 20)):
        ranked = rng.permutation(60)[:n_list]
        future = set(rng.permutation(60)[:n_future].tolist()) | {int(ranked[0])}  # at least one hit
        got = fn(ranked.copy(), set(future), k)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise NotYet("return two numbers, the pair (precision, recall)")
        hits, everywhere = _hits_at_k(ranked, future, k), _hits_at_k(ranked, future, n_list)
        want = np.array([hits / k, hits / len(future)])
        expect_close(np.asarray([needs_number(g) for g in got], dtype=float), want,
                     f"(precision, recall) at k={k}", mistakes=[
                         (np.array([hits, hits], dtype=float), "those are counts of hits: divide them"),
                         (want[::-1], "the two are swapped: precision divides by k, recall by len(future)"),
                         (np.array([hits / k, hits / k]), "recall divides the hits by the number of future "
                                                          "films, not by k"),
                         (np.array([everywhere / k, everywhere / len(future)]), "count the hits in the first k "
                                                                                "of the list only"),
                         (np.array([hits / n_list, hits / len(future)]), "precision divides by k, not by the "
                                                                          "length of the whole list"),
                     ])
    return ("precision@k is hits / k and recall@k hits / (number of future films); with only 3 future films, "
            "no list of 10 can score a precision above 0.3, which is why averages over users with few future "
            "films stay low.")


__all__ = ["MUSICAL", "VIEWER", "check_als_user_update", "check_fold_in", "check_musical_score",
           "check_own_neighbour_share", "check_precision_recall_at_k", "check_predict_rating", "check_sgd_step",
           "check_top_k"]
