"""The bench's driver: this machine's limits, then every op on every backend, in one report.

:data:`OPS` names each op's benchmark (a function of a backend and a
:class:`~dotkit.benchmarks.profiles.Profile` that returns result rows, see
:mod:`dotkit.benchmarks.rows`); :func:`run` measures the limits of each
backend, runs the ops, takes the roofline from the best rates of the whole
run (:mod:`dotkit.benchmarks.limits`), places every row under it and checks
the goals (:mod:`dotkit.benchmarks.goals`).

Example:
    >>> from dotkit.benchmarks.driver import run
    >>> report = run("smoke", ops=["dot"], backends=["numpy"])  # doctest: +SKIP
    >>> sorted(report)  # doctest: +SKIP
    ['elapsed_s', 'goals', 'limits', 'machine', 'ops', 'profile', 'results']
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from dotkit.backends import Backend, available_backends, get_backend
from dotkit.benchmarks.attention import bench_attention
from dotkit.benchmarks.conv import bench_conv2d
from dotkit.benchmarks.goals import check_goals
from dotkit.benchmarks.limits import (
    add_fraction_of_roof,
    best_product_rate,
    machine_roofline,
    measure_limits,
    raise_to_best_seen,
)
from dotkit.benchmarks.linalg import bench_batched_matmul, bench_dot, bench_matmul, bench_overhead
from dotkit.benchmarks.machine import describe_machine
from dotkit.benchmarks.minilm import bench_minilm
from dotkit.benchmarks.profiles import Profile, resolve_profile
from dotkit.benchmarks.rows import skipped
from dotkit.errors import DtypeError, InputValueError


def bench_mf(bk: Backend, prof: Profile) -> list[dict]:
    """One ALS epoch of matrix factorization on a MovieLens-shaped synthetic set."""
    from dotkit.benchmarks import movielens

    result = movielens.bench_epoch(bk.name, quick=prof.name == "quick", smoke=prof.name == "smoke")
    rows = []
    for item in result if isinstance(result, list) else [result]:
        row = {"op": "mf", "backend": bk.name, "size": str(item.get("size", item.get("shape", "")))}
        row.update({k: v for k, v in item.items() if _jsonable(v)})
        rows.append(row)
    return rows


def _jsonable(v: Any) -> bool:
    try:
        json.dumps(v)
    except (TypeError, ValueError):
        return False
    return True


OPS: dict[str, Callable[[Backend, Profile], list[dict]]] = {
    "overhead": bench_overhead,
    "dot": bench_dot,
    "matmul": bench_matmul,
    "batched_matmul": bench_batched_matmul,
    "conv2d": bench_conv2d,
    "attention": bench_attention,
    "minilm": bench_minilm,
    "mf": bench_mf,
}


def run_op(op: str, bk: Backend, prof: Profile) -> list[dict]:
    """One op on one backend; a missing module or library becomes a 'skipped' row, a failure an 'error' row."""
    try:
        return OPS[op](bk, prof)
    except (ImportError, AttributeError, NotImplementedError) as exc:
        return [skipped(op, bk, "", f"not available: {type(exc).__name__}: {exc}")]
    except Exception as exc:  # noqa: BLE001 - one broken op must not lose the others' results
        return [{"op": op, "backend": bk.name, "size": "", "error": f"{type(exc).__name__}: {exc}"}]


def run(
    profile: str | Profile = "quick",
    *,
    ops: Sequence[str] | None = None,
    backends: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Measure limits, then every requested op on every requested backend.

    Args:
        profile: ``"smoke"``, ``"quick"``, ``"full"`` or a :class:`Profile`.
        ops: names from :data:`OPS` (default: all).
        backends: backend names (default: every available one).
        progress: called with a short line before each step (e.g. ``print``).
        **overrides: fields of :class:`Profile` to change, e.g. ``dot_sizes=(1000,)``.

    Returns:
        ``{"machine", "profile", "ops", "limits", "results", "goals", "elapsed_s"}``;
        ``machine`` describes the machine and its libraries
        (:func:`dotkit.benchmarks.machine.describe_machine`) so that two runs can be compared.
    """
    prof = resolve_profile(profile, overrides)
    ops, backends = _check_run(ops, backends, progress)
    unknown = [o for o in ops if o not in OPS]
    if unknown:
        raise InputValueError(f"bench: unknown op(s) {unknown}; choose from {', '.join(OPS)}")
    say = progress or (lambda line: None)
    start = time.perf_counter()
    bks = [get_backend(name) for name in (backends or available_backends())]
    limits, results = {}, []
    for bk in bks:
        say(f"{bk.name}: machine limits")
        limits[bk.name] = measure_limits(bk, prof, ceilings=bk is bks[0])
    for bk in bks:
        for op in ops:
            say(f"{bk.name}: {op}")
            results.extend(run_op(op, bk, prof))
    machine = _roofline(bks, limits, results)
    report = {
        "machine": describe_machine() | {"backends": {bk.name: bk.describe() for bk in bks}},
        "profile": dataclasses.asdict(prof),
        "ops": ops,
        "limits": {"machine": machine, **limits},
        "results": results,
    }
    report["goals"] = check_goals(report)
    report["elapsed_s"] = time.perf_counter() - start
    return report


def _check_run(ops: Any, backends: Any, progress: Any) -> tuple[list[str], list[str] | None]:
    """The op and backend names as lists (every op by default), after refusing what :func:`run` cannot use."""
    if progress is not None and not callable(progress):
        raise DtypeError(f"bench: progress must be callable (e.g. print) or None; received {progress!r:.60}")
    return list(_check_names("ops", ops, OPS) or OPS), _check_names("backends", backends, None)


def _check_names(arg: str, names: Any, known: Any) -> list[str] | None:
    """``names`` as a list of strings; a bare string would be read letter by letter, so it is refused."""
    if names is None:
        return None
    example = next(iter(known)) if known else "numpy"
    if isinstance(names, (str, bytes)):
        raise InputValueError(f"bench: {arg} must be a list of names, such as {arg}=[{example!r}]; received the string "
                         f"{names!r:.60}")
    try:
        names = list(names)
    except TypeError:
        raise DtypeError(
            f"bench: {arg} must be a list of names; received {type(names).__name__} {names!r:.60}"
        ) from None
    if not all(isinstance(n, str) for n in names):
        raise DtypeError(f"bench: {arg} must hold names (strings); received {names!r:.80}")
    return names


def _roofline(bks: list[Backend], limits: dict[str, dict], results: list[dict]) -> dict[str, Any]:
    """Limits raised to the best rates of the run, the machine's roofline, and every row placed under it."""
    for bk in bks:
        raise_to_best_seen(limits[bk.name], [r for r in results if r["backend"] == bk.name], ceilings=bk is bks[0])
    machine = machine_roofline(limits, bks[0].name if bks else None, best_product_rate(results))
    for row in results:
        add_fraction_of_roof(row, machine)
    return machine


__all__ = ["OPS", "bench_mf", "run", "run_op"]
