"""The 1000-state random walk of Sutton & Barto, Example 9.1, and its true values.

States are numbered 1 to 1000; every episode starts in state 500. Each step
jumps uniformly to one of the 100 states to the left or the 100 states to the
right. A jump past state 1 ends the episode with reward −1, a jump past state
1000 ends it with reward +1; every other reward is 0 and there is no
discounting, so a state's value is ``P(exit right) − P(exit left)``.

The true values come from dynamic programming. The Bellman equation for this
fixed policy is linear, ``v = r + P v`` with ``P`` the ``(1000, 1000)`` matrix
of transition probabilities between non-terminal states and ``r`` the expected
immediate reward, so ``v`` is the solution of ``(I − P) v = r``. One sweep of
iterative policy evaluation, ``v ← r + P v``, is a matrix–vector product: one
dot product per state.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from dotkit._inputs import check_positive_int, resolve
from dotkit._memory import array_bytes, check_allocation
from dotkit.backends import Backend
from dotkit.errors import InputValueError, ShapeError
from dotkit.rl._checks import check_seed

N_STATES = 1000
JUMP = 100
START = 500


def _check_walk(op: str, n_states: int, jump: int, *, tables: int = 0) -> None:
    """Check the walk's size; ``tables`` dense ``(n_states, n_states)`` float64 tables will be built."""
    check_positive_int(op, "n_states", n_states, minimum=2)
    check_positive_int(op, "jump", jump)
    if tables:
        check_allocation(op, tables * array_bytes((n_states, n_states), 8),
                         f"{tables} dense ({n_states}, {n_states}) float64 table(s) of transition probabilities",
                         "use fewer states (n_states), or simulate episodes instead of solving for the values")


def transition_model(n_states: int = N_STATES, jump: int = JUMP) -> tuple[np.ndarray, np.ndarray]:
    """``(P, r)``: transition matrix between states ``1..n_states`` and expected reward.

    ``P[i, j]`` is the probability of moving from state ``i+1`` to ``j+1``;
    the rows sum to less than 1 by the probability of terminating.
    ``r[i]`` is the expected reward of one step from state ``i+1``.

    Example:
        >>> P, r = transition_model(10, 2)
        >>> P.shape, float(r[0])
        ((10, 10), -0.5)
    """
    _check_walk("transition_model", n_states, jump, tables=1)
    s = np.arange(1, n_states + 1)
    P = np.zeros((n_states, n_states))
    r = np.zeros(n_states)
    p = 1.0 / (2 * jump)
    for k in range(1, jump + 1):
        for sign in (-1, 1):
            nxt = s + sign * k
            inside = (nxt >= 1) & (nxt <= n_states)
            P[s[inside] - 1, nxt[inside] - 1] += p
            r += p * np.where(nxt < 1, -1.0, np.where(nxt > n_states, 1.0, 0.0))
    return P, r


def true_values(
    n_states: int = N_STATES, jump: int = JUMP, *, backend: str | Backend | None = None
) -> Any:
    """The exact state values ``v_π(1..n_states)``: the solution of ``(I − P) v = r``.

    Returns a vector of shape ``(n_states,)`` on the chosen backend (float64
    on NumPy, float32 on MLX). The values rise from about −0.922 at state 1
    to about +0.922 at state 1000, antisymmetric about the middle.

    Example:
        >>> v = true_values()
        >>> round(float(v[0]), 3), round(float(v[-1]), 3)
        (-0.922, 0.922)
    """
    bk = resolve("true_values", backend=backend)
    _check_walk("true_values", n_states, jump, tables=3)  # P, I - P and the solver's copy
    P, r = transition_model(n_states, jump)
    A = bk.asarray(np.eye(n_states) - P, dtype=bk.default_float)
    b = bk.asarray(r[:, None], dtype=bk.default_float)
    return bk.solve(A, b)[:, 0]


