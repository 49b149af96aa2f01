"""Ops that would allocate more than the machine holds refuse before they start, naming the size."""

from __future__ import annotations

import time

import numpy as np
import pytest

import dotkit as dk
from dotkit._memory import available_bytes, check_allocation
from dotkit.datasets.images import load_image
from dotkit.errors import DotkitError, MemoryLimitError

HUGE = [
    ("dot-broadcast", lambda bk: dk.dot(np.ones((100_000, 1, 100)), np.ones((1, 100_000, 100)), backend=bk),
     "dot: broadcasting a.shape=(100000, 1, 100)"),
    ("matmul-outer", lambda bk: dk.matmul(np.ones((100_000, 2)), np.ones((2, 100_000)), backend=bk),
     "matmul: "),
    ("matmul-batch", lambda bk: dk.matmul(np.ones((50_000, 1, 40, 3)), np.ones((1, 50_000, 3, 40)), backend=bk),
     "matmul: broadcasting"),
]


@pytest.fixture(autouse=True)
def machine_of_16_gib(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same limit on every machine, so a big one cannot start allocating 75 GiB instead of refusing."""
    monkeypatch.setenv("DOTKIT_MEMORY_LIMIT", "16GiB")


@pytest.mark.parametrize(("fn", "words"), [pytest.param(f, w, id=i) for i, f, w in HUGE])
def test_huge_results_are_refused_at_once(backend, fn, words) -> None:
    start = time.perf_counter()
    with pytest.raises(MemoryLimitError) as info:
        fn(backend)
    assert time.perf_counter() - start < 5
    assert isinstance(info.value, (DotkitError, MemoryError))
    assert words in str(info.value) and "GiB" in str(info.value)


def test_the_plain_numpy_path_is_guarded_too() -> None:
    with pytest.raises(MemoryLimitError, match=r"the \(100000, 100000\) result"):
        dk.matmul(np.ones((100_000, 2)), np.ones((2, 100_000)))


def test_huge_image_is_refused() -> None:
    with pytest.raises(MemoryLimitError, match="load_image: a 60000×60000 image would need"):
        load_image("camera", size=(60_000, 60_000))


def test_the_limit_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOTKIT_MEMORY_LIMIT", "1MiB")
    assert available_bytes() == 2**20
    with pytest.raises(MemoryLimitError, match="more than the 0.000977 GiB available"):
        dk.dot(np.ones((1000, 1, 10)), np.ones((1, 100, 10)))
    check_allocation("dot", 1000, "a small result", "nothing")
    monkeypatch.setenv("DOTKIT_MEMORY_LIMIT", "8 GB")
    assert available_bytes() == 8 * 10**9
    monkeypatch.setenv("DOTKIT_MEMORY_LIMIT", "lots")
    with pytest.raises(MemoryLimitError, match="DOTKIT_MEMORY_LIMIT: expected bytes"):
        available_bytes()


def test_ordinary_sizes_pass() -> None:
    assert float(dk.dot(np.ones((1000, 1, 10)), np.ones((1, 100, 10))).sum()) == 1000 * 100 * 10
    assert dk.matmul(np.ones((300, 4)), np.ones((4, 300))).shape == (300, 300)
