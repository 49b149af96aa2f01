"""Core ops on every backend, with NumPy float64 (or plain Python) as the oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import tol

import dotkit as dk
from dotkit.errors import BackendError, DtypeError, InputValueError, ShapeError


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def test_dot_matches_plain_python(backend) -> None:
    a, b = [1.5, -2.0, 3.0], [4.0, 0.5, -1.0]
    want = sum(x * y for x, y in zip(a, b))
    got = dk.to_numpy(dk.dot(a, b, backend=backend))
    assert got.shape == () and math.isclose(float(got), want, rel_tol=1e-6)


@pytest.mark.parametrize("shape_a,shape_b", [((7,), (7,)), ((4, 7), (4, 7)), ((2, 3, 5), (3, 5)), ((5,), (6, 5))])
def test_dot_batched(backend, rng, shape_a, shape_b) -> None:
    a, b = f32(rng, *shape_a), f32(rng, *shape_b)
    want = np.sum(a.astype(np.float64) * b, axis=-1)
    got = dk.to_numpy(dk.dot(dk.asarray(a, backend=backend), dk.asarray(b, backend=backend)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_dot_integers_exact(backend) -> None:
    got = dk.dot([1, 2, 3], [4, 5, 6], backend=backend)
    assert int(dk.to_numpy(got)) == 32
    assert dk.to_numpy(got).dtype.kind == "i"


def test_dot_integer_overflow_refused_or_exact(backend) -> None:
    big = np.array([2**40, 2**40], dtype=np.int64)
    with pytest.raises(InputValueError, match="cannot be summed exactly"):
        dk.dot(big, big, backend=backend)
    ok = np.array([2**20, 3], dtype=np.int64)
    if backend.supports_float64:
        assert int(dk.to_numpy(dk.dot(ok, ok, backend=backend))) == 2**40 + 9


def test_dot_float16_accumulates_in_float32(backend) -> None:
    a = np.full(4096, 0.1, dtype=np.float16)
    got = dk.to_numpy(dk.dot(a, a, backend=backend))
    naive = np.float16(0)
    for x in a:  # float16 accumulation stalls long before the true value
        naive = np.float16(naive + x * x)
    exact = 4096 * float(np.float16(0.1)) ** 2
    assert got.dtype == np.float16
    assert abs(float(got) - exact) / exact < 2e-3 < abs(float(naive) - exact) / exact


def test_matmul_2d_and_batched(backend, rng) -> None:
    for sa, sb in [((3, 4), (4, 5)), ((6, 3, 4), (6, 4, 2)), ((6, 3, 4), (4, 2)), ((3, 4), (4,))]:
        a, b = f32(rng, *sa), f32(rng, *sb)
        got = dk.to_numpy(dk.matmul(dk.asarray(a, backend=backend), dk.asarray(b, backend=backend)))
        np.testing.assert_allclose(got, a.astype(np.float64) @ b, rtol=1e-5, atol=1e-5)


def test_matmul_seed_example(backend) -> None:
    got = dk.to_numpy(dk.matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]], backend=backend))
    np.testing.assert_array_equal(got, [[19, 22], [43, 50]])


def test_norm_cosine_angle_project(backend) -> None:
    t = tol(backend)
    assert np.isclose(float(dk.to_numpy(dk.norm([3.0, 4.0], backend=backend))), 5.0, **t)
    cos = float(dk.to_numpy(dk.cosine_similarity([1.0, 0.0], [1.0, 1.0], backend=backend)))
    assert np.isclose(cos, 1 / math.sqrt(2), **t)
    deg = float(dk.to_numpy(dk.angle([1.0, 0.0], [0.0, 2.0], degrees=True, backend=backend)))
    assert np.isclose(deg, 90.0, **t)
    np.testing.assert_allclose(dk.to_numpy(dk.project([2.0, 3.0], [1.0, 0.0], backend=backend)), [2.0, 0.0], **t)


def test_norm_no_overflow(backend) -> None:
    big = 1e30 if not backend.supports_float64 else 1e200
    got = float(dk.to_numpy(dk.norm([big, big], backend=backend)))
    assert np.isclose(got, big * math.sqrt(2), rtol=1e-5)


def test_cosine_of_zero_vector_is_nan_with_warning(backend) -> None:
    with pytest.warns(RuntimeWarning, match="zero vector"):
        got = dk.to_numpy(dk.cosine_similarity([0.0, 0.0], [1.0, 2.0], backend=backend))
    assert np.isnan(got)


def test_project_onto_zero_refused(backend) -> None:
    with pytest.raises(InputValueError, match="zero vector"):
        dk.project([1.0, 2.0], [0.0, 0.0], backend=backend)


def test_top_k_equals_full_sort(backend, rng) -> None:
    keys, q = f32(rng, 500, 16), f32(rng, 16)
    for metric in ("dot", "cosine"):
        res = dk.top_k_similar(q, keys, k=10, metric=metric, backend=backend)
        scores = keys.astype(np.float64) @ q
        if metric == "cosine":
            scores = scores / np.linalg.norm(keys, axis=1) / np.linalg.norm(q)
        want = np.argsort(-scores)[:10]
        np.testing.assert_array_equal(dk.to_numpy(res.indices), want)
        np.testing.assert_allclose(dk.to_numpy(res.scores), scores[want], rtol=1e-4, atol=1e-5)


def test_top_k_batched_queries(backend, rng) -> None:
    keys, q = f32(rng, 50, 4), f32(rng, 3, 4)
    res = dk.top_k_similar(q, keys, k=3, metric="dot", backend=backend)
    want = np.argsort(-(q @ keys.T), axis=1)[:, :3]
    np.testing.assert_array_equal(dk.to_numpy(res.indices), want)


def test_softmax_stable(backend) -> None:
    got = dk.to_numpy(dk.softmax([1e4, -1e4, 0.0], backend=backend))
    assert np.all(np.isfinite(got)) and np.isclose(got.sum(), 1.0)
    np.testing.assert_allclose(dk.to_numpy(dk.softmax([1.0, 2.0, 3.0], backend=backend)),
                               np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-6)
    np.testing.assert_allclose(
        dk.to_numpy(dk.log_softmax([1.0, 2.0], backend=backend)),
        np.log(np.exp([1, 2]) / np.exp([1, 2]).sum()), rtol=1e-6)


@pytest.mark.parametrize(
    "call,error,message",
    [
        (lambda: dk.dot([1, 2, 3], [1, 2]), ShapeError,
         r"dot: expected vectors of equal length; received a.shape=\(3,\), b.shape=\(2,\)"),
        (lambda: dk.dot(3.0, [1.0]), ShapeError, r"dot: expected a with at least 1 dimension"),
        (lambda: dk.dot(np.ones((2, 3)), np.ones((4, 3))), ShapeError, "do not broadcast"),
        (lambda: dk.dot(["a", "b"], [1, 2]), DtypeError, "dot: a must contain only numbers"),
        (lambda: dk.dot([[1, 2], [3]], [1, 2]), ShapeError, "ragged"),
        (lambda: dk.dot([1, None], [1, 2]), DtypeError, "only numbers"),
        (lambda: dk.dot(None, [1, 2]), DtypeError, "a is None"),
        (lambda: dk.dot("abc", [1, 2]), DtypeError, "string"),
        (lambda: dk.dot(np.ones(2, complex), np.ones(2)), DtypeError, "must be real"),
        (lambda: dk.matmul(np.ones((2, 3)), np.ones((4, 5))), ShapeError,
         r"matmul: inner dimensions differ; received a.shape=\(2, 3\), b.shape=\(4, 5\)"),
        (lambda: dk.norm([1.0, 2.0], axis=3), ShapeError, "axis=3 is out of range"),
        (lambda: dk.top_k_similar([1.0, 2.0], np.ones((3, 2)), k=4), InputValueError, "k=4 is larger"),
        (lambda: dk.top_k_similar([1.0, 2.0], np.ones((3, 2)), k=0), InputValueError, "k must be >= 1"),
        (lambda: dk.top_k_similar([1.0], np.ones((3, 2))), ShapeError, "differ in dimension"),
        (lambda: dk.top_k_similar([1.0, 2.0], np.ones((3, 2)), metric="l2"), InputValueError, "metric"),
        (lambda: dk.softmax([1.0], axis=2), ShapeError, "softmax: axis=2"),
        (lambda: dk.get_backend(3), BackendError, "expected a backend name"),
    ],
)
def test_bad_input_clear_errors(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


def test_mixed_backends_refused() -> None:
    if "mlx" not in dk.available_backends():
        pytest.skip("MLX not installed")
    import mlx.core as mx

    with pytest.raises(BackendError, match="cannot be mixed"):
        dk.dot(np.ones(3), mx.ones(3))


def test_inputs_keep_backend_and_dtype(backend) -> None:
    x = dk.asarray(np.ones(3, dtype=np.float32), backend=backend)
    out = dk.dot(x, x)
    assert backend.owns(out) or isinstance(out, np.ndarray)  # numpy-f32 shares NumPy's array type
    assert dk.to_numpy(out).dtype == np.float32


def test_long_vector_summed_accurately(backend, rng) -> None:
    x = rng.standard_normal(1_000_003)
    want = math.fsum(float(v) * float(v) for v in x)
    got = float(dk.to_numpy(dk.dot(x, x, backend=backend)))
    rel = 1e-12 if backend.supports_float64 else 1e-5
    assert abs(got - want) / want < rel


@pytest.mark.parametrize(
    "module",
    ["dotkit.backends", "dotkit.backends.base", "dotkit.backends.numpy", "dotkit.linalg", "dotkit.nn.activations",
     "dotkit.nn.layers", "dotkit.models.mlp", "dotkit.models.cnn", "dotkit.testing.strict"],
)
def test_docstring_examples_run(module: str) -> None:
    import doctest
    import importlib

    mod = importlib.import_module(module)
    result = doctest.testmod(mod, extraglobs={"dotkit": dk, "dk": dk, "np": np, "math": math}, report=True,
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0, f"{module}: {result}"
