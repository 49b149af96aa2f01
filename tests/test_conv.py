"""conv2d on every backend, with SciPy's correlate (float64) as the oracle.

Tolerances: NumPy runs these float64 inputs in float64 (rtol 1e-10); MLX works
in float32, so it is compared with rtol = atol = 1e-4 (sums of at most a few
dozen products of unit-variance numbers).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import tol
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import correlate

import dotkit as dk
from dotkit.errors import InputValueError, ShapeError
from dotkit.nn.conv import conv2d, conv2d_multiply_adds, conv2d_naive, conv2d_output_shape

F32_TOL = {"rtol": 1e-4, "atol": 1e-4}


def scipy_conv2d(x, w, bias=None, stride=(1, 1), padding=(0, 0)):
    """The oracle: per image and filter, SciPy's 3-D 'valid' correlation over (C, H, W).

    Correlating the (C, Hp, Wp) padded image with the (C, kH, kW) filter in
    'valid' mode leaves a single channel: the sum over channels of the 2-D
    correlations. Striding keeps every sh-th row and sw-th column.
    """
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.array([[correlate(img, f, mode="valid")[0] for f in w] for img in xp])
    out = out.reshape(x.shape[0], w.shape[0], *out.shape[-2:])[:, :, ::sh, ::sw]
    return out if bias is None else out + np.asarray(bias)[None, :, None, None]


def close(bk) -> dict[str, float]:
    return tol(bk) if bk.supports_float64 else F32_TOL


def random_case(rng, n, c, o, h, w, kh, kw):
    x = rng.standard_normal((n, c, h, w))
    f = rng.standard_normal((o, c, kh, kw))
    b = rng.standard_normal(o)
    return x, f, b


CASES = [  # (N, C, O, H, W, kH, kW, stride, padding)
    (1, 1, 1, 5, 5, 3, 3, 1, 0),
    (2, 3, 4, 7, 6, 3, 3, 1, 1),
    (3, 2, 5, 9, 8, 3, 2, 2, 1),
    (2, 4, 3, 10, 11, 5, 5, 3, 2),
    (1, 3, 2, 6, 9, 1, 1, 2, 0),
    (2, 2, 2, 4, 4, 4, 4, 1, 0),
    (2, 3, 2, 8, 7, 2, 3, (1, 2), (2, 0)),
    (1, 5, 6, 12, 12, 3, 3, (3, 1), (0, 2)),
]


def _pair(v):
    return (v, v) if isinstance(v, int) else v


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "generic"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c[:7])) + f"-s{c[7]}-p{c[8]}")
def test_conv2d_matches_scipy(backend, case, fast) -> None:
    n, c, o, h, w, kh, kw, stride, padding = case
    x, f, b = random_case(np.random.default_rng(hash(case[:7]) % 2**32), n, c, o, h, w, kh, kw)
    want = scipy_conv2d(x, f, b, _pair(stride), _pair(padding))
    got = conv2d(dk.asarray(x, backend=backend), dk.asarray(f, backend=backend), dk.asarray(b, backend=backend),
                 stride=stride, padding=padding, fast=fast)
    assert tuple(got.shape) == want.shape == conv2d_output_shape(x.shape, f.shape, stride=stride, padding=padding)
    np.testing.assert_allclose(dk.to_numpy(got), want, **close(backend))


@pytest.mark.parametrize("case", CASES[:5], ids=lambda c: "x".join(map(str, c[:7])))
def test_conv2d_naive_matches_scipy(backend, case) -> None:
    n, c, o, h, w, kh, kw, stride, padding = case
    x, f, b = random_case(np.random.default_rng(1), n, c, o, h, w, kh, kw)
    want = scipy_conv2d(x, f, b, _pair(stride), _pair(padding))
    got = conv2d_naive(x, f, b, stride=stride, padding=padding, backend=backend)
    np.testing.assert_allclose(dk.to_numpy(got), want, **close(backend))


@settings(max_examples=25, deadline=None)
@given(
    dims=st.tuples(*[st.integers(1, 3)] * 3, *[st.integers(1, 9)] * 2, *[st.integers(1, 4)] * 2),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    seed=st.integers(0, 2**16),
)
def test_conv2d_random_shapes_all_paths(dims, stride, padding, seed) -> None:
    """Random shapes, strides 1–3, paddings 0–2: every backend and path, and the naive loops."""
    n, c, o, h, w, kh, kw = dims
    kh, kw = min(kh, h + 2 * padding[0]), min(kw, w + 2 * padding[1])
    x, f, b = random_case(np.random.default_rng(seed), n, c, o, h, w, kh, kw)
    want = scipy_conv2d(x, f, b, stride, padding)
    for name in dk.available_backends():
        bk = dk.get_backend(name)
        for fast in (True, False):
            got = conv2d(x, f, b, stride=stride, padding=padding, fast=fast, backend=bk)
            np.testing.assert_allclose(dk.to_numpy(got), want, **close(bk))
    np.testing.assert_allclose(conv2d_naive(x, f, b, stride=stride, padding=padding), want, rtol=1e-10, atol=1e-12)


def test_fast_path_agrees_with_generic_float32(backend) -> None:
    """A mid-sized float32 layer: the backend's fast path (mx.conv2d on MLX) equals im2col."""
    rng = np.random.default_rng(3)
    x = dk.asarray(rng.standard_normal((2, 8, 20, 18), dtype=np.float32), backend=backend)
    w = dk.asarray(rng.standard_normal((6, 8, 3, 3), dtype=np.float32), backend=backend)
    b = dk.asarray(rng.standard_normal(6, dtype=np.float32), backend=backend)
    for stride, padding in [(1, 1), (2, 0), ((2, 1), (1, 2))]:
        fast = conv2d(x, w, b, stride=stride, padding=padding)
        generic = conv2d(x, w, b, stride=stride, padding=padding, fast=False)
        assert fast.dtype == generic.dtype == backend.float32
        np.testing.assert_allclose(dk.to_numpy(fast), dk.to_numpy(generic), rtol=1e-4, atol=1e-4)
    if backend.name in ("numpy", "mlx"):  # the built-ins register theirs on first use
        assert backend.fast_path("conv2d") is not None


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "generic"])
@pytest.mark.parametrize("chunk_bytes", [1, 2_000, 50_000])
def test_chunking_gives_the_same_result(backend, fast, chunk_bytes) -> None:
    """Tiny chunk budgets split the batch into images and single images into row blocks."""
    rng = np.random.default_rng(4)
    x, f, b = random_case(rng, 3, 2, 4, 13, 11, 3, 3)
    want = scipy_conv2d(x, f, b, (2, 1), (1, 1))
    got = conv2d(x, f, b, stride=(2, 1), padding=1, chunk_bytes=chunk_bytes, fast=fast, backend=backend)
    np.testing.assert_allclose(dk.to_numpy(got), want, **close(backend))


