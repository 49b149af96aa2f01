"""Hostile inputs for dotkit.models: MLP, CNN, matrix factorization, MiniLM, metrics.

Besides refusing bad input, a failed ``fit`` must leave the model exactly as
it was: the ``*.unchanged-*`` cases train a model, make a call fail, and
compare every weight with its copy from before the call.
"""

from __future__ import annotations

import functools
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np

import dotkit as dk
from dotkit.models import CNN, MLP, MatrixFactorization, metrics
from hostile.spec import Equals, Raises, Satisfies, allow, case, finite, junk_cases
from hostile.state import unchanged_after

NAN, INF = math.nan, math.inf
rng = np.random.default_rng(1)
X = rng.standard_normal((24, 3))
Y = (X[:, 0] > 0).astype(int)
XI = rng.random((12, 1 * 8 * 8))
YI = np.arange(12) % 3


def mlp(fitted: bool = True) -> MLP:
    m = MLP([3, 5, 2], seed=0)
    return m.fit(X, Y, epochs=3, progress=False) if fitted else m


def diverge(m: CNN) -> CNN:
    """A fit whose steps overflow: huge inputs and step size, scaled to what the model's float holds."""
    scale, lr = (1e150, 1e150) if "64" in str(m.dtype) else (1e15, 1e30)
    return m.fit(XI * scale, YI, lr=lr, epochs=2, progress=False)


def cnn(fitted: bool = True) -> CNN:
    m = CNN((1, 8, 8), filters=2, classes=3, seed=0)
    return m.fit(XI, YI, epochs=1, batch_size=6, progress=False) if fitted else m


# a fit that diverges: MLP has called it a ValueError (a bad lr), MF an ArithmeticError (FitError)
DIVERGED = (ValueError, ArithmeticError)
UNCHANGED = Satisfies(lambda r: r == "unchanged", "the model left exactly as before the failed call")

