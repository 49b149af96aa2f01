"""Implicit-feedback ranking (weighted ALS) and the per-user time split, against plain-loop references.

Oracles: a dense per-user solve with the full confidence matrix ``C_u``
(every cell, watched or not), the loss summed over every cell of the table,
and a brute-force sort of every item's score.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dotkit as dk
from dotkit.datasets.ratings import make_ratings, split_by_time
from dotkit.errors import FitError, InputValueError, NotFittedError, ShapeError
from dotkit.models.als import padded_segments
from dotkit.models.implicit import ImplicitALS, wals_half_step, wals_loss


def _np(x):
    return np.asarray(dk.to_numpy(x), dtype=np.float64)


@pytest.fixture(scope="module")
def pairs():
    data = make_ratings(40, 30, n_factors=2, density=0.25, seed=4)
    weights = np.random.default_rng(0).integers(1, 4, size=len(data)).astype(float)
    return data.users, data.items, weights


def _dense(model, users, items, weights):
    """Preference and confidence tables over every cell, rows in the model's order."""
    nu, ni = len(model.user_ids), len(model.item_ids)
    P, C = np.zeros((nu, ni)), np.ones((nu, ni))
    ru, ri = model.user_rows(users), model.item_rows(items)
    P[ru, ri] = 1.0
    C[ru, ri] = 1 + model.alpha * weights
    return P, C


def test_half_step_equals_a_dense_solve_per_user(backend, pairs) -> None:
    users, items, w = pairs
    model = ImplicitALS(n_factors=3, reg=0.5, alpha=2.0, backend=backend).fit(users, items, w, epochs=1,
                                                                             progress=False)
    P, C = _dense(model, users, items, w)
    Y = _np(model.item_factors)
    bk = model._bk
    side = padded_segments(bk, model.user_rows(users), model.item_rows(items), P.shape[0], P.shape[1],
                           bk.default_float)
    conf = bk.asarray(1 + model.alpha * w, dtype=bk.default_float)
    X = _np(wals_half_step(bk, side, model.item_factors, conf, model.reg))
    for u in range(P.shape[0]):  # (Yᵀ C_u Y + λI) x_u = Yᵀ C_u p_u, with every item in C_u
        Cu = np.diag(C[u])
        expect = np.linalg.solve(Y.T @ Cu @ Y + model.reg * np.eye(3), Y.T @ Cu @ P[u])
        np.testing.assert_allclose(X[u], expect, rtol=2e-4, atol=2e-5)


def test_loss_equals_the_sum_over_every_cell(pairs) -> None:
    users, items, w = pairs
    model = ImplicitALS(n_factors=4, reg=0.3, alpha=5.0, backend="numpy").fit(users, items, w, epochs=3,
                                                                             progress=False)
    P, C = _dense(model, users, items, w)
    X, Y = _np(model.user_factors), _np(model.item_factors)
    plain = 0.0
    for u in range(P.shape[0]):
        for i in range(P.shape[1]):
            plain += C[u, i] * (P[u, i] - X[u] @ Y[i]) ** 2
    plain += model.reg * (np.sum(X**2) + np.sum(Y**2))
    assert model.history["loss"][-1] == pytest.approx(plain, rel=1e-9)
    assert np.all(np.diff(model.history["loss"]) <= 1e-6 * plain)  # each half-step is an exact minimum
    bk = model._bk
    again = wals_loss(bk, model.user_factors, model.item_factors, bk.asarray(model.user_rows(users)),
                      bk.asarray(model.item_rows(items)), bk.asarray(1 + model.alpha * w), model.reg)
    assert again == pytest.approx(plain, rel=1e-9)


def test_recommend_equals_a_full_sort(backend, pairs) -> None:
    users, items, w = pairs
    model = ImplicitALS(n_factors=3, reg=0.1, backend=backend).fit(users, items, epochs=4, progress=False)
    X, Y = _np(model.user_factors), _np(model.item_factors)
    for user in model.user_ids[:6]:
        s = Y @ X[model.user_rows([user])[0]]
        seen = set(model.rated_items(user).tolist())
        order = [int(model.item_ids[j]) for j in np.argsort(-s, kind="stable")
                 if int(model.item_ids[j]) not in seen]
        rec = model.recommend(int(user), k=5)
        assert rec.items.tolist() == order[:5]
        assert not set(rec.items.tolist()) & seen
    everything = model.recommend(int(model.user_ids[0]), k=len(model.item_ids), exclude_seen=False)
    assert sorted(everything.items.tolist()) == sorted(model.item_ids.tolist())


