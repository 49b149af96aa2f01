"""Hostile inputs for dotkit.rl: the random walk, feature maps, prediction, control."""

from __future__ import annotations

import math

import numpy as np

from dotkit import rl
from dotkit.rl import control, random_walk
from hostile.spec import Equals, Raises, Satisfies, case, finite, junk_cases

NAN, INF = math.nan, math.inf


def small_episodes(n: int = 5):
    return rl.episodes(n, np.random.default_rng(0), n_states=20, jump=4, start=10)


def agg():
    return rl.StateAggregation(20, 4, first=1)


def phi() -> np.ndarray:
    """The aggregated features of states 1..20, one row a state."""
    return np.asarray(agg().transform(np.arange(1, 21)), dtype=float)


def poly() -> np.ndarray:
    return np.asarray(rl.PolynomialBasis(5, low=1, high=20).transform(np.arange(1, 21)), dtype=float)


# --- the random walk ------------------------------------------------------------------------------
EP = "episodes"
case("rl.episodes.n-zero", lambda: rl.episodes(0, 0), Raises(ValueError, EP, "n"))
case("rl.episodes.n-float", lambda: rl.episodes(2.5, 0), Raises(ValueError, EP, "n"))
case("rl.episodes.rng-string", lambda: rl.episodes(2, "seed"), Raises(ValueError, EP, "rng"))
case("rl.episodes.rng-negative", lambda: rl.episodes(2, -1), Raises(ValueError, EP, "rng"))
case("rl.episodes.states-zero", lambda: rl.episodes(2, 0, n_states=0), Raises(ValueError, EP, "n_states"))
case("rl.episodes.jump-zero", lambda: rl.episodes(2, 0, jump=0), Raises(ValueError, EP, "jump"))
case(
    "rl.episodes.start-outside",
    lambda: rl.episodes(2, 0, n_states=10, jump=2, start=50),
    Raises(ValueError, EP, "start"),
)
case("rl.episodes.start-zero", lambda: rl.episodes(2, 0, n_states=10, jump=2, start=0), Raises(ValueError, EP, "start"))
case("rl.episodes.runaway", lambda: rl.episodes(10**9, 0), Raises(MemoryError, EP, "GiB"), timeout=5)
TV = "true_values"
case("rl.true_values.runaway", lambda: rl.true_values(n_states=30000), Raises(MemoryError, TV, "GiB"), timeout=5)
case("rl.true_values.zero", lambda: rl.true_values(n_states=0), Raises(ValueError, TV, "n_states"))
case("rl.true_values.jump-float", lambda: rl.true_values(n_states=10, jump=1.5), Raises(ValueError, TV, "jump"))
case("rl.true_values.jump-too-big", lambda: rl.true_values(n_states=10, jump=20), Satisfies(finite, "finite values"))
case(
    "rl.true_values.symmetric",
    lambda: (lambda v: float(v[0] + v[-1]))(np.asarray(rl.true_values(n_states=10, jump=2))),
    Equals(lambda: 0.0, atol=1e-5),
)
case("rl.visit_distribution.sums", lambda: float(np.sum(rl.visit_distribution(20, 4, 10))), Equals(lambda: 1.0))
case(
    "rl.visit_distribution.start",
    lambda: rl.visit_distribution(20, 4, 99),
    Raises(ValueError, "visit_distribution", "start"),
)
case(
    "rl.transition_model.zero",
    lambda: random_walk.transition_model(0),
    Raises(ValueError, "transition_model", "n_states"),
)
case(
    "rl.transition_model.runaway",
    lambda: random_walk.transition_model(10**6),
    Raises(MemoryError, "transition_model", "GiB"),
    timeout=5,
)
case(
    "rl.bellman_backup.length",
    lambda: random_walk.bellman_backup(np.zeros(5), n_states=10, jump=2),
    Raises(ValueError, "bellman_backup", "v"),
)
case(
    "rl.bellman_backup.nan",
    lambda: random_walk.bellman_backup(np.full(10, NAN), n_states=10, jump=2),
    Equals(lambda: [NAN] * 10),
)
case(
    "rl.episode_stream.chunk-zero",
    lambda: next(random_walk.episode_stream(3, 0, chunk=0)),
    Raises(ValueError, "episode_stream", "chunk"),
)

