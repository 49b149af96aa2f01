"""Feature maps φ(s): what a linear value function takes its dot product with.

A linear value estimate is ``v̂(s, w) = w·φ(s)``; everything it can represent is
decided by the feature map φ. Each class here turns a batch of states into a
feature matrix at once, one row per state::

    Φ = phi.transform(states)      # (n_states, d)
    values = Φ @ w                 # every state's value: one matrix-vector product

The maps follow Sutton & Barto (2nd ed.), section 9.5: state aggregation,
the polynomial basis (9.17), the Fourier cosine basis (9.18) and tile coding
with several offset tilings (optionally hashed into a smaller table).

States are numbers (1-D problems such as the random walk) or rows of a matrix
``(n, k)`` for ``k``-dimensional state spaces (Mountain Car: position and
velocity). Continuous maps take the box ``[low, high]`` the states live in and
rescale it to ``[0, 1]``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from dotkit._inputs import as_array, check_positive_int, resolve
from dotkit._memory import check_shape
from dotkit.backends import Backend
from dotkit.errors import DtypeError, InputValueError, ShapeError
from dotkit.linalg import to_numpy


def _bound(op: str, name: str, value: Any) -> np.ndarray:
    """One end of the box as a float64 vector, or an error naming ``op`` and ``name``."""
    if value is None or isinstance(value, (str, bytes)):
        raise InputValueError(f"{op}: {name} must be a number or a vector of numbers; received {value!r:.60}")
    try:
        return np.atleast_1d(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise InputValueError(
            f"{op}: {name} must be a number or a vector of numbers; received {type(value).__name__} "
            f"{value!r:.60} ({str(exc).splitlines()[0][:80]})"
        ) from None


def _bounds(op: str, low: Any, high: Any) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = _bound(op, "low", low), _bound(op, "high", high)
    if lo.ndim != 1 or lo.shape != hi.shape:
        raise ShapeError(
            f"{op}: low and high must be equal-length vectors; received "
            f"low.shape={lo.shape}, high.shape={hi.shape}"
        )
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(hi > lo)):
        raise InputValueError(
            f"{op}: need finite low < high in every dimension; received "
            f"low={lo.tolist()}, high={hi.tolist()}"
        )
    return lo, hi


def _states_2d(op: str, states: Any, k: int, bk: Backend) -> Any:
    """States as a float ``(n, k)`` array of backend ``bk`` (a 1-D input is ``(n,)`` scalars)."""
    x = as_array(op, "states", states, bk, allow_int=False, finite=True)
    if x.ndim == 0:
        x = x.reshape(1, 1)
    elif x.ndim == 1:
        x = x.reshape(-1, 1) if k == 1 else x.reshape(1, -1)
    if x.ndim != 2 or x.shape[1] != k:
        raise ShapeError(
            f"{op}: expected states of shape (n, {k}) (or (n,) when k=1); "
            f"received states.shape={tuple(as_array(op, 'states', states, bk).shape)}"
        )
    return x


def _unit_box(op: str, x: Any, lo: np.ndarray, hi: np.ndarray, bk: Backend) -> Any:
    """``(x - low) / (high - low)``, clipped to [0, 1]."""
    xp = bk.xp
    lo_b, span_b = bk.asarray(lo, dtype=x.dtype), bk.asarray(hi - lo, dtype=x.dtype)
    return xp.clip((x - lo_b) / span_b, 0.0, 1.0)



def _states_array(op: str, states: Any, dtype: Any = np.float64) -> np.ndarray:
    """``states`` as a NumPy array (float64 unless ``dtype=None``), or an error that names ``op``."""
    if states is None or isinstance(states, (str, bytes)):
        raise DtypeError(f"{op}: states must be numbers; received {type(states).__name__} {states!r:.60}")
    if isinstance(states, np.ma.MaskedArray):  # its mask would be silently ignored
        raise DtypeError(f"{op}: states is a NumPy masked array; fill or drop the masked entries first")
    try:
        x = np.asarray(to_numpy(states), dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise DtypeError(
            f"{op}: states must be a rectangular array of numbers; received {type(states).__name__} "
            f"({str(exc).splitlines()[0][:80]})"
        ) from None
    return x

class StateAggregation:
    """Group ``n_states`` consecutive integer states into ``n_groups`` equal groups.

    ``φ(s)`` is one-hot: ``φ_g(s) = 1`` when state ``s`` lies in group ``g``, so
    ``w·φ(s) = w_g``: every state in a group shares one value (section 9.3).
    States are numbered ``first, first+1, ..., first+n_states-1``.

    Example:
        >>> agg = StateAggregation(1000, 10, first=1)
        >>> agg.group([1, 100, 101, 1000]).tolist()
        [0, 0, 1, 9]
    """

    def __init__(self, n_states: int, n_groups: int, *, first: int = 0) -> None:
        self.n_states = check_positive_int("StateAggregation", "n_states", n_states)
        self.n_groups = check_positive_int("StateAggregation", "n_groups", n_groups)
        if n_states % n_groups:
            raise InputValueError(
                f"StateAggregation: n_states={n_states} is not divisible by n_groups={n_groups}"
            )
        if isinstance(first, bool) or not isinstance(first, (int, np.integer)):
            raise InputValueError(
                f"StateAggregation: first must be an integer state number; received first={first!r}"
            )
        self.first = int(first)
        self.size = n_states // n_groups
        self.n_features = self.n_groups

    def group(self, states: Any) -> np.ndarray:
        """The group index of each state (NumPy ints, shape of ``states``)."""
        s = _states_array("StateAggregation.group", states, dtype=None)
        if s.dtype.kind not in "iu":
            raise InputValueError(
                f"StateAggregation.group: states must be integers; received dtype {s.dtype}"
            )
        if s.size and (s.min() < self.first or s.max() >= self.first + self.n_states):
            raise InputValueError(
                f"StateAggregation.group: states must lie in [{self.first}, "
                f"{self.first + self.n_states - 1}]; received min={s.min()}, max={s.max()}"
            )
        return (s - self.first) // self.size

    def indices(self, states: Any) -> np.ndarray:
        """Active feature indices, shape ``(n, 1)``: one feature per state."""
        return self.group(np.atleast_1d(_states_array("StateAggregation.indices", states, dtype=None))).reshape(-1, 1)

    def transform(self, states: Any, *, backend: str | Backend | None = None) -> Any:
        """The one-hot feature matrix ``(n, n_groups)``."""
        bk = resolve("StateAggregation.transform", backend=backend)
        g = self.group(np.atleast_1d(_states_array("StateAggregation.transform", states, dtype=None)))
        return bk.asarray(np.eye(self.n_groups)[g], dtype=bk.default_float)


def _exponents(op: str, order: int, k: int) -> np.ndarray:
    """Every integer vector ``c`` in ``{0, ..., order}^k``, shape ``((order+1)^k, k)``."""
    # built through a Python list of tuples, about 100 bytes an entry
    check_shape(op, ((order + 1) ** k, k), 100, "the table of exponents",
                "use a lower order or fewer state dimensions (the basis has (order + 1)^k features)")
    return np.array(list(itertools.product(range(order + 1), repeat=k)), dtype=np.float64)


class PolynomialBasis:
    """Polynomial features ``φ_i(s) = Π_j s_j^{c_ij}`` with ``c_ij ∈ {0, ..., order}`` (eq. 9.17).

    States are first rescaled to ``[0, 1]``. In one dimension this is
    ``1, s, s², ..., s^order`` (``order + 1`` features); in ``k`` dimensions
    there are ``(order + 1)^k``.

    Example:
        >>> PolynomialBasis(2, low=0, high=1).transform([0.5]).round(3).tolist()
        [[1.0, 0.5, 0.25]]
    """

    def __init__(self, order: int, *, low: Any = 0.0, high: Any = 1.0) -> None:
        self.order = check_positive_int("PolynomialBasis", "order", order, minimum=0)
        self.low, self.high = _bounds("PolynomialBasis", low, high)
        self.exponents = _exponents("PolynomialBasis", self.order, self.low.size)
        self.n_features = self.exponents.shape[0]

    def transform(self, states: Any, *, backend: str | Backend | None = None) -> Any:
        """The feature matrix ``(n, (order+1)^k)``."""
        bk = resolve("PolynomialBasis.transform", states, backend=backend)
        x = _unit_box(
            "PolynomialBasis",
            _states_2d("PolynomialBasis.transform", states, self.low.size, bk),
            self.low,
            self.high,
            bk,
        )
        check_shape("PolynomialBasis.transform", (x.shape[0], self.n_features, x.shape[1]), 8,
                    "the table of powers", "transform fewer states at a time")
        c = bk.asarray(self.exponents, dtype=x.dtype)
        return bk.xp.prod(x[:, None, :] ** c[None, :, :], axis=-1)


class FourierBasis:
    """Fourier cosine features ``φ_i(s) = cos(π c_i·s)``, ``c_i ∈ {0, ..., order}^k`` (eq. 9.18).

    Each feature is a cosine of a dot product between the rescaled state and
    an integer frequency vector, so the whole feature matrix is
    ``cos(π S Cᵀ)``: one matrix product and an element-wise cosine.

    Example:
        >>> FourierBasis(1, low=0, high=1).transform([0.5]).round(3).tolist()
        [[1.0, 0.0]]
    """

    def __init__(self, order: int, *, low: Any = 0.0, high: Any = 1.0) -> None:
        self.order = check_positive_int("FourierBasis", "order", order, minimum=0)
        self.low, self.high = _bounds("FourierBasis", low, high)
        self.frequencies = _exponents("FourierBasis", self.order, self.low.size)
        self.n_features = self.frequencies.shape[0]

    def transform(self, states: Any, *, backend: str | Backend | None = None) -> Any:
        """The feature matrix ``(n, (order+1)^k)``."""
        from dotkit.linalg import matmul

        bk = resolve("FourierBasis.transform", states, backend=backend)
        x = _unit_box(
            "FourierBasis",
            _states_2d("FourierBasis.transform", states, self.low.size, bk),
            self.low,
            self.high,
            bk,
        )
        check_shape("FourierBasis.transform", (x.shape[0], self.n_features), 8,
                    "the feature matrix", "transform fewer states at a time")
        c = bk.asarray(self.frequencies, dtype=x.dtype)
        return bk.xp.cos(np.pi * matmul(x, c.T))


_HASH_MODULUS = 2_147_483_647  # 2^31 - 1: products below stay far from int64 overflow
_HASH_MULTIPLIERS = np.array(
    [1_000_003, 998_244_353, 1_610_612_741, 805_306_457, 402_653_189], dtype=np.int64
)


class TileCoder:
    """Tile coding: ``n_tilings`` grids over a box, each shifted by a fraction of a tile.

    Every grid has ``tiles`` tiles per dimension across ``[low, high]``, plus
    one spare so that shifted grids still cover the box. Tiling ``t`` is
    displaced by ``t/n_tilings`` of a tile times ``(1, 3, 5, ...)`` in the
    successive dimensions (the asymmetric offsets Sutton & Barto recommend,
    section 9.5.4). A state lies in exactly one tile of each tiling, so
    ``φ(s)`` has exactly ``n_tilings`` ones and ``w·φ(s)`` is the sum of
    ``n_tilings`` weights.

    Without hashing the features number ``n_tilings · (tiles + 1)^k``. With
    ``hash_size`` the tile coordinates are hashed (a fixed multiply-and-add
    hash, no randomness) into ``hash_size`` features; distinct tiles may then
    share a weight.

    Example:
        >>> tc = TileCoder([-1.2, -0.07], [0.6, 0.07], n_tilings=8, tiles=8)
        >>> tc.indices([[-0.5, 0.0]]).shape
        (1, 8)
    """

    def __init__(
        self,
        low: Any,
        high: Any,
        *,
        n_tilings: int = 8,
        tiles: int | Sequence[int] = 8,
        hash_size: int | None = None,
    ) -> None:
        self.low, self.high = _bounds("TileCoder", low, high)
        self.k = self.low.size
        self.n_tilings = check_positive_int("TileCoder", "n_tilings", n_tilings)
        t = np.asarray(tiles) if not isinstance(tiles, (str, bytes)) else np.asarray(None)
        if t.ndim > 1 or (t.ndim == 1 and t.shape[0] != self.k):
            raise ShapeError(
                f"TileCoder: tiles must be one number, or one per dimension of the box ({self.k}); "
                f"received tiles={tiles!r:.80}"
            )
        t = np.broadcast_to(t, (self.k,))
        if t.dtype.kind not in "iu" or np.any(t < 1):
            raise InputValueError(
                f"TileCoder: tiles must be positive integers; received tiles={tiles!r}"
            )
        self.tiles = np.array(t, dtype=np.int64)  # a writable copy of the broadcast view
        self.hash_size = (
            None if hash_size is None else check_positive_int("TileCoder", "hash_size", hash_size)
        )
        odd = 2 * np.arange(self.k) + 1
        self.offsets = (np.arange(self.n_tilings)[:, None] * odd[None, :] / self.n_tilings) % 1.0
        self.per_tiling = math.prod(int(v) + 1 for v in self.tiles)  # Python ints: no int64 overflow
        if self.hash_size is None and self.n_tilings * self.per_tiling >= 2**62:
            raise InputValueError(
                f"TileCoder: {self.n_tilings} tilings of {' × '.join(str(int(v) + 1) for v in self.tiles)} tiles make "
                f"{self.n_tilings * self.per_tiling:.3g} features, too many to index; pass hash_size=... to hash "
                "them into a fixed number of features"
            )
        self.n_features = self.hash_size or self.n_tilings * self.per_tiling
        self._scale = self.tiles / (self.high - self.low)
        if self.hash_size is None:  # the unhashed index (only then known to fit in int64)
            self._base = np.arange(self.n_tilings, dtype=np.int64) * self.per_tiling
            self._strides = np.asarray(np.cumprod(np.concatenate([[1], (self.tiles + 1)[:-1]])), dtype=np.int64)

    def indices(self, states: Any) -> np.ndarray:
        """The active feature of each tiling: an int array ``(n, n_tilings)`` (NumPy).

        Indices are integers that address weights, not values, so they are
        NumPy whatever the backend.
        """
        x = _states_array("TileCoder.indices", states)
        if x.ndim == 1 and self.k > 1 and x.shape[0] == self.k:
            x = x[None, :]
        x = x.reshape(-1, 1) if (x.ndim <= 1 and self.k == 1) else x
        if x.ndim != 2 or x.shape[1] != self.k:
            raise ShapeError(
                f"TileCoder.indices: expected states of shape (n, {self.k}); "
                f"received states.shape={np.shape(states)}"
            )
        if not np.all(np.isfinite(x)):
            raise InputValueError("TileCoder.indices: states contain NaN or infinity")
        u = (np.clip(x, self.low, self.high) - self.low) * self._scale  # in tile units, [0, tiles]
        coords = np.asarray(np.floor(u[:, None, :] + self.offsets[None, :, :]), dtype=np.int64)  # (n, T, k)
        coords = np.minimum(coords, self.tiles)
        tiling = np.arange(self.n_tilings, dtype=np.int64)
        if self.hash_size is None:
            return tiling * self.per_tiling + coords @ self._strides
        mix = np.broadcast_to(tiling * _HASH_MULTIPLIERS[0] % _HASH_MODULUS, coords.shape[:2])
        for j in range(self.k):
            mix = (mix * 1_000_003 + coords[:, :, j] * _HASH_MULTIPLIERS[1 + j % 4]) % _HASH_MODULUS
        return mix % self.hash_size

    def active(self, state: Any) -> np.ndarray:
        """The ``n_tilings`` active features of one state ``(k,)``: the per-step path.

        Same result as ``indices([state])[0]``; an RL loop calls it every
        step, where :meth:`indices`' full validation would cost more than the
        arithmetic, so only NaN (the one silent failure) is checked.
        """
        if np.shape(state) != (self.k,):
            raise ShapeError(
                f"TileCoder.active: state must be one point of the {self.k}-d box, shape ({self.k},); "
                f"received state={state!r:.80}"
            )
        if self.hash_size is not None:
            return self.indices(np.asarray(state, dtype=np.float64)[None, :])[0]
        u = (np.clip(state, self.low, self.high) - self.low) * self._scale
        coords = np.asarray(u + self.offsets, dtype=np.int64)  # floor: everything is >= 0 here ...
        if coords.min() < 0:  # ... unless the state held NaN, which clip lets through
            raise InputValueError(f"TileCoder.active: state contains NaN; received state={state!r}")
        np.minimum(coords, self.tiles, out=coords)
        return self._base + coords @ self._strides

    def matrix(
        self, states: Any, *, sparse: bool = False, backend: str | Backend | None = None
    ) -> Any:
        """The binary feature matrix ``(n, n_features)``: dense on a backend, or SciPy CSR.

        Two tilings that hash to the same feature add up (a count of 2).
        """
        idx = self.indices(states)
        n = idx.shape[0]
        rows = np.repeat(np.arange(n), self.n_tilings)
        if sparse:
            from scipy.sparse import csr_matrix

            return csr_matrix((np.ones(idx.size), (rows, idx.ravel())), shape=(n, self.n_features))
        bk = resolve("TileCoder.matrix", backend=backend)
        check_shape("TileCoder.matrix", (n, self.n_features), 8, "the dense feature matrix",
                    "pass sparse=True, use a hash_size, or transform fewer states at a time")
        dense = np.zeros((n, self.n_features))
        np.add.at(dense, (rows, idx.ravel()), 1.0)
        return bk.asarray(dense, dtype=bk.default_float)

    def transform(self, states: Any, *, backend: str | Backend | None = None) -> Any:
        """The dense feature matrix (same as :meth:`matrix`)."""
        return self.matrix(states, backend=backend)


__all__ = ["FourierBasis", "PolynomialBasis", "StateAggregation", "TileCoder"]
