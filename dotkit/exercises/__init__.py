"""Exercise checkers: immediate, kind feedback on a reader's answer.

Each chapter's checkers live in ``dotkit/exercises/chN.py`` and register
themselves with :func:`exercise`. A reader calls :func:`check` with the
exercise's id and their answer, and gets one of three states:

- ``✏️ your turn``: the answer is still the stub (``...``, or a function whose
  body is only ``...``); the message says what to write;
- ``❌ not yet``: what differs, and a hint aimed at the usual mistake;
- ``✅ correct``: why the answer is right.

Example:
    >>> from dotkit.exercises import check
    >>> def my_dot(a, b):
    ...     ...
    >>> check("1.1", my_dot).state
    'your turn'

A wrong answer never raises. Functions a reader writes are called on fresh
test inputs; an exception inside them, a ``None`` they forgot to return, or a
loop that never ends (stopped after a few seconds) becomes a hint too.
"""

from __future__ import annotations

import contextlib
import importlib
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from dotkit.errors import CheckTimedOut, NotYet, UnknownExerciseError, YourTurn

_CHECKERS: dict[str, tuple[Callable[..., str], str, float]] = {}
_MARKS = {"correct": ("✅", "correct"), "not yet": ("❌", "not yet"), "your turn": ("✏️", "your turn")}
DEFAULT_SECONDS = 5.0


@dataclass(frozen=True)
class Feedback:
    """The outcome of :func:`check`; truthy only when the answer is right.

    ``state`` is ``"correct"``, ``"not yet"`` or ``"your turn"``.
    """

    exercise: str
    state: str
    message: str

    @property
    def passed(self) -> bool:
        return self.state == "correct"

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        mark, verdict = _MARKS[self.state]
        return f"{mark} Exercise {self.exercise}: {verdict} — {self.message}"

    def _repr_markdown_(self) -> str:
        return repr(self)


Checker = Callable[..., str]


def exercise(key: str, *, todo: str, seconds: float = DEFAULT_SECONDS) -> Callable[[Checker], Checker]:
    """Register a checker for exercise ``key`` (like ``"2.3"``).

    The checker takes the reader's answer and returns a short message saying why
    it is right, or raises :class:`NotYet` with a hint. ``todo`` is what the
    reader sees while the answer is still the stub: what to write and one hint.
    The reader's code gets ``seconds`` in all before it is stopped.
    """

    def register(fn: Checker) -> Checker:
        _CHECKERS[key] = (fn, todo, seconds)
        return fn

    return register


def _chapter_ids(chapter: str) -> list[str]:
    with contextlib.suppress(ModuleNotFoundError):
        importlib.import_module(f"dotkit.exercises.ch{chapter.lower()}")
    return sorted((k for k in _CHECKERS if k.split(".")[0] == chapter), key=_natural)


def _natural(key: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in key.split("."))


def _load(key: Any) -> tuple[Callable[..., str], str, float]:
    chapter = str(key).split(".")[0]
    ids = _chapter_ids(chapter) if chapter else []
    if isinstance(key, str) and key in _CHECKERS:
        return _CHECKERS[key]
    listing = (f"chapter {chapter}'s exercises are " + ", ".join(repr(k) for k in ids)) if ids else (
        "exercise ids look like '1.2' (chapter, then number)")
    if not isinstance(key, str):
        raise UnknownExerciseError(
            f"check: the exercise id is a string such as '1.2'; received {type(key).__name__} {key!r}; {listing}")
    raise UnknownExerciseError(f"check: no exercise {key!r}; {listing}")


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop the reader's code after ``seconds`` (main thread on POSIX; elsewhere no limit)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise CheckTimedOut

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def check(key: str, answer: Any, **extra: Any) -> Feedback:
    """Check ``answer`` to exercise ``key`` and say how it went.

    Example:
        >>> check("1.4", ...).state
        'your turn'
    """
    checker, todo, seconds = _load(key)
    try:
        with _time_limit(seconds):
            message = checker(answer, **extra)
    except YourTurn as hint:
        return Feedback(key, "your turn", str(hint) or todo)
    except NotYet as hint:
        return Feedback(key, "not yet", str(hint))
    except CheckTimedOut:
        return Feedback(key, "not yet", f"your code was still running after {seconds:g} s and was stopped: "
                                        "look for a loop whose condition never changes")
    except RecursionError:
        return Feedback(key, "not yet", "your function calls itself without end (RecursionError)")
    except Exception as exc:  # a case the checker did not foresee: say what happened, never raise
        return Feedback(key, "not yet", f"checking your answer raised {type(exc).__name__}: {exc}")
    return Feedback(key, "correct", message)


