"""Hostile inputs for dotkit.datasets: GloVe, the bundled photos, the digits, MovieLens, MiniLM's path."""

from __future__ import annotations

import functools
import math
import tempfile
from pathlib import Path

import numpy as np

import dotkit as dk
from hostile.spec import Equals, Raises, Satisfies, case, junk_cases

NAN, INF = math.nan, math.inf


def datasets():
    return dk.datasets


def wv():
    from dotkit.datasets.glove import WordVectors

    return WordVectors(
        ["up", "down", "left", "right", "zero"], [[0.0, 1.0], [0.0, -1.0], [-1.0, 0.0], [1.0, 0.0], [0.0, 0.0]]
    )


@functools.cache
def glove():
    return datasets().load_glove(n_words=20000)


def _words(wvs):
    return [w for w, _ in wvs]


# --- GloVe and WordVectors ------------------------------------------------------------------------
LG = "load_glove"
case("datasets.load_glove.zero", lambda: datasets().load_glove(n_words=0), Raises(ValueError, LG, "n_words"))
case("datasets.load_glove.negative", lambda: datasets().load_glove(n_words=-5), Raises(ValueError, LG, "n_words"))
case("datasets.load_glove.string", lambda: datasets().load_glove(n_words="10"), Raises(ValueError, LG, "n_words"))
case("datasets.load_glove.bool", lambda: datasets().load_glove(n_words=True), Raises(ValueError, LG, "n_words"))
case("datasets.load_glove.float", lambda: datasets().load_glove(n_words=2.5), Raises(ValueError, LG, "n_words"))
case("datasets.load_glove.too-many", lambda: datasets().load_glove(n_words=10**7), Raises(ValueError, LG, "n_words"))
case(
    "datasets.load_glove.frog",
    lambda: _words(glove().nearest("frog", k=3)),
    Satisfies(lambda w: "frog" not in w and len(w) == 3, "three neighbours, frog itself left out"),
)
WV = "WordVectors"
junk_cases(
    "datasets.WordVectors",
    WV,
    "vectors",
    lambda v: __import__("dotkit.datasets.glove", fromlist=["x"]).WordVectors(["a", "b", "c"], v),
    kinds=["none", "string", "complex", "ragged", "masked", "object"],
)
case(
    "datasets.WordVectors.count",
    lambda: type(wv())(["a"], [[1.0, 2.0], [3.0, 4.0]]),
    Raises(ValueError, WV, ("words", "vectors")),
)
case("datasets.WordVectors.rank", lambda: type(wv())(["a", "b"], [1.0, 2.0]), Raises(ValueError, WV, "vectors"))
case(
    "datasets.WordVectors.duplicates",
    lambda: type(wv())(["a", "a"], [[1.0, 0.0], [0.0, 1.0]]),
    Raises(ValueError, WV, "words"),
)
case(
    "datasets.WordVectors.words-not-strings",
    lambda: type(wv())([1, 2], [[1.0, 0.0], [0.0, 1.0]]),
    Raises(TypeError, WV, "words"),
)
case(
    "datasets.WordVectors.words-string",
    lambda: type(wv())("ab", [[1.0, 0.0], [0.0, 1.0]]),
    Raises(TypeError, WV, "words"),
)
case(
    "datasets.WordVectors.nan",
    lambda: type(wv())(["a", "b"], [[NAN, 0.0], [0.0, 1.0]]),
    Raises(ValueError, WV, "vectors"),
)
case(
    "datasets.WordVectors.float64-huge",
    lambda: type(wv())(["a", "b"], [[1e300, 0.0], [0.0, 1.0]]),
    Raises(ValueError, WV, "vectors"),
)
NE = "nearest"
case("datasets.nearest.k-zero", lambda: wv().nearest("up", k=0), Raises(ValueError, NE, "k"))
case("datasets.nearest.k-too-big", lambda: wv().nearest("up", k=5), Raises(ValueError, NE, "k"))
case("datasets.nearest.k-float", lambda: wv().nearest("up", k=1.5), Raises(ValueError, NE, "k"))
case("datasets.nearest.metric", lambda: wv().nearest("up", metric="l2"), Raises(ValueError, NE, "metric"))
case("datasets.nearest.unknown-word", lambda: wv().nearest("sideways"), Raises(KeyError, "sideways", None))
case("datasets.nearest.query-none", lambda: wv().nearest(None), Raises(TypeError, NE, "query"))
case("datasets.nearest.query-int", lambda: wv().nearest(5), Raises(ValueError, NE, "query"))
case("datasets.nearest.query-bytes", lambda: wv().nearest(b"up"), Raises(TypeError, NE, "query"))
case("datasets.nearest.query-dim", lambda: wv().nearest([1.0, 0.0, 0.0]), Raises(ValueError, NE, "query"))
case("datasets.nearest.query-nan", lambda: wv().nearest([NAN, 0.0]), Raises(ValueError, NE, "query"))
case("datasets.nearest.query-inf", lambda: wv().nearest([INF, 0.0], k=1), Raises(ValueError, NE, "query"))
case("datasets.nearest.query-huge", lambda: _words(wv().nearest([1e300, 1.0], k=1)), Equals(lambda: ["right"]))
case("datasets.nearest.query-tiny", lambda: _words(wv().nearest([1e-300, 0.0], k=1)), Equals(lambda: ["right"]))
case("datasets.nearest.query-zero", lambda: wv().nearest([0.0, 0.0], k=2), Raises(ValueError, NE, "query"))
case("datasets.nearest.zero-word-cosine", lambda: wv().nearest("zero", k=2), Raises(ValueError, NE, ("query", "zero")))
case(
    "datasets.nearest.zero-word-never",
    lambda: _words(wv().nearest([0.0, 1.0], k=3, exclude=["up"])),
    Satisfies(
        lambda w: "zero" not in w, "the zero vector, which has no direction, never ranked among cosine neighbours"
    ),
)
case(
    "datasets.nearest.exclude-string",
    lambda: _words(wv().nearest("up", k=2, exclude="right")),
    Satisfies(lambda w: "right" not in w and "up" not in w, "neither the query nor the excluded word"),
)
case(
    "datasets.nearest.exclude-unknown",
    lambda: wv().nearest("up", exclude=["sideways"]),
    Raises(KeyError, "sideways", None),
)
case("datasets.nearest.exclude-none", lambda: _words(wv().nearest("up", k=1, exclude=None)), Equals(lambda: ["left"]))
case("datasets.nearest.exclude-int", lambda: wv().nearest("up", exclude=3), Raises(TypeError, NE, "exclude"))
case(
    "datasets.nearest.exclude-everything",
    lambda: wv().nearest("up", k=1, exclude=["down", "left", "right", "zero"]),
    Raises(ValueError, NE, "k"),
)
case("datasets.nearest.dot-metric", lambda: _words(wv().nearest([0.0, 2.0], k=1, metric="dot")), Equals(lambda: ["up"]))
case("datasets.nearest.backend-unknown", lambda: wv().nearest("up", backend="jaxx"), Raises(ValueError, "jaxx", None))
case(
    "datasets.nearest.mlx-query",
    lambda: _words(wv().nearest(dk.asarray([1.0, 0.1], backend="mlx"), k=1)),
    Equals(lambda: ["right"]),
    backends=["mlx"],
)
case("datasets.index.none", lambda: wv().index(None), Raises(ValueError, "index", "word"))
case("datasets.index.int", lambda: wv().index(3), Raises(ValueError, "index", "word"))
case("datasets.vector.empty", lambda: wv().vector(""), Raises(KeyError, "''", None))
case("datasets.vector.read-only", lambda: glove().vector("the").flags.writeable, Equals(lambda: False))
case("datasets.contains.unhashable", lambda: ["up"] in wv(), Equals(lambda: False))
AN = "analogy"
case("datasets.analogy.unknown", lambda: wv().analogy("up", "down", "sideways"), Raises(KeyError, "sideways", None))
case("datasets.analogy.zero-word", lambda: wv().analogy("zero", "up", "down"), Raises(ValueError, AN, "zero"))
case("datasets.analogy.k-zero", lambda: wv().analogy("up", "down", "left", k=0), Raises(ValueError, AN, "k"))
case("datasets.analogy.not-string", lambda: wv().analogy(1, "down", "left"), Raises(ValueError, AN, ("a", "word")))
case("datasets.analogy.king", lambda: glove().analogy("man", "king", "woman")[0].word, Equals(lambda: "queen"))
case("datasets.subset.zero", lambda: wv().subset(0), Raises(ValueError, "subset", "n_words"))
case("datasets.subset.too-many", lambda: wv().subset(99), Raises(ValueError, "subset", "n_words"))

