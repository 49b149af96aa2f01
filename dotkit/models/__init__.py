"""Models built from dot products, each in its own module and imported on first use.

- :class:`MLP` (:mod:`dotkit.models.mlp`): dense layers and activations, a softmax classifier.
- :class:`CNN` (:mod:`dotkit.models.cnn`): one convolution, pooling and a dense layer.
- :class:`MatrixFactorization` (:mod:`dotkit.models.mf`): ratings as user·item dot products.
- :class:`ImplicitALS` (:mod:`dotkit.models.implicit`): ranking from which films a user rated at all.
- :class:`MiniLM` (:mod:`dotkit.models.minilm`): a small sentence-embedding transformer.

``import dotkit.models`` imports none of them; ``dotkit.models.MLP`` imports
only :mod:`dotkit.models.mlp`.

Example:
    >>> from dotkit.models import MLP
    >>> MLP([4, 3]).sizes
    [4, 3]
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> the module that defines it.
_MODELS = {
    "CNN": "dotkit.models.cnn",
    "MLP": "dotkit.models.mlp",
    "ImplicitALS": "dotkit.models.implicit",
    "MatrixFactorization": "dotkit.models.mf",
    "MiniLM": "dotkit.models.minilm",
    "NotFittedError": "dotkit.errors",
    "Recommendation": "dotkit.models.mf",
    "rmse": "dotkit.models.metrics",
    "mae": "dotkit.models.metrics",
    "precision_at_k": "dotkit.models.metrics",
    "recall_at_k": "dotkit.models.metrics",
}


def __getattr__(name: str) -> Any:
    if name in _MODELS:
        value = getattr(importlib.import_module(_MODELS[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'dotkit.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODELS))


__all__ = sorted(_MODELS)
