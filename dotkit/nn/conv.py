"""2-D convolution as deep-learning frameworks define it: sliding dot products.

Every output value of a convolution layer is one dot product between a filter
and the patch of input under it::

    out[n, o, i, j] = b[o] + Σ_c Σ_u Σ_v  x[n, c, i·sh + u, j·sw + v] · w[o, c, u, v]

(a *cross-correlation*: the kernel is not flipped, as in PyTorch, MLX and
TensorFlow). Shapes are NCHW for the input ``x`` ``(N, C, H, W)`` and OIHW for
the weights ``w`` ``(O, C, kH, kW)``; the output is ``(N, O, Ho, Wo)`` with
``Ho = (H + 2·ph - kH) // sh + 1`` (likewise ``Wo``).

Three implementations compute the same function:

- :func:`conv2d_naive`: the loops a reader writes first, one dot product per
  output value; slow, and the plainest possible definition.
- the **generic** path of :func:`conv2d` (*im2col*): every patch is laid out
  as one row of a column matrix ``(N·Ho·Wo, kH·kW·C)`` (channels last, so the
  rows are built from long contiguous runs of memory), and the whole layer is
  then **one matrix product** with the filters ``(kH·kW·C, O)``. The patches
  are read through a strided *view* of the padded input, so there is no Python
  loop over pixels. Large inputs are processed in chunks of images (or of
  output rows) so that the column matrix never exceeds ``chunk_bytes``.
- **fast paths** registered per backend through ``bk._fast_paths``: on NumPy,
  the same im2col into reused buffers with ``np.matmul(out=)`` writing each
  chunk in place; on MLX, ``mx.conv2d`` (NHWC input, OHWI
  weights). ``fast=False`` forces the generic path, which stays the reference
  that tests compare the fast paths against.

Example:
    >>> import dotkit
    >>> x = [[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]]   # (1, 1, 3, 3)
    >>> w = [[[[1.0, 0.0], [0.0, -1.0]]]]                              # (1, 1, 2, 2)
    >>> dotkit.conv2d(x, w)[0, 0]
    array([[-4., -4.],
           [-4., -4.]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from dotkit._inputs import as_array, float_dtype_for, resolve
from dotkit.backends import Backend
from dotkit.errors import InputValueError, ShapeError

_OP = "conv2d"
#: Default bound on the column matrix of one chunk: it bounds the memory a
#: layer needs, whatever its batch size. Against one whole column matrix and one
#: product its speed depends on the load: faster on a quiet machine, slower when
#: many small BLAS calls compete for busy cores.
CHUNK_BYTES = 4 * 2**20


class ConvGeometry(NamedTuple):
    """Everything about a conv2d call that is not data: sizes, stride, padding."""

    n: int
    c: int
    h: int
    w: int
    o: int
    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int

    @property
    def out_h(self) -> int:
        return (self.h + 2 * self.ph - self.kh) // self.sh + 1

    @property
    def out_w(self) -> int:
        return (self.w + 2 * self.pw - self.kw) // self.sw + 1

    @property
    def patch_size(self) -> int:
        """``K = kH·kW·C``: the length of each dot product."""
        return self.kh * self.kw * self.c

    @property
    def multiply_adds(self) -> int:
        """``N·O·Ho·Wo·C·kH·kW``: one multiply-add per term of every dot product."""
        return self.n * self.o * self.out_h * self.out_w * self.patch_size


# -- input checks ---------------------------------------------------------------
def _pair(op: str, name: str, value: Any, minimum: int, context: str = "") -> tuple[int, int]:
    """An int or a pair of ints, each >= ``minimum``, as a pair (``context``: the shapes, for errors)."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    tail = f", {context}" if context else ""
    if len(items) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in items):
        raise InputValueError(
            f"{op}: {name} must be an int or a pair of ints; received {name}={value!r}{tail}"
        )
    if min(items) < minimum:
        rule = "positive" if minimum == 1 else "non-negative"
        raise InputValueError(
            f"{op}: {name} must be {rule} (>= {minimum}); received {name}={value!r}{tail}"
        )
    return int(items[0]), int(items[1])


