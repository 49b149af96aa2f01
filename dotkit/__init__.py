"""dotkit: the dot product in deep learning, on pluggable array backends.

The helper package of the course *The Dot Product in Deep Learning*. Every op
is written once against a small backend object and runs on NumPy (always
there) or MLX (``pip install 'dotkit[mlx]'``), or on any backend registered
through the ``dotkit.backends`` entry-point group.

Example:
    >>> import dotkit as dk
    >>> dk.dot([1, 2, 3], [4, 5, 6])
    array(32)

Chapter-specific parts (``conv2d``, attention, models, data sets, widgets)
are imported on first use, so ``import dotkit`` is quick and never imports
MLX, SciPy or ipywidgets.
"""

from __future__ import annotations

import importlib
from typing import Any

from dotkit.backends import available_backends, get_backend, use_backend
from dotkit.errors import DotkitError
from dotkit.linalg import (
    angle,
    asarray,
    cosine_similarity,
    dot,
    matmul,
    norm,
    project,
    to_numpy,
    top_k_similar,
)
from dotkit.nn.activations import log_softmax, softmax

__version__ = "0.1.0"

# Public names that live in heavier modules, imported when first touched.
_LAZY = {
    "relu": "dotkit.nn.activations",
    "sigmoid": "dotkit.nn.activations",
    "tanh": "dotkit.nn.activations",
    "gelu": "dotkit.nn.activations",
    "layer_norm": "dotkit.nn.normalization",
    "conv2d": "dotkit.nn.conv",
    "conv2d_naive": "dotkit.nn.conv",
    "scaled_dot_product_attention": "dotkit.nn.attention",
    "multi_head_attention": "dotkit.nn.attention",
}
_SUBMODULES = ("bench", "datasets", "exercises", "linalg", "models", "nn", "rl", "widgets")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"dotkit.{name}")
    raise AttributeError(f"module 'dotkit' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext dotkit``: the ``%dotkit`` line and cell magics (see dotkit.magics)."""
    from dotkit.magics import register

    register(ipython)


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(_SUBMODULES))


__all__ = [
    "DotkitError",
    "__version__",
    "angle",
    "asarray",
    "available_backends",
    "cosine_similarity",
    "dot",
    "get_backend",
    "log_softmax",
    "matmul",
    "norm",
    "project",
    "softmax",
    "to_numpy",
    "top_k_similar",
    "use_backend",
    *_LAZY,
]
