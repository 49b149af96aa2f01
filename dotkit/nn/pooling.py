"""Max pooling: the largest value of each block of a channel, and its gradient.

A convolution layer is usually followed by a pooling layer that keeps, of each
``size × size`` block of every channel, its largest value: the picture shrinks
while the strongest responses of each filter survive.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit._inputs import as_array, resolve
from dotkit.backends import Backend
from dotkit.errors import InputValueError, ShapeError


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
    # 1 where an entry is its block's largest, else 0, in x's dtype (blocks are windows of x)
    largest = blocks == xp.max(blocks, axis=(3, 5), keepdims=True)
    winner = xp.where(largest, xp.ones_like(blocks), xp.zeros_like(blocks))
    winner = winner / xp.sum(winner, axis=(3, 5), keepdims=True)
    n, c, ho, _, wo, _ = blocks.shape
    dx = xp.reshape(winner * xp.reshape(delta, (n, c, ho, 1, wo, 1)), (n, c, ho * size, wo * size))
    h, w = x.shape[2:]
    return xp.pad(dx, [(0, 0), (0, 0), (0, h - ho * size), (0, w - wo * size)])


__all__ = ["max_pool2d", "pool_grad"]
