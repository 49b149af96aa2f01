"""Matrix factorization and recommender metrics, on every backend.

Oracles: NumPy float64 recomputations from the fitted parameters, brute-force
sorts, and the planted parameters of a synthetic rating set.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dotkit as dk
from dotkit.datasets.movielens import make_ratings, split_ratings
from dotkit.errors import FitError, InputValueError, ShapeError
from dotkit.models.als import als_half_step
from dotkit.models.als import padded_segments as _segments
from dotkit.models.metrics import mae, precision_at_k, recall_at_k, rmse
from dotkit.models.mf import MatrixFactorization, NotFittedError

NOISE = 0.3


@pytest.fixture(scope="module")
def planted():
    data = make_ratings(200, 150, n_factors=3, density=0.3, seed=0, noise=NOISE)
    train, test = split_ratings(data.users, data.items, data.ratings, seed=0)
    oracle = data.global_mean + data.user_bias[test[0]] + data.item_bias[test[1]] + np.einsum(
        "nf,nf->n", data.user_factors[test[0]], data.item_factors[test[1]]
    )
    return data, train, test, float(np.sqrt(np.mean((test[2] - oracle) ** 2)))


def _np(x):
    return np.asarray(dk.to_numpy(x), dtype=np.float64)


def test_als_recovers_planted_matrix(backend, planted) -> None:
    _, train, test, oracle_rmse = planted
    # A light bias penalty: the planted biases are exact, with ~45 ratings behind each.
    mf = MatrixFactorization(n_factors=3, reg=0.01, method="als", backend=backend, bias_reg=0.5)
    mf.fit(*train, epochs=8, validation=test, progress=False)
    val = mf.history["val_rmse"]
    assert len(val) == 8 and len(mf.history["train_rmse"]) == 8
    # The planted model itself scores ~NOISE on the held-out ratings; ALS gets within 15% of it.
    assert abs(oracle_rmse - NOISE) < 0.02
    assert val[-1] < 1.15 * oracle_rmse, val
    assert val[-1] < 0.5 * val[0] or val[0] < 1.2 * oracle_rmse


def test_sgd_recovers_planted_matrix(backend, planted) -> None:
    _, train, test, oracle_rmse = planted
    mf = MatrixFactorization(
        n_factors=3, reg=0.01, method="sgd", lr=0.05, batch_size=256, backend=backend, bias_reg=0.5
    )
    mf.fit(*train, epochs=25, validation=test, progress=False)
    val = mf.history["val_rmse"]
    assert val[-1] < 1.2 * oracle_rmse, val[-5:]
    assert val[-1] < val[0]


def test_planted_factors_span_is_recovered(planted) -> None:
    data, train, _, _ = planted
    mf = MatrixFactorization(n_factors=3, reg=0.01, backend="numpy")
    mf.fit(*train, epochs=8, progress=False)
    Q = _np(mf.item_factors)
    Q_true = data.item_factors[mf.item_ids]
    # Factors are identifiable only up to an invertible 3x3 map: regress one on the other.
    coef, *_ = np.linalg.lstsq(Q, Q_true, rcond=None)
    r2 = 1 - np.sum((Q @ coef - Q_true) ** 2) / np.sum((Q_true - Q_true.mean(0)) ** 2)
    assert r2 > 0.9


def _small_model(backend, method="als", biases=True, ids_scale=1, ids_shift=0):
    data = make_ratings(40, 30, n_factors=2, density=0.4, seed=3, noise=0.2)
    users = data.users * ids_scale + ids_shift
    items = data.items * ids_scale + ids_shift
    mf = MatrixFactorization(
        n_factors=4, reg=0.05, method=method, biases=biases, seed=1, backend=backend
    )
    return mf.fit(users, items, data.ratings, epochs=3, progress=False), data, users, items


@pytest.mark.parametrize("method", ["als", "sgd"])
def test_predict_matches_formula(backend, method) -> None:
    mf, data, users, items = _small_model(backend, method)
    P, Q = _np(mf.user_factors), _np(mf.item_factors)
    bu, bi = _np(mf.user_bias), _np(mf.item_bias)
    ru, ri = mf.user_rows(users[:50]), mf.item_rows(items[:50])
    want = mf.global_mean + bu[ru] + bi[ri] + np.sum(P[ru] * Q[ri], axis=1)
    got = _np(mf.predict(users[:50], items[:50]))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # Unseen ids: global mean plus whatever bias is known.
    u0, i0 = int(users[0]), int(items[0])
    unseen = _np(mf.predict([u0, 999, 999], [999, i0, 998]))
    np.testing.assert_allclose(
        unseen,
        [
            mf.global_mean + bu[mf.user_rows([u0])[0]],
            mf.global_mean + bi[mf.item_rows([i0])[0]],
            mf.global_mean,
        ],
        rtol=1e-5,
    )


def test_predict_without_biases_is_plain_dot(backend) -> None:
    mf, data, users, items = _small_model(backend, biases=False)
    P, Q = _np(mf.user_factors), _np(mf.item_factors)
    ru, ri = mf.user_rows(users), mf.item_rows(items)
    want = np.sum(P[ru] * Q[ri], axis=1)
    np.testing.assert_allclose(_np(mf.predict(users, items)), want, rtol=1e-5, atol=1e-5)
    assert np.allclose(_np(mf.user_bias), 0) and np.allclose(_np(mf.item_bias), 0)
    np.testing.assert_allclose(_np(mf.predict([999], [int(items[0])])), [mf.global_mean], rtol=1e-6)


def test_als_solves_the_normal_equations(planted) -> None:
    """One ALS user half-step equals each user's ridge regression, solved one by one."""
    _, train, _, _ = planted
    mf = MatrixFactorization(n_factors=3, reg=0.05, bias_penalty="count", backend="numpy")
    mf.fit(*train, epochs=1, progress=False)
    Q, bi = _np(mf.item_factors), _np(mf.item_bias)
    bk = mf._bk
    side = _segments(bk, mf._users.rows_of_input, mf._items.rows_of_input, len(mf._users),
                    len(mf._items), np.float64)
    r = dk.asarray(train[2], backend="numpy")
    P_new, bu_new = als_half_step(bk, side, mf.item_factors, mf.item_bias, r, mf._mu, mf._penalty)
    for row in (0, 7, 42):
        sel = mf._users.rows_of_input == row
        A = np.column_stack([np.ones(sel.sum()), Q[mf._items.rows_of_input[sel]]])
        y = train[2][sel] - mf.global_mean - bi[mf._items.rows_of_input[sel]]
        x = np.linalg.solve(A.T @ A + 0.05 * sel.sum() * np.eye(4), A.T @ y)
        np.testing.assert_allclose([bu_new[row], *P_new[row]], x, rtol=1e-8, atol=1e-10)


