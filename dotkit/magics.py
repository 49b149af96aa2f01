"""IPython magics: ``%load_ext dotkit`` gives ``%dotkit`` and ``%%dotkit``.

``%dotkit backend``
    Show the backend in force and the installed ones.
``%dotkit backend NAME``
    Switch the session's backend (``numpy``, ``mlx``, ``auto`` or a plugin's
    name). The choice is stored in the ``DOTKIT_BACKEND`` environment variable
    of the kernel process, which is what ``dotkit.get_backend()`` reads when
    no ``backend=`` argument, input array type or ``use_backend`` block
    decides: the documented session-wide default. The ``use_backend``
    ``ContextVar`` is meant for ``with`` blocks; setting it by hand would rely
    on every cell, thread and widget callback running in the same context,
    which is an implementation detail of the kernel (asyncio tasks and
    threads each get their own copy). Side effect worth knowing: child
    processes started from the kernel inherit the variable. Arrays that
    already exist keep their backend.
``%%dotkit compare [--backends a,b] [--repeat N]``
    Run the cell once per installed backend, each run inside
    ``dotkit.use_backend(name)``, and print a table: the time each run took
    (the whole cell, best of ``N``; the arrays in the last expression's value
    are synced before the clock is read, so lazy MLX work is counted) and the
    largest absolute difference between the value of the cell's last
    expression on that backend and on NumPy (both converted with
    ``dotkit.to_numpy``; tuples, lists and dicts of arrays are compared item
    by item). The runs share the notebook's namespace; the session's own
    backend runs last, so the names the cell assigns end up holding its
    values. The table is also kept as ``dotkit.magics.last_comparison``.
    If a run raises, the table still shows, then the first error is raised.

Example (in a notebook)::

    %load_ext dotkit
    %dotkit backend numpy

    %%dotkit compare
    x = dk.asarray(np.arange(1_000, dtype=np.float32))
    dk.dot(x, x)
"""

from __future__ import annotations

import argparse
import ast
import os
import shlex
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from dotkit.backends import ENV_VAR, available_backends, get_backend, use_backend
from dotkit.errors import MagicUsageError

USAGE = """\
%dotkit backend            show the backend in force and the installed ones
%dotkit backend NAME       switch the session's backend (numpy, mlx, auto, a plugin)
%%dotkit compare [--backends a,b] [--repeat N]
                           run the cell on every installed backend: time and agreement"""


@dataclass
class Run:
    """One backend's run of a ``%%dotkit compare`` cell."""

    backend: str
    seconds: float | None = None
    max_abs_diff: float | None = None
    value: Any = None
    error: BaseException | None = None


@dataclass
class Comparison:
    """The result of one ``%%dotkit compare`` cell (see :func:`format_table`)."""

    runs: list[Run]
    reference: str | None
    repeat: int

    def __str__(self) -> str:
        return format_table(self)


last_comparison: Comparison | None = None


# --------------------------------------------------------------------- backend
def current_backend_line() -> str:
    """One line: the backend in force and where the choice comes from."""
    requested = os.environ.get(ENV_VAR, "").strip() or "auto"
    bk = get_backend()
    source = f"{ENV_VAR}={requested}" if os.environ.get(ENV_VAR, "").strip() else "default"
    resolved = f" -> {bk.name}" if requested.lower() == "auto" else ""
    return (
        f"dotkit backend: {bk.name} ({source}{resolved}); "
        f"installed: {', '.join(available_backends())}"
    )


def switch_backend(name: str) -> str:
    """Make ``name`` the session's backend (persisting across cells); return a message."""
    bk = get_backend(name)  # raises BackendError / BackendNotInstalledError on a bad name
    value = "auto" if name.strip().lower() == "auto" else bk.name
    os.environ[ENV_VAR] = value
    note = f" (auto -> {bk.name})" if value == "auto" else ""
    return f"dotkit backend switched to {value}{note} for this session"


# --------------------------------------------------------------------- compare
def _split_last_expression(source: str) -> tuple[ast.Module, ast.Expression | None]:
    """The cell as statements to exec and, when it ends in one, its last expression."""
    tree = ast.parse(source, mode="exec")
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
        return tree, ast.fix_missing_locations(last)
    return tree, None


def _collect_arrays(value: Any, out: list[Any]) -> None:
    if isinstance(value, (tuple, list)):
        for item in value:
            _collect_arrays(item, out)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_arrays(item, out)
    elif hasattr(value, "shape") and hasattr(value, "dtype"):
        out.append(value)