def test_duplicate_pairs_add_their_weights(pairs) -> None:
    users, items, _ = pairs
    twice = ImplicitALS(n_factors=2, seed=1, backend="numpy").fit(
        np.concatenate([users, users]), np.concatenate([items, items]), epochs=2, progress=False)
    once = ImplicitALS(n_factors=2, seed=1, backend="numpy").fit(users, items, np.full(len(users), 2.0),
                                                                 epochs=2, progress=False)
    np.testing.assert_allclose(_np(twice.user_factors), _np(once.user_factors), rtol=1e-9, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 1000), st.booleans())
def test_a_failed_fit_leaves_the_model_unchanged(seed, fitted_before) -> None:
    data = make_ratings(20, 15, n_factors=2, density=0.3, seed=seed % 20)
    model = ImplicitALS(n_factors=2, seed=seed, backend="numpy")
    if fitted_before:
        model.fit(data.users, data.items, epochs=2, progress=False)
    before = {k: (np.array(v) if hasattr(v, "shape") else v) for k, v in vars(model).items()}
    model.alpha = 1e308  # confidences overflow to inf: the solve gives non-finite vectors
    with pytest.raises(FitError, match="ImplicitALS.fit"):
        model.fit(data.users, data.items, np.full(len(data), 10.0), epochs=2, progress=False)
    model.alpha = before["alpha"]
    after = vars(model)
    assert after.keys() == before.keys()
    for k, v in before.items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(np.array(after[k]), v)
    if not fitted_before:
        with pytest.raises(NotFittedError):
            model.recommend(0)


def test_bad_input_is_refused_by_name() -> None:
    with pytest.raises(InputValueError, match="ImplicitALS: alpha"):
        ImplicitALS(alpha=-1)
    with pytest.raises(ShapeError, match="ImplicitALS.fit: users and items"):
        ImplicitALS().fit([0, 1], [0], progress=False)
    with pytest.raises(InputValueError, match="weights"):
        ImplicitALS().fit([0, 1], [0, 1], [1.0, -2.0], progress=False)
    model = ImplicitALS(n_factors=2).fit([0, 1], [0, 1], epochs=1, progress=False)
    with pytest.raises(InputValueError, match="user 7 was not in the training data"):
        model.recommend(7)


def test_split_by_time_holds_out_each_users_latest() -> None:
    rng = np.random.default_rng(0)
    users = rng.integers(0, 30, size=600)
    items = rng.integers(0, 50, size=600)
    stamps = rng.integers(0, 10**6, size=600)
    (tu, ti, tr), (vu, vi, vr) = split_by_time(users, items, np.arange(600.0), stamps, test_fraction=0.25)
    assert len(tr) + len(vr) == 600 and not set(tr.tolist()) & set(vr.tolist())
    for u in np.unique(users):  # a plain loop: sort each user's ratings by time, hold out the last share
        mine = np.flatnonzero(users == u)
        ranked = mine[np.lexsort((mine, stamps[mine]))]
        n_test = min(int(round(0.25 * len(mine))), len(mine) - 1)
        assert sorted(vr[vu == u].astype(int).tolist()) == sorted(ranked[len(mine) - n_test:].tolist())
        if len(mine):
            assert (vu == u).sum() < len(mine)  # every user keeps a training rating
    with pytest.raises(InputValueError, match="split_by_time: test_fraction"):
        split_by_time(users, items, users, stamps, test_fraction=1.0)


def test_split_by_time_global_cutoff_holds_out_the_latest_of_all() -> None:
    rng = np.random.default_rng(1)
    users = rng.integers(0, 30, size=500)
    items = rng.integers(0, 50, size=500)
    stamps = rng.integers(0, 200, size=500)  # many ties, broken by input order
    (tu, ti, tr), (vu, vi, vr) = split_by_time(users, items, np.arange(500.0), stamps, test_fraction=0.3,
                                               per_user=False)
    ranked = sorted(range(500), key=lambda j: (stamps[j], j))  # a plain sort by time, then input order
    assert sorted(vr.astype(int).tolist()) == sorted(ranked[350:])
    assert sorted(tr.astype(int).tolist()) == sorted(ranked[:350])
    assert stamps[tr.astype(int)].max() <= stamps[vr.astype(int)].min()  # nothing in training is later
    with pytest.raises(InputValueError, match="split_by_time: per_user must be True or False; received 'no'"):
        split_by_time(users, items, users, stamps, per_user="no")