def test_chunk_plan_bounds_the_column_matrix() -> None:
    from dotkit.nn.conv_kernels import ConvGeometry, chunk_plan

    g = ConvGeometry(n=8, c=64, h=56, w=56, o=64, kh=3, kw=3, sh=1, sw=1, ph=1, pw=1)
    row_bytes = g.out_w * g.patch_size * 4
    for budget in (row_bytes, 10 * row_bytes, 4 * 2**20, 64 * 2**20):
        plan = chunk_plan(g, 4, budget)
        sizes = [(n1 - n0) * (r1 - r0) * row_bytes for n0, n1, blocks in plan for r0, r1 in blocks]
        assert max(sizes) <= budget
        covered = sorted((n, r) for n0, n1, blocks in plan for n in range(n0, n1) for r0, r1 in blocks
                         for r in range(r0, r1))
        assert covered == [(n, r) for n in range(8) for r in range(56)]


def test_seed_002_rgb_example(backend) -> None:
    """A 2×2×3 RGB input and a 2×2×3 kernel give one number: the channel dot products summed."""
    img = np.arange(12.0).reshape(3, 2, 2)  # (C, H, W)
    ker = np.array([[[1, 0], [0, 1]], [[0, 1], [1, 0]], [[1, 1], [-1, -1]]], dtype=float)
    by_hand = sum(float(np.dot(img[c].ravel(), ker[c].ravel())) for c in range(3))
    got = conv2d(img[None], ker[None], backend=backend)
    assert tuple(got.shape) == (1, 1, 1, 1)
    assert float(dk.to_numpy(got).ravel()[0]) == pytest.approx(by_hand)


