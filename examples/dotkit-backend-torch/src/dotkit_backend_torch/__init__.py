"""dotkit on PyTorch: torch tensors in and out, on the CPU or a CUDA device.

Installed, it registers the backend ``"torch"`` through the ``dotkit.backends``
entry point. ``DOTKIT_TORCH_DEVICE`` picks the device (default ``cpu``)::

    >>> import dotkit, torch
    >>> dotkit.dot(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))
    tensor(11.)
"""

from __future__ import annotations

import os
from typing import Any

from dotkit.backends import Backend

__version__ = "0.1.0"


class TorchBackend(Backend):
    """PyTorch tensors; the kernels run on ``array_api_compat.torch``, the standard's namespace over torch."""

    name = "torch"
    array_module = "torch"
    install_hint = "pip install torch (the CPU build: pip install torch --index-url https://download.pytorch.org/whl/cpu)"
    # dotkit's public op names -> PyTorch's own implementations, imported on first use
    fast_paths = {
        "conv2d": "dotkit_backend_torch:conv2d",
        "scaled_dot_product_attention": "dotkit_backend_torch:scaled_dot_product_attention",
    }

    def _import(self) -> Any:
        import array_api_compat.torch as xp
        import torch

        self.device = torch.device(os.environ.get("DOTKIT_TORCH_DEVICE", "cpu"))
        if self.device.type != "cpu":
            # dotkit's kernels create arrays (zeros, arange) without a device: let them land on this one
            torch.set_default_device(self.device)
        return xp

    @property
    def has_gpu(self) -> bool:
        return self.device.type == "cuda"

    def describe(self) -> str:
        import torch

        return f"torch {torch.__version__} on {self.device}"

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        import torch

        dtype = None if dtype is None else self.dtype(dtype)
        if isinstance(x, torch.Tensor):
            return x.to(device=self.device, dtype=dtype or x.dtype)
        import numpy as np

        return torch.as_tensor(np.asarray(x), device=self.device, dtype=dtype)

    def to_numpy(self, x: Any) -> Any:
        import numpy as np
        import torch

        if not isinstance(x, torch.Tensor):
            return np.asarray(x)
        x = x.detach().cpu()
        return (x.float() if x.dtype == torch.bfloat16 else x).numpy()

    def sync(self, *arrays: Any) -> None:
        import torch

        if self.device.type == "cuda":  # CUDA kernels run asynchronously: wait for them before timing
            torch.cuda.synchronize(self.device)

    def erf(self, x: Any) -> Any:
        import torch

        return torch.special.erf(x)

    def top_k(self, scores: Any, k: int) -> Any:
        import torch

        return torch.topk(scores, k, dim=-1).indices

    def scatter_add(self, target: Any, index: Any, values: Any) -> Any:
        return target.index_add(0, index, values)

    def sliding_windows(self, x: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
        import torch

        return torch.as_strided(x, shape, strides)  # torch counts strides in elements, as dotkit does


def conv2d(x: Any, w: Any, b: Any, stride: tuple[int, int], padding: tuple[int, int]) -> Any:
    """dotkit's ``conv2d`` fast path: ``torch.nn.functional.conv2d`` (the same cross-correlation, NCHW/OIHW)."""
    import torch.nn.functional as F

    return F.conv2d(x, w, b, stride=stride, padding=padding)


def scaled_dot_product_attention(q: Any, k: Any, v: Any, mask: Any, is_causal: bool, scale: float) -> Any:
    """dotkit's attention fast path: ``torch.nn.functional.scaled_dot_product_attention``.

    PyTorch takes a mask or ``is_causal``, not both, so a causal call with a mask
    folds the lower triangle into it; a query with no allowed key gets zeros, as in
    dotkit, where PyTorch would give NaN.
    """
    import torch
    import torch.nn.functional as F

    batch = torch.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    q, k, v = (t.expand(*batch, *t.shape[-2:]) for t in (q, k, v))
    allowed = None
    if mask is not None and mask.dtype == torch.bool:
        allowed = mask
    elif mask is not None:
        mask = mask.to(q.dtype)  # an added mask in the dtype of the scores
    if is_causal and mask is not None:
        causal = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool, device=q.device).tril()
        allowed = causal if allowed is None else allowed & causal
        mask = allowed if mask.dtype == torch.bool else mask.masked_fill(~causal, float("-inf"))
        is_causal = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal, scale=scale)
    if allowed is not None:
        out = torch.where(allowed.any(dim=-1, keepdim=True), out, torch.zeros_like(out))
    return out


__all__ = ["TorchBackend", "conv2d", "scaled_dot_product_attention"]
