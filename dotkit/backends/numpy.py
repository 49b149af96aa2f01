"""The NumPy backend: the reference every other backend is tested against."""

from __future__ import annotations

from typing import Any

from dotkit.backends.base import Backend


class NumpyBackend(Backend):
    """NumPy arrays on the CPU, computed eagerly.

    Example:
        >>> import dotkit
        >>> dotkit.dot([1, 2, 3], [4, 5, 6], backend="numpy")
        array(32)
    """

    name = "numpy"
    array_module = "numpy"
    install_hint = "pip install numpy"
    threads_in_parallel = True

    def _import(self) -> Any:
        import numpy

        return numpy

    def __init__(self) -> None:
        super().__init__()
        # dtype objects rather than scalar types: ``x.dtype == np.dtype(...)`` is a
        # pointer comparison, ``x.dtype == np.float32`` converts the type on every call.
        np = self.xp
        self.float32, self.float16 = np.dtype(np.float32), np.dtype(np.float16)
        self.default_float = np.dtype(np.float64)

    def dtype_kind(self, x: Any) -> str:
        return x.dtype.kind

    def describe(self) -> str:
        return f"numpy {self.xp.__version__} on cpu"

    def vecdot(self, a: Any, b: Any) -> Any:
        np = self.xp
        if a.ndim == 1 and b.ndim == 1:
            return np.dot(a, b)  # BLAS dot: the fastest path for one pair
        if hasattr(np, "vecdot"):
            return np.vecdot(a, b)
        return np.einsum("...i,...i->...", a, b)  # pragma: no cover - NumPy < 2

    def erf(self, x: Any) -> Any:
        from scipy.special import erf  # NumPy has no erf; SciPy ships with the data extra

        return erf(x)

    def sliding_windows(self, x: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
        from numpy.lib.stride_tricks import as_strided

        item = x.itemsize
        return as_strided(x, shape=shape, strides=tuple(s * item for s in strides), writeable=False)
