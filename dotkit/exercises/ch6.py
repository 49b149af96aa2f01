"""Checkers for chapter 6, "Value functions".

6.1  a number: how far the ball-position feature must change for the game state's value under
     new weights to reach ``GAME_TARGET`` (the value is linear in each feature).
6.2  ``td0_update(w, phi_s, phi_next, reward, alpha, gamma, terminal)``: one TD(0) step.
6.3  ``mc_group_after(w_g, G, alpha, visits)``: a group's weight after ``visits`` MC
     updates with return ``G``.
6.4  a whole number: how many weights one SARSA update changes with 8 tilings.
6.5  a vector of 20 weights: the TD fixed point of the random walk with 20 groups of 50 states.
6.6  a vector of 10 weights: the TD fixed point when every episode starts in state 501.

Functions are called on fresh inputs drawn here and compared with a float64
NumPy oracle; a result that matches a typical mistake gets that mistake's hint.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.exercises import NotYet, as_array, exercise, expect_close, needs_function, needs_number

#: The game state of exercise 6.1 (features) and the weights to value it with.
GAME_FEATURES = np.array([1.0, 2.0, -1.0, 3.0, 0.5])
GAME_WEIGHTS_NEW = np.array([0.1, 0.3, 0.2, -0.05, 0.4])
#: The value exercise 6.1 asks the state to reach.
GAME_TARGET = 0.75
_BALL = 2  # the index of the "ball position" feature
#: The weights of the chapter's first section, before "more games".
_GAME_WEIGHTS_FIRST = np.array([0.05, 0.25, 0.15, 0.02, 0.30])


# Loose enough for float32 work passed back as float64, far tighter than any mistake below.
RTOL, ATOL = 1e-5, 1e-6


@exercise("6.1", todo="replace the ... with one number: the change in the ball-position feature that "
                       "brings the value to 0.75")
def check_ball_move(answer: Any) -> str:
    value = needs_number(answer, "one number, the change in the ball-position feature")
    now = float(GAME_WEIGHTS_NEW @ GAME_FEATURES)
    gap = GAME_TARGET - now
    want = gap / GAME_WEIGHTS_NEW[_BALL]
    old_gap = GAME_TARGET - float(_GAME_WEIGHTS_FIRST @ GAME_FEATURES)
    mistakes = [
        (gap, f"{gap:.2f} is how much the value must rise; each unit of ball position adds only its weight "
              f"w = {GAME_WEIGHTS_NEW[_BALL]} to the value"),
        (GAME_FEATURES[_BALL] + want, "that is where the ball ends up; the question asks how far it moves "
                                      "(the change in the feature)"),
        (old_gap / _GAME_WEIGHTS_FIRST[_BALL], "that starts from the first section's weights w_game; the state's "
                                               "value now uses GAME_WEIGHTS_NEW"),
        (gap * GAME_WEIGHTS_NEW[_BALL], "moving the ball by Δ changes the value by w Δ; solve for Δ (divide, "
                                        "do not multiply)"),
    ]
    expect_close(value, want, "your change", rtol=RTOL, atol=ATOL, mistakes=mistakes,
                 otherwise=f"{value:g} is not it: find the value now, then how much one unit of ball position "
                           "adds to it")
    return (f"the value is {now:.2f} now; each unit of ball position adds its weight {GAME_WEIGHTS_NEW[_BALL]}, "
            f"so the ball must move by ({GAME_TARGET} − {now:.2f}) / {GAME_WEIGHTS_NEW[_BALL]} = {want:.2f}: "
            "from deep in our half to midfield. A linear value moves by the same amount per unit of a "
            "feature, whatever the others are.")


@exercise("6.2", todo="write the body of td0_update: return the weights after one TD(0) step "
                       "(when terminal is true, the next state's value is 0)")
def check_td0_update(answer: Any) -> str:
    td0_update = needs_function(answer, "td0_update(w, phi_s, phi_next, reward, alpha, gamma, terminal)")
    rng = np.random.default_rng(62)
    for terminal in (False, True, False):
        d = int(rng.integers(3, 9))
        w, x, x2 = rng.normal(size=d), rng.normal(size=d), rng.normal(size=d)
        r, a, g = float(rng.normal()), float(rng.uniform(0.05, 0.5)), float(rng.uniform(0.5, 0.95))
        v, v2 = float(w @ x), 0.0 if terminal else float(w @ x2)
        delta = r + g * v2 - v
        got = td0_update(w.copy(), x.copy(), x2.copy(), r, a, g, terminal)
        mistakes = [
            (w + a * (r + g * float(w @ x2) - v) * x,
             "at a terminal step there is no next state: its value is 0, so leave out γ w·φ(S') when terminal"),
            (w + a * delta, "every weight moved by the same α δ: the step goes along φ(S), so multiply by phi_s"),
            (w - a * delta * x, "the weights moved away from the target: δ is R + γ v(S') − v(S), not the reverse"),
            (w + a * delta * x2, "the step goes along φ(S), the features of the state being updated, not φ(S')"),
            (w + a * (r + v2 - v) * x, "the next state's value is discounted: multiply it by gamma"),
        ]
        what = "the new weights" + (" at a terminal step" if terminal else "")
        expect_close(got, w + a * delta * x, what, rtol=RTOL, atol=ATOL, mistakes=mistakes)
    return "w ← w + α [R + γ w·φ(S') − w·φ(S)] φ(S), with w·φ(S') = 0 when S' is terminal."


@exercise("6.3", todo="write the body of mc_group_after: one expression in w_g, G, alpha and visits, no loop")
def check_mc_group_after(answer: Any) -> str:
    mc_group_after = needs_function(answer, "mc_group_after(w_g, G, alpha, visits)")
    rng = np.random.default_rng(63)
    for visits in (7, 40, 1, 0):
        w, G, a = float(rng.uniform(-1, 1)), float(rng.choice([-1.0, 1.0])), float(rng.uniform(0.02, 0.2))
        want = w
        for _ in range(visits):  # the updates one at a time: the oracle
            want += a * (G - want)
        mistakes = [
            (w + visits * a * (G - w), "that adds the first step's size once per visit, but each step is smaller: "
                                       "it shrinks the gap to G by the factor (1 − α)"),
            (G + a**visits * (w - G), "each visit keeps the share 1 − α of the gap, not α: raise (1 − α) to the power"),
            ((1 - a) ** visits * (w - G), "that is the gap still left between the weight and G; add G back"),
        ]
        if visits > 1:  # off-by-one exponents (at 0 and 1 visits they collide with other answers)
            mistakes += [
                (G + (1 - a) ** (visits + 1) * (w - G), "the exponent is one too large: after one visit the gap "
                                                        "is (1 − α) times the old gap, so after `visits` it is "
                                                        "(1 − α) to the power `visits`"),
                (G + (1 - a) ** (visits - 1) * (w - G), "the exponent is one too small: every visit, the first "
                                                        "included, shrinks the gap by (1 − α)"),
            ]
        what = f"the weight after {visits} visit(s)" + (" (no update yet, so still w_g)" if visits == 0 else "")
        expect_close(mc_group_after(w, G, a, visits), want, what, rtol=RTOL, atol=ATOL, mistakes=mistakes)
    return "each visit keeps a share (1 − α) of the gap to G: w_g ← G + (1 − α)^visits (w_g − G)."


@exercise("6.4", todo="replace the ... with a whole number: how many weights one SARSA update changes")
def check_weights_changed(answer: Any) -> str:
    value = needs_number(answer, "a whole number of weights")
    if value != round(value):
        raise NotYet(f"a number of weights is a whole number; received {value:g}")
    hints = {
        1944: "1944 is every weight of all three actions; the update skips the weights whose feature is 0",
        648: "648 is every feature of one action; φ(s) is 1 in only a few of them, and the others' weights stay put",
        81: "81 = 9 × 9 is the tiles of one tiling; the state lies in just one of them, in each tiling",
        24: "24 counts the active tiles in all three actions' rows; SARSA updates only the action A it took",
        16: "16 would update both A and A'; only W_A moves: A' only supplies the target's value q̂(S', A')",
        3: "3 is one weight per action; the update changes only the row of the action taken, and in that "
           "row one active weight per tiling",
        1: "a state lies in one tile of every tiling, not in one tile in all: count the tilings",
    }
    if value in hints:
        raise NotYet(hints[int(value)])
    if value != 8:
        raise NotYet(f"{value:g} is not it: count the ones in φ(s), in the row of the action taken")
    return "one per tiling: φ(s) has 8 ones, and W_A += α δ φ(s) leaves every weight with φᵢ = 0 alone."


def _walk(n_groups: int, start: int = 500) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(Φ, P, r, v, μ)`` of the 1000-state random walk with ``n_groups`` groups, float64 NumPy."""
    from dotkit.rl import random_walk as rw
    from dotkit.rl.features import StateAggregation

    P, r = rw.transition_model()
    phi = np.asarray(StateAggregation(1000, n_groups, first=1).transform(np.arange(1, 1001), backend="numpy"))
    v = np.asarray(rw.true_values(backend="numpy"), dtype=np.float64)
    return phi, P, r, v, rw.visit_distribution(start=start)


