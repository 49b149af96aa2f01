"""The digits loader: offline, scaled, a fixed stratified split."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from dotkit.datasets.digits import load_digits  # noqa: E402
from dotkit.errors import InputValueError  # noqa: E402


def test_split_is_fixed_scaled_and_stratified() -> None:
    d = load_digits(test_size=0.25, seed=0)
    assert d.X_train.shape == (1347, 64) and d.X_test.shape == (450, 64)
    assert d.X_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert d.X_train.min() == 0.0 and d.X_train.max() == 1.0
    again = load_digits(test_size=0.25, seed=0)
    np.testing.assert_array_equal(d.X_test, again.X_test)
    np.testing.assert_array_equal(d.y_test, again.y_test)
    other = load_digits(test_size=0.25, seed=1)
    assert not np.array_equal(d.y_test, other.y_test) or not np.array_equal(d.X_test, other.X_test)
    counts = np.bincount(d.y_test, minlength=10)
    total = np.bincount(np.concatenate([d.y_train, d.y_test]), minlength=10)
    np.testing.assert_array_equal(counts, np.round(0.25 * total).astype(int))
    assert d.images_test.shape == (450, 8, 8)
    X_train, X_test, y_train, y_test = d  # unpacks like train_test_split
    assert len(X_train) == len(y_train)


def test_no_sample_is_in_both_parts() -> None:
    d = load_digits(test_size=0.3, seed=5)
    train = {row.tobytes() for row in d.X_train}
    # a handful of digits are exact duplicates in the raw data; nearly all test rows are unseen
    assert sum(row.tobytes() in train for row in d.X_test) <= 5
    assert len(d.X_train) + len(d.X_test) == 1797


@pytest.mark.parametrize("kw", [{"test_size": 0}, {"test_size": 1.5}, {"test_size": "a"}, {"seed": 1.5}])
def test_bad_arguments(kw) -> None:
    with pytest.raises(InputValueError):
        load_digits(**kw)


def test_lazy_name() -> None:
    import dotkit.datasets

    assert dotkit.datasets.load_digits is load_digits
