"""Control: episodic semi-gradient SARSA with tile coding on Gymnasium's MountainCar-v0.

The action values are linear in tile-coded features, one block of weights
per action: ``q̂(s, a) = W[a]·φ(s)``, so ``q̂(s, ·) = W φ(s)`` is a
matrix–vector product. ``φ(s)`` has exactly ``n_tilings`` ones among
thousands of zeros, so each value is computed as the sum of the ``n_tilings``
active weights (:func:`dotkit.rl.value.sparse_value`) and each update adds
``α δ`` to those weights only, ``W[a, active] += α δ``: the dense
``W[a] += α δ φ(s)`` with the zeros skipped. With Mountain Car's 648 features
per action the dense product would cost about the same (a microsecond or
two); the sparse form keeps the per-step cost independent of the number of
features, which matters for hashed tables with hundreds of thousands.

SARSA (Sutton & Barto, section 10.1):
``W[A] ← W[A] + α [R + γ q̂(S', A') − q̂(S, A)] φ(S)``, or with target ``R``
when ``S'`` is terminal. Rewards are −1 per step and the weights start at 0,
which is optimistic: unexplored actions look better than tried ones, so a
greedy policy (ε = 0) explores on its own. ``−max_a q̂(s, a)`` estimates the
steps still needed from ``s``: the cost-to-go surface of Figure 10.1.

MountainCar-v0 ends an episode after 200 steps (``truncated``); a truncated
episode is not a terminal state, so its last update still bootstraps.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from dotkit._inputs import check_positive_int, resolve
from dotkit.backends import Backend
from dotkit.errors import DotkitError, DtypeError, InputValueError
from dotkit.rl._checks import check_seed, check_unit
from dotkit.rl.features import TileCoder

MOUNTAIN_CAR_LOW = (-1.2, -0.07)
MOUNTAIN_CAR_HIGH = (0.6, 0.07)


class SarsaResult(NamedTuple):
    """What :func:`sarsa_mountain_car` learned.

    Attributes:
        steps: steps taken in each episode, ``(n_episodes,)``.
        reached: whether each episode reached the goal (not cut off at the time limit).
        W: action-value weights ``(n_actions, n_features)``.
        coder: the :class:`~dotkit.rl.features.TileCoder` that maps states to features.
    """

    steps: np.ndarray
    reached: np.ndarray
    W: np.ndarray
    coder: TileCoder
    #: ``−max_a q̂(S_0, a)`` at the start of each episode: the steps the agent expects, ``(n_episodes,)``.
    predicted: np.ndarray | None = None
    #: copies of ``W`` after the episodes asked for in ``snapshots``: ``{episode: W}``.
    snapshots: dict | None = None


def mountain_car_coder(
    n_tilings: int = 8, tiles: int = 8, hash_size: int | None = None
) -> TileCoder:
    """Sutton & Barto's Mountain Car tile coder: 8 tilings of 9 × 9 tiles (8 × 8 plus one for the offsets)."""
    return TileCoder(
        MOUNTAIN_CAR_LOW, MOUNTAIN_CAR_HIGH, n_tilings=n_tilings, tiles=tiles, hash_size=hash_size
    )


def _greedy(q: np.ndarray, rng: np.random.Generator, epsilon: float) -> int:
    """The best action, ties broken at random; a random one with probability ε."""
    if epsilon > 0 and rng.random() < epsilon:
        return int(rng.integers(q.size))
    best = np.flatnonzero(q == q.max())
    return int(best[0]) if best.size == 1 else int(best[rng.integers(best.size)])


def sarsa_episode(
    env: Any,
    W: np.ndarray,
    coder: TileCoder,
    alpha: float,
    rng: np.random.Generator,
    *,
    epsilon: float = 0.0,
    gamma: float = 1.0,
    seed: int | None = None,
    predicted: list | None = None,
) -> tuple[int, bool]:
    """Run one episode of semi-gradient SARSA, updating ``W`` in place.

    Args:
        predicted: if a list, ``−max_a q̂(S_0, a)`` (the steps the agent expects
            from its start state) is appended to it before the first step.

    Returns:
        ``(steps, reached_goal)``.
    """
    obs, _ = env.reset(seed=seed)
    active = coder.active(obs)
    q = W[:, active].sum(axis=1)  # q̂(S, ·) = W φ(S) = sparse_value(W, active), unchecked
    if predicted is not None:
        predicted.append(-float(q.max()))
    action = _greedy(q, rng, epsilon)
    steps = 0
    while True:
        obs, reward, terminated, truncated, _ = env.step(action)
        steps += 1
        if terminated:
            W[action, active] += alpha * (reward - q[action])
            return steps, True
        nxt = coder.active(obs)
        q_next = W[:, nxt].sum(axis=1)
        a_next = _greedy(q_next, rng, epsilon)
        W[action, active] += alpha * (reward + gamma * q_next[a_next] - q[action])
        if truncated:
            return steps, False
        active, action = nxt, a_next
        q = W[:, active].sum(axis=1)