def _rms(phi: np.ndarray, w: np.ndarray, v: np.ndarray, mu: np.ndarray | None = None) -> float:
    e2 = (phi @ w - v) ** 2
    return float(np.sqrt(e2.mean() if mu is None else e2 @ mu))


@exercise("6.5", todo="replace the ... with the 20 weights of the TD fixed point for 20 groups of 50 states")
def check_td_fixed_point_20(answer: Any) -> str:
    from dotkit.rl.prediction import mc_fixed_point, td_fixed_point

    got = as_array(answer, "your weights")
    if got.ndim != 1 or got.size != 20:
        extra = " (10 is the chapter's grouping: this exercise uses 20 groups of 50)" if got.size == 10 else ""
        raise NotYet(f"expected one weight per group, 20 numbers; received shape {got.shape}{extra}")
    phi, P, r, v, mu = _walk(20)
    want = td_fixed_point(phi, P, r, mu)
    mistakes = [
        (mc_fixed_point(phi, v, mu), "those are the MC optimum's weights, the μ-weighted least-squares fit; "
                                     "TD converges elsewhere, to the solution of A w = b"),
        (td_fixed_point(phi, P, r, np.full(1000, 1e-3)), "those weigh every state equally; A and b weigh "
                                                         "the states by the on-policy distribution μ"),
        (td_fixed_point(phi, P, r, _uniform_start_mu()), "that μ is for a start spread over all states; "
                                                           "every episode starts in state 500"),
    ]
    expect_close(got, want, "your 20 weights", rtol=RTOL, atol=ATOL, mistakes=mistakes)
    ve_td, ve_mc = _rms(phi, want, v, mu), _rms(phi, mc_fixed_point(phi, v, mu), v, mu)
    return (f"w_TD = A⁻¹b with 20 groups: √VE {ve_td:.4f} against the MC optimum's {ve_mc:.4f}; "
            "finer groups shrink both errors, and TD's stays the larger.")


