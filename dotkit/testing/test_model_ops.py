"""The MLP's forward and backward passes and training, and MiniLM where its weights are installed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dotkit.models.mlp import MLP
from dotkit.testing.compare import assert_close
from dotkit.testing.support import Draw, dtype_name

pytestmark = pytest.mark.dotkit_op("mlp")


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("dtype", ("float64", "float32"))
def test_mlp_forward_and_backpropagation(dotkit_backend: Any, dtype: str) -> None:
    draw = Draw(dotkit_backend, dtype, seed=20)
    (X, X64), (W1, W1_64), (b1, b1_64), (W2, W2_64), (b2, b2_64) = (
        draw(7, 6), draw(5, 6, scale=0.5), draw(5), draw(3, 5, scale=0.5), draw(3))
    y = np.array([0, 2, 1, 1, 0, 2, 2])
    net = MLP([6, 5, 3], activation="tanh", dtype=dtype, backend=dotkit_backend)
    net.set_params({"W1": W1, "b1": b1, "W2": W2, "b2": b2})
    a1 = np.tanh(X64 @ W1_64.T + b1_64)
    p = _softmax(a1 @ W2_64.T + b2_64)
    proba = net.predict_proba(X)
    assert dtype_name(proba) == dtype
    assert_close(dotkit_backend, proba, p, dtype, "MLP.predict_proba")
    d2 = (p - np.eye(3)[y]) / 7  # δ of the logits, then the chain rule down
    d1 = (d2 @ W2_64) * (1 - a1**2)
    want = {"W2": d2.T @ a1, "b2": d2.sum(0), "W1": d1.T @ X64, "b1": d1.sum(0)}
    got = net.gradients(X, y)
    for name, value in want.items():
        assert_close(dotkit_backend, got[name], value, dtype, f"MLP.gradients {name}")


def test_mlp_training_follows_numpy(dotkit_backend: Any) -> None:
    rng = np.random.default_rng(21)
    X = np.asarray(rng.standard_normal((40, 4)), dtype=np.float32)
    y = np.asarray(X[:, 0] + X[:, 1] > 0, dtype=np.int64)
    kw = {"epochs": 3, "lr": 0.1, "batch_size": 8, "progress": False}
    ours = MLP([4, 6, 2], seed=3, dtype="float32", backend=dotkit_backend).fit(X, y, **kw)
    ref = MLP([4, 6, 2], seed=3, backend="numpy").fit(np.asarray(X, dtype=np.float64), y, **kw)
    np.testing.assert_allclose(ours.history_, ref.history_, rtol=1e-3, err_msg=f"MLP.fit on {dotkit_backend.name}")
    assert ours.history_[-1] < ours.history_[0]


@pytest.mark.dotkit_op("minilm")
def test_minilm_embeddings_match_numpy(dotkit_backend: Any) -> None:
    from dotkit.errors import DataNotFoundError
    from dotkit.models.minilm import MiniLM

    try:
        model = MiniLM.from_package()
    except DataNotFoundError as exc:
        pytest.skip(f"the MiniLM weights are not installed: {exc}")
    sentences = ["The dot product measures alignment.", "A cat sat on the mat."]
    want = np.asarray(model.encode(sentences, backend="numpy"), dtype=np.float64)
    assert_close(dotkit_backend, model.encode(sentences, backend=dotkit_backend), want, "float32", "MiniLM.encode")
