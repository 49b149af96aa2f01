"""Hostile inputs for dotkit.linalg and the backend registry."""

from __future__ import annotations

import contextvars
import math
import os

import numpy as np

import dotkit as dk
from hostile.spec import Equals, Raises, Satisfies, backend, case, f64, junk_cases

NAN, INF = math.nan, math.inf
V3 = np.array([1.0, 2.0, 3.0])


def _env(var: str, value: str, call):
    old = os.environ.get(var)
    os.environ[var] = value
    try:
        return call()
    finally:
        if old is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = old


# --- junk in every array argument -----------------------------------------------------------
for name, f in [
    ("dot", dk.dot),
    ("cosine_similarity", dk.cosine_similarity),
    ("angle", dk.angle),
    ("project", dk.project),
    ("matmul", dk.matmul),
]:
    second = "onto" if name == "project" else "b"
    junk_cases(f"linalg.{name}", name, "a", lambda v, f=f: f(v, V3))
    junk_cases(f"linalg.{name}", name, second, lambda v, f=f: f(V3, v))
junk_cases("linalg.norm", "norm", "x", lambda v: dk.norm(v))
junk_cases("linalg.top_k_similar", "top_k_similar", "query", lambda v: dk.top_k_similar(v, np.eye(3), k=1))
junk_cases("linalg.top_k_similar", "top_k_similar", "keys", lambda v: dk.top_k_similar(V3, v, k=1))
junk_cases(
    "linalg.asarray",
    "asarray",
    "x",
    lambda v: dk.asarray(v),
    kinds=["none", "string", "object", "ragged", "datetime", "masked", "holey"],
)

# --- dot ---------------------------------------------------------------------------------------
case("linalg.dot.length-mismatch", lambda: dk.dot([1, 2, 3], [4, 5]), Raises(ValueError, "dot", ("a.shape", "b.shape")))
case("linalg.dot.empty", lambda: dk.dot(np.zeros(0), np.zeros(0)), Equals(lambda: 0.0))
case("linalg.dot.nan-propagates", lambda: dk.dot([NAN, 1.0], [1.0, 1.0]), Equals(lambda: NAN))
case("linalg.dot.overflow-is-inf", lambda: dk.dot([1e200, 1e200], [1e200, 1e200]), Equals(lambda: INF))
case(
    "linalg.dot.float16-accumulates-wide",
    lambda: dk.dot(np.full(4096, 2, np.float16), np.full(4096, 2, np.float16)),
    Equals(lambda: 16384.0, rtol=1e-3),
)
case(
    "linalg.dot.float16-many-small",
    lambda: dk.dot(np.full(20000, 0.01, np.float16), np.ones(20000, np.float16)),
    Equals(lambda: 20000 * float(np.float16(0.01)), rtol=2e-3),
)
case("linalg.dot.bool", lambda: dk.dot([True, True], [True, False]), Equals(lambda: 1.0))
case("linalg.dot.int", lambda: dk.dot([1, 2, 3], [4, 5, 6]), Equals(lambda: 32.0))
case("linalg.dot.scalar", lambda: dk.dot(3.0, 4.0), Raises(ValueError, "dot", "a"))
case("linalg.dot.longdouble", lambda: dk.dot(np.ones(3, np.longdouble), np.ones(3)), Equals(lambda: 3.0))
case(
    "linalg.dot.broadcast-runaway",
    lambda: dk.dot(np.zeros((10**5, 1, 100), np.float32), np.zeros((1, 10**5, 100), np.float32)),
    Raises(MemoryError, "dot", "GiB"),
    timeout=5,
)
case(
    "linalg.dot.denormals",
    lambda: dk.dot(np.full(2, 1e-20, np.float32), np.full(2, 1e-20, np.float32)),
    Equals(lambda: 2e-40, rtol=1e-2, atol=0),
)
case(
    "linalg.dot.mixed-backends",
    lambda: dk.dot(dk.asarray(V3, backend="mlx"), V3),
    Raises(ValueError, "dot", None),
    backends=["numpy"],  # inside use_backend("mlx") a NumPy array is moved to MLX at the door, as designed
)
case(
    "linalg.dot.unknown-backend", lambda: dk.dot(V3, V3, backend="tensorflowx"), Raises(ValueError, "tensorflowx", None)
)
case("linalg.dot.backend-int", lambda: dk.dot(V3, V3, backend=3), Raises(ValueError, "backend", None))

