"""Progress bars for training loops: tqdm in the terminal and in notebooks.

Set ``DOTKIT_PROGRESS=0`` to silence them (logs, scripts).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any


def progress(iterable: Iterable[Any], *, total: int | None = None, desc: str | None = None,
             enabled: bool | None = None) -> Iterable[Any]:
    """Wrap ``iterable`` in a progress bar (a widget in Jupyter, text elsewhere).

    Example:
        >>> for epoch in progress(range(3), desc="epochs", enabled=False):
        ...     pass
    """
    if enabled is None:
        enabled = os.environ.get("DOTKIT_PROGRESS", "1") not in ("0", "false", "no")
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, leave=True)
