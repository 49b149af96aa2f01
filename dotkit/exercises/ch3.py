"""Checkers for chapter 3, "Convolution".

3.1  ``conv1d(signal, kernel)``: the 1-D sliding dot product ('valid' mode).
3.2  ``output_size(n, k, stride, padding)``: how many positions a kernel visits.
3.3  a 3×3 kernel that moves an image one pixel to the right.
3.4  a number: the multiply-adds of a ResNet-50's first layer on one 224×224 photo.

Functions are called on fresh inputs drawn here and compared with NumPy's
``np.correlate`` or the formula, in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.exercises import NotYet, exercise, expect_close, needs_function, needs_number


@exercise("3.1")
def check_conv1d(answer: Any) -> str:
    conv1d = needs_function(answer, "conv1d(signal, kernel)")
    rng = np.random.default_rng(31)
    cases = [(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([1.0, 0.0, -1.0]))]
    cases += [(rng.normal(size=n), rng.normal(size=k)) for n, k in ((10, 3), (7, 7), (20, 1), (16, 4))]
    for signal, kernel in cases:
        want = np.correlate(signal, kernel, mode="valid")
        got = np.asarray(conv1d(signal, kernel), dtype=float)
        if got.shape != want.shape:
            raise NotYet(
                f"for a signal of length {len(signal)} and a kernel of length {len(kernel)} the output "
                f"has {len(want)} values (one per position where the kernel fits); yours has shape {got.shape}"
            )
        flipped = np.convolve(signal, kernel, mode="valid")
        if len(kernel) > 1 and np.allclose(got, flipped) and not np.allclose(got, want):
            raise NotYet("your kernel is flipped: deep-learning convolution slides the kernel as it is, "
                         "out[i] = Σⱼ signal[i + j] · kernel[j]")
        expect_close(got, want, f"conv1d on a signal of length {len(signal)}", rtol=1e-9, atol=1e-12)
    return "out[i] = signal[i : i + k] · kernel: one dot product per position, n − k + 1 of them."


@exercise("3.2")
def check_output_size(answer: Any) -> str:
    output_size = needs_function(answer, "output_size(n, k, stride, padding)")
    cases = [(5, 3, 1, 0), (56, 3, 1, 1), (224, 7, 2, 3), (7, 3, 2, 0), (8, 3, 3, 2), (10, 4, 3, 1), (4, 4, 1, 0)]
    for n, k, s, p in cases:
        want = (n + 2 * p - k) // s + 1
        got = output_size(n, k, s, p)
        if not isinstance(got, (int, np.integer)) or isinstance(got, bool):
            raise NotYet(f"output_size should return a whole number; output_size({n}, {k}, {s}, {p}) "
                         f"returned {got!r} ({type(got).__name__}); use // for floor division")
        if got != want:
            raise NotYet(f"output_size(n={n}, k={k}, stride={s}, padding={p}) should be {want}; yours gives {got}. "
                         "Count the positions: the padded length is n + 2p, the first patch starts at 0, "
                         "the last must still fit, and starts are s apart")
    return "⌊(n + 2p − k) / s⌋ + 1: the padded length minus the kernel, in steps of s, plus the first position."


@exercise("3.3")
def check_shift_kernel(answer: Any) -> str:
    if answer is None or answer is Ellipsis:
        raise NotYet("no answer yet: replace the ... with a 3×3 kernel (a nested list or an array)")
    kernel = np.asarray(answer, dtype=float)
    if kernel.shape != (3, 3):
        raise NotYet(f"the kernel should be 3×3; yours has shape {kernel.shape}")
    from dotkit.nn.conv import conv2d

    img = np.random.default_rng(33).random((9, 11))
    out = np.asarray(conv2d(img[None, None], kernel[None, None], padding=1, backend="numpy"))[0, 0]
    want = np.zeros_like(img)
    want[:, 1:] = img[:, :-1]  # the pixel at column j comes from column j − 1
    left = np.zeros_like(img)
    left[:, :-1] = img[:, 1:]
    if np.allclose(out, left):
        raise NotYet("this moves the image one pixel to the *left*: the output at column j reads the input "
                     "at column j + 1. Deep-learning convolution does not flip the kernel")
    expect_close(out, want, "the filtered image (compared with the image moved one pixel right)", rtol=1e-9, atol=1e-12)
    return ("a single 1 in the middle row, left column: out[i, j] = x[i, j − 1]. The weight sits where the "
            "kernel *reads*, which is opposite to where the image moves.")


@exercise("3.4")
def check_resnet_stem(answer: Any) -> str:
    got = needs_number(answer, "a number of multiply-adds")
    ho = (224 + 2 * 3 - 7) // 2 + 1  # 112
    want = 64 * ho * ho * 3 * 7 * 7
    if np.isclose(got, 2 * want, rtol=1e-3):
        raise NotYet("that is the FLOP count (a multiply and an add each); the question asks for multiply-adds")
    if np.isclose(got, 64 * 224 * 224 * 3 * 7 * 7, rtol=1e-3):
        raise NotYet("stride 2 halves each side of the output: it is 112×112, not 224×224")
    expect_close(got, want, "the number of multiply-adds", rtol=1e-3, atol=0)
    return f"O·Ho·Wo·C·kH·kW = 64·112·112·3·7·7 = {want:,} multiply-adds (about {2 * want / 1e9:.2f} GFLOP)."


__all__: list[str] = []
