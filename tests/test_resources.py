"""Ops that could allocate huge intermediates stay within stated memory bounds.

Peaks are measured with tracemalloc, which sees NumPy's array allocations.
The bounds are stated against what the naive formula would allocate: the
whole im2col matrix for conv2d, the whole ``(L, S)`` score matrix for attention.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import dotkit as dk
from dotkit.nn.attention import scaled_dot_product_attention as sdpa

MB = 2**20


def _peak_mb(fn) -> float:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fast", [True, False])
def test_conv2d_never_builds_the_whole_column_matrix(fast):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 64, 56, 56), dtype=np.float32)  # the ResNet layer of the bench
    w = rng.standard_normal((64, 64, 3, 3), dtype=np.float32)
    full_im2col_mb = 8 * 56 * 56 * 64 * 9 * 4 / MB  # 55 MB
    output_mb = 8 * 64 * 56 * 56 * 4 / MB  # 6 MB
    peak = _peak_mb(lambda: dk.conv2d(x, w, padding=1, fast=fast))
    # measured: 11 MB (fast path), 16 MB (generic): the output, a padded copy and chunks
    assert peak < 4 * output_mb, f"peak {peak:.1f} MB"
    assert peak < 0.5 * full_im2col_mb


def test_attention_fast_path_works_in_tiles():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, 4, 2048, 64), dtype=np.float32) for _ in range(3))
    scores_mb = 4 * 2048 * 2048 * 4 / MB  # 64 MB
    peak = _peak_mb(lambda: sdpa(q, k, v))
    assert peak < scores_mb / 4, f"peak {peak:.1f} MB"  # measured: about 6 MB


def test_chunked_attention_memory_does_not_grow_with_the_keys():
    rng = np.random.default_rng(0)
    q = rng.standard_normal((1, 4, 1024, 64), dtype=np.float32)
    peaks = {}
    for S in (2048, 8192):
        k, v = (rng.standard_normal((1, 4, S, 64), dtype=np.float32) for _ in range(2))
        peaks[S] = _peak_mb(lambda k=k, v=v: sdpa(q, k, v, chunk_size=256, fast=False))
    # O(L·(d + chunk)): four times the keys, (almost) the same peak; the plain formula
    # would need 4·1024·8192·4 B = 128 MB for the scores alone
    assert peaks[8192] < 1.3 * peaks[2048], peaks
    assert peaks[8192] < 4 * 1024 * 8192 * 4 / MB / 4, peaks
