"""Chapter 1's checkers: the stub, typical mistakes and the solution (see exercise_harness)."""

from __future__ import annotations

import math

import numpy as np
from exercise_harness import BACKENDS, Case, in_float32, make_tests

import dotkit as dk
from dotkit.exercises import check


def my_dot_stub(a, b):
    # your code: a loop over matching entries, a running total, then return it
    ...


def my_dot(a, b):
    total = 0.0
    for x, y in zip(a, b):
        total += x * y
    return total


def my_dot_returns_in_the_loop(a, b):
    total = 0.0
    for x, y in zip(a, b):
        total += x * y
        return total


def angle_degrees_stub(a, b):
    # your code: the angle between a and b, in degrees
    ...


def angle_degrees(a, b):
    cos = np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def angle_with_norms(a, b):
    """Another correct answer, with norms: in float32 its cosine can land a hair below 1 for parallel vectors."""
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def projection_stub(a, b):
    # your code: a vector along b; how far along comes from dot products
    ...


def projection(a, b):
    return np.dot(a, b) / np.dot(b, b) * b


def angle_without_clip(a, b):
    """The usual first attempt: right formula, no clip; parallel pairs give NaN."""
    cos = np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b))
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arccos(cos))


def distance_from_cosine_stub(c):
    # your code: start from ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b with unit vectors
    ...


def distance_from_cosine(c):
    return np.sqrt(2 - 2 * c)


CASES = {
    "1.1": Case(
        stub=my_dot_stub,
        wrong=[
            (lambda a, b: sum(a) * sum(b), "product of the two sums"),
            (my_dot_returns_in_the_loop, "indented inside the loop"),
            (lambda a, b: np.multiply(a, b), "one number"),
            (lambda a, b: my_dot(a, b) + 1.0, "off"),
            (32, "function"),
        ],
        solution=my_dot,
    ),
    "1.2": Case(
        stub=angle_degrees_stub,
        wrong=[
            (lambda a, b: math.acos(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b))), "radians"),
            (angle_without_clip, "np.clip"),
            (lambda a, b: np.degrees(np.arccos(np.clip(np.dot(a, b) / (np.dot(a, a) * np.dot(b, b)), -1, 1))),
             "square root"),
            (lambda a, b: angle_degrees(a, b) + 1.0, "off"),
        ],
        solution=angle_degrees,
    ),
    "1.3": Case(
        stub=projection_stub,
        wrong=[
            (lambda a, b: np.dot(a, b) / np.linalg.norm(b), "vector"),
            (lambda a, b: np.dot(a, b) / np.dot(a, a) * a, "projection of b on a"),
            (lambda a, b: np.dot(a, b) / np.linalg.norm(b) * b, "not by ‖b‖"),
            (lambda a, b: np.dot(a, b) * b, "still has to be divided"),
            (lambda a, b: np.dot(a, b) / np.dot(b, b) * b.reshape(1, -1), "shape"),
            (lambda a, b: np.dot(a, b) / np.dot(b, b) * a, "wrong vector"),
        ],
        solution=projection,
    ),
    "1.4": Case(
        stub=distance_from_cosine_stub,
        wrong=[
            (lambda c: 2 - 2 * c, "squared distance"),
            (lambda c: np.sqrt(2 + 2 * c), "minus sign"),
            (lambda c: np.sqrt(1 - c), "a·b comes twice"),
            (lambda c: 1 - c, "start again"),
            (lambda c: np.sqrt(2 - 2 * c) + 0.01, "off"),
            (lambda c: math.sqrt(2 - 2 * c), "np.sqrt works"),
        ],
        solution=distance_from_cosine,
    ),
    "1.5": Case(
        stub=...,
        wrong=[
            (1 / 50, "variance"),
            (math.sqrt(50), "size of a·b"),
            (0.5, "too large"),
            (0.01, "too small"),
            (-1 / math.sqrt(50), "negative"),
            (float("nan"), "nan"),
            ([0.14, 0.15], "one value"),
        ],
        solution=0.14,
    ),
    "1.6": Case(
        stub=...,
        wrong=[
            (1 / math.sqrt(300), "not a probability: 0.2 is"),
            (100 * math.erfc(0.2 * math.sqrt(150)), "percentage"),
            (100 * 4.8e-4, "percentage"),
            (math.erfc(0.2 * math.sqrt(150)) / 2, "one side"),
            (0.05, "too large"),
            (1e-6, "too small"),
            (3.0, "between 0 and 1"),
        ],
        solution=math.erfc(0.2 * math.sqrt(150)),
    ),
    "1.7": Case(
        stub=...,
        wrong=[
            (65504, "largest float16"),
            (1024, "still exact"),
            (2049, "halfway"),
            (4096, "already 2"),
            (3000, "not where it stops"),
        ],
        solution=2048,
        float32=True,
    ),
}

globals().update(make_tests(CASES))


def test_estimates_near_the_spread_pass_1_5() -> None:
    for estimate in (1 / math.sqrt(50), 0.15, np.float32(0.14)):
        assert check("1.5", estimate).state == "correct", estimate


def test_the_exact_tail_and_the_normal_estimate_both_pass_1_6() -> None:
    from scipy.special import betainc

    exact = float(betainc(299 / 2, 0.5, 1 - 0.04))
    rng = np.random.default_rng(6)
    above = 0
    for _ in range(10):
        a, b = rng.standard_normal((2, 20_000, 300))
        cos = (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
        above += int((np.abs(cos) > 0.2).sum())
    measured = above / 200_000
    assert abs(measured - exact) < 5 * math.sqrt(exact / 200_000), (measured, exact)  # the formula is right
    for estimate in (exact, math.erfc(0.2 * math.sqrt(150)), 6e-4):
        assert check("1.6", estimate).state == "correct", estimate


def test_a_float16_sum_of_ones_really_stops_at_2048() -> None:
    total = np.float16(0)
    for _ in range(3000):
        total = np.float16(total + np.float16(1))
    assert float(total) == 2048.0 and check("1.7", float(total)).state == "correct"


def test_unclipped_angle_gets_nan_on_many_parallel_pairs() -> None:
    rng = np.random.default_rng(0)
    pairs = [(a, 3.0 * a) for a in rng.normal(size=(1000, 10))]
    nans = sum(bool(np.isnan(angle_without_clip(a, b))) for a, b in pairs)
    assert nans > 50, nans  # a real share of parallel pairs, so the checker's 200 tries meet some


def test_angle_with_norms_in_float32() -> None:
    for name in BACKENDS:
        with dk.use_backend(name):
            fb = check("1.2", in_float32(angle_with_norms, dk.get_backend(name)))
        assert fb.state == "correct", (name, fb)
