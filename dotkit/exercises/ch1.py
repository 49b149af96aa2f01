"""Checkers for chapter 1, "The dot product".

1.1  ``my_dot(a, b)``: the dot product with a plain loop.
1.2  ``angle_degrees(a, b)``: the angle between two vectors, from the dot product.
1.3  ``projection(a, b)``: the vector projection of ``a`` on ``b``.
1.4  a number: an estimate of the spread of cos θ between two random directions in 50 dimensions.

Functions are called on fresh inputs drawn here and compared with a float64
NumPy oracle; before the generic "off" hint, each checker looks for the usual
mistakes (radians for degrees, the projection the wrong way round, ...) and
names the one it finds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dotkit.exercises import NotYet, as_array, exercise, expect_close, needs_function, needs_number


def _pairs(seed: int, sizes: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=n), rng.normal(size=n)) for n in sizes]


def _name_the_mistake(got: np.ndarray, want: Any, mistakes: list[tuple[Any, str]]) -> None:
    """Raise the hint of the first typical mistake that ``got`` matches (where it differs from ``want``)."""
    for wrong, hint in mistakes:
        wrong = np.asarray(wrong, dtype=float)
        if (got.shape == wrong.shape and np.allclose(got, wrong, rtol=1e-3, atol=1e-6)
                and not np.allclose(wrong, want, rtol=1e-3, atol=1e-6)):
            raise NotYet(hint)


@exercise("1.1", todo="write the loop: walk both lists together (zip), multiply matching entries, "
                      "add each product to a running total, and return the total")
def check_my_dot(answer: Any) -> str:
    my_dot = needs_function(answer, "my_dot(a, b)")
    for a, b in [(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])), *_pairs(11, (1, 2, 7, 50))]:
        what = f"my_dot on two lists of length {len(a)}"
        result = my_dot(a.tolist(), b.tolist())
        got = as_array(result, what)
        if got.ndim != 0:
            raise NotYet(f"{what} returned {got.size} numbers (shape {got.shape}); a dot product is one number: "
                         "add the products up")
        _name_the_mistake(got, a @ b, [
            (a.sum() * b.sum(), "that is (Σ aᵢ)(Σ bᵢ), the product of the two sums: multiply matching entries "
                                "first, then add the products"),
            (a[0] * b[0], "that is only the first product a₁b₁: is the `return` indented inside the loop?"),
        ])
        expect_close(result, float(a @ b), what, rtol=1e-9, atol=1e-12)
    return "your loop multiplies matching components and adds them up: Σ aᵢ bᵢ."


@exercise("1.2", todo="return the angle in degrees: solve a·b = ‖a‖ ‖b‖ cos θ for cos θ, keep it inside "
                      "[-1, 1], then np.arccos and np.degrees")
def check_angle_degrees(answer: Any) -> str:
    angle_degrees = needs_function(answer, "angle_degrees(a, b)")
    fixed = [([1.0, 0.0], [0.0, 3.0]), ([1.0, 1.0], [2.0, 2.0]), ([1.0, 0.0], [-2.0, 0.0]), ([1.0, 0.0], [1.0, 1.0])]
    for a, b in [*((np.array(a), np.array(b)) for a, b in fixed), *_pairs(12, (3, 10, 50))]:
        what = f"angle_degrees({a.tolist()}, {b.tolist()})" if a.size == 2 else f"the angle of two {a.size}-d vectors"
        cos = (a @ b) / math.sqrt((a @ a) * (b @ b))
        want = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
        result = angle_degrees(a, b)
        _name_the_mistake(as_array(result, what), want, [
            (math.radians(want), f"{what} looks like an angle in radians ({math.radians(want):.4g}): "
                                 "turn it into degrees with np.degrees"),
            (math.degrees(math.acos(max(-1.0, min(1.0, (a @ b) / ((a @ a) * (b @ b)))))),
             "divide by ‖a‖ ‖b‖, the square root of (a·a)(b·b), not by (a·a)(b·b) itself"),
        ])
        # to a tenth of a degree: near 0° and 180°, float32 rounding of cos θ moves arccos by a few hundredths
        expect_close(result, want, what, rtol=0, atol=0.1)
    return "θ = arccos(a·b / (‖a‖ ‖b‖)) in degrees; clipping cos θ to [-1, 1] guards against rounding."


@exercise("1.3", todo="return a vector along b: b itself, scaled by a number made of dot products "
                      "(how much of a lies along b)")
def check_projection(answer: Any) -> str:
    projection = needs_function(answer, "projection(a, b)")
    for a, b in [(np.array([2.0, 3.0]), np.array([4.0, 0.0])), *_pairs(13, (2, 5, 20))]:
        what = f"projection({a.round(3).tolist()}, {b.round(3).tolist()})"
        want = (a @ b) / (b @ b) * b
        result = projection(a, b)
        got = as_array(result, what)
        if got.ndim == 0:
            raise NotYet("projection should return a vector (the shadow of a along b), not one number such as a·b/‖b‖")
        _name_the_mistake(got, want, [
            ((a @ b) / (a @ a) * a, "that is the projection of b on a: the shadow of a lies along b, so scale b"),
            ((a @ b) / np.linalg.norm(b) * b, "right direction, wrong length: divide by b·b = ‖b‖², not by ‖b‖ "
                                              "(the b you multiply by has length ‖b‖ too)"),
            ((a @ b) * b, "right direction, wrong length: a·b times b still has to be divided by b·b"),
        ])
        expect_close(result, want, what, rtol=1e-7, atol=1e-10)
    return "(a·b / b·b) b: the part of a along b; what is left, a − proj, is perpendicular to b."


@exercise("1.4", todo="replace the ... with one number, your estimate; the measured spreads for the dimensions "
                      "on either side of 50 are in the table above")
def check_spread_in_50d(answer: Any) -> str:
    value = needs_number(answer, "a number (your estimate of the spread)")
    want = 1 / math.sqrt(50)
    if abs(value - 1 / 50) < 1e-3:
        raise NotYet("1/50 = 0.02 is the variance of cos θ in 50 dimensions; the spread (standard deviation) "
                     "is its square root")
    if abs(value - math.sqrt(50)) < 0.05:
        raise NotYet("√50 ≈ 7.07 is the typical size of a·b itself; cos θ divides it by the two lengths, "
                     "each about √50")
    if value < 0:
        raise NotYet(f"{value:.3g} is negative, but a spread (a standard deviation) never is")
    if value > 1.1 * want:
        raise NotYet(f"{value:.3g} is too large: the spread keeps shrinking as n grows, halving each time n grows "
                     "fourfold (the log-log plot above), so at n = 50 it is only a little above its value at n = 64")
    if value < 0.9 * want:
        raise NotYet(f"{value:.3g} is too small: 50 lies between n = 16 and n = 64 in the table above, "
                     "so the spread does too")
    return (f"about 1/√50 ≈ {want:.3f}: random 50-d directions rarely reach |cos θ| = 0.3, "
            "so a cosine of 0.8 between word vectors is no accident.")


__all__ = ["check_angle_degrees", "check_my_dot", "check_projection", "check_spread_in_50d"]
