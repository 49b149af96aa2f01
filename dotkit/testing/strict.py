"""A test-only backend over ``array_api_strict``, the standard's strict reference namespace.

It has exactly the standard's functions and refuses everything else (no array
methods beyond the standard's, no NumPy keywords, no implicit conversions), so
an op that passes the conformance suite on it calls only standard functions.
Its extras are the base class's defaults, written against the standard or
through NumPy where the standard has nothing (``erf``, ``scatter_add``).

It is registered only by the conformance suite
(``--dotkit-backend array-api-strict``), never through an entry point: it is a
proof, not a backend anyone computes with.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dotkit.backends.base import Backend


class ArrayApiStrictBackend(Backend):
    """``array_api_strict`` arrays: float64 and float32, no half precision, eager, CPU.

    Example:
        >>> bk = ArrayApiStrictBackend()
        >>> bk.to_numpy(bk.xp.ones(2)).tolist()
        [1.0, 1.0]
    """

    name = "array-api-strict"
    array_module = "array_api_strict"
    install_hint = "pip install array-api-strict"
    #: op -> why it cannot run on the strict namespace yet: none (conv2d builds its patches from
    #: standard slices where a backend offers no strided views)
    conformance_xfail: ClassVar[dict[str, str]] = {}

    def _import(self) -> Any:
        import array_api_strict

        return array_api_strict
