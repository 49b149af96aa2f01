"""Neural-network building blocks, each one a few dot products.

- :mod:`dotkit.nn.activations` — ReLU, sigmoid, tanh, GELU, softmax.
- :mod:`dotkit.nn.layers` — dense layers, initialisers, losses (chapter 2).
- :mod:`dotkit.nn.normalization` — ``layer_norm``, as in every transformer layer (chapter 4).
- :mod:`dotkit.nn.conv` — ``conv2d`` as im2col plus one matrix product (chapter 3).
- :mod:`dotkit.nn.attention` — scaled dot-product and multi-head attention (chapter 4).

Submodules are imported on first use, so ``import dotkit.nn`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = ("activations", "layers", "normalization", "conv", "attention")
# Public ops reachable as ``dotkit.nn.<name>``, imported from their module when first touched.
_LAZY = {"layer_norm": "normalization"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"dotkit.nn.{_LAZY[name]}"), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"dotkit.nn.{name}")
    raise AttributeError(f"module 'dotkit.nn' has no attribute {name!r}")
