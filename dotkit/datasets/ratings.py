"""Rating triples: a planted synthetic set with a known answer, and train/test splits.

:func:`make_ratings` draws a rating set from planted taste vectors,
``r = μ + b_u + b_i + p_u·q_i + noise``, over a popularity-skewed sample of
(user, item) pairs, and returns the planted vectors so that a fitted model can
be checked against them. :func:`split_ratings` holds out a seeded random share
of the ratings; :func:`split_by_time` holds out the latest ratings, either
each user's own or, with one cutoff for everybody, as a service meets its future.

Example:
    >>> from dotkit.datasets.ratings import make_ratings
    >>> data = make_ratings(50, 40, n_factors=3, density=0.2, seed=0)
    >>> len(data.ratings) == 400
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dotkit._inputs import check_positive_int
from dotkit.errors import InputValueError

Triples = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class SyntheticRatings:
    """A rating set drawn from planted vectors: ``r = μ + b_u + b_i + p_u·q_i + ε``.

    Rows of the planted arrays are indexed by the ids in ``users`` / ``items``
    (which run from 0).
    """

    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray
    user_factors: np.ndarray  # (n_users, f)
    item_factors: np.ndarray  # (n_items, f)
    user_bias: np.ndarray
    item_bias: np.ndarray
    global_mean: float
    noise: float

    def __len__(self) -> int:
        return len(self.ratings)


def _pairs(
    rng: np.random.Generator, n_users: int, n_items: int, n: int, popularity: float
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct (user, item) pairs, busy users and popular items far more likely.

    Items get Zipf-like weights ``rank^-popularity``, users log-normal
    activity; the pairs are the top ``n`` of ``log w_u + log w_i + Gumbel``,
    which samples without replacement in proportion to ``w_u w_i``.
    """
    item_w = -popularity * np.log1p(np.asarray(rng.permutation(n_items), dtype=float))
    user_w = 0.8 * rng.standard_normal(n_users)
    keys = (user_w[:, None] + item_w[None, :]).ravel() + rng.gumbel(size=n_users * n_items)
    chosen = np.sort(np.argpartition(-keys, n - 1)[:n]) if n < keys.size else np.arange(keys.size)
    return chosen // n_items, chosen % n_items


def _check_sizes(n_users: Any, n_items: Any, n_factors: Any) -> tuple[int, int, int]:
    op = "make_ratings"
    n_users = check_positive_int(op, "n_users", n_users)
    n_items = check_positive_int(op, "n_items", n_items)
    n_factors = check_positive_int(op, "n_factors", n_factors)
    if n_users * n_items > 50_000_000:
        raise InputValueError(
            f"{op}: n_users*n_items={n_users * n_items} is too large to sample (limit 5e7)"
        )
    return n_users, n_items, n_factors


def _check_shape_parameters(**values: Any) -> None:
    op = "make_ratings"
    for name, value in values.items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not np.isfinite(value) or value < 0:
            raise InputValueError(f"{op}: {name} must be a finite number >= 0; received {value!r}")
    if not 0 < values["density"] <= 1:
        raise InputValueError(f"{op}: density must be in (0, 1]; received {values['density']}")


def make_ratings(
    n_users: int = 943,
    n_items: int = 1682,
    n_factors: int = 8,
    density: float = 0.063,
    seed: int = 0,
    noise: float = 0.5,
    *,
    signal: float = 1.0,
    popularity: float = 1.0,
    stars: bool = False,
) -> SyntheticRatings:
    """A rating set from planted vectors: ``r_ui = μ + b_u + b_i + p_u·q_i + ε``.

    The planted ``p_u``, ``q_i`` have i.i.d. normal entries scaled so that
    ``p_u·q_i`` has standard deviation ``signal``; ``ε ~ N(0, noise²)``. Which
    pairs are rated is skewed the way real catalogues are: a few items collect
    most ratings (weights ``rank^-popularity``), busy users rate more, and
    popular items are rated a little higher (their ``b_i`` grows with
    popularity).

    Args:
        n_users, n_items: sizes (ids run from 0).
        n_factors: length of the planted vectors.
        density: share of the ``n_users × n_items`` cells that are rated.
        seed: seeds every draw.
        noise: standard deviation of ``ε``.
        signal: standard deviation of ``p_u·q_i``.
        popularity: exponent of the item weights (0 = uniform).
        stars: round to whole stars and clip to 1..5, like MovieLens.

    Returns:
        :class:`SyntheticRatings` with the ratings and the planted parameters.

    Example:
        >>> d = make_ratings(100, 80, n_factors=4, density=0.1, seed=1)
        >>> d.user_factors.shape, d.item_factors.shape
        ((100, 4), (80, 4))
    """
    n_users, n_items, n_factors = _check_sizes(n_users, n_items, n_factors)
    seed = check_positive_int("make_ratings", "seed", seed, minimum=0)
    _check_shape_parameters(density=density, noise=noise, signal=signal, popularity=popularity)
    n = max(1, int(round(density * n_users * n_items)))
    rng = np.random.default_rng(seed)
    users, items = _pairs(rng, n_users, n_items, n, float(popularity))
    scale = (signal**2 / n_factors) ** 0.25  # Var(p·q) = f · scale⁴ = signal²
    P = scale * rng.standard_normal((n_users, n_factors))
    Q = scale * rng.standard_normal((n_items, n_factors))
    counts = np.asarray(np.bincount(items, minlength=n_items), dtype=float)
    pop = np.log1p(counts)
    pop = (pop - pop.mean()) / (pop.std() or 1.0)
    b_u = 0.3 * rng.standard_normal(n_users)
    b_i = 0.3 * rng.standard_normal(n_items) + 0.2 * pop
    mu = 3.5
    r = mu + b_u[users] + b_i[items] + np.einsum("nf,nf->n", P[users], Q[items])
    r = r + noise * rng.standard_normal(n)
    if stars:
        r = np.clip(np.round(r), 1, 5)
    users, items = np.array(users, dtype=np.int64), np.array(items, dtype=np.int64)
    return SyntheticRatings(users, items, r, P, Q, b_u, b_i, mu, float(noise))