def _has_numbers(value: Any) -> bool:
    """Whether a cell's last value holds arrays or numbers to compare (``print(...)`` gives None)."""
    if isinstance(value, (tuple, list)):
        return any(_has_numbers(v) for v in value)
    if isinstance(value, dict):
        return any(_has_numbers(v) for v in value.values())
    if isinstance(value, (bool, str, bytes)) or value is None:
        return False
    return isinstance(value, (int, float, complex)) or (hasattr(value, "shape") and hasattr(value, "dtype"))


def _sync(bk: Any, value: Any) -> None:
    arrays: list[Any] = []
    _collect_arrays(value, arrays)
    owned = [a for a in arrays if bk.owns(a)]
    if owned:
        bk.sync(*owned)


def _as_float64(value: Any) -> Any:
    """``value`` as NumPy float64 (structure kept for tuples, lists and dicts)."""
    if isinstance(value, (tuple, list)):
        return [_as_float64(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_float64(v) for k, v in value.items()}
    from dotkit.linalg import to_numpy

    return np.asarray(to_numpy(value), dtype=np.float64)


def max_abs_difference(a: Any, b: Any) -> float:
    """Largest ``|a - b|`` over matching arrays (nested tuples/lists/dicts allowed).

    Raises:
        MagicUsageError: the two values do not have the same structure or shapes.
    """
    x, y = _as_float64(a), _as_float64(b)
    return _max_diff(x, y)


def _max_diff(x: Any, y: Any) -> float:
    if isinstance(x, list) or isinstance(y, list):
        if not (isinstance(x, list) and isinstance(y, list) and len(x) == len(y)):
            raise MagicUsageError("%%dotkit compare: results differ in structure between backends")
        return max((_max_diff(p, q) for p, q in zip(x, y)), default=0.0)
    if isinstance(x, dict) or isinstance(y, dict):
        if not (isinstance(x, dict) and isinstance(y, dict) and x.keys() == y.keys()):
            raise MagicUsageError("%%dotkit compare: results differ in keys between backends")
        return max((_max_diff(x[k], y[k]) for k in x), default=0.0)
    if x.shape != y.shape:
        raise MagicUsageError(
            f"%%dotkit compare: result shapes differ between backends: {x.shape} vs {y.shape}"
        )
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y)))


def compare(
    source: str,
    namespace: dict[str, Any],
    backends: list[str] | None = None,
    repeat: int = 1,
) -> Comparison:
    """Run ``source`` (plain Python) in ``namespace`` once per backend.

    Args:
        source: the cell's code, already turned into plain Python.
        namespace: the globals the cell runs in (the notebook's ``user_ns``).
        backends: names to run on; default every installed backend.
        repeat: runs per backend; the best time is kept.

    Returns:
        A :class:`Comparison`; the runs are listed in ``backends`` order.
    """
    if isinstance(repeat, bool) or not isinstance(repeat, (int, np.integer)) or repeat < 1:
        raise MagicUsageError(f"%%dotkit compare: --repeat must be a whole number >= 1; received {repeat!r:.60}")
    if not isinstance(source, str) or not source.strip():
        raise MagicUsageError(
            f"%%dotkit compare: the cell is empty; write the code to run on each backend below the magic line "
            f"(received source={source!r:.60})"
        )
    if isinstance(backends, (str, bytes)):  # list("numpy") would be five one-letter names
        raise MagicUsageError(
            f"%%dotkit compare: backends must be a list of names, such as backends=[{backends!r:.40}]; "
            f"received the string {backends!r:.60}"
        )
    names = list(backends) if backends else available_backends()
    for name in names:
        get_backend(name)  # a clear error for an unknown or missing backend, before running
    body, last = _split_last_expression(source)
    body_code = compile(body, "<dotkit compare>", "exec")
    last_code = compile(last, "<dotkit compare>", "eval") if last is not None else None

    current = get_backend().name
    order = [n for n in names if get_backend(n).name != current]
    order += [n for n in names if get_backend(n).name == current]
    runs = {name: _timed_run(name, body_code, last_code, namespace, repeat) for name in order}
    ordered = [runs[n] for n in names]
    reference = next(
        (r for r in ordered
         if r.backend == "numpy" and r.error is None and last is not None and _has_numbers(r.value)),
        None,
    )
    if reference is not None:
        _differences(ordered, reference)
    return Comparison(
        runs=ordered, reference=reference.backend if reference else None, repeat=repeat
    )