def bellman_backup(
    v: Any,
    n_states: int = N_STATES,
    jump: int = JUMP,
    *,
    model: Any = None,
    backend: str | Backend | None = None,
) -> Any:
    """One sweep of policy evaluation, ``v ← r + P v``: a matrix–vector product.

    Args:
        v: current estimates, shape ``(n_states,)``.
        model: ``(P, r)`` from :func:`transition_model`, to avoid rebuilding it.

    Example:
        >>> v = bellman_backup(np.zeros(1000))
        >>> round(float(v[0]), 3)
        -0.5
    """
    from dotkit._inputs import as_array
    from dotkit.linalg import matmul

    bk = resolve("bellman_backup", v, backend=backend)
    v = as_array("bellman_backup", "v", v, bk, ndim=1, allow_int=False)
    P, r = model if model is not None else transition_model(n_states, jump)
    if v.shape[0] != P.shape[0]:
        raise InputValueError(
            f"bellman_backup: v has {v.shape[0]} entries; the walk has {P.shape[0]} states"
        )
    return bk.asarray(r, dtype=v.dtype) + matmul(bk.asarray(P, dtype=v.dtype), v)


class Episodes(NamedTuple):
    """A batch of episodes, padded to the longest one.

    Attributes:
        states: int array ``(B, T)``: ``S_0, S_1, ...`` of each episode, ``-1`` after its end.
        rewards: float array ``(B, T)``: ``R_{t+1}``, the reward that follows ``S_t``.
        lengths: int array ``(B,)``: the number of steps ``T_b`` of each episode.
    """

    states: np.ndarray
    rewards: np.ndarray
    lengths: np.ndarray

    @classmethod
    def check(cls, op: str, episodes: Any, n_rows: int | None = None) -> Episodes:
        """``episodes`` if it is a consistent batch (of ``n_rows`` episodes, if given), else an error naming ``op``."""
        if not isinstance(episodes, cls):
            raise InputValueError(
                f"{op}: episodes must be an Episodes batch (states, rewards, lengths); "
                f"received {type(episodes).__name__}"
            )
        S, R, L = episodes
        if S.ndim != 2 or R.shape != S.shape or L.shape != (S.shape[0],):
            raise ShapeError(
                f"{op}: inconsistent episodes: states.shape={S.shape}, "
                f"rewards.shape={R.shape}, lengths.shape={L.shape}"
            )
        if n_rows is not None and S.shape[0] != n_rows:
            raise ShapeError(
                f"{op}: {n_rows} runs learn side by side but episodes.states has "
                f"{S.shape[0]} rows; received states.shape={S.shape}"
            )
        return episodes

    def check_rows(self, op: str, n_rows: int, first: int, what: str) -> None:
        """Every visited state (before each episode's end) must address a row of ``what``."""
        S, L = self.states, self.lengths
        live = S[np.arange(S.shape[1])[None, :] < L[:, None]]
        if live.size and (live.min() < first or live.max() - first >= n_rows):
            raise InputValueError(
                f"{op}: episodes visit states {int(live.min())}..{int(live.max())}, but {what} has "
                f"{n_rows} rows (states {first}..{first + n_rows - 1}, first={first})"
            )

    def one(self, b: int) -> Episodes:
        """Episode ``b`` alone, as a batch of one, cut to its length."""
        L = int(self.lengths[b])
        return Episodes(self.states[b : b + 1, :L], self.rewards[b : b + 1, :L], self.lengths[b : b + 1])

    def tile(self, k: int) -> Episodes:
        """The batch repeated ``k`` times: ``k`` groups of learners see the same episodes."""
        return Episodes(np.tile(self.states, (k, 1)), np.tile(self.rewards, (k, 1)), np.tile(self.lengths, k))