def _shapes(x: Any, w: Any) -> str:
    return f"x.shape={tuple(x.shape)}, w.shape={tuple(w.shape)}"


def _geometry(op: str, x_shape: tuple, w_shape: tuple, stride: Any, padding: Any) -> ConvGeometry:
    """Check the shapes, stride and padding of a conv2d call (from the shapes alone) and return its geometry."""
    shapes = f"x.shape={x_shape}, w.shape={w_shape}"
    if len(x_shape) != 4:
        raise ShapeError(f"{op}: expected x of shape (N, C, H, W) with 4 dimensions; received {shapes}")
    if len(w_shape) != 4:
        raise ShapeError(f"{op}: expected w of shape (O, C, kH, kW) with 4 dimensions; received {shapes}")
    if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0 for v in x_shape + w_shape):
        raise ShapeError(f"{op}: shapes must hold non-negative integers; received {shapes}")
    sh, sw = _pair(op, "stride", stride, 1, shapes)
    ph, pw = _pair(op, "padding", padding, 0, shapes)
    (n, c, h, wd), (o, cw, kh, kw) = (int(v) for v in x_shape), (int(v) for v in w_shape)
    if c != cw:
        raise ShapeError(
            f"{op}: x has {c} input channel(s) but w expects {cw} (x.shape[1] must equal w.shape[1]); "
            f"received {shapes}"
        )
    if min(c, kh, kw) == 0:
        raise ShapeError(f"{op}: channels and kernel sizes must be at least 1; received {shapes}")
    if kh > h + 2 * ph or kw > wd + 2 * pw:
        raise ShapeError(
            f"{op}: the {kh}×{kw} kernel is larger than the padded input "
            f"{h + 2 * ph}×{wd + 2 * pw} (padding={(ph, pw)}); received {shapes}"
        )
    return ConvGeometry(n, c, h, wd, o, kh, kw, sh, sw, ph, pw)


def _prepare(
    op: str, x: Any, w: Any, bias: Any, stride: Any, padding: Any, backend: str | Backend | None
) -> tuple[Backend, Any, Any, Any, ConvGeometry, Any]:
    """Validate a conv2d call: the backend, the arrays in their working float dtype, the geometry, the output dtype."""
    bk = resolve(op, x, w, bias, backend=backend)
    x = as_array(op, "x", x, bk, allow_int=False)
    w = as_array(op, "w", w, bk, allow_int=False)
    g = _geometry(op, tuple(x.shape), tuple(w.shape), stride, padding)
    o = g.o
    if bias is not None:
        bias = as_array(op, "bias", bias, bk, allow_int=False)
        if tuple(bias.shape) != (o,):
            raise ShapeError(
                f"{op}: expected bias of shape (O,)=({o},), one value per filter; "
                f"received bias.shape={tuple(bias.shape)}, w.shape={tuple(w.shape)}"
            )
    arrays = [a for a in (x, w, bias) if a is not None]
    dtype = float_dtype_for(bk, *arrays)  # half precision is computed in float32 ...
    out_dtype = bk.float16 if all(bk.is_half(a) for a in arrays) else dtype  # ... and returned as half
    x, w = bk.cast(x, dtype), bk.cast(w, dtype)
    bias = None if bias is None else bk.cast(bias, dtype)
    return bk, x, w, bias, g, out_dtype


