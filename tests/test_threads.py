"""dotkit._threads: every item once, nested calls stay on their thread, BLAS restored."""

from __future__ import annotations

import threading

import pytest

from dotkit import _threads


def _collect(items, parallel):
    seen, threads, lock = [], set(), threading.Lock()

    def run(part):
        for item in part:
            with lock:
                seen.append(item)
                threads.add(threading.get_ident())

    _threads.run_parts(run, items, parallel=parallel)
    return seen, threads


@pytest.mark.parametrize("parallel", [False, True])
def test_every_item_is_processed_exactly_once(parallel):
    seen, _ = _collect(list(range(101)), parallel)
    assert sorted(seen) == list(range(101))


def test_sequential_runs_on_the_calling_thread():
    _, threads = _collect(list(range(10)), parallel=False)
    assert threads == {threading.get_ident()}


def test_nested_calls_do_not_start_more_threads():
    inner_threads = []

    def outer(part):
        for _ in part:
            _, threads = _collect(list(range(8)), parallel=True)
            inner_threads.append((threading.get_ident(), threads))

    _threads.run_parts(outer, list(range(4)), parallel=True)
    assert len(inner_threads) == 4
    for worker, threads in inner_threads:
        assert threads == {worker}


def test_blas_threads_are_restored():
    controller = _threads.blas_controller()
    if controller is None:
        pytest.skip("threadpoolctl is not installed")
    before = [lib.num_threads for lib in controller.select(user_api="blas").lib_controllers]
    _collect(list(range(4)), parallel=True)
    after = [lib.num_threads for lib in controller.select(user_api="blas").lib_controllers]
    assert after == before


def test_an_error_in_a_worker_reaches_the_caller():
    def run(part):
        for item in part:
            if item == 3:
                raise ValueError("item 3")

    with pytest.raises(ValueError, match="item 3"):
        _threads.run_parts(run, list(range(6)), parallel=True)


def test_the_caller_works_and_the_helpers_are_kept_between_calls():
    if _threads.cores() < 2 or _threads.blas_controller() is None:
        pytest.skip("needs two cores and threadpoolctl")
    gate = threading.Barrier(2, timeout=10)

    def run(part):  # the first two items meet at the barrier: two threads must be working at once
        for item in part:
            if item < 2:
                gate.wait()

    first, second = set(), set()
    for seen in (first, second):
        _threads.run_parts(lambda part, seen=seen: (seen.add(threading.current_thread()), run(part)), list(range(8)),
                           parallel=True)
    assert threading.current_thread() in first
    assert first == second  # the same helper threads (the objects, not reusable ids), not new ones per call


def test_an_error_stops_the_other_workers_taking_items():
    taken, lock = [], threading.Lock()

    def run(part):
        for item in part:
            with lock:
                taken.append(item)
            if item == 0:
                raise ValueError("item 0")

    with pytest.raises(ValueError, match="item 0"):
        _threads.run_parts(run, list(range(10_000)), parallel=True)
    assert len(taken) < 10_000


def test_a_forked_child_starts_its_own_helpers():
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    _collect(list(range(4)), parallel=True)  # the parent's helpers exist before the fork
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_sorted_items_in_child, (50,)) == list(range(50))


def _sorted_items_in_child(n):
    return sorted(_collect(list(range(n)), parallel=True)[0])
