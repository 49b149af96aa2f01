"""Larger runs of the Sutton & Barto (2nd ed.) experiments that chapter 6 shows reduced (Figure 10.2: 30 runs).

    python scripts/reproduce_sutton_barto.py            # everything; on 2 cores the parts take as below
    python scripts/reproduce_sutton_barto.py --only 9.1 --only 9.2 --only 9.5   # about 2 minutes
    python scripts/reproduce_sutton_barto.py --only 10.2   # 5 minutes or more; rewrites the stored table

Prints the numbers each figure is drawn from:

* Figure 9.1: gradient Monte Carlo, 10 groups of 100 states, α = 2e-5, 100,000 episodes;
* Figure 9.2 (left): semi-gradient TD(0), same features, α = 2e-4, 100,000 episodes;
* Figure 9.2 (right): n-step TD, 20 groups, RMS error over the first 10 episodes, 100 runs;
* Figure 9.5: gradient MC with polynomial and Fourier bases of order 5, 10, 20, 5000 episodes,
  30 runs, α = 1e-4 (polynomial) and 5e-5 (Fourier);
* Mountain Car: semi-gradient SARSA, 8 tilings, α = 0.5/8, ε = 0, steps per episode averaged over
  seeds, on Gymnasium's MountainCar-v0 (200-step limit) and without the limit, as in the book;
* Figure 10.2: the same SARSA at α = 0.1/8, 0.2/8, 0.5/8 for 500 episodes without a time limit,
  30 runs by default (the book: 100; set --fig10-runs); the mean curves are stored in dotkit/data/
  for the chapter to draw.

Figures 9.1, 9.2 and 9.5 run at the book's size; Figure 10.2 and the Mountain Car table use 30 runs.

Everything is seeded; the same command prints the same numbers.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from dotkit.rl import experiments, mc_fixed_point, td_fixed_point, value_error
from dotkit.rl import random_walk as rw
from dotkit.rl.control import sarsa_mountain_car
from dotkit.rl.features import StateAggregation

STATES = np.arange(1, 1001)


def _fmt(x: np.ndarray) -> str:
    return "[" + " ".join(f"{v:+.3f}" for v in np.asarray(x)) + "]"


def figure_9_1_and_9_2_left() -> None:
    v, mu = rw.true_values(backend="numpy"), rw.visit_distribution()
    P, r = rw.transition_model()
    phi = np.asarray(StateAggregation(1000, 10, first=1).transform(STATES, backend="numpy"))
    print(f"true values: v(1) = {v[0]:+.4f}, v(500) = {v[499]:+.4f}, v(1000) = {v[-1]:+.4f}")
    t = time.perf_counter()
    w_mc, visits = experiments.mc_aggregation_run(100_000, 2e-5, seed=0)
    print(
        f"\nFigure 9.1  gradient MC, α = 2e-5, 100,000 episodes ({time.perf_counter() - t:.1f} s)"
    )
    print("  learned w      ", _fmt(w_mc))
    print("  MC optimum     ", _fmt(mc_fixed_point(phi, v, mu)))
    print(
        f"  √VE = {value_error(phi @ w_mc, v, mu):.4f}; most visited state {visits.argmax() + 1} "
        f"({visits.max() / visits.sum():.4f} of all visits)"
    )
    t = time.perf_counter()
    w_td = experiments.td_aggregation_run(100_000, 2e-4, seed=0)
    w_star = td_fixed_point(phi, P, r, mu)
    print(
        "\nFigure 9.2 (left)  semi-gradient TD(0), α = 2e-4, 100,000 episodes "
        f"({time.perf_counter() - t:.1f} s)"
    )
    print("  learned w      ", _fmt(w_td))
    print("  TD fixed point ", _fmt(w_star))
    print(
        f"  √VE: TD(0) learned {value_error(phi @ w_td, v, mu):.4f}, TD fixed point "
        f"{value_error(phi @ w_star, v, mu):.4f}, MC learned {value_error(phi @ w_mc, v, mu):.4f}"
    )


def figure_9_2_right(n_runs: int) -> None:
    ns = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    alphas = np.round(np.linspace(0, 1, 11), 2)
    t = time.perf_counter()
    errs = experiments.n_step_sweep(ns, alphas, n_runs=n_runs, seed=0)
    print(
        f"\nFigure 9.2 (right)  n-step TD, 20 groups, RMS error over the first 10 episodes, "
        f"{n_runs} runs ({time.perf_counter() - t:.1f} s)"
    )
    print("  α      " + " ".join(f"{a:6.1f}" for a in alphas))
    for n, row in zip(ns, errs):
        print(f"  n={n:<4d} " + " ".join(f"{e:6.3f}" for e in row))
    best = np.unravel_index(errs[:, 1:].argmin(), errs[:, 1:].shape)
    print(f"  lowest: {errs[:, 1:].min():.3f} at n = {ns[best[0]]}, α = {alphas[1:][best[1]]}")


def figure_9_5(n_runs: int, n_episodes: int) -> None:
    t = time.perf_counter()
    curves = experiments.basis_comparison(
        (5, 10, 20), n_episodes=n_episodes, n_runs=n_runs, every=500, seed=0
    )
    print(
        "\nFigure 9.5  gradient MC, polynomial (α = 1e-4) vs Fourier (α = 5e-5), "
        f"{n_episodes} episodes, "
        f"{n_runs} runs ({time.perf_counter() - t:.1f} s)"
    )
    print("  episodes          " + " ".join(f"{e:6d}" for e in curves["episodes"]))
    for key in [k for k in curves if k != "episodes"]:
        print(f"  {key[0]:10s} o={key[1]:<3d} " + " ".join(f"{e:6.3f}" for e in curves[key]))


def mountain_car(n_seeds: int, n_episodes: int) -> None:
    for limit, label in (
        (200, "MountainCar-v0 (200-step limit)"),
        (100_000, "no time limit (as in the book)"),
    ):
        t = time.perf_counter()
        steps = np.stack(
            [
                sarsa_mountain_car(
                    n_episodes, seed=s, max_episode_steps=limit, show_progress=False
                ).steps
                for s in range(n_seeds)
            ]
        ).astype(float)
        mean = steps.mean(axis=0)
        print(
            f"\nMountain Car, SARSA, 8 tilings, α = 0.5/8, ε = 0, {label}, {n_seeds} seeds "
            f"({time.perf_counter() - t:.1f} s)"
        )
        for lo, hi in (
            (1, 1),
            (2, 10),
            (11, 25),
            (26, 50),
            (51, 75),
            (76, 90),
            (91, 100),
            (101, 200),
            (201, 500),
        ):
            if hi <= n_episodes:
                print(f"  episodes {lo:3d}-{hi:3d}: mean steps {mean[lo - 1 : hi].mean():7.1f}")
        print(f"  episode 100 alone: {mean[99]:.1f} (seed-to-seed sd {steps[:, 99].std():.1f})")


def figure_10_2(n_seeds: int, n_episodes: int = 500) -> None:
    """Figure 10.2: SARSA at three step sizes, no time limit; stores the mean curve for chapter 6."""
    from importlib.resources import files

    from dotkit.rl.control import FIGURE_10_2_FILE

    alphas = (0.1 / 8, 0.2 / 8, 0.5 / 8)
    t = time.perf_counter()
    means = []
    for a in alphas:
        steps = np.stack([
            sarsa_mountain_car(n_episodes, seed=s, alpha=a, max_episode_steps=100_000,
                               show_progress=False).steps
            for s in range(n_seeds)
        ]).astype(float)
        means.append(steps.mean(axis=0))
        print(f"  α = {a * 8:.1f}/8: mean steps, episodes 1 / 100 / 491-500: {means[-1][0]:.0f} / "
              f"{means[-1][99]:.0f} / {means[-1][490:].mean():.1f}")
    print(f"\nFigure 10.2  SARSA, 8 tilings, no time limit, {n_seeds} runs "
          f"({time.perf_counter() - t:.1f} s)")
    path = files("dotkit").joinpath("data", FIGURE_10_2_FILE)
    table = np.column_stack([np.arange(1, n_episodes + 1), *means])
    header = (f"# Figure 10.2 by scripts/reproduce_sutton_barto.py: runs={n_seeds} seeds 0..{n_seeds - 1}, "
              "no time limit, mean steps per episode\n"
              + ",".join(["episode"] + [f"alpha={a!r}" for a in alphas]))
    np.savetxt(str(path), table, delimiter=",", fmt=["%d"] + ["%.2f"] * len(alphas),
               header=header, comments="")
    print(f"  stored in {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        action="append",
        choices=["9.1", "9.2", "9.5", "mc", "10.2"],
        help="run only these parts (9.1 includes 9.2 left; 9.2 is the n-step sweep)",
    )
    parser.add_argument(
        "--runs", type=int, default=100, help="runs for Figure 9.2 right (book: 100)"
    )
    parser.add_argument("--basis-runs", type=int, default=30, help="runs for Figure 9.5 (book: 30)")
    parser.add_argument(
        "--basis-episodes", type=int, default=5000, help="episodes for Figure 9.5 (book: 5000)"
    )
    parser.add_argument("--seeds", type=int, default=30, help="Mountain Car seeds (book: 100 runs)")
    parser.add_argument("--episodes", type=int, default=100, help="Mountain Car episodes per seed")
    parser.add_argument("--fig10-runs", type=int, default=30, help="runs for Figure 10.2 (book: 100)")
    args = parser.parse_args()
    os.environ.setdefault("DOTKIT_PROGRESS", "0")
    parts = set(args.only or ["9.1", "9.2", "9.5", "mc", "10.2"])
    start = time.perf_counter()
    if "9.1" in parts:
        figure_9_1_and_9_2_left()
    if "9.2" in parts:
        figure_9_2_right(args.runs)
    if "9.5" in parts:
        figure_9_5(args.basis_runs, args.basis_episodes)
    if "mc" in parts:
        mountain_car(args.seeds, args.episodes)
    if "10.2" in parts:
        figure_10_2(args.fig10_runs)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
