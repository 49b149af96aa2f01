"""Backend registry, selection order, plugins and lazy imports."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Iterator
from importlib import metadata

import numpy as np
import pytest

import dotkit
from dotkit import backends
from dotkit.errors import BackendError, BackendNotInstalledError, DotkitError

BACKENDS = dotkit.available_backends()


def test_numpy_always_available() -> None:
    assert dotkit.available_backends()[0] == "numpy"


def test_import_does_not_import_optional_libraries() -> None:
    code = (
        "import sys, dotkit, dotkit.nn, dotkit.exercises;"
        "bad = [m for m in ('mlx', 'scipy', 'ipywidgets', 'matplotlib', 'torch') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_unknown_name_lists_installed() -> None:
    with pytest.raises(BackendError, match="unknown backend 'nope'; installed: numpy") as info:
        dotkit.get_backend("nope")
    assert isinstance(info.value, ValueError) and isinstance(info.value, DotkitError)


def test_missing_library_gives_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    class Ghost(backends.Backend):
        name = "ghost"
        array_module = "ghost_lib_not_installed"
        install_hint = "pip install ghost-lib"

        def _import(self):
            import ghost_lib_not_installed  # noqa: F401

    monkeypatch.setitem(backends._registry(), "ghost", Ghost)
    with pytest.raises(BackendNotInstalledError, match="pip install ghost-lib") as info:
        dotkit.get_backend("ghost")
    assert isinstance(info.value, ImportError)
    assert "ghost" not in dotkit.available_backends()


def test_selection_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOTKIT_BACKEND", "numpy")
    assert dotkit.get_backend().name == "numpy"
    if "mlx" in dotkit.available_backends():
        monkeypatch.setenv("DOTKIT_BACKEND", "mlx")
        assert dotkit.get_backend().name == "mlx"
        with dotkit.use_backend("numpy"):  # context beats the environment
            assert dotkit.get_backend().name == "numpy"
            import mlx.core as mx

            # the inputs' type beats the context ...
            assert isinstance(dotkit.dot(mx.ones(3), mx.ones(3)), mx.array)
            # ... and an explicit backend= beats the inputs
            assert isinstance(dotkit.dot(mx.ones(3), mx.ones(3), backend="numpy"), np.ndarray)


def test_unknown_name_in_the_environment_says_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOTKIT_BACKEND", "torchy")
    with pytest.raises(dotkit.errors.BackendError, match="DOTKIT_BACKEND='torchy'"):
        dotkit.dot([1.0], [2.0])
    with pytest.raises(dotkit.errors.BackendError) as info:  # an explicit name is not blamed on the variable
        dotkit.get_backend("torchy")
    assert "DOTKIT_BACKEND" not in str(info.value)


def test_auto_picks_numpy_without_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOTKIT_BACKEND", raising=False)
    bk = dotkit.get_backend("auto")
    if "mlx" in dotkit.available_backends() and dotkit.get_backend("mlx").has_gpu:
        assert bk.name == "mlx"
    else:
        assert bk.name == "numpy"


def test_use_backend_restores_on_error() -> None:
    before = dotkit.get_backend().name
    with pytest.raises(RuntimeError):
        with dotkit.use_backend("numpy"):
            raise RuntimeError
    assert dotkit.get_backend().name == before


def test_use_backend_bad_name_fails_early() -> None:
    with pytest.raises(BackendError):
        with dotkit.use_backend("nope"):
            pass  # pragma: no cover


class _BrokenEntryPoint:
    name = "broken"
    value = "broken_plugin:Backend"
    group = backends.ENTRY_POINT_GROUP

    def load(self):
        raise ImportError("broken_plugin is broken")


class _NotABackend(_BrokenEntryPoint):
    name = "notabackend"

    def load(self):
        return object


def test_broken_plugin_warns_and_others_work(monkeypatch: pytest.MonkeyPatch) -> None:
    real = metadata.entry_points

    def fake(**kw):
        found = list(real(**kw))
        return found + [_BrokenEntryPoint(), _NotABackend()]

    monkeypatch.setattr(metadata, "entry_points", fake)
    backends._registry.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            names = dotkit.available_backends()
        messages = " ".join(str(w.message) for w in caught)
        assert "'broken'" in messages and "failed to load" in messages
        assert "not a dotkit.backends.Backend subclass" in messages
        assert "numpy" in names and "broken" not in names
        assert int(dotkit.dot([1, 2], [3, 4], backend="numpy")) == 11
    finally:
        backends._registry.cache_clear()


def test_builtins_are_registered_through_entry_points() -> None:
    names = {ep.name for ep in metadata.entry_points(group=backends.ENTRY_POINT_GROUP)}
    assert {"numpy", "mlx"} <= names


def test_backend_of() -> None:
    assert backends.backend_of(np.ones(2)) == "numpy"
    assert backends.backend_of([1, 2]) is None


@pytest.mark.parametrize("spec", [np.float32, "float32", np.dtype("float32")])
def test_asarray_takes_numpy_dtypes_and_names_on_every_backend(backend, spec) -> None:
    x = dotkit.asarray([1.0, 2.0], dtype=spec, backend=backend)
    assert backend.owns(x) and x.dtype == backend.float32
    assert backend.dtype(spec) == backend.float32


def test_an_unknown_dtype_is_a_clear_error(backend) -> None:
    with pytest.raises(TypeError, match=r"asarray: dtype='float99' is not a dtype of the"):
        dotkit.asarray([1.0], dtype="float99", backend=backend)


# -- the door: NumPy data moves onto the selected backend -------------------------------------------
@pytest.fixture
def strict() -> Iterator[dotkit.backends.Backend]:
    """The test-only backend over array_api_strict, registered for one test and then forgotten."""
    pytest.importorskip("array_api_strict")
    from dotkit.testing.strict import ArrayApiStrictBackend

    backends = dotkit.backends
    backends.register_backend(ArrayApiStrictBackend)
    yield dotkit.get_backend("array-api-strict")
    backends._registered.pop("array-api-strict")
    backends._instances.pop("array-api-strict", None)
    backends.refresh_backends()


def test_numpy_arrays_lists_and_scalars_move_onto_the_selected_backend(
    monkeypatch: pytest.MonkeyPatch, strict: dotkit.backends.Backend
) -> None:
    bk = strict  # a second backend that is always there in the tests
    with dotkit.use_backend("array-api-strict"):
        for a in (np.arange(3.0), [0.0, 1.0, 2.0], (0.0, 1.0, 2.0)):
            out = dotkit.dot(a, np.ones(3))
            assert bk.owns(out) and float(bk.to_numpy(out)) == 3.0
        assert bk.owns(dotkit.matmul(np.eye(2), np.ones((2, 2))))
        assert bk.owns(dotkit.softmax(np.zeros(2)))
        assert bk.owns(dotkit.asarray(np.float32(2.0)))
        # backend= still wins
        assert isinstance(dotkit.dot(np.ones(2), np.ones(2), backend="numpy"), np.ndarray)
    monkeypatch.setenv("DOTKIT_BACKEND", "array-api-strict")
    assert bk.owns(dotkit.dot(np.ones(2), np.ones(2)))
    assert bk.owns(dotkit.norm(np.ones(2)))


def test_an_array_of_another_backend_inside_a_block_is_an_error(strict: dotkit.backends.Backend) -> None:
    bk = strict
    if "mlx" not in dotkit.available_backends():
        pytest.skip("needs MLX as well")
    import mlx.core as mx

    with dotkit.use_backend("mlx"), pytest.raises(dotkit.errors.BackendError, match="dot: array-api-strict arrays"):
        dotkit.dot(bk.asarray(np.ones(2)), bk.asarray(np.ones(2)))
    with dotkit.use_backend("array-api-strict"):
        with pytest.raises(dotkit.errors.BackendError, match="cannot be mixed"):  # two non-NumPy backends
            dotkit.dot(bk.asarray(np.ones(2)), mx.ones(2))
        with pytest.raises(dotkit.errors.BackendError, match="mlx arrays were passed"):
            dotkit.dot(mx.ones(2), mx.ones(2))
    # a NumPy array next to an MLX array: moved only where MLX is selected
    with pytest.raises(dotkit.errors.BackendError, match="cannot be mixed"):
        dotkit.dot(np.ones(2), mx.ones(2))
    with dotkit.use_backend("mlx"):
        assert isinstance(dotkit.dot(np.ones(2), mx.ones(2)), mx.array)


def test_asarray_and_the_mlp_take_numpy_dtypes_and_names() -> None:
    from dotkit.models.mlp import MLP

    for name in BACKENDS:
        bk = dotkit.get_backend(name)
        for spec in (np.float32, "float32", np.dtype("float32")):
            x = dotkit.asarray([1, 2], dtype=spec, backend=name)
            assert bk.owns(x) and x.dtype == bk.dtype("float32")
            net = MLP([3, 2], dtype=spec, backend=name)
            assert net.weights[0].dtype == bk.dtype("float32")
    with pytest.raises(dotkit.errors.DtypeError, match="MLP: dtype must be a floating dtype"):
        MLP([3, 2], dtype="int32", backend="numpy")
    with pytest.raises(dotkit.errors.DtypeError, match="asarray: dtype='float7'"):
        dotkit.asarray([1.0], dtype="float7", backend="numpy")


def test_dot_of_two_vectors_is_a_0d_array_on_every_backend() -> None:
    for name in BACKENDS:
        bk = dotkit.get_backend(name)
        for a in ([1.0, 2.0], np.array([1.0, 2.0]), np.array([1, 2]), bk.asarray(np.array([1.0, 2.0]))):
            out = dotkit.dot(a, a, backend=name)
            assert bk.owns(out) and tuple(out.shape) == (), (name, type(out))


def test_the_base_class_extras_work_on_a_strict_namespace(strict: dotkit.backends.Backend) -> None:
    """The defaults every backend inherits use only the standard (or NumPy where it has nothing)."""
    import math

    bk = strict
    x = bk.asarray(np.array([-1.0, 0.0, 0.5, 2.0]))
    assert np.allclose(bk.to_numpy(bk.erf(x)), [math.erf(v) for v in (-1.0, 0.0, 0.5, 2.0)])
    assert sorted(bk.to_numpy(bk.top_k(x, 2)).tolist()) == [2, 3]
    assert sorted(bk.to_numpy(bk.top_k(x, 1)).tolist()) == [3]
    added = bk.scatter_add(bk.asarray(np.zeros((3, 2))), bk.asarray(np.array([0, 2, 0])), bk.asarray(np.ones((3, 2))))
    assert bk.owns(added) and bk.to_numpy(added).tolist() == [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]]
    a = bk.asarray(np.array([[2.0, 0.0], [0.0, 4.0]]))
    assert bk.to_numpy(bk.solve(a, bk.asarray(np.ones((2, 1))))).ravel().tolist() == [0.5, 0.25]
    assert bk.size(a) == 4 and bk.dtype_kind(a) == "f" and bk.dtype_kind(x > 0) == "b"
    assert bk.dtype_kind(bk.asarray(np.array([1], dtype=np.int32))) == "i"
    assert np.array_equal(bk.to_numpy(bk.seeded_normal(3, (2,))), np.random.default_rng(3).standard_normal(2))
    assert bk.float16 is None and not bk.is_half(x)  # the standard has no half precision
    assert bk.cast(x, bk.xp.float64) is x and bk.cast(x, bk.xp.float32).dtype == bk.xp.float32
    with pytest.raises(NotImplementedError, match="no strided views"):
        bk.sliding_windows(x, (2,), (1,))
    with pytest.raises(TypeError, match="no float16 dtype"):
        bk.dtype("float16")
    assert bk.describe().startswith("array-api-strict")


def test_a_backend_without_float64_gets_float32_data() -> None:
    class NoFloat64(type(dotkit.get_backend("numpy"))):
        name = "numpy-no-f64"
        supports_float64 = False

        def asarray(self, x, dtype=None):  # the base class's conversion, not NumPy's shortcut
            return dotkit.backends.Backend.asarray(self, x, dtype)

    bk = NoFloat64()
    assert bk.asarray([1.0, 2.0]).dtype == np.float32
    assert bk.asarray(np.array([1, 2])).dtype.kind == "i"
    with pytest.raises(TypeError, match="no float64"):
        bk.dtype(np.float64)
