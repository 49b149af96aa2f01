"""Alternating least squares (ALS) for biased matrix factorization.

With the items fixed, each user's ``p̃_u = [b_u, p_u]`` is the solution of
small regularised normal equations, one system per user,

    (Q̃_uᵀ Q̃_u + Λ_u) p̃_u = Q̃_uᵀ y_u,    Λ_u = diag(λ_b, λ n_u^α, …, λ n_u^α),

where ``Q̃_u`` holds the rows ``[1, q_i]`` of the items the user rated and
``y_u`` their ratings minus ``μ + b_i``. The same with the roles swapped gives
the items; one *half-step* solves one side, an epoch does both. The penalty
grows with the number of ratings ``n_u`` as ``n_u^α``: ``α = 1`` is the
"weighted-λ" rule of Zhou et al. (2008), ``α = 1/2`` penalises busy users
relatively less, so they keep more of their own taste.

The Gram matrices ``Q̃_uᵀ Q̃_u`` are dot products between the columns of the
rated items' vectors. They are built for a batch of users with one batched
matrix product over a *padded* layout (each user's rows padded with zero
rows to the longest list in the batch) and solved with one batched ``solve``.

Example:
    >>> import numpy as np
    >>> from dotkit.backends import get_backend
    >>> bk = get_backend("numpy")
    >>> chunks, back = padded_segments(bk, np.array([0, 0, 1]), np.array([0, 1, 1]), 2, 2, np.float64)
    >>> len(chunks), bk.to_numpy(back).tolist()
    (2, [1, 0])
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from dotkit.backends import Backend
from dotkit.errors import FitError

_CELLS_PER_CHUNK = 1 << 16  # padded (entity, rating) cells solved in one batch


class Padded(NamedTuple):
    """One batch of entities with their ratings padded to a common length ``L``."""

    rating: Any  # (B, L) index into the ratings (0 where padded)
    other: Any  # (B, L) row of the other side (the all-zero padding row where padded)
    mask: Any  # (B, L) 1.0 for a real rating, 0.0 for padding
    count: Any  # (B,) ratings per entity


class Penalty(NamedTuple):
    """The penalty of one ALS system: ``λ n^α`` on each vector entry, the bias's apart."""

    reg: float  # λ
    exponent: float  # α
    bias_reg: float  # λ_b
    bias_scaled: bool  # True: λ_b n^α on the bias; False: a fixed λ_b
    biases: bool  # whether the first unknown is a bias