def sarsa_mountain_car(
    n_episodes: int = 100,
    *,
    seed: int = 0,
    alpha: float = 0.5 / 8,
    n_tilings: int = 8,
    tiles: int = 8,
    epsilon: float = 0.0,
    gamma: float = 1.0,
    max_episode_steps: int = 200,
    hash_size: int | None = None,
    snapshots: Any = (),
    show_progress: bool | None = None,
) -> SarsaResult:
    """Semi-gradient SARSA with tile coding on Gymnasium's ``MountainCar-v0``.

    Args:
        n_episodes: episodes to learn from.
        seed: seeds the environment (``reset(seed=seed)`` on the first episode)
            and the tie-breaking / exploration generator.
        alpha: step size per weight: each of the ``n_tilings`` active weights
            moves by ``alpha · δ``, so the value ``q̂(S, A)``, their sum, moves by
            ``n_tilings · alpha · δ``; the book writes ``0.5/8`` for 8 tilings.
        n_tilings, tiles, hash_size: the tile coder (see :class:`TileCoder`).
        epsilon: exploration rate (0: greedy, exploring through optimism).
        max_episode_steps: the time limit (200 in MountainCar-v0; the book has none).
        snapshots: episode numbers (1-based) after which to keep a copy of ``W``.

    Example:
        >>> res = sarsa_mountain_car(3, seed=0, show_progress=False)
        >>> res.steps.tolist(), res.W.shape
        ([200, 200, 200], (3, 648))
    """
    import gymnasium as gym

    op = "sarsa_mountain_car"
    _check_sarsa(op, n_episodes, max_episode_steps, alpha, epsilon, gamma)
    rng = check_seed(op, "seed", seed)
    try:
        coder = mountain_car_coder(n_tilings, tiles, hash_size)
    except DotkitError as exc:  # say which call the bad n_tilings, tiles or hash_size came to
        raise type(exc)(f"{op}: {exc}") from None
    env = gym.make("MountainCar-v0", max_episode_steps=max_episode_steps, disable_env_checker=True)
    try:
        W = np.zeros((env.action_space.n, coder.n_features))
        steps, reached, predicted, kept = _learn(
            env, W, coder, n_episodes, alpha, rng, epsilon=epsilon, gamma=gamma,
            seed=seed, keep={int(k) for k in snapshots}, show_progress=show_progress,
        )
    finally:
        env.close()
    return SarsaResult(steps, reached, W, coder, np.array(predicted), kept)


def _check_sarsa(op: str, n_episodes: int, max_episode_steps: int, alpha: float, epsilon: float,
                 gamma: float) -> None:
    check_positive_int(op, "n_episodes", n_episodes)
    check_positive_int(op, "max_episode_steps", max_episode_steps)
    real = isinstance(alpha, (int, float, np.integer, np.floating)) and not isinstance(alpha, bool)
    if not (real and alpha > 0 and np.isfinite(alpha)):
        raise InputValueError(f"{op}: alpha must be a finite number > 0; received alpha={alpha!r:.60}")
    check_unit(op, "epsilon", epsilon)
    check_unit(op, "gamma", gamma)


def _learn(
    env: Any, W: np.ndarray, coder: TileCoder, n_episodes: int, alpha: float, rng: np.random.Generator, *,
    epsilon: float, gamma: float, seed: int, keep: set[int], show_progress: bool | None,
) -> tuple[np.ndarray, np.ndarray, list, dict[int, np.ndarray]]:
    """``n_episodes`` of SARSA in ``env``, updating ``W`` in place: steps, goal reached, q̂ predicted, snapshots."""
    from dotkit.progress import progress

    steps = np.zeros(n_episodes, dtype=np.int64)
    reached = np.zeros(n_episodes, dtype=bool)
    predicted: list = []
    kept = {}
    for e in progress(range(n_episodes), desc=f"SARSA seed {seed}", enabled=show_progress):
        steps[e], reached[e] = sarsa_episode(
            env, W, coder, alpha, rng, epsilon=epsilon, gamma=gamma,
            seed=seed if e == 0 else None, predicted=predicted,
        )
        if e + 1 in keep:
            kept[e + 1] = W.copy()
    return steps, reached, predicted, kept


