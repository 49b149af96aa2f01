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
- the **kernel** (:func:`dotkit.nn.conv_kernels.conv2d_kernel`, *im2col*):
  every patch is laid out as one row of a column matrix ``(N·Ho·Wo, kH·kW·C)``
  (channels last, so the rows are built from long contiguous runs of memory),
  and the whole layer is then **one matrix product** with the filters
  ``(kH·kW·C, O)``. The patches are read through a strided *view* of the
  padded input, so there is no Python loop over pixels. Large inputs are
  processed in chunks of images (or of output rows) so that the column matrix
  never exceeds ``chunk_bytes``.
- **fast paths** that a backend declares for ``"conv2d"`` (see
  :mod:`dotkit.backends.base`): on NumPy, the same im2col into reused buffers
  on every core (:mod:`dotkit.backends.fast_numpy`); on MLX, ``mx.conv2d``.
  ``fast=False`` forces the kernel, which stays the reference that tests
  compare the fast paths against.

Example:
    >>> import dotkit
    >>> x = [[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]]   # (1, 1, 3, 3)
    >>> w = [[[[1.0, 0.0], [0.0, -1.0]]]]                              # (1, 1, 2, 2)
    >>> dotkit.conv2d(x, w)[0, 0]
    array([[-4., -4.],
           [-4., -4.]])
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from dotkit._inputs import as_array, float_dtype_for, resolve
from dotkit._memory import check_shape
from dotkit.backends import Backend
from dotkit.errors import InputValueError, ShapeError
from dotkit.nn.conv_kernels import (
    CHUNK_BYTES,
    ConvGeometry,
    conv2d_kernel,
    filters_matrix,
    geometry,
    im2col_block,
    padded_rows,
    pair,
)
from dotkit.nn.pooling import max_pool2d, pool_grad  # re-exported: pooling sits beside conv2d in a network

_OP = "conv2d"


def _shapes(x: Any, w: Any) -> str:
    return f"x.shape={tuple(x.shape)}, w.shape={tuple(w.shape)}"



# -- input checks ---------------------------------------------------------------
def _prepare(
    op: str, x: Any, w: Any, bias: Any, stride: Any, padding: Any, backend: str | Backend | None
) -> tuple[Backend, Any, Any, Any, ConvGeometry, Any]:
    """Validate a conv2d call: the backend, the arrays in their working float dtype, the geometry, the output dtype."""
    bk = resolve(op, x, w, bias, backend=backend)
    x = as_array(op, "x", x, bk, allow_int=False)
    w = as_array(op, "w", w, bk, allow_int=False)
    g = geometry(op, tuple(x.shape), tuple(w.shape), stride, padding)
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
    # the padded input and the output are made whole: refuse them before starting if they cannot be held
    itemsize = bk.xp.finfo(dtype).bits // 8
    check_shape(op, (g.n, g.c, g.h + 2 * g.ph, g.w + 2 * g.pw), itemsize, "the padded input",
                "use less padding or fewer images per call")
    check_shape(op, (g.n, g.o, g.out_h, g.out_w), itemsize, "the output",
                "use fewer filters, less padding or fewer images per call")
    x, w = bk.cast(x, dtype), bk.cast(w, dtype)
    bias = None if bias is None else bk.cast(bias, dtype)
    return bk, x, w, bias, g, out_dtype


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
        fast: use the backend's fast path when it declares one (NumPy: im2col
            into reused buffers on every core; MLX: ``mx.conv2d``); ``False``
            forces the kernel.
        chunk_bytes: upper bound on the column matrix built at once; large
            inputs are processed a few images (or output rows) at a time. A
            value other than the default runs the kernel, which honours it
            exactly (fast paths keep within the default bound).
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
    fn = bk.fast_path(_OP) if fast and chunk_bytes == CHUNK_BYTES else None
    if fn is not None:
        out = fn(x, w, bias, (g.sh, g.sw), (g.ph, g.pw))
    else:
        out = conv2d_kernel(bk, x, w, bias, g, int(chunk_bytes))
    return bk.cast(out, out_dtype)


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
    return bk.cast(out, out_dtype)


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
    kh, kw = pair("im2col", "kernel_size", kernel_size, 1)
    bk = resolve("im2col", x, backend=backend)
    x = as_array("im2col", "x", x, bk, ndim=4)
    probe = np.zeros((1, x.shape[1], kh, kw), dtype=np.float32)  # only its shape is used
    _, x, _, _, g, _ = _prepare("im2col", x, probe, None, stride, padding, bk)
    check_shape("im2col", (g.n * g.out_h * g.out_w, g.patch_size), bk.xp.finfo(x.dtype).bits // 8,
                "the column matrix", "use a smaller image, less padding or conv2d (it builds the columns in chunks)")
    xpad = padded_rows(bk, bk.xp.permute_dims(x, (0, 2, 3, 1)), g, 0, g.out_h)
    return im2col_block(bk, xpad, g, g.out_h)