# --- feature maps ---------------------------------------------------------------------------------
case(
    "rl.StateAggregation.groups-zero",
    lambda: rl.StateAggregation(10, 0),
    Raises(ValueError, "StateAggregation", "n_groups"),
)
case(
    "rl.StateAggregation.groups-more",
    lambda: rl.StateAggregation(10, 20),
    Raises(ValueError, "StateAggregation", "n_groups"),
)
case(
    "rl.StateAggregation.states-float",
    lambda: rl.StateAggregation(10.5, 2),
    Raises(ValueError, "StateAggregation", "n_states"),
)
case("rl.StateAggregation.outside", lambda: agg().transform([0, 25]), Raises(ValueError, "StateAggregation", "states"))
case("rl.StateAggregation.fractional", lambda: agg().transform([1.5]), Raises(ValueError, "StateAggregation", "states"))
case("rl.StateAggregation.values", lambda: agg().transform([1, 20]), Equals(lambda: [[1, 0, 0, 0], [0, 0, 0, 1]]))
junk_cases(
    "rl.StateAggregation.transform",
    "StateAggregation",
    "states",
    lambda v: agg().transform(v),
    kinds=["none", "string", "complex", "ragged", "masked"],
)
PB, FB = "PolynomialBasis", "FourierBasis"
case(
    "rl.PolynomialBasis.runaway",
    lambda: rl.PolynomialBasis(20, low=[0.0] * 6, high=[1.0] * 6).transform(np.full((1000, 6), 0.5)),
    Raises(MemoryError, PB, "GiB"),
    timeout=5,
)
case("rl.PolynomialBasis.order-negative", lambda: rl.PolynomialBasis(-1), Raises(ValueError, PB, "order"))
case("rl.PolynomialBasis.order-float", lambda: rl.PolynomialBasis(2.5), Raises(ValueError, PB, "order"))
case(
    "rl.PolynomialBasis.bounds-equal",
    lambda: rl.PolynomialBasis(3, low=1.0, high=1.0),
    Raises(ValueError, PB, ("low", "high")),
)
case(
    "rl.PolynomialBasis.bounds-inf",
    lambda: rl.PolynomialBasis(3, low=0.0, high=INF),
    Raises(ValueError, PB, ("low", "high")),
)
case(
    "rl.PolynomialBasis.bounds-string", lambda: rl.PolynomialBasis(3, low="a", high=1.0), Raises(ValueError, PB, "low")
)
case(
    "rl.PolynomialBasis.bounds-lengths",
    lambda: rl.PolynomialBasis(3, low=[0.0, 0.0], high=[1.0]),
    Raises(ValueError, PB, ("low", "high")),
)
case("rl.PolynomialBasis.nan-state", lambda: rl.PolynomialBasis(3).transform([NAN]), Raises(ValueError, PB, "states"))
case("rl.PolynomialBasis.values", lambda: rl.PolynomialBasis(2).transform([0.5]), Equals(lambda: [[1.0, 0.5, 0.25]]))
case(
    "rl.PolynomialBasis.width",
    lambda: rl.PolynomialBasis(2, low=[0, 0], high=[1, 1]).transform([[0.5, 0.5, 0.5]]),
    Raises(ValueError, PB, "states"),
)
case(
    "rl.FourierBasis.runaway",
    lambda: rl.FourierBasis(30, low=[0.0] * 6, high=[1.0] * 6).transform(np.full((1000, 6), 0.5)),
    Raises(MemoryError, FB, "GiB"),
    timeout=5,
)
case("rl.FourierBasis.order-negative", lambda: rl.FourierBasis(-2), Raises(ValueError, FB, "order"))
case("rl.FourierBasis.order-string", lambda: rl.FourierBasis("5"), Raises(ValueError, FB, "order"))
case(
    "rl.FourierBasis.values",
    lambda: rl.FourierBasis(2).transform([0.5]),
    Equals(lambda: [[1.0, math.cos(math.pi / 2), -1.0]], atol=1e-6),
)
case("rl.FourierBasis.inf-state", lambda: rl.FourierBasis(2).transform([INF]), Raises(ValueError, FB, "states"))
TC = "TileCoder"
case(
    "rl.TileCoder.overflow",
    lambda: rl.TileCoder([0.0] * 7, [1.0] * 7, tiles=1000).n_features,
    Raises(ValueError, TC, "hash_size"),
)
case("rl.TileCoder.tilings-zero", lambda: rl.TileCoder(0.0, 1.0, n_tilings=0), Raises(ValueError, TC, "n_tilings"))
case("rl.TileCoder.tiles-zero", lambda: rl.TileCoder(0.0, 1.0, tiles=0), Raises(ValueError, TC, "tiles"))
case(
    "rl.TileCoder.tiles-length",
    lambda: rl.TileCoder([0.0, 0.0], [1.0, 1.0], tiles=[4, 4, 4]),
    Raises(ValueError, TC, "tiles"),
)
case("rl.TileCoder.tiles-float", lambda: rl.TileCoder(0.0, 1.0, tiles=2.5), Raises(ValueError, TC, "tiles"))
case("rl.TileCoder.hash-zero", lambda: rl.TileCoder(0.0, 1.0, hash_size=0), Raises(ValueError, TC, "hash_size"))
case("rl.TileCoder.hash-float", lambda: rl.TileCoder(0.0, 1.0, hash_size=10.5), Raises(ValueError, TC, "hash_size"))
case("rl.TileCoder.bounds", lambda: rl.TileCoder(1.0, 0.0), Raises(ValueError, TC, ("low", "high")))
case("rl.TileCoder.bounds-nan", lambda: rl.TileCoder(NAN, 1.0), Raises(ValueError, TC, ("low", "high")))
case(
    "rl.TileCoder.active-width",
    lambda: rl.TileCoder([0.0, 0.0], [1.0, 1.0]).active([0.5, 0.5, 0.5]),
    Raises(ValueError, TC, "state"),
)
case(
    "rl.TileCoder.active-nan",
    lambda: rl.TileCoder([0.0, 0.0], [1.0, 1.0]).active([NAN, 0.5]),
    Raises(ValueError, TC, "state"),
)
case(
    "rl.TileCoder.active-count",
    lambda: len(rl.TileCoder([0.0, 0.0], [1.0, 1.0], n_tilings=4).active([0.3, 0.7])),
    Equals(lambda: 4),
)
case(
    "rl.TileCoder.indices-outside",
    lambda: rl.TileCoder(0.0, 1.0).indices([2.0]),
    Satisfies(lambda ix: np.all(np.asarray(ix) >= 0), "indices clipped into the table, or a clear error"),
)
case(
    "rl.TileCoder.hashed-range",
    lambda: int(
        np.max(
            rl.TileCoder([0.0] * 3, [1.0] * 3, tiles=50, hash_size=97).indices(np.random.default_rng(0).random((50, 3)))
        )
    ),
    Satisfies(lambda m: 0 <= m < 97, "indices below hash_size"),
)
case("rl.TileCoder.transform-string", lambda: rl.TileCoder(0.0, 1.0).transform("x"), Raises(TypeError, TC, "states"))
case(
    "rl.TileCoder.matrix-runaway",
    lambda: rl.TileCoder([0.0] * 4, [1.0] * 4, tiles=60).transform(np.full((2000, 4), 0.5)),
    Raises(MemoryError, TC, "GiB"),
    timeout=5,
)