def _check_result(op: str, result: Any) -> None:
    if not isinstance(result, SarsaResult):
        raise DtypeError(
            f"{op}: result must be what sarsa_mountain_car returns (a SarsaResult); "
            f"received {type(result).__name__} {result!r:.60}"
        )


def cost_to_go(
    result: SarsaResult, n: int = 50, *, backend: str | Backend | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``−max_a q̂(s, a)`` on an ``n × n`` grid of (position, velocity).

    All grid states at once: the dense feature matrix ``Φ`` (``n², d``) times
    ``Wᵀ`` gives every state's action values in one matrix product.

    Returns:
        ``(positions (n,), velocities (n,), cost (n, n))`` (NumPy) with
        ``cost[i, j]`` at velocity ``i`` and position ``j``.
    """
    from dotkit.linalg import to_numpy
    from dotkit.rl.value import action_values

    _check_result("cost_to_go", result)
    check_positive_int("cost_to_go", "n", n, minimum=2)
    bk = resolve("cost_to_go", backend=backend)
    pos = np.linspace(MOUNTAIN_CAR_LOW[0], MOUNTAIN_CAR_HIGH[0], n)
    vel = np.linspace(MOUNTAIN_CAR_LOW[1], MOUNTAIN_CAR_HIGH[1], n)
    P, V = np.meshgrid(pos, vel)
    phi = result.coder.matrix(np.stack([P.ravel(), V.ravel()], axis=1), backend=bk)
    q = to_numpy(action_values(bk.asarray(result.W, dtype=phi.dtype), phi))  # (n², n_actions)
    return pos, vel, -q.max(axis=1).reshape(n, n)


def untried(result: SarsaResult, n: int = 50) -> np.ndarray:
    """Grid states where some action has never been updated, on the grid of :func:`cost_to_go`.

    An action is untried in ``s`` when none of its active weights has moved from
    0: ``q̂(s, a)`` is still the optimistic start value, so ``−max_a q̂(s, a)`` is
    0 there. Counted with a dot product: ``Φ (W ≠ 0)ᵀ`` is, for each state and
    action, how many of the state's active weights have been updated.

    Returns:
        ``(n, n)`` booleans, ``[i, j]`` at velocity ``i`` and position ``j``.
    """
    _check_result("untried", result)
    check_positive_int("untried", "n", n, minimum=2)
    pos = np.linspace(MOUNTAIN_CAR_LOW[0], MOUNTAIN_CAR_HIGH[0], n)
    vel = np.linspace(MOUNTAIN_CAR_LOW[1], MOUNTAIN_CAR_HIGH[1], n)
    P, V = np.meshgrid(pos, vel)
    phi = np.asarray(result.coder.matrix(np.stack([P.ravel(), V.ravel()], axis=1), backend="numpy"))
    updated = phi @ (result.W != 0).T  # (n², n_actions): updated active weights per action
    return (updated == 0).any(axis=1).reshape(n, n)


#: Where ``scripts/reproduce_sutton_barto.py --only 10.2`` stores its full-size Figure 10.2 run.
FIGURE_10_2_FILE = "sarsa_mountain_car_steps.csv"


def stored_figure_10_2() -> tuple[np.ndarray, dict[float, np.ndarray], int]:
    """The stored full-size Figure 10.2 run: mean steps per episode for each step size.

    Written by ``scripts/reproduce_sutton_barto.py --only 10.2`` (no time
    limit, as in the book). The first comment line holds the number of runs.

    Returns:
        ``(episodes (k,), {alpha: mean steps (k,)}, n_runs)``.
    """
    from importlib.resources import files

    text = files("dotkit").joinpath("data", FIGURE_10_2_FILE).read_text()
    lines = text.splitlines()
    n_runs = int(lines[0].split("runs=")[1].split()[0])
    header = lines[1].split(",")
    table = np.loadtxt(lines[2:], delimiter=",", ndmin=2)
    alphas = [float(h.removeprefix("alpha=")) for h in header[1:]]
    return np.array(table[:, 0], dtype=int), {a: table[:, i + 1] for i, a in enumerate(alphas)}, n_runs


__all__ = [
    "FIGURE_10_2_FILE",
    "SarsaResult",
    "cost_to_go",
    "mountain_car_coder",
    "sarsa_episode",
    "sarsa_mountain_car",
    "stored_figure_10_2",
    "untried",
]
