"""conv2d's formula as code: the geometry of a call and the im2col kernel, on arrays of one backend.

The public op (:func:`dotkit.nn.conv.conv2d`) checks its arguments once and
then calls a backend's fast path or :func:`conv2d_kernel` here. Nothing in
this module checks or converts: it reads like the formula::

    out[n, o, i, j] = b[o] + Σ_c Σ_u Σ_v  x[n, c, i·sh + u − ph, j·sw + v − pw] · w[o, c, u, v]

Every patch is laid out as one row of a column matrix ``(N·Ho·Wo, kH·kW·C)``
(channels last, so the rows are built from long contiguous runs of memory)
and the layer is **one matrix product** with the filters ``(kH·kW·C, O)``.
Large inputs go a few images (or output rows) at a time, so that the column
matrix never exceeds ``chunk_bytes``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from dotkit.backends import Backend
from dotkit.errors import InputValueError, ShapeError

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

    @classmethod
    def of(cls, x_shape: tuple, w_shape: tuple, stride: tuple[int, int], padding: tuple[int, int]) -> ConvGeometry:
        """The geometry of a call already checked at the door (int pairs, matching channels)."""
        (n, c, h, w), (o, _, kh, kw) = x_shape, w_shape
        return cls(int(n), int(c), int(h), int(w), int(o), int(kh), int(kw), *map(int, stride), *map(int, padding))

    @property
    def multiply_adds(self) -> int:
        """``N·O·Ho·Wo·C·kH·kW``: one multiply-add per term of every dot product."""
        return self.n * self.o * self.out_h * self.out_w * self.patch_size


# -- the geometry of a call, from shapes alone ---------------------------------------------------------------
def pair(op: str, name: str, value: Any, minimum: int, context: str = "") -> tuple[int, int]:
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


def geometry(op: str, x_shape: tuple, w_shape: tuple, stride: Any, padding: Any) -> ConvGeometry:
    """Check the shapes, stride and padding of a conv2d call (from the shapes alone) and return its geometry."""
    shapes = f"x.shape={x_shape}, w.shape={w_shape}"
    if len(x_shape) != 4:
        raise ShapeError(f"{op}: expected x of shape (N, C, H, W) with 4 dimensions; received {shapes}")
    if len(w_shape) != 4:
        raise ShapeError(f"{op}: expected w of shape (O, C, kH, kW) with 4 dimensions; received {shapes}")
    if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0 for v in x_shape + w_shape):
        raise ShapeError(f"{op}: shapes must hold non-negative integers; received {shapes}")
    sh, sw = pair(op, "stride", stride, 1, shapes)
    ph, pw = pair(op, "padding", padding, 0, shapes)
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


# -- the generic path: im2col, then one matrix product ---------------------------------
def chunk_plan(g: ConvGeometry, itemsize: int, chunk_bytes: int) -> list[tuple[int, int, list[tuple[int, int]]]]:
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


def padded_rows(bk: Backend, x_nhwc: Any, g: ConvGeometry, r0: int, r1: int) -> Any:
    """The zero-padded input rows that output rows ``r0..r1`` read, C-contiguous NHWC.

    One copy: the strided NCHW→NHWC transpose is written straight into a
    zero-filled buffer, so padding costs no extra pass over the data.
    """
    xp = bk.xp
    top, bottom = r0 * g.sh - g.ph, (r1 - 1) * g.sh + g.kh - g.ph  # in unpadded rows
    a, b = max(top, 0), min(bottom, g.h)
    buf = xp.zeros((x_nhwc.shape[0], bottom - top, g.w + 2 * g.pw, g.c), dtype=x_nhwc.dtype)
    if b > a:
        buf[:, a - top : b - top, g.pw : g.pw + g.w, :] = x_nhwc[:, a:b, ...]
    return buf


def im2col_block(bk: Backend, xpad: Any, g: ConvGeometry, rows: int) -> Any:
    """The column matrix ``(n·rows·Wo, kH·kW·C)`` of a padded NHWC block.

    Row ``(n, i, j)`` is the patch ``xpad[n, i·sh : i·sh+kH, j·sw : j·sw+kW, :]``
    flattened in (u, v, c) order. It is read through a strided window view (no
    loop over pixels); the reshape is where the patches are copied into place.
    """
    if not offers_strided_views(bk):
        return im2col_by_slices(bk, xpad, g, rows)
    windows = bk.sliding_windows(xpad, *window_geometry(xpad.shape, g, rows))
    return bk.xp.reshape(windows, (xpad.shape[0] * rows * g.out_w, g.patch_size))


def offers_strided_views(bk: Backend) -> bool:
    """Whether ``bk`` declares the ``sliding_windows`` extra (overrides the base class's refusal)."""
    return type(bk).sliding_windows is not Backend.sliding_windows


def im2col_by_slices(bk: Backend, xpad: Any, g: ConvGeometry, rows: int) -> Any:
    """The same column matrix from standard calls only, for a namespace without strided views.

    For each kernel offset ``(u, v)`` the slice ``xpad[:, u : u+sh·rows : sh, v : v+sw·Wo : sw, :]``
    holds that tap of every patch, ``(n, rows, Wo, C)``; the kH·kW slices stacked on a new axis
    and flattened give each patch in (u, v, c) order, as the strided view does.
    """
    xp = bk.xp
    taps = [
        xpad[:, u : u + g.sh * (rows - 1) + 1 : g.sh, v : v + g.sw * (g.out_w - 1) + 1 : g.sw, :]
        for u in range(g.kh)
        for v in range(g.kw)
    ]
    return xp.reshape(xp.stack(taps, axis=3), (xpad.shape[0] * rows * g.out_w, g.patch_size))


def window_geometry(
    padded_shape: tuple[int, ...], g: ConvGeometry, rows: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Shape ``(n, rows, Wo, kH, kW, C)`` and element strides of the patch view of a padded block."""
    nb, hp, wp, c = padded_shape
    shape = (nb, rows, g.out_w, g.kh, g.kw, c)
    strides = (hp * wp * c, g.sh * wp * c, g.sw * c, wp * c, c, 1)
    return shape, strides


def filters_matrix(bk: Backend, w: Any) -> Any:
    """OIHW filters as the ``(kH·kW·C, O)`` matrix whose rows match the patches' (u, v, c) order."""
    o = w.shape[0]
    return bk.xp.reshape(bk.xp.permute_dims(w, (0, 2, 3, 1)), (o, -1)).T


def conv2d_kernel(bk: Backend, x: Any, w: Any, bias: Any, g: ConvGeometry, chunk_bytes: int = CHUNK_BYTES) -> Any:
    """The reference on any backend: per chunk, pad, im2col, one matrix product; then stitch.

    ``x`` ``(N, C, H, W)`` and ``w`` ``(O, C, kH, kW)`` are checked arrays of ``bk`` in one
    floating dtype; the result ``(N, O, Ho, Wo)`` is a view of channels-last memory.
    """
    xp = bk.xp
    x_nhwc = xp.permute_dims(x, (0, 2, 3, 1))  # a view: nothing is copied yet
    wmat = filters_matrix(bk, w)
    plan = chunk_plan(g, xp.finfo(x.dtype).bits // 8, chunk_bytes)
    many = len(plan) > 1 or len(plan[0][2]) > 1
    images = []
    for n0, n1, blocks in plan:
        pieces = []
        for r0, r1 in blocks:
            cols = im2col_block(bk, padded_rows(bk, x_nhwc[n0:n1, ...], g, r0, r1), g, r1 - r0)
            out = cols @ wmat  # the one matrix product: every patch against every filter
            if bias is not None:
                out = out + bias
            out = xp.reshape(out, (n1 - n0, r1 - r0, g.out_w, g.o))
            if many:
                bk.sync(out)  # lazy backends: compute this chunk now, freeing its columns
            pieces.append(out)
        images.append(pieces[0] if len(pieces) == 1 else xp.concat(pieces, axis=1))
    out = images[0] if len(images) == 1 else xp.concat(images, axis=0)
    return xp.permute_dims(out, (0, 3, 1, 2))  # NHWC memory seen as NCHW


__all__ = ["CHUNK_BYTES", "ConvGeometry", "chunk_plan", "conv2d_kernel", "filters_matrix", "geometry",
           "im2col_block", "im2col_by_slices", "offers_strided_views", "padded_rows",
           "window_geometry"]