# --- value functions and prediction ------------------------------------------------------------------
LV = "linear_value"
case(
    "rl.linear_value.mismatch",
    lambda: rl.linear_value(np.ones(3), np.ones((5, 4))),
    Raises(ValueError, LV, ("w", "features")),
)
case(
    "rl.linear_value.values", lambda: rl.linear_value([1.0, 2.0], [[1.0, 0.0], [1.0, 1.0]]), Equals(lambda: [1.0, 3.0])
)
case("rl.linear_value.nan", lambda: rl.linear_value([NAN, 1.0], [[1.0, 0.0]]), Equals(lambda: [NAN]))
junk_cases(
    "rl.linear_value",
    LV,
    "w",
    lambda v: rl.linear_value(v, np.ones((2, 3))),
    kinds=["none", "string", "complex", "ragged"],
)
junk_cases(
    "rl.linear_value",
    LV,
    "features",
    lambda v: rl.linear_value(np.ones(3), v),
    kinds=["none", "string", "complex", "ragged"],
)
case(
    "rl.action_values.mismatch",
    lambda: rl.action_values(np.ones((3, 4)), np.ones((2, 5))),
    Raises(ValueError, "action_values", ("W", "features")),
)
case("rl.LinearValue.w-length", lambda: rl.LinearValue(agg(), np.ones(3)), Raises(ValueError, "LinearValue", "w"))
case("rl.LinearValue.features", lambda: rl.LinearValue("agg"), Raises(TypeError, "LinearValue", "features"))
case(
    "rl.sparse_value.outside",
    lambda: rl.sparse_value(np.ones(4), np.array([[0, 9]])),
    Raises(ValueError, "sparse_value", "active"),
)
case(
    "rl.sparse_value.negative",
    lambda: rl.sparse_value(np.ones(4), np.array([[0, -1]])),
    Raises(ValueError, "sparse_value", "active"),
)
case(
    "rl.sparse_value.float",
    lambda: rl.sparse_value(np.ones(4), np.array([[0.5, 1.0]])),
    Raises(TypeError, "sparse_value", "active"),
)
for name in ("gradient_mc", "semi_gradient_td", "n_step_td"):
    f = getattr(rl, name)
    case(
        f"rl.{name}.alpha-negative",
        lambda f=f: f(phi(), small_episodes(), np.zeros(4), -0.1),
        Raises(ValueError, name, "alpha"),
    )
    case(
        f"rl.{name}.alpha-nan",
        lambda f=f: f(phi(), small_episodes(), np.zeros(4), NAN),
        Raises(ValueError, name, "alpha"),
    )
    case(
        f"rl.{name}.alpha-string",
        lambda f=f: f(phi(), small_episodes(), np.zeros(4), "0.1"),
        Raises(ValueError, name, "alpha"),
    )
    case(
        f"rl.{name}.gamma-string",
        lambda f=f: f(phi(), small_episodes(), np.zeros(4), 0.1, gamma="1"),
        Raises(ValueError, name, "gamma"),
    )
    case(
        f"rl.{name}.gamma-big",
        lambda f=f: f(phi(), small_episodes(), np.zeros(4), 0.1, gamma=1.5),
        Raises(ValueError, name, "gamma"),
    )
    case(f"rl.{name}.w-length", lambda f=f: f(phi(), small_episodes(), np.zeros(7), 0.1), Raises(ValueError, name, "w"))
    case(f"rl.{name}.w-nan", lambda f=f: f(phi(), small_episodes(), np.full(4, NAN), 0.1), Equals(lambda: [NAN] * 4))
    case(
        f"rl.{name}.episodes-list",
        lambda f=f: f(phi(), [1, 2, 3], np.zeros(4), 0.1),
        Raises((TypeError, ValueError), name, "episodes"),
    )
    case(
        f"rl.{name}.phi-string",
        lambda f=f: f(agg(), small_episodes(), np.zeros(4), 0.1),
        Raises(TypeError, name, "phi"),
    )
    case(
        f"rl.{name}.diverges",
        lambda f=f: f(poly(), small_episodes(20), np.zeros(6), 1e3),
        Raises((ValueError, ArithmeticError), name, "alpha"),
    )
    case(
        f"rl.{name}.w-untouched",
        lambda f=f: (lambda w: (f(phi(), small_episodes(), w, 0.1), w.tolist())[1])(np.zeros(4)),
        Equals(lambda: [0.0] * 4),
    )