def test_bias_penalty_of_its_own(planted) -> None:
    """bias_penalty="count": bias_reg per rating on the bias unknown; its default equals reg."""
    _, train, _, _ = planted
    mf = MatrixFactorization(n_factors=3, reg=0.05, bias_reg=0.5, bias_penalty="count", backend="numpy")
    mf.fit(*train, epochs=1, progress=False)
    Q, bi = _np(mf.item_factors), _np(mf.item_bias)
    side = _segments(mf._bk, mf._users.rows_of_input, mf._items.rows_of_input, len(mf._users),
                    len(mf._items), np.float64)
    r = dk.asarray(train[2], backend="numpy")
    P_new, bu_new = als_half_step(mf._bk, side, mf.item_factors, mf.item_bias, r, mf._mu, mf._penalty)
    for row in (0, 7):
        sel = mf._users.rows_of_input == row
        A = np.column_stack([np.ones(sel.sum()), Q[mf._items.rows_of_input[sel]]])
        y = train[2][sel] - mf.global_mean - bi[mf._items.rows_of_input[sel]]
        pen = sel.sum() * np.diag([0.5, 0.05, 0.05, 0.05])
        x = np.linalg.solve(A.T @ A + pen, A.T @ y)
        np.testing.assert_allclose([bu_new[row], *P_new[row]], x, rtol=1e-8, atol=1e-10)
    assert MatrixFactorization(reg=0.2, bias_penalty="count").bias_reg == 0.2
    assert MatrixFactorization(reg=0.2).bias_reg == 10.0
    with pytest.raises(InputValueError, match="bias_penalty"):
        MatrixFactorization(bias_penalty="weighted")
    assert len(mf.batches_per_half_step) == 2 and min(mf.batches_per_half_step) >= 1
    with pytest.raises(InputValueError, match="bias_reg"):
        MatrixFactorization(bias_reg=-1.0)


