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
    # your code: cos θ from dot products, keep it inside [-1, 1], then np.arccos, then degrees
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


def angle_unclipped(a, b):
    cos = np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)) * (1 + 1e-15)  # rounding just above 1
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arccos(cos))


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
            (angle_unclipped, "NaN"),
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
        ],
        solution=projection,
    ),
    "1.4": Case(
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
}

globals().update(make_tests(CASES))


def test_estimates_near_the_spread_pass_1_4() -> None:
    for estimate in (1 / math.sqrt(50), 0.15, np.float32(0.14)):
        assert check("1.4", estimate).state == "correct", estimate


def test_angle_with_norms_in_float32() -> None:
    for name in BACKENDS:
        with dk.use_backend(name):
            fb = check("1.2", in_float32(angle_with_norms, dk.get_backend(name)))
        assert fb.state == "correct", (name, fb)