def test_dtypes(backend) -> None:
    x = np.ones((1, 1, 4, 4), dtype=np.float32)
    w = np.ones((1, 1, 3, 3), dtype=np.float32)
    assert conv2d(x, w, backend=backend).dtype == backend.float32
    ints = conv2d(np.ones((1, 1, 3, 3), dtype=np.int32), np.ones((1, 1, 2, 2), dtype=np.int32), backend=backend)
    assert backend.dtype_kind(ints) == "f" and float(dk.to_numpy(ints)[0, 0, 0, 0]) == 4.0
    half = conv2d(x.astype(np.float16), w.astype(np.float16), backend=backend)
    assert half.dtype == backend.float16
    np.testing.assert_allclose(dk.to_numpy(half).astype(np.float32)[0, 0], np.full((2, 2), 9.0))


def test_empty_batch(backend) -> None:
    out = conv2d(np.zeros((0, 2, 5, 5), np.float32), np.zeros((3, 2, 3, 3), np.float32), backend=backend)
    assert tuple(out.shape) == (0, 3, 3, 3)


def test_lists_and_top_level_names() -> None:
    assert dk.conv2d is conv2d and dk.conv2d_naive is conv2d_naive
    out = dk.conv2d([[[[1.0, 2.0], [3.0, 4.0]]]], [[[[1.0, 1.0], [1.0, 1.0]]]], bias=[0.5])
    assert out.shape == (1, 1, 1, 1) and float(out[0, 0, 0, 0]) == 10.5


def test_mixed_backends_refused() -> None:
    if "mlx" not in dk.available_backends():
        pytest.skip("needs MLX")
    x = dk.asarray(np.ones((1, 1, 3, 3), np.float32), backend="mlx")
    with pytest.raises(ValueError, match="conv2d: arrays from different backends"):
        conv2d(x, np.ones((1, 1, 2, 2), np.float32))


def test_multiply_adds() -> None:
    assert conv2d_multiply_adds((8, 64, 56, 56), (64, 64, 3, 3), padding=1) == 8 * 64 * 56 * 56 * 64 * 9
    assert conv2d_output_shape((2, 3, 32, 32), (16, 3, 5, 5), stride=2, padding=2) == (2, 16, 16, 16)


# -- errors name conv2d and the shapes ----------------------------------------------------------
X, W = np.zeros((2, 3, 8, 8)), np.zeros((4, 3, 3, 3))


