"""`python -m dotkit.bench` in a configuration that takes seconds, so that it cannot rot."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import dotkit
from dotkit import bench
from dotkit.benchmarks.timing import describe_machine, overhead_per_call, time_call


def test_time_call_syncs_every_call_and_reports_the_median() -> None:
    synced = []
    t = time_call(lambda: 7, sync=synced.append, repeats=3, min_repeat_s=0.001)
    assert t.repeats == 3 and t.number >= 1 and 0 < t.best <= t.median
    assert synced and set(synced) == {7}  # every result went through sync
    assert len(synced) == 1 + 3 * t.number  # calibration call + the timed ones


def test_overhead_of_a_slower_wrapper_is_positive() -> None:
    a = np.ones(8)

    def slow() -> float:
        return sum(float(x) for x in a)

    o = overhead_per_call(slow, lambda: np.dot(a, a), rounds=3, min_repeat_s=0.002)
    assert o["overhead_s"] > 0 and o["wrapped_s"] > o["raw_s"] > 0


def test_machine_description() -> None:
    info = describe_machine()
    assert {"cpu", "cores", "numpy", "blas", "mlx", "python"} <= set(info)
    assert info["numpy"] == np.__version__ and info["cores"] >= 1


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    out = tmp_path_factory.mktemp("bench")
    backends = ",".join(dotkit.available_backends())
    import contextlib
    import io

    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        status = bench.main(["--profile", "smoke", "--out", str(out), "--backends", backends])
    assert status == 0, text.getvalue()
    return out, json.loads((out / "bench.json").read_text()), text.getvalue()


def test_bench_writes_json_and_plot(smoke) -> None:
    out, report, text = smoke
    assert {"machine", "profile", "ops", "limits", "results", "targets", "elapsed_s"} <= set(report)
    assert {"cpu", "cores", "numpy", "blas", "backends"} <= set(report["machine"])
    png = (out / "roofline.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert "targets:" in text and "dot" in text


def test_limits_are_positive_for_every_backend(smoke) -> None:
    _, report, _ = smoke
    for name in dotkit.available_backends():
        lim = report["limits"][name]
        assert (
            lim["bandwidth_gbs"] > 0 and lim["sgemm_gflops"] >= lim["sgemm_measured_gflops"] > 0
        ), (name, lim)
    assert report["limits"]["machine"]["sgemm_gflops"] == max(
        v["sgemm_gflops"] for k, v in report["limits"].items() if k != "machine"
    )


def test_every_op_is_measured_or_reported_skipped(smoke) -> None:
    _, report, text = smoke
    rows = report["results"]
    assert not [r for r in rows if "error" in r]
    for name in dotkit.available_backends():
        for op in bench.OPS:
            mine = [r for r in rows if r["backend"] == name and r["op"] == op]
            assert mine, f"{op} on {name}: neither measured nor reported as skipped"
            for r in mine:
                if "skipped" in r:
                    assert r["skipped"] and "skipped: " + r["skipped"] in text
    measured = {(r["backend"], r["op"]) for r in rows if "skipped" not in r}
    assert ("numpy", "dot") in measured and ("numpy", "matmul") in measured


def test_rows_are_consistent(smoke) -> None:
    _, report, _ = smoke
    for r in report["results"]:
        if r["op"] in ("dot", "matmul", "batched_matmul") and "skipped" not in r:
            rate = (r["bytes"] if r["unit"] == "GB/s" else r["flops"]) / r["dotkit_s"] / 1e9
            assert math.isclose(rate, r["dotkit_rate"], rel_tol=1e-9)
            assert math.isclose(r["vs_raw"], r["raw_s"] / r["dotkit_s"], rel_tol=1e-9)
            assert r["dotkit_of_limit"] > 0 and r["intensity"] == r["flops"] / r["bytes"]


def test_roofline() -> None:
    assert bench.roof(0.25, 200.0, 20.0) == 5.0  # a dot product: bandwidth-bound
    assert bench.roof(100.0, 200.0, 20.0) == 200.0  # a big matrix product: compute-bound


def test_skipped_op_when_module_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(bk, prof):
        raise ImportError("No module named 'dotkit.nn.conv'")

    monkeypatch.setitem(bench.OPS, "conv2d", missing)
    report = bench.run("smoke", ops=["conv2d"], backends=["numpy"])
    (row,) = report["results"]
    assert row["op"] == "conv2d" and "No module named" in row["skipped"]


def test_unknown_op_and_profile_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown op"):
        bench.run("smoke", ops=["fft"])
    with pytest.raises(ValueError, match="unknown profile"):
        bench.run("huge")


def test_movielens_subcommand_is_delegated(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        bench.main(["movielens", "--help"])
    assert done.value.code == 0
    assert "movielens" in capsys.readouterr().out