def episodes(
    n: int,
    rng: np.random.Generator | int,
    n_states: int = N_STATES,
    jump: int = JUMP,
    start: int = START,
) -> Episodes:
    """``n`` independent episodes of the walk, simulated side by side.

    All walkers move at once, a block of jumps at a time: the positions after
    each jump are a cumulative sum, and each walk is cut where it first leaves.

    Example:
        >>> ep = episodes(3, rng=0)
        >>> ep.states[:, 0].tolist(), set(ep.rewards.sum(axis=1).tolist()) <= {-1.0, 1.0}
        ([500, 500, 500], True)
    """
    check_positive_int("episodes", "n", n)
    _check_walk("episodes", n_states, jump)
    whole = isinstance(start, (int, np.integer)) and not isinstance(start, bool)
    if not whole or not 1 <= start <= n_states:
        raise InputValueError(
            f"episodes: start must be a state in [1, {n_states}]; received start={start!r}"
        )
    rng = check_seed("episodes", "rng", rng)
    block = 64  # steps simulated per round; most episodes end within a few rounds
    # each round holds about six (n, block) int64 tables (jumps, path, exits, the piece kept)
    check_allocation("episodes", 6 * array_bytes((n, block), 8), f"one round of {block} jumps for {n} walkers",
                     "simulate fewer episodes at a time (episode_stream yields them in chunks)")
    pieces, pos, todo = [], np.full(n, start, dtype=np.int64), np.arange(n)
    while todo.size:
        k = rng.integers(0, 2 * jump, size=(todo.size, block))  # 0..2·jump−1 → −jump..−1, 1..jump
        jumps = k - jump + (k >= jump)
        path = pos[todo, None] + np.cumsum(jumps, axis=1)  # positions after each jump
        out = (path < 1) | (path > n_states)
        ended = out.any(axis=1)
        first_out = np.where(ended, out.argmax(axis=1), block)
        pieces.append(
            (todo, np.concatenate([pos[todo, None], path[:, :-1]], axis=1), first_out, path)
        )
        pos[todo] = path[:, -1]
        todo = todo[~ended]
    return _assemble(n, pieces)


def _assemble(n: int, pieces: list) -> Episodes:
    """Stitch the rounds of :func:`episodes` into padded ``(n, T)`` arrays.

    Each piece is ``(who, before, first_out, path)``: the walkers of one round,
    their positions before each jump, the jump that left the walk (or the
    block width) and their positions after each jump.
    """
    width = pieces[0][1].shape[1]
    lengths = np.zeros(n, dtype=np.int64)
    for who, _, first_out, _ in pieces:
        lengths[who] += np.minimum(first_out + 1, width)
    S = np.full((n, int(lengths.max())), -1, dtype=np.int32)
    R = np.zeros(S.shape)
    done = np.zeros(n, dtype=np.int64)
    steps = np.arange(width)
    for who, before, first_out, path in pieces:
        keep = steps[None, :] <= first_out[:, None]  # states S_t up to and including the last one
        cols = done[who, None] + steps[None, :]
        rows = np.broadcast_to(who[:, None], cols.shape)
        S[rows[keep], cols[keep]] = before[keep]
        ended = first_out < width
        exit_to = path[ended, first_out[ended]]
        R[who[ended], done[who[ended]] + first_out[ended]] = np.where(exit_to < 1, -1.0, 1.0)
        done[who] += np.minimum(first_out + 1, width)
    return Episodes(S, R, lengths)


def episode_stream(
    n: int, rng: np.random.Generator | int, *, chunk: int = 2000, **walk: Any
) -> Iterator[Episodes]:
    """``n`` episodes, in batches of at most ``chunk`` (keeps memory small for 100,000)."""
    check_positive_int("episode_stream", "n", n)
    check_positive_int("episode_stream", "chunk", chunk)
    rng = check_seed("episode_stream", "rng", rng)
    done = 0
    while done < n:
        batch = min(chunk, n - done)
        yield episodes(batch, rng, **walk)
        done += batch


def visit_distribution(
    n_states: int = N_STATES, jump: int = JUMP, start: int = START
) -> np.ndarray:
    """The on-policy distribution μ(s): the expected share of time spent in each state.

    Expected visits ``η`` solve ``η = h + Pᵀ η`` with ``h`` the start
    distribution (section 9.2, eq. 9.2); ``μ = η / Σ η``.
    """
    _check_walk("visit_distribution", n_states, jump, tables=3)
    whole = isinstance(start, (int, np.integer)) and not isinstance(start, bool)
    if not whole or not 1 <= start <= n_states:
        raise InputValueError(
            f"visit_distribution: start must be a state in [1, {n_states}]; received start={start!r}"
        )
    P, _ = transition_model(n_states, jump)
    h = np.zeros(n_states)
    h[start - 1] = 1.0
    eta = np.linalg.solve(np.eye(n_states) - P.T, h)
    return eta / eta.sum()


__all__ = [
    "Episodes",
    "bellman_backup",
    "episode_stream",
    "episodes",
    "transition_model",
    "true_values",
    "visit_distribution",
]
