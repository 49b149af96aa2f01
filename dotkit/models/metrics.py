"""How good a recommender is: rating errors and top-k hit rates.

Rating errors compare predicted and true ratings entry by entry:

* ``rmse = √( Σ (r - r̂)² / n )`` — the square root of the mean squared error,
  itself ``(r - r̂)·(r - r̂) / n``: a dot product of the error with itself;
* ``mae = Σ |r - r̂| / n``.

Ranking metrics ask whether the top of a ranked list holds what the user
liked (their *relevant* items, for instance the held-out ones rated ≥ 4):

* ``precision@k = |top-k ∩ relevant| / k``;
* ``recall@k = |top-k ∩ relevant| / |relevant|``.

Example:
    >>> from dotkit.models.metrics import rmse, precision_at_k
    >>> float(rmse([3.0, 4.0], [2.0, 4.0]))
    0.7071067811865476
    >>> precision_at_k([7, 3, 9], {3, 4}, k=2)
    0.5
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from dotkit._inputs import as_array, check_positive_int, resolve
from dotkit.backends import Backend
from dotkit.errors import DtypeError, InputValueError, ShapeError


def _errors(
    op: str, y_true: Any, y_pred: Any, backend: str | Backend | None
) -> tuple[Backend, Any]:
    bk = resolve(op, y_true, y_pred, backend=backend)
    t = as_array(op, "y_true", y_true, bk, ndim=1, allow_int=False, finite=True)
    p = as_array(op, "y_pred", y_pred, bk, ndim=1, allow_int=False, finite=True)
    if t.shape != p.shape:
        raise ShapeError(
            f"{op}: y_true and y_pred differ in length; received y_true.shape={tuple(t.shape)}, "
            f"y_pred.shape={tuple(p.shape)}"
        )
    if t.shape[0] == 0:
        raise InputValueError(f"{op}: y_true and y_pred are empty; there is no error to average")
    work = bk.float32 if t.dtype == bk.float32 and p.dtype == bk.float32 else bk.default_float
    return bk, bk.cast(t, work) - bk.cast(p, work)


def rmse(y_true: Any, y_pred: Any, *, backend: str | Backend | None = None) -> float:
    """Root mean squared error ``√( e·e / n )`` with ``e = y_true - y_pred``.

    Args:
        y_true, y_pred: ``(n,)`` ratings, ``n >= 1``.

    Returns:
        A Python float.

    Example:
        >>> round(rmse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0]), 4)
        1.1547
    """
    bk, e = _errors("rmse", y_true, y_pred, backend)
    # e·e overflows for errors near 1e155 (float64) or 1e19 (float32) and underflows for tiny ones, though
    # the root is representable: scale by the largest error first, as a careful norm does
    top = float(bk.xp.max(bk.xp.abs(e)).item())
    if top == 0.0 or not math.isfinite(top):
        return top
    u = e / top
    return top * math.sqrt(float(bk.vecdot(u, u).item()) / e.shape[0])


def mae(y_true: Any, y_pred: Any, *, backend: str | Backend | None = None) -> float:
    """Mean absolute error ``Σ |y_true - y_pred| / n``.

    Example:
        >>> mae([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
        0.6666666666666666
    """
    bk, e = _errors("mae", y_true, y_pred, backend)
    return float(bk.xp.mean(bk.xp.abs(e)).item())


def _is_batch(recommended: Any) -> bool:
    """Whether ``recommended`` holds one ranked list per user rather than one list."""
    ndim = getattr(recommended, "ndim", None)
    if ndim is not None:
        return ndim == 2
    items = list(recommended)
    return bool(items) and all(hasattr(x, "__len__") for x in items)


def _hits(op: str, recommended: Sequence[Any], relevant: Iterable[Any], k: int) -> tuple[int, int]:
    from dotkit.linalg import to_numpy

    flat = np.asarray(to_numpy(recommended)).ravel() if len(recommended) else np.zeros(0, int)
    top = flat[:k]
    integral = top.dtype.kind in "iu" or (
        top.dtype.kind == "f" and bool(np.all(np.isfinite(top) & (top == np.round(top))))
    )
    if not integral:
        raise DtypeError(
            f"{op}: recommended must hold integer item ids; received dtype {top.dtype} "
            f"with values such as {top[:3].tolist()}"
        )
    ranked = [int(x) for x in top]
    truth = {int(x) for x in relevant}
    return len(set(ranked) & truth), len(truth)


def _ranking(op: str, recommended: Any, relevant: Any, k: int, per_user: Any) -> float:
    k = check_positive_int(op, "k", k)
    if recommended is None or relevant is None:
        raise InputValueError(f"{op}: recommended and relevant are required; received None")
    if not _is_batch(recommended):
        return per_user(*_hits(op, recommended, relevant, k), k)
    recs, rels = list(recommended), list(relevant)
    if len(recs) != len(rels):
        raise ShapeError(
            f"{op}: one list of relevant items per user is needed; received {len(recs)} "
            f"ranked lists and {len(rels)} relevant sets"
        )
    scores = [per_user(*_hits(op, r, t, k), k) for r, t in zip(recs, rels) if len(set(t))]
    if not scores:
        raise InputValueError(f"{op}: no user has any relevant item; the metric is undefined")
    return float(np.mean(scores))


def precision_at_k(recommended: Any, relevant: Any, k: int = 10) -> float:
    """``precision@k = |top-k ∩ relevant| / k``: the share of the list that hits.

    Args:
        recommended: item ids ranked best first, ``(>= k,)``; or one such list
            per user (a 2-D array or a list of lists), giving the mean over the
            users that have at least one relevant item.
        relevant: the ids that count as hits (a set or any iterable), or one
            such collection per user.
        k: the list length judged.

    Example:
        >>> precision_at_k([[1, 2], [3, 4]], [{1}, {3, 4}], k=2)
        0.75
    """
    return _ranking("precision_at_k", recommended, relevant, k, lambda hit, n_rel, k: hit / k)


def recall_at_k(recommended: Any, relevant: Any, k: int = 10) -> float:
    """``recall@k = |top-k ∩ relevant| / |relevant|``: the share of hits the list finds.

    A user with no relevant item has no recall; in a batch such users are skipped.

    Example:
        >>> recall_at_k([5, 1, 8], {1, 2}, k=3)
        0.5
    """

    def per_user(hit: int, n_rel: int, k: int) -> float:
        if n_rel == 0:
            raise InputValueError("recall_at_k: relevant is empty, so recall is undefined")
        return hit / n_rel

    return _ranking("recall_at_k", recommended, relevant, k, per_user)


__all__ = ["mae", "precision_at_k", "recall_at_k", "rmse"]
