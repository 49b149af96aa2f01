"""The MLX backend: Apple's array library, lazy and unified-memory.

On Apple Silicon it computes on the GPU through Metal; on Linux the
``mlx[cpu]`` wheel computes on the CPU (with a reference BLAS, so it is slower
than NumPy there) and ``mlx[cuda]`` on an NVIDIA GPU. MLX evaluates lazily:
:meth:`MlxBackend.sync` calls ``mx.eval`` and every timing must call it.

``mlx.core`` follows the Array API standard in nearly every function; the
namespace this backend hands to kernels is ``mlx.core`` with the few places
where it differs filled in (:func:`_namespace`), and nothing else.
"""

from __future__ import annotations

import types
from typing import Any

from dotkit.backends.base import Backend


def _namespace(mx: Any) -> Any:
    """``mlx.core`` plus the standard's spellings it lacks: ``bool``, ``argsort(descending=)``, ``clip(min=, max=)``
    (and ``permute_dims`` / ``matrix_transpose`` where an older release lacks them)."""
    ns = types.ModuleType("dotkit.backends.mlx.xp", "mlx.core as an Array API namespace")
    ns.__dict__.update({k: v for k, v in vars(mx).items() if not k.startswith("__")})
    ns.__version__ = mx.__version__
    ns.bool = mx.bool_

    def argsort(x: Any, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> Any:
        # MLX sorts ascending only; a descending stable order is the ascending order of -x
        # (for integers and floats alike; bool is not sortable in the standard either)
        return mx.argsort(-x if descending else x, axis=axis)

    def clip(x: Any, /, min: Any = None, max: Any = None) -> Any:  # noqa: A002 - the standard's names
        return x if min is None and max is None else mx.clip(x, min, max)

    ns.argsort, ns.clip = argsort, clip
    # older mlx.core releases spell these the NumPy way only
    if not hasattr(mx, "permute_dims"):
        ns.permute_dims = lambda x, /, axes: mx.transpose(x, axes)
    if not hasattr(mx, "matrix_transpose"):
        ns.matrix_transpose = lambda x, /: mx.swapaxes(x, -1, -2)
    return ns


class MlxBackend(Backend):
    """MLX arrays (``mlx.core``), float32 by default.

    Example:
        >>> import dotkit
        >>> with dotkit.use_backend("mlx"):  # doctest: +SKIP
        ...     dotkit.dot([1.0, 2.0], [3.0, 4.0])
        array(11, dtype=float32)
    """

    name = "mlx"
    array_module = "mlx"
    install_hint = (
        "pip install 'mlx[cpu]' (Linux), pip install mlx (macOS on Apple Silicon), "
        "or pip install 'mlx[cuda]' (Linux with an NVIDIA GPU)"
    )
    supports_float64 = False
    matmul_gflops_guess = 3.0  # the CPU build on Linux links a reference BLAS
    fast_paths = {op: f"dotkit.backends.fast_mlx:{op}" for op in ("conv2d", "scaled_dot_product_attention")}

    def __init__(self) -> None:
        super().__init__()
        self._kinds: dict[Any, str] = {}

    def _import(self) -> Any:
        import mlx.core

        return _namespace(mlx.core)

    @property
    def has_gpu(self) -> bool:
        mx = self.xp
        metal = getattr(mx, "metal", None)
        cuda = getattr(mx, "cuda", None)
        return bool(
            (metal is not None and metal.is_available())
            or (cuda is not None and cuda.is_available())
        )

    def describe(self) -> str:
        device = self.xp.default_device()
        return f"mlx {self.xp.__version__} on {device}"

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        import numpy as np

        mx = self.xp
        if dtype is not None:
            dtype = self.dtype(dtype)
        if not isinstance(x, mx.array):
            arr = np.asarray(x)
            if arr.dtype == np.float64:  # MLX has no float64 on the GPU: work in float32
                arr = np.asarray(arr, dtype=np.float32)
            elif arr.dtype == np.int64 and arr.size and np.abs(arr).max() < 2**31:
                arr = np.asarray(arr, dtype=np.int32)
            x = mx.array(arr)
        return x if dtype is None or x.dtype == dtype else mx.astype(x, dtype)

    def to_numpy(self, x: Any) -> Any:
        import numpy as np

        mx = self.xp
        if isinstance(x, mx.array):
            return np.array(x, copy=False) if x.dtype != mx.bfloat16 else np.array(mx.astype(x, mx.float32))
        return np.asarray(x)

    def sync(self, *arrays: Any) -> None:
        self.xp.eval(*arrays)

    def dtype_kind(self, x: Any) -> str:
        kind = self._kinds.get(x.dtype)
        if kind is None:  # asked on every call of every op: worked out once per dtype
            kind = self._kinds[x.dtype] = super().dtype_kind(x)
        return kind

    def vecdot(self, a: Any, b: Any) -> Any:
        # MLX's CPU reduction accumulates float32 sequentially (a relative error
        # of ~1e-5 over 1e6 terms, hundreds of times NumPy's); summing blocks of 1024 first, then the block
        # sums, keeps the error near float32's epsilon.
        mx = self.xp
        prod = a * b
        n, block = prod.shape[-1], 1024
        if n <= 4 * block:
            return mx.sum(prod, axis=-1)
        whole = n - n % block  # full blocks, then the tail: padding would copy everything
        lead = tuple(prod.shape[:-1])
        blocks = mx.sum(mx.sum(mx.reshape(prod[..., :whole], lead + (-1, block)), axis=-1), axis=-1)
        return blocks + mx.sum(prod[..., whole:], axis=-1) if whole < n else blocks

    def top_k(self, scores: Any, k: int) -> Any:
        mx = self.xp
        n = scores.shape[-1]
        if k >= n:
            return mx.broadcast_to(mx.arange(n), scores.shape)
        return mx.argpartition(-scores, kth=k - 1, axis=-1)[..., :k]

    def erf(self, x: Any) -> Any:
        return self.xp.erf(x)

    def solve(self, a: Any, b: Any) -> Any:
        # MLX's linalg runs on the CPU only: the GPU refuses it without a CPU stream.
        return self.xp.linalg.solve(a, b, stream=self.xp.cpu)

    def scatter_add(self, target: Any, index: Any, values: Any) -> Any:
        return target.at[index].add(values)

    def sliding_windows(self, x: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
        return self.xp.as_strided(x, shape=shape, strides=strides)

    def size(self, x: Any) -> int:
        return x.size