# --- MLP ----------------------------------------------------------------------------------------
case("models.MLP.sizes-empty", lambda: MLP([]), Raises(ValueError, "MLP", "sizes"))
case("models.MLP.sizes-one", lambda: MLP([3]), Raises(ValueError, "MLP", "sizes"))
case("models.MLP.sizes-zero", lambda: MLP([3, 0, 2]), Raises(ValueError, "MLP", "sizes"))
case("models.MLP.sizes-negative", lambda: MLP([3, -2]), Raises(ValueError, "MLP", "sizes"))
case("models.MLP.sizes-float", lambda: MLP([3, 2.5]), Raises(ValueError, "MLP", "sizes"))
case("models.MLP.sizes-string", lambda: MLP("32"), Raises(ValueError, "MLP", "sizes"))
case("models.MLP.sizes-none", lambda: MLP(None), Raises(ValueError, "MLP", "sizes"))
case("models.MLP.runaway", lambda: MLP([10**6, 10**6, 2]), Raises(MemoryError, "MLP", "GiB"), timeout=5)
case("models.MLP.activation", lambda: MLP([3, 2], activation="swish"), Raises(ValueError, "MLP", "activation"))
case("models.MLP.init", lambda: MLP([3, 2], init="foo"), Raises(ValueError, "MLP", ("init", "scheme")))
case("models.MLP.seed-string", lambda: MLP([3, 2], seed="0"), Raises(ValueError, "MLP", "seed"))
case("models.MLP.seed-negative", lambda: MLP([3, 2], seed=-1), Raises(ValueError, "MLP", "seed"))
case("models.MLP.dtype-int", lambda: MLP([3, 2], dtype="int32"), Raises(TypeError, "MLP", "dtype"))
FIT = "MLP.fit"
junk_cases(
    "models.MLP.fit",
    FIT,
    "X",
    lambda v: mlp(False).fit(v, Y, progress=False),
    kinds=["none", "string", "complex", "ragged", "masked", "datetime"],
)
junk_cases(
    "models.MLP.fit",
    FIT,
    "y",
    lambda v: mlp(False).fit(X[:3], v, progress=False),
    kinds=["none", "string", "complex", "masked", "datetime"],
)
case(
    "models.MLP.fit.X-width",
    lambda: mlp(False).fit(np.ones((4, 4)), [0, 1, 0, 1], progress=False),
    Raises(ValueError, FIT, "X"),
)
case("models.MLP.fit.y-length", lambda: mlp(False).fit(X, Y[:5], progress=False), Raises(ValueError, FIT, "y"))
case(
    "models.MLP.fit.y-range", lambda: mlp(False).fit(X, Y + 5, progress=False), Raises(ValueError, FIT, ("y", "labels"))
)
case("models.MLP.fit.y-float", lambda: mlp(False).fit(X, Y + 0.5, progress=False), Raises(TypeError, FIT, "y"))
case(
    "models.MLP.fit.X-nan",
    lambda: mlp(False).fit(np.where(X > 1, NAN, X), Y, progress=False),
    Raises(ValueError, FIT, "X"),
)
case(
    "models.MLP.fit.X-inf",
    lambda: mlp(False).fit(np.where(X > 1, INF, X), Y, progress=False),
    Raises(ValueError, FIT, "X"),
)
case(
    "models.MLP.fit.X-empty",
    lambda: mlp(False).fit(np.zeros((0, 3)), np.zeros(0, int), progress=False),
    Raises(ValueError, FIT, "X"),
)
case(
    "models.MLP.fit.epochs-zero",
    lambda: mlp(False).fit(X, Y, epochs=0, progress=False),
    Raises(ValueError, FIT, "epochs"),
)
case(
    "models.MLP.fit.epochs-float",
    lambda: mlp(False).fit(X, Y, epochs=2.5, progress=False),
    Raises(ValueError, FIT, "epochs"),
)
case("models.MLP.fit.lr-negative", lambda: mlp(False).fit(X, Y, lr=-1.0, progress=False), Raises(ValueError, FIT, "lr"))
case("models.MLP.fit.lr-nan", lambda: mlp(False).fit(X, Y, lr=NAN, progress=False), Raises(ValueError, FIT, "lr"))
case("models.MLP.fit.lr-string", lambda: mlp(False).fit(X, Y, lr="0.1", progress=False), Raises(ValueError, FIT, "lr"))
case("models.MLP.fit.lr-diverges", lambda: mlp().fit(X, Y, lr=1e300, progress=False), Raises(DIVERGED, FIT, "lr"))
case(
    "models.MLP.fit.batch-zero",
    lambda: mlp(False).fit(X, Y, batch_size=0, progress=False),
    Raises(ValueError, FIT, "batch_size"),
)
case(
    "models.MLP.fit.momentum-one",
    lambda: mlp(False).fit(X, Y, momentum=1.0, progress=False),
    Raises(ValueError, FIT, "momentum"),
)
case(
    "models.MLP.fit.momentum-negative",
    lambda: mlp(False).fit(X, Y, momentum=-0.1, progress=False),
    Raises(ValueError, FIT, "momentum"),
)
case(
    "models.MLP.fit.validation-single",
    lambda: mlp(False).fit(X, Y, validation=(X,), progress=False),
    Raises(ValueError, FIT, "validation"),
)
case(
    "models.MLP.fit.validation-width",
    lambda: mlp(False).fit(X, Y, validation=(np.ones((2, 5)), [0, 1]), progress=False),
    Raises(ValueError, FIT, ("validation", "X")),
)
case(
    "models.MLP.fit.huge-batch",
    lambda: mlp(False).fit(X, Y, batch_size=10**9, epochs=1, progress=False).history_,
    Satisfies(lambda h: len(h) == 1 and finite(h), "one finite epoch loss"),
)
case(
    "models.MLP.unchanged-diverging",
    lambda: unchanged_after(mlp, lambda m: m.fit(X, Y, lr=1e300, progress=False)),
    UNCHANGED,
)
case(
    "models.MLP.unchanged-diverging-late",
    lambda: unchanged_after(mlp, lambda m: m.fit(X * 1e150, Y, lr=1e150, epochs=5, progress=False)),
    UNCHANGED,
)
case("models.MLP.unchanged-bad-y", lambda: unchanged_after(mlp, lambda m: m.fit(X, Y + 9, progress=False)), UNCHANGED)
case(
    "models.MLP.unchanged-bad-validation",
    lambda: unchanged_after(mlp, lambda m: m.fit(X, Y, validation=(X, Y + 9), progress=False)),
    UNCHANGED,
)
case(
    "models.MLP.unchanged-set-params",
    lambda: unchanged_after(mlp, lambda m: m.set_params({"W1": np.ones((9, 9))})),
    UNCHANGED,
)
case("models.MLP.predict.width", lambda: mlp().predict(np.ones((2, 4))), Raises(ValueError, "MLP.predict", "X"))
case("models.MLP.predict.string", lambda: mlp().predict("x"), Raises(TypeError, "MLP.predict", "X"))
case("models.MLP.predict.nan", lambda: mlp().predict([[NAN, 0.0, 0.0]]), Raises(ValueError, "MLP.predict", "X"))
case("models.MLP.predict_proba.large", lambda: mlp().predict_proba(X * 1e6), Satisfies(finite, "finite probabilities"))
case(
    "models.MLP.predict_proba.sums",
    lambda: np.sum(dk.to_numpy(mlp().predict_proba(X)), axis=1),
    Equals(lambda: np.ones(24), rtol=1e-5),
)
case("models.MLP.score.length", lambda: mlp().score(X, Y[:3]), Raises(ValueError, "MLP.score", "y"))
case("models.MLP.loss.nan", lambda: mlp().loss(np.full((2, 3), NAN), [0, 1]), Raises(ValueError, "MLP.loss", "X"))
case(
    "models.MLP.numerical_gradients.eps-zero",
    lambda: mlp(False).numerical_gradients(X[:4], Y[:4], eps=0.0),
    Raises(ValueError, "MLP.numerical_gradients", "eps"),
)
case(
    "models.MLP.numerical_gradients.eps-nan",
    lambda: mlp(False).numerical_gradients(X[:4], Y[:4], eps=NAN),
    Raises(ValueError, "MLP.numerical_gradients", "eps"),
)