# -- the generic path: im2col, then one matrix product ---------------------------------
def _chunk_plan(g: ConvGeometry, itemsize: int, chunk_bytes: int) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """Groups ``(n0, n1, [(r0, r1), ...])``: images n0..n1, split into output-row blocks.

    Each block's column matrix ``(images · rows · Wo, K)`` stays within
    ``chunk_bytes`` (a block is never smaller than one output row).
    """
    row_bytes = max(1, g.out_w * g.patch_size * itemsize)
    rows = max(1, chunk_bytes // row_bytes)
    if rows >= g.out_h:  # whole images fit: several per chunk
        per = max(1, rows // g.out_h)
        return [(n0, min(g.n, n0 + per), [(0, g.out_h)]) for n0 in range(0, g.n, per)]
    blocks = [(r0, min(g.out_h, r0 + rows)) for r0 in range(0, g.out_h, rows)]
    return [(n0, n0 + 1, blocks) for n0 in range(g.n)]


def _padded_rows(bk: Backend, x_nhwc: Any, g: ConvGeometry, r0: int, r1: int) -> Any:
    """The zero-padded input rows that output rows ``r0..r1`` read, C-contiguous NHWC.

    One copy: the strided NCHW→NHWC transpose is written straight into a
    zero-filled buffer, so padding costs no extra pass over the data.
    """
    xp = bk.xp
    top, bottom = r0 * g.sh - g.ph, (r1 - 1) * g.sh + g.kh - g.ph  # in unpadded rows
    a, b = max(top, 0), min(bottom, g.h)
    buf = xp.zeros((x_nhwc.shape[0], bottom - top, g.w + 2 * g.pw, g.c), dtype=x_nhwc.dtype)
    if b > a:
        buf[:, a - top : b - top, g.pw : g.pw + g.w, :] = x_nhwc[:, a:b]
    return buf


def _im2col_block(bk: Backend, xpad: Any, g: ConvGeometry, rows: int) -> Any:
    """The column matrix ``(n·rows·Wo, kH·kW·C)`` of a padded NHWC block.

    Row ``(n, i, j)`` is the patch ``xpad[n, i·sh : i·sh+kH, j·sw : j·sw+kW, :]``
    flattened in (u, v, c) order. It is read through a strided window view (no
    loop over pixels); the reshape is where the patches are copied into place.
    """
    windows = bk.sliding_windows(xpad, *_window_geometry(xpad.shape, g, rows))
    return bk.xp.reshape(windows, (xpad.shape[0] * rows * g.out_w, g.patch_size))


def _window_geometry(
    padded_shape: tuple[int, ...], g: ConvGeometry, rows: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Shape ``(n, rows, Wo, kH, kW, C)`` and element strides of the patch view of a padded block."""
    nb, hp, wp, c = padded_shape
    shape = (nb, rows, g.out_w, g.kh, g.kw, c)
    strides = (hp * wp * c, g.sh * wp * c, g.sw * c, wp * c, c, 1)
    return shape, strides


def _filters_matrix(bk: Backend, w: Any) -> Any:
    """OIHW filters as the ``(kH·kW·C, O)`` matrix whose rows match the patches' (u, v, c) order."""
    o = w.shape[0]
    return bk.xp.reshape(bk.xp.transpose(w, (0, 2, 3, 1)), (o, -1)).T


def _conv2d_im2col(bk: Backend, x: Any, w: Any, bias: Any, g: ConvGeometry, chunk_bytes: int) -> Any:
    """The reference path on any backend: per chunk, pad, im2col, one matrix product; then stitch."""
    xp = bk.xp
    x_nhwc = xp.transpose(x, (0, 2, 3, 1))  # a view: nothing is copied yet
    wmat = _filters_matrix(bk, w)
    plan = _chunk_plan(g, x.itemsize, chunk_bytes)
    many = len(plan) > 1 or len(plan[0][2]) > 1
    images = []
    for n0, n1, blocks in plan:
        pieces = []
        for r0, r1 in blocks:
            cols = _im2col_block(bk, _padded_rows(bk, x_nhwc[n0:n1], g, r0, r1), g, r1 - r0)
            out = cols @ wmat  # the one matrix product: every patch against every filter
            if bias is not None:
                out = out + bias
            out = xp.reshape(out, (n1 - n0, r1 - r0, g.out_w, g.o))
            if many:
                bk.sync(out)  # lazy backends: compute this chunk now, freeing its columns
            pieces.append(out)
        images.append(pieces[0] if len(pieces) == 1 else xp.concatenate(pieces, axis=1))
    out = images[0] if len(images) == 1 else xp.concatenate(images, axis=0)
    return xp.transpose(out, (0, 3, 1, 2))  # NHWC memory seen as NCHW


# -- fast paths ----------------------------------------------------------------------------
def _mlx_conv2d(bk: Backend, x: Any, w: Any, bias: Any, g: ConvGeometry, chunk_bytes: int) -> Any:
    """``mx.conv2d`` works in NHWC with OHWI weights; transpose in and out."""
    mx = bk.xp
    out = mx.conv2d(
        mx.transpose(x, (0, 2, 3, 1)),
        mx.transpose(w, (0, 2, 3, 1)),
        stride=(g.sh, g.sw),
        padding=(g.ph, g.pw),
    )
    if bias is not None:
        out = out + bias
    return mx.transpose(out, (0, 3, 1, 2))


def _padded_size(g: ConvGeometry, images: int, r0: int, r1: int) -> int:
    """Elements of the padded block that output rows ``r0..r1`` of ``images`` images read."""
    return images * ((r1 - 1 - r0) * g.sh + g.kh) * (g.w + 2 * g.pw) * g.c


def _pad_into(flat: Any, x_nhwc: Any, g: ConvGeometry, r0: int, r1: int) -> Any:
    """:func:`_padded_rows` written into a reused NumPy buffer: only the border is zeroed."""
    top, bottom = r0 * g.sh - g.ph, (r1 - 1) * g.sh + g.kh - g.ph
    a, b = max(top, 0), min(bottom, g.h)
    shape = (x_nhwc.shape[0], bottom - top, g.w + 2 * g.pw, g.c)
    block = flat[: _padded_size(g, shape[0], r0, r1)].reshape(shape)
    block[:, : a - top] = 0
    block[:, b - top :] = 0
    block[:, a - top : b - top, : g.pw] = 0
    block[:, a - top : b - top, g.pw + g.w :] = 0
    block[:, a - top : b - top, g.pw : g.pw + g.w] = x_nhwc[:, a:b]
    return block


def _numpy_conv2d(bk: Backend, x: Any, w: Any, bias: Any, g: ConvGeometry, chunk_bytes: int) -> Any:
    """The generic im2col and matrix product, with NumPy's in-place tools.

    Same chunks, same column layout; but one padded block and one column buffer
    are reused by every chunk (no fresh pages to fault in, only the border of
    the padded block is zeroed), the patches are copied straight into the
    buffer, and ``np.matmul(..., out=)`` writes each chunk's product into its
    place in the channels-last output (no concatenation at the end). BLAS's own
    threads share each product. (Splitting the chunks among Python threads with
    a single-threaded BLAS each was measured too: faster while other programs
    load the cores, but slower on a quiet machine, where it counts.)
    """
    np_ = bk.xp
    out = np_.empty((g.n, g.out_h, g.out_w, g.o), dtype=x.dtype)
    wmat = np_.ascontiguousarray(_filters_matrix(bk, w))
    x_nhwc = x.transpose(0, 2, 3, 1)
    tasks = [(n0, n1, r0, r1) for n0, n1, blocks in _chunk_plan(g, x.itemsize, chunk_bytes) for r0, r1 in blocks]
    buffer = np_.empty(max((n1 - n0) * (r1 - r0) for n0, n1, r0, r1 in tasks) * g.out_w * g.patch_size, x.dtype)
    padded = np_.empty(max(_padded_size(g, n1 - n0, r0, r1) for n0, n1, r0, r1 in tasks), dtype=x.dtype)
    for n0, n1, r0, r1 in tasks:
        xpad = _pad_into(padded, x_nhwc[n0:n1], g, r0, r1)
        windows = bk.sliding_windows(xpad, *_window_geometry(xpad.shape, g, r1 - r0))
        cols = buffer[: windows.size].reshape(windows.shape)
        np_.copyto(cols, windows)
        target = out[n0:n1, r0:r1].reshape(-1, g.o)  # a view: this chunk's rows of the output
        np_.matmul(cols.reshape(-1, g.patch_size), wmat, out=target)
        if bias is not None:
            target += bias
    return out.transpose(0, 3, 1, 2)


_FAST_PATHS: dict[str, Callable[..., Any]] = {"numpy": _numpy_conv2d, "mlx": _mlx_conv2d}


def _fast_path(bk: Backend) -> Callable[..., Any] | None:
    """The backend's fast path for conv2d, registering dotkit's own on first use."""
    fn = bk.fast_path(_OP)
    if fn is None and bk.array_module in _FAST_PATHS and _OP not in bk._fast_paths:
        fn = bk._fast_paths[_OP] = _FAST_PATHS[bk.array_module]
    return fn


# -- public API ----------------------------------------------------------------------------
def conv2d(
    x: Any,
    w: Any,
    bias: Any = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    fast: bool = True,
    chunk_bytes: int = CHUNK_BYTES,
    backend: str | Backend | None = None,
) -> Any:
    """2-D cross-correlation of NCHW images with OIHW filters, as im2col + one matrix product.

    ``out[n, o, i, j] = bias[o] + Σ_{c,u,v} x[n, c, i·sh+u−ph, j·sw+v−pw] · w[o, c, u, v]``,
    reading zeros outside the image: each output is the dot product of filter
    ``o`` with one ``C×kH×kW`` patch.

    Args:
        x: images ``(N, C, H, W)``.
        w: filters ``(O, C, kH, kW)``.
        bias: ``(O,)``, one value added to every output of a filter, or None.
        stride: step between patches, an int or a pair ``(sh, sw)``; >= 1.
        padding: zeros added on each side, an int or a pair ``(ph, pw)``; >= 0.
        fast: use the backend's fast path when it has one (NumPy: im2col into
            reused buffers; MLX: ``mx.conv2d``); ``False`` forces the generic
            im2col path.
        chunk_bytes: upper bound on the column matrix built at once; large
            inputs are processed a few images (or output rows) at a time.
        backend: run on this backend instead of the one the inputs imply.

    Returns:
        ``(N, O, Ho, Wo)`` with ``Ho = (H + 2·ph − kH) // sh + 1`` and
        ``Wo = (W + 2·pw − kW) // sw + 1``, in the inputs' floating dtype
        (float16 is computed in float32). On NumPy the result is a view of
        channels-last memory, as PyTorch's ``channels_last`` format.

    Raises:
        ShapeError: wrong ranks, channel mismatch, a kernel larger than the
            padded input, a bias that is not ``(O,)``.
        InputValueError: stride <= 0 or negative padding.

    Example:
        >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
        >>> conv2d(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
        array([[10., 18.],
               [42., 50.]])
    """
    bk, x, w, bias, g, out_dtype = _prepare(_OP, x, w, bias, stride, padding, backend)
    if isinstance(chunk_bytes, bool) or not isinstance(chunk_bytes, (int, np.integer)) or chunk_bytes < 1:
        raise InputValueError(f"{_OP}: chunk_bytes must be a positive int; received {chunk_bytes!r}")
    if g.n == 0 or g.o == 0:
        return bk.xp.zeros((g.n, g.o, g.out_h, g.out_w), dtype=out_dtype)
    fn = _fast_path(bk) if fast else None
    out = (fn or _conv2d_im2col)(bk, x, w, bias, g, int(chunk_bytes))
    return out if out.dtype == out_dtype else out.astype(out_dtype)


def conv2d_naive(
    x: Any,
    w: Any,
    bias: Any = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    backend: str | Backend | None = None,
) -> Any:
    """conv2d as the loops a reader writes first: one dot product per output value.

    Same arguments, result and errors as :func:`conv2d`; kept for teaching and
    as a second reference in tests. It runs a Python loop over every
    ``(n, o, i, j)``, so keep the inputs small.

    Example:
        >>> conv2d_naive([[[[1.0, 2.0], [3.0, 4.0]]]], [[[[1.0]]]], bias=[0.5])[0, 0]
        array([[1.5, 2.5],
               [3.5, 4.5]])
    """
    bk, x, w, bias, g, out_dtype = _prepare("conv2d_naive", x, w, bias, stride, padding, backend)
    xp = bk.xp
    xpad = xp.pad(x, [(0, 0), (0, 0), (g.ph, g.ph), (g.pw, g.pw)])
    filters = xp.reshape(w, (g.o, -1))  # each filter flattened to a vector of length C·kH·kW
    values = []
    for n in range(g.n):
        for o in range(g.o):
            for i in range(g.out_h):
                for j in range(g.out_w):
                    patch = xpad[n, :, i * g.sh : i * g.sh + g.kh, j * g.sw : j * g.sw + g.kw]
                    value = xp.sum(xp.reshape(patch, (-1,)) * filters[o])  # patch · filter
                    values.append(value if bias is None else value + bias[o])
    if not values:
        return xp.zeros((g.n, g.o, g.out_h, g.out_w), dtype=out_dtype)
    out = xp.reshape(xp.stack(values), (g.n, g.o, g.out_h, g.out_w))
    return out if out.dtype == out_dtype else out.astype(out_dtype)


def im2col(
    x: Any,
    kernel_size: int | tuple[int, int],
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    backend: str | Backend | None = None,
) -> Any:
    """Every patch of ``x`` as one row: the column matrix ``(N·Ho·Wo, kH·kW·C)``.

    Row ``(n·Ho + i)·Wo + j`` is the patch under output position ``(i, j)`` of
    image ``n``, flattened channels-last, in ``(u, v, c)`` order, which matches
    the rows of :func:`filters_as_matrix`; so
    ``im2col(x, ...) @ filters_as_matrix(w)`` is the whole convolution, as an
    ``(N·Ho·Wo, O)`` matrix. The matrix is ``kH·kW`` times larger than ``x``
    (:func:`conv2d` builds it a chunk at a time).

    Example:
        >>> im2col(np.arange(9.0).reshape(1, 1, 3, 3), 2).tolist()
        [[0.0, 1.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0], [3.0, 4.0, 6.0, 7.0], [4.0, 5.0, 7.0, 8.0]]
    """
    kh, kw = _pair("im2col", "kernel_size", kernel_size, 1)
    bk = resolve("im2col", x, backend=backend)
    x = as_array("im2col", "x", x, bk, ndim=4)
    probe = np.zeros((1, x.shape[1], kh, kw), dtype=np.float32)  # only its shape is used
    _, x, _, _, g, _ = _prepare("im2col", x, probe, None, stride, padding, bk)
    xpad = _padded_rows(bk, bk.xp.transpose(x, (0, 2, 3, 1)), g, 0, g.out_h)
    return _im2col_block(bk, xpad, g, g.out_h)


def filters_as_matrix(w: Any, *, backend: str | Backend | None = None) -> Any:
    """OIHW filters ``(O, C, kH, kW)`` as the ``(kH·kW·C, O)`` matrix that :func:`im2col` rows multiply.

    Column ``o`` is filter ``o`` flattened in the same ``(u, v, c)`` order as a patch.

    Example:
        >>> filters_as_matrix(np.ones((2, 3, 1, 1))).shape
        (3, 2)
    """
    bk = resolve("filters_as_matrix", w, backend=backend)
    w = as_array("filters_as_matrix", "w", w, bk, ndim=4)
    return _filters_matrix(bk, w)


def conv2d_output_shape(
    x_shape: tuple[int, ...], w_shape: tuple[int, ...], *, stride: Any = 1, padding: Any = 0
) -> tuple[int, int, int, int]:
    """The output shape ``(N, O, Ho, Wo)`` of :func:`conv2d` for these input shapes.

    Example:
        >>> conv2d_output_shape((8, 64, 56, 56), (64, 64, 3, 3), padding=1)
        (8, 64, 56, 56)
    """
    g = _geometry("conv2d_output_shape", tuple(x_shape), tuple(w_shape), stride, padding)
    return g.n, g.o, g.out_h, g.out_w


def conv2d_multiply_adds(
    x_shape: tuple[int, ...], w_shape: tuple[int, ...], *, stride: Any = 1, padding: Any = 0
) -> int:
    """Multiply-adds of one conv2d call: ``N·O·Ho·Wo · C·kH·kW`` (FLOPs are twice this).

    Example:
        >>> conv2d_multiply_adds((8, 64, 56, 56), (64, 64, 3, 3), padding=1)
        924844032
    """
    g = _geometry("conv2d_multiply_adds", tuple(x_shape), tuple(w_shape), stride, padding)
    return g.n * g.o * g.out_h * g.out_w * g.c * g.kh * g.kw


# -- the backward pass: the chapter-2 rule on the column matrix ---------------------------------
class ConvGrads(NamedTuple):
    """The three gradients of a conv2d layer (see :func:`conv2d_backward`)."""

    dx: Any
    dW: Any
    db: Any


def _columns(bk: Backend, x: Any, g: ConvGeometry) -> Any:
    """The whole column matrix ``(N·Ho·Wo, kH·kW·C)`` of checked NCHW input, in one piece."""
    xpad = _padded_rows(bk, bk.xp.transpose(x, (0, 2, 3, 1)), g, 0, g.out_h)
    return _im2col_block(bk, xpad, g, g.out_h)


def _input_grad(bk: Backend, delta: Any, w: Any, g: ConvGeometry) -> Any:
    """``∂L/∂x`` as a *transposed convolution*: the error signal, spread back through the flipped filters.

    Input pixel ``x[c, r, s]`` met weight ``w[o, c, u, v]`` at every output
    ``(i, j)`` with ``i·sh + u = r`` (and likewise for columns), so its gradient
    sums ``δ[o, i, j] · w[o, c, u, v]`` over those. That is a plain correlation
    of ``δ`` (dilated by the stride, zero-padded by ``k − 1``) with the filters
    turned 180° and with input and output channels swapped.
    """
    xp = bk.xp
    n, o, ho, wo = delta.shape
    if g.sh > 1 or g.sw > 1:  # put sh − 1 zeros between rows (sw − 1 between columns)
        spread = xp.pad(xp.reshape(delta, (n, o, ho, 1, wo, 1)),
                        [(0, 0), (0, 0), (0, 0), (0, g.sh - 1), (0, 0), (0, g.sw - 1)])
        delta = xp.reshape(spread, (n, o, ho * g.sh, wo * g.sw))[:, :, : (ho - 1) * g.sh + 1, : (wo - 1) * g.sw + 1]
    unread_h = g.h + 2 * g.ph - g.kh - (ho - 1) * g.sh  # padded rows past the last window
    unread_w = g.w + 2 * g.pw - g.kw - (wo - 1) * g.sw
    delta = xp.pad(delta, [(0, 0), (0, 0), (g.kh - 1, g.kh - 1 + unread_h), (g.kw - 1, g.kw - 1 + unread_w)])
    turned = xp.transpose(w[:, :, ::-1, ::-1], (1, 0, 2, 3))  # (C, O, kH, kW), each slice turned 180°
    full = conv2d(delta, turned, backend=bk)  # the gradient of the padded input
    return full[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w]


def conv_grads(bk: Backend, delta: Any, cols: Any, w: Any, g: ConvGeometry, *, input_grad: bool = True) -> ConvGrads:
    """The formulas of :func:`conv2d_backward` on checked arrays, reusing the forward pass's columns.

    Models call this in their inner loop; ``input_grad=False`` skips ``dx``
    (a first layer needs no gradient for its input).
    """
    xp = bk.xp
    rows = xp.reshape(xp.transpose(delta, (0, 2, 3, 1)), (-1, g.o))  # δ as (N·Ho·Wo, O), like the columns
    dw = xp.matmul(cols.T, rows)  # (kH·kW·C, O): colsᵀ δ, the dense rule of chapter 2
    dw = xp.transpose(xp.reshape(dw, (g.kh, g.kw, g.c, g.o)), (3, 2, 0, 1))
    db = xp.sum(rows, axis=0)
    return ConvGrads(dx=_input_grad(bk, delta, w, g) if input_grad else None, dW=dw, db=db)


def conv2d_backward(
    delta: Any,
    x: Any,
    w: Any,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    backend: str | Backend | None = None,
) -> ConvGrads:
    """The backward pass of :func:`conv2d`, given ``δ = ∂L/∂out``.

    The layer is ``out = cols · Wmat + b`` with ``cols = im2col(x)``, a dense
    layer applied to every patch, so chapter 2's rules carry over:

    - ``∂L/∂W = colsᵀ δ`` (reshaped back to ``(O, C, kH, kW)``),
    - ``∂L/∂b = Σ δ`` over the batch and all positions,
    - ``∂L/∂x``: the transposed convolution of ``δ`` with the filters (see
      :func:`_input_grad`), the "``δ W``" of a dense layer.

    Args:
        delta: ``(N, O, Ho, Wo)``, the shape of the forward output.
        x, w, stride, padding: as in the forward call.

    Returns:
        ``ConvGrads(dx, dW, db)`` with the shapes of ``x``, ``w`` and ``(O,)``.

    Example:
        >>> g = conv2d_backward(np.ones((1, 1, 2, 2)), np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2)))
        >>> g.dW[0, 0]                      # each weight met four input pixels
        array([[ 8., 12.],
               [20., 24.]])
    """
    op = "conv2d_backward"
    bk, x, w, _, g, _ = _prepare(op, x, w, None, stride, padding, backend)
    delta = bk.cast(as_array(op, "delta", delta, bk, allow_int=False), x.dtype)
    if tuple(delta.shape) != (g.n, g.o, g.out_h, g.out_w):
        raise ShapeError(
            f"{op}: delta must have the forward output's shape (N, O, Ho, Wo) = "
            f"{(g.n, g.o, g.out_h, g.out_w)}; received delta.shape={tuple(delta.shape)}, {_shapes(x, w)}"
        )
    return conv_grads(bk, delta, _columns(bk, x, g), w, g)


# -- pooling ------------------------------------------------------------------------------------------
def _pool_blocks(xp: Any, x: Any, size: int) -> Any:
    """``x (N, C, H, W)`` cut into ``size × size`` blocks: ``(N, C, H//size, size, W//size, size)``."""
    n, c, h, w = x.shape
    ho, wo = h // size, w // size
    return xp.reshape(x[:, :, : ho * size, : wo * size], (n, c, ho, size, wo, size))


def _pool_size(op: str, x: Any, size: Any) -> int:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise InputValueError(f"{op}: size must be a positive int; received size={size!r}")
    if x.ndim != 4 or min(x.shape[2:]) < size:
        raise ShapeError(f"{op}: expected x of shape (N, C, H, W) with H, W >= size={size}; "
                         f"received x.shape={tuple(x.shape)}")
    return int(size)


def max_pool2d(x: Any, size: int = 2, *, backend: str | Backend | None = None) -> Any:
    """The largest value of each ``size × size`` block of every channel: ``(N, C, H//size, W//size)``.

    ``out[n, c, i, j] = max_{u, v < size} x[n, c, i·size + u, j·size + v]``;
    rows and columns that do not fill a block are dropped.

    Example:
        >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
        array([[ 5.,  7.],
               [13., 15.]])
    """
    bk = resolve("max_pool2d", x, backend=backend)
    x = as_array("max_pool2d", "x", x, bk)
    size = _pool_size("max_pool2d", x, size)
    return bk.xp.max(_pool_blocks(bk.xp, x, size), axis=(3, 5))


def pool_grad(xp: Any, delta: Any, x: Any, size: int) -> Any:
    """``∂L/∂x`` of :func:`max_pool2d`: each block's ``δ`` goes to its largest entry (shared by ties)."""
    blocks = _pool_blocks(xp, x, size)
    winner = (blocks == xp.max(blocks, axis=(3, 5), keepdims=True)).astype(x.dtype)
    winner = winner / xp.sum(winner, axis=(3, 5), keepdims=True)
    n, c, ho, _, wo, _ = blocks.shape
    dx = xp.reshape(winner * xp.reshape(delta, (n, c, ho, 1, wo, 1)), (n, c, ho * size, wo * size))
    h, w = x.shape[2:]
    return xp.pad(dx, [(0, 0), (0, 0), (0, h - ho * size), (0, w - wo * size)])


__all__ = [
    "ConvGrads",
    "conv2d",
    "conv2d_backward",
    "conv2d_multiply_adds",
    "conv2d_naive",
    "conv2d_output_shape",
    "filters_as_matrix",
    "im2col",
    "max_pool2d",
]
