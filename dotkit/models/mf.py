"""Matrix factorization: a rating is a dot product of two learned vectors.

Each user ``u`` gets a taste vector ``p_u`` and each item ``i`` a feature
vector ``q_i`` (both of length ``n_factors``); the predicted rating is

    r̂_ui = μ + b_u + b_i + p_u·q_i

with ``μ`` the mean training rating and ``b_u``, ``b_i`` how much more
generously a user rates, and how much better an item is rated, than average.
Stacking the vectors as rows of ``P`` (users × f) and ``Q`` (items × f) makes
the whole matrix of dot products one low-rank product ``P Qᵀ``.

Training minimises the squared error over the observed ratings plus a penalty
on the vectors that grows with how often each user and item appears (``n_u``,
``n_i``: the "weighted-λ" rule of Zhou et al., 2008) and, by default, a fixed
penalty ``λ_b`` on each bias (Koren's damped baselines):

    L = Σ_(u,i) (r_ui - r̂_ui)²
        + λ [ Σ_u n_u ‖p_u‖² + Σ_i n_i ‖q_i‖² ] + λ_b [ Σ_u b_u² + Σ_i b_i² ]

With ``bias_penalty="count"`` the biases are penalised like the vectors,
``λ_b n_u b_u²``: then an item with one rating keeps almost all of its
residual as its bias, however little that one rating says.

* **ALS** (alternating least squares) fixes the items and solves, for every
  user at once, the small regularised normal equations
  ``(Q̃_uᵀ Q̃_u + Λ_u) p̃_u = Q̃_uᵀ y_u``, ``Λ_u = diag(λ_b, λ n_u, …)`` (with ``q̃_i = [1, q_i]`` and
  ``p̃_u = [b_u, p_u]`` so that the bias is solved with the vector), then
  does the same for the items. The Gram matrices ``Q̃_uᵀ Q̃_u`` are dot
  products between the columns of the rated items' vectors; they are built
  for a whole batch of users with one batched matrix product over a padded
  layout and solved with one batched ``solve``.
* **SGD** visits the ratings in shuffled mini-batches and moves each vector
  against its gradient, ``p_u += η (e_ui q_i - λ p_u)``; applied once per
  rating, the penalty adds up to the same ``λ n_u ‖p_u‖²`` as above (a
  fixed bias penalty is spread as ``λ_b / n_u`` per rating).

User and item ids are any non-negative integers (MovieLens's start at 1);
they are mapped to rows internally. A user or item that was not in the
training data has no vector: its prediction is ``μ`` plus whatever bias is
known (the item's for an unseen user, and so on), never an error.

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

from dotkit._inputs import as_array, check_positive_int, resolve
from dotkit._threads import one_blas_thread
from dotkit.backends import Backend
from dotkit.errors import DotkitError, InputValueError, ShapeError
from dotkit.progress import progress as progress_bar

_CELLS_PER_CHUNK = 1 << 16  # padded (entity, rating) cells solved in one batch
_METHODS = ("als", "sgd")


class Recommendation(NamedTuple):
    """Items ranked best first: their original ``ids`` and predicted ``scores`` (NumPy)."""

    items: np.ndarray
    scores: np.ndarray


class NotFittedError(DotkitError, RuntimeError):
    """A model method that needs :meth:`MatrixFactorization.fit` to have run."""


def _as_ids(op: str, name: str, ids: Any) -> np.ndarray:
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
        arr = arr.astype(np.int64)
    if arr.size and arr.dtype.kind not in "iu":
        raise InputValueError(f"{op}: {name} must hold integer ids; received dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        bad = int(arr[np.argmax(arr < 0)])
        raise InputValueError(f"{op}: {name} must be non-negative ids; received {bad}")
    return arr


class _IdMap:
    """Original ids <-> rows 0..n-1 (sorted), with a lookup that flags unknown ids."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids, self.rows = np.unique(ids, return_inverse=True)

    def __len__(self) -> int:
        return len(self.ids)

    def lookup(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        return pos, self.ids[pos] == ids


class _Chunk(NamedTuple):
    rating: Any  # (B, L) index into the ratings (0 where padded)
    other: Any  # (B, L) row of the other side (0 where padded)
    mask: Any  # (B, L) 1.0 for a real rating, 0.0 for padding
    count: Any  # (B,) ratings per entity


def _segments(
    bk: Backend, owner: np.ndarray, other: np.ndarray, n: int, n_other: int, dtype: Any
) -> tuple[list[_Chunk], Any]:
    """The ratings of each of ``n`` entities as padded batches, fewest ratings first.

    Entities are sorted by count and cut into bands whose largest count is at
    most 1.5 times the smallest (so padding wastes at most a third of a batch)
    and whose padded size stays near ``_CELLS_PER_CHUNK``. Padding points at
    row ``n_other``, an all-zero row the solver appends. Returns the
    batches and the permutation that puts the concatenated per-batch solutions
    back in entity order.
    """
    order = np.argsort(owner, kind="stable")
    counts = np.bincount(owner, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    by_count = np.argsort(counts, kind="stable")
    chunks, a = [], 0
    while a < n:
        low = max(int(counts[by_count[a]]), 1)
        b = a + 1
        while b < n:
            c = int(counts[by_count[b]])
            if c > 1.5 * low or (b - a + 1) * c > _CELLS_PER_CHUNK:
                break
            b += 1
        ents = by_count[a:b]
        slot = np.arange(max(int(counts[ents].max()), 1))
        mask = slot[None, :] < counts[ents][:, None]
        flat = np.minimum(starts[ents][:, None] + slot[None, :], len(order) - 1)
        rating = np.where(mask, order[flat], 0)
        chunks.append(_Chunk(
            bk.asarray(rating.astype(np.int32)),
            bk.asarray(np.where(mask, other[rating], n_other).astype(np.int32)),
            bk.asarray(mask.astype(np.float64), dtype=dtype),
            bk.asarray(counts[ents].astype(np.float64), dtype=dtype),
        ))
        a = b
    return chunks, bk.asarray(np.argsort(by_count, kind="stable").astype(np.int32))


class MatrixFactorization:
    """Learn user and item vectors whose dot products predict ratings.

    ``r̂_ui = μ + b_u + b_i + p_u·q_i`` (with ``biases=False``: ``r̂_ui = p_u·q_i``),
    fitted by alternating least squares or stochastic gradient descent; see
    the module docstring for the objective.

    Args:
        n_factors: length ``f`` of each vector (0 gives a biases-only model).
        reg: ``λ``, the penalty per rating on the squared vector sizes (the biases have ``bias_reg``).
        method: ``"als"`` or ``"sgd"``.
        biases: learn ``μ + b_u + b_i`` around the dot product.
        seed: seeds the initial vectors and SGD's shuffling.
        backend: array backend (name or object); default: the current one.
        lr: SGD step size ``η`` (ignored by ALS).
        batch_size: SGD mini-batch size (ignored by ALS).
        init_scale: standard deviation of the initial vector entries.
        bias_reg: ``λ_b``, the penalty on each bias (default 10.0 with
            ``bias_penalty="fixed"``, ``reg`` with ``"count"``).
        bias_penalty: ``"fixed"`` (default): ``λ_b b²`` per user and item, so
            a bias estimated from few ratings is shrunk towards 0 (one from
            ``n`` ratings keeps about ``n / (n + λ_b)`` of its raw value);
            ``"count"``: ``λ_b n b²``, the same share for every count.

    Attributes (after :meth:`fit`):
        user_factors ``(n_users, f)``, item_factors ``(n_items, f)``,
        user_bias ``(n_users,)``, item_bias ``(n_items,)``: backend arrays,
        rows in the order of ``user_ids`` / ``item_ids`` (sorted original ids);
        global_mean: ``μ``; history: ``{"train_rmse": [...], "val_rmse": [...]}``
        per epoch.

    Example:
        >>> mf = MatrixFactorization(n_factors=8, reg=0.05, method="als")
        >>> mf.fit(users, items, ratings, epochs=10)  # doctest: +SKIP
        >>> mf.recommend(user=1, k=5).items  # doctest: +SKIP
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
        self.bias_penalty = bias_penalty
        if bias_reg is None:
            bias_reg = 10.0 if bias_penalty == "fixed" else reg
        checks = (("reg", reg), ("lr", lr), ("init_scale", init_scale), ("bias_reg", bias_reg))
        for name, value in checks:
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or not math.isfinite(value) or value < 0:
                raise InputValueError(
                    f"{op}: {name} must be a finite number >= 0; received {value!r}"
                )
        if lr == 0:
            raise InputValueError(f"{op}: lr must be > 0; received lr=0")
        self.reg, self.method, self.biases = float(reg), method, bool(biases)
        self.bias_reg = float(bias_reg)
        self.seed = check_positive_int(op, "seed", seed, minimum=0)
        self.backend = backend
        self.lr, self.init_scale = float(lr), float(init_scale)
        self.batch_size = check_positive_int(op, "batch_size", batch_size)
        self.history: dict[str, list[float]] = {"train_rmse": [], "val_rmse": []}
        self._fitted = False

    # -- fitting ---------------------------------------------------------------
    def fit(
        self,
        users: Any,
        items: Any,
        ratings: Any,
        epochs: int = 15,
        validation: tuple[Any, Any, Any] | None = None,
        progress: bool = True,
    ) -> MatrixFactorization:
        """Fit the vectors and biases to the observed ``(user, item, rating)`` triples.

        Args:
            users, items: ``(n,)`` non-negative integer ids.
            ratings: ``(n,)`` finite ratings.
            epochs: full passes (ALS: one user half-step and one item half-step).
            validation: optional ``(users, items, ratings)`` whose RMSE is
                recorded after every epoch in ``history["val_rmse"]``.
            progress: show a progress bar (``DOTKIT_PROGRESS=0`` hides it too).

        Returns:
            ``self``.
        """
        op = "MatrixFactorization.fit"
        u, i, bk, r = self._triples(op, users, items, ratings, self.backend)
        if len(u) == 0:
            raise InputValueError(f"{op}: no ratings to fit")
        epochs = check_positive_int(op, "epochs", epochs)
        val = None
        if validation is not None:
            if not isinstance(validation, (tuple, list)) or len(validation) != 3:
                raise InputValueError(f"{op}: validation must be a (users, items, ratings) tuple")
            val = self._triples(op, *validation, bk)
        self._bk, self._dtype = bk, bk.default_float
        self._users, self._items = _IdMap(u), _IdMap(i)
        self._init_params(bk, r)
        rows_u, rows_i = self._users.rows, self._items.rows
        # Each user's rated items, CSR-style: rows_i sorted by user, and where each user starts.
        self._seen_items = rows_i[np.argsort(rows_u, kind="stable")]
        per_user = np.bincount(rows_u, minlength=len(self._users))
        self._seen_start = np.concatenate([[0], np.cumsum(per_user)])
        self._fitted = True
        train = (bk.asarray(rows_u.astype(np.int32)), bk.asarray(rows_i.astype(np.int32)), r)
        if self.method == "als":
            step = self._als_epoch_fn(bk, rows_u, rows_i, r)
        else:
            step = self._sgd_epoch_fn(bk, train)
        self.history = {"train_rmse": [], "val_rmse": []}
        # ALS makes many batched products of small matrices: BLAS threads buy nothing
        # there, and on a busy machine each call waits for its threads (measured: a 15 s
        # fit instead of 3 s).
        with one_blas_thread():
            show = None if progress else False  # None: on unless DOTKIT_PROGRESS=0
            for _ in progress_bar(range(epochs), desc=f"{self.method} epochs", enabled=show):
                step()
                self.history["train_rmse"].append(self._rmse_rows(*train))
                if val is not None:
                    self.history["val_rmse"].append(self._rmse_ids(*val))
        bk.sync(self.user_factors, self.item_factors, self.user_bias, self.item_bias)
        return self

    def _triples(self, op: str, users: Any, items: Any, ratings: Any, backend: Any) -> tuple:
        u, i = _as_ids(op, "users", users), _as_ids(op, "items", items)
        bk = resolve(op, ratings, backend=backend)
        r = as_array(op, "ratings", ratings, bk, ndim=1, allow_int=False, finite=True)
        if not (len(u) == len(i) == r.shape[0]):
            raise ShapeError(
                f"{op}: users, items and ratings must have one entry per rating; received "
                f"users.shape={u.shape}, items.shape={i.shape}, ratings.shape={tuple(r.shape)}"
            )
        return u, i, bk, bk.cast(r, bk.default_float)

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

    def _als_epoch_fn(self, bk: Backend, rows_u: np.ndarray, rows_i: np.ndarray, r: Any) -> Any:
        user_side = _segments(bk, rows_u, rows_i, len(self._users), len(self._items), self._dtype)
        item_side = _segments(bk, rows_i, rows_u, len(self._items), len(self._users), self._dtype)
        # How many batched products each half-step makes (users, items): padded batches of
        # entities with similar numbers of ratings.
        self.batches_per_half_step = (len(user_side[0]), len(item_side[0]))

        def epoch() -> None:
            self.user_factors, self.user_bias = self._als_half(
                bk, user_side, self.item_factors, self.item_bias, r
            )
            self.item_factors, self.item_bias = self._als_half(
                bk, item_side, self.user_factors, self.user_bias, r
            )
            bk.sync(self.user_factors, self.item_factors, self.user_bias, self.item_bias)

        return epoch

    def _als_half(
        self, bk: Backend, side: tuple[list[_Chunk], Any], other: Any, other_bias: Any, r: Any
    ) -> tuple:
        """Solve every entity's regularised normal equations with the other side fixed."""
        xp = bk.xp
        chunks, back = side
        if self.biases:  # [1, q_i] against [b_u, p_u]: the bias is one more unknown
            other = xp.concatenate([xp.ones((other.shape[0], 1), dtype=self._dtype), other], axis=1)
        d = other.shape[1]
        # The padding row: padded slots gather zeros.
        other = xp.concatenate([other, xp.zeros((1, d), dtype=self._dtype)], axis=0)
        other_bias = xp.concatenate([other_bias, xp.zeros((1,), dtype=self._dtype)])
        diag, fixed = np.full(d, self.reg), np.zeros(d)
        if self.biases:
            diag[0] = self.bias_reg if self.bias_penalty == "count" else 0.0
            fixed[0] = self.bias_reg if self.bias_penalty == "fixed" else 0.0
        eye = bk.asarray(np.diag(diag), dtype=self._dtype)  # λ per rating on each unknown
        eye_fixed = bk.asarray(np.diag(fixed), dtype=self._dtype)  # λ_b once, on the bias
        solutions = []
        for ch in chunks:
            A = other[ch.other]  # (B, L, d): each entity's rated vectors, zero rows as padding
            target = (r[ch.rating] - self._mu - other_bias[ch.other]) * ch.mask  # (B, L)
            At = xp.swapaxes(A, 1, 2)
            gram = xp.matmul(At, A) + ch.count[:, None, None] * eye + eye_fixed  # AᵀA + Λ
            rhs = xp.matmul(At, target[..., None])  # Aᵀ y
            solutions.append(bk.solve(gram, rhs)[..., 0])
        sol = xp.concatenate(solutions, axis=0)[back]
        if self.biases:
            return sol[:, 1:], sol[:, 0]
        return sol, xp.zeros((sol.shape[0],), dtype=self._dtype)

    def _sgd_epoch_fn(self, bk: Backend, train: tuple[Any, Any, Any]) -> Any:
        rows_u, rows_i, r = train
        rng = np.random.default_rng(self.seed + 1)
        n, lr, reg, breg = r.shape[0], self.lr, self.reg, self.bias_reg
        # Per-rating share of the bias penalty: λ_b (count-scaled) or λ_b / n (fixed).
        nu, ni = len(self._users), len(self._items)
        if self.bias_penalty == "fixed":
            cu = np.bincount(self._users.rows, minlength=nu).astype(np.float64)
            ci = np.bincount(self._items.rows, minlength=ni).astype(np.float64)
            breg_u = bk.asarray(breg / np.maximum(cu, 1), dtype=self._dtype)
            breg_i = bk.asarray(breg / np.maximum(ci, 1), dtype=self._dtype)
        else:
            breg_u = bk.asarray(np.full(nu, breg), dtype=self._dtype)
            breg_i = bk.asarray(np.full(ni, breg), dtype=self._dtype)

        def epoch() -> None:
            perm = bk.asarray(rng.permutation(n).astype(np.int32))
            P, Q, bu, bi = self.user_factors, self.item_factors, self.user_bias, self.item_bias
            for start in range(0, n, self.batch_size):
                b = perm[start : start + self.batch_size]
                ub, ib = rows_u[b], rows_i[b]
                pu, qi = P[ub], Q[ib]
                err = r[b] - (self._mu + bu[ub] + bi[ib] + bk.vecdot(pu, qi))
                P = bk.scatter_add(P, ub, lr * (err[:, None] * qi - reg * pu))
                Q = bk.scatter_add(Q, ib, lr * (err[:, None] * pu - reg * qi))
                if self.biases:
                    bu = bk.scatter_add(bu, ub, lr * (err - breg_u[ub] * bu[ub]))
                    bi = bk.scatter_add(bi, ib, lr * (err - breg_i[ib] * bi[ib]))
                bk.sync(P, Q, bu, bi)  # keeps a lazy backend's graph one batch long
            self.user_factors, self.item_factors, self.user_bias, self.item_bias = P, Q, bu, bi

        return epoch

    # -- predicting ------------------------------------------------------------
    def _check_fitted(self, op: str) -> None:
        if not self._fitted:
            raise NotFittedError(
                f"{op}: the model is not fitted yet; call fit(users, items, ratings) first"
            )

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
        as_rows = lambda a: bk.asarray(a.astype(np.int32))  # noqa: E731
        as_mask = lambda a: bk.asarray(a.astype(np.float64), dtype=self._dtype)  # noqa: E731
        return self._score_rows(as_rows(ru), as_rows(ri), as_mask(ku), as_mask(ki))

    def predict(self, users: Any, items: Any, *, clip: tuple[float, float] | None = None) -> Any:
        """Predicted ratings ``μ + b_u + b_i + p_u·q_i`` for paired ids.

        A user (or item) unseen in training contributes neither bias nor
        vector: an unseen user gets ``μ + b_i``, an unseen item ``μ + b_u``,
        both unseen ``μ``. With ``biases=False`` an unknown pair gets the
        mean training rating.

        Args:
            users, items: ``(n,)`` ids.
            clip: optional ``(low, high)`` rating range to clip to.

        Returns:
            ``(n,)`` backend array.

        Example:
            >>> mf.predict([1, 2], [10, 10])  # doctest: +SKIP
        """
        op = "MatrixFactorization.predict"
        self._check_fitted(op)
        u, i = _as_ids(op, "users", users), _as_ids(op, "items", items)
        if len(u) != len(i):
            raise ShapeError(
                f"{op}: users and items must pair up; received users.shape={u.shape}, "
                f"items.shape={i.shape}"
            )
        out = self._predict_ids(u, i)
        if clip is not None:
            low, high = clip
            if not low <= high:
                raise InputValueError(
                    f"{op}: clip must be (low, high) with low <= high; received {clip}"
                )
            out = self._bk.xp.clip(out, low, high)
        return out

    def _one_id(self, op: str, name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise InputValueError(
                f"{op}: {name} must be a non-negative integer id; received {value!r}"
            )
        return int(value)

    def recommend(self, user: Any, k: int = 10, exclude_seen: bool = True) -> Recommendation:
        """The ``k`` items with the highest predicted rating for ``user``.

        Every item's score comes from one matrix–vector product
        ``Q p_u + b (+ μ + b_u)``; a partial sort (``argpartition``) then picks
        the ``k`` best, and only those ``k`` are sorted. Items the user rated
        in training are skipped when ``exclude_seen``; fewer than ``k`` come
        back if fewer remain. An unseen user gets the items with the largest
        bias (the best-rated on average).

        Returns:
            ``Recommendation(items, scores)``: original ids and predicted
            ratings, best first (NumPy arrays).
        """
        op = "MatrixFactorization.recommend"
        self._check_fitted(op)
        user = self._one_id(op, "user", user)
        k = check_positive_int(op, "k", k)
        n = len(self._items)
        if k > n:
            raise InputValueError(f"{op}: k={k} is larger than the number of known items ({n})")
        bk, xp = self._bk, self._bk.xp
        row, known = self._users.lookup(np.array([user]))
        row, known = int(row[0]), bool(known[0])
        scores = self._mu + self.item_bias
        if known:
            scores = xp.matmul(self.item_factors, self.user_factors[row]) + scores
            scores = scores + self.user_bias[row]
        n_free = n
        if exclude_seen and known:
            seen = self._seen_items[self._seen_start[row] : self._seen_start[row + 1]]
            mask = np.zeros(n, dtype=bool)
            mask[seen] = True
            n_free = n - int(mask.sum())
            scores = xp.where(bk.asarray(mask), -math.inf, scores)
        k = min(k, n_free)
        if k == 0:
            return Recommendation(np.zeros(0, dtype=np.int64), np.zeros(0))
        top = bk.argpartition_top(scores, k)
        top_scores = scores[top]
        order = xp.argsort(-top_scores)
        best = bk.to_numpy(top[order]).astype(np.int64)
        best_scores = np.asarray(bk.to_numpy(top_scores[order]), dtype=float)
        return Recommendation(self._items.ids[best], best_scores)

    def fold_in(self, items: Any, ratings: Any) -> tuple[float, np.ndarray]:
        """A new user's ``(b_u, p_u)`` from a few ratings, with every item fixed ("folding in").

        One row of an ALS user half-step: rows ``[1, q_i]`` of the rated items,
        targets ``r - μ - b_i``, penalty ``diag(λ_b, λn, …, λn)`` (``λ_b n`` on the
        bias with ``bias_penalty="count"``). Nothing else is refitted.

        Returns:
            ``(b_u, p_u)`` as a float and a NumPy vector of length ``n_factors``.
        """
        op = "MatrixFactorization.fold_in"
        self._check_fitted(op)
        rows = self.item_rows(items)
        y = np.asarray(self._bk.to_numpy(as_array(op, "ratings", ratings, self._bk, ndim=1,
                                                  allow_int=True, finite=True)), dtype=float)
        if len(y) != len(rows) or len(y) == 0:
            raise ShapeError(f"{op}: give one rating per item (and at least one); received "
                             f"{len(rows)} items and {len(y)} ratings")
        Q = np.asarray(self._bk.to_numpy(self.item_factors), dtype=float)[rows]
        b = np.asarray(self._bk.to_numpy(self.item_bias), dtype=float)[rows]
        n, f = len(y), self.n_factors
        A = np.hstack([np.ones((n, 1)), Q]) if self.biases else Q
        pen = [self.reg * n] * f
        if self.biases:
            pen = [self.bias_reg * (n if self.bias_penalty == "count" else 1)] + pen
        x = np.linalg.solve(A.T @ A + np.diag(pen), A.T @ (y - self._mu - b))
        return (float(x[0]), x[1:]) if self.biases else (0.0, x)

    def similar_items(self, item: Any, k: int = 10, *, metric: str = "cosine") -> Recommendation:
        """The ``k`` items whose vectors are nearest to ``item``'s ("more like this").

        Only the vectors ``q`` are compared, never the biases.
        ``metric="cosine"`` compares directions only; ``"dot"`` also rewards
        long vectors, whatever made them long (on MovieLens: mostly films with
        few ratings, not popular ones). The item itself is left out.
        """
        from dotkit.linalg import top_k_similar

        op = "MatrixFactorization.similar_items"
        self._check_fitted(op)
        if metric not in ("cosine", "dot"):
            raise InputValueError(f"{op}: metric must be 'cosine' or 'dot'; received metric={metric!r}")
        item = self._one_id(op, "item", item)
        row, known = self._items.lookup(np.array([item]))
        if not known[0]:
            raise InputValueError(
                f"{op}: item {item} was not in the training data, so it has no vector"
            )
        if self.n_factors == 0:
            raise InputValueError(f"{op}: a model with n_factors=0 has no item vectors to compare")
        k = check_positive_int(op, "k", k)
        n = len(self._items)
        if k > n - 1:
            raise InputValueError(f"{op}: k={k} is larger than the number of other items ({n - 1})")
        Q = self.item_factors
        found = top_k_similar(Q[int(row[0])], Q, k + 1, metric=metric, backend=self._bk)
        idx = self._bk.to_numpy(found.indices).astype(np.int64)
        sc = np.asarray(self._bk.to_numpy(found.scores), dtype=float)
        keep = idx != int(row[0])
        return Recommendation(self._items.ids[idx[keep][:k]], sc[keep][:k])

    # -- ids ---------------------------------------------------------------------
    @property
    def user_ids(self) -> np.ndarray:
        """Original user ids, in the row order of ``user_factors``."""
        self._check_fitted("MatrixFactorization.user_ids")
        return self._users.ids

    @property
    def item_ids(self) -> np.ndarray:
        """Original item ids, in the row order of ``item_factors``."""
        self._check_fitted("MatrixFactorization.item_ids")
        return self._items.ids

    def rated_items(self, user: Any) -> np.ndarray:
        """Original ids of the items ``user`` rated in training (empty for an unseen user)."""
        op = "MatrixFactorization.rated_items"
        self._check_fitted(op)
        row, known = self._users.lookup(np.array([self._one_id(op, "user", user)]))
        if not known[0]:
            return np.zeros(0, dtype=np.int64)
        r = int(row[0])
        return self._items.ids[self._seen_items[self._seen_start[r] : self._seen_start[r + 1]]]

    def item_rows(self, items: Any) -> np.ndarray:
        """Rows of ``item_factors`` for original item ids (an error for unknown ids)."""
        op = "MatrixFactorization.item_rows"
        self._check_fitted(op)
        ids = _as_ids(op, "items", items)
        rows, known = self._items.lookup(ids)
        if not known.all():
            raise InputValueError(f"{op}: item {int(ids[~known][0])} was not in the training data")
        return rows

    def user_rows(self, users: Any) -> np.ndarray:
        """Rows of ``user_factors`` for original user ids (an error for unknown ids)."""
        op = "MatrixFactorization.user_rows"
        self._check_fitted(op)
        ids = _as_ids(op, "users", users)
        rows, known = self._users.lookup(ids)
        if not known.all():
            raise InputValueError(f"{op}: user {int(ids[~known][0])} was not in the training data")
        return rows

    def __repr__(self) -> str:
        state = "fitted" if self._fitted else "not fitted"
        return (
            f"MatrixFactorization(n_factors={self.n_factors}, reg={self.reg}, "
            f"method={self.method!r}, "
            f"biases={self.biases}, bias_penalty={self.bias_penalty!r}, seed={self.seed}) [{state}]"
        )


__all__ = ["MatrixFactorization", "NotFittedError", "Recommendation"]
