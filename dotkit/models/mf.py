"""Matrix factorization: a rating is a dot product of two learned vectors.

Each user ``u`` gets a taste vector ``p_u`` and each item ``i`` a feature
vector ``q_i`` (both of length ``n_factors``); the predicted rating is

    r̂_ui = μ + b_u + b_i + p_u·q_i

with ``μ`` the mean training rating and ``b_u``, ``b_i`` how much more
generously a user rates, and how much better an item is rated, than average.
Stacking the vectors as rows of ``P`` (users × f) and ``Q`` (items × f) makes
the whole matrix of dot products one low-rank product ``P Qᵀ``.

Training minimises the squared error plus penalties that grow with each
user's and item's number of ratings as ``n^α`` (``α = 1``: the "weighted-λ"
rule of Zhou et al., 2008) and, by default, a fixed ``λ_b`` on each bias:

    L = Σ (r_ui - r̂_ui)² + λ [Σ_u n_u^α ‖p_u‖² + Σ_i n_i^α ‖q_i‖²] + λ_b [Σ_u b_u² + Σ_i b_i²]

The fitting lives in :mod:`dotkit.models.als` and :mod:`dotkit.models.mf_sgd`;
this class holds the id maps, factors and biases, and answers predictions and
recommendations. A fit that fails (a singular system, a diverging SGD) raises
:class:`~dotkit.errors.FitError` and leaves the model as it was. An unseen
user or item has no vector: its prediction is ``μ`` plus whatever bias is known.

Example:
    >>> from dotkit.models.mf import MatrixFactorization
    >>> mf = MatrixFactorization(n_factors=2, seed=0)
    >>> mf = mf.fit([1, 1, 2, 3], [10, 20, 10, 20], [5.0, 3.0, 4.0, 2.0], epochs=3, progress=False)
    >>> mf.predict([1], [10]).shape
    (1,)
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from dotkit._inputs import as_array, check_positive_int
from dotkit._threads import one_blas_thread
from dotkit.backends import Backend
from dotkit.errors import InputValueError, NotFittedError, ShapeError
from dotkit.models import als
from dotkit.models.factors import FactorModel, top_k_unseen
from dotkit.models.ids import as_ids, check_number, check_triples, one_id
from dotkit.models.mf_sgd import Params, bias_penalties, sgd_epoch
from dotkit.progress import progress as progress_bar

_METHODS = ("als", "sgd")


class Recommendation(NamedTuple):
    """Items ranked best first: their original ``ids`` and their ``scores`` (NumPy)."""

    items: np.ndarray
    scores: np.ndarray


class MatrixFactorization(FactorModel):
    """Learn user and item vectors whose dot products predict ratings.

    ``r̂_ui = μ + b_u + b_i + p_u·q_i`` (with ``biases=False``: ``r̂_ui = p_u·q_i``),
    fitted by alternating least squares or stochastic gradient descent; see
    the module docstring for the objective.

    Args:
        n_factors: length ``f`` of each vector (0 gives a biases-only model).
        reg: ``λ``, the penalty on the squared vector sizes, times ``n^α``.
        method: ``"als"`` or ``"sgd"``.
        biases: learn ``μ + b_u + b_i`` around the dot product.
        seed: seeds the initial vectors and SGD's shuffling.
        backend: array backend (name or object); default: the current one.
        lr: SGD step size ``η`` (ignored by ALS).
        batch_size: SGD mini-batch size (ignored by ALS).
        init_scale: standard deviation of the initial vector entries.
        bias_reg: ``λ_b`` (default 10.0 with ``bias_penalty="fixed"``, ``reg`` with ``"count"``).
        bias_penalty: ``"fixed"`` (default): ``λ_b b²`` per user and item, so a
            bias estimated from few ratings is shrunk towards 0 (one from ``n``
            ratings keeps about ``n / (n + λ_b)`` of its raw value);
            ``"count"``: ``λ_b n^α b²``, like the vectors.
        reg_exponent: ``α`` in the penalty ``λ n^α`` (ALS only; SGD's penalty is
            per rating, so ``α = 1``).

    Attributes (after :meth:`fit`):
        user_factors ``(n_users, f)``, item_factors ``(n_items, f)``,
        user_bias ``(n_users,)``, item_bias ``(n_items,)``: backend arrays,
        rows in the order of ``user_ids`` / ``item_ids`` (sorted original ids);
        global_mean: ``μ``; history: ``{"train_rmse": [...], "val_rmse": [...]}`` per epoch.
    """

    def __init__(
        self,
        n_factors: int = 32,
        reg: float = 0.1,
        method: str = "als",
        biases: bool = True,
        seed: int = 0,
        backend: str | Backend | None = None,
        *,
        lr: float = 0.01,
        batch_size: int = 512,
        init_scale: float = 0.1,
        bias_reg: float | None = None,
        bias_penalty: str = "fixed",
        reg_exponent: float = 1.0,
    ) -> None:
        op = "MatrixFactorization"
        self.n_factors = check_positive_int(op, "n_factors", n_factors, minimum=0)
        if method not in _METHODS:
            raise InputValueError(f"{op}: method must be 'als' or 'sgd'; received {method!r}")
        if not biases and self.n_factors == 0:
            raise InputValueError(f"{op}: n_factors=0 without biases leaves nothing to learn")
        if bias_penalty not in ("fixed", "count"):
            raise InputValueError(
                f"{op}: bias_penalty must be 'fixed' or 'count'; received {bias_penalty!r}"
            )
        if method == "sgd" and reg_exponent != 1:
            raise InputValueError(f"{op}: reg_exponent applies to ALS only; received "
                                  f"reg_exponent={reg_exponent!r} with method='sgd'")
        self.bias_penalty, self.method, self.biases = bias_penalty, method, bool(biases)
        self.reg = check_number(op, "reg", reg)
        self.lr = check_number(op, "lr", lr)
        if self.lr == 0:
            raise InputValueError(f"{op}: lr must be > 0; received lr=0")
        self.init_scale = check_number(op, "init_scale", init_scale)
        default_breg = 10.0 if bias_penalty == "fixed" else reg
        self.bias_reg = check_number(op, "bias_reg", default_breg if bias_reg is None else bias_reg)
        self.reg_exponent = check_number(op, "reg_exponent", reg_exponent)
        self.seed = check_positive_int(op, "seed", seed, minimum=0)
        self.backend = backend
        self.batch_size = check_positive_int(op, "batch_size", batch_size)
        self.history: dict[str, list[float]] = {"train_rmse": [], "val_rmse": []}

    # -- fitting ---------------------------------------------------------------
    def fit(
        self,
        users: Any,
        items: Any,
        ratings: Any,
        epochs: int = 15,
        validation: tuple[Any, Any, Any] | None = None,
        progress: bool = True,
        *,
        record: bool = True,
    ) -> MatrixFactorization:
        """Fit the vectors and biases to the observed ``(user, item, rating)`` triples.

        Args:
            users, items: ``(n,)`` non-negative integer ids.
            ratings: ``(n,)`` finite ratings.
            epochs: full passes (ALS: one user half-step and one item half-step).
            validation: optional ``(users, items, ratings)`` whose RMSE is
                recorded after every epoch in ``history["val_rmse"]``.
            progress: show a progress bar (``DOTKIT_PROGRESS=0`` hides it too).
            record: record the training RMSE after every epoch (one more pass
                over the ratings per epoch).

        Returns:
            ``self``. On any error the model is left as it was before the call.
        """
        op = "MatrixFactorization.fit"
        u, i, bk, r = check_triples(op, users, items, ratings, self.backend)
        if len(u) == 0:
            raise InputValueError(f"{op}: no ratings to fit")
        epochs = check_positive_int(op, "epochs", epochs)
        val = None
        if validation is not None:
            if not isinstance(validation, (tuple, list)) or len(validation) != 3:
                raise InputValueError(f"{op}: validation must be a (users, items, ratings) tuple")
            val = check_triples(op, *validation, bk)
        # A failed or interrupted fit leaves the model as it was.
        self._transaction(lambda: self._fit(bk, u, i, r, epochs, val, progress, record))
        return self

    def _fit(self, bk: Backend, u: np.ndarray, i: np.ndarray, r: Any, epochs: int, val: Any,
             progress: bool, record: bool) -> None:
        self._bk, self._dtype = bk, bk.default_float
        rows_u, rows_i = self._set_ids(u, i)
        self._init_params(bk, r)
        self._fitted = True
        train = (bk.asarray(np.array(rows_u, dtype=np.int32)), bk.asarray(np.array(rows_i, dtype=np.int32)), r)
        step = self._als_epoch_fn(bk, rows_u, rows_i, r) if self.method == "als" else self._sgd_epoch_fn(bk, train)
        self.history = {"train_rmse": [], "val_rmse": []}
        # ALS makes many batched products of small matrices: BLAS threads buy nothing
        # there, and on a busy machine each call waits for its threads.
        with one_blas_thread():
            show = None if progress else False  # None: on unless DOTKIT_PROGRESS=0
            for _ in progress_bar(range(epochs), desc=f"{self.method} epochs", enabled=show):
                step()
                if record:
                    self.history["train_rmse"].append(self._rmse_rows(*train))
                if val is not None:
                    self.history["val_rmse"].append(self._rmse_ids(*val))
        bk.sync(self.user_factors, self.item_factors, self.user_bias, self.item_bias)

    def _init_params(self, bk: Backend, r: Any) -> None:
        xp, f = bk.xp, self.n_factors
        rng = np.random.default_rng(self.seed)
        nu, ni = len(self._users), len(self._items)
        self.global_mean = float(xp.mean(r).item())
        self._mu = self.global_mean if self.biases else 0.0
        scale = self.init_scale
        self.user_factors = bk.asarray(scale * rng.standard_normal((nu, f)), dtype=self._dtype)
        self.item_factors = bk.asarray(scale * rng.standard_normal((ni, f)), dtype=self._dtype)
        self.user_bias = xp.zeros((nu,), dtype=self._dtype)
        self.item_bias = xp.zeros((ni,), dtype=self._dtype)

    @property
    def _penalty(self) -> als.Penalty:
        return als.Penalty(self.reg, self.reg_exponent, self.bias_reg,
                           self.bias_penalty == "count", self.biases)

    def _als_epoch_fn(self, bk: Backend, rows_u: np.ndarray, rows_i: np.ndarray, r: Any) -> Any:
        nu, ni = len(self._users), len(self._items)
        counts = {"user": np.bincount(rows_u, minlength=nu), "item": np.bincount(rows_i, minlength=ni)}
        unknowns = self.n_factors + int(self.biases and self.bias_reg == 0)  # a penalised bias is never singular
        als.check_solvable("MatrixFactorization.fit", counts, unknowns, self._penalty)
        user_side = als.padded_segments(bk, rows_u, rows_i, nu, ni, self._dtype)
        item_side = als.padded_segments(bk, rows_i, rows_u, ni, nu, self._dtype)
        # How many batched products each half-step makes (users, items).
        self.batches_per_half_step = (len(user_side[0]), len(item_side[0]))
        op, pen = "MatrixFactorization.fit", self._penalty

        def epoch() -> None:
            self.user_factors, self.user_bias = als.als_half_step(
                bk, user_side, self.item_factors, self.item_bias, r, self._mu, pen, op)
            self.item_factors, self.item_bias = als.als_half_step(
                bk, item_side, self.user_factors, self.user_bias, r, self._mu, pen, op)
            bk.sync(self.user_factors, self.item_factors, self.user_bias, self.item_bias)

        return epoch

    def _sgd_epoch_fn(self, bk: Backend, train: tuple[Any, Any, Any]) -> Any:
        rng = np.random.default_rng(self.seed + 1)
        scaled = self.bias_penalty == "count"
        counts = (np.bincount(m.rows_of_input, minlength=len(m)) for m in (self._users, self._items))
        pens = tuple(bias_penalties(bk, c, self.bias_reg, scaled, self._dtype) for c in counts)

        def epoch() -> None:
            params = Params(self.user_factors, self.item_factors, self.user_bias, self.item_bias)
            new = sgd_epoch(bk, params, train, rng.permutation(train[2].shape[0]), mu=self._mu,
                            lr=self.lr, reg=self.reg, bias_pen=pens if self.biases else None,
                            batch_size=self.batch_size, op="MatrixFactorization.fit")
            self.user_factors, self.item_factors, self.user_bias, self.item_bias = new

        return epoch

    # -- predicting ------------------------------------------------------------
    def _score_rows(self, ru: Any, ri: Any, known_u: Any = None, known_i: Any = None) -> Any:
        """``μ + b_u + b_i + p_u·q_i`` for row indices, zeroing what is unknown."""
        bk = self._bk
        dotp = bk.vecdot(self.user_factors[ru], self.item_factors[ri])
        bu, bi = self.user_bias[ru], self.item_bias[ri]
        if known_u is None:
            return self._mu + bu + bi + dotp
        both = known_u * known_i
        if self.biases:
            return self._mu + bu * known_u + bi * known_i + dotp * both
        return bk.xp.where(both > 0, dotp, self.global_mean)

    def _rmse_rows(self, ru: Any, ri: Any, r: Any) -> float:
        e = r - self._score_rows(ru, ri)
        return math.sqrt(float(self._bk.vecdot(e, e).item()) / r.shape[0])

    def _rmse_ids(self, u: np.ndarray, i: np.ndarray, bk: Backend, r: Any) -> float:
        e = r - self._predict_ids(u, i)
        return math.sqrt(float(bk.vecdot(e, e).item()) / max(r.shape[0], 1))

    def _predict_ids(self, u: np.ndarray, i: np.ndarray) -> Any:
        bk = self._bk
        ru, ku = self._users.lookup(u)
        ri, ki = self._items.lookup(i)
        as_rows = lambda a: bk.asarray(np.array(a, dtype=np.int32))  # noqa: E731
        as_mask = lambda a: bk.asarray(np.array(a, dtype=np.float64), dtype=self._dtype)  # noqa: E731
        return self._score_rows(as_rows(ru), as_rows(ri), as_mask(ku), as_mask(ki))

    def predict(self, users: Any, items: Any, *, clip: tuple[float, float] | None = None) -> Any:
        """Predicted ratings ``μ + b_u + b_i + p_u·q_i`` for paired ids, ``(n,)`` backend array.

        A user (or item) unseen in training contributes neither bias nor
        vector: an unseen user gets ``μ + b_i``, an unseen item ``μ + b_u``,
        both unseen ``μ``. With ``biases=False`` an unknown pair gets the mean
        training rating. ``clip``: an optional ``(low, high)`` rating range.
        """
        op = "MatrixFactorization.predict"
        self._check_fitted(op)
        u, i = as_ids(op, "users", users), as_ids(op, "items", items)
        if len(u) != len(i):
            raise ShapeError(f"{op}: users and items must pair up; received users.shape={u.shape}, "
                             f"items.shape={i.shape}")
        out = self._predict_ids(u, i)
        if clip is not None:
            ok = isinstance(clip, (tuple, list)) and len(clip) == 2
            if not ok or not all(isinstance(c, (int, float)) for c in clip) or not clip[0] <= clip[1]:
                raise InputValueError(
                    f"{op}: clip must be (low, high) with low <= high; received clip={clip!r}")
            out = self._bk.xp.clip(out, clip[0], clip[1])
        return out

    # -- ranking ---------------------------------------------------------------
    def recommend(self, user: Any, k: int = 10, exclude_seen: bool = True, *,
                  metric: str = "rating") -> Recommendation:
        """The ``k`` items ranked best for ``user``: by predicted rating, or by cosine.

        ``metric="rating"``: every item's predicted rating
        ``μ + b_u + b_i + p_u·q_i`` comes from one matrix–vector product,
        ``[Q, b] · [p_u, 1]`` (:func:`dotkit.top_k_similar` with the dot
        product), then a partial sort picks the best. An unseen user gets the
        items with the largest bias. ``metric="cosine"``: ``cos(p_u, q_i)``
        alone, biases and lengths left out (the user must have a vector).
        Items the user rated in training are skipped when ``exclude_seen``;
        fewer than ``k`` come back if fewer remain.

        Returns:
            ``Recommendation(items, scores)``: original ids and their scores
            (predicted ratings, or cosines), best first (NumPy arrays).
        """
        op = "MatrixFactorization.recommend"
        self._check_fitted(op)
        user = one_id(op, "user", user)
        k = check_positive_int(op, "k", k)
        if metric not in ("rating", "cosine"):
            raise InputValueError(f"{op}: metric must be 'rating' or 'cosine'; received {metric!r}")
        n = len(self._items)
        if k > n:
            raise InputValueError(f"{op}: k={k} is larger than the number of known items ({n})")
        row, known = self._users.lookup(np.array([user]))
        row, known = int(row[0]), bool(known[0])
        xp = self._bk.xp
        drop = self._seen_rows(row) if known and exclude_seen else np.zeros(0, dtype=np.int64)
        if metric == "cosine":
            if not known or self.n_factors == 0:
                raise InputValueError(f"{op}: user {user} has no vector to compare by cosine "
                                      "(unseen in training, or n_factors=0)")
            rows, scores = top_k_unseen(self._bk, self.user_factors[row], self.item_factors, k, drop, "cosine")
            return Recommendation(self._items.ids[rows], scores)
        ones = xp.ones((1,), dtype=self._dtype)
        p = self.user_factors[row] if known else xp.zeros((self.n_factors,), dtype=self._dtype)
        keys = xp.concatenate([self.item_factors, self.item_bias[:, None]], axis=1)
        rows, scores = top_k_unseen(self._bk, xp.concatenate([p, ones]), keys, k, drop, "dot")
        offset = self._mu + (float(self.user_bias[row].item()) if known else 0.0)
        return Recommendation(self._items.ids[rows], scores + offset)

    def fold_in(self, items: Any, ratings: Any) -> tuple[float, np.ndarray]:
        """A new user's ``(b_u, p_u)`` from a few ratings, with every item fixed ("folding in").

        One row of an ALS user half-step (:func:`dotkit.models.als.fold_in`):
        rows ``[1, q_i]`` of the rated items, targets ``r - μ - b_i``, penalty
        ``diag(λ_b, λn^α, …, λn^α)``. Nothing else is refitted.

        Returns:
            ``(b_u, p_u)`` as a float and a NumPy vector of length ``n_factors``.
        """
        op = "MatrixFactorization.fold_in"
        self._check_fitted(op)
        rows = self.item_rows(items)
        y = as_array(op, "ratings", ratings, self._bk, ndim=1, allow_int=True, finite=True)
        y = np.asarray(self._bk.to_numpy(y), dtype=float)
        if len(y) != len(rows) or len(y) == 0:
            raise ShapeError(f"{op}: give one rating per item (and at least one); received "
                             f"{len(rows)} items and {len(y)} ratings")
        Q = np.asarray(self._bk.to_numpy(self.item_factors), dtype=float)[rows]
        b = np.asarray(self._bk.to_numpy(self.item_bias), dtype=float)[rows]
        x = als.fold_in(Q, b, y, self._mu, self._penalty)
        return (float(x[0]), x[1:]) if self.biases else (0.0, x)

    def similar_items(self, item: Any, k: int = 10, *, metric: str = "cosine") -> Recommendation:
        """The ``k`` items whose vectors are nearest to ``item``'s ("more like this").

        Only the vectors ``q`` are compared, never the biases.
        ``metric="cosine"`` compares directions only; ``"dot"`` also rewards
        long vectors, whatever made them long. The item itself is left out.
        """
        op = "MatrixFactorization.similar_items"
        self._check_fitted(op)
        if metric not in ("cosine", "dot"):
            raise InputValueError(f"{op}: metric must be 'cosine' or 'dot'; received metric={metric!r}")
        item = one_id(op, "item", item)
        row, known = self._items.lookup(np.array([item]))
        if not known[0]:
            raise InputValueError(f"{op}: item {item} was not in the training data, so it has no vector")
        if self.n_factors == 0:
            raise InputValueError(f"{op}: a model with n_factors=0 has no item vectors to compare")
        k = check_positive_int(op, "k", k)
        if k > len(self._items) - 1:
            raise InputValueError(
                f"{op}: k={k} is larger than the number of other items ({len(self._items) - 1})")
        Q = self.item_factors
        rows, scores = top_k_unseen(self._bk, Q[int(row[0])], Q, k, row[:1], metric)
        return Recommendation(self._items.ids[rows], scores)

    def __repr__(self) -> str:
        state = "fitted" if self._fitted else "not fitted"
        return (f"MatrixFactorization(n_factors={self.n_factors}, reg={self.reg}, "
                f"reg_exponent={self.reg_exponent}, method={self.method!r}, biases={self.biases}, "
                f"bias_penalty={self.bias_penalty!r}, seed={self.seed}) [{state}]")


__all__ = ["MatrixFactorization", "NotFittedError", "Recommendation"]
