"""Reinforcement learning with linear value functions: ``v̂(s) = w·φ(s)``.

Feature maps (:mod:`dotkit.rl.features`), linear values
(:mod:`dotkit.rl.value`), prediction by Monte Carlo and TD
(:mod:`dotkit.rl.prediction`), SARSA control on Mountain Car
(:mod:`dotkit.rl.control`) and the 1000-state random walk of Sutton & Barto's
Example 9.1 (:mod:`dotkit.rl.random_walk`). Gymnasium is imported only when a
Mountain Car run starts.
"""

from dotkit.rl.features import FourierBasis, PolynomialBasis, StateAggregation, TileCoder
from dotkit.rl.prediction import (
    gradient_mc,
    gradient_mc_aggregated,
    mc_fixed_point,
    n_step_td,
    n_step_td_sparse,
    semi_gradient_td,
    td_fixed_point,
    value_error,
)
from dotkit.rl.random_walk import Episodes, episodes, true_values, visit_distribution
from dotkit.rl.value import LinearValue, action_values, linear_value, sparse_value

__all__ = [
    "Episodes",
    "FourierBasis",
    "LinearValue",
    "PolynomialBasis",
    "StateAggregation",
    "TileCoder",
    "action_values",
    "episodes",
    "gradient_mc",
    "gradient_mc_aggregated",
    "linear_value",
    "mc_fixed_point",
    "n_step_td",
    "n_step_td_sparse",
    "semi_gradient_td",
    "sparse_value",
    "td_fixed_point",
    "true_values",
    "value_error",
    "visit_distribution",
]
