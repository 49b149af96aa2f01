"""Checkers for chapter 1, "The dot product".

1.1  ``my_dot(a, b)``: the dot product with a plain loop.
1.2  ``angle_degrees(a, b)``: the angle between two vectors, from the dot product.
1.3  ``projection(a, b)``: the vector projection of ``a`` on ``b``.
1.4  ``distance_from_cosine(c)``: the distance between two unit vectors with cosine ``c``.
1.5  a number: an estimate of the spread of cos θ between two random directions in 50 dimensions.
1.6  a number: the chance that two random 300-d directions have |cos θ| > 0.2.
1.7  a number: where a float16 running sum of ones stops growing.

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

#: How near a typical wrong result an answer must be to get that mistake's hint.
_LOOSE = {"mistake_rtol": 1e-3, "mistake_atol": 1e-6}


def _pairs(seed: int, sizes: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=n), rng.normal(size=n)) for n in sizes]


@exercise("1.1", todo="write the body of my_dot(a, b): it should return Σ aᵢ bᵢ as one number, "
                      "with a plain loop")
def check_my_dot(answer: Any) -> str:
    my_dot = needs_function(answer, "my_dot(a, b)")
    for a, b in [(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])), *_pairs(11, (1, 2, 7, 50))]:
        what = f"my_dot on two lists of length {len(a)}"
        result = my_dot(a.tolist(), b.tolist())
        got = as_array(result, what)
        if got.ndim != 0:
            raise NotYet(f"{what} returned {got.size} numbers (shape {got.shape}); a dot product is one number: "
                         "add the products up")
        mistakes = [
            (a.sum() * b.sum(), "that is (Σ aᵢ)(Σ bᵢ), the product of the two sums: multiply matching entries "
                                "first, then add the products"),
            (a[0] * b[0], "that is only the first product a₁b₁: is the `return` indented inside the loop?"),
        ]
        expect_close(result, float(a @ b), what, rtol=1e-9, atol=1e-12, mistakes=mistakes, **_LOOSE)
    return "your loop multiplies matching components and adds them up: Σ aᵢ bᵢ."


def _parallel_pairs_need_a_clip(angle_degrees: Any) -> None:
    """Parallel pairs (a, k·a): rounding puts the computed cos θ just above 1 for a good share of them."""
    rng = np.random.default_rng(120)
    for _ in range(200):
        a = rng.normal(size=int(rng.integers(2, 40)))
        b = float(rng.uniform(0.1, 10.0)) * a
        with np.errstate(invalid="ignore"):  # the NaN we look for would also print a warning
            got = as_array(angle_degrees(a, b), "the angle of two parallel vectors")
        if got.size == 1 and np.isnan(got).any():
            raise NotYet("for two vectors pointing the same way your function returned NaN: rounding put the "
                         "computed cos θ just above 1, where np.arccos is undefined; clip it to [-1, 1] "
                         "with np.clip first")


@exercise("1.2", todo="write the body of angle_degrees(a, b): it should return the angle between a and b "
                      "in degrees, for any two non-zero vectors, parallel ones included")
def check_angle_degrees(answer: Any) -> str:
    angle_degrees = needs_function(answer, "angle_degrees(a, b)")
    fixed = [([1.0, 0.0], [0.0, 3.0]), ([1.0, 1.0], [2.0, 2.0]), ([1.0, 0.0], [-2.0, 0.0]), ([1.0, 0.0], [1.0, 1.0])]
    for a, b in [*((np.array(a), np.array(b)) for a, b in fixed), *_pairs(12, (3, 10, 50))]:
        what = f"angle_degrees({a.tolist()}, {b.tolist()})" if a.size == 2 else f"the angle of two {a.size}-d vectors"
        cos = (a @ b) / math.sqrt((a @ a) * (b @ b))
        want = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
        result = angle_degrees(a, b)
        # to a tenth of a degree: near 0° and 180°, float32 rounding of cos θ moves arccos by a few hundredths
        expect_close(result, want, what, rtol=0, atol=0.1, **_LOOSE, mistakes=[
            (math.radians(want), f"{what} looks like an angle in radians ({math.radians(want):.4g}): "
                                 "turn it into degrees with np.degrees"),
            (math.degrees(math.acos(max(-1.0, min(1.0, (a @ b) / ((a @ a) * (b @ b)))))),
             "divide by ‖a‖ ‖b‖, the square root of (a·a)(b·b), not by (a·a)(b·b) itself"),
        ])
    _parallel_pairs_need_a_clip(angle_degrees)
    return "θ = arccos(a·b / (‖a‖ ‖b‖)) in degrees; clipping cos θ to [-1, 1] guards against rounding."


@exercise("1.3", todo="write the body of projection(a, b): it should return proj_b a, the vector "
                      "projection of a on b, built from dot products")
def check_projection(answer: Any) -> str:
    projection = needs_function(answer, "projection(a, b)")
    for a, b in [(np.array([2.0, 3.0]), np.array([4.0, 0.0])), *_pairs(13, (2, 5, 20))]:
        what = f"projection({a.round(3).tolist()}, {b.round(3).tolist()})"
        want = (a @ b) / (b @ b) * b
        result = projection(a, b)
        got = as_array(result, what)
        if got.ndim == 0:
            raise NotYet("projection should return a vector (the shadow of a along b), not one number such as a·b/‖b‖")
        expect_close(result, want, what, rtol=1e-7, atol=1e-10, **_LOOSE, mistakes=[
            ((a @ b) / (a @ a) * a, "that is the projection of b on a: the shadow of a lies along b, so scale b"),
            ((a @ b) / np.linalg.norm(b) * b, "right direction, wrong length: divide by b·b = ‖b‖², not by ‖b‖ "
                                              "(the b you multiply by has length ‖b‖ too)"),
            ((a @ b) * b, "right direction, wrong length: a·b times b still has to be divided by b·b"),
            ((a @ b) / (b @ b) * a, "right number, wrong vector: a·b / b·b is how far along b the shadow "
                                    "reaches, so multiply it by b, not by a"),
        ])
    return "(a·b / b·b) b: the part of a along b; what is left, a − proj, is perpendicular to b."


@exercise("1.4", todo="write the body of distance_from_cosine(c): it should return ‖a − b‖ for two unit "
                      "vectors with cos θ = c, for one number or a NumPy array of them")
def check_distance_from_cosine(answer: Any) -> str:
    distance_from_cosine = needs_function(answer, "distance_from_cosine(c)")
    cosines = np.array([1.0, 0.8, 0.5, 0.0, -0.3, -1.0])
    want = np.sqrt(2 - 2 * cosines)
    for c, w in zip(cosines, want):
        what = f"distance_from_cosine({c:g})"
        got = as_array(distance_from_cosine(float(c)), what)
        expect_close(got, w, what, rtol=1e-7, atol=1e-9, **_LOOSE, mistakes=[
            (2 - 2 * c, f"{what} gave {2 - 2 * c:g}, the squared distance ‖a − b‖²: take its square root"),
            (math.sqrt(2 + 2 * c), f"{what} gave √(2 + 2c): the cross term enters with a minus sign, −2 a·b"),
            (math.sqrt(1 - c), f"{what} gave √(1 − c): ‖a‖² + ‖b‖² is 2 for unit vectors, and a·b comes twice"),
            (1 - c, f"{what} gave 1 − c: start again from ‖a‖² + ‖b‖² − 2 a·b with ‖a‖ = ‖b‖ = 1"),
        ])
    try:
        on_array = distance_from_cosine(cosines)
    except NotYet as err:
        if "TypeError" not in str(err):
            raise
        raise NotYet(f"on a NumPy array of cosines, {err}: math.sqrt takes one number only; np.sqrt "
                     "works on a number and on a whole array") from None
    expect_close(on_array, want, "distance_from_cosine on an array of cosines", rtol=1e-7, atol=1e-9)
    return ("‖a − b‖ = √(2 − 2 cos θ): it falls as the cosine rises, so for unit vectors the nearest "
            "neighbour and the most similar by cosine are the same.")


@exercise("1.5", todo="replace the ... with one number: your estimate of the standard deviation of "
                      "cos θ between two random directions in 50 dimensions")
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
    return (f"about √50 / (√50 · √50) = 1/√50 ≈ {want:.3f}: random 50-d directions rarely reach |cos θ| = 0.3, "
            "so a cosine of 0.8 between word vectors is no accident.")


def _chance_above(t: float, n: int) -> float:
    """P(|cos θ| > t) for two random directions in n dimensions: cos² θ follows Beta(1/2, (n − 1)/2)."""
    from scipy.special import betainc

    return float(betainc((n - 1) / 2, 0.5, 1 - t * t))


@exercise("1.6", todo="replace the ... with one number: your estimate of the probability (between 0 and 1) "
                      "that two random directions in 300 dimensions have |cos θ| > 0.2")
def check_chance_above_02(answer: Any) -> str:
    value = needs_number(answer, "a probability (a number between 0 and 1)")
    exact = _chance_above(0.2, 300)
    normal = math.erfc(0.2 * math.sqrt(300) / math.sqrt(2))
    sd = 1 / math.sqrt(300)
    if abs(value - sd) < 0.001:
        raise NotYet(f"{value:.3g} is the spread 1/√300 of cos θ, not a probability: 0.2 is "
                     f"{0.2 / sd:.2f} spreads from zero; how often does a normal value land that far out?")
    # the answer written as a percentage (about 0.048 or 0.053), but not the round 0.05, a plain "too large"
    if min(abs(value / 100 / exact - 1), abs(value / 100 / normal - 1)) < 0.03:
        raise NotYet(f"{value:.3g} looks like a percentage: give the probability as a fraction between 0 and 1 "
                     "(a percentage divided by 100)")
    if not 0 <= value <= 1:
        raise NotYet(f"{value:.3g} is not a probability: a probability lies between 0 and 1")
    if 0.2 * exact <= value < 0.6 * exact:
        raise NotYet(f"{value:.3g} counts only one side: |cos θ| > 0.2 means cos θ > 0.2 or cos θ < −0.2, "
                     "so add both tails")
    if value > 1.8 * exact:
        raise NotYet(f"{value:.3g} is too large: 0.2 is {0.2 / sd:.2f} spreads from zero, and a normal value "
                     "goes beyond 3 spreads less than 3 times in 1,000 (if you meant a percentage, give it as "
                     "a fraction: divide by 100)")
    if value < 0.2 * exact:
        raise NotYet(f"{value:.3g} is too small: it is rare, but not that rare; check the spread 1/√300 and "
                     "the normal tail beyond 0.2 on both sides")
    return (f"about {exact:.1e} (the normal approximation gives {normal:.1e}): in 300 dimensions a cosine of "
            "0.2 already stands out from chance.")


@exercise("1.7", todo="replace the ... with one number: your prediction of the total at which a float16 "
                      "running sum of ones stops growing")
def check_float16_stall(answer: Any) -> str:
    value = needs_number(answer, "a number (the value where the sum stops)")
    if value == 65504:
        raise NotYet("65,504 is the largest float16 number; the sum stops growing long before it could "
                     "overflow, once adding 1 falls to the rounding")
    if value == 1024:
        raise NotYet("between 1,024 and 2,048 the gap between float16 neighbours is 1, so 1024 + 1 = 1025 "
                     "is still exact: look one power of two higher")
    if value in (2049, 2050):
        raise NotYet(f"{value:g} is not reached: from 2,048 on the gap is 2, so 2048 + 1 lies exactly halfway "
                     "between 2048 and 2050, and round half to even picks 2048")
    if value == 4096:
        raise NotYet("at 4,096 the gap is 4, but the sum gets stuck earlier: from 2,048 on the gap is already 2, "
                     "and 2048 + 1 lies exactly halfway")
    if value != 2048:
        raise NotYet(f"{value:g} is not where it stops: find the first power of two at which the gap between "
                     "float16 neighbours, 2^(k−10), is 2")
    return ("2048 = 2¹¹: from there the gap is 2, 2048 + 1 lies exactly halfway and rounds back to 2048 "
            "(its last binary digit is 0), so every further 1 is lost.")


__all__ = ["check_angle_degrees", "check_chance_above_02", "check_distance_from_cosine", "check_float16_stall",
           "check_my_dot", "check_projection", "check_spread_in_50d"]