case(
    "rl.n_step_td.n-zero",
    lambda: rl.n_step_td(phi(), small_episodes(), np.zeros(4), 0.1, n=0),
    Raises(ValueError, "n_step_td", "n"),
)
case(
    "rl.n_step_td.n-float",
    lambda: rl.n_step_td(phi(), small_episodes(), np.zeros(4), 0.1, n=1.5),
    Raises(ValueError, "n_step_td", "n"),
)
case(
    "rl.n_step_td.n-huge",
    lambda: rl.n_step_td(phi(), small_episodes(), np.zeros(4), 0.1, n=10**9),
    Satisfies(finite, "finite w"),
)
case(
    "rl.n_step_td.first-string",
    lambda: rl.n_step_td(phi(), small_episodes(), np.zeros(4), 0.1, first="1"),
    Raises(ValueError, "n_step_td", "first"),
)
case(
    "rl.gradient_mc_aggregated.groups",
    lambda: rl.gradient_mc_aggregated(np.zeros(3, int), small_episodes(), np.zeros(4), 0.1),
    Raises(ValueError, "gradient_mc_aggregated", "groups"),
)
VE = "value_error"
case(
    "rl.value_error.lengths",
    lambda: rl.value_error(np.zeros(3), np.zeros(4)),
    Raises(ValueError, VE, ("v_hat", "v_true")),
)
case(
    "rl.value_error.mu-negative",
    lambda: rl.value_error(np.zeros(2), np.ones(2), [1.5, -0.5]),
    Raises(ValueError, VE, "mu"),
)
case(
    "rl.value_error.mu-zero", lambda: rl.value_error(np.zeros(2), np.ones(2), [0.0, 0.0]), Raises(ValueError, VE, "mu")
)
case("rl.value_error.values", lambda: rl.value_error(np.zeros(2), np.ones(2), [0.5, 0.5]), Equals(lambda: 1.0))
case("rl.value_error.nan", lambda: rl.value_error([NAN, 0.0], np.ones(2)), Equals(lambda: NAN))
case(
    "rl.td_fixed_point.gamma",
    lambda: rl.td_fixed_point(np.eye(2), np.eye(2), np.zeros(2), [0.5, 0.5], gamma=2.0),
    Raises(ValueError, "td_fixed_point", "gamma"),
)
case(
    "rl.td_fixed_point.singular",
    lambda: rl.td_fixed_point(np.zeros((2, 2)), np.eye(2), np.zeros(2), [0.5, 0.5]),
    Raises((ValueError, ArithmeticError), "td_fixed_point", "phi"),
)
case(
    "rl.mc_fixed_point.singular",
    lambda: rl.mc_fixed_point(np.zeros((2, 2)), np.zeros(2), [0.5, 0.5]),
    Raises((ValueError, ArithmeticError), "mc_fixed_point", "phi"),
)
case(
    "rl.mc_fixed_point.lengths",
    lambda: rl.mc_fixed_point(np.eye(3), np.zeros(2), [0.5, 0.5]),
    Raises(ValueError, "mc_fixed_point", ("phi", "v_true")),
)