def _params(**change):
    m = mlp()
    return m, {k: dk.to_numpy(v) for k, v in m.params.items()} | change


case(
    "models.MLP.set_params.shape",
    lambda: (lambda m, p: m.set_params(p))(*_params(W1=np.ones((9, 9)))),
    Raises(ValueError, "MLP.set_params", "W1"),
)
case(
    "models.MLP.set_params.unknown",
    lambda: (lambda m, p: m.set_params(p))(*_params(W7=np.ones((2, 2)))),
    Raises(ValueError, "MLP.set_params", "W7"),
)
case(
    "models.MLP.set_params.nan",
    lambda: (lambda m, p: m.set_params(p))(*_params(b1=np.full(5, NAN))),
    Raises(ValueError, "MLP.set_params", "b1"),
)

# --- CNN ----------------------------------------------------------------------------------------
case("models.CNN.pool-mismatch", lambda: CNN((1, 7, 8)), Raises(ValueError, "CNN", ("image_shape", "pool")))
case("models.CNN.kernel-even", lambda: CNN(kernel=2), Raises(ValueError, "CNN", "kernel"))
case("models.CNN.filters-zero", lambda: CNN(filters=0), Raises(ValueError, "CNN", "filters"))
case("models.CNN.classes-one", lambda: CNN(classes=1), Raises(ValueError, "CNN", "classes"))
case("models.CNN.image-2d", lambda: CNN((8, 8)), Raises(ValueError, "CNN", "image_shape"))
case("models.CNN.image-string", lambda: CNN("8x8"), Raises(ValueError, "CNN", "image_shape"))
case(
    "models.CNN.runaway", lambda: CNN((1, 8192, 8192), filters=64, pool=1), Raises(MemoryError, "CNN", "GiB"), timeout=5
)
case(
    "models.CNN.fit.X-width",
    lambda: cnn(False).fit(np.ones((3, 63)), [0, 1, 2], progress=False),
    Raises(ValueError, "CNN.fit", "X"),
)
case(
    "models.CNN.fit.X-images",
    lambda: cnn(False).fit(np.ones((3, 1, 8, 8)), [0, 1, 2], progress=False),
    Raises(ValueError, "CNN.fit", "X"),
)
case(
    "models.CNN.fit.y-range",
    lambda: cnn(False).fit(XI, YI + 3, progress=False),
    Raises(ValueError, "CNN.fit", ("y", "labels")),
)
case(
    "models.CNN.fit.lr-diverges",
    lambda: diverge(cnn()),
    Raises(DIVERGED, "CNN.fit", "lr"),
)
case(
    "models.CNN.unchanged-diverging",
    lambda: unchanged_after(cnn, diverge),
    UNCHANGED,
)
case("models.CNN.unchanged-bad-y", lambda: unchanged_after(cnn, lambda m: m.fit(XI, YI + 7, progress=False)), UNCHANGED)
case("models.CNN.predict.nan", lambda: cnn().predict(np.full((1, 64), NAN)), Raises(ValueError, "CNN.predict", "X"))
case("models.CNN.predict.width", lambda: cnn().predict(np.ones((1, 65))), Raises(ValueError, "CNN.predict", "X"))

