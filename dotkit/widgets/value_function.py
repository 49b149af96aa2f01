"""The value-function explorer: a linear value function on the 1000-state random walk (chapter 6).

Gradient Monte Carlo with state aggregation (10 groups) learns from a seeded
stream of episodes and keeps the weights after every episode. An episode
slider shows ``v̂(s) = w·φ(s)`` after that many episodes, with the episode's
own path drawn underneath; a group selector and a weight slider let you move
one weight by hand and see one step of the staircase follow it, because each
state's value is its features dotted with the weights. It opens on the last of
the episodes that visited the fewest groups, so that even a static picture shows
unvisited groups standing still. The picture is PNG from
matplotlib's Agg canvas in an ``ipywidgets.Image``, so the explorer is built
and driven without a frontend (tests do).

Example:
    >>> from dotkit.widgets.value_function import value_explorer
    >>> ex = value_explorer(n_episodes=200)     # doctest: +SKIP
    >>> ex                                      # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit._inputs import check_positive_int
from dotkit.errors import InputValueError
from dotkit.widgets._render import Explorer, new_figure, png_bytes


class ValueExplorer(Explorer):
    """The widget behind :func:`value_explorer`.

    Attributes:
        episode: IntSlider, how many episodes have been learned from.
        group: Dropdown, which weight the weight slider moves.
        weight: FloatSlider, that weight's value (starts at the learned one).
        readout: HTML with the numbers; image: the picture; widget: the layout.
    """

    def __init__(
        self, n_episodes: int = 300, alpha: float = 2e-3, n_groups: int = 10, seed: int = 0
    ) -> None:
        import ipywidgets as w

        from dotkit.rl._checks import check_seed, finite_real
        from dotkit.rl.experiments import mc_weight_history
        from dotkit.rl.features import StateAggregation
        from dotkit.rl.random_walk import true_values

        check_positive_int("value_explorer", "n_episodes", n_episodes)
        if not (finite_real(alpha) and 0 < alpha <= 1):
            raise InputValueError(
                f"value_explorer: alpha must be a number in (0, 1]; received alpha={alpha!r:.60}"
            )
        check_positive_int("value_explorer", "n_groups", n_groups)
        if 1000 % n_groups:
            raise InputValueError(f"value_explorer: n_groups must divide the walk's 1000 states; received "
                                  f"n_groups={n_groups}")
        check_seed("value_explorer", "seed", seed)
        self.history, self.episodes = mc_weight_history(n_episodes, alpha, n_groups=n_groups, seed=seed)
        self.aggregation = StateAggregation(1000, n_groups, first=1)
        self.phi = np.asarray(self.aggregation.transform(np.arange(1, 1001), backend="numpy"))
        self.v_true = np.asarray(true_values(backend="numpy"))
        first = self.quiet_episode()
        self.w = self.history[first].copy()
        self.episode = w.IntSlider(value=first, min=0, max=n_episodes, description="episodes")
        self.group = w.Dropdown(
            options=[(f"group {g + 1}", g) for g in range(n_groups)],
            value=0,
            description="weight of",
        )
        self.weight = w.FloatSlider(
            value=round(float(self.w[0]), 3),
            min=-1.2,
            max=1.2,
            step=0.01,
            description="w value",
            readout_format=".2f",
        )
        self.readout = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(width="560px"))
        self._quiet = False
        self.episode.observe(self._on_episode, names="value")
        self.group.observe(self._on_group, names="value")
        self.weight.observe(self._on_weight, names="value")
        self.widget = w.VBox(
            [w.HBox([self.episode, self.group, self.weight]), self.image, self.readout]
        )
        self._draw()

    def groups_visited(self, e: int) -> np.ndarray:
        """The groups (0-based) whose states episode ``e`` (1-based) visited."""
        L = int(self.episodes.lengths[e - 1])
        return np.unique(self.aggregation.group(self.episodes.states[e - 1, :L]))

    def quiet_episode(self) -> int:
        """The last episode among those that visited the fewest groups: the opening picture.

        Most episodes wander through most groups; opening on one that did not
        shows in the static picture that only visited groups move.
        """
        counts = [len(self.groups_visited(e)) for e in range(1, self.history.shape[0])]
        return int(np.flatnonzero(np.array(counts) == min(counts))[-1]) + 1

    def values(self) -> np.ndarray:
        """``v̂ = Φ w`` for all 1000 states: one matrix–vector product."""
        import dotkit as dk

        return np.asarray(dk.to_numpy(dk.matmul(self.phi, self.w)))

    def _on_episode(self, change: Any) -> None:
        self.w = self.history[change["new"]].copy()
        self._sync_weight()
        self._draw()

    def _on_group(self, change: Any) -> None:
        self._sync_weight()

    def _sync_weight(self) -> None:
        self._quiet = True
        self.weight.value = round(float(self.w[self.group.value]), 3)
        self._quiet = False

    def _on_weight(self, change: Any) -> None:
        if self._quiet:
            return
        self.w[self.group.value] = change["new"]
        self._draw()

    def _draw(self) -> None:
        from dotkit.rl.prediction import value_error

        v_hat = self.values()
        e = self.episode.value
        self.readout.value = (
            f"after {e} episode(s): RMS error over all states, each weighted equally = "
            f"<b>{value_error(v_hat, self.v_true):.3f}</b>; "
            f"weights = [{', '.join(f'{x:.2f}' for x in self.w)}]"
        )
        moved = self.episode_update(e)
        if moved:
            changes = ", ".join(f"group {g + 1} {d:+.3f}" for g, d in moved.items())
            self.readout.value += f"<br>episode {e} moved: {changes}"
        self.image.value = self._png(v_hat, e)

    def episode_update(self, e: int) -> dict[int, float]:
        """``{group: Δw}`` for the groups that episode ``e`` updated (its states' groups), in group order."""
        if e <= 0:
            return {}
        visited = self.groups_visited(e)
        delta = self.history[e] - self.history[e - 1]
        return {int(g): float(delta[g]) for g in visited}

    def _png(self, v_hat: np.ndarray, e: int) -> bytes:
        fig = new_figure(figsize=(7.0, 4.4))
        ax, path_ax = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
        s = np.arange(1, 1001)
        ax.plot(s, self.v_true, color="0.4", lw=1.2, label="true value v(s)")
        ax.plot(s, v_hat, color="tab:blue", lw=2, label="v̂(s) = w·φ(s)")
        ax.set(ylim=(-1.25, 1.25), ylabel="value")
        group_size = self.aggregation.size
        for i, (g, d) in enumerate(self.episode_update(e).items()):
            ax.axvspan(g * group_size + 0.5, (g + 1) * group_size + 0.5, color="tab:orange", alpha=0.15,
                       label=f"groups episode {e} updated (Δw printed)" if i == 0 else None)
            ax.text((g + 0.5) * group_size, -1.15, f"{d:+.3f}", ha="center", fontsize=9, color="tab:orange")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=9, frameon=False)
        if e > 0:
            L = int(self.episodes.lengths[e - 1])
            path = self.episodes.states[e - 1, :L]
            path_ax.plot(path, np.arange(L), ".-", color="tab:orange", ms=3, lw=0.6)
            end = "+1 (right)" if self.episodes.rewards[e - 1, L - 1] > 0 else "−1 (left)"
            path_ax.set_title(f"episode {e}: {L} steps, return {end}", fontsize=9)
        path_ax.set(xlabel="state", ylabel="step", xlim=(0, 1001))
        fig.tight_layout()
        return png_bytes(fig)


    def __repr__(self) -> str:
        weights = ", ".join(f"{x:.2f}" for x in self.w)
        return f"ValueExplorer(episode={self.episode.value}, w=[{weights}])"


def value_explorer(
    n_episodes: int = 300, alpha: float = 2e-3, n_groups: int = 10, seed: int = 0
) -> ValueExplorer:
    """An explorer of ``v̂(s) = w·φ(s)`` on the random walk: pick an episode, move a weight.

    Args:
        n_episodes: episodes of gradient Monte Carlo to precompute.
        alpha: its step size (larger than the book's 2e-5 so that a few
            hundred episodes show visible learning).
        n_groups: state-aggregation groups (1000 must be divisible by it).
        seed: the episodes' seed.
    """
    return ValueExplorer(n_episodes, alpha, n_groups, seed)


__all__ = ["ValueExplorer", "value_explorer"]