# --- photos ------------------------------------------------------------------------------------------
LI = "load_image"
case(
    "datasets.load_image.unknown",
    lambda: datasets().load_image("cameraman"),
    Raises(ValueError, LI, ("name", "cameraman")),
)
case("datasets.load_image.none", lambda: datasets().load_image(None), Raises(ValueError, LI, "None"))
case("datasets.load_image.int", lambda: datasets().load_image(5), Raises(ValueError, LI, "5"))
case("datasets.load_image.file-name", lambda: datasets().load_image("camera.png"), Raises(ValueError, LI, "camera"))
case("datasets.load_image.size-zero", lambda: datasets().load_image("camera", size=0), Raises(ValueError, LI, "size"))
case(
    "datasets.load_image.size-negative",
    lambda: datasets().load_image("camera", size=-3),
    Raises(ValueError, LI, "size"),
)
case(
    "datasets.load_image.size-float", lambda: datasets().load_image("camera", size=2.5), Raises(ValueError, LI, "size")
)
case(
    "datasets.load_image.size-string",
    lambda: datasets().load_image("camera", size="big"),
    Raises(ValueError, LI, "size"),
)
case(
    "datasets.load_image.size-bool", lambda: datasets().load_image("camera", size=True), Raises(ValueError, LI, "size")
)
case(
    "datasets.load_image.size-triple",
    lambda: datasets().load_image("camera", size=(4, 4, 3)),
    Raises(ValueError, LI, "size"),
)
case(
    "datasets.load_image.size-pair-zero",
    lambda: datasets().load_image("camera", size=(0, 5)),
    Raises(ValueError, LI, "size"),
)
case(
    "datasets.load_image.size-pair-float",
    lambda: datasets().load_image("camera", size=(4.0, 5)),
    Raises(ValueError, LI, "size"),
)
case(
    "datasets.load_image.size-numpy-pair",
    lambda: datasets().load_image("camera", size=np.array([4, 5])).shape,
    Equals(lambda: (4, 5, 3)),
)
case(
    "datasets.load_image.runaway",
    lambda: datasets().load_image("camera", size=(60000, 60000)),
    Raises(MemoryError, LI, "GiB"),
    timeout=5,
)
case(
    "datasets.load_image.runaway-int",
    lambda: datasets().load_image("camera", size=10**6),
    Raises(MemoryError, LI, "GiB"),
    timeout=5,
)
case(
    "datasets.load_image.runaway-thin",
    lambda: datasets().load_image("camera", size=(1, 10**10)),
    Raises(MemoryError, LI, "GiB"),
    timeout=5,
)
case(
    "datasets.load_image.gray-string",
    lambda: datasets().load_image("camera", size=8, gray="no"),
    Raises(TypeError, LI, "gray"),
)
case(
    "datasets.load_image.gray-range",
    lambda: (lambda im: (float(im.min()), float(im.max())))(datasets().load_image("astronaut", size=64, gray=True)),
    Satisfies(lambda mm: 0.0 <= mm[0] <= mm[1] <= 1.0, "values in [0, 1]"),
)
case(
    "datasets.load_image.fresh-copy",
    lambda: (lambda a: (a.__setitem__((0, 0), 5.0), datasets().load_image("camera", gray=True)[0, 0])[1])(
        datasets().load_image("camera", gray=True)
    ),
    Satisfies(lambda v: v <= 1.0, "a copy: a reader's edit never reaches the cache"),
)
case(
    "datasets.describe_image.unknown",
    lambda: __import__("dotkit.datasets.images", fromlist=["x"]).describe_image("nope"),
    Raises(ValueError, "describe_image", "nope"),
)