# --- matrix factorization -----------------------------------------------------------------------
U = np.repeat(np.arange(6), 4)
I = np.tile(np.arange(4), 6)
R = (1 + (U + 2 * I) % 5).astype(float)
MFIT = "MatrixFactorization.fit"


@functools.cache
def _mf_fitted(method: str) -> tuple:
    m = MatrixFactorization(n_factors=2, method=method, seed=0).fit(U, I, R, epochs=3, progress=False)
    return m


def mf(method: str = "als", fitted: bool = True) -> MatrixFactorization:
    m = MatrixFactorization(n_factors=2, method=method, seed=0)
    return m.fit(U, I, R, epochs=3, progress=False) if fitted else m


# n_factors=0 is the documented biases-only model (chapter 5's "biases only" rung): it must fit and predict.
case(
    "models.MF.factors-zero",
    lambda: MatrixFactorization(n_factors=0, seed=0).fit(U, I, R, epochs=3, progress=False).predict(U[:3], I[:3]),
    Satisfies(finite, "finite predictions from the biases-only model"),
)
case(
    "models.MF.factors-negative",
    lambda: MatrixFactorization(n_factors=-1),
    Raises(ValueError, "MatrixFactorization", "n_factors"),
)
case("models.MF.reg-negative", lambda: MatrixFactorization(reg=-1.0), Raises(ValueError, "MatrixFactorization", "reg"))
case("models.MF.reg-nan", lambda: MatrixFactorization(reg=NAN), Raises(ValueError, "MatrixFactorization", "reg"))
case("models.MF.method", lambda: MatrixFactorization(method="svd"), Raises(ValueError, "MatrixFactorization", "method"))
case(
    "models.MF.lr-zero",
    lambda: MatrixFactorization(method="sgd", lr=0.0),
    Raises(ValueError, "MatrixFactorization", "lr"),
)
case(
    "models.MF.batch-zero",
    lambda: MatrixFactorization(method="sgd", batch_size=0),
    Raises(ValueError, "MatrixFactorization", "batch_size"),
)
case(
    "models.MF.init-scale-negative",
    lambda: MatrixFactorization(init_scale=-1.0),
    Raises(ValueError, "MatrixFactorization", "init_scale"),
)
case("models.MF.seed-string", lambda: MatrixFactorization(seed="0"), Raises(ValueError, "MatrixFactorization", "seed"))
for arg, pos in (("users", 0), ("items", 1), ("ratings", 2)):
    junk_cases(
        "models.MF.fit",
        MFIT,
        arg,
        lambda v, pos=pos: mf(fitted=False).fit(
            *[v if j == pos else a for j, a in enumerate((U, I, R))], progress=False
        ),
        kinds=["none", "string", "complex", "ragged", "masked"],
    )