def test_fixed_bias_penalty_is_koren_damping(planted) -> None:
    """The default: λ·n_u on the vector, a fixed λ_b on the bias (not multiplied by n_u)."""
    _, train, _, _ = planted
    mf = MatrixFactorization(n_factors=3, reg=0.05, bias_reg=7.0, backend="numpy")
    mf.fit(*train, epochs=1, progress=False)
    Q, bi = _np(mf.item_factors), _np(mf.item_bias)
    side = _segments(mf._bk, mf._users.rows_of_input, mf._items.rows_of_input, len(mf._users),
                    len(mf._items), np.float64)
    r = dk.asarray(train[2], backend="numpy")
    P_new, bu_new = als_half_step(mf._bk, side, mf.item_factors, mf.item_bias, r, mf._mu, mf._penalty)
    for row in (0, 7):
        sel = mf._users.rows_of_input == row
        A = np.column_stack([np.ones(sel.sum()), Q[mf._items.rows_of_input[sel]]])
        y = train[2][sel] - mf.global_mean - bi[mf._items.rows_of_input[sel]]
        pen = np.diag([7.0, *(0.05 * sel.sum(),) * 3])
        x = np.linalg.solve(A.T @ A + pen, A.T @ y)
        np.testing.assert_allclose([bu_new[row], *P_new[row]], x, rtol=1e-8, atol=1e-10)
    # Biases only: each item's bias is its summed residual over (n_i + λ_b), so one rating moves it little.
    users = np.array([0, 1, 2, 3, 0])
    items = np.array([0, 0, 0, 0, 1])
    ratings = np.array([4.0, 4.0, 4.0, 4.0, 5.0])
    b = MatrixFactorization(n_factors=0, bias_reg=4.0, backend="numpy").fit(users, items, ratings, epochs=30,
                                                                             progress=False)
    assert abs(_np(b.item_bias)[1]) < abs(5.0 - b.global_mean) / 2
    sgd = MatrixFactorization(n_factors=2, reg=0.05, method="sgd", lr=0.02, backend="numpy", seed=0)
    sgd.fit(*train, epochs=3, progress=False)
    assert np.isfinite(_np(sgd.item_bias)).all() and sgd.bias_penalty == "fixed"


def test_recommend_equals_brute_force_sort(backend) -> None:
    mf, data, users, items = _small_model(backend, ids_scale=3, ids_shift=1)
    P, Q, bi = _np(mf.user_factors), _np(mf.item_factors), _np(mf.item_bias)
    for user in (int(users[0]), int(users[-1])):
        row = mf.user_rows([user])[0]
        scores = mf.global_mean + _np(mf.user_bias)[row] + bi + Q @ P[row]
        seen = set(items[users == user].tolist())
        order = [int(mf.item_ids[j]) for j in np.argsort(-scores)]
        ranked = [item for item in order if item not in seen]
        rec = mf.recommend(user, k=5)
        assert rec.items.tolist() == ranked[:5]
        want = np.sort(scores[mf.item_rows(rec.items)])[::-1]
        np.testing.assert_allclose(rec.scores, want, rtol=1e-5)
        everything = mf.recommend(user, k=5, exclude_seen=False)
        assert everything.items.tolist() == [int(mf.item_ids[j]) for j in np.argsort(-scores)[:5]]


