"""Bad input, across the finished public API: refused early, with a message that helps.

Every case asserts two things: the exception class (a ``DotkitError`` that is
also the builtin a user would catch: ``ValueError``, ``TypeError`` or
``KeyError``) and that the message names the function, the argument and what
was received (shape, dtype or value). The table is in two parts:

- ``GENERIC``: every array argument of every array-taking function, given
  ``None``, a string, a ragged list, complex numbers, ``None`` inside a list
  and a list of strings;
- ``SPECIFIC``: wrong ranks, mismatched dimensions, out-of-range values
  (``k > n``, ids, sizes), non-finite data where the algorithm needs finite
  data, and unknown enum values.

Below the tables: NaN propagation, integer products that would overflow, no
pickle, and MovieLens parse errors that name the file and line.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dotkit as dk
import dotkit.datasets.digits
import dotkit.rl.control
from dotkit import errors
from dotkit.datasets import movielens as ml
from dotkit.datasets.glove import UnknownWordError, WordVectors
from dotkit.exercises import check
from dotkit.models.metrics import mae, precision_at_k, recall_at_k, rmse
from dotkit.models.mf import MatrixFactorization, NotFittedError
from dotkit.models.mlp import MLP, relative_error
from dotkit.nn import activations as act
from dotkit.nn import layers
from dotkit.rl import experiments, features, prediction, random_walk, value
from dotkit.rl.random_walk import Episodes

DotkitError = errors.DotkitError

# -- small objects the cases act on ----------------------------------------------------------------
V2 = [1.0, 2.0]
V3 = [1.0, 2.0, 3.0]
M23 = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
M32 = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
WV = WordVectors(["up", "down", "left", "right"], [[0, 1], [0, -1], [-1, 0], [1, 0]])
_MF_DATA = ([0, 0, 1, 1, 2, 2], [0, 1, 1, 2, 0, 2], [5.0, 3.0, 4.0, 2.0, 1.0, 4.0])


def _fitted_mf() -> MatrixFactorization:
    return MatrixFactorization(n_factors=2, reg=0.1, backend="numpy").fit(*_MF_DATA, epochs=2, progress=False)


MF = _fitted_mf()
NET = MLP([3, 4, 2], seed=0, backend="numpy")
EP = random_walk.episodes(2, 0, n_states=10, jump=2, start=5)
PHI = np.eye(10)


# -- generic: the same six bad values for every array argument -------------------------------------
BAD_VALUES: list[tuple[str, Any, type, tuple[str, ...]]] = [
    ("None", None, errors.DtypeError, ("None",)),
    ("string", "abc", errors.DtypeError, ("string", "'abc'")),
    ("ragged", [[1.0, 2.0], [3.0]], errors.ShapeError, ("ragged",)),
    ("complex", [1 + 2j, 3j], errors.DtypeError, ("complex",)),
    ("None-inside", [1.0, None], errors.DtypeError, ("object",)),
    ("strings", ["a", "b"], errors.DtypeError, ("<U1",)),
]

# (op name in messages, callable taking the argument dict, good arguments, array arguments to spoil)
SIGNATURES: list[tuple[str, Callable[..., Any], dict[str, Any], tuple[str, ...]]] = [
    ("dot", dk.dot, {"a": V3, "b": V3}, ("a", "b")),
    ("norm", dk.norm, {"x": V3}, ("x",)),
    ("cosine_similarity", dk.cosine_similarity, {"a": V3, "b": V3}, ("a", "b")),
    ("angle", dk.angle, {"a": V3, "b": V3}, ("a", "b")),
    ("project", dk.project, {"a": V2, "onto": V2}, ("a", "onto")),
    ("matmul", dk.matmul, {"a": M23, "b": M32}, ("a", "b")),
    ("top_k_similar", dk.top_k_similar, {"query": V2, "keys": M32, "k": 1}, ("query", "keys")),
    ("asarray", dk.asarray, {"x": V2}, ("x",)),
    ("softmax", act.softmax, {"x": V3}, ("x",)),
    ("log_softmax", act.log_softmax, {"x": V3}, ("x",)),
    ("relu", act.relu, {"x": V3}, ("x",)),
    ("relu_grad", act.relu_grad, {"x": V3}, ("x",)),
    ("sigmoid", act.sigmoid, {"x": V3}, ("x",)),
    ("sigmoid", act.sigmoid_grad, {"x": V3}, ("x",)),
    ("tanh", act.tanh, {"x": V3}, ("x",)),
    ("tanh", act.tanh_grad, {"x": V3}, ("x",)),
    ("gelu", act.gelu, {"x": V3}, ("x",)),
    ("gelu_grad", act.gelu_grad, {"x": V3}, ("x",)),
    ("dense", layers.dense, {"x": [V3], "W": M23, "b": V2}, ("x", "W", "b")),
    ("dense_backward", layers.dense_backward, {"delta": [V2], "x": [V3], "W": M23}, ("delta", "x", "W")),
    ("softmax_cross_entropy", layers.softmax_cross_entropy, {"logits": [V2], "y": [0]}, ("logits",)),
    ("softmax_cross_entropy_grad", layers.softmax_cross_entropy_grad, {"logits": [V2], "y": [0]}, ("logits",)),
    ("rmse", rmse, {"y_true": V2, "y_pred": V2}, ("y_true", "y_pred")),
    ("mae", mae, {"y_true": V2, "y_pred": V2}, ("y_true", "y_pred")),
    ("linear_value", value.linear_value, {"w": V2, "features": M32}, ("w", "features")),
    ("action_values", value.action_values, {"W": M23, "features": V3}, ("W", "features")),
    ("bellman_backup", random_walk.bellman_backup, {"v": np.zeros(10), "n_states": 10, "jump": 2}, ("v",)),
    ("MLP.loss", NET.loss, {"X": [V3], "y": [0]}, ("X",)),
    ("MLP.predict", NET.predict, {"X": [V3]}, ("X",)),
    ("PolynomialBasis.transform", features.PolynomialBasis(2).transform, {"states": [0.5]}, ("states",)),
    ("FourierBasis.transform", features.FourierBasis(2).transform, {"states": [0.5]}, ("states",)),
    ("nearest", WV.nearest, {"query": V2, "k": 1}, ("query",)),
]

# Bad values that are not arrays at all (strings, None) only make sense where a word is not
# also a valid query: WordVectors.nearest takes a word, so "abc" is an unknown word there.
_WORD_ARGS = {("nearest", "query")}
# None is a valid value of optional arguments (no bias).
_OPTIONAL_ARGS = {("dense", "b")}


def _generic_cases() -> list[Any]:
    cases = []
    for op, fn, good, spoil in SIGNATURES:
        for arg in spoil:
            for label, bad, exc, words in BAD_VALUES:
                if (op, arg) in _WORD_ARGS and label in ("string", "None"):
                    continue
                if (op, arg) in _OPTIONAL_ARGS and label == "None":
                    continue
                cases.append(pytest.param(op, fn, {**good, arg: bad}, arg, exc, words,
                                          id=f"{fn.__qualname__}-{arg}-{label}"))
    return cases


@pytest.mark.parametrize(("op", "fn", "kwargs", "arg", "exc", "words"), _generic_cases())
def test_generic_bad_values(op: str, fn: Callable[..., Any], kwargs: dict[str, Any], arg: str,
                            exc: type, words: tuple[str, ...]) -> None:
    with pytest.raises(exc) as info:
        fn(**kwargs)
    assert isinstance(info.value, DotkitError)
    message = str(info.value)
    assert message.startswith(f"{op}:"), message
    assert re.search(rf"\b{arg}\b", message), message
    for word in words:
        assert word in message, message


# -- specific: ranks, dimensions, ranges, non-finite data, enums -----------------------------------
def _mismatched_episodes() -> Episodes:
    return Episodes(EP.states, EP.rewards[:, :-1], EP.lengths)


S = errors.ShapeError
D = errors.DtypeError
V = errors.InputValueError
SPECIFIC: list[tuple[str, Callable[[], Any], type, tuple[str, ...]]] = [
    # linalg
    ("dot-lengths", lambda: dk.dot(V2, V3), S, ("dot", "a.shape=(2,)", "b.shape=(3,)")),
    ("dot-scalar", lambda: dk.dot(1.0, V2), S, ("dot", "a", "at least 1", "shape=()")),
    ("dot-batch", lambda: dk.dot(np.ones((2, 3)), np.ones((4, 3))), S, ("dot", "(2, 3)", "(4, 3)")),
    ("dot-backend", lambda: dk.dot(V2, V2, backend="nope"), errors.BackendError, ("nope",)),
    ("norm-axis", lambda: dk.norm(V3, axis=1), S, ("norm", "axis=1", "(3,)")),
    ("norm-axis-type", lambda: dk.norm(V3, axis="a"), V, ("norm", "axis", "'a'")),
    ("asarray-dtype", lambda: dk.asarray(V2, dtype="bogus"), D, ("asarray", "dtype='bogus'", "shape=(2,)")),
    ("softmax-axis-type", lambda: act.softmax(V3, axis=0.5), V, ("softmax", "axis", "0.5")),
    ("norm-scalar", lambda: dk.norm(3.0), S, ("norm", "x", "shape=()")),
    ("cos-lengths", lambda: dk.cosine_similarity(V2, V3), S, ("cosine_similarity", "(2,)", "(3,)")),
    ("project-zero", lambda: dk.project(V2, [0.0, 0.0]), V, ("project", "onto", "zero", "(2,)")),
    ("matmul-inner", lambda: dk.matmul(M23, M23), S, ("matmul", "(2, 3)", "3 != 2")),
    ("matmul-batch", lambda: dk.matmul(np.ones((2, 2, 3)), np.ones((4, 3, 2))), S,
     ("matmul", "(2, 2, 3)", "(4, 3, 2)")),
    ("matmul-scalar", lambda: dk.matmul(2.0, M23), S, ("matmul", "a", "shape=()")),
    ("topk-k>n", lambda: dk.top_k_similar(V2, M32, k=4), V, ("top_k_similar", "k=4", "3")),
    ("topk-k0", lambda: dk.top_k_similar(V2, M32, k=0), V, ("top_k_similar", "k", "k=0")),
    ("topk-kfloat", lambda: dk.top_k_similar(V2, M32, k=1.5), V, ("top_k_similar", "k", "1.5")),
    ("topk-dims", lambda: dk.top_k_similar(V3, M32, k=1), S, ("top_k_similar", "(3,)", "(3, 2)")),
    ("topk-keys-rank", lambda: dk.top_k_similar(V2, V2, k=1), S, ("top_k_similar", "keys", "(2,)")),
    ("topk-query-rank", lambda: dk.top_k_similar(np.ones((1, 1, 2)), M32, k=1), S,
     ("top_k_similar", "query", "(1, 1, 2)")),
    ("topk-metric", lambda: dk.top_k_similar(V2, M32, k=1, metric="l2"), V,
     ("top_k_similar", "metric", "'l2'")),
    ("int-overflow", lambda: dk.dot(np.array([2**40], dtype=np.int64), np.array([2**40])), V,
     ("dot", "int64", "cast")),
    ("matmul-int-overflow", lambda: dk.matmul(np.full((1, 2), 2**40), np.full((2, 1), 2**40)), V,
     ("matmul", "int64", "cast")),
    # activations
    ("softmax-axis", lambda: act.softmax(V3, axis=2), S, ("softmax", "axis=2", "(3,)")),
    ("softmax-scalar", lambda: act.softmax(1.0), S, ("softmax", "axis=-1", "()")),
    ("softmax-empty", lambda: act.softmax(np.zeros((2, 0))), S, ("softmax", "x", "(2, 0)", "empty")),
    ("log_softmax-axis", lambda: act.log_softmax(M23, axis=-3), S, ("log_softmax", "axis=-3", "(2, 3)")),
    ("log_softmax-empty", lambda: act.log_softmax([]), S, ("log_softmax", "x", "(0,)", "empty")),
    ("activation-name", lambda: act.get_activation("swish"), V, ("get_activation", "'swish'", "relu")),
    ("activation-type", lambda: act.get_activation(3), V, ("get_activation", "3")),
    # layers
    ("dense-features", lambda: layers.dense([V2], M23), S, ("dense", "x.shape=(1, 2)", "W.shape=(2, 3)")),
    ("dense-bias", lambda: layers.dense([V3], M23, V3), S, ("dense", "b.shape=(3,)", "W.shape=(2, 3)")),
    ("dense-x-rank", lambda: layers.dense(V3, M23), S, ("dense", "x", "(3,)")),
    ("dense-W-rank", lambda: layers.dense([V3], V3), S, ("dense", "W", "(3,)")),
    ("dense_backward-delta", lambda: layers.dense_backward([V3], [V3], M23), S,
     ("dense_backward", "delta", "(1, 3)", "(1, 2)")),
    ("init_std-scheme", lambda: layers.init_std("magic", 3, 2), V, ("init_std", "'magic'", "xavier")),
    ("init_std-fan_in", lambda: layers.init_std("he", 0, 2), V, ("init_std", "fan_in", "0")),
    ("init_weights-negative-std", lambda: layers.init_weights(3, 2, -0.1), V, ("init_weights", "-0.1")),
    ("init_weights-nan-std", lambda: layers.init_weights(3, 2, float("nan")), V, ("init_weights", "nan")),
    ("init_weights-fan_out", lambda: layers.init_weights(3, -2, 0.1), V, ("init_weights", "fan_out", "-2")),
    ("init_weights-distribution", lambda: layers.init_weights(3, 2, distribution="cauchy"), V,
     ("init_weights", "distribution", "'cauchy'")),
    ("init_weights-seed", lambda: layers.init_weights(3, 2, seed="x"), V, ("init_weights", "seed", "'x'")),
    ("he_normal-fan_in", lambda: layers.he_normal(0, 2), V, ("init_weights", "fan_in", "0")),
    ("labels-range", lambda: layers.softmax_cross_entropy([V2], [2]), V,
     ("softmax_cross_entropy", "[0, 2)", "max=2")),
    ("labels-negative", lambda: layers.softmax_cross_entropy([V2], [-1]), V,
     ("softmax_cross_entropy", "min=-1")),
    ("labels-fraction", lambda: layers.softmax_cross_entropy([V2], [0.5]), D,
     ("softmax_cross_entropy", "y", "0.5")),
    ("labels-strings", lambda: layers.softmax_cross_entropy([V2], ["a"]), D,
     ("softmax_cross_entropy", "y", "integer class labels")),
    ("labels-bool", lambda: layers.softmax_cross_entropy([V2], [True]), D,
     ("softmax_cross_entropy", "y", "bool")),
    ("labels-count", lambda: layers.softmax_cross_entropy([V2, V2], [0]), S,
     ("softmax_cross_entropy", "2 samples", "1 labels")),
    ("labels-rank", lambda: layers.softmax_cross_entropy([V2], [[0]]), S,
     ("softmax_cross_entropy", "y.shape=(1, 1)")),
    ("labels-ragged", lambda: layers.softmax_cross_entropy([V2, V2], [[0], [0, 1]]), D,
     ("softmax_cross_entropy", "y", "list")),
    ("logits-rank", lambda: layers.softmax_cross_entropy_grad(V2, [0]), S,
     ("softmax_cross_entropy_grad", "logits", "(2,)")),
    # MLP
    ("mlp-sizes-short", lambda: MLP([3]), V, ("MLP", "sizes", "[3]")),
    ("mlp-sizes-zero", lambda: MLP([3, 0, 2]), V, ("MLP", "sizes[1]=0")),
    ("mlp-sizes-type", lambda: MLP(5), V, ("MLP", "sizes", "5")),
    ("mlp-sizes-classes", lambda: MLP([3, 1]), V, ("MLP", "sizes[-1]=1")),
    ("mlp-activation", lambda: MLP([3, 2], activation="swish"), V, ("MLP", "'swish'")),
    ("mlp-init", lambda: MLP([3, 2], init="orthogonal"), V, ("MLP", "init", "'orthogonal'")),
    ("mlp-X-width", lambda: NET.predict([V2]), S, ("MLP", "X", "(1, 2)")),
    ("mlp-X-rank", lambda: NET.predict(V3), S, ("MLP", "X", "(3,)")),
    ("mlp-X-nan", lambda: NET.fit([[np.nan, 0, 0]], [0], epochs=1, progress=False), V,
     ("MLP.fit", "X", "NaN")),
    ("mlp-y-range", lambda: NET.loss([V3], [5]), V, ("MLP.loss", "[0, 2)", "max=5")),
    ("mlp-lr", lambda: NET.fit([V3], [0], lr=-1, progress=False), V, ("MLP.fit", "lr", "-1")),
    ("mlp-epochs", lambda: NET.fit([V3], [0], epochs=0, progress=False), V, ("MLP.fit", "epochs", "0")),
    ("mlp-batch", lambda: NET.fit([V3], [0], batch_size=0, progress=False), V,
     ("MLP.fit", "batch_size", "0")),
    ("mlp-momentum", lambda: NET.fit([V3], [0], momentum=1.0, progress=False), V,
     ("MLP.fit", "momentum", "1.0")),
    ("mlp-set_params-key", lambda: MLP([3, 4, 2]).set_params({"W9": np.zeros(1)}), V,
     ("MLP.set_params", "unknown keys ['W9']", "'b2'")),
    ("mlp-set_params-shape", lambda: MLP([3, 4, 2]).set_params({**NET.params, "W1": np.zeros((3, 3))}), S,
     ("MLP.set_params", "W1", "(3, 3)", "(4, 3)")),
    ("relative_error-shapes", lambda: relative_error(V2, V3), S, ("relative_error", "(2,)", "(3,)")),
    # matrix factorization
    ("mf-n_factors", lambda: MatrixFactorization(n_factors=-1), V, ("MatrixFactorization", "n_factors", "-1")),
    ("mf-method", lambda: MatrixFactorization(method="svd"), V, ("MatrixFactorization", "method", "'svd'")),
    ("mf-reg", lambda: MatrixFactorization(reg=-0.1), V, ("MatrixFactorization", "reg", "-0.1")),
    ("mf-lr", lambda: MatrixFactorization(lr=0), V, ("MatrixFactorization", "lr", "0")),
    ("mf-batch", lambda: MatrixFactorization(batch_size=0), V, ("MatrixFactorization", "batch_size", "0")),
    ("mf-seed", lambda: MatrixFactorization(seed="abc"), V, ("MatrixFactorization", "seed", "'abc'")),
    ("mf-nothing", lambda: MatrixFactorization(n_factors=0, biases=False), V,
     ("MatrixFactorization", "n_factors=0")),
    ("mf-lengths", lambda: MatrixFactorization().fit([0, 1], [0], [3.0, 4.0], progress=False), S,
     ("MatrixFactorization.fit", "(2,)", "(1,)")),
    ("mf-negative-id", lambda: MatrixFactorization().fit([0, -1], [0, 1], [3.0, 4.0], progress=False), V,
     ("MatrixFactorization.fit", "users", "-1")),
    ("mf-string-ids", lambda: MatrixFactorization().fit(["a", "b"], [0, 1], [3.0, 4.0], progress=False), V,
     ("MatrixFactorization.fit", "users", "<U1")),
    ("mf-nan-rating", lambda: MatrixFactorization().fit([0, 1], [0, 1], [3.0, np.nan], progress=False), V,
     ("MatrixFactorization.fit", "ratings", "NaN")),
    ("mf-epochs", lambda: MatrixFactorization().fit(*_MF_DATA, epochs=0, progress=False), V,
     ("MatrixFactorization.fit", "epochs", "0")),
    ("mf-not-fitted", lambda: MatrixFactorization().predict([0], [0]), NotFittedError,
     ("MatrixFactorization", "fit")),
    ("mf-negative-user", lambda: MF.recommend(-1, k=1), V, ("recommend", "user", "-1")),
    ("mf-unknown-item", lambda: MF.similar_items(99, k=1), V, ("similar_items", "item 99")),
    ("mf-similar-k", lambda: MF.similar_items(0, k=10), V, ("similar_items", "k=10", "(2)")),
    ("mf-recommend-k", lambda: MF.recommend(0, k=0), V, ("recommend", "k", "0")),
    ("mf-similar-metric", lambda: MF.similar_items(0, k=1, metric="l1"), V, ("similar_items", "metric", "'l1'")),
    ("mf-predict-lengths", lambda: MF.predict([0, 1], [0]), S, ("predict", "(2,)", "(1,)")),
    ("mf-predict-clip", lambda: MF.predict([0], [0], clip=(5, 1)), V, ("predict", "clip", "(5, 1)")),
    # metrics
    ("rmse-lengths", lambda: rmse(V2, V3), S, ("rmse", "y_true.shape=(2,)", "y_pred.shape=(3,)")),
    ("rmse-empty", lambda: rmse([], []), V, ("rmse", "empty")),
    ("rmse-nan", lambda: rmse([1.0, np.nan], V2), V, ("rmse", "y_true", "NaN")),
    ("mae-rank", lambda: mae([V2], [V2]), S, ("mae", "y_true", "(1, 2)")),
    ("precision-k", lambda: precision_at_k([1, 2], {1}, k=0), V, ("precision_at_k", "k", "0")),
    ("precision-none", lambda: precision_at_k(None, {1}), V, ("precision_at_k", "None")),
    ("precision-batch", lambda: precision_at_k([[1], [2]], [{1}]), S, ("precision_at_k", "2 ranked", "1 relevant")),
    ("precision-strings", lambda: precision_at_k(np.array(["a", "b"]), {1}, k=2), D,
     ("precision_at_k", "recommended", "<U1")),
    ("precision-nan", lambda: precision_at_k([1.0, np.nan], {1}, k=2), D,
     ("precision_at_k", "recommended", "nan")),
    ("recall-empty", lambda: recall_at_k([1, 2], set(), k=2), V, ("recall_at_k", "relevant", "empty")),
    ("recall-none-relevant", lambda: recall_at_k([[1], [2]], [set(), set()], k=1), V,
     ("recall_at_k", "no user")),
    # data sets
    ("split-fraction", lambda: ml.split_ratings([1, 2], [1, 2], [3.0, 4.0], test_fraction=1.5), V,
     ("split_ratings", "test_fraction", "1.5")),
    ("split-shapes", lambda: ml.split_ratings([1, 2], [1], [3.0, 4.0]), V, ("split_ratings", "(2,)", "(1,)")),
    ("make_ratings-density", lambda: ml.make_ratings(10, 10, density=2.0), V, ("make_ratings", "density", "2.0")),
    ("make_ratings-users", lambda: ml.make_ratings(0, 10), V, ("make_ratings", "n_users", "0")),
    ("load-missing", lambda: ml.load_movielens_100k("no/such/folder"), errors.DataNotFoundError,
     ("no/such/folder",)),
    ("verify-sha", lambda: ml.verify_sha256(__file__, "0" * 64), errors.DataFormatError,
     ("test_validation.py", "0000")),
    ("digits-test_size", lambda: dk.datasets.digits.load_digits(test_size=1.0), V,
     ("load_digits", "test_size", "1.0")),
    ("wv-shape", lambda: WordVectors(["a"], [1.0, 2.0]), S, ("WordVectors", "shape=(2,)")),
    ("wv-count", lambda: WordVectors(["a", "b"], [[1.0, 2.0]]), S, ("WordVectors", "2 words", "1 vectors")),
    ("wv-strings", lambda: WordVectors(["a"], [["x", "y"]]), D, ("WordVectors", "vectors", "<U1")),
    ("wv-complex", lambda: WordVectors(["a"], [[1j, 2.0]]), D, ("WordVectors", "vectors", "complex")),
    ("wv-unknown", lambda: WV.vector("upp"), UnknownWordError, ("'upp'", "4 words", "'up'")),
    ("wv-index-type", lambda: WV.index(3), V, ("WordVectors.index", "3")),
    ("wv-k", lambda: WV.nearest("up", k=4), V, ("nearest", "k=4", "3 words")),
    ("wv-query-dim", lambda: WV.nearest([1.0, 2.0, 3.0]), S, ("nearest", "query.shape=(3,)", "2 components")),
    ("wv-query-nan", lambda: WV.nearest([np.nan, 1.0]), V, ("nearest", "query", "NaN")),
    ("wv-zero-query", lambda: WV.nearest([0.0, 0.0], k=1), V, ("nearest", "zero")),
    ("wv-metric", lambda: WV.nearest("up", metric="euclid"), V, ("nearest", "metric", "'euclid'")),
    ("wv-subset", lambda: WV.subset(0), V, ("subset", "n_words", "0")),
    ("wv-analogy", lambda: WV.analogy("up", "down", "sideways"), UnknownWordError, ("'sideways'",)),
    # reinforcement learning
    ("agg-divisible", lambda: features.StateAggregation(10, 3), V, ("StateAggregation", "n_states=10", "n_groups=3")),
    ("agg-first", lambda: features.StateAggregation(10, 2, first="a"), V, ("StateAggregation", "first", "'a'")),
    ("agg-range", lambda: features.StateAggregation(10, 2).group([10]), V, ("StateAggregation.group", "max=10")),
    ("agg-float", lambda: features.StateAggregation(10, 2).group([1.5]), V,
     ("StateAggregation.group", "states", "float64")),
    ("poly-order", lambda: features.PolynomialBasis(-1), V, ("PolynomialBasis", "order", "-1")),
    ("fourier-bounds", lambda: features.FourierBasis(2, low=1.0, high=0.0), V, ("FourierBasis", "low", "high")),
    ("poly-states-nan", lambda: features.PolynomialBasis(2).transform([np.nan]), V,
     ("PolynomialBasis.transform", "states", "NaN")),
    ("poly-states-width", lambda: features.PolynomialBasis(2, low=[0, 0], high=[1, 1]).transform([[0.1, 0.2, 0.3]]),
     S, ("PolynomialBasis.transform", "(n, 2)", "(1, 3)")),
    ("tile-bounds", lambda: features.TileCoder([0.0, 0.0], [1.0]), S,
     ("TileCoder", "low.shape=(2,)", "high.shape=(1,)")),
    ("tile-tilings", lambda: features.TileCoder([0.0], [1.0], n_tilings=0), V, ("TileCoder", "n_tilings", "0")),
    ("tile-tiles", lambda: features.TileCoder([0.0], [1.0], tiles=0), V, ("TileCoder", "tiles", "0")),
    ("tile-hash", lambda: features.TileCoder([0.0], [1.0], hash_size=-4), V, ("TileCoder", "hash_size", "-4")),
    ("tile-states", lambda: features.TileCoder([0.0, 0.0], [1.0, 1.0]).indices([[0.1, 0.2, 0.3]]), S,
     ("TileCoder.indices", "(n, 2)", "(1, 3)")),
    ("tile-nan", lambda: features.TileCoder([0.0], [1.0]).indices([np.nan]), V, ("TileCoder.indices", "NaN")),
    ("linear_value-dims", lambda: value.linear_value(V2, M23), S, ("linear_value", "w.shape=(2,)", "(2, 3)")),
    ("action_values-dims", lambda: value.action_values(M23, V2), S, ("action_values", "W.shape=(2, 3)", "(2,)")),
    ("sparse_value-dtype", lambda: value.sparse_value(np.ones(3), np.array([0.5])), D,
     ("sparse_value", "active", "float64")),
    ("sparse_value-range", lambda: value.sparse_value(np.ones(3), np.array([3])), V, ("sparse_value", "max=3")),
    ("sparse_value-rank", lambda: value.sparse_value(np.ones((2, 2, 2)), np.array([0])), S,
     ("sparse_value", "(2, 2, 2)")),
    ("LinearValue-w", lambda: value.LinearValue(features.PolynomialBasis(1), [1.0, 2.0, 3.0]), S,
     ("LinearValue", "3 entries", "2")),
    ("walk-jump", lambda: random_walk.transition_model(10, 0), V, ("transition_model", "jump", "0")),
    ("walk-states", lambda: random_walk.true_values(0), V, ("n_states", "n_states=0")),
    ("bellman-length", lambda: random_walk.bellman_backup(np.zeros(3), 10, 2), V,
     ("bellman_backup", "v has 3 entries", "10 states")),
    ("episodes-n", lambda: random_walk.episodes(0, 0), V, ("episodes", "n", "0")),
    ("episodes-start", lambda: random_walk.episodes(1, 0, n_states=10, jump=2, start=11), V,
     ("episodes", "start", "11")),
    ("visit-start", lambda: random_walk.visit_distribution(10, 2, start=0), V, ("visit_distribution", "start", "0")),
    ("n_step_td-type", lambda: prediction.n_step_td(PHI, (1, 2), np.zeros(10), 0.1), V,
     ("n_step_td", "episodes", "tuple")),
    ("n_step_td-episodes", lambda: prediction.n_step_td(PHI, _mismatched_episodes(), np.zeros(10), 0.1), S,
     ("n_step_td", "rewards.shape", "states.shape")),
    ("n_step_td-gamma", lambda: prediction.n_step_td(PHI, EP, np.zeros(10), 0.1, gamma=1.5), V,
     ("n_step_td", "gamma", "1.5")),
    ("n_step_td-n", lambda: prediction.n_step_td(PHI, EP, np.zeros(10), 0.1, n=0), V, ("n_step_td", "n", "0")),
    ("n_step_td-w", lambda: prediction.n_step_td(PHI, EP, np.zeros(9), 0.1), S, ("n_step_td", "w", "(9,)")),
    ("n_step_td-first", lambda: prediction.n_step_td(np.eye(3), EP, np.zeros(3), 0.1), V,
     ("n_step_td", "states", "3")),
    ("n_step_td-rows", lambda: prediction.n_step_td(np.ones((3, 1)), EP, np.zeros(1), 0.1), V,
     ("n_step_td", "states", "3")),
    ("mc_agg-groups", lambda: prediction.gradient_mc_aggregated(np.full(10, 7), EP, np.zeros(5), 0.1), V,
     ("gradient_mc_aggregated", "groups", "7", "5")),
    ("mc_agg-alpha", lambda: prediction.gradient_mc_aggregated(np.zeros(10, int), EP, np.zeros(5), 2.0), V,
     ("gradient_mc_aggregated", "alpha", "2.0")),
    ("value_error-shapes", lambda: prediction.value_error([0.0, 1.0, 2.0], [0.0]), S,
     ("value_error", "v_hat", "(3,)", "(1,)")),
    ("value_error-mu", lambda: prediction.value_error(V2, V2, mu=V3), S, ("value_error", "mu", "(3,)")),
    ("value_error-mu-negative", lambda: prediction.value_error(V2, V2, mu=[1.5, -0.5]), V,
     ("value_error", "mu", "-0.5")),
    ("mc_fixed_point-shapes", lambda: prediction.mc_fixed_point(PHI, np.zeros(9), np.ones(10)), S,
     ("mc_fixed_point", "v_true", "(9,)", "(10, 10)")),
    ("mc_fixed_point-singular", lambda: prediction.mc_fixed_point(np.ones((4, 2)), np.zeros(4), np.ones(4)), V,
     ("mc_fixed_point", "singular", "(4, 2)")),
    ("td_fixed_point-P", lambda: prediction.td_fixed_point(PHI, np.eye(3), np.zeros(10), np.ones(10)), S,
     ("td_fixed_point", "P", "(3, 3)")),
    ("basis-orders", lambda: experiments.basis_comparison(orders=()), V, ("basis_comparison", "orders", "()")),
    ("basis-every", lambda: experiments.basis_comparison(orders=(1,), every=0), V,
     ("basis_comparison", "every", "0")),
    ("sarsa-alpha", lambda: dk.rl.control.sarsa_mountain_car(1, alpha=0.0), V, ("sarsa_mountain_car", "alpha", "0.0")),
    ("sarsa-epsilon", lambda: dk.rl.control.sarsa_mountain_car(1, epsilon=2.0), V,
     ("sarsa_mountain_car", "epsilon", "2.0")),
    ("n_step_td-alpha", lambda: prediction.n_step_td(PHI, EP, np.zeros(10), -0.1), V,
     ("n_step_td", "alpha", "-0.1")),
    ("n_step_td-alphas", lambda: prediction.n_step_td(PHI, EP, np.zeros((2, 10)), np.array([0.1, 1.5])), V,
     ("n_step_td", "alpha", "1.5")),
    ("gradient_mc-alpha", lambda: prediction.gradient_mc(PHI, EP, np.zeros(10), -1), V,
     ("gradient_mc", "alpha", "-1")),
    ("semi_gradient_td-alpha", lambda: prediction.semi_gradient_td(PHI, EP, np.zeros(10), "big"), V,
     ("semi_gradient_td", "alpha", "'big'")),
    ("true_values-jump", lambda: random_walk.true_values(jump=0), V, ("true_values", "jump", "0")),
    ("tile-states-none", lambda: features.TileCoder([0.0], [1.0]).indices(None), D, ("TileCoder.indices", "None")),
    ("tile-states-str", lambda: features.TileCoder([0.0], [1.0]).indices("ab"), D, ("TileCoder.indices", "'ab'")),
    ("tile-states-ragged", lambda: features.TileCoder([0.0, 0.0], [1.0, 1.0]).indices([[0.1, 0.2], [0.3]]), D,
     ("TileCoder.indices", "rectangular")),
    ("tile-active-nan", lambda: features.TileCoder([0.0], [1.0]).active(np.array([np.nan])), V,
     ("TileCoder.active", "NaN")),
    ("to_numpy-none", lambda: dk.to_numpy(None), D, ("to_numpy", "None")),
    ("to_numpy-str", lambda: dk.to_numpy("abc"), D, ("to_numpy", "'abc'")),
    ("to_numpy-ragged", lambda: dk.to_numpy([[1, 2], [3]]), S, ("to_numpy", "rectangular")),
    ("to_numpy-none-inside", lambda: dk.to_numpy([1.0, None]), D, ("to_numpy", "numbers")),
    # exercises
    ("check-unknown", lambda: check("9.9", 1), KeyError, ("check", "'9.9'")),
]


@pytest.mark.parametrize(("fn", "exc", "words"), [pytest.param(f, e, w, id=i) for i, f, e, w in SPECIFIC])
def test_specific_bad_inputs(fn: Callable[[], Any], exc: type, words: tuple[str, ...]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(exc) as info:
            fn()
    assert isinstance(info.value, DotkitError), type(info.value).__mro__
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_every_error_is_also_a_builtin() -> None:
    for cls in (errors.ShapeError, errors.InputValueError, errors.DataFormatError, errors.BackendError):
        assert issubclass(cls, ValueError) and issubclass(cls, DotkitError)
    assert issubclass(errors.DtypeError, TypeError)
    assert issubclass(UnknownWordError, KeyError)
    assert issubclass(NotFittedError, RuntimeError)


def test_case_count_is_broad() -> None:
    """The closing note of issue 10 reports these numbers; keep the table broad."""
    assert len(_generic_cases()) + len(SPECIFIC) >= 300


# -- accepted inputs: lists, tuples, NumPy scalars, backend arrays ---------------------------------
def test_accepted_input_kinds(backend: Any) -> None:
    arr = backend.asarray(np.array([1.0, 2.0], dtype=np.float32))
    for a in ([1.0, 2.0], (1.0, 2.0), np.array([1.0, 2.0]), arr, [np.float32(1.0), np.int64(2)]):
        out = dk.dot(a, [1.0, 1.0], backend=backend)
        assert float(backend.to_numpy(out)) == 3.0


def test_mixed_backends_are_refused() -> None:
    if "mlx" not in dk.available_backends():
        pytest.skip("needs a second backend")
    import mlx.core as mx

    with pytest.raises(errors.BackendError, match=r"dot: arrays from different backends"):
        dk.dot(np.ones(2), mx.ones(2))


# -- NaN propagates, it is never hidden ------------------------------------------------------------
def test_nan_propagates(backend: Any) -> None:
    x = backend.asarray(np.array([1.0, np.nan, 2.0], dtype=np.float32))
    y = backend.asarray(np.array([1.0, 1.0, 1.0], dtype=np.float32))

    def isnan(v: Any) -> np.ndarray:
        return np.isnan(np.asarray(backend.to_numpy(v)))

    assert isnan(dk.dot(x, y)).all()
    assert isnan(dk.norm(x)).all()
    assert isnan(dk.cosine_similarity(x, y)).all()
    assert isnan(dk.matmul(x, y)).all()
    assert isnan(act.softmax(x)).all()
    assert isnan(act.log_softmax(x)).all()
    assert isnan(act.relu(x))[1] and isnan(act.sigmoid(x))[1] and isnan(act.gelu(x))[1]
    z = layers.dense(backend.asarray(np.array([[1.0, np.nan], [1.0, 2.0]], dtype=np.float32)),
                     backend.asarray(np.eye(2, dtype=np.float32)))
    assert isnan(z)[0].all() and not isnan(z)[1].any()  # NaN·0 is NaN: the row is lost, not zeroed
    loss = layers.softmax_cross_entropy(backend.asarray(np.array([[np.nan, 0.0]], dtype=np.float32)), [1])
    assert isnan(loss).all()


def test_nan_in_keys_shows_in_top_k_scores(backend) -> None:
    """A NaN key is not silently dropped: it comes back, last, with a NaN score."""
    keys = backend.asarray(np.array([[np.nan, 1.0], [1.0, 0.0]], dtype=np.float32))
    found = dk.top_k_similar(backend.asarray(np.array([1.0, 0.0], dtype=np.float32)), keys, k=2)
    scores = np.asarray(backend.to_numpy(found.scores))
    assert np.asarray(backend.to_numpy(found.indices)).tolist()[0] == 1 and np.isnan(scores[1])


def test_zero_vector_cosine_is_nan_with_warning(backend: Any) -> None:
    with pytest.warns(RuntimeWarning, match="cosine_similarity: a zero vector"):
        out = dk.cosine_similarity([0.0, 0.0], [1.0, 2.0], backend=backend)
    assert np.isnan(backend.to_numpy(out))


# -- integer products: exact or refused, never wrapped around --------------------------------------
@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32])
def test_integer_dot_is_exact(backend: Any, dtype: Any) -> None:
    info = np.iinfo(dtype)
    a = np.array([info.max, info.max, info.min], dtype=dtype)
    b = np.array([3, 2, 1], dtype=dtype)
    exact = sum(int(x) * int(y) for x, y in zip(a, b))
    try:
        out = dk.dot(backend.asarray(a), backend.asarray(b))
    except errors.InputValueError as exc:  # refusing is allowed; wrapping around is not
        assert "cannot be summed exactly" in str(exc) and np.dtype(dtype).name in str(exc)
        return
    assert int(backend.to_numpy(out)) == exact


def test_integer_just_above_float32_exact_range(backend: Any) -> None:
    """2**24 + 1 is not a float32 number: a float32 product would silently lose the 1."""
    a = backend.asarray(np.array([2**24 + 1], dtype=np.int32))
    b = backend.asarray(np.array([1], dtype=np.int32))
    try:
        out = dk.dot(a, b)
    except errors.InputValueError as exc:
        assert "dot" in str(exc)
        return
    assert int(backend.to_numpy(out)) == 2**24 + 1


def test_integer_matmul_is_exact(backend: Any, rng: np.random.Generator) -> None:
    a = rng.integers(-(2**15), 2**15, size=(4, 6)).astype(np.int32)
    b = rng.integers(-(2**15), 2**15, size=(6, 3)).astype(np.int32)
    want = a.astype(object) @ b.astype(object)
    try:
        out = dk.matmul(backend.asarray(a), backend.asarray(b))
    except errors.InputValueError:
        assert not backend.supports_float64  # NumPy has int64: it must compute this exactly
        return
    np.testing.assert_array_equal(np.asarray(backend.to_numpy(out)).astype(np.int64), want.astype(np.int64))


def test_integer_inputs_to_layers_are_promoted(backend: Any) -> None:
    """Layers promote integers to floating point: no integer wrap-around inside a product."""
    big = np.full((1, 4), 2**31 - 1, dtype=np.int64)
    z = layers.dense(big, np.full((1, 4), 2**31 - 1, dtype=np.int64), backend=backend)
    assert np.asarray(backend.to_numpy(z)).dtype.kind == "f"
    np.testing.assert_allclose(float(backend.to_numpy(z)[0, 0]), 4.0 * (2**31 - 1) ** 2, rtol=1e-6)
    v = value.linear_value(np.array([2**40, 1]), np.array([[2**40, 3]]), backend=backend)
    np.testing.assert_allclose(float(backend.to_numpy(v)[0]), 2.0**80, rtol=1e-6)


# -- no pickle anywhere ----------------------------------------------------------------------------
def test_no_pickle_in_dotkit() -> None:
    root = Path(dk.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"import (c?pickle|dill|joblib)|pickle\.loads?\(|torch\.load\(", line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
            for match in re.finditer(r"allow_pickle\s*=\s*(\w+)", line):
                if match.group(1) != "False":
                    offenders.append(f"{path.name}:{number}: {line.strip()}")
            if re.search(r"np\.load\(", line) and "allow_pickle=False" not in line:
                offenders.append(f"{path.name}:{number}: np.load without allow_pickle=False")
    assert not offenders, offenders


# -- files from readers: line-level errors -----------------------------------------------------------
def _fixture(tmp_path: Path) -> Path:
    return ml.write_movielens_fixture(tmp_path / "ml", n_users=5, n_items=6, density=0.5)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("1\t2\t3", ("4 tab-separated fields", "found 3")),
        ("1\t2\tfive\t0", ("invalid literal", "'five'")),
        ("1\t2\t9\t0", ("1 to 5 stars", "found 9")),
        ("-1\t2\t3\t0", ("non-negative", "user=-1")),
        ("1\t2\t3.5\t0", ("invalid literal", "3.5")),
    ],
)
def test_movielens_ratings_errors_name_file_and_line(tmp_path: Path, line: str, words: tuple[str, ...]) -> None:
    folder = _fixture(tmp_path)
    data = folder / "u.data"
    lines = data.read_text(encoding="latin-1").splitlines()
    lines.insert(2, line)
    data.write_text("\n".join(lines) + "\n", encoding="latin-1")
    with pytest.raises(errors.DataFormatError) as info:
        ml.load_movielens_100k(folder)
    message = str(info.value)
    assert "load_movielens_100k: u.data line 3" in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("line", "words"),
    [("7|Title", ("'|'-separated fields", "found 2")),
     ("x|Title|d|v|u" + "|0" * 19, ("invalid literal", "'x'")),
     ("7|Title|d|v|u" + "|2" * 19, ("genre flags must be 0 or 1",))],
)
def test_movielens_items_errors_name_file_and_line(tmp_path: Path, line: str, words: tuple[str, ...]) -> None:
    folder = _fixture(tmp_path)
    item = folder / "u.item"
    with open(item, "a", encoding="latin-1") as fh:
        fh.write(line + "\n")
    n = len(item.read_text(encoding="latin-1").splitlines())
    with pytest.raises(errors.DataFormatError) as info:
        ml.load_movielens_100k(folder)
    assert f"u.item line {n}" in str(info.value)
    for word in words:
        assert word in str(info.value)


def test_movielens_empty_ratings_file(tmp_path: Path) -> None:
    folder = _fixture(tmp_path)
    (folder / "u.data").write_text("\n\n", encoding="latin-1")
    with pytest.raises(errors.DataFormatError, match="u.data holds no ratings"):
        ml.load_movielens_100k(folder)


# -- names that do not exist, and switches ---------------------------------------------------------
@pytest.mark.parametrize("module", ["dotkit", "dotkit.models", "dotkit.nn", "dotkit.datasets"])
def test_unknown_attribute_names_the_module(module: str) -> None:
    import importlib

    mod = importlib.import_module(module)
    with pytest.raises(AttributeError, match=rf"module '{re.escape(module)}' has no attribute 'nope'"):
        mod.nope  # noqa: B018 - the attribute access is the test
    assert "nope" not in dir(mod)


def test_lazy_names_resolve_to_their_modules() -> None:
    import dotkit.models as models
    import dotkit.nn as nn

    assert dk.relu is act.relu and dk.nn is nn and nn.layers is layers
    assert models.rmse is rmse and "rmse" in dir(models) and "MLP" in models.__all__
    assert "dot" in dir(dk) and "models" in dir(dk)


def test_progress_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    from dotkit.progress import progress

    items = range(3)
    monkeypatch.setenv("DOTKIT_PROGRESS", "0")
    assert progress(items) is items  # switched off: the iterable itself
    monkeypatch.setenv("DOTKIT_PROGRESS", "1")
    bar = progress(items, desc="x", total=3)
    assert bar is not items and list(bar) == [0, 1, 2]


@pytest.mark.parametrize("name", dk.available_backends())
def test_masked_dates_and_long_double_inputs(name: str) -> None:
    masked = np.ma.array([1.0, 2.0], mask=[False, True])
    with pytest.raises(TypeError, match=r"dot: a is a NumPy masked array.*filled"):
        dk.dot(masked, np.ones(2), backend=name)
    dates = np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]")
    with pytest.raises(TypeError, match=r"dot: a must be numeric; received (dates|dtype datetime)"):
        dk.dot(dates, np.ones(2), backend=name)
    assert float(dk.to_numpy(dk.dot(np.array([1, 2], dtype=np.longdouble), np.ones(2), backend=name))) == 3.0