# --- digits --------------------------------------------------------------------------------------------
LD = "load_digits"
for label, value in [
    ("zero", 0.0),
    ("one", 1.0),
    ("negative", -0.5),
    ("nan", NAN),
    ("string", "0.2"),
    ("bool", True),
    ("inf", INF),
    ("none", None),
]:
    case(
        f"datasets.load_digits.test-size-{label}",
        lambda v=value: datasets().load_digits(test_size=v),
        Raises(ValueError, LD, "test_size"),
    )
case(
    "datasets.load_digits.test-size-tiny",
    lambda: datasets().load_digits(test_size=1e-9),
    Raises(ValueError, LD, "test_size"),
)
case(
    "datasets.load_digits.test-size-nearly-one",
    lambda: datasets().load_digits(test_size=0.99999),
    Raises(ValueError, LD, "test_size"),
)
case("datasets.load_digits.seed-negative", lambda: datasets().load_digits(seed=-1), Raises(ValueError, LD, "seed"))
case("datasets.load_digits.seed-float", lambda: datasets().load_digits(seed=2.5), Raises(ValueError, LD, "seed"))
case("datasets.load_digits.seed-string", lambda: datasets().load_digits(seed="a"), Raises(ValueError, LD, "seed"))
case(
    "datasets.load_digits.seed-huge", lambda: datasets().load_digits(seed=2**80).X_test.shape, Equals(lambda: (450, 64))
)
case(
    "datasets.load_digits.numpy-fraction",
    lambda: datasets().load_digits(test_size=np.float32(0.5)).X_test.shape[0],
    Satisfies(lambda n: 880 <= n <= 910, "about half the 1797 digits held out"),
)
case(
    "datasets.load_digits.range",
    lambda: (lambda d: (float(d.X_train.min()), float(d.X_train.max())))(datasets().load_digits()),
    Equals(lambda: (0.0, 1.0)),
)
case(
    "datasets.load_digits.every-class",
    lambda: len(set(datasets().load_digits(test_size=0.05).y_test.tolist())),
    Equals(lambda: 10),
)

