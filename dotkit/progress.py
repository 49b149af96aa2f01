"""Progress bars for training loops: tqdm in the terminal and in notebooks.

Set ``DOTKIT_PROGRESS=0`` to silence them all, even where a call asks for one
(logs, scripts, and notebooks executed for storage: a stored bar would show a
frozen first frame, so the cells print a one-line summary instead).
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
    silenced = os.environ.get("DOTKIT_PROGRESS", "1").strip().lower() in ("0", "false", "no", "off")
    if silenced or enabled is False:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, leave=True)
