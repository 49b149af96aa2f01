"""A toy third-party dotkit backend: NumPy restricted to float32.

It behaves like an accelerator library on a machine without one: floating
inputs are stored and computed in float32 (as MLX and most GPUs do), and
``supports_float64`` is False, so dotkit's ops and tests take their float32
paths. Useful to check that code is float32-clean without installing MLX.

Installed, it registers itself under the name ``"numpy-f32"`` through the
``dotkit.backends`` entry point (see ``pyproject.toml``)::

    >>> import dotkit
    >>> "numpy-f32" in dotkit.available_backends()
    True
    >>> dotkit.dot([1.0, 2.0], [3.0, 4.0], backend="numpy-f32").dtype
    dtype('float32')
"""

from __future__ import annotations

from typing import Any

from dotkit.backends import Backend

__version__ = "0.1.0"


class Float32NumpyBackend(Backend):
    """NumPy arrays, floating point in float32 only.

    What a backend must provide, and how this one does it:

    - ``name``: the name users select it by.
    - ``array_module``: the library it needs; ``is_installed()`` looks for it
      without importing it, and the install hint names it.
    - ``_import()``: import the library, only when the backend is first used,
      and return the Array API namespace (``bk.xp``) that dotkit's kernels
      call; NumPy 2's own module is one.
    - ``owns(x)``: which arrays belong to this backend, so that
      ``dotkit.dot(x, y)`` picks it from its inputs. The base class matches
      the array's module against ``array_module``. This backend shares
      NumPy's array type, so that test would claim every NumPy array, and
      a float64 array handed to it would skip the conversion to float32. It
      therefore owns no array type: plain NumPy arrays stay with the
      ``numpy`` backend, and this one is chosen by name (``backend=``,
      ``use_backend``, ``DOTKIT_BACKEND``).
    - ``asarray`` / ``to_numpy`` / ``sync``: conversion in and out, and
      waiting for lazy results (NumPy is eager: nothing to wait for).
    - the extras the standard lacks (``erf``, ``top_k``, ``scatter_add``,
      ``sliding_windows``, ...): the base class has defaults written against
      the standard (or through NumPy where it has nothing); override what your
      library does better. ``examples/dotkit-backend-torch`` is a backend for
      a library that is not NumPy.
    """

    name = "numpy-f32"
    array_module = "numpy"
    install_hint = "pip install numpy"
    supports_float64 = False

    def _import(self) -> Any:
        import numpy

        return numpy

    @classmethod
    def owns(cls, x: Any) -> bool:
        return False  # NumPy's arrays belong to the built-in "numpy" backend

    def describe(self) -> str:
        return f"numpy-f32 (NumPy {self.xp.__version__}, float32 only) on cpu"

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        np = self.xp
        arr = np.asarray(x)
        if dtype is not None:
            return np.asarray(arr, dtype=self.dtype(dtype))
        if arr.dtype == np.float64:  # the one rule of this backend
            return np.asarray(arr, dtype=np.float32)
        return arr

    def erf(self, x: Any) -> Any:
        from math import erf

        return self.xp.vectorize(erf, otypes=[x.dtype])(x)

    def sliding_windows(self, x: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
        from numpy.lib.stride_tricks import as_strided

        item = x.itemsize
        return as_strided(x, shape=shape, strides=tuple(s * item for s in strides), writeable=False)


__all__ = ["Float32NumpyBackend"]
