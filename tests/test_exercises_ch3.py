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


def im2col_stub(image, k):
    ...


def im2col_1ch(image, k):
    ho, wo = image.shape[0] - k + 1, image.shape[1] - k + 1
    return np.array([image[i : i + k, j : j + k].ravel() for i in range(ho) for j in range(wo)])


def im2col_columns(image, k):  # one column per patch, as the original im2col
    return im2col_1ch(image, k).T


def im2col_short(image, k):
    ho, wo = image.shape[0] - k, image.shape[1] - k
    return np.array([image[i : i + k, j : j + k].ravel() for i in range(ho) for j in range(wo)])


def im2col_column_major(image, k):
    ho, wo = image.shape[0] - k + 1, image.shape[1] - k + 1
    return np.array([image[i : i + k, j : j + k].T.ravel() for i in range(ho) for j in range(wo)])


def im2col_transposed_order(image, k):
    ho, wo = image.shape[0] - k + 1, image.shape[1] - k + 1
    return np.array([image[i : i + k, j : j + k].ravel() for j in range(wo) for i in range(ho)])


def receptive_field_stub(layers, k):
    ...


def receptive_field(layers, k):
    return 1 + layers * (k - 1)


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
        stub=im2col_stub,
        wrong=[
            (im2col_columns, "one column per patch"),
            (im2col_short, "one position short"),
            (im2col_column_major, "column by column"),
            (im2col_transposed_order, "wrong order"),
            (lambda image, k: image[:k, :k].ravel(), "column matrix has shape"),
            (lambda image, k: im2col_1ch(image, k) * 2, "off"),
        ],
        solution=im2col_1ch,
    ),
    "3.4": Case(
        stub=receptive_field_stub,
        wrong=[
            (lambda layers, k: layers * k, "overlap"),
            (lambda layers, k: k**layers, "counts paths"),
            (lambda layers, k: layers * (k - 1), "one pixel short"),
            (lambda layers, k: 2 * layers + 1, "now for any k"),
            (lambda layers, k: 1.0 + layers * (k - 1), "whole number"),
            (lambda layers, k: 7, "should be"),
        ],
        solution=receptive_field,
        float32=False,  # a count of pixels
    ),
    "3.5": Case(
        stub=...,
        wrong=[
            ([[0, 0, 0], [0, 0, 1], [0, 0, 0]], "not flipped"),
            ([[0, 0, 0], [0, 1, 0], [0, 0, 0]], "stays where it is"),
            ([[0, 1, 0], [0, 0, 0], [0, 0, 0]], "one pixel down"),
            ([[0, 0, 0], [2, 0, 0], [0, 0, 0]], "the weight is 1"),
            ([0, 1, 0], "3×3"),
            ([[0, 0, 0], [0, 0, 0], [0, 0, 0]], "one weight must be 1"),
            (np.ones((3, 3)) / 9, "off"),
        ],
        solution=[[0, 0, 0], [1, 0, 0], [0, 0, 0]],
    ),
    "3.6": Case(
        stub=...,
        wrong=[
            ([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]], "vertical edge"),
            ([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], "horizontal edge"),
            (np.ones((3, 3)) / 9, "sum to 0"),
            ([[0, 0, 0], [0, 0, 0], [0, 0, 0]], "zeros"),
            ([[1, -1, 0]], "3×3"),
        ],
        solution=[[1, 0, -1], [0, 0, 0], [-1, 0, 1]],
    ),
    "3.7": Case(
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


def test_either_diagonal_is_a_diagonal_detector() -> None:
    from dotkit.exercises import check

    # zero row and column sums leave a four-parameter family; these see one diagonal each, or both
    for kernel in ([[-1, 1, 0], [1, 0, -1], [0, -1, 1]], [[0, 1, -1], [-1, 0, 1], [1, -1, 0]],
                   [[1, 0, -1], [0, 0, 0], [-1, 0, 1]]):
        assert check("3.6", kernel).passed, kernel
