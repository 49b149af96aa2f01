"""Chapter 1 checkers: right answers pass, wrong ones get a hint, nothing raises."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dotkit.exercises import check


def loop_dot(a, b):
    total = 0.0
    for x, y in zip(a, b):
        total += x * y
    return total


def angle_degrees(a, b):
    cos = np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def projection(a, b):
    return np.dot(a, b) / np.dot(b, b) * b


@pytest.mark.parametrize(
    "key,answer",
    [
        ("1.1", loop_dot),
        ("1.2", angle_degrees),
        ("1.3", projection),
        ("1.4", 1 / math.sqrt(50)),
        ("1.4", 0.14),
    ],
)
def test_right_answers_pass(key, answer) -> None:
    feedback = check(key, answer)
    assert feedback, feedback.message
    assert repr(feedback).startswith(f"✅ Exercise {key}: correct")


@pytest.mark.parametrize(
    "key,answer,hint",
    [
        ("1.1", lambda a, b: sum(a) * sum(b), "off"),
        ("1.1", lambda a, b: np.multiply(a, b), "one number"),
        ("1.1", 32, "function"),
        ("1.2", lambda a, b: math.acos(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b))), "off"),
        ("1.3", lambda a, b: np.dot(a, b) / np.linalg.norm(b), "vector"),
        ("1.3", lambda a, b: np.dot(a, b) / np.dot(a, a) * a, "off"),
        ("1.4", 1 / 50, "1/n"),
        ("1.4", 0.5, "1/√n"),
        ("1.4", "small", "one number"),
    ],
)
def test_wrong_answers_get_a_hint(key, answer, hint) -> None:
    feedback = check(key, answer)
    assert not feedback
    assert hint in feedback.message
    assert repr(feedback).startswith(f"❌ Exercise {key}: not yet")


@pytest.mark.parametrize("key", ["1.1", "1.2", "1.3", "1.4"])
def test_placeholder_answers(key) -> None:
    for placeholder in (..., None):
        feedback = check(key, placeholder)
        assert not feedback and "no answer yet" in feedback.message


def test_reader_function_that_raises_becomes_feedback() -> None:
    def broken(a, b):
        raise ZeroDivisionError("oops")

    feedback = check("1.2", broken)
    assert not feedback and "ZeroDivisionError" in feedback.message