def filters_as_matrix(w: Any, *, backend: str | Backend | None = None) -> Any:
    """OIHW filters ``(O, C, kH, kW)`` as the ``(kH·kW·C, O)`` matrix that :func:`im2col` rows multiply.

    Column ``o`` is filter ``o`` flattened in the same ``(u, v, c)`` order as a patch.

    Example:
        >>> filters_as_matrix(np.ones((2, 3, 1, 1))).shape
        (3, 2)
    """
    bk = resolve("filters_as_matrix", w, backend=backend)
    w = as_array("filters_as_matrix", "w", w, bk, ndim=4)
    return filters_matrix(bk, w)


def conv2d_output_shape(
    x_shape: tuple[int, ...], w_shape: tuple[int, ...], *, stride: Any = 1, padding: Any = 0
) -> tuple[int, int, int, int]:
    """The output shape ``(N, O, Ho, Wo)`` of :func:`conv2d` for these input shapes.

    Example:
        >>> conv2d_output_shape((8, 64, 56, 56), (64, 64, 3, 3), padding=1)
        (8, 64, 56, 56)
    """
    g = geometry("conv2d_output_shape", tuple(x_shape), tuple(w_shape), stride, padding)
    return g.n, g.o, g.out_h, g.out_w


def conv2d_multiply_adds(
    x_shape: tuple[int, ...], w_shape: tuple[int, ...], *, stride: Any = 1, padding: Any = 0
) -> int:
    """Multiply-adds of one conv2d call: ``N·O·Ho·Wo · C·kH·kW`` (FLOPs are twice this).

    Example:
        >>> conv2d_multiply_adds((8, 64, 56, 56), (64, 64, 3, 3), padding=1)
        924844032
    """
    g = geometry("conv2d_multiply_adds", tuple(x_shape), tuple(w_shape), stride, padding)
    return g.n * g.o * g.out_h * g.out_w * g.c * g.kh * g.kw


# -- the backward pass: the chapter-2 rule on the column matrix ---------------------------------
class ConvGrads(NamedTuple):
    """The three gradients of a conv2d layer (see :func:`conv2d_backward`)."""

    dx: Any
    dW: Any
    db: Any


def column_matrix(bk: Backend, x: Any, g: ConvGeometry) -> Any:
    """The whole column matrix ``(N·Ho·Wo, kH·kW·C)`` of checked NCHW input, in one piece."""
    xpad = padded_rows(bk, bk.xp.permute_dims(x, (0, 2, 3, 1)), g, 0, g.out_h)
    return im2col_block(bk, xpad, g, g.out_h)


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
    turned = xp.permute_dims(w[:, :, ::-1, ::-1], (1, 0, 2, 3))  # (C, O, kH, kW), each slice turned 180°
    full = conv2d(delta, turned, backend=bk)  # the gradient of the padded input
    return full[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w]


def conv_grads(bk: Backend, delta: Any, cols: Any, w: Any, g: ConvGeometry, *, input_grad: bool = True) -> ConvGrads:
    """The formulas of :func:`conv2d_backward` on checked arrays, reusing the forward pass's columns.

    Models call this in their inner loop; ``input_grad=False`` skips ``dx``
    (a first layer needs no gradient for its input).
    """
    xp = bk.xp
    rows = xp.reshape(xp.permute_dims(delta, (0, 2, 3, 1)), (-1, g.o))  # δ as (N·Ho·Wo, O), like the columns
    dw = xp.matmul(cols.T, rows)  # (kH·kW·C, O): colsᵀ δ, the dense rule of chapter 2
    dw = xp.permute_dims(xp.reshape(dw, (g.kh, g.kw, g.c, g.o)), (3, 2, 0, 1))
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
    return conv_grads(bk, delta, column_matrix(bk, x, g), w, g)


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
    "pool_grad",
]
