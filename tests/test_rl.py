"""dotkit.rl: feature maps, linear values, MC / TD prediction on the 1000-state walk, SARSA.

Oracles: NumPy float64 linear algebra (the exact DP values, the MC and TD
fixed points) and plain per-step Python loops.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dotkit as dk
from dotkit.errors import InputValueError, ShapeError
from dotkit.rl import (
    FourierBasis,
    PolynomialBasis,
    StateAggregation,
    TileCoder,
    action_values,
    experiments,
    gradient_mc,
    gradient_mc_aggregated,
    linear_value,
    mc_fixed_point,
    n_step_td,
    semi_gradient_td,
    td_fixed_point,
    value_error,
)
from dotkit.rl import random_walk as rw

STATES = np.arange(1, 1001)


@pytest.fixture(scope="module")
def truth():
    return rw.true_values(backend="numpy"), rw.visit_distribution(), rw.transition_model()


# -- the random walk and its true values ------------------------------------------------------


def test_true_values_monotone_symmetric_and_near_plus_minus_0_9(truth) -> None:
    v, _, _ = truth
    assert v.shape == (1000,)
    assert np.all(np.diff(v) > 0)
    np.testing.assert_allclose(v, -v[::-1], atol=1e-12)  # mirror image: v(s) = −v(1001 − s)
    assert -0.95 < v[0] < -0.88 and 0.88 < v[-1] < 0.95
    # roughly linear in between: within 0.1 of the straight line through the ends
    line = np.linspace(v[0], v[-1], 1000)
    assert np.max(np.abs(v - line)) < 0.1


def test_true_values_are_a_fixed_point_of_the_bellman_backup(truth) -> None:
    v, _, model = truth
    np.testing.assert_allclose(rw.bellman_backup(v, model=model), v, atol=1e-12)


def test_true_values_match_plain_python_policy_evaluation() -> None:
    # a small walk (10 states, jumps of 1..3), evaluated by sweeps written out in plain Python
    n, k = 10, 3
    v = [0.0] * n
    for _ in range(2000):
        new = []
        for s in range(1, n + 1):
            total = 0.0
            for j in list(range(-k, 0)) + list(range(1, k + 1)):
                t = s + j
                total += (-1.0 if t < 1 else 1.0 if t > n else v[t - 1]) / (2 * k)
            new.append(total)
        v = new
    np.testing.assert_allclose(rw.true_values(n, k, backend="numpy"), v, atol=1e-9)


def test_true_values_on_every_backend(backend, truth) -> None:
    got = dk.to_numpy(rw.true_values(backend=backend))
    np.testing.assert_allclose(got, truth[0], atol=1e-4 if not backend.supports_float64 else 1e-12)


def test_episodes_follow_the_rules() -> None:
    ep = rw.episodes(500, rng=1)
    S, R, L = ep
    b = np.arange(500)
    assert np.all(S[:, 0] == 500)
    assert np.all(S[b, L - 1] >= 1) and np.all(np.abs(R[b, L - 1]) == 1)
    assert np.all(np.abs(R).sum(axis=1) == 1)  # one non-zero reward, at the end
    pad = np.arange(S.shape[1])[None, :] >= L[:, None]
    assert np.all(S[pad] == -1)
    inner = np.arange(S.shape[1] - 1)[None, :] < (L[:, None] - 1)
    jumps = np.abs(np.diff(S, axis=1))[inner]
    assert jumps.min() >= 1 and jumps.max() <= 100
    # the last jump leaves the walk on the side of the reward
    last = S[b, L - 1]
    assert np.all((R[b, L - 1] < 0) <= (last <= 100)) and np.all((R[b, L - 1] > 0) <= (last >= 901))


def test_visit_distribution_matches_simulation(truth) -> None:
    _, mu, _ = truth
    ep = rw.episodes(10_000, rng=2)
    counts = np.bincount(ep.states[ep.states > 0], minlength=1001)[1:]
    by_group = (counts / counts.sum()).reshape(10, 100).sum(axis=1)
    assert np.abs(by_group - mu.reshape(10, 100).sum(axis=1)).max() < 5e-3
    # expected length: the total expected visits Σ η(s), with η = h + Pᵀη (eq. 9.2)
    P, _ = rw.transition_model()
    h = np.zeros(1000)
    h[499] = 1.0
    expected = np.linalg.solve(np.eye(1000) - P.T, h).sum()
    assert abs(ep.lengths.mean() - expected) < 4  # the standard error of the mean is about 1


# -- feature maps -------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 16), st.integers(1, 12), st.integers(1, 3), st.integers(0, 10_000))
def test_tile_coding_has_exactly_n_tilings_active_features(n_tilings, tiles, k, seed) -> None:
    rng = np.random.default_rng(seed)
    low, high = -rng.uniform(0.1, 2, k), rng.uniform(0.1, 2, k)
    tc = TileCoder(low, high, n_tilings=n_tilings, tiles=tiles)
    x = rng.uniform(low - 0.2, high + 0.2, size=(50, k))  # also outside the box: clipped
    idx = tc.indices(x)
    assert idx.shape == (50, n_tilings)
    assert idx.min() >= 0 and idx.max() < tc.n_features
    # one feature per tiling, and the tilings own disjoint ranges of features
    np.testing.assert_array_equal(
        idx // tc.per_tiling, np.broadcast_to(np.arange(n_tilings), idx.shape)
    )
    dense = dk.to_numpy(tc.matrix(x))
    np.testing.assert_array_equal(dense.sum(axis=1), n_tilings)
    assert set(np.unique(dense)) <= {0.0, 1.0}
    np.testing.assert_array_equal(tc.matrix(x, sparse=True).toarray(), dense)
    np.testing.assert_array_equal(np.stack([tc.active(r) for r in x[:5]]), idx[:5])


def test_tile_coding_generalises_locally_and_hashing_stays_in_range() -> None:
    tc = TileCoder([0.0], [1.0], n_tilings=8, tiles=10)
    a, near, far = tc.indices([[0.50], [0.51], [0.95]])
    assert len(set(a) & set(near)) >= 6  # a step of a tenth of a tile leaves most tiles shared
    assert not set(a) & set(far)
    hashed = TileCoder([-1.2, -0.07], [0.6, 0.07], n_tilings=8, tiles=8, hash_size=256)
    idx = hashed.indices(
        np.random.default_rng(0).uniform([-1.2, -0.07], [0.6, 0.07], size=(200, 2))
    )
    assert idx.shape == (200, 8) and idx.min() >= 0 and idx.max() < 256
    np.testing.assert_allclose(
        dk.to_numpy(hashed.matrix(idx[:0].reshape(0, 2) + 0.0)).shape, (0, 256)
    )


def test_state_aggregation_one_hot_and_errors() -> None:
    agg = StateAggregation(1000, 10, first=1)
    phi = dk.to_numpy(agg.transform(STATES))
    np.testing.assert_array_equal(phi.sum(axis=1), 1)
    np.testing.assert_array_equal(phi.argmax(axis=1), (STATES - 1) // 100)
    with pytest.raises(InputValueError, match="divisible"):
        StateAggregation(1000, 7)
    with pytest.raises(InputValueError, match=r"\[1, 1000\]"):
        agg.group([0])


def test_polynomial_and_fourier_bases_against_their_formulas(backend) -> None:
    s = np.linspace(1, 1000, 7)
    u = (s - 1) / 999
    poly = dk.to_numpy(
        PolynomialBasis(3, low=1, high=1000).transform(dk.asarray(s, backend=backend))
    )
    four = dk.to_numpy(FourierBasis(3, low=1, high=1000).transform(dk.asarray(s, backend=backend)))
    atol = 1e-12 if backend.supports_float64 else 1e-5
    np.testing.assert_allclose(poly, u[:, None] ** np.arange(4), atol=atol)
    np.testing.assert_allclose(four, np.cos(np.pi * u[:, None] * np.arange(4)), atol=atol)
    two = dk.to_numpy(
        FourierBasis(1, low=[0, 0], high=[1, 1]).transform(
            dk.asarray([[0.25, 0.5]], backend=backend)
        )
    )
    np.testing.assert_allclose(two[0], np.cos(np.pi * np.array([0, 0.5, 0.25, 0.75])), atol=atol)
    with pytest.raises(ShapeError, match=r"states of shape \(n, 2\)"):
        FourierBasis(1, low=[0, 0], high=[1, 1]).transform([[1.0, 2.0, 3.0]])


# -- linear values --------------------------------------------------------------------------------


def test_values_are_dot_products(backend, rng) -> None:
    phi, w, W = rng.standard_normal((6, 4)), rng.standard_normal(4), rng.standard_normal((3, 4))
    atol = 1e-12 if backend.supports_float64 else 1e-5
    got = dk.to_numpy(
        linear_value(dk.asarray(w, backend=backend), dk.asarray(phi, backend=backend))
    )
    np.testing.assert_allclose(got, [sum(a * b for a, b in zip(row, w)) for row in phi], atol=atol)
    q = dk.to_numpy(action_values(dk.asarray(W, backend=backend), dk.asarray(phi, backend=backend)))
    np.testing.assert_allclose(q, phi @ W.T, atol=atol)
    with pytest.raises(ShapeError, match="linear_value"):
        linear_value(np.zeros(3), phi)


# -- prediction ---------------------------------------------------------------------------------


def _plain_n_step(phi, ep, w, alpha, n, gamma=1.0):
    """The book's online n-step TD written step by step in plain NumPy, one episode at a time."""
    w = np.array(w, dtype=float)
    for b in range(ep.states.shape[0]):
        L = int(ep.lengths[b])
        S, R = ep.states[b, :L], ep.rewards[b, :L]
        for tau in range(L):
            end = L if n is None else min(tau + n, L)
            G = sum(gamma ** (k - tau) * R[k] for k in range(tau, end))
            if n is not None and tau + n < L:
                G += gamma**n * (phi[S[tau + n] - 1] @ w)
            x = phi[S[tau] - 1]
            w = w + alpha * (G - x @ w) * x
    return w


