"""Turning what a user passes into backend arrays, with errors in their words.

Every public op starts with :func:`resolve` (which backend runs the call) and
:func:`as_array` (each argument as an array of that backend, checked). The
messages name the op and the argument, and say what was received.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dotkit.backends import ENV_VAR, Backend, backend_of, get_backend, selected_name
from dotkit.errors import BackendError, DtypeError, InputValueError, ShapeError


def resolve(op: str, *inputs: Any, backend: str | Backend | None = None) -> Backend:
    """The backend for a call of ``op``: explicit, then non-NumPy inputs, then the selected one.

    NumPy arrays, lists and scalars go to the selected backend (``use_backend``,
    ``DOTKIT_BACKEND``, ``auto``); see :mod:`dotkit.backends` for the rules on mixing.
    """
    if backend is not None:
        return get_backend(backend)
    owners = {name for x in inputs if x is not None and (name := backend_of(x)) is not None}
    foreign = owners - {"numpy"}
    if not foreign:
        return get_backend()
    selected = selected_name()
    if len(foreign) > 1 or ("numpy" in owners and selected not in foreign):
        _refuse_mix(op, inputs, "arrays from different backends cannot be mixed")
    (name,) = foreign
    if selected not in ("numpy", name):
        _refuse_mix(op, inputs, f"{name} arrays were passed where the {selected!r} backend is selected "
                                f"(by use_backend or {ENV_VAR})")
    return get_backend(name)


def _refuse_mix(op: str, inputs: tuple, why: str) -> None:
    kinds = ", ".join(f"{type(x).__module__}.{type(x).__name__}" for x in inputs if x is not None)
    raise BackendError(
        f"{op}: {why} ({kinds}); convert them first with dotkit.asarray(x, backend=...) or pass backend=..."
    )


def describe_array(x: Any) -> str:
    shape = getattr(x, "shape", None)
    dtype = getattr(x, "dtype", None)
    if shape is not None:
        return f"shape={tuple(shape)}, dtype={dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


def as_array(
    op: str,
    name: str,
    x: Any,
    bk: Backend,
    *,
    ndim: int | Sequence[int] | None = None,
    min_ndim: int = 0,
    allow_int: bool = True,
    finite: bool = False,
) -> Any:
    """``x`` as an array of backend ``bk``, refusing what no op can use.

    Args:
        op, name: the op and argument, for error messages.
        ndim: the exact rank(s) allowed, or None for any.
        min_ndim: the smallest rank allowed.
        allow_int: if False, integers and booleans are promoted to floating point.
        finite: refuse NaN and infinity.
    """
    if x is None:
        raise DtypeError(f"{op}: {name} is None; expected an array of numbers")
    if isinstance(x, (str, bytes)):
        raise DtypeError(f"{op}: {name} must be numeric; received the string {x!r:.60}")
    if isinstance(x, np.ma.MaskedArray):  # its mask would be silently ignored
        raise DtypeError(
            f"{op}: {name} is a NumPy masked array, and dotkit does not read masks; fill the masked "
            f"entries ({name}.filled(0)) or drop them ({name}.compressed()) first"
        )
    if not bk.owns(x):
        x = from_python(op, name, x, bk)
    kind = bk.dtype_kind(x)
    if kind == "c":
        raise DtypeError(f"{op}: {name} must be real; received complex dtype {x.dtype}")
    if kind not in "biuf":
        raise DtypeError(f"{op}: {name} must be numeric; received dtype {x.dtype}")
    if kind == "b" or (kind in "iu" and not allow_int):
        x = bk.cast(x, bk.default_float)
    _check_rank(op, name, x, ndim, min_ndim)
    if finite and kind == "f" and not _all_finite(bk, x):
        raise InputValueError(f"{op}: {name} contains NaN or infinity ({describe_array(x)})")
    return x


def from_python(op: str, name: str, x: Any, bk: Backend) -> Any:
    if backend_of(x) is not None and bk.name != backend_of(x):
        x = get_backend(backend_of(x)).to_numpy(x)
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise ShapeError(
            f"{op}: {name} is not a rectangular array of numbers (ragged nesting?): {exc}"
        ) from None
    if arr.dtype.kind in "OUSV":
        raise DtypeError(
            f"{op}: {name} must contain only numbers; received {type(x).__name__} "
            f"giving dtype {arr.dtype} (strings, None or ragged rows?)"
        )
    if arr.dtype.kind in "Mm":
        raise DtypeError(f"{op}: {name} must be numeric; received dates or times (dtype {arr.dtype})")
    if arr.dtype.kind == "f" and arr.dtype.itemsize > 8:  # long double: no other library takes it
        arr = np.asarray(arr, dtype=np.float64)
    return bk.asarray(arr)


def _check_rank(op: str, name: str, x: Any, ndim: Any, min_ndim: int) -> None:
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ShapeError(f"{op}: expected {name} with {want} dimension(s); received {name}.shape={tuple(x.shape)}")
    if x.ndim < min_ndim:
        raise ShapeError(
            f"{op}: expected {name} with at least {min_ndim} dimension(s); "
            f"received {name}.shape={tuple(x.shape)}"
        )


def _all_finite(bk: Backend, x: Any) -> bool:
    return bool(bk.xp.all(bk.xp.isfinite(x)))


def check_positive_int(op: str, name: str, value: Any, *, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``, or a clear error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputValueError(f"{op}: {name} must be an integer >= {minimum}; received {value!r}")
    if value < minimum:
        raise InputValueError(f"{op}: {name} must be >= {minimum}; received {name}={value}")
    return int(value)


def float_dtype_for(bk: Backend, *arrays: Any) -> Any:
    """The floating dtype a computation on ``arrays`` should run in.

    Floats keep their dtype, except half precision, which accumulates in
    float32; integers go to the backend's default float.
    """
    first = arrays[0]
    if all(a.dtype == first.dtype for a in arrays[1:]) and bk.dtype_kind(first) == "f":
        return bk.float32 if bk.is_half(first) else first.dtype  # the common case, quickly
    kinds = {bk.dtype_kind(a) for a in arrays}
    if kinds <= {"f"}:
        dtypes = [a.dtype for a in arrays]
        if all(bk.is_half(a) for a in arrays):
            return bk.float32
        wide = [d for d in dtypes if d != bk.float16 and d != bk.float32]
        return wide[0] if wide else bk.float32
    return bk.default_float
