"""time_call waits for each result's own backend, so a chapter times a lazy library with no sync argument."""

from __future__ import annotations

import time

import numpy as np
import pytest

import dotkit
from dotkit.backends import Backend, get_backend
from dotkit.benchmarks import timing
from dotkit.benchmarks.timing import time_call, time_calls, wait_for_result


class _Lazy:
    """A result that is computed only when its backend is asked to wait for it."""

    def __init__(self) -> None:
        self.done = False


class _LazyBackend(Backend):
    name = "lazy-test"
    array_module = "lazy_test"  # ownership is decided by the fixture below
    waited: list[_Lazy] = []

    def sync(self, *arrays: object) -> None:
        for x in arrays:
            x.done = True
            self.waited.append(x)


@pytest.fixture
def lazy(monkeypatch: pytest.MonkeyPatch) -> _LazyBackend:
    bk = object.__new__(_LazyBackend)
    monkeypatch.setattr(timing, "backend_of", lambda x: bk.name if isinstance(x, _Lazy) else None)
    monkeypatch.setattr(timing, "get_backend", lambda name: bk if name == bk.name else get_backend(name))
    monkeypatch.setattr(timing, "_waits", {})
    _LazyBackend.waited = []
    return bk


def test_default_sync_waits_for_the_results_own_backend(lazy: _LazyBackend) -> None:
    made: list[_Lazy] = []

    def call() -> _Lazy:
        made.append(_Lazy())
        return made[-1]

    t = time_call(call, repeats=3, min_repeat_s=0.001)
    assert made and all(x.done for x in made)  # every result, calibration included, was waited for
    assert len(lazy.waited) == len(made) == 1 + t.repeats * t.number


def test_containers_are_waited_for_item_by_item(lazy: _LazyBackend) -> None:
    a, b, c = _Lazy(), _Lazy(), _Lazy()
    wait_for_result((a, [b, None], {"c": c, "n": np.ones(2)}))
    assert a.done and b.done and c.done and len(lazy.waited) == 3


def test_eager_results_and_python_objects_have_nothing_to_wait_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timing, "_waits", {})
    for result in (np.ones(3), np.float32(1), None, 2.0, "text", object()):
        wait_for_result(result)
    assert timing._waits[np.ndarray] is None  # NumPy's sync is the base no-op: never called in the clock
    assert all(wait is None for wait in timing._waits.values())


def test_an_explicit_sync_still_wins(lazy: _LazyBackend) -> None:
    seen: list[object] = []
    time_call(lambda: _Lazy(), sync=seen.append, repeats=2, min_repeat_s=0.001)
    assert seen and not lazy.waited  # the caller's sync was used instead of the backend's


def test_time_calls_waits_for_each_calls_result(lazy: _LazyBackend) -> None:
    made: list[_Lazy] = []
    time_calls([lambda: made.append(_Lazy()) or made[-1], lambda: np.ones(3)], repeats=2, budget_s=1e9,
               min_repeat_s=0.001)
    assert made and all(x.done for x in made)


def test_warmup_zero_keeps_a_slow_first_call_as_the_only_repeat() -> None:
    calls = []

    def slow() -> None:
        calls.append(1)
        time.sleep(0.05)

    t = time_call(slow, warmup=0, repeats=3, budget_s=0.01)
    assert len(calls) == 1 and t.repeats == 1 and t.samples == (t.median,) and t.median >= 0.05
    calls.clear()
    t = time_call(slow, warmup=1, repeats=3, budget_s=0.01)
    assert len(calls) == 2 and t.repeats == 1  # the calibrating call is thrown away with a warm-up


def test_warmup_zero_with_budget_counts_the_first_call_among_the_repeats() -> None:
    calls = []

    def slow() -> None:
        calls.append(1)
        time.sleep(0.02)

    t = time_call(slow, warmup=0, repeats=3, budget_s=10)
    assert len(calls) == 3 and t.repeats == 3 and len(t.samples) == 3


def test_mlx_results_are_evaluated_inside_the_timing() -> None:
    if "mlx" not in dotkit.available_backends():
        pytest.skip("MLX is not installed")
    import mlx.core as mx

    a = mx.ones((64, 64))
    evaluated = []
    bk = get_backend("mlx")
    real_sync = bk.sync
    timing._waits.pop(mx.array, None)
    try:
        bk.sync = lambda *xs: evaluated.append(len(xs)) or real_sync(*xs)  # type: ignore[method-assign]
        time_call(lambda: mx.matmul(a, a), repeats=2, min_repeat_s=0.001)
    finally:
        del bk.sync
        timing._waits.pop(mx.array, None)
    assert evaluated and set(evaluated) == {1}


def test_time_calls_settle_rests_between_repeats_without_timing_the_rest():
    start = time.perf_counter()
    (t,) = time_calls([lambda: None], repeats=3, budget_s=1e9, min_repeat_s=0.0, settle_s=0.05)
    wall = time.perf_counter() - start
    assert t.repeats == 3
    assert wall >= 3 * 0.05  # one rest before each repeat
    assert t.best < 0.01  # the rests are not in the timing


def test_time_calls_after_a_settle_wakes_the_cores_untimed_and_times_a_steady_repeat():
    from dotkit.benchmarks.timing import SETTLED_REPEAT_S

    calls = []

    def fn():
        calls.append(time.perf_counter())
        time.sleep(0.01)

    (t,) = time_calls([fn], repeats=2, budget_s=1e9, min_repeat_s=0.0, settle_s=0.01)
    assert t.number >= SETTLED_REPEAT_S / 0.02  # several calls per repeat, not the one a 10 ms call would get
    # the calibrating call, then per repeat one untimed call and the timed ones
    assert len(calls) == 1 + 2 * (1 + t.number)
    (plain,) = time_calls([fn], repeats=2, budget_s=1e9, min_repeat_s=0.0)
    assert plain.number == 1  # without a settle nothing changes
