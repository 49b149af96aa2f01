"""`python -m dotkit.bench` in a configuration that takes seconds, so that it cannot rot."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import dotkit
from dotkit import bench
from dotkit.benchmarks.goals import GOALS, check_goals
from dotkit.benchmarks.timing import Timing, describe_machine, overhead_per_call, paired_ratios, time_call, time_calls


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
    assert {"cpu", "cores", "simd", "cpu_facts", "caches", "numpy", "blas", "mlx", "torch", "python"} <= set(info)
    assert info["numpy"] == np.__version__ and info["cores"] >= 1
    assert info["dotkit"] == dotkit.__version__ and info["simd"] == info["cpu_facts"]["simd"]


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
    assert {"machine", "profile", "ops", "limits", "results", "goals", "elapsed_s"} <= set(report)
    assert {"cpu", "cores", "simd", "numpy", "blas", "dotkit", "torch", "backends"} <= set(report["machine"])
    png = (out / "roofline.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert "goals (NumPy backend):" in text and "dot" in text
    assert [g["goal"] for g in report["goals"]] == [g.label for g in GOALS]


def test_limits_are_positive_for_every_backend(smoke) -> None:
    _, report, _ = smoke
    for name in dotkit.available_backends():
        lim = report["limits"][name]
        assert (
            lim["bandwidth_gbs"] > 0 and lim["sgemm_gflops"] >= lim["sgemm_measured_gflops"] > 0
        ), (name, lim)
    top = report["limits"]["machine"]
    assert top["sgemm_gflops"] >= max(v["sgemm_gflops"] for k, v in report["limits"].items() if k != "machine")
    if top["hardware_peak_gflops"]:  # the peak is taken from the same best rate that is reported
        assert top["sgemm_gflops"] <= top["peak_gflops"] * 1.02
        if top["fma_units_from"] == "fit":  # the smallest count no product beats
            assert top["fma_units"] == 1 or top["sgemm_gflops"] > top["hardware_peak_gflops"] * (
                top["fma_units"] - 1) * 1.02 - 1e-9
        else:  # the design's count, and the peak raised to a product only where one beat it
            assert top["peak_gflops"] == max(top["peak_at_reported_clock"], top["sgemm_gflops"])


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
    with pytest.raises(ValueError, match="unknown profile field"):
        bench.run("smoke", dot_size=(10,))


def test_movielens_subcommand_is_delegated(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        bench.main(["movielens", "--help"])
    assert done.value.code == 0
    assert "movielens" in capsys.readouterr().out


def test_cpu_facts_come_from_the_files_and_missing_ones_stay_missing(tmp_path: Path) -> None:
    from dotkit.benchmarks.machine import cpu_facts, hardware_peak_gflops

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu sse2 avx avx2 fma\n\n"
                    "processor\t: 1\nflags\t\t: avx512f\n")
    facts = cpu_facts(sysfs=str(tmp_path / "nosysfs"), cpuinfo=str(info))
    assert facts["model"] == "Test CPU" and facts["simd"] == "AVX2" and facts["simd_lanes_f32"] == 8
    assert facts["fma"] and facts["clock_ghz"] is None and "not reported" in facts["clock_source"]
    assert hardware_peak_gflops(facts) is None  # no clock: no invented peak
    info.write_text("vendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel name\t: Test CPU\ncpu MHz\t\t: 2500.0\n"
                    "flags\t\t: avx512f fma\n")
    facts = cpu_facts(sysfs=str(tmp_path / "nosysfs"), cpuinfo=str(info))
    assert facts["clock_ghz"] == 2.5 and "cpu MHz" in facts["clock_source"]
    assert (facts["vendor"], facts["family"], facts["fma_units_by_design"]) == ("AuthenticAMD", 25, 1)
    cores = facts["cores"]
    assert hardware_peak_gflops(facts) == cores * 16 * 2 * 2.5
    assert hardware_peak_gflops(facts, fma_units=2) == 2 * cores * 16 * 2 * 2.5


def test_cpufreq_clock_wins_over_cpuinfo(tmp_path: Path) -> None:
    from dotkit.benchmarks.machine import clock_ghz

    (tmp_path / "cpu0" / "cpufreq").mkdir(parents=True)
    (tmp_path / "cpu0" / "cpufreq" / "cpuinfo_max_freq").write_text("3400000\n")
    assert clock_ghz(sysfs=str(tmp_path), cpuinfo=str(tmp_path / "none")) == (3.4, "cpufreq cpuinfo_max_freq")


def test_caches_are_read_from_sysfs(tmp_path: Path) -> None:
    from dotkit.benchmarks.machine import caches

    for i, (kind, level, size, shared) in enumerate((("Data", 1, "48K", "0"), ("Instruction", 1, "32K", "0"),
                                                     ("Unified", 2, "2048K", "0"), ("Unified", 3, "32M", "0-3"))):
        d = tmp_path / "cpu0" / "cache" / f"index{i}"
        d.mkdir(parents=True)
        for name, value in (("type", kind), ("level", level), ("size", size), ("shared_cpu_list", shared)):
            (d / name).write_text(f"{value}\n")
    found = caches(sysfs=str(tmp_path))
    assert [(c["level"], c["bytes"], c["shared_by"]) for c in found] == [
        ("L1", 48 * 1024, 1), ("L2", 2 * 2**20, 1), ("L3", 32 * 2**20, 4)]
    assert [c["type"] for c in found] == ["Data", "Unified", "Unified"]


def test_ceilings_and_the_level_of_a_working_set() -> None:
    ceilings = [{"level": "L1", "cache_bytes": 1000, "gbs": 50.0}, {"level": "L2", "cache_bytes": 10**6, "gbs": 40.0},
                {"level": "memory", "cache_bytes": None, "gbs": 10.0}]
    assert bench.ceiling_for(800, ceilings)["level"] == "L1"
    assert bench.ceiling_for(5000, ceilings)["level"] == "L2"
    assert bench.ceiling_for(10**7, ceilings)["level"] == "memory"


def test_busy_cpu_seconds_reads_proc_stat_and_others_cpus_leaves_this_process_out(tmp_path) -> None:
    import os

    from dotkit.benchmarks.machine import busy_cpu_seconds, others_cpus

    stat = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal guest guest_nice: idle and iowait are not busy
    stat.write_text("cpu  100 20 30 5000 70 4 6 40 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
    assert busy_cpu_seconds(str(stat)) == pytest.approx(200 / os.sysconf("SC_CLK_TCK"))
    stat.write_text("intr 1 2 3\n")
    assert busy_cpu_seconds(str(stat)) is None
    with others_cpus() as load:
        assert load == {}  # filled on exit
        sum(range(10**5))
    assert load["wall_s"] > 0 and load["mine_cpus"] >= 0
    assert load["others_cpus"] is None or load["others_cpus"] >= 0


def test_net_read_takes_the_short_calls_time_out(monkeypatch) -> None:
    from dotkit.benchmarks import limits

    def fake(times):  # best times of the long and the short call, in that order
        return lambda fns, **_: [Timing(t, t, 1, 1, (t,)) for t in times]

    bk = dotkit.get_backend("numpy")
    monkeypatch.setattr(limits, "time_calls", fake([1.0e-6, 0.6e-6]))
    r = limits.net_read(bk, 3072, budget_s=0.01)
    assert r["plain_gbs"] == pytest.approx(8 * 3072 / 1.0e-6 / 1e9)
    assert r["gbs"] == pytest.approx(8 * (3072 - limits.SHORT_ELEMS) / 0.4e-6 / 1e9)
    monkeypatch.setattr(limits, "time_calls", fake([0.5e-6, 0.6e-6]))  # noise: the long call came out faster
    r = limits.net_read(bk, 3072, budget_s=0.01)
    assert r["gbs"] == r["plain_gbs"] == pytest.approx(8 * 3072 / 0.5e-6 / 1e9)


def test_smoke_run_has_a_peak_no_product_exceeds(smoke) -> None:
    _, report, _ = smoke
    m = report["limits"]["machine"]
    if m["hardware_peak_gflops"]:
        for r in report["results"]:
            if r["op"] == "matmul" and "dotkit_best_s" in r:
                assert r["flops"] / r["dotkit_best_s"] / 1e9 <= 1.02 * m["peak_gflops"], r
    assert m["ceilings"][-1]["level"] == "memory" and all(c["gbs"] > 0 for c in m["ceilings"])


def test_matmul_ladder_rungs_compute_the_product() -> None:
    from dotkit.benchmarks.ladder import matmul_ladder, python_loops, rank1_updates

    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 3))
    np.testing.assert_allclose(rank1_updates(a, b), a @ b, rtol=1e-12)
    np.testing.assert_allclose(python_loops(a.tolist(), b.tolist()), a @ b, rtol=1e-12)
    rungs = matmul_ladder(32, python_n=8, budget_s=0.01, with_mlx=False)
    assert [r["rung"] for r in rungs] == [
        "python loops", "rank-1 updates", "openblas, 1 thread", "openblas, all threads"]
    assert all(r["gflops"] > 0 for r in rungs)
    assert [r["threads"] for r in rungs[:3]] == [1, 1, 1] and rungs[3]["threads"] >= 1
    assert all(r["cpus_busy"] > 0 for r in rungs)


def test_raise_to_best_seen_counts_dotkit_products_and_updates_the_working_set() -> None:
    from dotkit.benchmarks.limits import raise_to_best_seen

    lim = {"sgemm_gflops": 100.0, "read_gbs": 10.0, "bandwidth_gbs": 10.0,
           "ceilings": [{"level": "L1", "bytes": 500, "cache_bytes": 1000, "gbs": 50.0},
                        {"level": "memory", "bytes": None, "cache_bytes": None, "gbs": 10.0}]}
    rows = [{"op": "matmul", "flops": 2e9, "raw_best_s": 0.02, "dotkit_best_s": 0.01},  # dk.matmul: 200 GFLOP/s
            {"op": "dot", "bytes": 800, "raw_best_s": 800 / 80e9},  # the L1 read at 80 GB/s on 800 bytes
            {"op": "dot", "bytes": 640, "raw_best_s": 640 / 40e9}]  # slower: changes nothing
    raise_to_best_seen(lim, rows, ceilings=True)
    assert lim["sgemm_measured_gflops"] == 100.0 and lim["sgemm_gflops"] == pytest.approx(200.0)
    assert lim["ceilings"][0]["gbs"] == pytest.approx(80.0) and lim["ceilings"][0]["bytes"] == 800
    assert lim["ceilings"][1]["bytes"] is None and lim["bandwidth_gbs"] == 10.0


def test_bundled_libraries_of_numpy_include_its_blas() -> None:
    from dotkit.benchmarks.machine import bundled_libraries

    libs = bundled_libraries("numpy")
    assert any("blas" in name.lower() for name in libs), libs
    assert bundled_libraries("no-such-distribution") == []


def test_smt_siblings_count_as_one_core(tmp_path: Path) -> None:
    from dotkit.benchmarks.machine import cpu_facts, hardware_peak_gflops, physical_cores

    for cpu, siblings in (("cpu0", "0-1"), ("cpu1", "0-1"), ("cpu2", "2-3"), ("cpu3", "2-3")):
        (tmp_path / cpu / "topology").mkdir(parents=True)
        (tmp_path / cpu / "topology" / "thread_siblings_list").write_text(siblings + "\n")
    assert physical_cores(str(tmp_path)) == 2
    assert physical_cores(str(tmp_path / "nosysfs")) is None
    info = tmp_path / "cpuinfo"
    info.write_text("model name\t: Test CPU\ncpu MHz\t\t: 2000.0\nflags\t\t: avx2 fma\n")
    facts = cpu_facts(sysfs=str(tmp_path), cpuinfo=str(info))
    assert facts["physical_cores"] == 2
    assert hardware_peak_gflops(facts) == 2 * 8 * 2 * 2.0  # two cores, not four hardware threads


def test_read_vectors_fit_a_container_memory_limit(monkeypatch) -> None:
    from dotkit import _memory
    from dotkit.benchmarks.limits import read_elems

    monkeypatch.setattr(_memory, "cgroup_limit_bytes", lambda: 2 * 10**9)  # Binder's 2 GB
    assert _memory.free_bytes() <= 2 * 10**9 and _memory.available_bytes() <= 2 * 10**9
    n = read_elems(bench.PROFILES["quick"])
    assert 2 * 4 * n <= 2 * 10**9 // 8  # two float32 vectors in an eighth of the limit


def test_read_vectors_follow_the_memory_override_and_the_last_level_cache(monkeypatch) -> None:
    """A host's 480 MiB L3 asks for a 960 MiB pair; DOTKIT_MEMORY_LIMIT=2GiB holds it to 256 MiB."""
    from dotkit.benchmarks import limits

    big_l3 = [{"level": "L3", "type": "Unified", "bytes": 480 * 2**20, "shared_by": 2}]
    monkeypatch.setattr(limits, "caches", lambda: big_l3)
    monkeypatch.delenv("DOTKIT_MEMORY_LIMIT", raising=False)
    monkeypatch.setattr("dotkit._memory.free_bytes", lambda: 64 * 2**30)
    assert limits.read_elems(bench.PROFILES["quick"]) == 480 * 2**20 // 4  # twice the L3, memory to spare
    monkeypatch.setenv("DOTKIT_MEMORY_LIMIT", "2GiB")
    n = limits.read_elems(bench.PROFILES["quick"])
    assert 8 * n == 2 * 2**30 // 8  # the pair in an eighth of the limit


