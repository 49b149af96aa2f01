"""Chapter 3's checkers: the stub, typical mistakes and the solution (see exercise_harness)."""

from __future__ import annotations

import numpy as np
from exercise_harness import Case, make_tests


def conv1d_stub(signal, kernel):
    ...


def conv1d(signal, kernel):
    m = len(kernel)
    return np.array([np.dot(signal[i : i + m], kernel) for i in range(len(signal) - m + 1)])


def conv1d_one_short(signal, kernel):
    m = len(kernel)
    return np.array([np.dot(signal[i : i + m], kernel) for i in range(len(signal) - m)])


def output_size_stub(n, k, stride, padding):
    ...


def output_size(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


CASES = {
    "3.1": Case(
        stub=conv1d_stub,
        wrong=[
            (lambda s, k: np.convolve(s, k, mode="valid"), "flipped"),
            (conv1d_one_short, "one position short"),
            (lambda s, k: np.dot(s[: len(k)], k), "one number"),
            (lambda s, k: np.correlate(s, k, mode="same"), "fits entirely"),
            (lambda s, k: np.correlate(s, k, mode="valid") + 1, "off"),
            (lambda s, k: print(s), "forget to `return`"),
        ],
        solution=conv1d,
    ),
    "3.2": Case(
        stub=output_size_stub,
        wrong=[
            (lambda n, k, s, p: (n - k) // s + 1, "padding is missing"),
            (lambda n, k, s, p: (n + p - k) // s + 1, "n + 2p, not n + p"),
            (lambda n, k, s, p: (n + 2 * p - k) // s, "count the first position"),
            (lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1, "round down"),
            (lambda n, k, s, p: (n + 2 * p - k) / s + 1, "whole number"),
            (lambda n, k, s, p: n + 2 * p - k + 1, "should be"),
        ],
        solution=output_size,
        float32=False,  # a count of positions: 56.0 is not an int
    ),
    "3.3": Case(
        stub=...,
        wrong=[
            ([[0, 0, 0], [0, 0, 1], [0, 0, 0]], "not flipped"),
            ([[0, 0, 0], [0, 1, 0], [0, 0, 0]], "stays where it is"),
            ([[0, 1, 0], [0, 0, 0], [0, 0, 0]], "one pixel down"),
            ([[0, 0, 0], [2, 0, 0], [0, 0, 0]], "the weight is 1"),
            ([0, 1, 0], "3×3"),
            (np.ones((3, 3)) / 9, "off"),
        ],
        solution=[[0, 0, 0], [1, 0, 0], [0, 0, 0]],
    ),
    "3.4": Case(
        stub=...,
        wrong=[
            (2 * 64 * 112 * 112 * 3 * 7 * 7, "FLOP"),
            (64 * 224 * 224 * 3 * 7 * 7, "stride 2"),
            (64 * 112 * 112 * 7 * 7, "colour channels"),
            (64 * 109 * 109 * 3 * 7 * 7, "padding"),
            (64 * 112 * 112 * (3 * 7 * 7 + 1), "bias"),
            (1.18e8, "whole number"),
            (1e6, "N · O · Ho"),
            (float("nan"), "nan"),
        ],
        solution=64 * 112 * 112 * 3 * 7 * 7,
    ),
}

globals().update(make_tests(CASES))