@pytest.mark.parametrize("n", [1, 3, None])
def test_one_run_n_step_td_matches_plain_loop_on_tile_codes(n) -> None:
    # four active features per state: the one-run path touches only those
    ep = rw.episodes(6, rng=4)
    tc = TileCoder([1.0], [1000.0], n_tilings=4, tiles=9)
    phi = dk.to_numpy(tc.matrix(STATES.astype(float)))
    want = _plain_n_step(phi, ep, np.zeros(tc.n_features), 0.05 / 4, n)
    got = n_step_td(phi, ep, np.zeros(tc.n_features), 0.05 / 4, n=n)
    np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.parametrize("n", [2, None])
def test_one_run_equals_side_by_side_path_episode_by_episode(backend, n) -> None:
    # a dense basis with signed values: the one-run path (episodes in sequence) and the
    # side-by-side path fed one episode at a time do the same arithmetic
    ep = rw.episodes(4, rng=9)
    poly = dk.to_numpy(PolynomialBasis(3, low=1, high=1000).transform(STATES.astype(float)))
    w_one = dk.to_numpy(n_step_td(dk.asarray(poly, backend=backend), ep, dk.asarray(np.zeros(4), backend=backend),
                                  0.05, n=n))
    W = dk.asarray(np.zeros((1, 4)), backend=backend)
    for b in range(4):
        W = n_step_td(dk.asarray(poly, backend=backend), ep.one(b), W, dk.asarray([0.05], backend=backend), n=n)
    atol = 1e-12 if backend.supports_float64 else 2e-4
    np.testing.assert_allclose(w_one, dk.to_numpy(W)[0], atol=atol)
    np.testing.assert_allclose(w_one, _plain_n_step(poly, ep, np.zeros(4), 0.05, n), atol=atol)


