"""Exercise checkers: immediate, kind feedback on a reader's answer.

Each chapter's checkers live in ``dotkit/exercises/chN.py`` and register
themselves with :func:`exercise`. A reader calls :func:`check` with the
exercise's id and their answer::

    >>> from dotkit.exercises import check
    >>> check("1.1", 32)          # doctest: +SKIP
    ✅ Exercise 1.1: correct — 1·4 + 2·5 + 3·6 = 32.

A wrong answer never raises: it returns feedback that says what differs and
gives a hint. Functions a reader writes are called on fresh test inputs, and
an exception inside them becomes a hint too.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dotkit.errors import DotkitError

_CHECKERS: dict[str, Callable[..., str]] = {}


class NotYet(Exception):
    """Raised by a checker with a hint when the answer is not right yet."""


@dataclass(frozen=True)
class Feedback:
    """The outcome of :func:`check`; truthy when the answer is right."""

    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        mark = "✅" if self.passed else "❌"
        verdict = "correct" if self.passed else "not yet"
        return f"{mark} Exercise {self.exercise}: {verdict} — {self.message}"

    def _repr_markdown_(self) -> str:
        return repr(self)


class UnknownExerciseError(DotkitError, KeyError):
    """An exercise key that no chapter registers (also a ``KeyError``)."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


def exercise(key: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Register a checker for exercise ``key`` (like ``"2.3"``).

    The checker takes the reader's answer and returns a short success message,
    or raises :class:`NotYet` with a hint.
    """

    def register(fn: Callable[..., str]) -> Callable[..., str]:
        _CHECKERS[key] = fn
        return fn

    return register


def _load(key: str) -> Callable[..., str]:
    if key not in _CHECKERS:
        chapter = key.split(".")[0].lower()
        try:
            importlib.import_module(f"dotkit.exercises.ch{chapter}")
        except ModuleNotFoundError:
            pass
    if key not in _CHECKERS:
        known = ", ".join(sorted(_CHECKERS)) or "none loaded"
        raise UnknownExerciseError(f"check: no exercise {key!r}; known exercises: {known}")
    return _CHECKERS[key]


def check(key: str, answer: Any, **extra: Any) -> Feedback:
    """Check ``answer`` to exercise ``key`` and say how it went.

    Example:
        >>> check("1.1", 32)  # doctest: +SKIP
        ✅ Exercise 1.1: correct — ...
    """
    checker = _load(key)
    try:
        message = checker(answer, **extra)
    except NotYet as hint:
        return Feedback(key, False, str(hint))
    except Exception as exc:  # the reader's own function raised: say so kindly
        return Feedback(key, False, f"your answer raised {type(exc).__name__}: {exc}")
    return Feedback(key, True, message)


def needs_function(answer: Any, name: str) -> Callable[..., Any]:
    """``answer`` if it is a function, or a hint: not answered yet, or called instead of passed."""
    if answer is None or answer is Ellipsis:
        raise NotYet(f"no answer yet: define {name} and pass the function itself (no parentheses)")
    if not callable(answer):
        raise NotYet(f"pass the function {name} itself, not {type(answer).__name__} {answer!r:.40}")
    return answer


def needs_number(answer: Any, what: str = "a number") -> float:
    """``answer`` as one float, or a hint: not answered yet, or not a single number."""
    if answer is None or answer is Ellipsis:
        raise NotYet(f"no answer yet: replace the ... with {what}")
    try:
        return float(np.asarray(answer))
    except (TypeError, ValueError):
        raise NotYet(f"the answer should be one number; received {type(answer).__name__}") from None


def expect_close(answer: Any, expected: Any, what: str, *, rtol: float = 1e-5, atol: float = 1e-8) -> None:
    """Raise :class:`NotYet` unless ``answer`` matches ``expected`` (arrays or numbers)."""
    from dotkit.linalg import to_numpy

    if answer is None or answer is Ellipsis:
        raise NotYet(f"no answer yet: replace the ... with your {what}")
    got = np.asarray(to_numpy(answer), dtype=float)
    want = np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        raise NotYet(f"{what} should have shape {want.shape}; yours has shape {got.shape}")
    if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        err = np.max(np.abs(got - want)) if got.size else 0.0
        raise NotYet(f"{what} is off (largest difference {err:.3g}); check your formula")


__all__ = [
    "Feedback",
    "NotYet",
    "UnknownExerciseError",
    "check",
    "exercise",
    "expect_close",
    "needs_function",
    "needs_number",
]