def test_recommend_edge_cases(backend) -> None:
    mf, data, users, items = _small_model(backend)
    n_items = len(mf.item_ids)
    user = int(users[0])
    n_seen = int(np.sum(users == user))
    assert len(mf.recommend(user, k=n_items).items) == n_items - n_seen  # only unseen items
    cold = mf.recommend(10_000, k=3)  # an unseen user gets the best-rated items by bias
    assert cold.items.tolist() == [int(mf.item_ids[j]) for j in np.argsort(-_np(mf.item_bias))[:3]]
    with pytest.raises(InputValueError, match="larger than the number"):
        mf.recommend(user, k=n_items + 1)
    with pytest.raises(InputValueError, match="non-negative integer"):
        mf.recommend(-1)


def test_ids_are_mapped_not_assumed(backend) -> None:
    a, *_ = _small_model(backend, ids_scale=1, ids_shift=0)
    b, _, ub, ib = _small_model(backend, ids_scale=1000, ids_shift=1)
    got_a, got_b = _np(a.predict([0, 5], [0, 7])), _np(b.predict([1, 5001], [1, 7001]))
    np.testing.assert_allclose(got_a, got_b, rtol=1e-6)


def test_similar_items_cosine_and_dot(backend) -> None:
    mf, *_ = _small_model(backend)
    Q = _np(mf.item_factors)
    item = int(mf.item_ids[4])
    for metric in ("cosine", "dot"):
        scores = Q @ Q[4]
        if metric == "cosine":
            scores = scores / (np.linalg.norm(Q, axis=1) * np.linalg.norm(Q[4]))
        order = [j for j in np.argsort(-scores) if j != 4][:3]
        found = mf.similar_items(item, k=3, metric=metric)
        assert found.items.tolist() == mf.item_ids[order].tolist()


def test_bias_only_model(backend) -> None:
    data = make_ratings(30, 20, n_factors=2, density=0.5, seed=2)
    mf = MatrixFactorization(n_factors=0, backend=backend)
    mf.fit(data.users, data.items, data.ratings, epochs=2, progress=False)
    assert mf.item_factors.shape == (20, 0)
    assert math.isfinite(mf.history["train_rmse"][-1])


def test_backends_agree() -> None:
    if "mlx" not in dk.available_backends():
        pytest.skip("MLX not installed")
    data = make_ratings(60, 50, n_factors=3, density=0.3, seed=4, noise=0.3)
    fits = [
        MatrixFactorization(n_factors=3, reg=0.05, backend=b).fit(
            data.users, data.items, data.ratings, epochs=4, progress=False
        )
        for b in ("numpy", "mlx")
    ]
    preds = [_np(m.predict(data.users, data.items)) for m in fits]
    np.testing.assert_allclose(preds[1], preds[0], rtol=1e-3, atol=2e-3)  # float32 against float64


def test_input_validation() -> None:
    with pytest.raises(InputValueError, match="method"):
        MatrixFactorization(method="svd")
    with pytest.raises(InputValueError, match="reg"):
        MatrixFactorization(reg=-1.0)
    with pytest.raises(InputValueError, match="n_factors"):
        MatrixFactorization(n_factors=-2)
    mf = MatrixFactorization(n_factors=2)
    with pytest.raises(NotFittedError, match="fit"):
        mf.predict([1], [1])
    with pytest.raises(InputValueError, match="non-negative"):
        mf.fit([1, -2], [1, 2], [3.0, 4.0], progress=False)
    with pytest.raises(ShapeError, match="one entry per rating"):
        mf.fit([1, 2], [1, 2], [3.0], progress=False)
    with pytest.raises(InputValueError, match="NaN"):
        mf.fit([1, 2], [1, 2], [3.0, float("nan")], progress=False)
    with pytest.raises(InputValueError, match="integer ids"):
        mf.fit([1.5, 2], [1, 2], [3.0, 4.0], progress=False)
    with pytest.raises(InputValueError, match="epochs"):
        mf.fit([1, 2], [1, 2], [3.0, 4.0], epochs=0, progress=False)
    with pytest.raises(InputValueError, match="validation"):
        mf.fit([1, 2], [1, 2], [3.0, 4.0], validation=([1], [1]), progress=False)
    mf.fit([1, 2], [1, 2], [3.0, 4.0], epochs=1, progress=False)
    with pytest.raises(ShapeError, match="pair up"):
        mf.predict([1, 2], [1])


