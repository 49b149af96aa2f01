"""scikit-learn's bundled handwritten digits, split the same way every time.

1797 images of 8×8 pixels, each pixel an ink count from 0 to 16, labelled
0–9 (the UCI "optical recognition of handwritten digits" test set). The data
ships inside scikit-learn, so nothing is downloaded. :func:`load_digits`
scales the pixels to ``[0, 1]`` (float32) and splits them with a seeded,
stratified shuffle: every class keeps its share in the test set.

Example:
    >>> from dotkit.datasets.digits import load_digits
    >>> d = load_digits(test_size=0.25, seed=0)
    >>> d.X_train.shape, d.X_test.shape
    ((1347, 64), (450, 64))
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dotkit.errors import DataNotFoundError, InputValueError


class Digits(NamedTuple):
    """A fixed split of the digits. Unpacks like scikit-learn's ``train_test_split``.

    ``X_*`` are ``(n, 64)`` float32 in ``[0, 1]`` (reshape to ``(n, 8, 8)`` to see
    them), ``y_*`` are ``(n,)`` int64 labels 0–9.
    """

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray

    @property
    def images_test(self) -> np.ndarray:
        """The test images as ``(n, 8, 8)``."""
        return self.X_test.reshape(-1, 8, 8)

    @property
    def images_train(self) -> np.ndarray:
        """The training images as ``(n, 8, 8)``."""
        return self.X_train.reshape(-1, 8, 8)


def _stratified_test_rows(y: np.ndarray, test_size: float, seed: int) -> np.ndarray:
    """A boolean mask choosing ``round(test_size · count)`` rows of each class at random."""
    rng = np.random.default_rng(seed)
    test = np.zeros(y.shape[0], dtype=bool)
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        k = int(round(test_size * rows.size))
        test[rng.permutation(rows)[:k]] = True
    return test


def _check_both_parts(y: np.ndarray, test: np.ndarray, test_size: float) -> None:
    """Refuse a split that leaves a class out of the training or the test part."""
    for part, rows in (("test", test), ("training", ~test)):
        missing = sorted(set(np.unique(y).tolist()) - set(np.unique(y[rows]).tolist()))
        if missing:
            raise InputValueError(
                f"load_digits: test_size={test_size!r} leaves the {part} part without any image of "
                f"digit(s) {missing} (each digit has about 180 images); choose a fraction between 0.01 and 0.99"
            )


def load_digits(test_size: float = 0.25, seed: int = 0) -> Digits:
    """The 8×8 digits, scaled to ``[0, 1]`` and split into train and test sets.

    Args:
        test_size: the fraction of each class held out for testing, in ``(0, 1)``.
        seed: seeds the shuffle; the same seed gives the same split everywhere.

    Returns:
        ``Digits(X_train, X_test, y_train, y_test)``; rows keep the original
        order within each part.

    Example:
        >>> X_train, X_test, y_train, y_test = load_digits(seed=0)
        >>> float(X_train.max())
        1.0
    """
    if isinstance(test_size, (bool, np.bool_)) or not isinstance(test_size, (int, float, np.integer, np.floating)) \
            or not 0.0 < test_size < 1.0:
        raise InputValueError(
            f"load_digits: test_size must be a fraction in (0, 1); received test_size={test_size!r}"
        )
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputValueError(f"load_digits: seed must be an integer >= 0; received seed={seed!r}")
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as exc:
        raise DataNotFoundError(
            "load_digits: the digits ship with scikit-learn, which is not installed; "
            "install it with: pip install 'dotkit[data]' (or pip install scikit-learn)"
        ) from exc
    raw = sklearn_digits()
    X = np.asarray(raw.data / 16.0, dtype=np.float32)
    y = np.array(raw.target, dtype=np.int64)
    test = _stratified_test_rows(y, float(test_size), int(seed))
    _check_both_parts(y, test, test_size)
    return Digits(X[~test], X[test], y[~test], y[test])


__all__ = ["Digits", "load_digits"]
