"""Checkers for chapter 1, "The dot product".

1.1  ``my_dot(a, b)``: the dot product with a plain loop.
1.2  ``angle_degrees(a, b)``: the angle between two vectors, from the dot product.
1.3  ``projection(a, b)``: the vector projection of ``a`` on ``b``.
1.4  a number: the typical |cos θ| spread of two random directions in 50 dimensions.

Functions are called on fresh inputs drawn here and compared with a float64
NumPy oracle.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dotkit.exercises import NotYet, exercise, expect_close, needs_function, needs_number


def _pairs(seed: int, sizes: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=n), rng.normal(size=n)) for n in sizes]


@exercise("1.1")
def check_my_dot(answer: Any) -> str:
    my_dot = needs_function(answer, "my_dot(a, b)")
    cases = [(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])), *_pairs(11, (1, 2, 7, 50))]
    for a, b in cases:
        got = my_dot(list(a), list(b))
        if np.ndim(got) != 0:
            raise NotYet(
                f"my_dot should return one number (the sum); for vectors of length {len(a)} "
                f"it returned something of shape {np.shape(got)}"
            )
        what = f"my_dot on two vectors of length {len(a)}"
        expect_close(got, float(a @ b), what, rtol=1e-9, atol=1e-12)
    return "your loop multiplies matching components and adds them up: Σ aᵢ bᵢ."


@exercise("1.2")
def check_angle_degrees(answer: Any) -> str:
    angle_degrees = needs_function(answer, "angle_degrees(a, b)")
    fixed = [([1.0, 0.0], [0.0, 3.0], 90.0), ([1.0, 1.0], [2.0, 2.0], 0.0),
             ([1.0, 0.0], [-2.0, 0.0], 180.0), ([1.0, 0.0], [1.0, 1.0], 45.0)]
    for a, b, want in fixed:
        got = angle_degrees(np.array(a), np.array(b))
        expect_close(got, want, f"angle_degrees({a}, {b})", rtol=0, atol=1e-4)
    for a, b in _pairs(12, (3, 10, 50)):
        cos = float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b))
        want = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
        what = f"the angle between two random {len(a)}-d vectors"
        expect_close(angle_degrees(a, b), want, what, rtol=0, atol=1e-4)
    return "θ = arccos(a·b / (‖a‖ ‖b‖)) in degrees; clipping cos θ to [-1, 1] guards rounding."


@exercise("1.3")
def check_projection(answer: Any) -> str:
    projection = needs_function(answer, "projection(a, b)")
    cases = [(np.array([2.0, 3.0]), np.array([4.0, 0.0])), *_pairs(13, (2, 5, 20))]
    for a, b in cases:
        want = (a @ b) / (b @ b) * b
        got = np.asarray(projection(a, b), dtype=float)
        if got.shape == ():
            raise NotYet(
                "projection should return a vector (the shadow of a along b), "
                "not a number such as a·b/‖b‖"
            )
        what = f"projection({a.round(3).tolist()}, {b.round(3).tolist()})"
        expect_close(got, want, what, rtol=1e-7, atol=1e-10)
    return "(a·b / b·b) b: the part of a along b; what is left, a − proj, is perpendicular to b."


@exercise("1.4")
def check_spread_in_50d(answer: Any) -> str:
    value = needs_number(answer)
    want = 1 / math.sqrt(50)
    if abs(value - 50 ** -1) < 1e-3:
        raise NotYet("that is 1/n; the spread of cos θ shrinks more slowly, like 1/√n")
    if abs(value - want) > 0.05 * want:
        raise NotYet(
            f"{value:.4g} is not it; the standard deviation of cos θ in n dimensions is about 1/√n"
        )
    return (
        f"1/√50 ≈ {want:.3f}: random 50-d directions rarely reach |cos θ| = 0.3, "
        "so a cosine of 0.8 between word vectors is no accident."
    )


__all__ = ["check_angle_degrees", "check_my_dot", "check_projection", "check_spread_in_50d"]