def test_one_run_returns_the_backend_and_dtype_of_w(backend) -> None:
    ep = rw.episodes(2, rng=3)
    phi = dk.asarray(dk.to_numpy(StateAggregation(1000, 5, first=1).transform(STATES)), backend=backend)
    w = dk.asarray(np.zeros(5, dtype=np.float32), backend=backend)
    got = n_step_td(phi, ep, w, 0.1)
    assert backend.owns(got) and got.dtype == w.dtype and got.shape == (5,)
    assert np.abs(dk.to_numpy(got)).max() > 0  # it learned


def test_episodes_one_and_tile() -> None:
    ep = rw.episodes(3, rng=2)
    one = ep.one(1)
    L = int(ep.lengths[1])
    assert one.states.shape == (1, L) and one.lengths.tolist() == [L]
    np.testing.assert_array_equal(one.states[0], ep.states[1, :L])
    tiled = ep.tile(2)
    assert tiled.states.shape == (6, ep.states.shape[1])
    np.testing.assert_array_equal(tiled.states[3:], ep.states)
    np.testing.assert_array_equal(tiled.lengths, np.tile(ep.lengths, 2))


@pytest.mark.parametrize("n", [1, 4])
def test_n_step_td_discounts_the_rewards_and_the_bootstrap(n) -> None:
    ep = rw.episodes(5, rng=8)
    phi = dk.to_numpy(StateAggregation(1000, 20, first=1).transform(STATES))
    want = _plain_n_step(phi, ep, np.full(20, 0.3), 0.05, n, gamma=0.9)
    got = n_step_td(phi, ep, np.full(20, 0.3), 0.05, n=n, gamma=0.9)
    np.testing.assert_allclose(got, want, atol=1e-12)
    assert not np.allclose(got, n_step_td(phi, ep, np.full(20, 0.3), 0.05, n=n))  # γ matters