def padded_segments(
    bk: Backend, owner: np.ndarray, other: np.ndarray, n: int, n_other: int, dtype: Any
) -> tuple[list[Padded], Any]:
    """The ratings of each of ``n`` entities as padded batches, fewest ratings first.

    Entities are sorted by count and cut into bands whose largest count is at
    most 1.5 times the smallest (so padding wastes at most a third of a batch)
    and whose padded size stays near ``_CELLS_PER_CHUNK``. Padding points at
    row ``n_other``, an all-zero row the solver appends. Returns the batches
    and the permutation that puts the concatenated solutions back in entity order.
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
        chunks.append(Padded(
            bk.asarray(np.asarray(rating, dtype=np.int32)),
            bk.asarray(np.asarray(np.where(mask, other[rating], n_other), dtype=np.int32)),
            bk.asarray(np.asarray(mask, dtype=np.float64), dtype=dtype),
            bk.asarray(np.asarray(counts[ents], dtype=np.float64), dtype=dtype),
        ))
        a = b
    return chunks, bk.asarray(np.asarray(np.argsort(by_count, kind="stable"), dtype=np.int32))


def penalty_diagonal(pen: Penalty, d: int) -> tuple[np.ndarray, np.ndarray]:
    """``(scaled, fixed)``: the diagonal entries multiplied by ``n^α``, and those that are not."""
    scaled, fixed = np.full(d, pen.reg), np.zeros(d)
    if pen.biases:
        scaled[0] = pen.bias_reg if pen.bias_scaled else 0.0
        fixed[0] = 0.0 if pen.bias_scaled else pen.bias_reg
    return scaled, fixed


def check_solvable(op: str, counts: dict[str, np.ndarray], d: int, pen: Penalty) -> None:
    """Refuse, before fitting, systems that cannot have a unique solution.

    Without a penalty on the vectors (``reg=0``), an entity with fewer
    ratings than unknowns ``d`` has a singular Gram matrix: its ``n`` rows
    span at most ``n < d`` dimensions.
    """
    if pen.reg > 0 or d == 0:
        return
    for name, c in counts.items():
        if c.min() < d:
            raise FitError(
                f"{op}: with reg=0 every {name} needs at least {d} ratings (one per unknown), but "
                f"{name} row {int(np.argmin(c))} has {int(c.min())}: its normal equations are "
                "singular; use reg > 0"
            )


def solve_systems(bk: Backend, op: str, gram: Any, rhs: Any) -> Any:
    """``gram⁻¹ rhs`` for a batch of systems, or a :class:`FitError` when one is singular."""
    try:
        x = bk.solve(gram, rhs)
    except Exception as exc:  # numpy's LinAlgError, MLX's ValueError/RuntimeError
        raise FitError(
            f"{op}: a normal-equation system is singular ({exc}); a penalty reg > 0 keeps every "
            "system solvable"
        ) from None
    if not bool(bk.xp.all(bk.xp.isfinite(x))):
        raise FitError(
            f"{op}: solving the normal equations gave non-finite values; the systems are "
            "singular or nearly so (raise reg)"
        )
    return x


def als_half_step(
    bk: Backend,
    side: tuple[list[Padded], Any],
    other: Any,
    other_bias: Any,
    r: Any,
    mu: float,
    pen: Penalty,
    op: str = "als_half_step",
) -> tuple[Any, Any]:
    """Solve every entity's regularised normal equations with the other side fixed.

    Returns ``(vectors, biases)`` in entity order (biases all 0 without biases).
    """
    xp, dtype = bk.xp, other.dtype
    chunks, back = side
    if pen.biases:  # [1, q_i] against [b_u, p_u]: the bias is one more unknown
        other = xp.concatenate([xp.ones((other.shape[0], 1), dtype=dtype), other], axis=1)
    d = other.shape[1]
    other = xp.concatenate([other, xp.zeros((1, d), dtype=dtype)], axis=0)  # padded slots gather 0
    other_bias = xp.concatenate([other_bias, xp.zeros((1,), dtype=dtype)])
    scaled, fixed = penalty_diagonal(pen, d)
    eye_scaled = bk.asarray(np.diag(scaled), dtype=dtype)  # times n^α
    eye_fixed = bk.asarray(np.diag(fixed), dtype=dtype)  # once
    solutions = []
    for ch in chunks:
        A = other[ch.other]  # (B, L, d): each entity's rated vectors, zero rows as padding
        target = (r[ch.rating] - mu - other_bias[ch.other]) * ch.mask  # (B, L)
        At = xp.swapaxes(A, 1, 2)
        weight = ch.count if pen.exponent == 1 else ch.count**pen.exponent
        gram = xp.matmul(At, A) + weight[:, None, None] * eye_scaled + eye_fixed  # AᵀA + Λ
        rhs = xp.matmul(At, target[..., None])  # Aᵀ y
        solutions.append(solve_systems(bk, op, gram, rhs)[..., 0])
    sol = xp.concatenate(solutions, axis=0)[back]
    if pen.biases:
        return sol[:, 1:], sol[:, 0]
    return sol, xp.zeros((sol.shape[0],), dtype=dtype)


def fold_in(Q: np.ndarray, b: np.ndarray, y: np.ndarray, mu: float, pen: Penalty) -> np.ndarray:
    """One entity's ``[b_u, p_u]`` (or ``p_u``) from its ratings ``y`` of rows ``Q``, ``b``: one ALS row."""
    n = len(y)
    A = np.hstack([np.ones((n, 1)), Q]) if pen.biases else Q
    scaled, fixed = penalty_diagonal(pen, A.shape[1])
    gram = A.T @ A + np.diag(scaled * n**pen.exponent + fixed)
    try:
        return np.linalg.solve(gram, A.T @ (y - mu - b))
    except np.linalg.LinAlgError:
        raise FitError("fold_in: the system is singular; a penalty reg > 0 keeps it solvable") from None


__all__ = ["Padded", "Penalty", "als_half_step", "check_solvable", "fold_in", "padded_segments",
           "penalty_diagonal", "solve_systems"]
