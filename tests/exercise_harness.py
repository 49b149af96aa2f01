"""One table per chapter proves every checker teaches.

Each chapter's ``tests/test_exercises_chN.py`` lists, per exercise, the stub the
chapter shows, at least two typical wrong answers with a phrase that each one's
own hint must contain, and the solution from ``chapters/solutions/``; then::

    globals().update(make_tests(CASES))

adds the tests: the stub gets "your turn"; each wrong answer gets "not yet" and
its own hint (no two alike); the solution is "correct", in float64 and computed
in float32 on every installed backend (MLX included); answers of the wrong type
get a hint that names the type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import dotkit as dk
from dotkit.exercises import check, is_stub

BACKENDS = dk.available_backends()


@dataclass
class Case:
    """What a checker must handle: the chapter's stub, typical mistakes, the solution."""

    stub: Any
    wrong: list[tuple[Any, str]]
    solution: Any
    #: False where a float32 answer is not a correct answer (counts, whole numbers).
    float32: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _f32(x: Any, bk: Any) -> Any:
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return bk.asarray(x.astype(np.float32))
    if isinstance(x, float):
        return bk.asarray(np.float32(x))
    if isinstance(x, tuple):
        return tuple(_f32(v, bk) for v in x)
    return x


def in_float32(answer: Any, bk: Any) -> Any:
    """The same answer, worked in float32 on backend ``bk``: inputs rounded to float32, outputs ``bk`` arrays."""
    if callable(answer):

        def worked_in_float32(*args: Any, **kwargs: Any) -> Any:
            args = tuple(np.asarray(a, np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
                         for a in args)
            return _f32(answer(*args, **kwargs), bk)

        return worked_in_float32
    return _f32(np.asarray(answer, dtype=float) if isinstance(answer, list) else answer, bk)


def make_tests(cases: dict[str, Case]) -> dict[str, Callable[..., None]]:
    keys = sorted(cases)

    @pytest.mark.parametrize("key", keys)
    def test_stub_is_your_turn(key: str) -> None:
        case = cases[key]
        assert is_stub(case.stub), f"{key}: the stub should be ... or a function whose body is ..."
        fb = check(key, case.stub, **case.extra)
        assert fb.state == "your turn", fb
        assert repr(fb).startswith(f"✏️ Exercise {key}: your turn — ") and len(fb.message) > 20

    @pytest.mark.parametrize("key", keys)
    def test_wrong_answers_get_their_own_hints(key: str) -> None:
        case = cases[key]
        assert len(case.wrong) >= 2, f"{key}: give at least two typical wrong answers"
        messages = []
        for answer, phrase in case.wrong:
            fb = check(key, answer, **case.extra)
            assert fb.state == "not yet", (key, phrase, fb)
            assert phrase in fb.message, (key, phrase, fb.message)
            messages.append(fb.message)
        assert len(set(messages)) == len(messages), f"{key}: two wrong answers got the same hint: {messages}"

    @pytest.mark.parametrize("key", keys)
    def test_solution_is_correct(key: str) -> None:
        fb = check(key, cases[key].solution, **cases[key].extra)
        assert fb.state == "correct", fb
        assert repr(fb).startswith(f"✅ Exercise {key}: correct — ")

    @pytest.mark.parametrize("name", BACKENDS)
    @pytest.mark.parametrize("key", keys)
    def test_solution_in_float32_is_correct(key: str, name: str) -> None:
        case = cases[key]
        if not case.float32:
            pytest.skip("a float32 value is not a correct answer here")
        bk = dk.get_backend(name)
        with dk.use_backend(name):
            fb = check(key, in_float32(case.solution, bk), **case.extra)
        assert fb.state == "correct", fb

    @pytest.mark.parametrize("key", keys)
    def test_wrong_types_get_a_type_hint(key: str) -> None:
        for answer, name in (("forty-two", "str"), (None, "None")):
            fb = check(key, answer, **cases[key].extra)
            assert fb.state == "not yet" and name in fb.message, (key, fb)
            assert "raised" not in fb.message, (key, fb)

    return {
        "test_stub_is_your_turn": test_stub_is_your_turn,
        "test_wrong_answers_get_their_own_hints": test_wrong_answers_get_their_own_hints,
        "test_solution_is_correct": test_solution_is_correct,
        "test_solution_in_float32_is_correct": test_solution_in_float32_is_correct,
        "test_wrong_types_get_a_type_hint": test_wrong_types_get_a_type_hint,
    }
