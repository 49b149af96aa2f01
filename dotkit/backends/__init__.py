"""Backend registry and selection.

Backends are found through the ``dotkit.backends`` entry-point group; the
built-in NumPy and MLX backends are registered there too (in dotkit's own
``pyproject.toml``), with the same two names kept as a fallback for a source
checkout that was never installed. Discovery is lazy and cached: nothing is
looked up until the first call that needs a backend, and a backend's library
is imported only when that backend is first used, so ``import dotkit`` never
imports MLX. A plugin that fails to load warns and the others keep working.

Selection, most specific first:

1. an explicit ``backend=`` argument;
2. input arrays that belong to a backend other than NumPy (arrays of two such
   backends in one call are an error, never a silent copy);
3. a ``with dotkit.use_backend("mlx"):`` block (a ``ContextVar``);
4. the ``DOTKIT_BACKEND`` environment variable;
5. ``"auto"``: MLX where it has a GPU (Metal or CUDA), NumPy elsewhere.

NumPy arrays, lists and scalars belong to no one in particular: the op moves
them onto the backend chosen, so code written with NumPy runs on MLX under
``DOTKIT_BACKEND=mlx`` unchanged. Two exceptions keep a mix from passing
silently: a NumPy array next to another backend's array is moved only where an
explicit ``backend=`` names a backend, or where the one selected (a block, the
environment or ``auto``) is that other backend, and an array of a third
backend inside a block that selects a non-NumPy backend is an error.

Example:
    >>> import dotkit
    >>> with dotkit.use_backend("numpy"):
    ...     dotkit.get_backend().name
    'numpy'
"""

from __future__ import annotations

import contextlib
import functools
import os
import warnings
from collections.abc import Iterator
from contextvars import ContextVar
from importlib import metadata
from typing import Any

from dotkit.backends.base import Backend
from dotkit.errors import BackendError, BackendNotInstalledError

ENTRY_POINT_GROUP = "dotkit.backends"
ENV_VAR = "DOTKIT_BACKEND"
_BUILTINS = {
    "numpy": "dotkit.backends.numpy:NumpyBackend",
    "mlx": "dotkit.backends.mlx:MlxBackend",
}

_current: ContextVar[str | None] = ContextVar("dotkit_backend", default=None)
_instances: dict[str, Backend] = {}
_registered: dict[str, type[Backend]] = {}


def _load(spec: str) -> type[Backend]:
    module_name, _, attr = spec.partition(":")
    module = __import__(module_name, fromlist=[attr])
    return getattr(module, attr)


@functools.cache
def _registry() -> dict[str, type[Backend]]:
    """Name -> Backend class, built-ins merged with installed plugins (cached)."""
    found: dict[str, type[Backend]] = {}
    for name, spec in _BUILTINS.items():
        found[name] = _load(spec)
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _BUILTINS and ep.value == _BUILTINS[ep.name]:
            continue
        try:
            cls = ep.load()
        except Exception as exc:  # a broken plugin must not break dotkit
            warnings.warn(
                f"dotkit: the backend plugin {ep.name!r} ({ep.value}) failed to load "
                f"and is skipped: {type(exc).__name__}: {exc}",
                RuntimeWarning,
                stacklevel=2,
            )
            continue
        if not (isinstance(cls, type) and issubclass(cls, Backend)):
            warnings.warn(
                f"dotkit: the backend plugin {ep.name!r} ({ep.value}) is not a "
                "dotkit.backends.Backend subclass and is skipped",
                RuntimeWarning,
                stacklevel=2,
            )
            continue
        found[ep.name] = cls
    found.update(_registered)
    return found


def register_backend(cls: type[Backend]) -> type[Backend]:
    """Register ``cls`` under ``cls.name`` in this process, as an entry point would.

    For backends that are not installed as packages: a test-only backend, or one
    tried out in a notebook before it is packaged.

    Example:
        >>> from dotkit.testing.strict import ArrayApiStrictBackend
        >>> dotkit.backends.register_backend(ArrayApiStrictBackend)  # doctest: +SKIP
        >>> dotkit.dot([1.0, 2.0], [3.0, 4.0], backend="array-api-strict")  # doctest: +SKIP
        Array(11., dtype=array_api_strict.float64)
    """
    if not (isinstance(cls, type) and issubclass(cls, Backend)) or not cls.name:
        raise BackendError(f"register_backend: expected a named dotkit.backends.Backend subclass; received {cls!r}")
    _registered[cls.name] = cls
    _registry.cache_clear()
    _auto.cache_clear()
    _owner_by_type.clear()
    return cls


def known_backends() -> list[str]:
    """Every registered backend name, installed or not."""
    return sorted(_registry())


def available_backends() -> list[str]:
    """Names of the backends whose library is installed, NumPy first.

    Example:
        >>> "numpy" in dotkit.available_backends()
        True
    """
    names = [n for n, cls in _registry().items() if cls.is_installed()]
    return sorted(names, key=lambda n: (n != "numpy", n))


@functools.cache
def _auto() -> str:
    if "mlx" in _registry() and _registry()["mlx"].is_installed():
        try:
            if get_backend("mlx").has_gpu:
                return "mlx"
        except ImportError:  # pragma: no cover - a broken MLX install
            pass
    return "numpy"


