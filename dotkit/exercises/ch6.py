"""Checkers for chapter 6, "Value functions".

6.1  a number: the value ``w·φ(s)`` of the chapter's game state under new weights.
6.2  ``td0_update(w, phi_s, phi_next, reward, alpha, gamma, terminal)``: one TD(0) step.
6.3  ``mc_group_after(w_g, G, alpha, visits)``: a group's weight after ``visits`` MC
     updates with return ``G``.
6.4  a whole number: how many weights one SARSA update changes with 8 tilings.
6.5  a vector of 20 weights: the TD fixed point of the random walk with 20 groups of 50 states.
6.6  a number: √VE of the 10-group TD fixed point when every episode starts in state 501.

Functions are called on fresh inputs drawn here and compared with a float64
NumPy oracle; a result that matches a typical mistake gets that mistake's hint.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.exercises import NotYet, as_array, exercise, expect_close, is_stub, needs_function, needs_number

#: The game state of exercise 6.1 (features) and the weights to value it with.
GAME_FEATURES = np.array([1.0, 2.0, -1.0, 3.0, 0.5])
GAME_WEIGHTS_NEW = np.array([0.1, 0.3, 0.2, -0.05, 0.4])
#: The weights of the chapter's first section, before "more games".
_GAME_WEIGHTS_FIRST = np.array([0.05, 0.25, 0.15, 0.02, 0.30])


# Loose enough for float32 work passed back as float64, far tighter than any mistake below.
RTOL, ATOL = 1e-5, 1e-6


def _matches(got: Any, want: Any) -> bool:
    try:
        expect_close(got, want, "", rtol=RTOL, atol=ATOL)
    except NotYet:
        return False
    return True


def _diagnose(got: Any, want: Any, mistakes: list[tuple[Any, str]], what: str, otherwise: str = "") -> None:
    """Pass if ``got`` is ``want``; else the first matching mistake's hint, ``otherwise``, or a general hint."""
    if _matches(got, want):
        return
    for result, hint in mistakes:
        if _matches(got, result):
            raise NotYet(hint)
    if otherwise:
        raise NotYet(otherwise)
    expect_close(got, want, what, rtol=RTOL, atol=ATOL)


@exercise("6.1", todo="replace the ... with the value: the dot product of the new weights and the state's features")
def check_game_value(answer: Any) -> str:
    want = float(GAME_WEIGHTS_NEW @ GAME_FEATURES)
    if not is_stub(answer) and (isinstance(answer, list | tuple) or len(getattr(answer, "shape", ())) > 0):
        got = as_array(answer, "your value")
        if got.size > 1:
            raise NotYet(f"your value has {got.size} numbers (shape {got.shape}): those are the products "
                         "wᵢ φᵢ(s); a value adds them up into one number")
    value = needs_number(answer, "one number, the value w·φ(s)")
    mistakes = [(float(_GAME_WEIGHTS_FIRST @ GAME_FEATURES),
                 "that is the value under the first section's weights w_game; use GAME_WEIGHTS_NEW"),
                (want - GAME_WEIGHTS_NEW[0] * GAME_FEATURES[0],
                 "that leaves out the bias: its feature is always 1, so w₀ = 0.1 counts too")]
    _diagnose(value, want, mistakes, "your value",
              f"{value:g} is not it: multiply each new weight by its feature, then add the five products")
    return f"w·φ(s) = Σ wᵢ φᵢ(s) = {want:.2f}: every feature weighed, then summed."


@exercise("6.2", todo="find the TD error δ (the next state's value is 0 when terminal), then move w by α δ along phi_s")
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
        _diagnose(got, w + a * delta * x, mistakes, what)
    return "w ← w + α [R + γ w·φ(S') − w·φ(S)] φ(S), with w·φ(S') = 0 when S' is terminal."


@exercise("6.3", todo="each visit keeps a share (1 − α) of the gap between w_g and G: how much is left after `visits`?")
def check_mc_group_after(answer: Any) -> str:
    mc_group_after = needs_function(answer, "mc_group_after(w_g, G, alpha, visits)")
    rng = np.random.default_rng(63)
    for visits in (0, 1, 7, 40):
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
        what = f"the weight after {visits} visit(s)" + (" (no update yet, so still w_g)" if visits == 0 else "")
        _diagnose(mc_group_after(w, G, a, visits), want, mistakes, what)
    return "each visit keeps a share (1 − α) of the gap to G: w_g ← G + (1 − α)^visits (w_g − G)."


@exercise("6.4", todo="replace the ... with a whole number: which entries of φ(s) are not 0, and whose weights move?")
def check_weights_changed(answer: Any) -> str:
    value = needs_number(answer, "a whole number of weights")
    if value != round(value):
        raise NotYet(f"a number of weights is a whole number; received {value:g}")
    hints = {
        1944: "1944 is every weight of all three actions; the update skips the weights whose feature is 0",
        648: "648 is every feature of one action; φ(s) is 1 in only a few of them, and the others' weights stay put",
        81: "81 = 9 × 9 is the tiles of one tiling; the state lies in just one of them, in each tiling",
        24: "24 counts the active tiles in all three actions' rows; SARSA updates only the action A it took",
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


@exercise("6.5", todo="build the 20-group features, then td_fixed_point(Phi, P, r, mu): 20 weights")
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
    _diagnose(got, want, mistakes, "your 20 weights")
    ve_td, ve_mc = _rms(phi, want, v, mu), _rms(phi, mc_fixed_point(phi, v, mu), v, mu)
    return (f"w_TD = A⁻¹b with 20 groups: √VE {ve_td:.4f} against the MC optimum's {ve_mc:.4f}; "
            "finer groups shrink both errors, and TD's stays the larger.")


def _uniform_start_mu() -> np.ndarray:
    """μ when episodes start uniformly over all states (a typical wrong μ for 6.5)."""
    from dotkit.rl import random_walk as rw

    P, _ = rw.transition_model()
    eta = np.linalg.solve(np.eye(1000) - P.T, np.full(1000, 1e-3))
    return eta / eta.sum()


@exercise("6.6", todo="μ for start 501 (visit_distribution(start=501)), the TD fixed point with it, then its √VE")
def check_ve_start_501(answer: Any) -> str:
    from dotkit.rl.prediction import td_fixed_point

    value = needs_number(answer, "one number, the √VE")
    phi, P, r, v, mu = _walk(10, start=501)
    _, _, _, _, mu500 = _walk(10)
    w = td_fixed_point(phi, P, r, mu)
    want = _rms(phi, w, v, mu)
    tol = 6e-5  # value_error rounds to 4 decimals
    for result, hint in [
        (_rms(phi, w, v), "that is the RMS error with every state weighted equally; √VE weighs by μ"),
        (_rms(phi, w, v, mu500), "the fixed point is right, but that error weighs states by the μ of start "
                                 "500; use the μ of the new start"),
    ]:
        if abs(value - result) <= tol and abs(value - want) > tol:
            raise NotYet(hint)
    if abs(value - want) > tol:
        raise NotYet(f"{value:g} is not it: μ = visit_distribution(start=501), w = td_fixed_point(Φ, P, r, μ), "
                     "then value_error(Φ w, v, μ)")
    return (f"√VE = {want:.4f}, the same as with start 500: state 501 is the mirror image of state 500 "
            "(s ↔ 1001 − s), so the whole problem, fixed point and error included, is mirrored.")


__all__ = ["GAME_FEATURES", "GAME_WEIGHTS_NEW"]