@pytest.mark.parametrize(
    "kwargs,error,pattern",
    [
        ({"x": np.zeros((3, 8, 8))}, ShapeError, r"conv2d: expected x of shape \(N, C, H, W\).*x.shape=\(3, 8, 8\)"),
        ({"w": np.zeros((4, 3, 3))}, ShapeError, r"conv2d: expected w of shape \(O, C, kH, kW\).*w.shape=\(4, 3, 3\)"),
        ({"w": np.zeros((4, 2, 3, 3))}, ShapeError,
         r"conv2d: x has 3 input channel\(s\) but w expects 2.*x.shape=\(2, 3, 8, 8\), w.shape=\(4, 2, 3, 3\)"),
        ({"w": np.zeros((4, 3, 11, 3))}, ShapeError,
         r"conv2d: the 11×3 kernel is larger than the padded input 10×10.*w.shape=\(4, 3, 11, 3\)"),
        ({"w": np.zeros((4, 3, 9, 9)), "padding": 0}, ShapeError, r"kernel is larger than the padded input 8×8"),
        ({"stride": 0}, InputValueError, r"conv2d: stride must be positive.*stride=0"),
        ({"stride": (1, -2)}, InputValueError, r"conv2d: stride must be positive.*stride=\(1, -2\)"),
        ({"padding": -1}, InputValueError, r"conv2d: padding must be non-negative.*padding=-1"),
        ({"padding": 1.5}, InputValueError, r"conv2d: padding must be an int or a pair of ints"),
        ({"stride": (1, 2, 3)}, InputValueError, r"conv2d: stride must be an int or a pair"),
        ({"bias": np.zeros(3)}, ShapeError, r"conv2d: expected bias of shape \(O,\)=\(4,\).*bias.shape=\(3,\)"),
        ({"bias": np.zeros((4, 1))}, ShapeError, r"bias.shape=\(4, 1\)"),
        ({"x": np.zeros((2, 0, 8, 8)), "w": np.zeros((4, 0, 3, 3))}, ShapeError, r"conv2d: channels and kernel"),
        ({"x": "image"}, TypeError, r"conv2d: x must be numeric"),
    ],
)
@pytest.mark.parametrize("fn", [conv2d, conv2d_naive], ids=["conv2d", "naive"])
def test_errors(backend, fn, kwargs, error, pattern) -> None:
    args = {"x": X, "w": W, "bias": None, "stride": 1, "padding": 1, **kwargs}
    if fn is conv2d_naive:
        pattern = pattern.replace("conv2d:", "conv2d_naive:")
    with pytest.raises(error, match=pattern):
        fn(args["x"], args["w"], args["bias"], stride=args["stride"], padding=args["padding"], backend=backend)


def test_bad_chunk_bytes() -> None:
    with pytest.raises(InputValueError, match="conv2d: chunk_bytes must be a positive int"):
        conv2d(X, W, chunk_bytes=0)


def test_numpy_fast_path_reuses_buffers_correctly() -> None:
    """The NumPy fast path reuses one padded block and one column buffer per core across chunks of
    different shapes (first/last row blocks carry the padding): every chunking gives the kernel's answer."""
    from dotkit.backends.fast_numpy import conv2d as fast_conv2d

    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4, 12, 10)).astype(np.float32)
    w = rng.standard_normal((5, 4, 3, 4)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    for stride, padding in [((1, 1), (1, 1)), ((2, 2), (2, 2)), ((3, 1), (2, 0))]:
        generic = conv2d(x, w, b, stride=stride, padding=padding, fast=False, backend="numpy")
        for chunk_bytes in (1, 700, 5_000, 10**9):
            fast = fast_conv2d(x, w, b, stride, padding, chunk_bytes=chunk_bytes)
            np.testing.assert_allclose(fast, generic, rtol=1e-5, atol=1e-5)


def test_numpy_fast_path_shares_a_large_layer_among_threads() -> None:
    """A layer large enough to be split among threads (one BLAS thread each) gives the kernel's answer."""
    from dotkit.backends.fast_numpy import conv2d as fast_conv2d

    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 32, 30, 29)).astype(np.float32)
    w = rng.standard_normal((24, 32, 3, 3)).astype(np.float32)
    b = rng.standard_normal(24).astype(np.float32)
    generic = conv2d(x, w, b, padding=1, fast=False, backend="numpy")
    for chunk_bytes in (20_000, 10**9):  # many chunks over the workers; one chunk, on the calling thread
        np.testing.assert_allclose(fast_conv2d(x, w, b, (1, 1), (1, 1), chunk_bytes=chunk_bytes), generic,
                                   rtol=1e-4, atol=1e-4)