# --- what checkers use -----------------------------------------------------------------

_NO_OPS = {"RESUME", "NOP", "CACHE"}


def is_stub(answer: Any) -> bool:
    """True for ``...`` and for a function whose body is only ``...``, ``pass`` or a docstring."""
    if answer is Ellipsis:
        return True
    code = getattr(answer, "__code__", None)
    if code is None:
        return False
    import dis

    ops = [(i.opname, i.argval) for i in dis.get_instructions(code) if i.opname not in _NO_OPS]
    return ops in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def describe_answer(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:40] + '…' if len(text) > 40 else text}"


def needs_function(answer: Any, name: str, *, may_return_none: bool = False) -> Callable[..., Any]:
    """``answer`` as a guarded function, or a hint: still the stub, not a function, or called instead of passed.

    Calls to the returned function turn the reader's exceptions into hints, and so
    does a ``None`` result (a forgotten ``return``) unless ``may_return_none``.
    """
    if is_stub(answer):
        raise YourTurn
    if answer is None:
        raise NotYet(f"received None: define {name} and pass the function itself, without parentheses")
    if not callable(answer):
        raise NotYet(f"pass the function {name} itself (no parentheses); received {describe_answer(answer)}")
    fn_name = name.split("(")[0]

    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            out = answer(*args, **kwargs)
        except NotImplementedError:
            raise YourTurn from None
        except (NotYet, RecursionError):
            raise
        except Exception as exc:
            raise NotYet(f"your {fn_name} raised {type(exc).__name__}: {exc}") from None
        if out is None and not may_return_none:
            raise NotYet(f"your {fn_name} returned None: did it forget to `return` its result?")
        return out

    return guarded


def needs_number(answer: Any, what: str = "a number") -> float:
    """``answer`` as one finite float, or a hint: still the stub, or not one number, or not finite."""
    if is_stub(answer):
        raise YourTurn
    if answer is None or isinstance(answer, (str, bytes, dict, set)) or callable(answer):
        raise NotYet(f"the answer should be {what}; received {describe_answer(answer)}")
    from dotkit.linalg import to_numpy

    try:
        arr = np.asarray(to_numpy(answer))
    except Exception:
        raise NotYet(f"the answer should be {what}; received {describe_answer(answer)}") from None
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise NotYet(f"the answer should be {what}, one value; received {describe_answer(answer)}")
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        raise NotYet(f"your answer is {value}: a 0/0 or an overflow somewhere on the way")
    return value


def _floors(answer: Any) -> tuple[float, float]:
    """(rtol, atol) that an answer's precision can honestly meet: float32 work (MLX) is not float64."""
    dtype = getattr(answer, "dtype", None)
    name = str(dtype) if dtype is not None else ""
    if "float16" in name or "bfloat16" in name:
        return 5e-3, 1e-3
    if "float32" in name or (dtype is not None and not isinstance(answer, np.ndarray | np.generic)):
        return 1e-4, 1e-5
    from dotkit.backends import get_backend

    with contextlib.suppress(Exception):
        if not get_backend().supports_float64:
            return 1e-4, 1e-5
    return 0.0, 0.0


def as_array(answer: Any, what: str) -> np.ndarray:
    """The reader's result as a float64 NumPy array, or a hint naming the type received."""
    from dotkit.linalg import to_numpy

    if is_stub(answer):
        raise YourTurn
    if answer is None:
        raise NotYet(f"{what} is None: did a function forget to `return` its result?")
    if isinstance(answer, (str, bytes, dict, set)) or callable(answer):
        raise NotYet(f"{what} should be numbers; received {describe_answer(answer)}")
    try:
        return np.asarray(to_numpy(answer), dtype=float)
    except Exception:
        raise NotYet(f"{what} should be a number or an array of numbers; received {describe_answer(answer)}") from None


def _loosened(answer: Any, rtol: float, atol: float) -> tuple[float, float]:
    """``(rtol, atol)`` raised to the floors of ``answer`` (of every part, for a tuple of answers)."""
    for part in answer if isinstance(answer, tuple) else (answer,):
        floor_r, floor_a = _floors(part)
        rtol, atol = max(rtol, floor_r), max(atol, floor_a)
    return rtol, atol


