"""The NumPy backend: the reference every other backend is tested against.

NumPy 2's own module is an Array API namespace, so ``xp`` is ``numpy`` itself;
for NumPy 1.26 it is ``array_api_compat.numpy``, the standard's spelling of it.
"""

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
    asarray_copies_numpy = False  # its own arrays: asarray of a same-dtype array is a view
    matmul_gflops_guess = 100.0  # an optimised BLAS (OpenBLAS, Accelerate) on a few cores
    fast_paths = {op: f"dotkit.backends.fast_numpy:{op}" for op in ("conv2d", "scaled_dot_product_attention", "gelu")}

    def _import(self) -> Any:
        import numpy

        if int(numpy.__version__.split(".")[0]) >= 2:
            return numpy
        import array_api_compat.numpy  # pragma: no cover - NumPy 1.26

        return array_api_compat.numpy  # pragma: no cover

    def __init__(self) -> None:
        super().__init__()
        # dtype objects rather than scalar types: ``x.dtype == np.dtype(...)`` is a
        # pointer comparison, ``x.dtype == np.float32`` converts the type on every call.
        import numpy as np

        self.float32, self.float16 = np.dtype(np.float32), np.dtype(np.float16)
        self.default_float = np.dtype(np.float64)

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        import numpy as np

        return np.asarray(x) if dtype is None else np.asarray(x, dtype=dtype)

    def to_numpy(self, x: Any) -> Any:
        import numpy as np

        return np.asarray(x)

    def dtype_kind(self, x: Any) -> str:
        return x.dtype.kind

    def describe(self) -> str:
        return f"numpy {self.xp.__version__} on cpu"

    def vecdot(self, a: Any, b: Any) -> Any:
        import numpy as np

        if a.ndim == 1 and b.ndim == 1:
            return np.asarray(np.dot(a, b))  # BLAS dot: the fastest path for one pair
        return np.einsum("...i,...i->...", a, b) if not hasattr(np, "vecdot") else np.vecdot(a, b)

    def erf(self, x: Any) -> Any:
        from scipy.special import erf  # NumPy has no erf; SciPy ships with the data extra

        return erf(x)

    def top_k(self, scores: Any, k: int) -> Any:
        import numpy as np

        n = scores.shape[-1]
        if k >= n:
            return np.broadcast_to(np.arange(n), scores.shape)
        return np.argpartition(-scores, k - 1, axis=-1)[..., :k]

    def scatter_add(self, target: Any, index: Any, values: Any) -> Any:
        import numpy as np

        out = np.array(target, copy=True)
        np.add.at(out, index, values)
        return out

    def sliding_windows(self, x: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
        from numpy.lib.stride_tricks import as_strided

        item = x.itemsize
        return as_strided(x, shape=shape, strides=tuple(s * item for s in strides), writeable=False)

    def size(self, x: Any) -> int:
        return x.size
