"""Reinforcement learning with linear value functions: ``v̂(s) = w·φ(s)``.

The modules follow the data, each importing only those before it:

- :mod:`dotkit.rl.random_walk` — the 1000-state walk of Sutton & Barto's
  Example 9.1: its transition model, true values, visit distribution and
  batches of episodes (:class:`~dotkit.rl.random_walk.Episodes`).
- :mod:`dotkit.rl.features` — feature maps φ: state aggregation, polynomial
  and Fourier bases, tile coding.
- :mod:`dotkit.rl.value` — linear values ``w·φ(s)`` and action values.
- :mod:`dotkit.rl.prediction` — gradient Monte Carlo and n-step TD, their
  fixed points and the value error.
- :mod:`dotkit.rl.control` — SARSA on Mountain Car (Gymnasium is imported only
  when a run starts).
- :mod:`dotkit.rl.experiments` — the book's chapter-9 figures, built from the above.
"""

from dotkit.rl.features import FourierBasis, PolynomialBasis, StateAggregation, TileCoder
from dotkit.rl.prediction import (
    gradient_mc,
    gradient_mc_aggregated,
    mc_fixed_point,
    n_step_td,
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
    "semi_gradient_td",
    "sparse_value",
    "td_fixed_point",
    "true_values",
    "value_error",
    "visit_distribution",
]
