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
