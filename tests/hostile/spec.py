"""What a hostile case is, and how its outcome is judged.

A case is a call (run inside ``dotkit.use_backend(name)`` for each backend)
and what it should do:

* :class:`Raises`: refuse with a ``DotkitError`` that also inherits a builtin
  (``ValueError``, ``TypeError``, ...) and whose message names the function
  and the argument;
* :class:`Equals`: return a finite value equal to a reference computed
  without dotkit (NumPy, SciPy or plain Python), within a tolerance;
* :class:`Satisfies`: return a value for which a predicate holds (a checker's
  verdict, a model left unchanged).

Outcomes: ``ok``; ``silent-wrong`` (a value where an error was due, or the
wrong value); ``refused`` (a clear error where an answer exists);
``vague-error`` (an error that is not a DotkitError of the right builtin, or
whose message does not name the function and the argument); ``runaway`` (a
bare ``MemoryError``, or the worker's memory watchdog fired); ``crash`` (the
worker died); ``hang`` (the case ran past its time limit).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

OUTCOMES = ("ok", "silent-wrong", "refused", "vague-error", "runaway", "crash", "hang")


@dataclass(frozen=True)
class Raises:
    """Refuse with a DotkitError that is also a ``builtin``, naming ``func`` and one of ``arg``."""

    builtin: type[BaseException] | tuple[type[BaseException], ...]
    func: str
    arg: str | tuple[str, ...] | None = None


@dataclass(frozen=True)
class Equals:
    """Return the value ``ref()`` computes (arrays compared after ``to_numpy``)."""

    ref: Callable[[], Any]
    rtol: float = 1e-6
    atol: float = 1e-9


@dataclass(frozen=True)
class Satisfies:
    """Return a value ``pred`` accepts; ``what`` says what is wanted."""

    pred: Callable[[Any], bool]
    what: str


@dataclass(frozen=True)
class Case:
    """One hostile input: ``call`` run on each backend in ``backends`` (None: all installed)."""

    id: str
    module: str
    call: Callable[[], Any]
    expect: Raises | Equals | Satisfies
    backends: tuple[str, ...] | None = None
    # backend ("*" for all) -> "owner: the fix needed"; the test is a strict xfail there
    open: dict[str, str] = field(default_factory=dict)
    timeout: float = 20.0

    def open_on(self, backend: str) -> str | None:
        return self.open.get(backend) or self.open.get("*")


_TABLE: dict[str, Case] = {}
_BACKEND: list[str] = ["numpy"]


def backend() -> str:
    """The backend the running case is on (a reference may depend on it: MLX computes in float32)."""
    return _BACKEND[0]


def f64() -> bool:
    """The running backend computes in float64 (NumPy) rather than float32 (MLX)."""
    return backend() != "mlx"


# A value of each kind that no numeric argument should accept, and the builtin its error most
# naturally inherits; a ValueError is accepted as well (an id or label argument may call the
# same junk a bad value rather than a bad type), as long as the error is a clear DotkitError.
JUNK: dict[str, tuple[Any, type[BaseException]]] = {
    "none": (None, TypeError),
    "string": ("1 2 3", TypeError),
    "bytes": (b"\x00\x01", TypeError),
    "complex": (np.array([1 + 2j, 3j, 1]), TypeError),
    "object": (np.array([{}, {}, {}], dtype=object), TypeError),
    "ragged": ([[1.0, 2.0], [3.0]], ValueError),
    "datetime": (np.array(["2020-01-01", "2020-01-02", "2020-01-03"], dtype="datetime64[D]"), TypeError),
    "masked": (np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0]), TypeError),
    "holey": ([1.0, None, 3.0], TypeError),
    "dict": ({"a": 1.0}, TypeError),
}


def junk_cases(
    prefix: str,
    func: str,
    arg: str,
    make: Callable[[Any], Any],
    *,
    kinds: Iterable[str] | None = None,
    open: dict[str, dict[str, str]] | None = None,
) -> None:
    """One case per kind of junk passed as ``arg`` of ``func``: ``make(junk)`` makes the call."""
    for kind in kinds or JUNK:
        value, builtin = JUNK[kind]
        case(
            f"{prefix}.{arg}-{kind}",
            lambda v=value: make(v),
            Raises((builtin, TypeError, ValueError), func, arg),
            open=(open or {}).get(kind),
        )


def case(
    id: str,
    call: Callable[[], Any],
    expect: Raises | Equals | Satisfies,
    *,
    backends: Iterable[str] | None = None,
    open: dict[str, str] | None = None,
    timeout: float = 20.0,
) -> None:
    """Add a case to the table; its module is the first dotted part of ``id``."""
    if id in _TABLE:
        raise ValueError(f"duplicate hostile case id {id!r}")
    _TABLE[id] = Case(
        id, id.split(".")[0], call, expect, tuple(backends) if backends is not None else None, dict(open or {}), timeout
    )


def allow(prefix: str, seconds: float) -> None:
    """Give every case whose id starts with ``prefix`` ``seconds`` to finish (a model that loads first)."""
    for cid, c in _TABLE.items():
        if cid.startswith(prefix):
            _TABLE[cid] = replace(c, timeout=max(c.timeout, seconds))


def all_cases() -> dict[str, Case]:
    """Every case, after importing each ``cases_*`` module once, with its open backends marked."""
    from hostile import (  # noqa: F401
        cases_data,
        cases_harness,
        cases_linalg,
        cases_models,
        cases_nn,
        cases_rl,
        cases_tools,
    )
    from hostile.open_cases import OPEN

    for cid, (where, owner, fix) in OPEN.items():
        if cid not in _TABLE:
            raise KeyError(f"open_cases names {cid!r}, which is not in the table")
        if not _TABLE[cid].open:
            _TABLE[cid] = replace(_TABLE[cid], open={bk: f"{owner}: {fix}" for bk in where.split(",")})
    return _TABLE


# --- judging ---------------------------------------------------------------------------------


def _numpy(x: Any) -> Any:
    import dotkit

    if isinstance(x, (list, tuple)) and not isinstance(x, np.ndarray):
        try:
            return np.asarray([_numpy(v) for v in x], dtype=float)
        except (TypeError, ValueError):
            return x
    try:
        return np.asarray(dotkit.to_numpy(x))
    except Exception:
        return x


def _close(got: Any, want: Any, rtol: float, atol: float) -> str | None:
    """None if ``got`` equals ``want``, else what differs."""
    if (
        isinstance(want, (str, bool, type(None)))
        or (isinstance(want, (tuple, list)) and not want)
        or (isinstance(want, (tuple, list)) and isinstance(want[0], str))
    ):
        return None if got == want else f"returned {got!r:.200}, expected {want!r:.200}"
    g, w = _numpy(got), np.asarray(want, dtype=float)
    try:
        g = np.asarray(g, dtype=float)
    except (TypeError, ValueError):
        return f"returned {got!r:.200}, expected numbers like {want!r:.200}"
    if g.shape != w.shape:
        return f"returned shape {g.shape}, expected {w.shape}"
    if np.any(~np.isfinite(g) & np.isfinite(w)):
        return f"returned non-finite {g.ravel()[:6]} where {w.ravel()[:6]} was expected"
    if not np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True):
        err = np.max(np.abs(g - w)) if g.size else 0.0
        return f"returned {g.ravel()[:6]}, expected {w.ravel()[:6]} (max abs diff {err:.3g})"
    return None


def clear_error(
    exc: BaseException,
    builtin: type[BaseException] | tuple[type[BaseException], ...],
    func: str,
    arg: str | tuple[str, ...] | None,
) -> str | None:
    """None if ``exc`` is a DotkitError and a ``builtin`` naming ``func`` and ``arg``, else why not."""
    from dotkit.errors import DotkitError

    msg = str(exc)
    kind = f"{type(exc).__module__}.{type(exc).__name__}"
    if not isinstance(exc, DotkitError):
        return f"not a DotkitError: {kind}: {msg[:300]}"
    if not isinstance(exc, builtin):
        names = " or ".join(b.__name__ for b in (builtin if isinstance(builtin, tuple) else (builtin,)))
        return f"{kind} is not a {names}: {msg[:300]}"
    if func not in msg:
        return f"the message does not name {func!r}: {kind}: {msg[:300]}"
    args = (arg,) if isinstance(arg, str) else arg or ()
    if args and not any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(a)}(?![A-Za-z0-9_])", msg) for a in args):
        return f"the message names none of {args}: {kind}: {msg[:300]}"
    return None


def judge(c: Case, value: Any = None, exc: BaseException | None = None) -> tuple[str, str]:
    """The outcome of case ``c`` that returned ``value`` or raised ``exc``, and a detail line."""
    from dotkit.errors import MemoryLimitError

    if exc is not None and isinstance(exc, MemoryError) and not isinstance(exc, MemoryLimitError):
        return "runaway", f"bare MemoryError: {str(exc)[:300]}"
    if isinstance(c.expect, Raises):
        if exc is None:
            return "silent-wrong", f"returned {value!r:.300} instead of raising"
        why = clear_error(exc, c.expect.builtin, c.expect.func, c.expect.arg)
        return ("ok", "") if why is None else ("vague-error", why)
    if exc is not None:
        from dotkit.errors import DotkitError

        kind = "refused" if isinstance(exc, DotkitError) else "vague-error"
        return kind, f"raised {type(exc).__name__}: {str(exc)[:300]}"
    if isinstance(c.expect, Equals):
        why = _close(value, c.expect.ref(), c.expect.rtol, c.expect.atol)
        return ("ok", "") if why is None else ("silent-wrong", why)
    try:
        good = bool(c.expect.pred(value))
    except Exception as err:  # the predicate itself choked on what came back
        good, value = False, f"{value!r:.200} (the check raised {type(err).__name__}: {err})"
    return ("ok", "") if good else ("silent-wrong", f"wanted {c.expect.what}; got {value!r:.300}")


def finite(x: Any) -> bool:
    """Every entry of ``x`` is finite (for :class:`Satisfies`)."""
    return bool(np.all(np.isfinite(_numpy(x))))


__all__ = ["OUTCOMES", "Case", "Equals", "Raises", "Satisfies", "all_cases", "case", "clear_error", "finite", "judge"]
