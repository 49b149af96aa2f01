"""Checkers for chapter 6, "Value functions".

6.1  a number: the value ``w·φ(s)`` of the chapter's game state under new weights.
6.2  ``td0_update(w, phi_s, phi_next, reward, alpha, gamma, terminal)``: one TD(0) step.
6.3  ``mc_group_after(w_g, G, alpha, visits)``: a group's weight after ``visits`` MC
     updates with return ``G``.
6.4  a number: how many weights one SARSA update changes with 8 tilings.

Functions are called on fresh inputs drawn here and compared with a float64
NumPy oracle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.exercises import NotYet, exercise, expect_close, needs_function

#: The game state of exercise 6.1 (features) and the weights to value it with.
GAME_FEATURES = np.array([1.0, 2.0, -1.0, 3.0, 0.5])
GAME_WEIGHTS_NEW = np.array([0.1, 0.3, 0.2, -0.05, 0.4])



@exercise("6.1")
def check_game_value(answer: Any) -> str:
    want = float(GAME_WEIGHTS_NEW @ GAME_FEATURES)
    if answer is not None and answer is not Ellipsis and np.ndim(answer) != 0:
        raise NotYet(
            f"a value is one number; your answer has shape {np.shape(answer)}: "
            "did you multiply without adding up?"
        )
    expect_close(answer, want, "value w·φ(s)", rtol=1e-6, atol=1e-9)
    return f"w·φ(s) = Σ wᵢ φᵢ(s) = {want:.2f}: every feature weighed, then summed."


@exercise("6.2")
def check_td0_update(answer: Any) -> str:
    td0_update = needs_function(
        answer, "td0_update(w, phi_s, phi_next, reward, alpha, gamma, terminal)"
    )
    rng = np.random.default_rng(62)
    for terminal in (False, True, False):
        d = int(rng.integers(2, 9))
        w, x, x2 = rng.normal(size=d), rng.normal(size=d), rng.normal(size=d)
        r, a, g = float(rng.normal()), float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.5, 1.0))
        target = r + (0.0 if terminal else g * float(w @ x2))
        want = w + a * (target - float(w @ x)) * x
        got = td0_update(w.copy(), x.copy(), x2.copy(), r, a, g, terminal)
        what = "the new weights" + (" at a terminal step (no bootstrap)" if terminal else "")
        expect_close(got, want, what, rtol=1e-9, atol=1e-12)
    return "w ← w + α [R + γ w·φ(S') − w·φ(S)] φ(S), with w·φ(S') = 0 when S' is terminal."


@exercise("6.3")
def check_mc_group_after(answer: Any) -> str:
    mc_group_after = needs_function(answer, "mc_group_after(w_g, G, alpha, visits)")
    rng = np.random.default_rng(63)
    for visits in (0, 1, 7, 40):
        w_g, G, a = (
            float(rng.uniform(-1, 1)),
            float(rng.choice([-1.0, 1.0])),
            float(rng.uniform(1e-3, 0.2)),
        )
        want = w_g
        for _ in range(visits):  # the updates one at a time
            want += a * (G - want)
        expect_close(
            mc_group_after(w_g, G, a, visits),
            want,
            f"the weight after {visits} visit(s)",
            rtol=1e-9,
            atol=1e-12,
        )
    return "each visit keeps a share (1 − α) of the gap to G: w_g ← G + (1 − α)^c (w_g − G)."


@exercise("6.4")
def check_weights_changed(answer: Any) -> str:
    if answer is None or answer is Ellipsis:
        raise NotYet("no answer yet: replace the ... with a whole number")
    if float(answer) == 648:
        raise NotYet(
            "648 is the number of features per action; one update changes only the active ones"
        )
    if float(answer) == 8 * 3:
        raise NotYet("the update changes the weights of the action taken, not of all three actions")
    expect_close(answer, 8, "number of weights changed", rtol=0, atol=0)
    return (
        "one per tiling: φ(s) has 8 ones, and w += α δ φ(s) leaves every weight with φᵢ = 0 alone."
    )


__all__ = ["GAME_FEATURES", "GAME_WEIGHTS_NEW"]