# --- matmul ------------------------------------------------------------------------------------
case(
    "linalg.matmul.inner-mismatch",
    lambda: dk.matmul(np.ones((2, 3)), np.ones((2, 3))),
    Raises(ValueError, "matmul", ("a.shape", "b.shape")),
)
case(
    "linalg.matmul.runaway",
    lambda: dk.matmul(np.ones((10**5, 4), np.float32), np.ones((4, 10**5), np.float32)),
    Raises(MemoryError, "matmul", "GiB"),
    timeout=5,
)
case(
    "linalg.matmul.batch-runaway",
    lambda: dk.matmul(np.ones((3000, 1, 200, 2), np.float32), np.ones((1, 3000, 2, 200), np.float32)),
    Raises(MemoryError, "matmul", "GiB"),
    timeout=5,
)
case("linalg.matmul.empty-inner", lambda: dk.matmul(np.ones((2, 0)), np.ones((0, 3))), Equals(lambda: np.zeros((2, 3))))
case("linalg.matmul.nan", lambda: dk.matmul([[NAN, 1.0]], [[1.0], [1.0]]), Equals(lambda: [[NAN]]))
case(
    "linalg.matmul.float16",
    lambda: dk.matmul(np.full((1, 4096), 2, np.float16), np.full((4096, 1), 2, np.float16)),
    Equals(lambda: [[16384.0]], rtol=1e-3),
)
case("linalg.matmul.scalar", lambda: dk.matmul(2.0, 3.0), Raises(ValueError, "matmul", "a"))

# --- norm --------------------------------------------------------------------------------------
case("linalg.norm.huge", lambda: dk.norm([1e200, 1e200]), Equals(lambda: math.sqrt(2) * 1e200 if f64() else INF))
case(
    "linalg.norm.huge-float32",
    lambda: dk.norm(np.array([1e30, 1e30], np.float32)),
    Equals(lambda: math.sqrt(2) * 1e30, rtol=1e-5),
)
case(
    "linalg.norm.tiny-float32",
    lambda: dk.norm(np.array([1e-30, 1e-30], np.float32)),
    Equals(lambda: math.sqrt(2) * 1e-30, rtol=1e-5, atol=0),
)
case(
    "linalg.norm.denormal-float64",
    lambda: dk.norm([1e-310, 1e-310]),
    Equals(lambda: math.hypot(1e-310, 1e-310), atol=0),
    backends=["numpy"],
)
case("linalg.norm.float16-overflow", lambda: dk.norm(np.full(4096, 8, np.float16)), Equals(lambda: 512.0, rtol=1e-3))
case("linalg.norm.inf", lambda: dk.norm([INF, 1.0]), Equals(lambda: INF))
case("linalg.norm.nan", lambda: dk.norm([NAN, 1.0]), Equals(lambda: NAN))
case("linalg.norm.empty", lambda: dk.norm(np.zeros(0)), Equals(lambda: 0.0))
case("linalg.norm.int", lambda: dk.norm([3, 4]), Equals(lambda: 5.0))
case("linalg.norm.axis-out-of-range", lambda: dk.norm(V3, axis=5), Raises(ValueError, "norm", "axis"))
case("linalg.norm.axis-string", lambda: dk.norm(V3, axis="0"), Raises(ValueError, "norm", "axis"))
case("linalg.norm.axis-float", lambda: dk.norm(V3, axis=0.0), Raises(ValueError, "norm", "axis"))
case("linalg.norm.axis-rows", lambda: dk.norm(np.array([[3.0, 4.0], [6.0, 8.0]]), axis=1), Equals(lambda: [5.0, 10.0]))
case("linalg.norm.scalar", lambda: dk.norm(-3.0), Raises(ValueError, "norm", "x"))

