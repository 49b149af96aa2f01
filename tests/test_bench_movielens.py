"""The stored comparison with Surprise: written by the bench, read by chapter 5."""

from __future__ import annotations

import json

import pytest

from dotkit.benchmarks import movielens as bench
from dotkit.errors import DataFormatError, DataNotFoundError


def _results() -> list[dict]:
    ours = {"model": "dotkit ALS", "rmse": 0.9, "mae": 0.7, "fit_s": 0.3, "n_train": 80, "n_test": 20,
            "backend": "numpy"}
    theirs = {"model": "Surprise SVD", "rmse": 0.93, "mae": 0.73, "fit_s": 0.4}
    return [ours, theirs]


def test_written_comparison_reads_back_with_its_provenance(tmp_path) -> None:
    target = bench.write_surprise_comparison(_results(), tmp_path / "cmp.json", seed=3, load_before=0.5)
    record = bench.load_surprise_comparison(target)
    assert [m["model"] for m in record["models"]] == ["dotkit ALS", "Surprise SVD"]
    assert record["models"][1]["rmse"] == 0.93 and "n_train" not in record["models"][0]
    assert record["split"] == {"test_fraction": 0.2, "seed": 3, "n_train": 80, "n_test": 20}
    assert record["machine"]["load_average_1min_before"] == 0.5
    assert {"python", "numpy", "dotkit", "scikit-surprise"} <= set(record["versions"])
    assert record["date"].endswith("UTC") and "numpy" in record["timing"]


def test_missing_or_damaged_comparison_is_named(tmp_path) -> None:
    with pytest.raises(DataNotFoundError, match=r"load_surprise_comparison: .*path=.*make bench-compare"):
        bench.load_surprise_comparison(tmp_path / "nowhere.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataFormatError, match="load_surprise_comparison: .*not JSON"):
        bench.load_surprise_comparison(bad)
    bad.write_text(json.dumps({"models": [{"model": "one", "rmse": 1.0, "fit_s": 1.0}]}))
    with pytest.raises(DataFormatError, match="no two models"):
        bench.load_surprise_comparison(bad)


def test_surprise_flag_stores_where_told(tmp_path, monkeypatch, capsys) -> None:
    """``--surprise`` prints both models and writes the record (here to a scratch path)."""
    monkeypatch.setattr(bench, "compare_surprise", lambda path=None, seed=0, repeats=5: _results())
    out = tmp_path / "cmp.json"
    assert bench.main(["--surprise", "--surprise-out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Surprise SVD" in printed and str(out) in printed
    assert bench.load_surprise_comparison(out)["models"][0]["fit_s"] == 0.3


def test_packaged_comparison_matches_a_fresh_fit() -> None:
    """The shipped dotkit figure is the one today's code gives on that split, so it is not stale."""
    record = bench.load_surprise_comparison()
    try:
        fresh = bench.run(seed=record["split"]["seed"], backend="numpy")
    except DataNotFoundError:
        pytest.skip("MovieLens-100k is not installed here")
    assert (fresh["n_train"], fresh["n_test"]) == (record["split"]["n_train"], record["split"]["n_test"])
    ours, theirs = record["models"]
    first = next(r for r in ours["runs"] if r["seed"] == record["split"]["seed"])
    assert first["rmse"] == pytest.approx(fresh["rmse"], abs=1e-4)
    assert theirs["model"].startswith("Surprise SVD")
    assert 0.8 < theirs["rmse"] < 1.0 and theirs["fit_s"] > 0
    for m in record["models"]:  # several random starts, summarised by what the runs say
        rmses = [r["rmse"] for r in m["runs"]]
        assert len(rmses) >= 3 and m["rmse_min"] == min(rmses) and m["rmse_max"] == max(rmses)
        assert m["rmse"] == pytest.approx(sum(rmses) / len(rmses)) and m["rmse_sd"] > 0


def test_summary_gives_mean_spread_and_median_time() -> None:
    runs = [{"seed": s, "model_seed": 2 * s, "rmse": v, "mae": 0.7, "fit_s": t}
            for s, v, t in ((0, 0.90, 0.3), (1, 0.92, 0.5), (2, 0.91, 0.4))]
    got = bench._summary("m", runs)
    assert got["rmse"] == pytest.approx(0.91) and got["rmse_sd"] == pytest.approx(0.01)
    assert (got["rmse_min"], got["rmse_max"], got["fit_s"]) == (0.90, 0.92, 0.4)
    assert [r["seed"] for r in got["runs"]] == [0, 2, 4]  # dotkit's runs name their first model seed
