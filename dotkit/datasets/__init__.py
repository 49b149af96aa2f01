"""Loaders for the real data the chapters use, all of it shipped in packages.

Nothing here downloads at run time. Each loader lives in its own module and is
imported on first use, so ``import dotkit.datasets`` stays quick and imports
neither pyarrow nor scikit-learn nor anything else heavy.

Example:
    >>> from dotkit.datasets import load_glove
    >>> glove = load_glove()             # doctest: +SKIP
    >>> glove.vector("cat").shape        # doctest: +SKIP
    (50,)
"""

from __future__ import annotations

import importlib
from typing import Any

from dotkit.datasets.glove import load_glove  # noqa: F401 - the chapter 1 loader, eagerly

# Public name -> the module that defines it (imported when the name is first used).
_LOADERS = {
    "load_glove": "dotkit.datasets.glove",
    "load_digits": "dotkit.datasets.digits",
    "load_image": "dotkit.datasets.images",
    "list_images": "dotkit.datasets.images",
    "load_movielens_100k": "dotkit.datasets.movielens",
    "fetch_movielens_100k": "dotkit.datasets.movielens",
    "make_ratings": "dotkit.datasets.movielens",
    "minilm_path": "dotkit.datasets.minilm",
}


def __getattr__(name: str) -> Any:
    if name in _LOADERS:
        value = getattr(importlib.import_module(_LOADERS[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'dotkit.datasets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LOADERS))


__all__ = sorted(_LOADERS)
