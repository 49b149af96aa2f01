"""Checkers for chapter 3, "Convolution".

3.1  ``conv1d(signal, kernel)``: the 1-D sliding dot product ('valid' mode).
3.2  ``output_size(n, k, stride, padding)``: how many positions a kernel visits.
3.3  ``im2col_1ch(image, k)``: the column matrix of a one-channel image.
3.4  ``receptive_field(layers, k)``: the input pixels one output of stacked k×k layers sees.
3.5  a 3×3 kernel that moves an image one pixel to the right.
3.6  a 3×3 kernel that sees diagonal edges and ignores flat, vertical and horizontal ones.
3.7  a number: the multiply-adds of a ResNet-50's first layer on one 224×224 photo.

Functions are called on fresh inputs drawn here and compared with a float64
NumPy oracle (``np.correlate``, the output-size formula, patches cut by hand,
the closed form 1 + L(k − 1) of a receptive field, a padded sum of shifts).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.exercises import NotYet, as_array, exercise, expect_close, needs_function, needs_number


@exercise("3.1", todo="return the n − m + 1 sliding dot products, as an array")
def check_conv1d(answer: Any) -> str:
    conv1d = needs_function(answer, "conv1d(signal, kernel)")
    rng = np.random.default_rng(31)
    cases = [(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([1.0, 0.0, -1.0]))]
    cases += [(rng.normal(size=n), rng.normal(size=m)) for n, m in ((10, 3), (7, 7), (20, 1), (16, 4))]
    for signal, kernel in cases:
        n, m = len(signal), len(kernel)
        want = np.correlate(signal, kernel, mode="valid")
        out = conv1d(signal, kernel)
        got = as_array(out, f"conv1d on a signal of length {n}")
        if got.ndim == 0:
            raise NotYet(f"conv1d returned one number; it should return one dot product per position, "
                         f"{n - m + 1} of them for a signal of {n} and a kernel of {m}")
        if got.shape == (n - m,):
            raise NotYet(f"one position short: for n = {n}, m = {m} you return {n - m} values. The last window "
                         f"starts at i = n − m, so the loop runs over range(n − m + 1)")
        if got.shape != want.shape:
            raise NotYet(f"for a signal of length {n} and a kernel of length {m} the output has {n - m + 1} "
                         f"values (one per position where the kernel fits entirely); yours has shape {got.shape}")
        if m > 1 and np.allclose(got, np.convolve(signal, kernel, mode="valid")) and not np.allclose(got, want):
            raise NotYet("your kernel is flipped: deep-learning convolution slides the kernel as it is, "
                         "out[i] = Σⱼ signal[i + j] · kernel[j]")
        expect_close(out, want, f"conv1d on a signal of length {n}", rtol=1e-9, atol=1e-12)  # out: its precision
    return "out[i] = signal[i : i + m] · kernel: one dot product per position, n − m + 1 of them."


def _size(n: int, k: int, s: int, p: int) -> int:
    return (n + 2 * p - k) // s + 1


_SIZE_MISTAKES = [
    (lambda n, k, s, p: (n - k) // s + 1, "the padding is missing: p zeros are added before you slide, "
                                           "so the axis you slide over is longer"),
    (lambda n, k, s, p: (n + p - k) // s + 1, "padding goes on both ends of the axis: the padded length is "
                                              "n + 2p, not n + p"),
    (lambda n, k, s, p: (n + 2 * p - k) // s, "one short: count the first position too (the one at 0), "
                                              "then one more for every step of s"),
    (lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1, "you rounded up: a last step that does not fit "
                                                      "entirely is not a position, so round down (//)"),
]


@exercise("3.2", todo="return the number of positions, as an int")
def check_output_size(answer: Any) -> str:
    output_size = needs_function(answer, "output_size(n, k, stride, padding)")
    rng = np.random.default_rng(32)
    cases = [(5, 3, 1, 0), (56, 3, 1, 1), (224, 7, 2, 3), (7, 3, 2, 0), (8, 3, 3, 2), (10, 4, 3, 1), (4, 4, 1, 0)]
    for _ in range(6):
        k, s, p = int(rng.integers(1, 8)), int(rng.integers(1, 4)), int(rng.integers(0, 4))
        cases.append((int(rng.integers(k, 60)), k, s, p))
    got = {}
    for n, k, s, p in cases:
        value = output_size(n, k, s, p)
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise NotYet(f"output_size should return a whole number; output_size({n}, {k}, {s}, {p}) returned "
                         f"{value!r} ({type(value).__name__}); / gives a float, // divides and rounds down")
        got[n, k, s, p] = int(value)
    if all(v == _size(*case) for case, v in got.items()):
        return "⌊(n + 2p − k) / s⌋ + 1: the padded length minus the kernel, in steps of s, plus the first position."
    for mistake, hint in _SIZE_MISTAKES:
        if all(v == mistake(*case) for case, v in got.items()):
            raise NotYet(hint)
    (n, k, s, p), v = next((case, v) for case, v in got.items() if v != _size(*case))
    raise NotYet(f"output_size(n={n}, k={k}, stride={s}, padding={p}) should be {_size(n, k, s, p)}; yours gives "
                 f"{v}. The padded length is n + 2p, the first window starts at 0, the last must still fit, "
                 "and starts are s apart")


def _filter(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """3×3 cross-correlation with padding 1: out[i, j] = Σ_uv x_pad[i + u, j + v] · k[u, v]."""
    h, w = img.shape
    x_pad = np.pad(img, 1)
    return sum(kernel[u, v] * x_pad[u : u + h, v : v + w] for u in range(3) for v in range(3))


def _at(index: str, offset: int) -> str:
    return index if offset == 0 else f"{index} {'+' if offset > 0 else '−'} 1"


def _moves(dy: int, dx: int) -> str:
    parts = [f"one pixel {word}" for d, word in ((dy, "down"), (-dy, "up"), (dx, "right"), (-dx, "left")) if d > 0]
    return " and ".join(parts)


@exercise("3.5", todo="replace the ... with a 3×3 nested list of weights")
def check_shift_kernel(answer: Any) -> str:
    kernel = as_array(answer, "the kernel")
    if kernel.shape != (3, 3):
        raise NotYet(f"the kernel should be 3×3 (three rows of three weights); yours has shape {kernel.shape}")
    img = np.random.default_rng(33).random((9, 11))
    want = np.pad(img, ((0, 0), (1, 0)))[:, :-1]  # the pixel at column j comes from column j − 1
    nonzero = np.argwhere(kernel != 0)
    if len(nonzero) == 0:
        raise NotYet("a kernel of zeros turns every pixel black; a shift keeps each pixel's value, so one "
                     "weight must be 1")
    if len(nonzero) == 1 and tuple(nonzero[0]) != (1, 0):
        r, c = (int(v) for v in nonzero[0])
        if (r, c) == (1, 1):
            raise NotYet("a weight in the centre reads out[i, j] = x[i, j]: the image stays where it is")
        flip = (" The kernel is not flipped: a weight at column c reads the input at column j + c − 1."
                if (r, c) == (1, 2) else "")
        raise NotYet(f"this reads out[i, j] = x[{_at('i', r - 1)}, {_at('j', c - 1)}], which moves the image "
                     f"{_moves(1 - r, 1 - c)}.{flip}")
    if len(nonzero) == 1 and kernel[1, 0] != 1:
        raise NotYet(f"the right place, but a weight of {kernel[1, 0]:g} multiplies every pixel by it; "
                     "a shift keeps the brightness, so the weight is 1")
    expect_close(_filter(img, kernel), want, "the filtered image (compared with the image moved one pixel right)",
                 rtol=1e-9, atol=1e-12)
    return ("a single 1 in the middle row, left column: out[i, j] = x[i, j − 1]. The weight sits where the "
            "kernel *reads*, which is opposite to where the image moves.")


@exercise("3.7", todo="replace the ... with a number: the multiply-adds for one photo")
def check_resnet_stem(answer: Any) -> str:
    got = needs_number(answer, "a number of multiply-adds")
    ho = _size(224, 7, 2, 3)  # 112
    want = 64 * ho * ho * 3 * 7 * 7
    mistakes = [
        (2 * want, "that is the FLOP count (a multiply and an add each); the question asks for multiply-adds"),
        (64 * 224 * 224 * 3 * 7 * 7, "stride 2 halves each side of the output: work out Ho = Wo first"),
        (64 * ho * ho * 7 * 7, "each filter spans all three colour channels: it has 3 · 7 · 7 weights"),
        (64 * _size(224, 7, 2, 0) ** 2 * 3 * 7 * 7, "the padding is missing from the output size: "
                                                    "3 zeros on each side make the padded side 230"),
        (64 * ho * ho * (3 * 7 * 7 + 1), "the bias is one add per output value, not a multiply-add: "
                                         "count only the products of the dot products"),
    ]
    for wrong, hint in mistakes:
        if np.isclose(got, wrong, rtol=1e-3):
            raise NotYet(hint)
    if np.isclose(got, want, rtol=1e-2) and abs(got - want) >= 0.5:
        raise NotYet(f"close ({got:,.0f}), but a count of operations is a whole number: multiply it out exactly")
    if abs(got - want) >= 0.5:
        raise NotYet(f"{got:,.0f} is not it; multiply-adds = N · O · Ho · Wo · C · kH · kW with N = 1")
    return f"O·Ho·Wo·C·kH·kW = 64·112·112·3·7·7 = {want:,} multiply-adds (about {2 * want / 1e9:.2f} GFLOP)."


@exercise("3.3", todo="return the column matrix as an array: one row per output position, in row-by-row order")
def check_im2col(answer: Any) -> str:
    im2col_1ch = needs_function(answer, "im2col_1ch(image, k)")
    rng = np.random.default_rng(34)
    cases = [(np.arange(1.0, 17.0).reshape(4, 4), 3)]
    cases += [(rng.normal(size=shape), k) for shape, k in (((5, 7), 2), ((6, 6), 1), ((3, 5), 3), ((6, 4), 4))]
    for image, k in cases:
        (h, w), ho, wo = image.shape, image.shape[0] - k + 1, image.shape[1] - k + 1
        want = np.array([image[i : i + k, j : j + k].ravel() for i in range(ho) for j in range(wo)])
        out = im2col_1ch(image, k)
        got = as_array(out, f"im2col_1ch on a {h}×{w} image")
        what = f"for a {h}×{w} image and k = {k}"
        if got.shape == want.T.shape != want.shape:
            raise NotYet(f"{what} you return shape {got.shape}: one column per patch, as the original im2col "
                         f"does. Here the patches are the rows, {ho * wo} of them, each of length k·k = {k * k}")
        if got.shape == ((h - k) * (w - k), k * k) and got.shape != want.shape:
            raise NotYet(f"one position short on each axis: {what} there are (H − k + 1)·(W − k + 1) = "
                         f"{ho * wo} patches; the loops run over range(H − k + 1) and range(W − k + 1)")
        if got.shape != want.shape:
            raise NotYet(f"{what} the column matrix has shape ({ho * wo}, {k * k}): one row per output "
                         f"position, one column per kernel weight; yours has shape {got.shape}")
        if k > 1 and np.allclose(got, np.array([image[i : i + k, j : j + k].T.ravel()
                                                for i in range(ho) for j in range(wo)])):
            raise NotYet("each patch is flattened column by column; flatten it row by row (.ravel()), so that "
                         "entry u·k + v of a row is pixel (i + u, j + v), the order of a flattened kernel")
        if ho > 1 and wo > 1 and np.allclose(got, np.array([image[i : i + k, j : j + k].ravel()
                                                            for j in range(wo) for i in range(ho)])):
            raise NotYet("the rows are in the wrong order: output positions go row by row, (0, 0), (0, 1), ..., "
                         "so that reshaping the product to (Ho, Wo) gives the feature map")
        expect_close(out, want, f"the column matrix {what}", rtol=1e-9, atol=1e-12)
    return ("row i·Wo + j is the patch under output (i, j), read row by row: multiply by the flattened kernel "
            "and reshape to (Ho, Wo) to get the whole feature map.")


@exercise("3.4", todo="predict first; then return the width in input pixels, as an int")
def check_receptive_field(answer: Any) -> str:
    receptive_field = needs_function(answer, "receptive_field(layers, k)")
    cases = [(1, 3), (2, 3), (3, 3), (2, 5), (4, 7), (3, 1), (5, 3), (10, 3)]
    got = {}
    for layers, k in cases:
        value = receptive_field(layers, k)
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise NotYet(f"receptive_field should return a whole number of pixels; receptive_field({layers}, {k}) "
                         f"returned {value!r} ({type(value).__name__})")
        got[layers, k] = int(value)
    want = {case: 1 + case[0] * (case[1] - 1) for case in cases}
    if got == want:
        return "1 + L·(k − 1): 3, 5, 7, ... for 3×3 layers. Depth widens the view linearly, at k² weights a layer."
    mistakes = [
        (lambda L, k: L * k, "the views of neighbouring taps overlap: a second 3×3 layer sees 5 pixels, not 6. "
                             "Each layer adds k − 1 to the width, not k"),
        (lambda L, k: k**L, "that counts paths, not pixels: the views overlap, so the width grows by k − 1 per "
                            "layer, not by a factor of k"),
        (lambda L, k: L * (k - 1), "one pixel short: a single layer (L = 1) sees k pixels, so start from 1"),
    ]
    for mistake, hint in mistakes:
        if all(v == mistake(*case) for case, v in got.items()):
            raise NotYet(hint)
    if all(got[case] == want[case] for case in cases if case[1] == 3):
        raise NotYet("right for 3×3 layers; now for any k: each layer adds k − 1 pixels to the width")
    (layers, k), v = next((case, v) for case, v in got.items() if v != want[case])
    raise NotYet(f"receptive_field({layers}, {k}) should be {want[layers, k]}; yours gives {v}")


def _edges(n: int = 15) -> dict[str, np.ndarray]:
    """Step edges on an n×n grid: dark on one side, bright on the other (two diagonals, at ±45°)."""
    r, c = np.mgrid[:n, :n]
    return {"vertical": (c >= n // 2) * 1.0, "horizontal": (r >= n // 2) * 1.0,
            "diagonal": (c > r) * 1.0, "anti-diagonal": (r + c > n - 1) * 1.0, "flat": np.ones((n, n))}


@exercise("3.6", todo="replace the ... with a 3×3 nested list of weights")
def check_diagonal_detector(answer: Any) -> str:
    kernel = as_array(answer, "the kernel")
    if kernel.shape != (3, 3):
        raise NotYet(f"the kernel should be 3×3 (three rows of three weights); yours has shape {kernel.shape}")
    scale = float(np.abs(kernel).sum())
    if scale == 0:
        raise NotYet("a kernel of zeros ignores everything, diagonal edges included")
    peak = {name: float(np.abs(_filter(img, kernel)[1:-1, 1:-1]).max()) / scale for name, img in _edges().items()}
    quiet = 1e-6
    if peak["flat"] > quiet:
        raise NotYet(f"a flat region gives {kernel.sum():g} per unit of brightness: make the weights sum to 0")
    if peak["vertical"] > quiet:
        raise NotYet(f"it responds to a vertical edge. Along a vertical edge every column of a patch is constant, "
                     f"so only the kernel's column sums count; yours are {kernel.sum(axis=0).tolist()}: make each 0")
    if peak["horizontal"] > quiet:
        raise NotYet(f"it responds to a horizontal edge, which sees only the kernel's row sums; yours are "
                     f"{kernel.sum(axis=1).tolist()}: make each 0")
    diagonal = max(peak["diagonal"], peak["anti-diagonal"])
    if diagonal < 0.05:
        raise NotYet("it is silent on flat regions and straight edges, but on edges at 45° too: put "
                     "weights of opposite sign on the two sides of a diagonal")
    which = ("edges along both diagonals" if min(peak["diagonal"], peak["anti-diagonal"]) >= 0.05
             else "an edge along one diagonal")
    return (f"silent on flat regions, vertical and horizontal edges (zero row and column sums), and "
            f"{diagonal:.2f} per unit of weight on {which}. Try it in the playground.")


__all__ = [
    "check_conv1d",
    "check_diagonal_detector",
    "check_im2col",
    "check_output_size",
    "check_receptive_field",
    "check_resnet_stem",
    "check_shift_kernel",
]