# -- ratios against another library: the median of alternated rounds, with its spread ----------------
def test_time_calls_keeps_one_sample_per_round_and_paired_ratios_pairs_them() -> None:
    fast, slow = time_calls([lambda: sum(range(10)), lambda: sum(range(1000))], repeats=4, budget_s=1e9,
                            min_repeat_s=0.001)
    assert len(fast.samples) == len(slow.samples) == 4 and fast.median == float(np.median(fast.samples))
    r = paired_ratios(slow, fast)
    assert r["runs"] == 4 and r["min"] <= r["median"] <= r["max"] and r["median"] > 1
    with pytest.raises(ValueError, match="paired_ratios"):
        paired_ratios(Timing(1.0, 1.0, 1, 1), fast)


def test_a_reference_library_gets_a_ratio_per_round(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in for PyTorch (the textbook formula, twice over) goes through the same path as PyTorch."""
    from dotkit.benchmarks import attention

    def reference(bk, q, k, v):
        def call() -> None:
            for _ in range(2):
                attention.softmax_attention(bk.xp, q, k, v, 0.25)

        return call, {"torch_version": "stand-in"}

    monkeypatch.setattr(attention, "_torch_attention", reference)
    report = bench.run("smoke", ops=["attention"], backends=["numpy"])
    (row,) = report["results"]
    assert row["vs_torch_runs"] == bench.PROFILES["smoke"].rounds
    assert row["vs_torch_min"] <= row["vs_torch"] <= row["vs_torch_max"] and row["path"] in ("fast", "kernel")
    (goal,) = [g for g in report["goals"] if g["goal"].startswith("attention")]
    assert goal["measured"] == row["vs_torch"] and goal["over"] == "alternated runs"
    assert (goal["min"], goal["max"], goal["runs"]) == (row["vs_torch_min"], row["vs_torch_max"], row["vs_torch_runs"])
    assert f"over {goal['runs']} alternated runs" in bench.format_table(report)


def test_conv2d_and_minilm_keep_the_spread_of_their_reference_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-ins for PyTorch's conv2d (dotkit's generic path) and sentence-transformers (dotkit's encoder)."""
    from dotkit.benchmarks import conv, minilm

    def reference_conv():
        def make(x, w, padding):
            return lambda: dotkit.conv2d(x, w, padding=padding, fast=False)

        return make

    class Encoder:
        def encode(self, sentences, batch_size):
            assert batch_size == minilm.BATCH_SIZE
            minilm._model().encode(sentences, batch_size=batch_size, backend="numpy")

    monkeypatch.setattr(conv, "_torch_conv", reference_conv)
    monkeypatch.setattr(minilm, "_sentence_transformers", Encoder)
    report = bench.run("smoke", ops=["conv2d", "minilm"], backends=["numpy"])
    rounds = bench.PROFILES["smoke"].rounds
    for row in report["results"]:
        assert row["vs_torch_runs"] == rounds and row["vs_torch_min"] <= row["vs_torch"] <= row["vs_torch_max"], row
    minilm_row = next(r for r in report["results"] if r["op"] == "minilm")
    assert math.isclose(minilm_row["sentences_per_s"] / minilm_row["sentence_transformers_per_s"],
                        minilm_row["vs_torch"], rel_tol=0.5)  # a ratio of medians beside a median of ratios
    goals = {g["goal"]: g for g in report["goals"]}
    assert goals["conv2d vs PyTorch CPU"]["runs"] == goals["MiniLM encode vs sentence-transformers"]["runs"] == rounds


def test_goals_take_the_median_over_sizes_and_never_pass_unmeasured() -> None:
    rows = [{"op": "dot", "backend": "numpy", "size": s, "bytes": 8e8, "vs_raw": v} for s, v in
            (("a", 0.9), ("b", 1.0), ("c", 1.1))]
    rows.append({"op": "dot", "backend": "mlx", "size": "a", "bytes": 8e8, "vs_raw": 0.1})  # not NumPy
    goals = {g["goal"]: g for g in check_goals({"results": rows})}
    dot = goals["dot vs numpy.dot, n >= 1e7 (median)"]
    assert (dot["measured"], dot["min"], dot["max"], dot["runs"], dot["over"], dot["met"]) == (
        1.0, 0.9, 1.1, 3, "sizes", True)
    assert goals["conv2d vs PyTorch CPU"]["measured"] is None and goals["conv2d vs PyTorch CPU"]["met"] is None


def test_every_goal_says_where_its_number_comes_from() -> None:
    assert len({g.label for g in GOALS}) == len(GOALS)
    for g in GOALS:
        assert len(g.source.split()) >= 8, g.label
        assert not {"issue", "target", "targets"} & set(g.source.lower().split()), g.label
        assert g.op in bench.OPS


# -- the layout: a thin entry point, short modules, no private names across modules --------------------
def test_bench_is_a_thin_entry_point_over_short_modules() -> None:
    import ast
    import re

    import dotkit.benchmarks

    files = [Path(bench.__file__), *sorted(Path(dotkit.benchmarks.__file__).parent.glob("*.py"))]
    assert len(Path(bench.__file__).read_text().splitlines()) <= 80
    for f in files:
        text = f.read_text()
        assert len(text.splitlines()) <= 400, f.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef):
                assert node.end_lineno - node.lineno < 50, (f.name, node.name)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dotkit"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, (f.name, node.module, private)
        if f.name != "movielens.py":  # a model's training target is its own word there
            assert not re.search(r"\bthe issue|\btargets?\b", text), f.name


