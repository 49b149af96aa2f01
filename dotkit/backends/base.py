"""The backend contract: an Array API namespace, a few extras, and the fast paths a backend declares.

A backend is a small class. Its library is imported in ``__init__`` (through
:meth:`Backend._import`), never at module import, so that a framework nobody
selected is never imported.

**The namespace** (``bk.xp``) conforms to the Python Array API standard
(2023.12 or later): NumPy 2's own module, ``array_api_compat.<library>`` for
PyTorch, CuPy, JAX or Dask, a thin adapter where a library differs (MLX).
Kernels call only standard functions on it: ``xp.astype(x, dt)``, never the
array method ``x.astype``; ``math.prod(x.shape)``, never ``x.size``;
``bool(a)``/``float(a)`` on 0-d arrays, never ``.item()``.

**The extras**, the short list of what the standard lacks or leaves open. Each
has a default written against the standard (or through NumPy where the
standard has no way), which a backend overrides where its library does better:

- ``asarray(x, dtype=None)``: NumPy arrays, lists and scalars onto this backend;
  ``to_numpy(x)``: back to NumPy (evaluating lazy arrays first).
- ``sync(*arrays)``: wait until ``arrays`` are computed; a no-op for eager
  libraries, ``mx.eval`` for MLX. Every timing calls it.
- ``erf(x)``, ``scatter_add(target, index, values)``, ``top_k(scores, k)``
  (the ``k`` largest along the last axis, unordered), ``solve(a, b)``,
  ``vecdot(a, b)`` (where the library's own sums inaccurately), and
  ``sliding_windows(x, shape, strides)`` (a strided view, for im2col; optional:
  without it conv2d builds its patches from the standard's strided slices).
- dtypes: ``dtype(spec)`` (this backend's dtype for a NumPy dtype or a name),
  ``dtype_kind(x)``, ``is_half(x)``, ``cast(x, dtype)``, ``supports_float64``
  (False: inputs in float64 are computed in float32, and tests use float32
  tolerances).
- ``fast_paths``: a class attribute, ``{op name: callable or "module:function"}``,
  resolved on first use by :meth:`Backend.fast_path` and cached.

**Fast paths** replace one whole op. The public op checks and converts its
arguments, then calls ``bk.fast_path(op)`` when it returns one, else dotkit's
kernel (the reference a fast path is tested against). The op names and their
signatures (arrays of this backend, already checked and in the dtype the op
computes in):

- ``"conv2d"``: ``f(x, w, b, stride, padding)``; ``x`` ``(N, C, H, W)``,
  ``w`` ``(O, C, kH, kW)``, ``b`` ``(O,)`` or None, ``stride`` and ``padding``
  pairs of ints; returns ``(N, O, Ho, Wo)``.
- ``"scaled_dot_product_attention"``: ``f(q, k, v, mask, is_causal, scale)``;
  ``q`` ``(..., L, d)``, ``k`` ``(..., S, d)``, ``v`` ``(..., S, d_v)``, ``mask``
  a boolean (True = may attend) or floating (added) array broadcastable to
  ``(..., L, S)``, or None; ``is_causal`` a bool (top-left aligned); ``scale``
  a float. Returns ``(..., L, d_v)``; a fully masked row gives zeros.
- ``"matmul"``: ``f(a, b)``, the two operands in one dtype; returns ``a @ b``.
- ``"gelu"``: ``f(x)``, ``x`` a floating array (float32 or wider: half precision
  arrives as float32) with no ``-inf``; returns ``x·Φ(x)`` in ``x``'s shape and dtype.

Example:
    >>> import dotkit
    >>> bk = dotkit.get_backend("numpy")
    >>> bk.xp.astype(bk.asarray([1, 2]), bk.float32).dtype
    dtype('float32')
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

#: The public op names a backend may declare a fast path for (see the module docstring).
FAST_PATH_OPS = ("conv2d", "scaled_dot_product_attention", "matmul", "gelu")


def _load_callable(spec: str | Callable[..., Any]) -> Callable[..., Any]:
    if callable(spec):
        return spec
    module_name, sep, attr = str(spec).partition(":")
    if not sep:
        raise ValueError(f"expected 'module:function'; received {spec!r}")
    import importlib

    return getattr(importlib.import_module(module_name), attr)


class Backend:
    """Base class of dotkit backends (built-in and third-party).

    Subclasses set the class attributes and implement :meth:`_import`, which
    returns an Array API namespace. Everything else has a default written
    against the standard that a subclass may override.

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
    #: Whether ``asarray`` of a NumPy array copies it into the library's own memory
    #: (so that, for a moment, both copies are held): the bench sizes its inputs by it.
    asarray_copies_numpy: ClassVar[bool] = True
    #: A conservative guess of the float32 matmul rate, in GFLOP/s, on a small CPU: the
    #: bench skips a size predicted to overrun its budget before timing anything.
    matmul_gflops_guess: ClassVar[float] = 3.0
    #: Op name -> the backend's own implementation: a callable or ``"module:function"``,
    #: imported on first use. The names and signatures are in the module docstring.
    fast_paths: ClassVar[dict[str, str | Callable[..., Any]]] = {}

    def __init__(self) -> None:
        self.xp = self._import()
        #: fast paths resolved so far (see :meth:`fast_path`)
        self._fast_paths: dict[str, Callable[..., Any]] = {}
        self._broken_fast_paths: set[str] = set()
        self.float32 = self.xp.float32
        self.float16 = getattr(self.xp, "float16", None)  # the standard has no half precision
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
        """``x`` (a NumPy array, list or scalar, or an array of this backend) on this backend.

        ``dtype`` may be this backend's, a NumPy dtype or a name. Without float64
        support, float64 data arrives as float32.
        """
        if dtype is not None:
            dtype = self.dtype(dtype)
        elif not self.supports_float64 and not self.owns(x):
            import numpy as np

            x = np.asarray(x)
            if x.dtype == np.float64:
                dtype = self.float32
        return self.xp.asarray(x) if dtype is None else self.xp.asarray(x, dtype=dtype)

    def to_numpy(self, x: Any) -> Any:
        """``x`` as a NumPy array (through DLPack where the library offers it)."""
        import numpy as np

        if self.owns(x):
            try:
                return np.from_dlpack(x)
            except (TypeError, AttributeError, BufferError, RuntimeError):
                pass
        return np.asarray(x)

    def sync(self, *arrays: Any) -> None:
        """Wait until ``arrays`` are computed. A no-op for eager libraries."""

    def cast(self, x: Any, dtype: Any) -> Any:
        """``x`` in ``dtype`` (a dtype of this backend), without a copy when it already is."""
        return x if x.dtype == dtype else self.xp.astype(x, dtype)

    def dtype(self, spec: Any) -> Any:
        """This backend's dtype for ``spec``: one of its own, a NumPy dtype or a name like ``"float32"``.

        Example:
            >>> dotkit.get_backend("numpy").dtype("float32")
            <class 'numpy.float32'>
        """
        import numpy as np

        if isinstance(spec, str) or isinstance(spec, np.dtype) or (
                isinstance(spec, type) and issubclass(spec, np.generic)):
            name = np.dtype(spec).name
            if name == "float64" and not self.supports_float64:
                raise TypeError(f"the {self.name} backend has no float64 dtype; use float32")
            found = getattr(self.xp, "bool" if name == "bool" else name, None)
            if found is None:
                raise TypeError(f"the {self.name} backend has no {name} dtype")
            return found
        return spec

    # -- dtype questions ----------------------------------------------------
    def dtype_kind(self, x: Any) -> str:
        """One of ``'b'`` (bool), ``'i'`` (signed), ``'u'`` (unsigned), ``'f'``, ``'c'``, ``'O'``."""
        isdtype, dt = self.xp.isdtype, x.dtype
        for kind, name in (("f", "real floating"), ("i", "signed integer"), ("u", "unsigned integer"),
                           ("b", "bool"), ("c", "complex floating")):
            if isdtype(dt, name):
                return kind
        return "O"

    def is_half(self, x: Any) -> bool:
        return x.dtype == self.float16

    # -- primitives the standard lacks or leaves open --------------------------
    def vecdot(self, a: Any, b: Any) -> Any:
        """Dot product over the last axis, broadcasting the leading ones."""
        return self.xp.vecdot(a, b)

    def erf(self, x: Any) -> Any:
        """The error function, element-wise (the standard has none: through SciPy by default)."""
        from scipy.special import erf

        return self.asarray(erf(self.to_numpy(x)), dtype=x.dtype)

    def top_k(self, scores: Any, k: int) -> Any:
        """Indices of the ``k`` largest entries along the last axis, in no particular order."""
        return self.xp.argsort(-scores, axis=-1)[..., :k]  # NumPy's argsort has no descending=

    def sliding_windows(self, x: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
        """A strided view of ``x`` with the given element shape and element strides."""
        raise NotImplementedError(
            f"the {self.name} backend offers no strided views (sliding_windows), which the Array API "
            "standard lacks; conv2d then builds its patches from strided slices instead"
        )

    def solve(self, a: Any, b: Any) -> Any:
        """Solve the (batched) square systems ``a @ x = b``; ``a`` is ``(..., n, n)``, ``b`` ``(..., n, m)``."""
        return self.xp.linalg.solve(a, b)

    def scatter_add(self, target: Any, index: Any, values: Any) -> Any:
        """``target`` with ``values[j]`` added to row ``index[j]``, repeated indices summed.

        Returns a new array; ``target`` is not modified. The default goes through
        NumPy's ``add.at``: the standard has no scatter.
        """
        import numpy as np

        out = np.array(self.to_numpy(target), copy=True)
        np.add.at(out, self.to_numpy(index), self.to_numpy(values))
        return self.asarray(out, dtype=target.dtype)

    def seeded_normal(self, seed: int, shape: tuple[int, ...], dtype: Any = None) -> Any:
        """Standard normal draws from a seeded generator (the same on every backend)."""
        import numpy as np

        values = np.random.default_rng(seed).standard_normal(shape)
        return self.asarray(values, dtype=dtype or self.default_float)

    def size(self, x: Any) -> int:
        """The number of entries of ``x``, from its shape (``x.size`` is a method on some libraries)."""
        return math.prod(x.shape)

    # -- fast paths -----------------------------------------------------------
    def fast_path(self, op: str) -> Callable[..., Any] | None:
        """The backend's own implementation of ``op``, or None to use dotkit's kernel.

        Declared in :attr:`fast_paths`; a ``"module:function"`` string is imported
        on first use and cached. One that fails to import warns once, and the op
        falls back to the kernel.

        Example:
            >>> dotkit.get_backend("numpy").fast_path("no such op") is None
            True
        """
        found = self._fast_paths.get(op)
        if found is not None or op in self._broken_fast_paths:
            return found
        spec = type(self).fast_paths.get(op)
        if spec is None:
            return None
        try:
            found = _load_callable(spec)
        except Exception as exc:  # a broken fast path must not break the op
            self._broken_fast_paths.add(op)
            warnings.warn(
                f"dotkit: the {self.name} backend's fast path for {op!r} ({spec!r}) failed to load "
                f"and dotkit's own kernel is used: {type(exc).__name__}: {exc}",
                RuntimeWarning,
                stacklevel=2,
            )
            return None
        self._fast_paths[op] = found
        return found

    def __repr__(self) -> str:
        return f"<dotkit backend {self.name!r}>"
