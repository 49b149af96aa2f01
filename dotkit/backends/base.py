"""The backend object every op is written against.

A backend is a small class: a name, the array namespace it wraps (``xp``),
conversion to and from NumPy, ``sync()`` for lazy libraries, and the few
primitives where array libraries disagree. Ops never branch on the backend's
name; they call ``bk.xp.<function>`` or one of the primitives below, and a
backend may register a *fast path* for a whole op (see :meth:`fast_path`).

The library is imported in ``__init__``, never at module import, so that a
framework nobody selected is never imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar


class Backend:
    """Base class of dotkit backends (built-in and third-party).

    Subclasses set the class attributes and implement :meth:`_import`.
    Everything else has a NumPy-flavoured default that a subclass may override.

    Example:
        >>> import dotkit
        >>> dotkit.get_backend("numpy").name
        'numpy'
    """

    #: Name used in ``get_backend(name)`` and ``DOTKIT_BACKEND``.
    name: ClassVar[str] = ""
    #: Top-level module whose arrays this backend owns (matched without importing it).
    array_module: ClassVar[str] = ""
    #: The exact command that installs the library.
    install_hint: ClassVar[str] = ""
    #: Whether float64 is supported (MLX on GPU has no float64).
    supports_float64: ClassVar[bool] = True
    #: Whether independent pieces of one op may run on Python threads, one per core
    #: (the library releases the GIL and computes eagerly; see ``dotkit._threads``).
    threads_in_parallel: ClassVar[bool] = False

    def __init__(self) -> None:
        self.xp = self._import()
        self._fast_paths: dict[str, Callable[..., Any]] = {}
        self.float32 = self.xp.float32
        self.float16 = self.xp.float16
        self.default_float = self.xp.float64 if self.supports_float64 else self.xp.float32

    # -- to implement ------------------------------------------------------
    def _import(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def is_installed(cls) -> bool:
        """Whether the library can be imported, checked without importing it."""
        import importlib.util

        return importlib.util.find_spec(cls.array_module) is not None

    @property
    def has_gpu(self) -> bool:
        """Whether this backend computes on an accelerator here."""
        return False

    def describe(self) -> str:
        """One line: library, version and device."""
        return f"{self.name} {getattr(self.xp, '__version__', '')} on cpu".strip()

    # -- ownership and conversion ------------------------------------------
    @classmethod
    def owns(cls, x: Any) -> bool:
        """Whether ``x`` is an array of this backend (checked by type, no import)."""
        module = type(x).__module__ or ""
        return module == cls.array_module or module.startswith(cls.array_module + ".")

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        return self.xp.asarray(x) if dtype is None else self.xp.asarray(x, dtype=dtype)

    def to_numpy(self, x: Any) -> Any:
        import numpy as np

        return np.asarray(x)

    def sync(self, *arrays: Any) -> None:
        """Wait until ``arrays`` are computed. A no-op for eager libraries."""

    def cast(self, x: Any, dtype: Any) -> Any:
        """``x`` in ``dtype`` (a dtype of this backend), without a copy when it already is.

        ``xp.astype`` is the Array API standard's spelling; kernels call this,
        never the array method ``x.astype`` (PyTorch tensors have none).
        """
        return x if x.dtype == dtype else self.xp.astype(x, dtype)

    def dtype(self, spec: Any) -> Any:
        """This backend's dtype for ``spec``: one of its own, a NumPy dtype or a name like ``"float32"``.

        Example:
            >>> dotkit.get_backend("numpy").dtype("float32")
            <class 'numpy.float32'>
        """
        import numpy as np

        if isinstance(spec, str) or isinstance(spec, np.dtype) or (isinstance(spec, type) and issubclass(
                spec, np.generic)):
            name = np.dtype(spec).name
            found = getattr(self.xp, name, None)
            if found is None:
                raise TypeError(f"the {self.name} backend has no {name} dtype")
            return found
        return spec

    # -- dtype questions ----------------------------------------------------
    def dtype_kind(self, x: Any) -> str:
        """One of ``'b'`` (bool), ``'i'`` (signed), ``'u'`` (unsigned), ``'f'``, ``'c'``, ``'O'``."""
        import numpy as np

        return np.dtype(x.dtype).kind

    def is_half(self, x: Any) -> bool:
        return x.dtype == self.xp.float16

    # -- primitives where libraries differ ----------------------------------
    def vecdot(self, a: Any, b: Any) -> Any:
        """Dot product over the last axis, broadcasting the leading ones."""
        return self.xp.vecdot(a, b)

    def erf(self, x: Any) -> Any:
        return self.xp.erf(x)

    def argpartition_top(self, scores: Any, k: int) -> Any:
        """Indices of the ``k`` largest entries along the last axis, unordered."""
        n = scores.shape[-1]
        return self.xp.argpartition(-scores, k - 1, axis=-1)[..., :k] if k < n else (
            self.xp.broadcast_to(self.xp.arange(n), scores.shape)
        )

    def sliding_windows(self, x: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
        """A strided view ``x`` with the given element shape and element strides."""
        raise NotImplementedError

    def solve(self, a: Any, b: Any) -> Any:
        """Solve the (batched) square systems ``a @ x = b``; ``a`` is ``(..., n, n)``, ``b`` ``(..., n, m)``."""
        return self.xp.linalg.solve(a, b)

    def scatter_add(self, target: Any, index: Any, values: Any) -> Any:
        """``target`` with ``values[j]`` added to row ``index[j]``, repeated indices summed.

        Returns a new array; ``target`` is not modified.
        """
        out = self.xp.array(target, copy=True)
        self.xp.add.at(out, index, values)
        return out

    def seeded_normal(self, seed: int, shape: tuple[int, ...], dtype: Any = None) -> Any:
        """Standard normal draws from a seeded generator (the same on every backend)."""
        import numpy as np

        values = np.random.default_rng(seed).standard_normal(shape)
        return self.asarray(values, dtype=dtype or self.default_float)

    # -- fast paths -----------------------------------------------------------
    def fast_path(self, op: str) -> Callable[..., Any] | None:
        """The backend's own implementation of ``op``, or None to use the generic one."""
        return self._fast_paths.get(op)

    def __repr__(self) -> str:
        return f"<dotkit backend {self.name!r}>"