def test_names_chapters_import_still_work() -> None:
    from dotkit.benchmarks import machine  # noqa: F401
    from dotkit.benchmarks.conv import run, sgemm_gflops  # noqa: F401
    from dotkit.benchmarks.ladder import matmul_ladder  # noqa: F401
    from dotkit.benchmarks.timing import time_call, time_calls  # noqa: F401

    for name in ("run", "roof", "plot_roofline", "OPS", "PROFILES", "main", "ceiling_for"):
        assert hasattr(bench, name), name


def test_two_runs_compare_machine_goals_and_ratios(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dotkit.benchmarks.compare import compare_runs

    conv = {"op": "conv2d", "backend": "numpy", "size": "N=8", "bytes": 1.0, "vs_raw": 1.0}
    old = {"machine": {"cpu": "A", "numpy": "2.3", "torch": "2.13.0"}, "targets": [],  # an older bench's file
           "results": [conv | {"vs_torch": 0.6}]}
    new = {"machine": {"cpu": "A", "numpy": "2.4", "torch": "2.13.0"},
           "results": [conv | {"vs_torch": 0.85, "vs_torch_min": 0.8, "vs_torch_max": 0.9, "vs_torch_runs": 5,
                               "vs_raw": 0.5}]}
    text = compare_runs(old, new)
    assert "numpy: 2.3 -> 2.4" in text and "cpu:" not in text and "torch:" not in text
    assert "0.6 -> 0.85 (0.8-0.9)" in text
    (vs_raw,) = [line for line in text.splitlines() if "vs_raw" in line]
    assert "1.00 ->   0.50  (0.50x)  lower" in vs_raw
    (vs_torch,) = [line for line in text.splitlines() if "vs_torch" in line]
    assert vs_torch.endswith("(1.42x)")
    for name, report in (("old", old), ("new", new)):
        (tmp_path / f"{name}.json").write_text(json.dumps(report))
    assert bench.main(["compare", str(tmp_path / "old.json"), str(tmp_path / "new.json")]) == 0
    assert capsys.readouterr().out.strip() == text


def test_roofline_shows_the_one_unit_peak_where_the_fitted_count_is_one_reading_of_two(smoke) -> None:
    import copy

    _, report, _ = smoke
    fitted = copy.deepcopy(report)
    m = fitted["limits"]["machine"]
    m.update(hardware_peak_gflops=100.0, fma_units=2, fma_units_from="fit", peak_at_reported_clock=200.0,
             peak_gflops=200.0, sgemm_gflops=120.0)
    keyed = [t.get_text() for t in bench.plot_roofline(fitted).axes[0].get_legend().get_texts()]
    assert any(t.startswith("one FMA unit at the reported clock (100") for t in keyed)
    m.update(fma_units=1, peak_at_reported_clock=100.0, peak_gflops=100.0, sgemm_gflops=90.0)  # nothing else
    keyed = [t.get_text() for t in bench.plot_roofline(fitted).axes[0].get_legend().get_texts()]
    assert not any(t.startswith("one FMA unit") for t in keyed)


def test_roofline_shows_the_design_peak_at_the_reported_clock_where_a_boost_clock_raised_it(smoke) -> None:
    import copy

    _, report, _ = smoke
    boosted = copy.deepcopy(report)
    boosted["limits"]["machine"].update(hardware_peak_gflops=100.0, fma_units=1, fma_units_from="design",
                                        peak_at_reported_clock=100.0, peak_gflops=120.0, sgemm_gflops=120.0)
    keyed = [t.get_text() for t in bench.plot_roofline(boosted).axes[0].get_legend().get_texts()]
    assert any(t.startswith("design's peak at the reported clock (100") for t in keyed)
    assert any("fastest product's clock (120.0" in t for t in keyed)


def test_the_fma_count_comes_from_the_design_where_the_family_fixes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from dotkit.benchmarks import limits
    from dotkit.benchmarks.machine import fma_units_by_design

    assert fma_units_by_design("AuthenticAMD", 25, "AVX-512")[0] == 1  # Zen 4: 512-bit FMAs in two halves
    assert fma_units_by_design("AuthenticAMD", 25, "AVX2")[0] == 2  # Zen 3
    units, why = fma_units_by_design("GenuineIntel", 6, "AVX-512")  # varies by model: left to the fit
    assert units is None and "fitted" in why
    facts = {"cores": 2, "physical_cores": 2, "simd_lanes_f32": 16, "fma": True, "clock_ghz": 2.5}
    lims = {"numpy": {"sgemm_gflops": 200.0, "bandwidth_gbs": 30.0}}
    monkeypatch.setattr(limits, "cpu_facts", lambda: {**facts, "fma_units_by_design": 1})
    m = limits.machine_roofline(lims)  # one unit at 2.5 GHz is 160 GFLOP/s: 200 needs 3.125 GHz
    assert (m["fma_units"], m["fma_units_from"], m["peak_at_reported_clock"]) == (1, "design", 160.0)
    assert m["peak_gflops"] == 200.0 and m["clock_needed_ghz"] == pytest.approx(3.125)
    monkeypatch.setattr(limits, "cpu_facts", lambda: {**facts, "fma_units_by_design": None})
    m = limits.machine_roofline(lims)  # fitted: two units, no clock to raise
    assert (m["fma_units"], m["fma_units_from"], m["peak_gflops"], m["clock_needed_ghz"]) == (2, "fit", 320.0, None)


def test_traffic_moves_an_ops_points_to_the_intensity_of_the_bytes_it_moves(smoke) -> None:
    _, report, _ = smoke
    backend = next(r["backend"] for r in report["results"] if r["op"] == "dot" and "dotkit_s" in r)

    def dot_xs(fig) -> list[float]:
        ax = fig.axes[0]
        return sorted({float(x) for line in ax.lines if line.get_marker() == "s" for x in line.get_xdata()})

    plain = dot_xs(bench.plot_roofline(report))
    halved = dot_xs(bench.plot_roofline(report, traffic={(backend, "dot"): 2}))
    assert plain == [0.25] and 0.125 in halved
    ax = bench.plot_roofline(report).axes[0]
    keyed = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("main memory") for t in keyed)  # each roof keyed in the legend
    assert not any(t.get_text().startswith("main memory") for t in ax.texts)  # and not printed across the lines
    sizes = [t for t in ax.texts if t.get_text() in ("1e3", "1e7")]
    assert sizes  # the dot products carry their sizes


