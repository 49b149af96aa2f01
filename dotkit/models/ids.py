"""User and item ids (and rating triples): checked at the door, ids mapped to rows 0..n-1.

Recommender models take any non-negative integer ids (MovieLens's start at
1) and keep one row per distinct id, in sorted order. :class:`IdMap` is the
one row lookup every model uses, for users and items alike.

Example:
    >>> m = IdMap(np.array([7, 3, 7]))
    >>> m.rows("demo", np.array([7, 3]), "items").tolist()
    [1, 0]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dotkit._inputs import as_array, resolve
from dotkit.errors import InputValueError, ShapeError


def as_ids(op: str, name: str, ids: Any) -> np.ndarray:
    """``ids`` as a 1-D int64 NumPy array of non-negative integers, or a clear error."""
    from dotkit.linalg import to_numpy

    try:
        arr = np.asarray(to_numpy(ids) if not isinstance(ids, (list, tuple)) else ids)
    except (TypeError, ValueError) as exc:
        raise InputValueError(f"{op}: {name} must be a 1-D array of integer ids ({exc})") from None
    if arr.ndim != 1:
        raise ShapeError(
            f"{op}: expected {name} with 1 dimension(s); received {name}.shape={arr.shape}"
        )
    integral = arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))
    if arr.size and integral:
        arr = np.array(arr, dtype=np.int64)
    if arr.size and arr.dtype.kind not in "iu":
        raise InputValueError(f"{op}: {name} must hold integer ids; received dtype {arr.dtype}")
    arr = np.array(arr, dtype=np.int64)  # a copy: the caller's ids are never aliased
    if arr.size and arr.min() < 0:
        bad = int(arr[np.argmax(arr < 0)])
        raise InputValueError(f"{op}: {name} must be non-negative ids; received {bad}")
    return arr


def one_id(op: str, name: str, value: Any) -> int:
    """A single non-negative integer id (``user=1``), or a clear error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise InputValueError(f"{op}: {name} must be a non-negative integer id; received {value!r}")
    return int(value)


def check_number(op: str, name: str, value: Any) -> float:
    """A finite number >= 0 (a penalty, a step size), or a clear error."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value < 0:
        raise InputValueError(f"{op}: {name} must be a finite number >= 0; received {value!r}")
    return float(value)


def check_triples(op: str, users: Any, items: Any, ratings: Any, backend: Any) -> tuple:
    """``(users, items, backend, ratings)``: ids as NumPy, finite ratings on the backend, one per pair."""
    u, i = as_ids(op, "users", users), as_ids(op, "items", items)
    bk = resolve(op, ratings, backend=backend)
    r = as_array(op, "ratings", ratings, bk, ndim=1, allow_int=False, finite=True)
    if not (len(u) == len(i) == r.shape[0]):
        raise ShapeError(
            f"{op}: users, items and ratings must have one entry per rating; received "
            f"users.shape={u.shape}, items.shape={i.shape}, ratings.shape={tuple(r.shape)}"
        )
    return u, i, bk, bk.cast(r, bk.default_float)


class IdMap:
    """Original ids <-> rows 0..n-1 (sorted), with a lookup that flags unknown ids."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids, self.rows_of_input = np.unique(ids, return_inverse=True)

    def __len__(self) -> int:
        return len(self.ids)

    def lookup(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, known)``: each id's row (clamped where unknown) and whether it is known."""
        pos = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        return pos, self.ids[pos] == ids

    def rows(self, op: str, ids: Any, name: str) -> np.ndarray:
        """Rows of known ids; an unknown one is an error naming it (``name``: "users" or "items")."""
        arr = as_ids(op, name, ids)
        rows, known = self.lookup(arr)
        if not known.all():
            raise InputValueError(
                f"{op}: {name[:-1]} {int(arr[~known][0])} was not in the training data"
            )
        return rows


__all__ = ["IdMap", "as_ids", "check_number", "check_triples", "one_id"]