def _env_reader() -> Any:
    """The raw value of ``DOTKIT_BACKEND`` (None when unset), read live: ``%dotkit backend`` sets it at run time.

    ``os.environ.get`` of a missing key costs about 0.7 µs (a ``KeyError`` raised and
    caught inside the mapping): more than the whole of a small ``dk.dot``. CPython's
    ``os.environ`` keeps its items in ``_data`` under ``encodekey(name)``, and every
    change made through ``os.environ`` (or ``monkeypatch.setenv``) lands there, so a
    plain dict lookup reads the same value. Elsewhere the mapping is used as it is.
    """
    data, encode = getattr(os.environ, "_data", None), getattr(os.environ, "encodekey", None)
    if not isinstance(data, dict) or encode is None:  # pragma: no cover - not CPython's os.environ
        return lambda: os.environ.get(ENV_VAR)
    return functools.partial(data.get, encode(ENV_VAR))


_read_env = _env_reader()
#: raw DOTKIT_BACKEND value -> the name it asks for ("auto" when unset or blank)
_env_names: dict[Any, str] = {}


def _requested_name() -> str:
    name = _current.get()
    if name is None:
        raw = _read_env()
        name = _env_names.get(raw)
        if name is None:
            text = "" if raw is None else os.fsdecode(raw)
            name = _env_names.setdefault(raw, text.strip() or "auto")
    return name


def selected_name() -> str:
    """The name of the backend in force (``use_backend``, ``DOTKIT_BACKEND``, then ``"auto"`` resolved).

    Cheap enough for every call of an op: nothing is imported or instantiated.

    Example:
        >>> with dotkit.use_backend("numpy"):
        ...     dotkit.backends.selected_name()
        'numpy'
    """
    name = _current.get()
    if name is None:  # the common case, inlined: this runs on every call of an op
        raw = _read_env()
        name = _selected_by_env.get(raw)
        if name is None:
            name = _selected_by_env.setdefault(raw, _requested_name().lower())
    else:
        name = name.lower()
    return _auto() if name == "auto" else name


#: raw DOTKIT_BACKEND value -> the lower-case name selected_name reads from it
_selected_by_env: dict[Any, str] = {}


def get_backend(name: str | Backend | None = None) -> Backend:
    """The backend called ``name``, or the one in force when ``name`` is None.

    Args:
        name: a registered name, ``"auto"``, a Backend instance, or None for
            the current one (``use_backend`` block, then ``DOTKIT_BACKEND``,
            then ``"auto"``).

    Raises:
        BackendError: an unknown name; the message lists what is installed.
        BackendNotInstalledError: a known backend whose library is missing;
            the message gives the install command.

    Example:
        >>> dotkit.get_backend("numpy")
        <dotkit backend 'numpy'>
    """
    if isinstance(name, Backend):
        return name
    source = ""
    if name is None:
        name = _requested_name()
        if _current.get() is None and os.environ.get(ENV_VAR, "").strip():
            source = f" (from the environment variable {ENV_VAR}={name!r}; unset it or pick an installed name)"
    if not isinstance(name, str):
        raise BackendError(f"get_backend: expected a backend name; received {type(name).__name__}")
    key = name.strip().lower()
    if key == "auto":
        key = _auto()
    if key in _instances:
        return _instances[key]
    _owner_by_type.clear()
    registry = _registry()
    if key not in registry:
        raise BackendError(
            f"get_backend: unknown backend {name!r}; installed: {', '.join(available_backends())}"
            f" (registered: {', '.join(known_backends())}). Third-party backends register "
            f"through the {ENTRY_POINT_GROUP!r} entry-point group.{source}"
        )
    cls = registry[key]
    try:
        instance = cls()
    except ImportError as exc:
        raise BackendNotInstalledError(
            f"get_backend: the {key!r} backend needs {cls.array_module!r}, which is not "
            f"installed ({exc}). Install it with: {cls.install_hint}"
        ) from exc
    _instances[key] = instance
    return instance


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[Backend]:
    """Use backend ``name`` for the calls inside the ``with`` block.

    The choice lives in a ``ContextVar``, so threads and asyncio tasks each
    keep their own. NumPy arrays, lists and scalars passed to an op inside the
    block are moved onto this backend; arrays of another non-NumPy backend are
    an error (unless the block selects NumPy: then they decide for themselves).

    Example:
        >>> with dotkit.use_backend("numpy") as bk:
        ...     bk.name
        'numpy'
    """
    backend = get_backend(name)  # fail early on a bad name
    token = _current.set(backend.name)
    try:
        yield backend
    finally:
        _current.reset(token)


_owner_by_type: dict[type, str | None] = {}


def backend_of(x: Any) -> str | None:
    """Name of the backend that owns array ``x``, or None for lists and scalars."""
    kind = type(x)
    try:
        return _owner_by_type[kind]
    except KeyError:
        pass
    owner = next((name for name, cls in _registry().items() if cls.owns(x)), None)
    _owner_by_type[kind] = owner
    return owner


def refresh_backends() -> list[str]:
    """Read the ``dotkit.backends`` entry points again; the backends now available.

    Discovery is cached for the life of the process, so a plugin installed
    while a session runs (a ``pip install`` from a notebook) appears only after
    this call. Backends already in use keep their instances.

    Example:
        >>> "numpy" in dotkit.backends.refresh_backends()
        True
    """
    import importlib

    importlib.invalidate_caches()
    _registry.cache_clear()
    _auto.cache_clear()
    _owner_by_type.clear()
    return available_backends()


__all__ = [
    "Backend",
    "ENTRY_POINT_GROUP",
    "available_backends",
    "backend_of",
    "get_backend",
    "known_backends",
    "refresh_backends",
    "register_backend",
    "selected_name",
    "use_backend",
]
