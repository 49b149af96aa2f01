"""The NumPy backend's fast paths for conv2d and attention, declared in :class:`NumpyBackend.fast_paths`.

Each computes exactly what its kernel computes (:mod:`dotkit.nn.conv_kernels`,
:mod:`dotkit.nn.attention_kernels`), with NumPy's in-place tools: reused
buffers, ``out=`` products written into their place in the result, work sized
to stay in cache, and the cores shared by whole pieces of work (see
:mod:`dotkit._threads`: NumPy's element-wise loops run on one core, so one
Python thread per core, each with a one-thread BLAS, keeps every step busy).
The conformance tests compare each with its kernel.

Arguments arrive checked (the public op checks them once): arrays of one
floating dtype, int pairs for stride and padding.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from dotkit._threads import run_parts
from dotkit.nn.conv_kernels import CHUNK_BYTES, ConvGeometry, chunk_plan, window_geometry


# -- conv2d ----------------------------------------------------------------------------------------
def conv2d(x: Any, w: Any, b: Any, stride: tuple[int, int], padding: tuple[int, int], *,
           chunk_bytes: int = CHUNK_BYTES) -> Any:
    """``(N, C, H, W)`` images against ``(O, C, kH, kW)`` filters: the kernel's im2col, in place and on every core.

    The same column layout as :func:`dotkit.nn.conv_kernels.conv2d_kernel`, in
    chunks of at most ``chunk_bytes`` (and at most 1 MiB) of columns per core;
    returns ``(N, O, Ho, Wo)``, a view of channels-last memory as the kernel does.
    """
    g = ConvGeometry.of(x.shape, w.shape, stride, padding)
    return im2col_conv2d(x, w, b, g, min(chunk_bytes, _CACHE_CHUNK_BYTES))


#: Column block per chunk on this path: each worker's block stays in its core's L2 cache between
#: the patch copy and the product (measured about 10% faster than blocks of CHUNK_BYTES).
_CACHE_CHUNK_BYTES = 2**20


def _padded_size(g: ConvGeometry, images: int, r0: int, r1: int) -> int:
    """Elements of the padded block that output rows ``r0..r1`` of ``images`` images read."""
    return images * ((r1 - 1 - r0) * g.sh + g.kh) * (g.w + 2 * g.pw) * g.c


def _pad_into(flat: Any, x_nhwc: Any, g: ConvGeometry, r0: int, r1: int) -> Any:
    """The zero-padded NHWC rows that output rows ``r0..r1`` read, in a reused buffer (only the border zeroed)."""
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


def im2col_conv2d(x: Any, w: Any, b: Any, g: ConvGeometry, chunk_bytes: int = CHUNK_BYTES) -> Any:
    """The kernel's chunks and column layout, with one padded block and one column buffer per core.

    The patches are copied straight into the buffer (only the padded block's
    border is zeroed), and ``np.matmul(..., out=)`` writes each chunk's product
    into its place in the channels-last output (no concatenation at the end).
    The chunks are shared among one thread per core, each with a one-thread
    BLAS: the patch copies then run on every core too, and a core slowed by
    another program simply takes fewer chunks. (A Winograd F(2×2, 3×3) path, with
    2.25× fewer multiplications, was measured as well: its transforms, a dozen
    element-wise passes in NumPy, cost as much CPU time as the multiplications saved.)
    """
    out = np.empty((g.n, g.out_h, g.out_w, g.o), dtype=x.dtype)
    wmat = np.ascontiguousarray(filters_matrix_np(w))
    x_nhwc = x.transpose(0, 2, 3, 1)
    tasks = [(n0, n1, r0, r1) for n0, n1, blocks in chunk_plan(g, x.itemsize, chunk_bytes) for r0, r1 in blocks]
    cols_size = max((n1 - n0) * (r1 - r0) for n0, n1, r0, r1 in tasks) * g.out_w * g.patch_size
    padded_size = max(_padded_size(g, n1 - n0, r0, r1) for n0, n1, r0, r1 in tasks)

    def run(part: Iterable[tuple[int, int, int, int]]) -> None:
        buffer, padded = np.empty(cols_size, x.dtype), np.empty(padded_size, x.dtype)
        for n0, n1, r0, r1 in part:
            xpad = _pad_into(padded, x_nhwc[n0:n1], g, r0, r1)
            shape, strides = window_geometry(xpad.shape, g, r1 - r0)
            # the patch view, made directly on the padded block (as_strided's way costs ~25 µs a chunk, under the GIL)
            windows = np.ndarray(shape, x.dtype, buffer=xpad, strides=tuple(s * x.itemsize for s in strides))
            cols = buffer[: windows.size].reshape(windows.shape)
            np.copyto(cols, windows)
            target = out[n0:n1, r0:r1].reshape(-1, g.o)  # a view: this chunk's rows of the output
            np.matmul(cols.reshape(-1, g.patch_size), wmat, out=target)
            if b is not None:
                target += b

    run_parts(run, tasks, parallel=g.multiply_adds >= _PARALLEL_MIN_MACS and len(tasks) > 1)
    return out.transpose(0, 3, 1, 2)


_PARALLEL_MIN_MACS = 1 << 24  # below this a layer runs on the calling thread, with BLAS's own threads


def filters_matrix_np(w: Any) -> Any:
    """:func:`dotkit.nn.conv_kernels.filters_matrix` on a NumPy array."""
    return w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1).T


# -- scaled dot-product attention -------------------------------------------------------------------
_TILE = 1 << 18  # score elements per tile: 1 MiB of float32 stays in L2 cache
_PARALLEL_MIN = 1 << 21  # score elements below which one thread (plus threaded BLAS) is best


def scaled_dot_product_attention(q: Any, k: Any, v: Any, mask: Any, is_causal: bool, scale: float) -> Any:
    """Tiled attention: scores of a few heads (or a block of rows) at a time, in place.

    Per tile: ``s = (scale·q) Kᵀ`` into a reused buffer, forbidden entries set to
    -inf, ``exp`` in place (as ``2**s`` with ``log2(e)`` folded into the scale,
    where NumPy's ``exp2`` is the faster loop), then the products ``e V`` and
    ``e 1`` (the row sums ``Σ e``) written into the result, and one division. No max is subtracted: rows whose sum
    over- or underflows (scores beyond about ±40) are recomputed with the
    stable formula, so the result is always the stable one. Additive
    (floating) masks go to the kernel.
    """
    from dotkit.backends import get_backend
    from dotkit.nn.attention_kernels import attention_kernel

    if mask is not None and mask.dtype != bool:
        return attention_kernel(get_backend("numpy"), q, k, v, mask, is_causal, scale)
    batch = _batch_shape(q, k, v, mask)
    L, d, S, dv = q.shape[-2], q.shape[-1], k.shape[-2], v.shape[-1]
    G = math.prod(batch)
    qg = np.broadcast_to(q, batch + (L, d)).reshape(G, L, d)
    kg = np.broadcast_to(k, batch + (S, d)).reshape(G, S, d)
    vg = np.broadcast_to(v, batch + (S, dv)).reshape(G, S, dv)
    forbidden = None if mask is None else _forbidden(mask, batch, G, L, S)
    upper = np.triu(np.ones((L, S), dtype=bool), k=1) if is_causal else None
    out = np.empty((G, L, dv), dtype=q.dtype)
    total = np.empty((G, L), dtype=q.dtype)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        _attention_tiles(qg, kg, vg, forbidden, upper, scale, out, total)
        tiny, huge = (1e-20, 1e30) if q.dtype == np.float32 else (1e-200, 1e300)
        bad = ~((total > tiny) & (total < huge))
        if not bad.any() and not np.isfinite(out).all():
            bad = ~np.isfinite(out).all(axis=-1)
    if bad.any():
        _repair_rows(out, bad, qg, kg, vg, forbidden, upper, scale)
    return out.reshape(batch + (L, dv))


def _attention_tiles(qg: Any, kg: Any, vg: Any, forbidden: Any, upper: Any, scale: float,
                     out: Any, total: Any) -> None:
    """Fill ``out`` (G, L, dv) and the row sums ``total`` (G, L), tile by tile, one thread per core."""
    (G, L, d), S, dt = qg.shape, kg.shape[1], qg.dtype
    heads = max(1, min(G, _TILE // max(1, L * S)))  # buffers no larger than the work: no pages to fault in
    rows = L if heads > 1 else max(1, min(L, _TILE // max(1, S)))
    tiles = [(g0, min(G, g0 + heads), r0, min(L, r0 + rows)) for g0 in range(0, G, heads) for r0 in range(0, L, rows)]
    exp, factor = (np.exp2, scale * math.log2(math.e)) if _exp2_is_vectorized(dt) else (np.exp, scale)

    def run(part: Iterable[tuple[int, int, int, int]]) -> None:
        buf = np.empty(heads * rows * S, dtype=dt)  # one score buffer per worker, reused for every tile
        ones, qs = np.ones(S, dtype=dt), np.empty((heads, rows, d), dtype=dt)
        for g0, g1, r0, r1 in part:
            cols = min(S, r1) if upper is not None else S  # causal: later keys are never needed
            s = buf[: (g1 - g0) * (r1 - r0) * cols].reshape(g1 - g0, r1 - r0, cols)
            q_tile = np.multiply(qg[g0:g1, r0:r1], dt.type(factor), out=qs[: g1 - g0, : r1 - r0])
            np.matmul(q_tile, kg[g0:g1, :cols].transpose(0, 2, 1), out=s)
            _forbid(s, forbidden, upper, g0, g1, r0, r1, cols)
            exp(s, out=s)
            sums = np.matmul(s, ones[:cols], out=total[g0:g1, r0:r1])  # Σ e: a matrix-vector product
            weighted = np.matmul(s, vg[g0:g1, :cols], out=out[g0:g1, r0:r1])
            np.divide(weighted, sums[..., None], out=weighted)

    run_parts(run, tiles, parallel=G * L * S >= _PARALLEL_MIN)


@functools.cache
def _exp2_is_vectorized(dt: Any) -> bool:
    """Whether NumPy's ``exp2`` loop for ``dt`` runs on SIMD registers here (AVX-512 builds do).

    There it takes about half the time of ``exp``, so the tiles fold ``log2(e)``
    into the scale and use ``2**s``. Elsewhere (AVX2, Arm) ``exp2`` is the
    scalar C library loop, and ``exp`` is the faster one.
    """
    try:
        from numpy.lib.introspect import opt_func_info

        current = opt_func_info(func_name="^exp2$")["exp2"][np.dtype(dt).char * 2]["current"]
    except (ImportError, AttributeError, KeyError, TypeError):  # NumPy < 2.1, or no such loop
        return False
    return not current.startswith("baseline")


def _forbid(s: Any, forbidden: Any, upper: Any, g0: int, g1: int, r0: int, r1: int, cols: int) -> None:
    """Set the scores of a tile that the mask or the causal order forbid to -inf."""
    if forbidden is not None:
        gs = slice(g0, g1) if forbidden.shape[0] > 1 else slice(None)
        rs = slice(r0, r1) if forbidden.shape[1] > 1 else slice(None)
        np.copyto(s, -np.inf, where=forbidden[gs, rs, :cols])
    if upper is not None:
        np.copyto(s, -np.inf, where=upper[r0:r1, :cols])


def _batch_shape(q: Any, k: Any, v: Any, mask: Any) -> tuple[int, ...]:
    shapes = [q.shape[:-2], k.shape[:-2], v.shape[:-2]] + ([] if mask is None else [mask.shape[:-2]])
    return tuple(np.broadcast_shapes(*(tuple(t) for t in shapes)))


def _forbidden(mask: Any, batch: tuple[int, ...], G: int, L: int, S: int) -> Any:
    """``~mask`` as a ``(G or 1, L or 1, S)`` array: shared masks are not copied per head."""
    m = mask.reshape((1,) * (len(batch) + 2 - mask.ndim) + tuple(mask.shape))
    Lm = m.shape[-2]
    if all(n == 1 for n in m.shape[:-2]):
        return ~np.broadcast_to(m, m.shape[:-1] + (S,)).reshape(1, Lm, S)
    return ~np.broadcast_to(m, batch + (Lm, S)).reshape(G, Lm, S)


def _repair_rows(out: Any, bad: Any, qg: Any, kg: Any, vg: Any, forbidden: Any, upper: Any, scale: float) -> None:
    """Recompute the rows flagged in ``bad`` with the stable formula of the kernel."""
    from dotkit.backends import get_backend
    from dotkit.nn.attention_kernels import stable_softmax

    bk = get_backend("numpy")
    for g in np.unique(np.nonzero(bad)[0]):
        r = np.nonzero(bad[g])[0]
        s = np.matmul(qg[g, r] * scale, kg[g].T)
        blocked = np.zeros(s.shape, dtype=bool)
        if forbidden is not None:
            f = forbidden[g if forbidden.shape[0] > 1 else 0]
            blocked |= f[r] if f.shape[0] > 1 else f
        if upper is not None:
            blocked |= upper[r]
        out[g, r] = np.matmul(stable_softmax(bk, np.where(blocked, -np.inf, s)), vg[g])


# -- GELU ----------------------------------------------------------------------------------------------
#: Abramowitz & Stegun 7.1.26: erfc(z) = P(t)·exp(−z²) with t = 1/(1 + p·z), for z >= 0, to within 1.5e-7.
_ERFC_P = 0.3275911
_ERFC_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
_GELU_BLOCK = 1 << 15  # elements per step: the temporaries of a step stay in L2 cache


def gelu(x: Any) -> Any:
    """The exact GELU ``x·Φ(x) = x·(1 + erf(x/√2))/2`` of a float32 array, to within about 1e-7·|x|.

    With ``z = |x|/√2`` and ``E = erfc(z)``: ``gelu(x) = max(x, 0) − |x|·E/2``, both
    signs at once and without the cancellation of ``1 + erf`` for negative ``x``.
    ``E`` is Abramowitz and Stegun's 7.1.26 (one ``exp``, a degree-5 polynomial),
    computed block by block in place, where SciPy's ``erf`` takes a scalar path per
    element. Other dtypes take the kernel (:func:`dotkit.nn.activations.gelu_kernel`).
    """
    if x.dtype != np.float32:
        from dotkit.backends import get_backend
        from dotkit.nn.activations import gelu_kernel

        return gelu_kernel(get_backend("numpy"), x)
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    scratch = np.empty((3, min(_GELU_BLOCK, flat.size)), dtype=np.float32)
    with np.errstate(over="ignore", under="ignore"):  # x² of a huge x: exp(−inf) = 0, as it should
        for start in range(0, flat.size, _GELU_BLOCK):
            block = flat[start : start + _GELU_BLOCK]
            _gelu_block(block, out[start : start + block.size], *scratch[:, : block.size])
    return out.reshape(x.shape)


def _gelu_block(x: Any, out: Any, a: Any, t: Any, e: Any) -> None:
    """``out = gelu(x)`` for one block, with ``a``, ``t``, ``e`` as scratch of the same size."""
    f32 = np.float32
    np.abs(x, out=a)
    np.multiply(a, f32(_ERFC_P / math.sqrt(2.0)), out=t)
    t += f32(1.0)
    np.reciprocal(t, out=t)  # t = 1 / (1 + p·z)
    np.multiply(x, x, out=e)
    e *= f32(-0.5)
    np.exp(e, out=e)  # e = exp(−z²)
    np.multiply(t, f32(0.5 * _ERFC_A[4]), out=out)
    for coefficient in _ERFC_A[3::-1]:  # Horner: P(t)/2, written into out
        out += f32(0.5 * coefficient)
        out *= t
    out *= e
    np.minimum(a, f32(1e4), out=a)  # beyond |x| = 1e4 erfc is 0 in float32: keeps 0·inf from giving NaN
    out *= a  # |x|·erfc(z)/2
    np.maximum(x, f32(0.0), out=a)
    np.subtract(a, out, out=out)


__all__ = ["conv2d", "gelu", "im2col_conv2d", "scaled_dot_product_attention"]