case(
    "models.MF.fit.users-negative",
    lambda: mf(fitted=False).fit(U - 1, I, R, progress=False),
    Raises(ValueError, MFIT, "users"),
)
case(
    "models.MF.fit.users-float",
    lambda: mf(fitted=False).fit(U + 0.5, I, R, progress=False),
    Raises(ValueError, MFIT, "users"),
)
# ids are looked up, not used as row numbers: a huge id costs nothing
case(
    "models.MF.fit.users-huge",
    lambda: mf(fitted=False).fit(U + 2**40, I, R, progress=False).predict(U[:3] + 2**40, I[:3]),
    Satisfies(finite, "finite predictions"),
    timeout=5,
)
case(
    "models.MF.fit.ratings-nan",
    lambda: mf(fitted=False).fit(U, I, np.where(R > 4, NAN, R), progress=False),
    Raises(ValueError, MFIT, "ratings"),
)
case(
    "models.MF.fit.ratings-inf",
    lambda: mf(fitted=False).fit(U, I, np.where(R > 4, INF, R), progress=False),
    Raises(ValueError, MFIT, "ratings"),
)
case(
    "models.MF.fit.lengths",
    lambda: mf(fitted=False).fit(U, I[:5], R, progress=False),
    Raises(ValueError, MFIT, ("users", "items")),
)
case(
    "models.MF.fit.empty", lambda: mf(fitted=False).fit([], [], [], progress=False), Raises(ValueError, MFIT, "ratings")
)
case(
    "models.MF.fit.epochs-zero",
    lambda: mf(fitted=False).fit(U, I, R, epochs=0, progress=False),
    Raises(ValueError, MFIT, "epochs"),
)
case(
    "models.MF.fit.sgd-diverges",
    lambda: MatrixFactorization(n_factors=2, method="sgd", lr=1e6, seed=0).fit(
        U, I, R * 1e10, epochs=5, progress=False
    ),
    Raises(DIVERGED, MFIT, "lr"),
)
case(
    "models.MF.fit.als-singular",
    lambda: MatrixFactorization(n_factors=8, reg=0.0, biases=False, seed=0).fit(U, I, R, epochs=3, progress=False),
    Raises(ArithmeticError, MFIT, "reg"),
)
case(
    "models.MF.unchanged-sgd-diverging",
    lambda: unchanged_after(lambda: mf("sgd"), lambda m: m.fit(U, I, R * 1e200, epochs=5, progress=False)),
    UNCHANGED,
)
case(
    "models.MF.unchanged-bad-ratings",
    lambda: unchanged_after(mf, lambda m: m.fit(U, I, np.where(R > 4, NAN, R), progress=False)),
    UNCHANGED,
)
case("models.MF.predict.unfitted", lambda: mf(fitted=False).predict([0], [0]), Raises(RuntimeError, "predict", None))
case("models.MF.predict.clip-scalar", lambda: mf().predict([0], [0], clip=5), Raises(ValueError, "predict", "clip"))
case(
    "models.MF.predict.clip-reversed",
    lambda: mf().predict([0], [0], clip=(5, 1)),
    Raises(ValueError, "predict", "clip"),
)
# an unseen user gets the item's baseline mu + b_i, as documented
case("models.MF.predict.unknown-user", lambda: mf().predict([999], [0]), Satisfies(finite, "a finite baseline rating"))
case(
    "models.MF.predict.negative-item", lambda: mf().predict([0], [-1]), Raises(ValueError, "predict", ("items", "item"))
)
case("models.MF.predict.lengths", lambda: mf().predict([0, 1], [0]), Raises(ValueError, "predict", ("users", "items")))
case("models.MF.predict.string", lambda: mf().predict("a", [0]), Raises((TypeError, ValueError), "predict", "users"))
case("models.MF.recommend.k-zero", lambda: mf().recommend(0, k=0), Raises(ValueError, "recommend", "k"))
case("models.MF.recommend.unknown-user", lambda: len(mf().recommend(999, k=2).items), Equals(lambda: 2))
case(
    "models.MF.recommend.k-too-big",
    lambda: mf().recommend(0, k=100, exclude_seen=False),
    Raises(ValueError, "recommend", "k"),
)
case(
    "models.MF.similar_items.metric",
    lambda: mf().similar_items(0, metric="jaccard"),
    Raises(ValueError, "similar_items", "metric"),
)
case("models.MF.similar_items.unknown", lambda: mf().similar_items(99), Raises(ValueError, "similar_items", "item"))
case(
    "models.MF.fold_in.lengths",
    lambda: mf().fold_in([0, 1], [3.0]),
    Raises(ValueError, "fold_in", ("items", "ratings")),
)
case("models.MF.fold_in.nan", lambda: mf().fold_in([0, 1], [3.0, NAN]), Raises(ValueError, "fold_in", "ratings"))
case("models.MF.rated_items.unknown", lambda: len(mf().rated_items(999)), Equals(lambda: 0))

