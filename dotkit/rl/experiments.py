"""Sutton & Barto's chapter-9 experiments on the 1000-state random walk.

Each function reproduces one figure of the book from the pieces of
:mod:`dotkit.rl`: the walk (:mod:`~dotkit.rl.random_walk`), a feature map
(:mod:`~dotkit.rl.features`) and a prediction method
(:mod:`~dotkit.rl.prediction`). This module imports them; none of them
imports it.

* Figure 9.1: :func:`mc_aggregation_run` (gradient Monte Carlo, 10 groups);
  :func:`mc_weight_history` keeps the weights after every episode, for the
  value-function explorer.
* Figure 9.2: :func:`td_aggregation_run` (left) and :func:`n_step_sweep` (right).
* Figure 9.5: :func:`basis_comparison` (polynomial against Fourier bases).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit._inputs import check_positive_int, resolve
from dotkit.backends import Backend
from dotkit.errors import InputValueError
from dotkit.linalg import matmul, to_numpy
from dotkit.progress import progress
from dotkit.rl.features import FourierBasis, PolynomialBasis, StateAggregation
from dotkit.rl.prediction import gradient_mc, gradient_mc_aggregated, n_step_td
from dotkit.rl.random_walk import N_STATES, episode_stream, episodes, true_values, visit_distribution

_STATES = np.arange(1, N_STATES + 1)
_CHUNK = 1000  # episodes simulated at a time: a long run never holds all of them


def _aggregation(n_groups: int) -> StateAggregation:
    return StateAggregation(N_STATES, n_groups, first=1)


def _check_run(op: str, n_episodes: int, alpha: Any) -> None:
    """Errors that name the experiment the reader called, before any episode runs."""
    check_positive_int(op, "n_episodes", n_episodes)
    number = isinstance(alpha, (int, float, np.integer, np.floating)) and not isinstance(alpha, bool)
    if not (number and 0.0 < float(alpha) <= 1.0):
        raise InputValueError(f"{op}: alpha must be a number in (0, 1]; received alpha={alpha!r}")


def mc_aggregation_run(
    n_episodes: int,
    alpha: float = 2e-5,
    *,
    n_groups: int = 10,
    seed: int = 0,
    show_progress: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Figure 9.1: gradient MC with state aggregation, one run.

    Returns:
        ``(w, visits)``: the learned group values ``(n_groups,)`` and how often
        each state was visited ``(n_states,)``.

    Example:
        >>> w, visits = mc_aggregation_run(200, 1e-3, seed=0, show_progress=False)
        >>> w.shape, int(visits.sum()) > 200
        ((10,), True)
    """
    _check_run("mc_aggregation_run", n_episodes, alpha)
    groups = _aggregation(n_groups).group(_STATES)
    w, visits = np.zeros(n_groups), np.zeros(N_STATES + 1, dtype=np.int64)
    batches = episode_stream(n_episodes, seed, chunk=_CHUNK)
    for ep in progress(batches, total=-(-n_episodes // _CHUNK), desc="gradient MC", enabled=show_progress):
        w = gradient_mc_aggregated(groups, ep, w, alpha)
        visits += np.bincount(ep.states[ep.states > 0], minlength=N_STATES + 1)
    return w, visits[1:]


def mc_weight_history(
    n_episodes: int, alpha: float, *, n_groups: int = 10, seed: int = 0
) -> tuple[np.ndarray, Any]:
    """Gradient-MC weights with state aggregation after every episode of one run.

    Returns:
        ``(history, episodes)``: ``history[e]`` is the weights ``(n_groups,)``
        after ``e`` episodes (row 0 is the zero start), ``(n_episodes + 1, n_groups)``;
        ``episodes`` is the :class:`~dotkit.rl.random_walk.Episodes` batch learned from.

    Example:
        >>> history, eps = mc_weight_history(5, 0.01, seed=0)
        >>> history.shape, bool((history[0] == 0).all())
        ((6, 10), True)
    """
    _check_run("mc_weight_history", n_episodes, alpha)
    groups = _aggregation(n_groups).group(_STATES)
    eps = episodes(n_episodes, seed)
    history = np.zeros((n_episodes + 1, n_groups))
    for e in range(n_episodes):
        history[e + 1] = gradient_mc_aggregated(groups, eps.one(e), history[e], alpha)
    return history, eps


def td_aggregation_run(
    n_episodes: int,
    alpha: float = 2e-4,
    *,
    n: int = 1,
    n_groups: int = 10,
    seed: int = 0,
    show_progress: bool | None = None,
) -> np.ndarray:
    """Figure 9.2 (left): semi-gradient TD(0) (or n-step TD) with state aggregation, one run.

    Example:
        >>> td_aggregation_run(50, 1e-3, show_progress=False).shape
        (10,)
    """
    _check_run("td_aggregation_run", n_episodes, alpha)
    phi = to_numpy(_aggregation(n_groups).transform(_STATES, backend="numpy"))
    w = np.zeros(n_groups)
    batches = episode_stream(n_episodes, seed, chunk=_CHUNK)
    for ep in progress(batches, total=-(-n_episodes // _CHUNK), desc=f"{n}-step TD", enabled=show_progress):
        w = n_step_td(phi, ep, w, alpha, n=n, backend="numpy")
    return w


def n_step_sweep(
    ns: Any,
    alphas: Any,
    *,
    n_runs: int = 100,
    n_episodes: int = 10,
    n_groups: int = 20,
    seed: int = 0,
    backend: str | Backend | None = None,
    show_progress: bool | None = None,
) -> np.ndarray:
    """Figure 9.2 (right): RMS error of n-step TD over the first episodes, for each n and α.

    All ``len(alphas) × n_runs`` learners step side by side (each step is a
    batch of dot products); every α sees the same episodes in run r. The error
    after each episode is the RMS over all states of ``Φ w − v``, averaged over
    the episodes and the runs.

    Returns:
        ``(len(ns), len(alphas))`` average RMS errors.

    Example:
        >>> n_step_sweep([1, 4], [0.2], n_runs=2, n_episodes=2, show_progress=False).shape
        (2, 1)
    """
    bk = resolve("n_step_sweep", backend=backend)
    phi = _aggregation(n_groups).transform(_STATES, backend=bk)
    v = true_values(backend="numpy")
    alphas = np.asarray(alphas, dtype=np.float64)
    a = bk.asarray(np.repeat(alphas, n_runs))
    rng = np.random.default_rng(seed)
    eps = [episodes(n_runs, rng).tile(alphas.size) for _ in range(n_episodes)]
    out = np.zeros((len(ns), alphas.size))
    for i, n in enumerate(progress(list(ns), desc="n-step TD sweep", enabled=show_progress)):
        W = bk.asarray(np.zeros((alphas.size * n_runs, n_groups)), dtype=bk.default_float)
        err = np.zeros(alphas.size * n_runs)
        for ep in eps:
            W = n_step_td(phi, ep, W, a, n=int(n), backend=bk)
            values = to_numpy(matmul(phi, W.T))  # (n_states, runs): every state's value in every run
            err += np.sqrt(np.mean((values - v[:, None]) ** 2, axis=0))
        out[i] = (err / n_episodes).reshape(alphas.size, n_runs).mean(axis=1)
    return out


def _check_basis_args(op: str, orders: Any, n_episodes: int, n_runs: int, every: int) -> tuple[int, ...]:
    orders = tuple(orders) if isinstance(orders, (list, tuple, range)) else orders
    if not isinstance(orders, tuple) or not orders:
        raise InputValueError(f"{op}: orders must be a non-empty sequence of orders; received orders={orders!r}")
    for o in orders:
        check_positive_int(op, "orders", o, minimum=0)
    for name, number in (("n_episodes", n_episodes), ("n_runs", n_runs), ("every", every)):
        check_positive_int(op, name, number)
    return orders


def _basis_tables(configs: list[tuple[str, int]], d: int) -> np.ndarray:
    """Each (basis, order)'s feature table, padded with zero columns to ``d``: ``(configs, n_states, d)``."""
    tables = []
    for kind, order in configs:
        basis = (PolynomialBasis if kind == "polynomial" else FourierBasis)(order, low=1, high=N_STATES)
        t = np.asarray(to_numpy(basis.transform(np.asarray(_STATES, dtype=float), backend="numpy")))
        tables.append(np.pad(t, ((0, 0), (0, d - t.shape[1]))))
    return np.stack(tables)


def basis_comparison(
    orders: Any = (5, 10, 20),
    *,
    n_episodes: int = 5000,
    n_runs: int = 30,
    alphas: dict | None = None,
    seed: int = 0,
    every: int = 100,
    backend: str | Backend | None = None,
    show_progress: bool | None = None,
) -> dict:
    """Figure 9.5: gradient MC with polynomial and Fourier bases of several orders.

    Every (basis, order, run) learns side by side, each with its own feature
    table padded to the widest basis with zero columns (zero features never
    change a value or a weight). The curve is ``√VE`` (μ-weighted, eq. 9.1)
    averaged over runs, recorded every ``every`` episodes.

    Returns:
        ``{"episodes": (k,), ("polynomial", order): (k,), ("fourier", order): (k,), ...}``.

    Example:
        >>> out = basis_comparison((1,), n_episodes=4, n_runs=2, every=2, show_progress=False)
        >>> out["episodes"].tolist(), out[("fourier", 1)].shape
        ([2, 4], (2,))
    """
    op = "basis_comparison"
    bk = resolve(op, backend=backend)
    orders = _check_basis_args(op, orders, n_episodes, n_runs, every)
    alphas = alphas or {"polynomial": 1e-4, "fourier": 5e-5}
    configs = [(kind, o) for kind in ("polynomial", "fourier") for o in orders]
    phi_np = np.repeat(_basis_tables(configs, max(orders) + 1), n_runs, axis=0)  # (configs·runs, n_states, d)
    phi = bk.asarray(phi_np, dtype=bk.default_float)
    a = bk.asarray(np.repeat([alphas[k] for k, _ in configs], n_runs), dtype=bk.default_float)
    W = bk.asarray(np.zeros(phi_np.shape[::2]), dtype=bk.default_float)
    v, mu = true_values(backend="numpy"), visit_distribution()
    rng = np.random.default_rng(seed)
    marks, curves = [], []
    for e in progress(range(n_episodes), desc="bases", enabled=show_progress):
        W = gradient_mc(phi, episodes(n_runs, rng).tile(len(configs)), W, a, backend=bk)
        if (e + 1) % every == 0:
            values = np.einsum("bsd,bd->bs", phi_np, to_numpy(W))  # every state's w·φ(s), every learner
            marks.append(e + 1)
            curves.append(np.sqrt(((values - v) ** 2) @ mu).reshape(len(configs), n_runs).mean(axis=1))
    curves = np.array(curves)
    return {"episodes": np.array(marks), **{c: curves[:, i] for i, c in enumerate(configs)}}


__all__ = ["basis_comparison", "mc_aggregation_run", "mc_weight_history", "n_step_sweep", "td_aggregation_run"]
