"""What every factor model holds: id maps, who rated what, and a transactional fit.

:class:`MatrixFactorization` (ratings) and :class:`ImplicitALS` (who rated
what) both keep one vector per user and per item, rows in sorted-id order;
this base class keeps the id maps and each user's rated items, looks rows up,
and makes a fit all-or-nothing: :meth:`FactorModel._transaction` restores the
model's previous state when the fit raises (or is interrupted).

Example:
    >>> import numpy as np
    >>> from dotkit.backends import get_backend
    >>> keys = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1]])
    >>> top_k_unseen(get_backend("numpy"), np.array([1.0, 0.0]), keys, 2, np.array([0]), "dot")[0].tolist()
    [2, 1]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dotkit.backends import Backend
from dotkit.errors import NotFittedError
from dotkit.models.ids import IdMap, one_id


def top_k_unseen(bk: Backend, query: Any, keys: Any, k: int, drop: np.ndarray,
                 metric: str) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best rows of ``keys`` for ``query`` (:func:`dotkit.top_k_similar`), rows in ``drop`` skipped.

    Asks ``top_k_similar`` for ``k + len(drop)`` rows, so that after dropping
    the ``k`` best remaining are exact. Returns NumPy ``(rows, scores)``.
    """
    from dotkit.linalg import top_k_similar

    n = keys.shape[0]
    k = min(k, n - len(drop))
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    found = top_k_similar(query, keys, min(n, k + len(drop)), metric=metric, backend=bk)
    rows = np.array(bk.to_numpy(found.indices), dtype=np.int64)
    scores = np.asarray(bk.to_numpy(found.scores), dtype=float)
    keep = ~np.isin(rows, drop)
    return rows[keep][:k], scores[keep][:k]


class FactorModel:
    """Id maps and rated-item lists shared by the factor models (not used on its own)."""

    _fitted = False

    def _set_ids(self, u: np.ndarray, i: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map ids to rows, remember each user's rated items; returns the rows of every pair."""
        self._users, self._items = IdMap(u), IdMap(i)
        rows_u, rows_i = self._users.rows_of_input, self._items.rows_of_input
        # Each user's rated items, CSR-style: rows_i sorted by user, and where each user starts.
        self._seen_items = rows_i[np.argsort(rows_u, kind="stable")]
        per_user = np.bincount(rows_u, minlength=len(self._users))
        self._seen_start = np.concatenate([[0], np.cumsum(per_user)])
        return rows_u, rows_i

    def _transaction(self, fit: Callable[[], None]) -> None:
        """Run ``fit``; if it raises (or is interrupted), put every attribute back as it was."""
        before = dict(self.__dict__)
        try:
            fit()
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _check_fitted(self, op: str) -> None:
        if not self._fitted:
            raise NotFittedError(
                f"{op}: the model is not fitted yet; call fit(users, items, ...) first"
            )

    def _seen_rows(self, row: int) -> np.ndarray:
        return self._seen_items[self._seen_start[row] : self._seen_start[row + 1]]

    @property
    def user_ids(self) -> np.ndarray:
        """Original user ids, in the row order of ``user_factors``."""
        self._check_fitted(f"{type(self).__name__}.user_ids")
        return self._users.ids

    @property
    def item_ids(self) -> np.ndarray:
        """Original item ids, in the row order of ``item_factors``."""
        self._check_fitted(f"{type(self).__name__}.item_ids")
        return self._items.ids

    def rated_items(self, user: Any) -> np.ndarray:
        """Original ids of the items ``user`` rated in training (empty for an unseen user)."""
        op = f"{type(self).__name__}.rated_items"
        self._check_fitted(op)
        row, known = self._users.lookup(np.array([one_id(op, "user", user)]))
        if not known[0]:
            return np.zeros(0, dtype=np.int64)
        return self._items.ids[self._seen_rows(int(row[0]))]

    def item_rows(self, items: Any) -> np.ndarray:
        """Rows of ``item_factors`` for original item ids (an error for unknown ids)."""
        op = f"{type(self).__name__}.item_rows"
        self._check_fitted(op)
        return self._items.rows(op, items, "items")

    def user_rows(self, users: Any) -> np.ndarray:
        """Rows of ``user_factors`` for original user ids (an error for unknown ids)."""
        op = f"{type(self).__name__}.user_rows"
        self._check_fitted(op)
        return self._users.rows(op, users, "users")


__all__ = ["FactorModel", "top_k_unseen"]