def test_side_by_side_runs_equal_separate_runs(backend) -> None:
    ep = rw.episodes(5, rng=5)
    poly = dk.to_numpy(PolynomialBasis(4, low=1, high=1000).transform(STATES.astype(float)))
    alphas = np.array([0.01, 0.02, 0.05, 0.1, 0.2])
    W = n_step_td(
        dk.asarray(poly, backend=backend),
        ep,
        dk.asarray(np.zeros((5, 5)), backend=backend),
        dk.asarray(alphas, backend=backend),
        n=2,
    )
    for b in range(5):
        one = ep.one(b)
        want = _plain_n_step(poly, one, np.zeros(5), alphas[b], 2)
        np.testing.assert_allclose(
            dk.to_numpy(W)[b], want, atol=1e-10 if backend.supports_float64 else 2e-4
        )


def test_closed_form_aggregated_mc_equals_stepwise_updates() -> None:
    agg = StateAggregation(1000, 10, first=1)
    ep = rw.episodes(40, rng=6)
    want = gradient_mc(agg.transform(STATES), ep, np.zeros(10), 0.01, backend="numpy")
    np.testing.assert_allclose(
        gradient_mc_aggregated(agg.group(STATES), ep, np.zeros(10), 0.01), want, atol=1e-12
    )


@pytest.mark.parametrize("run", [experiments.mc_weight_history, experiments.mc_aggregation_run,
                                 experiments.td_aggregation_run])
@pytest.mark.parametrize("alpha", [0.0, -0.1, 1.5, float("nan"), True, "0.1"])
def test_experiments_name_themselves_for_a_bad_step_size(run, alpha) -> None:
    with pytest.raises(InputValueError, match=f"{run.__name__}: alpha must be a number in \\(0, 1\\]"):
        run(5, alpha)


def test_mc_weight_history_is_gradient_mc_after_every_episode() -> None:
    groups = StateAggregation(1000, 10, first=1).group(STATES)
    history, eps = experiments.mc_weight_history(12, 5e-3, seed=4)
    assert history.shape == (13, 10) and np.all(history[0] == 0)
    np.testing.assert_array_equal(eps.states, rw.episodes(12, 4).states)
    for e in (1, 5, 12):
        want = gradient_mc_aggregated(groups, rw.Episodes(*(x[:e] for x in eps)), np.zeros(10), 5e-3)
        np.testing.assert_allclose(history[e], want, atol=1e-12)


