"""The exercise mechanism, and what the stored notebooks show a reader.

Each chapter's checkers have their own table (``test_exercises_chN.py``); here:
the three states, stubs, the time limit, bad ids, and the promises about the
stored notebooks (exercises stored as "your turn", solutions as "correct", no
tooling in the reader's view, a picture with every widget).
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

import dotkit.exercises as ex
from dotkit.errors import DotkitError, UnknownExerciseError
from dotkit.exercises import NotYet, check, exercise, is_stub, needs_function, needs_number

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
SOLUTIONS = ROOT / "chapters" / "solutions"
CHECK_CALL = re.compile(r"""check\(\s*["']([0-9A-Z]+\.[0-9]+)["']""")


def _cells(nb_path: Path) -> list[dict]:
    return json.loads(nb_path.read_text())["cells"]


def _text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append("".join(out.get("text", "")))
        parts.append("".join(out.get("data", {}).get("text/plain", "")))
        parts.append("".join(out.get("data", {}).get("text/markdown", "")))
    return "\n".join(parts)


def _exercise_cells(nb_path: Path) -> dict[str, str]:
    """Exercise id -> the stored output text of the cell that checks it."""
    found = {}
    for cell in _cells(nb_path):
        if cell["cell_type"] == "code":
            for key in CHECK_CALL.findall("".join(cell["source"])):
                found[key] = _text(cell)
    return found


def _chapter_number(nb_path: Path) -> str:
    """'01_dot_product' -> '1'; the appendix 'A1_backends_and_speed' -> 'A' (its exercises are A.1, A.2, ...)."""
    head = nb_path.name.split("_")[0]
    return head[0] if head[0].isalpha() else head.lstrip("0")


# --- the mechanism -----------------------------------------------------------------------


@pytest.fixture
def scratch():
    """An exercise "9.1" registered for one test, then removed."""
    yield exercise
    ex._CHECKERS.pop("9.1", None)


def test_stubs_are_recognised() -> None:
    def body_only(a, b):
        ...

    def documented(a):
        """Write me."""
        # a comment
        ...

    def passing(x):
        pass

    def real(a, b):
        return a

    assert is_stub(...) and is_stub(body_only) and is_stub(documented) and is_stub(passing)
    assert not is_stub(real) and not is_stub(0.5) and not is_stub(None) and not is_stub(print)


def test_three_states(scratch) -> None:
    @scratch("9.1", todo="write twice(x), which doubles x")
    def _check(answer):
        twice = needs_function(answer, "twice(x)")
        if twice(2.0) != 4.0:
            raise NotYet("twice(2) should be 4")
        return "2x doubles."

    def stub(x):
        ...

    assert repr(check("9.1", stub)) == "✏️ Exercise 9.1: your turn — write twice(x), which doubles x"
    assert repr(check("9.1", lambda x: x + 1)) == "❌ Exercise 9.1: not yet — twice(2) should be 4"
    fb = check("9.1", lambda x: 2 * x)
    assert fb and fb.passed and fb.state == "correct" and repr(fb) == "✅ Exercise 9.1: correct — 2x doubles."
    assert not check("9.1", stub) and not check("9.1", lambda x: x)

    def not_implemented(x):
        raise NotImplementedError

    assert check("9.1", not_implemented).state == "your turn"
    assert "forget to `return`" in check("9.1", lambda x: print(x)).message
    assert "ZeroDivisionError" in check("9.1", lambda x: 1 / 0).message


def test_a_loop_that_never_ends_is_stopped(scratch) -> None:
    @scratch("9.1", todo="anything", seconds=0.3)
    def _check(answer):
        needs_function(answer, "f()")()
        return "done"

    def forever():
        while True:
            try:
                pass
            except Exception:  # the reader's own except cannot swallow the stop
                pass

    fb = check("9.1", forever)
    assert fb.state == "not yet" and "still running after 0.3 s" in fb.message
    assert check("9.1", lambda: 1).passed  # the alarm is cleared afterwards


def test_numbers_reject_nan_strings_and_lists() -> None:
    for bad, words in ((float("nan"), "nan"), (float("inf"), "inf"), ("0.14", "str"), ([0.1, 0.2], "list"),
                       (None, "None")):
        with pytest.raises(NotYet, match=words):
            needs_number(bad)
    assert needs_number(0.25) == 0.25


@pytest.mark.parametrize("key", [1.1, 2, None])
def test_a_key_that_is_not_a_string_lists_the_ids(key) -> None:
    with pytest.raises(UnknownExerciseError) as info:
        check(key, ...)
    assert isinstance(info.value, (DotkitError, KeyError))
    assert "string such as '1.2'" in str(info.value) and type(key).__name__ in str(info.value)
    if key == 1.1:
        assert "'1.1', '1.2'" in str(info.value)


def test_an_unknown_key_lists_the_chapters_ids() -> None:
    with pytest.raises(UnknownExerciseError, match=r"no exercise '2\.9'; chapter 2's exercises are '2\.1'"):
        check("2.9", ...)
    with pytest.raises(KeyError, match="look like '1.2'"):
        check("nine", ...)


# --- the stored notebooks ----------------------------------------------------------------


def _registered(chapter: str) -> list[str]:
    return ex._chapter_ids(chapter)


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_stores_every_exercise_as_your_turn(nb: Path) -> None:
    stored = _exercise_cells(nb)
    chapter = _chapter_number(nb)
    assert sorted(stored) == _registered(chapter), f"{nb.stem}: checks in the chapter vs registered checkers"
    for key, text in stored.items():
        assert f"Exercise {key}: your turn" in text, f"{nb.stem}: exercise {key} is not stored as a stub: {text!r}"
        assert "correct —" not in text


@pytest.mark.parametrize("nb", [p for p in CHAPTERS if _exercise_cells(p)], ids=lambda p: p.stem)
def test_each_chapter_has_a_solutions_page_where_all_are_correct(nb: Path) -> None:
    page = SOLUTIONS / f"{nb.stem}_solutions.ipynb"
    assert page.is_file() and page.with_suffix(".md").is_file(), f"{nb.stem} has no solutions page"
    solved = _exercise_cells(page)
    assert sorted(solved) == sorted(_exercise_cells(nb)), f"{page.name} solves other exercises than {nb.name}"
    for key, text in solved.items():
        assert f"✅ Exercise {key}: correct" in text, f"{page.name}: exercise {key}: {text!r}"
    last = "".join(_cells(nb)[-1]["source"])
    assert f"solutions/{page.name}" in last, f"{nb.stem}: the last cell should link to its solutions page"


@pytest.mark.parametrize("nb", [p for p in CHAPTERS if _exercise_cells(p)], ids=lambda p: p.stem)
def test_every_checker_has_a_table_of_cases(nb: Path) -> None:
    chapter = _chapter_number(nb)
    module = importlib.import_module(f"test_exercises_ch{chapter.lower()}")
    assert sorted(module.CASES) == _registered(chapter)


NOTEBOOKS = CHAPTERS + sorted(SOLUTIONS.glob("*.ipynb"))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_nothing_but_the_course_in_view(nb: Path) -> None:
    for i, cell in enumerate(_cells(nb)):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            assert "NBVAL" not in source, f"{nb.stem} cell {i}: an nbval marker in the code (use a cell tag)"
        else:
            assert not re.search(r"\b(the|of the) seeds\b(?!\s*[=0-9(])|seed material|the issue\b", source), (
                f"{nb.stem} cell {i}: internal vocabulary in the prose")
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            assert "0%|" not in _text({"outputs": [out]}), f"{nb.stem} cell {i}: a frozen progress bar is stored"
            if "application/vnd.jupyter.widget-view+json" in data:
                assert "image/png" in data, f"{nb.stem} cell {i}: a widget output without a picture"


def test_expect_close_names_a_known_mistake_only_after_the_answer_is_wrong() -> None:
    want = np.array([1.0, 2.0])
    mistakes = [(None, "skipped: cannot happen"), (want, "coincides with the answer"), (2 * want, "twice too large")]
    ex.expect_close(want, want, "v", mistakes=mistakes)  # right: no hint
    with pytest.raises(NotYet, match="twice too large"):
        ex.expect_close(2.002 * want, want, "v", mistakes=mistakes, mistake_rtol=1e-2)
    with pytest.raises(NotYet, match="v is off"):  # near a mistake, but not within the (default, tight) tolerance
        ex.expect_close(2.002 * want, want, "v", mistakes=mistakes)
    with pytest.raises(NotYet, match="^try again$"):
        ex.expect_close(3 * want, want, "v", mistakes=mistakes, otherwise="try again")
    with pytest.raises(NotYet, match="should have shape"):
        ex.expect_close(np.ones(3), want, "v", mistakes=mistakes)


def test_known_mistake_compares_tuples_part_by_part() -> None:
    p, q = np.array([1.0, 2.0]), np.array([3.0])
    mistakes = [((p, -q), "q has the wrong sign"), ((p, q), "the right answer is no mistake")]
    assert ex.known_mistake((p, -q + 1e-5), (p, q), mistakes) == "q has the wrong sign"
    assert ex.known_mistake((p, q), (p, q), mistakes) is None
    assert ex.known_mistake((p, 2 * q), (p, q), mistakes) is None
    assert ex.known_mistake((q, -q), (p, q), mistakes) is None  # shapes differ