def test_thread_cpu_seconds_and_pinning_restore_what_they_change() -> None:
    import os
    import threading

    from dotkit.benchmarks import machine

    if not hasattr(os, "sched_setaffinity") or not os.path.isdir("/proc/self/task"):
        pytest.skip("thread CPU times and pinning are read through Linux's /proc")
    seconds = machine.thread_cpu_seconds()
    assert threading.get_native_id() in seconds and all(v >= 0 for v in seconds.values())
    before = os.sched_getaffinity(0)
    cpu = min(before)
    with machine.pinned(cpu, cpu) as ok:
        assert ok and os.sched_getaffinity(0) == {cpu}
    assert os.sched_getaffinity(0) == before
    with machine.pinned(10**6, cpu) as ok:  # a CPU the system does not offer
        assert not ok
    assert os.sched_getaffinity(0) == before


def test_a_nearer_ceiling_below_the_one_behind_it_is_raised_and_says_so() -> None:
    from dotkit.benchmarks.limits import hold_the_order

    found = [{"level": "L1", "gbs": 18.0}, {"level": "L2", "gbs": 105.5}, {"level": "L3", "gbs": 93.0},
             {"level": "memory", "gbs": 27.7}]
    hold_the_order(found)
    assert [c["gbs"] for c in found] == [105.5, 105.5, 93.0, 27.7]
    assert (found[0]["measured_gbs"], found[0]["raised_to"]) == (18.0, "L2")
    assert all("raised_to" not in c for c in found[1:])
    chain = [{"level": "L1", "gbs": 5.0}, {"level": "L2", "gbs": 4.0}, {"level": "memory", "gbs": 30.0}]
    hold_the_order(chain)  # from memory inwards: the L2 is raised first, and the L1 to what the L2 now has
    assert [c["gbs"] for c in chain] == [30.0, 30.0, 30.0]
    assert [c.get("raised_to") for c in chain] == ["memory", "memory", None]
    assert chain[0]["measured_gbs"] == 5.0
