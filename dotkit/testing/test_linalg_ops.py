"""Dot products and what is built from them, against NumPy float64."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dotkit as dk
from dotkit.testing.compare import assert_close
from dotkit.testing.support import DTYPES, Draw, dtype_name

pytestmark = pytest.mark.dotkit_op("linalg")


@pytest.mark.parametrize("dtype", DTYPES)
def test_dot_of_two_vectors_is_a_0d_array(dotkit_backend: Any, dtype: str) -> None:
    draw = Draw(dotkit_backend, dtype)
    (a, a64), (b, b64) = draw(37), draw(37)
    out = dk.dot(a, b)
    assert tuple(out.shape) == () and dtype_name(out) == dtype
    assert_close(dotkit_backend, out, a64 @ b64, dtype, "dot")


@pytest.mark.parametrize("dtype", DTYPES)
def test_dot_broadcasts_leading_axes(dotkit_backend: Any, dtype: str) -> None:
    draw = Draw(dotkit_backend, dtype, seed=1)
    (a, a64), (b, b64) = draw(4, 5, 9), draw(5, 9)
    assert_close(dotkit_backend, dk.dot(a, b), np.einsum("...i,...i->...", a64, b64), dtype, "batched dot")


def test_dot_of_integers_is_exact(dotkit_backend: Any) -> None:
    a = dotkit_backend.asarray(np.array([3, -1, 4, 1, 5], dtype=np.int32))
    out = dk.dot(a, a)
    assert dotkit_backend.dtype_kind(out) in "iu"
    assert int(dotkit_backend.to_numpy(out)) == 52


@pytest.mark.parametrize("dtype", ("float64", "float32"))
def test_norm_cosine_angle_project(dotkit_backend: Any, dtype: str) -> None:
    draw = Draw(dotkit_backend, dtype, seed=2)
    (a, a64), (b, b64) = draw(3, 11), draw(3, 11)
    bk = dotkit_backend
    n64 = np.sqrt(np.sum(a64 * a64, axis=-1))
    cos64 = np.sum(a64 * b64, axis=-1) / (n64 * np.sqrt(np.sum(b64 * b64, axis=-1)))
    assert_close(bk, dk.norm(a), n64, dtype, "norm")
    assert_close(bk, dk.norm(a, axis=0, keepdims=True), np.sqrt(np.sum(a64 * a64, axis=0, keepdims=True)),
                 dtype, "norm(axis=0, keepdims=True)")
    assert_close(bk, dk.cosine_similarity(a, b), cos64, dtype, "cosine_similarity")
    assert_close(bk, dk.angle(a, b, degrees=True), np.degrees(np.arccos(cos64)), dtype, "angle")
    proj64 = (np.sum(a64 * b64, axis=-1) / np.sum(b64 * b64, axis=-1))[:, None] * b64
    assert_close(bk, dk.project(a, b), proj64, dtype, "project")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape_a", "shape_b"), [((6, 8), (8, 5)), ((3, 6, 8), (8, 5)), ((6, 8), (8,))])
def test_matmul(dotkit_backend: Any, dtype: str, shape_a: tuple, shape_b: tuple) -> None:
    draw = Draw(dotkit_backend, dtype, seed=3)
    (a, a64), (b, b64) = draw(*shape_a), draw(*shape_b)
    out = dk.matmul(a, b)
    assert dtype_name(out) == dtype
    assert_close(dotkit_backend, out, a64 @ b64, dtype, f"matmul {shape_a} @ {shape_b}")


@pytest.mark.parametrize("metric", ("cosine", "dot"))
def test_top_k_similar(dotkit_backend: Any, metric: str) -> None:
    draw = Draw(dotkit_backend, "float32", seed=4)
    (q, q64), (keys, k64) = draw(2, 6), draw(40, 6)
    scores = k64 @ q64.T
    if metric == "cosine":
        scores = scores / np.linalg.norm(k64, axis=1)[:, None] / np.linalg.norm(q64, axis=1)[None, :]
    want = np.argsort(-scores.T, axis=1)[:, :5]
    found = dk.top_k_similar(q, keys, k=5, metric=metric)
    assert np.array_equal(dotkit_backend.to_numpy(found.indices), want)
    assert_close(dotkit_backend, found.scores, np.take_along_axis(scores.T, want, axis=1), "float32", "top_k scores")