# --- MovieLens files and synthetic ratings ----------------------------------------------------------------


def _movielens_with(damage) -> object:
    from dotkit.datasets import movielens

    with tempfile.TemporaryDirectory() as tmp:
        folder = movielens.write_movielens_fixture(Path(tmp) / "ml-100k", n_users=6, n_items=5, density=0.8)
        damage(folder)
        return datasets().load_movielens_100k(folder)


def _append(name: str, text: str):
    def damage(folder: Path) -> None:
        with open(folder / name, "a", encoding="latin-1") as fh:
            fh.write(text)

    return damage


LM = "load_movielens_100k"
case(
    "datasets.movielens.missing",
    lambda: datasets().load_movielens_100k("/nonexistent/ml-100k"),
    Raises(FileNotFoundError, LM, "/nonexistent"),
)
case(
    "datasets.movielens.huge-id",
    lambda: _movielens_with(_append("u.data", f"{2**70}\t1\t3\t881250949\n")),
    Raises(ValueError, LM, "u.data"),
)
case(
    "datasets.movielens.text-rating",
    lambda: _movielens_with(_append("u.data", "1\t1\tfive\t881250949\n")),
    Raises(ValueError, LM, "u.data"),
)
case(
    "datasets.movielens.short-line",
    lambda: _movielens_with(_append("u.data", "1\t1\n")),
    Raises(ValueError, LM, "u.data"),
)
case(
    "datasets.movielens.rating-range",
    lambda: _movielens_with(_append("u.data", "1\t1\t9\t881250949\n")),
    Raises(ValueError, LM, "u.data"),
)
case(
    "datasets.movielens.zero-id",
    lambda: _movielens_with(_append("u.data", "0\t1\t3\t881250949\n")),
    Raises(ValueError, LM, "u.data"),
)
case(
    "datasets.movielens.item-unknown",
    lambda: _movielens_with(_append("u.data", "1\t999\t3\t881250949\n")),
    Raises(ValueError, LM, ("u.data", "u.item", "999")),
)
case(
    "datasets.movielens.empty",
    lambda: _movielens_with(lambda f: (f / "u.data").write_text("")),
    Raises(ValueError, LM, "u.data"),
)
case(
    "datasets.movielens.binary",
    lambda: _movielens_with(lambda f: (f / "u.data").write_bytes(b"\xff\xfe\x00\x01" * 50)),
    Raises(ValueError, LM, "u.data"),
)
MR = "make_ratings"
case("datasets.make_ratings.users-zero", lambda: datasets().make_ratings(n_users=0), Raises(ValueError, MR, "n_users"))
case(
    "datasets.make_ratings.density-zero",
    lambda: datasets().make_ratings(density=0.0),
    Raises(ValueError, MR, "density"),
)
case(
    "datasets.make_ratings.density-big", lambda: datasets().make_ratings(density=2.0), Raises(ValueError, MR, "density")
)
case(
    "datasets.make_ratings.noise-negative", lambda: datasets().make_ratings(noise=-1.0), Raises(ValueError, MR, "noise")
)
case("datasets.make_ratings.noise-nan", lambda: datasets().make_ratings(noise=NAN), Raises(ValueError, MR, "noise"))
case("datasets.make_ratings.seed-string", lambda: datasets().make_ratings(seed="a"), Raises(ValueError, MR, "seed"))
case(
    "datasets.make_ratings.runaway",
    lambda: datasets().make_ratings(n_users=10**6, n_items=10**6, density=0.5),
    Raises((MemoryError, ValueError), MR, "n_users"),
    timeout=5,
)
case("datasets.minilm_path.exists", lambda: (datasets().minilm_path() / "config.json").is_file(), Equals(lambda: True))