def _timed_run(name: str, body_code: Any, last_code: Any, namespace: dict[str, Any], repeat: int) -> Run:
    """The cell on backend ``name``, ``repeat`` times: the best time and the last value (or the error)."""
    run = Run(backend=get_backend(name).name)
    with use_backend(name) as bk:
        try:
            best = float("inf")
            for _ in range(repeat):
                start = time.perf_counter()
                exec(body_code, namespace)  # noqa: S102 - running the cell is the point
                value = eval(last_code, namespace) if last_code is not None else None
                _sync(bk, value)
                best = min(best, time.perf_counter() - start)
            run.seconds, run.value = best, value
        except Exception as exc:  # noqa: BLE001 - shown in the table, then re-raised
            run.error = exc
    return run


def _differences(runs: list[Run], reference: Run) -> None:
    """Each successful run's largest difference from the reference run's value (or why there is none)."""
    for run in runs:
        if run.error is None:
            try:
                run.max_abs_diff = max_abs_difference(run.value, reference.value)
            except (MagicUsageError, TypeError, ValueError) as exc:
                run.error = exc


def _format_seconds(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def format_table(result: Comparison) -> str:
    """The comparison as a small text table."""
    timing = "time" if result.repeat == 1 else f"best of {result.repeat}"
    against = f"max |x - x_{result.reference}|" if result.reference else "max |diff|"
    rows = [("backend", timing, against)]
    for run in result.runs:
        if run.error is not None:
            rows.append((run.backend, "error", f"{type(run.error).__name__}: {run.error}"))
            continue
        if run.max_abs_diff is not None:
            diff = f"{run.max_abs_diff:.3g}"
        elif result.reference is None:
            diff = "n/a (no NumPy array or number to compare: end the cell with an expression)"
        else:
            diff = "n/a"
        rows.append((run.backend, _format_seconds(run.seconds or 0.0), diff))
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c}" for a, b, c in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _compare_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%%dotkit compare", add_help=False, exit_on_error=False)
    parser.add_argument("--backends", default=None)
    parser.add_argument("--repeat", type=int, default=1)
    return parser


def run_magic(line: str, cell: str | None, shell: Any) -> None:
    """Dispatch one ``%dotkit`` / ``%%dotkit`` call (``cell`` is None for the line magic)."""
    global last_comparison
    try:
        words = shlex.split(line)
    except ValueError as exc:  # an unbalanced quote
        raise MagicUsageError(f"%dotkit: cannot read the line {line!r}: {exc}\n{USAGE}") from None
    command = words[0] if words else ""
    if command == "backend" and cell is None:
        if len(words) == 1:
            print(current_backend_line())
        elif len(words) == 2:
            print(switch_backend(words[1]))
        else:
            raise MagicUsageError(f"%dotkit backend takes at most one name; received {line!r}")
        return
    if command == "compare" and cell is not None:
        try:
            args, extra = _compare_parser().parse_known_args(words[1:])
        except argparse.ArgumentError as exc:
            raise MagicUsageError(f"%%dotkit compare: {exc}") from None
        if extra:
            raise MagicUsageError(f"%%dotkit compare: unknown arguments {extra}\n{USAGE}")
        names = (
            [n.strip() for n in args.backends.split(",") if n.strip()] if args.backends else None
        )
        source = shell.transform_cell(cell) if shell is not None else cell
        namespace = shell.user_ns if shell is not None else {}
        result = compare(source, namespace, backends=names, repeat=args.repeat)
        last_comparison = result
        print(format_table(result))
        errors = [run.error for run in result.runs if run.error is not None]
        if errors:
            raise errors[0]
        return
    if command in ("", "help"):
        print(USAGE)
        return
    kind = "%%dotkit (cell magic)" if cell is not None else "%dotkit (line magic)"
    raise MagicUsageError(f"{kind}: unknown command {line!r}\n{USAGE}")


def register(ipython: Any) -> None:
    """Register ``%dotkit`` / ``%%dotkit`` with an IPython shell (``%load_ext dotkit``)."""
    from IPython.core.magic import Magics, line_cell_magic, magics_class

    @magics_class
    class DotkitMagics(Magics):
        @line_cell_magic
        def dotkit(self, line: str, cell: str | None = None) -> None:
            """dotkit's backend magics; run ``%dotkit help`` for the commands."""
            run_magic(line, cell, self.shell)

    DotkitMagics.dotkit.__doc__ = (DotkitMagics.dotkit.__doc__ or "") + "\n\n" + USAGE
    ipython.register_magics(DotkitMagics)