# --- MiniLM -------------------------------------------------------------------------------------------


@functools.cache
def minilm():
    from dotkit.models import MiniLM

    return MiniLM.from_package()


def _corrupt_folder(damage) -> object:
    from dotkit.datasets import minilm_path
    from dotkit.models import MiniLM

    src = minilm_path()
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("config.json", "model.safetensors", "tokenizer.json"):
            (Path(tmp) / name).symlink_to(src / name)
        damage(Path(tmp))
        return MiniLM.from_folder(tmp)


def _replace(name: str, text: bytes):
    def damage(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).write_bytes(text)

    return damage


def _remove(name: str):
    return lambda folder: (folder / name).unlink()


FROM = "MiniLM.from_folder"
case(
    "models.MiniLM.folder-missing",
    lambda: __import__("dotkit.models", fromlist=["MiniLM"]).MiniLM.from_folder("/nonexistent/x"),
    Raises(FileNotFoundError, FROM, "folder"),
)
case(
    "models.MiniLM.config-corrupt",
    lambda: _corrupt_folder(_replace("config.json", b"{not json")),
    Raises(ValueError, FROM, "config.json"),
)
case(
    "models.MiniLM.config-list",
    lambda: _corrupt_folder(_replace("config.json", b"[1, 2]")),
    Raises(ValueError, FROM, "config.json"),
)
case(
    "models.MiniLM.config-missing-key",
    lambda: _corrupt_folder(_replace("config.json", b'{"model_type": "bert", "hidden_act": "gelu"}')),
    Raises(ValueError, FROM, "config.json"),
)
case(
    "models.MiniLM.weights-corrupt",
    lambda: _corrupt_folder(_replace("model.safetensors", b"\x00" * 64)),
    Raises(ValueError, FROM, "model.safetensors"),
)
case(
    "models.MiniLM.weights-empty",
    lambda: _corrupt_folder(_replace("model.safetensors", b"")),
    Raises(ValueError, FROM, "model.safetensors"),
)
case(
    "models.MiniLM.tokenizer-corrupt",
    lambda: _corrupt_folder(_replace("tokenizer.json", b"{}")),
    Raises(ValueError, FROM, "tokenizer.json"),
)
case(
    "models.MiniLM.weights-missing",
    lambda: _corrupt_folder(_remove("model.safetensors")),
    Raises(FileNotFoundError, FROM, "model.safetensors"),
)
case(
    "models.MiniLM.max-length-zero",
    lambda: __import__("dotkit.models", fromlist=["MiniLM"]).MiniLM.from_package(max_length=0),
    Raises(ValueError, "MiniLM", "max_length"),
)
case(
    "models.MiniLM.max-length-huge",
    lambda: __import__("dotkit.models", fromlist=["MiniLM"]).MiniLM.from_package(max_length=10**6),
    Raises(ValueError, "MiniLM", "max_length"),
)
ENC = "MiniLM.encode"
case("models.MiniLM.encode.none", lambda: minilm().encode(None), Raises(TypeError, "encode", "sentences"))
case("models.MiniLM.encode.int", lambda: minilm().encode(123), Raises(TypeError, "encode", "sentences"))
case("models.MiniLM.encode.mixed", lambda: minilm().encode(["a cat", 3]), Raises(TypeError, "encode", "sentences"))
case("models.MiniLM.encode.bytes", lambda: minilm().encode(b"a cat"), Raises(TypeError, "encode", "sentences"))
case(
    "models.MiniLM.encode.batch-zero",
    lambda: minilm().encode("a cat", batch_size=0),
    Raises(ValueError, "encode", "batch_size"),
)
case(
    "models.MiniLM.encode.empty-string",
    lambda: minilm().encode(""),
    Satisfies(lambda e: np.asarray(e).shape == (1, 384) and finite(e), "one finite 384-d embedding"),
)
case(
    "models.MiniLM.encode.empty-list",
    lambda: np.asarray(dk.to_numpy(minilm().encode([]))).shape,
    Satisfies(lambda s: s == (0, 384), "an empty (0, 384) array"),
)
case(
    "models.MiniLM.encode.long",
    lambda: minilm().encode("word " * 5000),
    Satisfies(lambda e: np.asarray(e).shape == (1, 384) and finite(e), "one finite embedding (cut to max_length)"),
    timeout=60,
)
case(
    "models.MiniLM.encode.control-chars",
    lambda: minilm().encode("\x00\x07\ufffd\u200b"),
    Satisfies(finite, "a finite embedding"),
)
case(
    "models.MiniLM.encode.unit",
    lambda: np.linalg.norm(dk.to_numpy(minilm().encode(["one", "two words"])), axis=1),
    Equals(lambda: [1.0, 1.0], rtol=1e-4),
)
case("models.MiniLM.attentions.none", lambda: minilm().attentions(None), Raises(TypeError, "attentions", "sentence"))
case(
    "models.MiniLM.attentions.list",
    lambda: minilm().attentions(["a", "b"]),
    Raises(TypeError, "attentions", "sentence"),
)
case("models.MiniLM.attentions.empty", lambda: minilm().attentions("").weights, Satisfies(finite, "finite weights"))
case("models.MiniLM.token_ids.none", lambda: minilm().token_ids(None), Raises(TypeError, "token_ids", "sentence"))
case("models.MiniLM.tokenize.int", lambda: minilm().tokenize(5), Raises(TypeError, "tokenize", "sentences"))