def test_gradient_mc_reproduces_figure_9_1_levels(truth) -> None:
    # Figure 9.1 at full size: 100,000 episodes at α = 2e-5 (under a second with the
    # closed-form episode update). Tolerance: 0.05 on every group against the exact
    # μ-weighted average of the true values over the group, where gradient MC converges.
    v, mu, _ = truth
    agg = StateAggregation(1000, 10, first=1)
    w, visits = experiments.mc_aggregation_run(100_000, 2e-5, seed=0, show_progress=False)
    target = mc_fixed_point(agg.transform(STATES), v, mu)
    assert np.abs(w - target).max() < 0.05
    assert -0.86 < w[0] < -0.76 and 0.76 < w[-1] < 0.86  # the end groups near ±0.8
    assert np.all(np.diff(w) > 0)
    assert visits.argmax() in range(450, 551)  # the start state's neighbourhood is visited most


def test_td0_is_more_biased_than_mc_figure_9_2_left(truth) -> None:
    v, mu, (P, r) = truth
    agg = StateAggregation(1000, 10, first=1)
    phi = dk.to_numpy(agg.transform(STATES))
    # the book: 100,000 episodes at α = 2e-4; here 20,000 at α = 1e-3 (a second), same fixed point
    w_td = experiments.td_aggregation_run(20_000, 1e-3, seed=1, show_progress=False)
    w_star_td, w_star_mc = td_fixed_point(phi, P, r, mu), mc_fixed_point(phi, v, mu)
    assert np.abs(w_td - w_star_td).max() < 0.04  # learned TD(0) sits at its fixed point (eq. 9.12)
    ve_td, ve_mc = value_error(phi @ w_star_td, v, mu), value_error(phi @ w_star_mc, v, mu)
    assert ve_td > 1.5 * ve_mc  # the TD fixed point is worse: the bias of Figure 9.2 (left)
    assert value_error(phi @ w_td, v, mu) > ve_mc
    assert abs(w_td[0]) < abs(w_star_mc[0]) - 0.08  # TD's end values are pulled toward the middle


def test_n_step_sweep_intermediate_n_is_best() -> None:
    errs = experiments.n_step_sweep([1, 4, 64], [0.1, 0.3, 0.6], n_runs=10, show_progress=False)
    best = errs.min(axis=1)
    assert (
        best[1] < best[0] and best[1] < best[2]
    )  # Figure 9.2 (right): n = 4 beats n = 1 and n = 64
    assert 0.2 < best[1] < 0.45


def test_prediction_input_errors() -> None:
    ep = rw.episodes(2, rng=0)
    with pytest.raises(ShapeError, match="n_step_td"):
        n_step_td(np.zeros((1000, 3)), ep, np.zeros(4), 0.1)
    with pytest.raises(ShapeError, match="2 rows"):
        semi_gradient_td(np.zeros((1000, 3)), ep, np.zeros((3, 3)), 0.1)
    with pytest.raises(InputValueError, match="gamma"):
        n_step_td(np.zeros((1000, 3)), ep, np.zeros(3), 0.1, gamma=1.5)
    with pytest.raises(InputValueError, match="Episodes"):
        n_step_td(np.zeros((1000, 3)), "not episodes", np.zeros(3), 0.1)


# -- control ------------------------------------------------------------------------------------


def test_sarsa_mountain_car_learns_within_100_episodes() -> None:
    from dotkit.rl.control import cost_to_go, sarsa_mountain_car

    # three seeds, about a second each: the last ten of 100 episodes average well under 200 steps
    runs = [sarsa_mountain_car(100, seed=s, show_progress=False) for s in range(3)]
    steps = np.stack([r.steps for r in runs]).astype(float)
    assert np.all(steps[:, 0] == 200)  # the first episode never reaches the goal in 200 steps
    assert steps[:, 90:].mean() < 155  # measured: 138.6 (seeds 0-2: 154.4, 135.8, 125.7)
    assert all(r.reached[90:].mean() >= 0.9 for r in runs)
    pos, vel, cost = cost_to_go(runs[0], n=20)
    assert cost.shape == (20, 20) and cost.max() > 20 and cost.min() > -5
    # deterministic for a seed
    again = sarsa_mountain_car(5, seed=0, show_progress=False)
    np.testing.assert_array_equal(again.steps, runs[0].steps[:5])


