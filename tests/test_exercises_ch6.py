"""Chapter 6's checkers: the stub, typical mistakes and the solution (see exercise_harness)."""

from __future__ import annotations

import numpy as np
from exercise_harness import Case, make_tests

from dotkit.exercises.ch6 import GAME_FEATURES, GAME_TARGET, GAME_WEIGHTS_NEW
from dotkit.rl import StateAggregation, mc_fixed_point, td_fixed_point
from dotkit.rl import random_walk as rw

P, r = rw.transition_model()
V = np.asarray(rw.true_values(backend="numpy"))
MU500, MU501 = rw.visit_distribution(), rw.visit_distribution(start=501)
PHI10 = np.asarray(StateAggregation(1000, 10, first=1).transform(np.arange(1, 1001), backend="numpy"))
PHI20 = np.asarray(StateAggregation(1000, 20, first=1).transform(np.arange(1, 1001), backend="numpy"))
W500, W501 = td_fixed_point(PHI10, P, r, MU500), td_fixed_point(PHI10, P, r, MU501)


def td0_update_stub(w, phi_s, phi_next, reward, alpha, gamma, terminal):
    ...


def td0_update(w, phi_s, phi_next, reward, alpha, gamma, terminal):
    v_next = 0.0 if terminal else np.dot(w, phi_next)
    delta = reward + gamma * v_next - np.dot(w, phi_s)
    return w + alpha * delta * phi_s


def mc_group_after_stub(w_g, G, alpha, visits):
    ...


def mc_group_after(w_g, G, alpha, visits):
    return G + (1 - alpha) ** visits * (w_g - G)


CASES = {
    "6.1": Case(
        stub=...,
        wrong=[
            (0.2, "how much the value must rise"),
            (0.0, "where the ball ends up"),
            ((0.75 - 0.61) / 0.15, "first section's weights"),
            (0.04, "do not multiply"),
            (0.5, "is not it"),
            (GAME_WEIGHTS_NEW * GAME_FEATURES, "one value"),
            (float("nan"), "nan"),
        ],
        solution=(GAME_TARGET - float(GAME_WEIGHTS_NEW @ GAME_FEATURES)) / GAME_WEIGHTS_NEW[2],
    ),
    "6.2": Case(
        stub=td0_update_stub,
        wrong=[
            (lambda w, x, x2, r, a, g, terminal: w + a * (r + g * (w @ x2) - w @ x) * x, "terminal"),
            (lambda w, x, x2, r, a, g, terminal: w + a * (r + (0.0 if terminal else g * (w @ x2)) - w @ x),
             "multiply by phi_s"),
            (lambda w, x, x2, r, a, g, terminal: w - a * (r + (0.0 if terminal else g * (w @ x2)) - w @ x) * x,
             "away from the target"),
            (lambda w, x, x2, r, a, g, terminal: w + a * (r + (0.0 if terminal else g * (w @ x2)) - w @ x) * x2,
             "not φ(S')"),
            (lambda w, x, x2, r, a, g, terminal: w + a * (r + (0.0 if terminal else w @ x2) - w @ x) * x,
             "gamma"),
            (lambda w, x, x2, r, a, g, terminal: r + (0.0 if terminal else g * (w @ x2)) - w @ x, "shape"),
        ],
        solution=td0_update,
    ),
    "6.3": Case(
        stub=mc_group_after_stub,
        wrong=[
            (lambda w, G, a, c: w + c * a * (G - w), "each step is smaller"),
            (lambda w, G, a, c: G + a**c * (w - G), "not α"),
            (lambda w, G, a, c: (1 - a) ** c * (w - G), "add G back"),
            (lambda w, G, a, c: G + (1 - a) ** (c + 1) * (w - G), "one too large"),
            (lambda w, G, a, c: G + (1 - a) ** (c - 1) * (w - G), "one too small"),
        ],
        solution=mc_group_after,
    ),
    "6.4": Case(
        stub=...,
        wrong=[
            (648, "every feature of one action"),
            (3 * 648, "all three actions"),
            (24, "only the action A"),
            (81, "one tiling"),
            (1, "count the tilings"),
            (8.5, "whole number"),
            (16, "A'"),
            (3, "one weight per action"),
            (5, "not it"),
        ],
        solution=8,
        float32=False,  # a count typed in: nothing is computed in float32
    ),
    "6.5": Case(
        stub=...,
        wrong=[
            (mc_fixed_point(PHI20, V, MU500), "MC optimum"),
            (td_fixed_point(PHI20, P, r, np.full(1000, 1e-3)), "weigh every state equally"),
            (td_fixed_point(PHI10, P, r, MU500), "20 groups of 50"),
            (td_fixed_point(PHI20, P, r, MU500) + 0.01, "is off"),
        ],
        solution=td_fixed_point(PHI20, P, r, MU500),
    ),
    "6.6": Case(
        stub=...,
        wrong=[
            (W500, "for start 500"),
            (W500[::-1].copy(), "change sign too"),
            (-W500, "trades places"),
            (mc_fixed_point(PHI10, V, MU501), "MC optimum"),
            (W501 + 0.01, "is off"),
            (W501[:5], "10 numbers"),
        ],
        solution=W501,
    ),
}

globals().update(make_tests(CASES))