def _floats(value: Any) -> Any:
    return tuple(_floats(v) for v in value) if isinstance(value, tuple) else np.asarray(value, dtype=float)


def _alike(got: Any, other: Any, rtol: float, atol: float) -> bool:
    """Same shapes and close values; tuples part by part."""
    if isinstance(got, tuple) or isinstance(other, tuple):
        return (isinstance(got, tuple) and isinstance(other, tuple) and len(got) == len(other)
                and all(_alike(g, o, rtol, atol) for g, o in zip(got, other)))
    return got.shape == other.shape and bool(np.allclose(got, other, rtol=rtol, atol=atol))


def known_mistake(answer: Any, expected: Any, mistakes: Iterable[tuple[Any, str]], what: str = "the answer", *,
                  rtol: float = 1e-3, atol: float = 1e-6) -> str | None:
    """The hint of the first typical mistake that ``answer`` matches, or ``None``.

    ``mistakes`` pairs a wrong result with its hint; a wrong result given as
    ``None`` cannot happen on these inputs and is skipped, and so is one that
    coincides with ``expected`` (it could not be told apart). An ``answer``
    that is itself close to ``expected`` matches no mistake. The tolerances
    are raised to what the answer's precision allows, as in :func:`expect_close`.
    ``answer``, ``expected`` and the wrong results may be tuples of arrays,
    compared part by part.
    """
    rtol, atol = _loosened(answer, rtol, atol)
    got = tuple(as_array(a, what) for a in answer) if isinstance(answer, tuple) else as_array(answer, what)
    want = _floats(expected)
    if _alike(got, want, rtol, atol):
        return None
    for wrong, hint in mistakes:
        if wrong is None:
            continue
        wrong = _floats(wrong)
        if _alike(got, wrong, rtol, atol) and not _alike(wrong, want, rtol, atol):
            return hint
    return None


def expect_close(answer: Any, expected: Any, what: str, *, rtol: float = 1e-5, atol: float = 1e-8,
                 mistakes: Iterable[tuple[Any, str]] = (), mistake_rtol: float | None = None,
                 mistake_atol: float | None = None, otherwise: str = "") -> None:
    """Raise :class:`NotYet` unless ``answer`` matches ``expected`` (arrays or numbers).

    The tolerances are raised to what the answer's precision allows (float32 on
    MLX, say); NaN in the answer is never right unless it is expected there.

    When the answer is not right, it is compared with the typical ``mistakes``
    (``[(wrong_result, hint), ...]``, see :func:`known_mistake`; tolerances
    ``mistake_rtol`` and ``mistake_atol``, by default ``rtol`` and ``atol``), and
    the first that it matches gives the hint; failing that, ``otherwise``, if
    given, replaces the general hint.
    """
    floor_r, floor_a = _floors(answer)
    got = as_array(answer, what)
    want = np.asarray(expected, dtype=float)
    failure = _difference(got, want, what, max(rtol, floor_r), max(atol, floor_a))
    if failure is None:
        return
    mistakes = list(mistakes)
    hint = known_mistake(answer, expected, mistakes, what,
                         rtol=rtol if mistake_rtol is None else mistake_rtol,
                         atol=atol if mistake_atol is None else mistake_atol) if mistakes else None
    raise NotYet(hint or otherwise or failure)


def _difference(got: np.ndarray, want: np.ndarray, what: str, rtol: float, atol: float) -> str | None:
    """What is wrong with ``got`` against ``want``, or ``None`` when they match."""
    if got.shape != want.shape:
        if got.ndim == 2 and got.shape == want.shape[::-1]:
            return f"{what} has shape {got.shape}, the transpose of the expected {want.shape}"
        return f"{what} should have shape {want.shape}; yours has shape {got.shape}"
    bad = np.isnan(got) & ~np.isnan(want)
    if bad.any():
        return (f"{what} contains NaN (not a number): look for a 0/0, or a square root or arccos "
                "of a value pushed just outside its range by rounding")
    if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        err = np.max(np.abs(got - want)) if got.size else 0.0
        return f"{what} is off (largest difference {err:.3g}); check your formula"
    return None


__all__ = [
    "DEFAULT_SECONDS",
    "Feedback",
    "NotYet",
    "UnknownExerciseError",
    "YourTurn",
    "as_array",
    "check",
    "exercise",
    "expect_close",
    "is_stub",
    "known_mistake",
    "needs_function",
    "needs_number",
]