# the first MiniLM case a worker runs loads the model (a few seconds, more on a busy machine)
allow("models.MiniLM", 90)

# --- metrics ------------------------------------------------------------------------------------
case("models.rmse.lengths", lambda: metrics.rmse([1.0, 2.0], [1.0]), Raises(ValueError, "rmse", ("y_true", "y_pred")))
case("models.rmse.empty", lambda: metrics.rmse([], []), Raises(ValueError, "rmse", ("y_true", "y_pred")))
case("models.rmse.values", lambda: metrics.rmse([1.0, 2.0], [2.0, 4.0]), Equals(lambda: math.sqrt(2.5)))
case("models.rmse.huge", lambda: metrics.rmse([1e200], [-1e200]), Equals(lambda: 2e200), backends=["numpy"])
case("models.rmse.string", lambda: metrics.rmse("a", [1.0]), Raises(TypeError, "rmse", "y_true"))
case("models.rmse.nan", lambda: metrics.rmse([NAN], [1.0]), Raises(ValueError, "rmse", "y_true"))
case("models.mae.values", lambda: metrics.mae([1.0, 2.0], [2.0, 4.0]), Equals(lambda: 1.5))
case("models.mae.lengths", lambda: metrics.mae([1.0], [1.0, 2.0]), Raises(ValueError, "mae", ("y_true", "y_pred")))
case(
    "models.precision_at_k.k-zero",
    lambda: metrics.precision_at_k([[1, 2]], [[1]], k=0),
    Raises(ValueError, "precision_at_k", "k"),
)
case("models.precision_at_k.values", lambda: metrics.precision_at_k([[1, 2, 3]], [[1, 3]], k=2), Equals(lambda: 0.5))
case(
    "models.recall_at_k.no-relevant",
    lambda: metrics.recall_at_k([[1, 2]], [[]], k=2),
    Raises(ValueError, "recall_at_k", None),
)
case(
    "models.recall_at_k.k-string",
    lambda: metrics.recall_at_k([[1, 2]], [[1]], k="2"),
    Raises(ValueError, "recall_at_k", "k"),
)
_ = (shutil, _mf_fitted)