# --- cosine, angle, project ----------------------------------------------------------------------
# A zero vector has no direction: the cosine is undefined, and NaN says so.
case("linalg.cosine.zero-vector", lambda: dk.cosine_similarity([0.0, 0.0], [1.0, 0.0]), Equals(lambda: NAN))
case("linalg.cosine.inf-entry", lambda: dk.cosine_similarity([INF, 1.0], [1.0, 0.0]), Equals(lambda: 1.0))
case(
    "linalg.cosine.overflowing-product",
    lambda: dk.cosine_similarity([1e200, 1e200], [1e200, -1e200]),
    Equals(lambda: 0.0, atol=1e-6),
)
case(
    "linalg.cosine.float16-self",
    lambda: dk.cosine_similarity(np.full(4096, 8, np.float16), np.full(4096, 8, np.float16)),
    Equals(lambda: 1.0, rtol=1e-3),
)
case(
    "linalg.cosine.float32-large",
    lambda: dk.cosine_similarity(np.full(3, 1e25, np.float32), np.full(3, 1e25, np.float32)),
    Equals(lambda: 1.0, rtol=1e-5),
)
case(
    "linalg.cosine.tiny-float32",
    lambda: dk.cosine_similarity(np.full(3, 1e-25, np.float32), np.full(3, 1e-25, np.float32)),
    Equals(lambda: 1.0, rtol=1e-5),
)
case("linalg.cosine.nan", lambda: dk.cosine_similarity([NAN, 1.0], [1.0, 0.0]), Equals(lambda: NAN))
case(
    "linalg.cosine.length-mismatch",
    lambda: dk.cosine_similarity([1.0, 2.0], V3),
    Raises(ValueError, "cosine_similarity", ("a.shape", "b.shape")),
)
case(
    "linalg.cosine.bounded",
    lambda: dk.cosine_similarity([1.0, 1e-8], [1.0, 1e-8]),
    Equals(lambda: 1.0, rtol=0, atol=1e-7),
)
case(
    "linalg.angle.parallel",
    lambda: dk.angle([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]),
    Equals(lambda: 0.0, atol=1e-3 if f64() else 1e-3),
)
case(
    "linalg.angle.tiny",
    lambda: dk.angle([1.0, 0.0], [1.0, 1e-9]),
    Equals(lambda: 1e-9, rtol=1e-3, atol=0),
    backends=["numpy"],
)
case("linalg.angle.degrees", lambda: dk.angle([1.0, 0.0], [0.0, 1.0], degrees=True), Equals(lambda: 90.0, rtol=1e-6))
case(
    "linalg.angle.degrees-string",
    lambda: dk.angle([1.0, 0.0], [0.0, 1.0], degrees="no"),
    Raises(TypeError, "angle", "degrees"),
)
case("linalg.angle.zero", lambda: dk.angle([0.0, 0.0], [0.0, 1.0]), Equals(lambda: NAN))
case("linalg.angle.opposite", lambda: dk.angle([1.0, 0.0], [-3.0, 0.0]), Equals(lambda: math.pi, rtol=1e-6))
case("linalg.angle.inf", lambda: dk.angle([INF, 0.0], [1.0, 1.0]), Equals(lambda: math.pi / 4, rtol=1e-6))
case("linalg.project.onto-zero", lambda: dk.project([1.0, 1.0], [0.0, 0.0]), Raises(ValueError, "project", "onto"))
case("linalg.project.onto-inf", lambda: dk.project([1.0, 1.0], [INF, 0.0]), Equals(lambda: [1.0, 0.0]))
case(
    "linalg.project.huge",
    lambda: dk.project([1e200, 1e200], [1e200, 0.0]),
    Equals(lambda: [1e200, 0.0] if f64() else [INF, 0.0]),
)
case(
    "linalg.project.mismatch",
    lambda: dk.project([1.0, 1.0], V3),
    Raises(ValueError, "project", ("a.shape", "onto.shape")),
)
case("linalg.project.int", lambda: dk.project([2, 2], [0, 3]), Equals(lambda: [0.0, 2.0]))

# --- top_k_similar --------------------------------------------------------------------------------
KEYS = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
case("linalg.top_k.k-zero", lambda: dk.top_k_similar([1.0, 0.0], KEYS, k=0), Raises(ValueError, "top_k_similar", "k"))
case(
    "linalg.top_k.k-too-big", lambda: dk.top_k_similar([1.0, 0.0], KEYS, k=4), Raises(ValueError, "top_k_similar", "k")
)
case(
    "linalg.top_k.k-float", lambda: dk.top_k_similar([1.0, 0.0], KEYS, k=1.5), Raises(ValueError, "top_k_similar", "k")
)
case(
    "linalg.top_k.k-bool", lambda: dk.top_k_similar([1.0, 0.0], KEYS, k=True), Raises(ValueError, "top_k_similar", "k")
)
case(
    "linalg.top_k.k-string", lambda: dk.top_k_similar([1.0, 0.0], KEYS, k="2"), Raises(ValueError, "top_k_similar", "k")
)
case(
    "linalg.top_k.metric",
    lambda: dk.top_k_similar([1.0, 0.0], KEYS, k=1, metric="euclid"),
    Raises(ValueError, "top_k_similar", "metric"),
)
case(
    "linalg.top_k.zero-query",
    lambda: dk.top_k_similar([0.0, 0.0], KEYS, k=1),
    Raises(ValueError, "top_k_similar", "query"),
)
case("linalg.top_k.inf-query", lambda: dk.top_k_similar([INF, 0.0], KEYS, k=1).indices, Equals(lambda: [0]))
case(
    "linalg.top_k.nan-query",
    lambda: dk.top_k_similar([NAN, 0.0], KEYS, k=1),
    Raises(ValueError, "top_k_similar", "query"),
)
# a key that cannot be scored is never ranked first
case(
    "linalg.top_k.nan-key",
    lambda: dk.top_k_similar([1.0, 0.0], [[NAN, 0.0], [1.0, 0.0]], k=1).indices,
    Equals(lambda: [1]),
)
case(
    "linalg.top_k.zero-key-row",
    lambda: dk.top_k_similar([1.0, 0.0], [[0.0, 0.0], [1.0, 0.1]], k=2).indices,
    Equals(lambda: [1, 0]),
)
case(
    "linalg.top_k.dim-mismatch",
    lambda: dk.top_k_similar([1.0, 0.0, 0.0], KEYS, k=1),
    Raises(ValueError, "top_k_similar", ("query.shape", "keys.shape")),
)
case(
    "linalg.top_k.keys-1d",
    lambda: dk.top_k_similar([1.0], [1.0, 2.0], k=1),
    Raises(ValueError, "top_k_similar", "keys"),
)
case(
    "linalg.top_k.empty-keys",
    lambda: dk.top_k_similar([1.0, 0.0], np.zeros((0, 2)), k=1),
    Raises(ValueError, "top_k_similar", ("k", "keys")),
)
case(
    "linalg.top_k.dot-scores",
    lambda: dk.top_k_similar([1.0, 2.0], KEYS, k=2, metric="dot").scores,
    Equals(lambda: [3.0, 2.0]),
)
case(
    "linalg.top_k.huge-keys",
    lambda: dk.top_k_similar([1.0, 0.0], [[1e200, 0.0], [0.0, 1.0]], k=1).scores,
    Equals(lambda: [1.0], rtol=1e-6),
)

