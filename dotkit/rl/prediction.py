"""Learning a linear value function from episodes: gradient Monte Carlo and n-step TD.

All of them move the weights along the features, because the gradient of
``v̂(s, w) = w·φ(s)`` is ``φ(s)``::

    w ← w + α [U_t − w·φ(S_t)] φ(S_t)

and differ only in the target ``U_t`` (Sutton & Barto, sections 9.3 and 9.4,
7.1 and 10.2 for n steps):

* gradient Monte Carlo: the return ``G_t = R_{t+1} + γ R_{t+2} + ...`` to the end;
* semi-gradient TD(0): ``R_{t+1} + γ w·φ(S_{t+1})``, a guess built from a guess;
* n-step TD: ``R_{t+1} + ... + γ^{n−1} R_{t+n} + γ^n w·φ(S_{t+n})``.

n-step TD with ``n`` at least the episode's length *is* gradient Monte Carlo
(the updates happen in the same order with the same targets), so one routine
does all three. The update for time ``τ`` uses the weights left by the update
for ``τ − 1``, exactly as in the book's online algorithm.

Shapes: ``phi`` is the table of every state's features ``(n_states, d)`` (row
``i`` belongs to state ``first + i``); the weights are ``(d,)`` for one run,
whose episodes are then used one after another, or ``(B, d)`` for ``B``
independent runs (or step sizes) learning side by side, one episode each per
call, in lock-step: each step is then ``B`` dot products at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit._inputs import as_array, check_positive_int, resolve
from dotkit.backends import Backend, get_backend
from dotkit.errors import InputValueError, ShapeError
from dotkit.rl._checks import check_unit
from dotkit.rl.random_walk import Episodes


def _check_alpha(op: str, alpha: Any, *, allow_zero: bool = False) -> float:
    """A step size in (0, 1] (or [0, 1]: a sweep over α may start at zero, no learning)."""
    number = isinstance(alpha, (int, float, np.integer, np.floating)) and not isinstance(alpha, bool)
    low_ok = number and (float(alpha) >= 0.0 if allow_zero else float(alpha) > 0.0)
    if not (low_ok and float(alpha) <= 1.0):
        span = "[0, 1]" if allow_zero else "(0, 1]"
        raise InputValueError(f"{op}: alpha must be a number in {span}; received alpha={alpha!r}")
    return float(alpha)


def _check_gamma_n(op: str, gamma: float, n: int | None) -> None:
    check_unit(op, "gamma", gamma)
    if n is not None:
        check_positive_int(op, "n", n)


def n_step_returns(rewards: np.ndarray, n: int | None, gamma: float = 1.0) -> np.ndarray:
    """The reward part of the n-step target: ``Σ_{j<n} γ^j R_{t+1+j}`` for every ``t``.

    ``rewards`` is ``(B, T)`` with zeros after each episode's end, so sums
    stop at the end by themselves. ``n=None`` sums to the end (the return G_t).

    Example:
        >>> n_step_returns(np.array([[0.0, 0.0, 1.0]]), 2).tolist()
        [[0.0, 1.0, 1.0]]
    """
    R = np.asarray(rewards, dtype=np.float64)
    T = R.shape[-1]
    n = T if n is None else min(n, T)
    out = np.zeros_like(R)
    if gamma == 1.0 and n == T:
        return np.cumsum(R[..., ::-1], axis=-1)[..., ::-1]
    for j in range(n):
        out[..., : T - j] += gamma**j * R[..., j:]
    return out


def _lockstep(
    bk: Backend, phi: Any, ep: Episodes, W: Any, alpha: Any, n: int | None, gamma: float, first: int
) -> Any:
    """One episode per row of ``W``, all rows stepping together (padding is masked)."""
    S, L = ep.states, ep.lengths
    B, T = S.shape
    part = bk.asarray(n_step_returns(ep.rewards, n, gamma), dtype=W.dtype)
    rows = np.clip(S - first, 0, phi.shape[-2] - 1)
    steps = T if n is None else n
    discount = gamma**steps
    if phi.ndim == 3:  # one feature table per run
        runs = bk.asarray(np.arange(B))
        gather = lambda r: phi[runs, bk.asarray(r)]  # noqa: E731
    else:
        gather = lambda r: phi[bk.asarray(r)]  # noqa: E731
    for t in range(T):
        live = t < L
        if not live.any():
            break
        x = gather(rows[:, t])  # (B, d): the features of each run's S_t
        target = part[:, t]
        if n is not None and t + n < T:
            boot = (t + n) < L  # runs whose episode is still going at t + n
            if boot.any():
                v_next = bk.vecdot(gather(rows[:, t + n]), W)
                target = target + discount * bk.asarray(boot, dtype=W.dtype) * v_next
        delta = target - bk.vecdot(x, W)  # U_t − w·φ(S_t), one dot product per run
        step = alpha * delta * bk.asarray(live, dtype=W.dtype)
        W = W + step[:, None] * x
    bk.sync(W)
    return W


def n_step_td(
    phi: Any,
    episodes: Episodes,
    w: Any,
    alpha: Any,
    *,
    n: int | None = 1,
    gamma: float = 1.0,
    first: int = 1,
    backend: str | Backend | None = None,
) -> Any:
    """Semi-gradient n-step TD on linear features; ``n=None`` is gradient Monte Carlo.

    ``w ← w + α [G_{t:t+n} − w·φ(S_t)] φ(S_t)`` with
    ``G_{t:t+n} = Σ_{j<n} γ^j R_{t+j+1} + γ^n w·φ(S_{t+n})`` (the last term
    only while the episode lasts).

    Args:
        phi: features of every state, ``(n_states, d)``; row ``i`` is state ``first + i``.
            Or ``(B, n_states, d)``: a table per run (to compare feature maps side by side).
        episodes: a batch from :func:`dotkit.rl.random_walk.episodes` (or any
            :class:`~dotkit.rl.random_walk.Episodes`).
        w: ``(d,)``: one run, which learns from the episodes one after
            another, step by step on each state's non-zero features; or
            ``(B, d)``: B runs side by side, row b from episode b, each step B dot products.
        alpha: step size, a number or ``(B,)`` (one per run).
        n: steps before bootstrapping; ``None`` never bootstraps (Monte Carlo).
        gamma: discount in ``[0, 1]``.

    Returns:
        The new weights, the shape of ``w``.

    Example:
        >>> from dotkit.rl.random_walk import episodes
        >>> w = n_step_td(np.ones((1000, 1)), episodes(2, 0), np.zeros(1), 0.1)
        >>> w.shape
        (1,)
    """
    return _n_step_td("n_step_td", phi, episodes, w, alpha, n, gamma, first, backend)


def _n_step_td(
    op: str, phi: Any, episodes: Episodes, w: Any, alpha: Any, n: int | None, gamma: float, first: int,
    backend: str | Backend | None,
) -> Any:
    """:func:`n_step_td`, with errors that name ``op`` (the public function called)."""
    bk = resolve(op, phi, w, backend=backend)
    phi = as_array(op, "phi", phi, bk, ndim=(2, 3), allow_int=False)
    w = as_array(op, "w", w, bk, ndim=(1, 2), allow_int=False)
    _check_gamma_n(op, gamma, n)
    if isinstance(first, bool) or not isinstance(first, (int, np.integer)):
        raise InputValueError(f"{op}: first must be the integer state of phi's row 0; received first={first!r:.40}")
    if w.shape[-1] != phi.shape[-1] or (phi.ndim == 3 and (w.ndim != 2 or phi.shape[0] != w.shape[0])):
        raise ShapeError(
            f"{op}: w and phi do not fit (w.shape=(d,) or (B, d) with phi.shape=(n_states, d) "
            f"or (B, n_states, d)); received w.shape={tuple(w.shape)}, phi.shape={tuple(phi.shape)}"
        )
    ep = Episodes.check(op, episodes, None if w.ndim == 1 else w.shape[0])
    ep.check_rows(op, phi.shape[-2], first, "phi")
    if w.ndim == 2:
        a = bk.cast(as_array(op, "alpha", alpha, bk, ndim=(0, 1), allow_int=False), w.dtype)
        if not bool(bk.xp.all((a >= 0) & (a <= 1)).item()):  # a sweep may include α = 0
            bad = np.round(bk.to_numpy(a), 6)
            bad = bad[(bad < 0) | (bad > 1)]
            raise InputValueError(f"{op}: every alpha must lie in [0, 1]; received alpha values {bad[:5].tolist()}")
        return _lockstep(bk, phi, ep, w, a, n, gamma, first)
    alpha = _check_alpha(op, alpha, allow_zero=True)
    learned = _one_run(_active_features(bk.to_numpy(phi)), ep, bk.to_numpy(w).tolist(), alpha, n, gamma, first)
    return bk.asarray(np.asarray(learned), dtype=w.dtype)


def _active_features(phi: np.ndarray) -> list[list[tuple[int, float]]]:
    """Each state's non-zero features as ``(index, value)`` pairs: a table row without its zeros.

    State aggregation and tile coding switch on a handful of features out of
    many; an update ``w += α δ φ(s)`` then only has to touch those.
    """
    rows: list[list[tuple[int, float]]] = [[] for _ in range(phi.shape[0])]
    r, c = np.nonzero(phi)
    for i, j, v in zip(r.tolist(), c.tolist(), phi[r, c].tolist(), strict=True):
        rows[i].append((j, v))
    return rows


def _one_run(
    features: list, ep: Episodes, w: list[float], alpha: float, n: int | None, gamma: float, first: int
) -> list[float]:
    """One run learning from the episodes in order: the book's online loop, step by step.

    The weights are Python floats and each step touches only the state's
    non-zero features, so a step costs a few operations however many features
    there are. The arithmetic is that of :func:`_lockstep` with the zeros skipped.
    """
    for b in range(ep.states.shape[0]):
        L = int(ep.lengths[b])
        rows = (ep.states[b, :L] - first).tolist()
        part = n_step_returns(ep.rewards[b : b + 1, :L], n, gamma)[0].tolist()
        steps = L if n is None else n
        discount = gamma**steps
        for t in range(L):
            target = part[t]
            if t + steps < L:  # the episode is still going at t + n: bootstrap from w·φ(S_{t+n})
                target += discount * sum([w[i] * v for i, v in features[rows[t + steps]]])
            x = features[rows[t]]
            step = alpha * (target - sum([w[i] * v for i, v in x]))
            for i, v in x:
                w[i] += step * v
    return w


def semi_gradient_td(
    phi: Any, episodes: Episodes, w: Any, alpha: Any, *, gamma: float = 1.0, first: int = 1,
    backend: str | Backend | None = None,
) -> Any:
    """Semi-gradient TD(0): :func:`n_step_td` with ``n=1`` (target ``R + γ w·φ(S')``)."""
    return _n_step_td("semi_gradient_td", phi, episodes, w, alpha, 1, gamma, first, backend)


def gradient_mc(
    phi: Any, episodes: Episodes, w: Any, alpha: Any, *, gamma: float = 1.0, first: int = 1,
    backend: str | Backend | None = None,
) -> Any:
    """Gradient Monte Carlo: :func:`n_step_td` with ``n=None`` (target: the full return G_t)."""
    return _n_step_td("gradient_mc", phi, episodes, w, alpha, None, gamma, first, backend)


def gradient_mc_aggregated(
    groups: np.ndarray, episodes: Episodes, w: np.ndarray, alpha: float, *, first: int = 1
) -> np.ndarray:
    """Gradient Monte Carlo with state aggregation, each episode's updates in closed form.

    With one-hot features, ``w·φ(s) = w_g`` for the group ``g`` of ``s``, and
    an update touches only ``w_g``. When every step of an episode has the same
    return ``G`` (no discounting, a reward only at the end, as in the random
    walk) the ``c_g`` updates of group ``g`` in one episode,
    ``w_g ← w_g + α (G − w_g)`` repeated ``c_g`` times, compound to
    ``w_g ← G + (1 − α)^{c_g} (w_g − G)``: the same numbers as stepping
    through the episode, in a handful of array operations.

    Args:
        groups: the group of each state, ``(n_states,)`` ints (row ``i`` is state ``first + i``).
        w: ``(n_groups,)`` weights of one run; episodes are used in order.
    """
    op = "gradient_mc_aggregated"
    ep = Episodes.check(op, episodes)
    groups = np.asarray(groups)
    w = np.array(w, dtype=np.float64)
    alpha = _check_alpha(op, alpha)
    if groups.ndim != 1 or groups.dtype.kind not in "iu" or w.ndim != 1:
        raise ShapeError(
            f"{op}: expected integer groups (n_states,) and weights w (n_groups,); received "
            f"groups.shape={groups.shape}, groups.dtype={groups.dtype}, w.shape={w.shape}"
        )
    if groups.size and (groups.min() < 0 or groups.max() >= w.size):
        raise InputValueError(
            f"{op}: groups must lie in [0, {w.size}) for w.shape={w.shape}; received "
            f"min={groups.min()}, max={groups.max()}"
        )
    ep.check_rows(op, groups.shape[0], first, "groups")
    S, R, L = ep.states, ep.rewards, ep.lengths
    B = S.shape[0]
    last = R[np.arange(B), L - 1]
    if np.any(R.sum(axis=1) != last):
        raise InputValueError(
            f"{op}: needs episodes whose only reward is the last one (the return is "
            f"then the same at every step); use gradient_mc otherwise"
        )
    live = S >= first
    g = groups[np.where(live, S - first, 0)]
    flat = (np.arange(B)[:, None] * w.size + g)[live]
    counts = np.bincount(flat, minlength=B * w.size).reshape(B, w.size)
    keep = (1.0 - alpha) ** counts  # (B, n_groups): how much of (w − G) survives each episode
    for b in range(B):
        w = last[b] + keep[b] * (w - last[b])
    return w


def value_error(v_hat: Any, v_true: Any, mu: Any = None) -> float:
    """Root of the mean squared value error, ``√VE = √(Σ_s μ(s) [v̂(s) − v(s)]²)`` (eq. 9.1).

    ``mu=None`` weighs all states equally (the book's "RMS error over all states").

    The result is not rounded; round it where you print it.

    Example:
        >>> round(value_error([0.0, 1.0], [0.0, 0.0]), 4)
        0.7071
    """
    op = "value_error"
    nb = get_backend("numpy")
    v_hat = np.asarray(as_array(op, "v_hat", v_hat, nb, min_ndim=1, allow_int=False), dtype=np.float64)
    v_true = np.asarray(as_array(op, "v_true", v_true, nb, ndim=1, allow_int=False), dtype=np.float64)
    if v_hat.shape[-1] != v_true.shape[0]:
        raise ShapeError(
            f"{op}: v_hat and v_true must have one value per state; received "
            f"v_hat.shape={v_hat.shape}, v_true.shape={v_true.shape}"
        )
    e = v_hat - v_true
    if mu is None:
        m = np.full(e.shape[-1], 1.0 / e.shape[-1])
    else:
        m = np.asarray(as_array(op, "mu", mu, nb, ndim=1, allow_int=False, finite=True), dtype=np.float64)
        if m.shape != v_true.shape:
            raise ShapeError(
                f"{op}: mu must weigh every state; received mu.shape={m.shape}, "
                f"v_true.shape={v_true.shape}"
            )
        if np.any(m < 0):
            raise InputValueError(
                f"{op}: mu is a distribution and cannot be negative; received min(mu)={m.min()}"
            )
        if not m.sum() > 0:  # all zeros: no state carries weight, and the error would be 0/0
            raise InputValueError(f"{op}: mu must give some state a positive weight; received mu of all zeros")
    return np.sqrt((e**2) @ m) if e.ndim > 1 else float(np.sqrt((e**2) @ m))


def mc_fixed_point(phi: Any, v_true: Any, mu: Any) -> np.ndarray:
    """Where gradient MC converges: the μ-weighted least-squares fit ``argmin_w Σ μ (w·φ − v)²``.

    The normal equations ``(Φᵀ D Φ) w = Φᵀ D v`` with ``D = diag(μ)``.
    """
    op = "mc_fixed_point"
    Phi, mu = _table_and_weights(op, phi, mu)
    v = _per_state(op, "v_true", v_true, Phi)
    D = mu[:, None] * Phi
    return _solve(op, Phi.T @ D, D.T @ v, Phi)


def td_fixed_point(
    phi: Any, P: np.ndarray, r: np.ndarray, mu: Any, gamma: float = 1.0
) -> np.ndarray:
    """Where semi-gradient TD(0) converges: ``w_TD = A⁻¹ b`` (eq. 9.12).

    ``A = Φᵀ D (I − γ P) Φ`` and ``b = Φᵀ D r`` with ``D = diag(μ)``, ``P``
    the transitions between non-terminal states and ``r`` the expected reward.
    """
    op = "td_fixed_point"
    _check_gamma_n(op, gamma, None)
    Phi, mu = _table_and_weights(op, phi, mu)
    n = Phi.shape[0]
    P = as_array(op, "P", P, get_backend("numpy"), ndim=2, allow_int=False, finite=True)
    if P.shape != (n, n):
        raise ShapeError(
            f"{op}: P must be (n_states, n_states) = ({n}, {n}); received P.shape={P.shape}, "
            f"phi.shape={Phi.shape}"
        )
    r = _per_state(op, "r", r, Phi)
    D = mu[:, None] * Phi
    A = D.T @ (Phi - gamma * (np.asarray(P, dtype=np.float64) @ Phi))
    return _solve(op, A, D.T @ r, Phi)


def _table_and_weights(op: str, phi: Any, mu: Any) -> tuple[np.ndarray, np.ndarray]:
    """The feature table ``(n_states, d)`` and state weights ``(n_states,)``, float64 NumPy."""
    nb = get_backend("numpy")
    Phi = np.asarray(as_array(op, "phi", phi, nb, ndim=2, allow_int=False, finite=True), dtype=np.float64)
    m = np.asarray(as_array(op, "mu", mu, nb, ndim=1, allow_int=False, finite=True), dtype=np.float64)
    if m.shape[0] != Phi.shape[0]:
        raise ShapeError(
            f"{op}: mu must weigh every row of phi; received mu.shape={m.shape}, phi.shape={Phi.shape}"
        )
    return Phi, m


def _per_state(op: str, name: str, x: Any, Phi: np.ndarray) -> np.ndarray:
    x = as_array(op, name, x, get_backend("numpy"), ndim=1, allow_int=False, finite=True)
    if x.shape[0] != Phi.shape[0]:
        raise ShapeError(
            f"{op}: {name} must have one entry per state; received {name}.shape={x.shape}, "
            f"phi.shape={Phi.shape}"
        )
    return np.asarray(x, dtype=np.float64)


def _solve(op: str, A: np.ndarray, b: np.ndarray, Phi: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        raise InputValueError(
            f"{op}: the normal equations are singular (features linearly dependent on the "
            f"states that carry weight); received phi.shape={Phi.shape}"
        ) from None


__all__ = [
    "gradient_mc",
    "gradient_mc_aggregated",
    "mc_fixed_point",
    "n_step_returns",
    "n_step_td",
    "semi_gradient_td",
    "td_fixed_point",
    "value_error",
]
