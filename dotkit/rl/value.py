"""Linear value functions: a value is a dot product of weights and features.

``v̂(s, w) = w·φ(s) = Σᵢ wᵢ φᵢ(s)`` and ``q̂(s, a, w) = w·φ(s, a)``.

For many states at once the feature vectors are the rows of a matrix ``Φ``
and every value comes out of one matrix–vector product, ``Φ w``. For action
values with one block of weights per action, ``W`` has a row per action and
``q̂(s, ·) = W φ(s)`` gives all actions' values with one product.

The gradient of ``w·φ(s)`` with respect to ``w`` is ``φ(s)`` itself; that is
why every learning rule in :mod:`dotkit.rl.prediction` moves ``w`` along ``φ``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit._inputs import as_array, resolve
from dotkit.backends import Backend
from dotkit.errors import DtypeError, InputValueError, ShapeError


def linear_value(w: Any, features: Any, *, backend: str | Backend | None = None) -> Any:
    """``v̂ = Φ w``: the value of each row of features.

    Args:
        w: weights, shape ``(d,)``.
        features: one state's features ``(d,)`` or many states' ``(n, d)``.

    Returns:
        A 0-d array for one state, ``(n,)`` for many.

    Example:
        >>> linear_value([0.5, -1.0], [[1.0, 0.0], [2.0, 1.0]]).tolist()
        [0.5, 0.0]
    """
    from dotkit.linalg import dot, matmul

    bk = resolve("linear_value", w, features, backend=backend)
    w = as_array("linear_value", "w", w, bk, ndim=1, allow_int=False)
    phi = as_array("linear_value", "features", features, bk, ndim=(1, 2), allow_int=False)
    if phi.shape[-1] != w.shape[0]:
        raise ShapeError(
            f"linear_value: features have {phi.shape[-1]} columns but w has {w.shape[0]} "
            f"entries; received w.shape={tuple(w.shape)}, features.shape={tuple(phi.shape)}"
        )
    return dot(phi, w) if phi.ndim == 1 else matmul(phi, w)


def action_values(W: Any, features: Any, *, backend: str | Backend | None = None) -> Any:
    """``q̂(s, ·) = W φ(s)``: every action's value, one row of ``W`` per action.

    Args:
        W: weights, shape ``(n_actions, d)``.
        features: ``(d,)`` for one state or ``(n, d)`` for many.

    Returns:
        ``(n_actions,)`` for one state, ``(n, n_actions)`` for many.

    Example:
        >>> action_values([[1.0, 0.0], [0.0, 2.0]], [1.0, 1.0]).tolist()
        [1.0, 2.0]
    """
    from dotkit.linalg import matmul

    bk = resolve("action_values", W, features, backend=backend)
    W = as_array("action_values", "W", W, bk, ndim=2, allow_int=False)
    phi = as_array("action_values", "features", features, bk, ndim=(1, 2), allow_int=False)
    if phi.shape[-1] != W.shape[1]:
        raise ShapeError(
            f"action_values: features have {phi.shape[-1]} columns but W has {W.shape[1]}; "
            f"received W.shape={tuple(W.shape)}, features.shape={tuple(phi.shape)}"
        )
    return matmul(W, phi) if phi.ndim == 1 else matmul(phi, W.T)


def sparse_value(w: np.ndarray, active: np.ndarray) -> np.ndarray:
    """``w·φ(s)`` for binary features given by their active indices: ``Σ_{i active} wᵢ``.

    This is the same dot product as :func:`linear_value` with the zeros of
    ``φ`` skipped: for tile coding only ``n_tilings`` of thousands of features
    are 1. ``active`` is ``(n_tilings,)`` or ``(n, n_tilings)``; ``w`` may be
    ``(d,)`` or ``(n_actions, d)`` (one value per action).

    Example:
        >>> sparse_value(np.array([1.0, 2.0, 4.0]), np.array([0, 2])).item()
        5.0
    """
    w, active = np.asarray(w), np.asarray(active)
    if active.dtype.kind not in "iu":
        raise DtypeError(
            f"sparse_value: active must hold integer indices; received dtype {active.dtype}"
        )
    if w.ndim not in (1, 2) or active.ndim not in (1, 2):
        raise ShapeError(
            f"sparse_value: expected w (d,) or (n_actions, d) and active (k,) or (n, k); "
            f"received w.shape={w.shape}, active.shape={active.shape}"
        )
    if active.size and (active.min() < 0 or active.max() >= w.shape[-1]):
        raise InputValueError(
            f"sparse_value: active indices must lie in [0, {w.shape[-1]}); "
            f"received min={active.min()}, max={active.max()}"
        )
    return w[..., active].sum(axis=-1)


class LinearValue:
    """A feature map and a weight vector: ``v̂(s) = w·φ(s)``.

    Example:
        >>> from dotkit.rl.features import PolynomialBasis
        >>> v = LinearValue(PolynomialBasis(1), [1.0, 2.0])
        >>> v([0.0, 0.5, 1.0]).tolist()
        [1.0, 2.0, 3.0]
    """

    def __init__(
        self, features: Any, w: Any = None, *, backend: str | Backend | None = None
    ) -> None:
        if not (hasattr(features, "n_features") and callable(getattr(features, "transform", None))):
            raise DtypeError(
                "LinearValue: features must be a feature map with n_features and transform(states) "
                f"(StateAggregation, PolynomialBasis, FourierBasis, TileCoder); received "
                f"{type(features).__name__} {features!r:.60}"
            )
        self.features = features
        self.bk = resolve("LinearValue", w, backend=backend)
        w = np.zeros(features.n_features) if w is None else w
        self.w = as_array("LinearValue", "w", w, self.bk, ndim=1, allow_int=False)
        if self.w.shape[0] != features.n_features:
            raise ShapeError(
                f"LinearValue: w has {self.w.shape[0]} entries; the features have "
                f"{features.n_features}"
            )

    def phi(self, states: Any) -> Any:
        """The feature matrix ``Φ`` of ``states``, ``(n, d)``; also ``∇_w v̂``."""
        return self.features.transform(states, backend=self.bk)

    def __call__(self, states: Any) -> Any:
        return linear_value(self.w, self.phi(states), backend=self.bk)


__all__ = ["LinearValue", "action_values", "linear_value", "sparse_value"]
