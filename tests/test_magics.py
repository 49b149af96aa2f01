"""``%load_ext dotkit``: the ``%dotkit backend`` and ``%%dotkit compare`` magics."""

from __future__ import annotations

import numpy as np
import pytest

import dotkit
from dotkit import magics
from dotkit.backends import ENV_VAR
from dotkit.errors import BackendError, MagicUsageError

IPython = pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from traitlets.config import Config  # noqa: E402


@pytest.fixture
def shell(monkeypatch: pytest.MonkeyPatch) -> InteractiveShell:
    """An in-process IPython shell with the extension loaded; DOTKIT_BACKEND restored after."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    config = Config()
    config.HistoryManager.enabled = False  # no history.sqlite written by the tests
    ip = InteractiveShell.instance(config=config)
    ok = ip.run_cell("%load_ext dotkit")
    ok.raise_error()
    ip.run_cell("import numpy as np\nimport dotkit as dk").raise_error()
    yield ip
    ip.user_ns.pop("x", None)


def run(ip: InteractiveShell, source: str) -> None:
    result = ip.run_cell(source, store_history=True)
    result.raise_error()


def test_backend_shows_current_and_installed(shell, capsys):
    run(shell, "%dotkit backend")
    out = capsys.readouterr().out
    assert out.startswith("dotkit backend: ")
    assert "(default -> " in out  # no DOTKIT_BACKEND: auto decides
    for name in dotkit.available_backends():
        assert name in out.split("installed:")[1]


@pytest.mark.parametrize("name", dotkit.available_backends())
def test_backend_switch_persists_across_cells(shell, capsys, name):
    run(shell, f"%dotkit backend {name}")
    assert f"switched to {name}" in capsys.readouterr().out
    # A later, separate cell sees the switch: it is not a ContextVar set in one cell.
    run(shell, "_seen = dk.get_backend().name\n_arr = dk.asarray([1.0, 2.0])")
    assert shell.user_ns["_seen"] == name
    assert dotkit.backends.backend_of(shell.user_ns["_arr"]) == name
    run(shell, "%dotkit backend")
    assert capsys.readouterr().out.startswith(f"dotkit backend: {name} ({ENV_VAR}={name})")


def test_backend_switch_to_auto(shell, capsys):
    run(shell, "%dotkit backend numpy")
    run(shell, "%dotkit backend auto")
    out = capsys.readouterr().out
    assert "switched to auto (auto -> " in out
    run(shell, "_seen = dk.get_backend().name")
    assert shell.user_ns["_seen"] == dotkit.get_backend("auto").name


def test_backend_unknown_name_is_a_clear_error(shell):
    result = shell.run_cell("%dotkit backend no_such_backend")
    assert isinstance(result.error_in_exec, BackendError)
    assert "no_such_backend" in str(result.error_in_exec)
    assert "installed:" in str(result.error_in_exec)
    run(shell, "_seen = dk.get_backend().name")  # the session's backend is unchanged
    assert shell.user_ns["_seen"] == dotkit.get_backend("auto").name


def test_unknown_command_and_help(shell, capsys):
    run(shell, "%dotkit")
    assert "%%dotkit compare" in capsys.readouterr().out
    result = shell.run_cell("%dotkit frobnicate")
    assert isinstance(result.error_in_exec, MagicUsageError)
    assert "frobnicate" in str(result.error_in_exec)


COMPARE_CELL = """%%dotkit compare
rng = np.random.default_rng(0)
a = dk.asarray(rng.standard_normal((64, 32)).astype(np.float32))
b = dk.asarray(rng.standard_normal((32, 16)).astype(np.float32))
x = dk.matmul(a, b)
x
"""


def test_compare_runs_every_backend_and_reports_agreement(shell, capsys):
    run(shell, COMPARE_CELL)
    out = capsys.readouterr().out
    result = magics.last_comparison
    names = dotkit.available_backends()
    assert [r.backend for r in result.runs] == names
    assert result.reference == "numpy"
    rng = np.random.default_rng(0)
    a = rng.standard_normal((64, 32)).astype(np.float32).astype(np.float64)
    b = rng.standard_normal((32, 16)).astype(np.float32).astype(np.float64)
    for r in result.runs:
        assert r.error is None
        assert r.seconds is not None and r.seconds > 0
        assert dotkit.backends.backend_of(r.value) == r.backend  # ran inside use_backend(r)
        np.testing.assert_allclose(dotkit.to_numpy(r.value), a @ b, rtol=1e-4, atol=1e-4)
        # the reported difference is the true one against the NumPy run
        ref = np.asarray(dotkit.to_numpy(result.runs[0].value), dtype=np.float64)
        true = np.max(np.abs(np.asarray(dotkit.to_numpy(r.value), dtype=np.float64) - ref))
        assert r.max_abs_diff == pytest.approx(true, abs=0)
        assert r.max_abs_diff < 1e-4
        assert r.backend in out
    assert result.runs[0].max_abs_diff == 0.0
    assert "max |x - x_numpy|" in out
    # the namespace ends with the session's backend's values (it runs last)
    assert dotkit.backends.backend_of(shell.user_ns["x"]) == dotkit.get_backend().name


@pytest.mark.skipif("mlx" not in dotkit.available_backends(), reason="MLX not installed")
def test_compare_sees_a_real_difference(shell):
    # float32 on MLX vs float64 on NumPy: a reduction whose rounding differs
    cell = "%%dotkit compare\nv = dk.asarray(np.linspace(0, 1, 10_001))\ndk.dot(v, v)\n"
    run(shell, cell)
    runs = {r.backend: r for r in magics.last_comparison.runs}
    exact = float(np.dot(np.linspace(0, 1, 10_001), np.linspace(0, 1, 10_001)))
    assert runs["numpy"].max_abs_diff == 0.0
    assert runs["mlx"].max_abs_diff == pytest.approx(
        abs(float(dotkit.to_numpy(runs["mlx"].value)) - exact), rel=1e-9, abs=1e-12
    )
    assert 0 < runs["mlx"].max_abs_diff < 1e-2


def test_compare_repeat_backends_and_structures(shell, capsys):
    cell = (
        "%%dotkit compare --backends numpy --repeat 3\n"
        "u = dk.asarray([3.0, 4.0])\n"
        "(dk.norm(u), {'d': dk.dot(u, u)}, [u])\n"
    )
    run(shell, cell)
    out = capsys.readouterr().out
    assert "best of 3" in out
    (only,) = magics.last_comparison.runs
    assert only.backend == "numpy" and only.max_abs_diff == 0.0


def test_compare_without_last_expression_times_only(shell, capsys):
    run(shell, "%%dotkit compare\n_y = dk.dot([1.0, 2.0], [3.0, 4.0])\n")
    out = capsys.readouterr().out
    assert all(
        r.max_abs_diff is None and r.seconds is not None for r in magics.last_comparison.runs
    )
    assert "n/a" in out


@pytest.mark.parametrize("last", ["print(_y)", "'done'", "None", "True"])
def test_compare_cell_ending_in_print_or_a_string_times_only(shell, capsys, last):
    result = shell.run_cell(f"%%dotkit compare\n_y = dk.dot([1.0, 2.0], [3.0, 4.0])\n{last}\n")
    assert result.error_in_exec is None, result.error_in_exec
    out = capsys.readouterr().out
    assert all(r.error is None and r.max_abs_diff is None for r in magics.last_comparison.runs)
    assert "end the cell with an expression" in out


def test_compare_error_shows_table_then_raises(shell, capsys):
    result = shell.run_cell("%%dotkit compare\ndk.dot([1.0, 2.0], [1.0, 2.0, 3.0])\n")
    out = capsys.readouterr().out
    assert isinstance(result.error_in_exec, dotkit.errors.ShapeError)
    assert "error" in out and "ShapeError" in out
    assert all(r.error is not None for r in magics.last_comparison.runs)


def test_compare_bad_arguments(shell):
    result = shell.run_cell("%%dotkit compare --repeat 0\n1\n")
    assert isinstance(result.error_in_exec, MagicUsageError)
    result = shell.run_cell("%%dotkit compare --frob\n1\n")
    assert isinstance(result.error_in_exec, MagicUsageError)
    result = shell.run_cell("%%dotkit compare --backends nope\n1\n")
    assert isinstance(result.error_in_exec, BackendError)


def test_max_abs_difference_structure_mismatch():
    with pytest.raises(MagicUsageError, match="shapes differ"):
        magics.max_abs_difference(np.zeros(2), np.zeros(3))
    with pytest.raises(MagicUsageError, match="structure"):
        magics.max_abs_difference([np.zeros(2)], np.zeros(2))
    assert magics.max_abs_difference((1.0, [2.0]), (1.5, [2.0])) == 0.5