# --- control ----------------------------------------------------------------------------------------
SM = "sarsa_mountain_car"
case("rl.sarsa.episodes-zero", lambda: control.sarsa_mountain_car(0), Raises(ValueError, SM, "n_episodes"))
case("rl.sarsa.alpha-negative", lambda: control.sarsa_mountain_car(1, alpha=-1.0), Raises(ValueError, SM, "alpha"))
case("rl.sarsa.alpha-nan", lambda: control.sarsa_mountain_car(1, alpha=NAN), Raises(ValueError, SM, "alpha"))
case("rl.sarsa.epsilon", lambda: control.sarsa_mountain_car(1, epsilon=1.5), Raises(ValueError, SM, "epsilon"))
case("rl.sarsa.gamma", lambda: control.sarsa_mountain_car(1, gamma="1"), Raises(ValueError, SM, "gamma"))
case("rl.sarsa.tiles-zero", lambda: control.sarsa_mountain_car(1, tiles=0), Raises(ValueError, SM, "tiles"))
case(
    "rl.sarsa.steps-zero",
    lambda: control.sarsa_mountain_car(1, max_episode_steps=0),
    Raises(ValueError, SM, "max_episode_steps"),
)
case("rl.sarsa.seed-string", lambda: control.sarsa_mountain_car(1, seed="a"), Raises(ValueError, SM, "seed"))
case(
    "rl.sarsa.one-episode",
    lambda: control.sarsa_mountain_car(1, max_episode_steps=50).steps.tolist(),
    Equals(lambda: [50]),
    timeout=60,
)
case(
    "rl.mountain_car_coder.tilings",
    lambda: control.mountain_car_coder(n_tilings=0),
    Raises(ValueError, "TileCoder", "n_tilings"),
)
case(
    "rl.cost_to_go.n-zero",
    lambda: control.cost_to_go(control.sarsa_mountain_car(1, max_episode_steps=20), n=0),
    Raises(ValueError, "cost_to_go", "n"),
    timeout=60,
)
case("rl.cost_to_go.result", lambda: control.cost_to_go("result"), Raises(TypeError, "cost_to_go", "result"))
case("rl.untried.result", lambda: control.untried(None), Raises(TypeError, "untried", "result"))