def split_ratings(
    users: Any, items: Any, ratings: Any, *, test_fraction: float = 0.2, seed: int = 0
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """A seeded random split of rating triples into ``(train, test)``.

    Example:
        >>> train, test = split_ratings([1, 2, 3, 4, 5], [1] * 5, [3.0] * 5, test_fraction=0.4)
        >>> (tu, ti, tr), (vu, vi, vr) = train, test
        >>> len(tr), len(vr)
        (3, 2)
    """
    u, i, r = (np.asarray(a) for a in (users, items, ratings))
    if not (u.ndim == i.ndim == r.ndim == 1 and len(u) == len(i) == len(r)):
        raise InputValueError(
            f"split_ratings: users, items and ratings must be 1-D of one length; received shapes "
            f"{u.shape}, {i.shape}, {r.shape}"
        )
    if not 0 < test_fraction < 1:
        raise InputValueError(
            f"split_ratings: test_fraction must be in (0, 1); received {test_fraction}"
        )
    perm = np.random.default_rng(seed).permutation(len(r))
    n_test = int(round(test_fraction * len(r)))
    test, train = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    return (u[train], i[train], r[train]), (u[test], i[test], r[test])


def split_by_time(
    users: Any, items: Any, ratings: Any, timestamps: Any, *, test_fraction: float = 0.2,
    per_user: bool = True,
) -> tuple[Triples, Triples]:
    """Hold out the latest ratings by time: ``(train, test)``.

    With ``per_user=True``, for every user the ``round(test_fraction · n_u)``
    ratings with the latest timestamps go to the test set (a user with a single
    rating keeps it in training); other users' later ratings may stay in
    training. With ``per_user=False`` one cutoff holds for everybody: the
    latest ``round(test_fraction · N)`` ratings of all go to the test set, so
    every training rating is at least as old as every test rating, as a service
    meets its future. Ties are broken by their order in the input.

    Example:
        >>> train, test = split_by_time([1, 1, 1, 2, 2], [5, 6, 7, 5, 6], [4.0] * 5, [3, 1, 2, 9, 8],
        ...                             test_fraction=0.5)
        >>> test[1].tolist()
        [5, 7, 5]
        >>> split_by_time([1, 1, 1, 2, 2], [5, 6, 7, 5, 6], [4.0] * 5, [3, 1, 2, 9, 8],
        ...               test_fraction=0.4, per_user=False)[1][1].tolist()
        [5, 6]
    """
    u, i, r, t = (np.asarray(a) for a in (users, items, ratings, timestamps))
    if not (u.ndim == i.ndim == r.ndim == t.ndim == 1 and len(u) == len(i) == len(r) == len(t)):
        raise InputValueError(
            f"split_by_time: users, items, ratings and timestamps must be 1-D of one length; "
            f"received shapes {u.shape}, {i.shape}, {r.shape}, {t.shape}"
        )
    if not 0 < test_fraction < 1:
        raise InputValueError(f"split_by_time: test_fraction must be in (0, 1); received {test_fraction}")
    if not isinstance(per_user, (bool, np.bool_)):
        raise InputValueError(f"split_by_time: per_user must be True or False; received {per_user!r}")
    held = _held_per_user(u, t, test_fraction) if per_user else _held_globally(t, test_fraction)
    test, train = np.flatnonzero(held), np.flatnonzero(~held)
    return (u[train], i[train], r[train]), (u[test], i[test], r[test])


def _held_per_user(u: np.ndarray, t: np.ndarray, test_fraction: float) -> np.ndarray:
    order = np.lexsort((np.arange(len(u)), t, u))  # by user, then time, then input order
    counts = np.bincount(np.unique(u, return_inverse=True)[1])
    n_test = np.minimum(np.asarray(np.round(test_fraction * counts), dtype=int), counts - 1)
    ends = np.cumsum(counts)
    rank_from_end = ends.repeat(counts) - np.arange(len(u)) - 1  # 0 for a user's latest
    held = np.zeros(len(u), dtype=bool)
    held[order] = rank_from_end < n_test.repeat(counts)
    return held


def _held_globally(t: np.ndarray, test_fraction: float) -> np.ndarray:
    order = np.lexsort((np.arange(len(t)), t))  # by time, then input order
    n_test = min(int(round(test_fraction * len(t))), len(t) - 1)
    held = np.zeros(len(t), dtype=bool)
    held[order[len(t) - n_test:]] = True
    return held


__all__ = ["SyntheticRatings", "Triples", "make_ratings", "split_by_time", "split_ratings"]
