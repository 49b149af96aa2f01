"""Chapter 6's explorer, built and driven without a frontend (its checkers: test_exercises_ch6.py)."""

from __future__ import annotations

import numpy as np
import pytest

from dotkit.errors import InputValueError
from dotkit.rl import random_walk as rw
from dotkit.rl.features import StateAggregation
from dotkit.rl.prediction import gradient_mc_aggregated


@pytest.fixture(scope="module")
def explorer():
    pytest.importorskip("ipywidgets")
    from dotkit.widgets.value_function import value_explorer

    return value_explorer(n_episodes=40, alpha=5e-3, seed=3)


def test_explorer_history_is_gradient_mc(explorer) -> None:
    groups = StateAggregation(1000, 10, first=1).group(np.arange(1, 1001))
    want = gradient_mc_aggregated(groups, rw.episodes(40, 3), np.zeros(10), 5e-3)
    np.testing.assert_allclose(explorer.history[-1], want, atol=1e-12)
    assert explorer.image.value[:4] == b"\x89PNG"


def test_explorer_episode_slider_and_weight_slider(explorer) -> None:
    explorer.episode.value = 10
    np.testing.assert_allclose(explorer.w, explorer.history[10])
    assert "after 10 episode(s)" in explorer.readout.value
    explorer.group.value = 4
    assert explorer.weight.value == pytest.approx(round(explorer.history[10][4], 3))
    explorer.weight.value = 0.7
    v = explorer.values()
    np.testing.assert_allclose(v[400:500], 0.7)  # one weight moves exactly one stair
    np.testing.assert_allclose(v[:100], explorer.history[10][0])
    assert "ValueExplorer(episode=10" in repr(explorer)


def test_explorer_rejects_bad_step_size() -> None:
    pytest.importorskip("ipywidgets")
    from dotkit.widgets.value_function import value_explorer

    with pytest.raises(InputValueError, match="alpha"):
        value_explorer(n_episodes=5, alpha=2.0)



def test_explorer_shows_which_groups_an_episode_moved(explorer) -> None:
    explorer.episode.value = 7
    moved = explorer.episode_update(7)
    L = int(explorer.episodes.lengths[6])
    groups = set(((explorer.episodes.states[6, :L] - 1) // 100).tolist())
    assert set(moved) == groups
    delta = explorer.history[7] - explorer.history[6]
    for g in range(10):  # the visited groups move, every other weight stays put
        assert (delta[g] != 0) == (g in groups)
        if g in groups:
            assert moved[g] == pytest.approx(delta[g])
    assert "episode 7 moved: group" in explorer.readout.value
    assert explorer.episode_update(0) == {}


def test_explorer_opens_on_a_late_episode_that_visited_few_groups(explorer) -> None:
    first = explorer.quiet_episode()
    counts = [len(explorer.groups_visited(e)) for e in range(1, 41)]
    assert counts[first - 1] == min(counts) < 10
    assert all(c > min(counts) for c in counts[first:])  # the last of the fewest
