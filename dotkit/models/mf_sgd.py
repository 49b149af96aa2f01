"""Stochastic gradient descent (SGD) for biased matrix factorization.

SGD visits the ratings in shuffled mini-batches and moves each vector against
the gradient of its rating's share of the loss, with ``e_ui = r_ui - r̂_ui``:

    p_u += η (e_ui q_i - λ p_u),    q_i += η (e_ui p_u - λ q_i),
    b_u += η (e_ui - λ_b,u b_u),    b_i += η (e_ui - λ_b,i b_i).

Applied once per rating, the vector penalty adds up to ``λ n_u ‖p_u‖²``, the
weighted-λ loss that ALS minimises with ``α = 1``; a fixed bias penalty
``λ_b`` is spread as ``λ_b / n_u`` per rating. Both vectors of a pair move with
the error and the vectors from before the step.

Example:
    >>> from dotkit.models.mf import MatrixFactorization
    >>> mf = MatrixFactorization(n_factors=2, method="sgd").fit([0, 1], [0, 1], [4.0, 2.0], progress=False)
    >>> len(mf.history["train_rmse"])
    15
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from dotkit.backends import Backend
from dotkit.errors import FitError


class Params(NamedTuple):
    """The four arrays SGD moves: ``P``, ``Q``, ``b_user``, ``b_item``."""

    P: Any
    Q: Any
    bu: Any
    bi: Any


def bias_penalties(bk: Backend, counts: np.ndarray, bias_reg: float, scaled: bool, dtype: Any) -> Any:
    """Each entity's per-rating bias penalty: ``λ_b`` (count-scaled) or ``λ_b / n`` (fixed)."""
    share = np.full(len(counts), bias_reg) if scaled else bias_reg / np.maximum(counts, 1)
    return bk.asarray(np.asarray(share, dtype=np.float64), dtype=dtype)


def sgd_epoch(
    bk: Backend,
    params: Params,
    train: tuple[Any, Any, Any],
    perm: np.ndarray,
    *,
    mu: float,
    lr: float,
    reg: float,
    bias_pen: tuple[Any, Any] | None,
    batch_size: int,
    op: str = "sgd_epoch",
) -> Params:
    """One pass over the ratings in the order ``perm``; returns the new parameters.

    Raises :class:`FitError` at the first mini-batch whose squared error is
    not finite (a step size too large makes SGD diverge); ``params``
    themselves are never modified.
    """
    perm_b = bk.asarray(np.array(perm, dtype=np.int32))
    with np.errstate(all="ignore"):  # a diverging step is reported below, as a FitError
        return _epoch(bk, params, train, perm_b, mu, lr, reg, bias_pen, batch_size, op)


def _epoch(bk: Backend, params: Params, train: tuple[Any, Any, Any], perm_b: Any, mu: float, lr: float,
           reg: float, bias_pen: tuple[Any, Any] | None, batch_size: int, op: str) -> Params:
    """The loop of :func:`sgd_epoch`, then the check that the loss stayed finite."""
    rows_u, rows_i, r = train
    P, Q, bu, bi = params
    sq = 0.0
    for start in range(0, r.shape[0], batch_size):
        b = perm_b[start : start + batch_size]
        ub, ib = rows_u[b], rows_i[b]
        pu, qi = P[ub], Q[ib]
        err = r[b] - (mu + bu[ub] + bi[ib] + bk.vecdot(pu, qi))
        sq = sq + float(bk.vecdot(err, err).item())
        if not math.isfinite(sq):  # stop at the first batch whose loss is no longer finite
            break
        P = bk.scatter_add(P, ub, lr * (err[:, None] * qi - reg * pu))
        Q = bk.scatter_add(Q, ib, lr * (err[:, None] * pu - reg * qi))
        if bias_pen is not None:
            bu = bk.scatter_add(bu, ub, lr * (err - bias_pen[0][ub] * bu[ub]))
            bi = bk.scatter_add(bi, ib, lr * (err - bias_pen[1][ib] * bi[ib]))
        bk.sync(P, Q, bu, bi)  # keeps a lazy backend's graph one batch long
    size = float(bk.xp.sum(P * P).item() + bk.xp.sum(Q * Q).item()) if P.shape[1] else 0.0
    if not (math.isfinite(sq) and math.isfinite(size)):
        raise FitError(
            f"{op}: the squared error became non-finite during an epoch (SGD diverged); "
            f"use a smaller step size than lr={lr}"
        )
    return Params(P, Q, bu, bi)


__all__ = ["Params", "bias_penalties", "sgd_epoch"]