# -- metrics -----------------------------------------------------------------------
def test_rmse_mae_match_numpy(backend, rng) -> None:
    t = rng.uniform(1, 5, 200)
    p = t + rng.standard_normal(200) * 0.5
    tb, pb = dk.asarray(t, backend=backend.name), dk.asarray(p, backend=backend.name)
    assert math.isclose(rmse(tb, pb), float(np.sqrt(np.mean((t - p) ** 2))), rel_tol=1e-5)
    assert math.isclose(mae(tb, pb), float(np.mean(np.abs(t - p))), rel_tol=1e-5)


def test_metric_errors() -> None:
    with pytest.raises(ShapeError, match="differ in length"):
        rmse([1.0, 2.0], [1.0])
    with pytest.raises(InputValueError, match="empty"):
        mae([], [])
    with pytest.raises(InputValueError, match="k"):
        precision_at_k([1, 2], {1}, k=0)
    with pytest.raises(InputValueError, match="relevant is empty"):
        recall_at_k([1, 2], set(), k=2)


def test_precision_recall_by_hand() -> None:
    assert precision_at_k([4, 2, 9, 1], {2, 1, 7}, k=2) == 0.5
    assert precision_at_k([4, 2, 9, 1], {2, 1, 7}, k=4) == 0.5
    assert recall_at_k([4, 2, 9, 1], {2, 1, 7}, k=4) == pytest.approx(2 / 3)
    batch = precision_at_k([[1, 2], [3, 4], [5, 6]], [{1}, {3, 4}, set()], k=2)
    assert batch == pytest.approx(0.75)  # the user with nothing relevant is skipped
    assert recall_at_k(np.array([[1, 2], [3, 4]]), [{1, 9}, {4}], k=2) == pytest.approx(0.75)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=15, unique=True),
       st.sets(st.integers(0, 30), min_size=1, max_size=10), st.integers(1, 15))
def test_precision_recall_properties(ranked, relevant, k) -> None:
    hits = len(set(ranked[:k]) & relevant)
    assert precision_at_k(ranked, relevant, k=k) == hits / k
    assert recall_at_k(ranked, relevant, k=k) == hits / len(relevant)
    assert 0 <= precision_at_k(ranked, relevant, k=k) <= 1


def test_fold_in_is_one_row_of_an_als_half_step(planted) -> None:
    """Folding in a user who is in the training data gives that user's next ALS half-step."""
    _, train, _, _ = planted
    mf = MatrixFactorization(n_factors=3, reg=0.05, bias_reg=4.0, backend="numpy")
    mf.fit(*train, epochs=2, progress=False)
    side = _segments(mf._bk, mf._users.rows_of_input, mf._items.rows_of_input, len(mf._users),
                    len(mf._items), np.float64)
    r = dk.asarray(train[2], backend="numpy")
    P_new, bu_new = als_half_step(mf._bk, side, mf.item_factors, mf.item_bias, r, mf._mu, mf._penalty)
    user = int(mf.user_ids[5])
    sel = train[0] == user
    b_u, p_u = mf.fold_in(train[1][sel], train[2][sel])
    np.testing.assert_allclose([b_u, *p_u], [_np(bu_new)[5], *_np(P_new)[5]], rtol=1e-8, atol=1e-10)
    with pytest.raises(ShapeError):
        mf.fold_in(train[1][sel][:2], train[2][sel][:3])


# -- a failed fit leaves the model as it was -------------------------------------------------
def _state(model) -> dict:
    """Everything a model holds, arrays as NumPy copies, so two states compare by value."""
    out = {}
    for name, value in vars(model).items():
        if hasattr(value, "shape") and not isinstance(value, np.ndarray):
            value = np.array(dk.to_numpy(value))
        out[name] = value
    return out