def _uniform_start_mu() -> np.ndarray:
    """μ when episodes start uniformly over all states (a typical wrong μ for 6.5)."""
    from dotkit.rl import random_walk as rw

    P, _ = rw.transition_model()
    eta = np.linalg.solve(np.eye(1000) - P.T, np.full(1000, 1e-3))
    return eta / eta.sum()


@exercise("6.6", todo="replace the ... with 10 weights: the TD fixed point when every episode starts in 501")
def check_fixed_point_start_501(answer: Any) -> str:
    from dotkit.rl.prediction import mc_fixed_point, td_fixed_point

    got = as_array(answer, "your weights")
    if got.ndim != 1 or got.size != 10:
        raise NotYet(f"expected one weight per group, 10 numbers; received shape {got.shape}")
    phi, P, r, v, mu = _walk(10, start=501)
    _, _, _, _, mu500 = _walk(10)
    want = td_fixed_point(phi, P, r, mu)
    w500 = td_fixed_point(phi, P, r, mu500)
    mistakes = [
        (w500, "those are the weights for start 500: a new start changes μ, and μ weighs A and b"),
        (w500[::-1], "the groups swap places in the mirror, and the values change sign too: "
                     "left ends at −1, right at +1"),
        (-w500, "the signs flip in the mirror, but group 1 also trades places with group 10"),
        (mc_fixed_point(phi, v, mu), "that is the MC optimum for start 501, the least-squares fit; "
                                     "TD converges to the solution of A w = b"),
    ]
    expect_close(got, want, "your 10 weights", rtol=RTOL, atol=ATOL, mistakes=mistakes)
    ve501, ve500 = _rms(phi, want, v, mu), _rms(phi, w500, v, mu500)
    return (f"the mirror image of the start-500 fixed point, w(501) = −reverse(w(500)): reflecting "
            f"s ↔ 1001 − s swaps 500 and 501 and flips the rewards. √VE is unchanged, {ve501:.4f} "
            f"against {ve500:.4f}.")


__all__ = ["GAME_FEATURES", "GAME_TARGET", "GAME_WEIGHTS_NEW"]
