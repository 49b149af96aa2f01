"""Implicit-feedback ranking: weighted ALS over every cell, watched or not.

When all we know is *who rated (watched, bought) what*, every cell of the
user × item table carries a preference ``p_ui`` (1 where the user chose the
item, 0 elsewhere) with a confidence ``c_ui = 1 + a w_ui`` (``w_ui``: 1 for
a rating, or any non-negative strength; 0 for an empty cell, so ``c_ui = 1``).
Weighted ALS (Hu, Koren & Volinsky, "Collaborative Filtering for Implicit
Feedback Datasets", 2008) fits ``p_ui ≈ x_u·y_i`` over *all* cells:

    L = Σ_(u,i) c_ui (p_ui - x_u·y_i)² + λ (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²).

With the items fixed, each user's vector solves

    (YᵀY + Yᵀ(C_u - I)Y + λI) x_u = Yᵀ C_u p_u,

and ``YᵀY`` is shared by every user, so only the user's own items add to the
Gram matrix: the same padded batches as rating ALS (:mod:`dotkit.models.als`).
The items are solved the same way. Items are then ranked by ``x_u·y_i``.

Example:
    >>> model = ImplicitALS(n_factors=2, seed=0).fit([1, 1, 2], [10, 20, 20], epochs=3, progress=False)
    >>> model.recommend(2, k=1).items.tolist()
    [10]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dotkit._inputs import as_array, check_positive_int, resolve
from dotkit._threads import one_blas_thread
from dotkit.backends import Backend
from dotkit.errors import FitError, InputValueError, ShapeError
from dotkit.models.als import Padded, padded_segments, solve_systems
from dotkit.models.factors import FactorModel, top_k_unseen
from dotkit.models.ids import as_ids, check_number, one_id
from dotkit.models.mf import Recommendation
from dotkit.progress import progress as progress_bar


def wals_half_step(bk: Backend, side: tuple[list[Padded], Any], other: Any, conf: Any,
                   reg: float, op: str = "wals_half_step") -> Any:
    """Every entity's ``(YᵀY + Yᵀ(C - I)Y + λI)⁻¹ Yᵀ C p`` with the other side ``Y`` fixed.

    ``conf``: ``(n_ratings,)`` confidences ``c_ui`` of the observed cells
    (every other cell has ``c = 1``, ``p = 0``). Returns ``(n, f)`` in entity order.
    """
    xp = bk.xp
    chunks, back = side
    f = other.shape[1]
    shared = xp.matmul(xp.swapaxes(other, 0, 1), other) + reg * bk.asarray(np.eye(f), dtype=other.dtype)
    other = xp.concatenate([other, xp.zeros((1, f), dtype=other.dtype)], axis=0)  # padding row
    solutions = []
    for ch in chunks:
        A = other[ch.other]  # (B, L, f): the entity's own items (zero rows as padding)
        c = conf[ch.rating] * ch.mask  # (B, L): 0 where padded
        At = xp.swapaxes(A, 1, 2)
        gram = shared[None] + xp.matmul(At * (c - ch.mask)[:, None, :], A)  # YᵀY + Yᵀ(C - I)Y + λI
        rhs = xp.matmul(At, c[..., None])  # Yᵀ C p: p is 1 on the observed cells, 0 elsewhere
        solutions.append(solve_systems(bk, op, gram, rhs)[..., 0])
    return xp.concatenate(solutions, axis=0)[back]


def wals_loss(bk: Backend, X: Any, Y: Any, rows_u: Any, rows_i: Any, conf: Any, reg: float) -> float:
    """``L`` above without visiting the empty cells.

    ``Σ_all (x_u·y_i)² = trace((XᵀX)(YᵀY))``; the observed cells then swap
    their ``(x_u·y_i)²`` for ``c_ui (1 - x_u·y_i)²``.
    """
    xp = bk.xp
    every = xp.sum(xp.matmul(xp.swapaxes(X, 0, 1), X) * xp.matmul(xp.swapaxes(Y, 0, 1), Y))
    s = bk.vecdot(X[rows_u], Y[rows_i])
    observed = xp.sum(conf * (1 - s) ** 2 - s * s)
    size = xp.sum(X * X) + xp.sum(Y * Y)
    return float((every + observed + reg * size).item())


class ImplicitALS(FactorModel):
    """Weighted ALS for implicit feedback: rank items by ``x_u·y_i`` (see the module docstring).

    Args:
        n_factors: length ``f`` of each vector.
        reg: ``λ``, the penalty on the squared vector sizes.
        alpha: ``a`` in the confidence ``c_ui = 1 + a w_ui`` of an observed cell.
        seed: seeds the initial vectors.
        backend: array backend (name or object); default: the current one.
        init_scale: standard deviation of the initial vector entries.

    Attributes (after :meth:`fit`): ``user_factors`` ``(n_users, f)``,
    ``item_factors`` ``(n_items, f)``, rows in sorted-id order;
    ``history["loss"]``: ``L`` after every epoch.
    """

    def __init__(self, n_factors: int = 32, reg: float = 0.1, alpha: float = 10.0, seed: int = 0,
                 backend: str | Backend | None = None, *, init_scale: float = 0.1) -> None:
        op = "ImplicitALS"
        self.n_factors = check_positive_int(op, "n_factors", n_factors)
        self.reg = check_number(op, "reg", reg)
        self.alpha = check_number(op, "alpha", alpha)
        self.init_scale = check_number(op, "init_scale", init_scale)
        self.seed = check_positive_int(op, "seed", seed, minimum=0)
        self.backend = backend
        self.history: dict[str, list[float]] = {"loss": []}

    def fit(self, users: Any, items: Any, weights: Any = None, epochs: int = 10,
            progress: bool = True) -> ImplicitALS:
        """Fit to the observed ``(user, item)`` pairs (``weights``: optional strengths ``w_ui >= 0``).

        A pair listed twice counts as one cell with the weights summed. On any
        error the model is left as it was before the call.
        """
        op = "ImplicitALS.fit"
        u, i = as_ids(op, "users", users), as_ids(op, "items", items)
        if len(u) != len(i) or len(u) == 0:
            raise ShapeError(f"{op}: users and items must pair up, at least one pair; received "
                             f"users.shape={u.shape}, items.shape={i.shape}")
        bk = resolve(op, backend=self.backend)
        w = np.ones(len(u)) if weights is None else np.asarray(bk.to_numpy(as_array(
            op, "weights", weights, bk, ndim=1, allow_int=True, finite=True)), dtype=float)
        if w.shape != u.shape or (w < 0).any():
            raise InputValueError(f"{op}: weights must be one value >= 0 per pair; received "
                                  f"shape {w.shape}, min {w.min() if w.size else None}")
        epochs = check_positive_int(op, "epochs", epochs)
        self._transaction(lambda: self._fit(bk, u, i, w, epochs, progress))
        return self

    def _fit(self, bk: Backend, u: np.ndarray, i: np.ndarray, w: np.ndarray, epochs: int,
             progress: bool) -> None:
        op = "ImplicitALS.fit"
        cells = np.unique(np.stack([u, i]), axis=1, return_inverse=True)
        u, i, w = cells[0][0], cells[0][1], np.bincount(cells[1].ravel(), weights=w)
        self._bk, dtype = bk, bk.default_float
        rows_u, rows_i = self._set_ids(u, i)
        nu, ni, f = len(self._users), len(self._items), self.n_factors
        rng = np.random.default_rng(self.seed)
        self.user_factors = bk.asarray(self.init_scale * rng.standard_normal((nu, f)), dtype=dtype)
        self.item_factors = bk.asarray(self.init_scale * rng.standard_normal((ni, f)), dtype=dtype)
        with np.errstate(over="ignore"):
            c = 1 + self.alpha * w
        if not np.all(np.isfinite(c)) or c.max() > np.finfo(np.float32).max:
            raise FitError(f"{op}: the confidences 1 + alpha·w overflow (alpha={self.alpha}, largest "
                           f"w={w.max()}); use a smaller alpha or smaller weights")
        conf = bk.asarray(c, dtype=dtype)
        users_side = padded_segments(bk, rows_u, rows_i, nu, ni, dtype)
        items_side = padded_segments(bk, rows_i, rows_u, ni, nu, dtype)
        ru, ri = bk.asarray(np.array(rows_u, dtype=np.int32)), bk.asarray(np.array(rows_i, dtype=np.int32))
        self._fitted, self.history = True, {"loss": []}
        with one_blas_thread():
            for epoch in progress_bar(range(epochs), desc="implicit ALS epochs",
                                      enabled=None if progress else False):
                self.user_factors = wals_half_step(bk, users_side, self.item_factors, conf, self.reg, op)
                self.item_factors = wals_half_step(bk, items_side, self.user_factors, conf, self.reg, op)
                loss = wals_loss(bk, self.user_factors, self.item_factors, ru, ri, conf, self.reg)
                if not math.isfinite(loss):
                    raise FitError(f"{op}: the loss became non-finite at epoch {epoch + 1}")
                self.history["loss"].append(loss)

    def recommend(self, user: Any, k: int = 10, exclude_seen: bool = True) -> Recommendation:
        """The ``k`` items with the largest ``x_u·y_i`` (one matrix–vector product and a partial sort).

        Items the user chose in training are skipped when ``exclude_seen``.
        A user unseen in training has no vector: that is an error (rank by
        popularity instead).
        """
        op = "ImplicitALS.recommend"
        self._check_fitted(op)
        row = int(self.user_rows([one_id(op, "user", user)])[0])
        k = check_positive_int(op, "k", k)
        drop = self._seen_rows(row) if exclude_seen else np.zeros(0, dtype=np.int64)
        rows, scores = top_k_unseen(self._bk, self.user_factors[row], self.item_factors, k, drop, "dot")
        return Recommendation(self._items.ids[rows], scores)

    def __repr__(self) -> str:
        state = "fitted" if self._fitted else "not fitted"
        return (f"ImplicitALS(n_factors={self.n_factors}, reg={self.reg}, alpha={self.alpha}, "
                f"seed={self.seed}) [{state}]")


__all__ = ["ImplicitALS", "wals_half_step", "wals_loss"]