def test_sarsa_records_predictions_and_snapshots() -> None:
    from dotkit.rl.control import sarsa_mountain_car

    res = sarsa_mountain_car(6, seed=1, snapshots=(1, 6), show_progress=False)
    assert res.predicted.shape == (6,) and res.predicted[0] == 0.0  # zero weights predict 0 steps
    assert np.all(res.predicted[1:] > 0)  # every −1 reward raised the cost-to-go
    assert sorted(res.snapshots) == [1, 6]
    np.testing.assert_array_equal(res.snapshots[6], res.W)
    assert not np.array_equal(res.snapshots[1], res.W)
    # the prediction at an episode's start is −max_a W φ(S_0) with the weights kept before it
    first = sarsa_mountain_car(2, seed=1, show_progress=False)
    np.testing.assert_array_equal(first.steps, res.steps[:2])


def test_stored_figure_10_2_is_the_scripts_table() -> None:
    from dotkit.rl.control import stored_figure_10_2

    episodes, steps, n_runs = stored_figure_10_2()
    assert n_runs >= 10 and episodes.tolist() == list(range(1, 501))
    assert sorted(steps) == pytest.approx([0.1 / 8, 0.2 / 8, 0.5 / 8])
    for curve in steps.values():
        assert curve[0] > 1000 and 100 < curve[-10:].mean() < 200  # learns from thousands of steps
    # the largest step size learns fastest early, as in the book's Figure 10.2
    early = [steps[a][:100].mean() for a in sorted(steps)]
    assert early[0] > early[1] > early[2]


def test_n_step_returns_discount_and_bootstrap_against_a_loop() -> None:
    from dotkit.rl.prediction import n_step_returns

    rng = np.random.default_rng(5)
    R = rng.normal(size=(3, 9))
    for n, gamma in ((1, 0.9), (3, 0.5), (20, 0.8)):
        want = [[sum(gamma**j * R[b, t + j] for j in range(n) if t + j < 9) for t in range(9)]
                for b in range(3)]
        np.testing.assert_allclose(n_step_returns(R, n, gamma), want, rtol=1e-12)


def test_untried_marks_states_whose_action_weights_never_moved() -> None:
    from dotkit.rl.control import cost_to_go, sarsa_mountain_car, untried

    res = sarsa_mountain_car(3, seed=0, max_episode_steps=100_000, show_progress=False)
    mask = untried(res, n=15)
    _, _, cost = cost_to_go(res, n=15)
    assert mask.shape == (15, 15) and 0 < mask.mean() < 1
    np.testing.assert_allclose(cost[mask], 0.0, atol=1e-12)  # an untouched action keeps q̂ = 0 there
    # against a plain loop: some action whose 8 active weights are all still 0
    pos, vel = np.linspace(-1.2, 0.6, 15), np.linspace(-0.07, 0.07, 15)
    for i in (0, 7, 14):
        for j in (0, 5, 14):
            active = res.coder.active(np.array([pos[j], vel[i]]))
            want = any(np.all(res.W[a, active] == 0) for a in range(3))
            assert mask[i, j] == want
    zero = res._replace(W=np.zeros_like(res.W))
    assert untried(zero, n=4).all()


def test_value_error_is_not_rounded() -> None:
    from dotkit.rl.prediction import value_error

    got = value_error([0.0, 1.0 / 3.0], [0.0, 0.0], mu=[0.5, 0.5])
    assert got == pytest.approx(np.sqrt(0.5) / 3.0, rel=1e-12)


def test_tile_coder_too_many_tiles_asks_for_hashing() -> None:
    """8 tilings of 1001^7 tiles used to report a negative feature count (int64 overflow)."""
    from dotkit.errors import InputValueError
    from dotkit.rl.features import TileCoder

    with pytest.raises(InputValueError, match=r"8\.06e\+21 features, too many to index; pass hash_size"):
        TileCoder(np.zeros(7), np.ones(7), n_tilings=8, tiles=1000)
    hashed = TileCoder(np.zeros(7), np.ones(7), n_tilings=8, tiles=1000, hash_size=4096)
    idx = hashed.indices(np.full((2, 7), 0.3))
    assert hashed.n_features == 4096 and idx.shape == (2, 8) and 0 <= idx.min() and idx.max() < 4096
    assert np.array_equal(hashed.active(np.full(7, 0.3)), idx[0])
