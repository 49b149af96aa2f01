"""Chapter 2 checkers accept right answers, and explain wrong ones without raising."""

from __future__ import annotations

import numpy as np
import pytest

from dotkit.exercises import check


def softmax(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


RIGHT = {
    "2.1": lambda X, W, b: X @ W.T + b,
    "2.2": lambda x, w, b, t: (w @ x + b - t) * x,
    "2.4": 5.12,
    "2.3": lambda Z, y: (softmax(Z) - np.eye(Z.shape[1])[y]) / Z.shape[0],
}

WRONG = {
    "2.1": (lambda X, W, b: W @ X.T + b[:, None], "transpose"),
    "2.2": (lambda x, w, b, t: float(w @ x + b - t), "vector"),
    "2.3": (lambda Z, y: softmax(Z) - np.eye(Z.shape[1])[y], "divide by n"),
    "2.4": (512 * 0.05 * 4, "variance"),
}


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answers_pass(key) -> None:
    fb = check(key, RIGHT[key])
    assert fb.passed, fb.message
    assert repr(fb).startswith("✅")


@pytest.mark.parametrize("key", sorted(WRONG))
def test_wrong_answers_get_a_hint(key) -> None:
    answer, hint = WRONG[key]
    fb = check(key, answer)
    assert not fb.passed and hint in fb.message, fb.message


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_unanswered(key) -> None:
    fb = check(key, ...)
    assert not fb.passed and "no answer yet" in fb.message


def test_a_raising_answer_is_feedback() -> None:
    fb = check("2.1", lambda X, W, b: 1 / 0)
    assert not fb.passed and "ZeroDivisionError" in fb.message


def test_mlx_results_are_accepted() -> None:
    mx = pytest.importorskip("mlx.core")
    fb = check("2.1", lambda X, W, b: mx.array(X.astype(np.float32)) @ mx.array(W.astype(np.float32)).T
               + mx.array(b.astype(np.float32)))
    assert fb.passed, fb.message