# --- asarray, backends ---------------------------------------------------------------------------
case("linalg.asarray.dtype-unknown", lambda: dk.asarray(V3, dtype="float9"), Raises(TypeError, "asarray", "dtype"))
case("linalg.asarray.unknown-backend", lambda: dk.asarray(V3, backend="cuda9"), Raises(ValueError, "cuda9", None))
case("linalg.asarray.nested-int-overflow", lambda: dk.asarray([2**70, 1]), Raises(TypeError, "asarray", "x"))
case("backends.get.unknown", lambda: dk.get_backend("nope"), Raises(ValueError, "nope", None))
case("backends.get.int", lambda: dk.get_backend(7), Raises(ValueError, "backend", None))
case("backends.use.unknown", lambda: dk.use_backend("nope").__enter__(), Raises(ValueError, "nope", None))
case(
    "backends.env.unknown",
    lambda: _env("DOTKIT_BACKEND", "nope", lambda: contextvars.Context().run(dk.get_backend).name),
    Raises(ValueError, "DOTKIT_BACKEND", None),
)
case(
    "backends.env.empty",
    lambda: _env("DOTKIT_BACKEND", "", lambda: dk.get_backend(backend()).name),
    Equals(lambda: backend()),
)
case("backends.to_numpy.string", lambda: dk.to_numpy("abc"), Raises(TypeError, "to_numpy", "x"))

# --- the memory limit a reader sets (load_image asks for it at every call) ---
for label, text in [
    ("words", "lots"),
    ("huge", "1e400"),
    ("negative", "-5GB"),
    ("two-points", "1.5.5GB"),
    ("unit", "8 parsecs"),
    ("empty-number", "GiB"),
]:
    case(
        f"memory.env-{label}",
        lambda t=text: _env(
            "DOTKIT_MEMORY_LIMIT", t, lambda: dk.datasets.load_image("camera", size=8, gray=True).shape
        ),
        Raises(MemoryError, "DOTKIT_MEMORY_LIMIT", None),
    )
case(
    "memory.env-spaces",
    lambda: _env("DOTKIT_MEMORY_LIMIT", " 1.5 GiB ", lambda: dk.datasets.load_image("camera", size=8, gray=True).shape),
    Equals(lambda: (8, 8)),
)
case(
    "memory.env-zero",
    lambda: _env("DOTKIT_MEMORY_LIMIT", "0", lambda: dk.datasets.load_image("camera", size=8, gray=True).shape),
    Raises(MemoryError, "load_image", "GiB"),
)
case(
    "memory.check_shape.huge",
    lambda: __import__("dotkit._memory", fromlist=["x"]).check_shape(
        "op", (10**9, 10**9, 10**9), 8, "a cube", "use a smaller one"
    ),
    Raises(MemoryError, "op", "GiB"),
)
case(
    "memory.array_bytes.no-overflow",
    lambda: __import__("dotkit._memory", fromlist=["x"]).array_bytes((2**40, 2**40), 8),
    Satisfies(lambda n: n == 2**83, "the exact product, 2**83"),
)