def test_im2col_times_filters_is_the_layer(backend) -> None:
    from dotkit.nn.conv import filters_as_matrix, im2col

    rng = np.random.default_rng(6)
    x, f, _ = random_case(rng, 2, 3, 4, 9, 8, 3, 2)
    cols = im2col(dk.asarray(x, backend=backend), (3, 2), stride=2, padding=1)
    wmat = filters_as_matrix(dk.asarray(f, backend=backend))
    assert tuple(cols.shape) == (2 * 5 * 5, 3 * 3 * 2) and tuple(wmat.shape) == (18, 4)
    got = dk.to_numpy(dk.matmul(cols, wmat)).reshape(2, 5, 5, 4).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(got, scipy_conv2d(x, f, None, (2, 2), (1, 1)), **close(backend))
    # row (n·Ho + i)·Wo + j is the patch under output (i, j), flattened (u, v, c)
    patch = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))[1, :, 2:5, 4:6].transpose(1, 2, 0).ravel()
    np.testing.assert_allclose(dk.to_numpy(cols)[(1 * 5 + 1) * 5 + 2], patch, **close(backend))


def test_linear_in_input_and_kernel(backend) -> None:
    rng = np.random.default_rng(7)
    x1, f1, _ = random_case(rng, 2, 2, 3, 7, 7, 3, 3)
    x2, f2, _ = random_case(rng, 2, 2, 3, 7, 7, 3, 3)

    def run(x, f):
        return dk.to_numpy(conv2d(x, f, padding=1, backend=backend))

    np.testing.assert_allclose(run(2 * x1 - x2, f1), 2 * run(x1, f1) - run(x2, f1), **F32_TOL)
    np.testing.assert_allclose(run(x1, f1 + 3 * f2), run(x1, f1) + 3 * run(x1, f2), **F32_TOL)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (3, 2)])
def test_conv2d_is_per_channel_correlation_summed(backend, stride, padding) -> None:
    """The literal definition: 2-D correlations of each channel with its kernel slice, summed over channels."""
    rng = np.random.default_rng(8)
    x, f, b = random_case(rng, 2, 3, 2, 10, 9, 3, 3)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    want = np.array([[sum(correlate(xp[n, c], f[o, c], mode="valid") for c in range(3)) + b[o]
                      for o in range(2)] for n in range(2)])[:, :, ::stride, ::stride]
    got = conv2d(dk.asarray(x, backend=backend), dk.asarray(f, backend=backend), dk.asarray(b, backend=backend),
                 stride=stride, padding=padding)
    np.testing.assert_allclose(dk.to_numpy(got), want, **close(backend))


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "words"),
    [
        ((1, 3, 2, 2), (4, 3, 5, 5), "kernel is larger than the padded input"),
        ((1, 3, 8, 8), (4, 2, 3, 3), "x has 3 input channel(s) but w expects 2"),
        ((1, 3, 8), (4, 3, 3, 3), "4 dimensions"),
        ((1, 3, 8.5, 8), (4, 3, 3, 3), "non-negative integers"),
    ],
)
def test_shape_arithmetic_refuses_what_conv2d_refuses(x_shape, w_shape, words) -> None:
    """conv2d_output_shape and conv2d_multiply_adds used to return negative (or squared-positive) sizes."""
    for fn in (conv2d_output_shape, conv2d_multiply_adds):
        with pytest.raises(ShapeError, match=re.escape(words)) as info:
            fn(x_shape, w_shape)
        assert str(info.value).startswith(fn.__name__)


@pytest.mark.parametrize(("stride", "padding"), [((1, 1), (0, 0)), ((2, 3), (1, 2))])
def test_im2col_from_standard_slices_matches_the_strided_view(stride: tuple, padding: tuple) -> None:
    # a namespace without strided views builds the same column matrix, row for row
    from dotkit.nn.conv_kernels import ConvGeometry, im2col_block, im2col_by_slices, padded_rows

    bk = dk.get_backend("numpy")
    x = np.random.default_rng(3).normal(size=(2, 3, 9, 11))
    g = ConvGeometry.of(x.shape, (4, 3, 3, 2), stride, padding)
    xpad = padded_rows(bk, np.transpose(x, (0, 2, 3, 1)), g, 0, g.out_h)
    np.testing.assert_array_equal(im2col_by_slices(bk, xpad, g, g.out_h), im2col_block(bk, xpad, g, g.out_h))