def _same(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for name in a:
        x, y = a[name], b[name]
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            x, y = np.asarray(x), np.asarray(y)
            nan_ok = x.dtype.kind == "f" and y.dtype.kind == "f"
            if not (x.shape == y.shape and np.array_equal(x, y, equal_nan=nan_ok)):
                return False
        elif name in ("_users", "_items"):
            if not np.array_equal(x.ids, y.ids):
                return False
        elif isinstance(x, (int, float, str, bool, dict, tuple, list, type(None))) and x != y:
            return False
    return True


def _failing_fit(kind: str, ratings):
    """A model and the fit call that must fail: ALS with no penalty on too few ratings, SGD with a huge step."""
    users, items, r = ratings
    if kind == "als":
        model = MatrixFactorization(n_factors=6, reg=0.1, bias_reg=0.0, backend="numpy")
        broken = MatrixFactorization(n_factors=6, reg=0.0, bias_reg=0.0, backend="numpy")
    else:
        model = MatrixFactorization(n_factors=3, method="sgd", lr=0.01, backend="numpy")
        broken = MatrixFactorization(n_factors=3, method="sgd", lr=1e6, backend="numpy")
    return model, broken


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["als", "sgd"]), st.integers(0, 10_000), st.booleans())
def test_a_failed_fit_leaves_the_model_unchanged(kind, seed, fitted_before) -> None:
    data = make_ratings(30, 25, n_factors=2, density=0.15, seed=seed % 50, noise=0.3)
    ratings = (data.users, data.items, data.ratings * (1e150 if kind == "sgd" else 1))
    model, broken = _failing_fit(kind, ratings)
    if fitted_before:  # a good fit first, then the failing one into the same object
        model.fit(data.users, data.items, data.ratings, epochs=2, progress=False)
        before = _state(model)
        model.reg, model.lr = broken.reg, broken.lr
    else:
        model = broken
        before = _state(model)
    with pytest.raises(FitError) as info:
        model.fit(*ratings, epochs=3, progress=False)
    assert "MatrixFactorization.fit" in str(info.value)
    model.reg, model.lr = before["reg"], before["lr"]
    assert _same(_state(model), before)
    if fitted_before:
        pred = _np(model.predict(data.users[:5], data.items[:5]))
        assert np.all(np.isfinite(pred))
    else:
        with pytest.raises(NotFittedError):
            model.predict([0], [0])


def test_sgd_stops_at_a_non_finite_loss_with_a_clear_error() -> None:
    data = make_ratings(30, 25, n_factors=2, density=0.3, seed=0)
    model = MatrixFactorization(n_factors=3, method="sgd", lr=50.0, backend="numpy")
    with pytest.raises(FitError, match="lr=50.0"):
        model.fit(data.users, data.items, data.ratings, epochs=20, progress=False)
    assert issubclass(FitError, ArithmeticError) and not model._fitted


def test_als_without_penalty_names_the_short_row() -> None:
    model = MatrixFactorization(n_factors=5, reg=0.0, backend="numpy")
    with pytest.raises(FitError, match="reg=0 every user needs at least 5 ratings"):
        model.fit([0, 0, 1, 1, 1, 1, 1, 1], [0, 1, 0, 1, 2, 3, 4, 5], [4.0] * 8, progress=False)


def test_recommend_by_cosine_matches_a_full_sort(backend) -> None:
    mf, *_ = _small_model(backend)
    user = int(mf.user_ids[3])
    row = int(mf.user_rows([user])[0])
    P, Q = _np(mf.user_factors), _np(mf.item_factors)
    cos = Q @ P[row] / np.linalg.norm(Q, axis=1) / np.linalg.norm(P[row])
    seen = set(mf.rated_items(user).tolist())
    order = [int(mf.item_ids[j]) for j in np.argsort(-cos, kind="stable") if int(mf.item_ids[j]) not in seen]
    rec = mf.recommend(user, k=4, metric="cosine")
    assert rec.items.tolist() == order[:4]
    np.testing.assert_allclose(rec.scores, np.sort(cos[mf.item_rows(order[:4])])[::-1], rtol=1e-5)
    with pytest.raises(InputValueError, match="no vector"):
        mf.recommend(10**6, k=2, metric="cosine")
