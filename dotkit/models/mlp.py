"""A multi-layer perceptron: dense layers (dot products) and activations, trained by hand.

Layer ``l`` computes ``z_l = a_{l-1} W_lᵀ + b_l`` and ``a_l = f(z_l)``; the
last layer's ``z`` are the logits of a softmax classifier, trained with the
mean cross-entropy. Backpropagation runs the chain rule from the top:

    δ_L = (softmax(z_L) - onehot(y)) / n
    ∂L/∂W_l = δ_lᵀ a_{l-1},   ∂L/∂b_l = Σₙ δ_l,   δ_{l-1} = (δ_l W_l) ⊙ f'(z_{l-1})

Each line is a matrix product (a batch of dot products) or an element-wise
product, written once against the backend, so the same code trains on NumPy
and on MLX. The tests compare :meth:`MLP.gradients` with finite differences
and with ``mlx.core.grad``.

Example:
    >>> from dotkit.models.mlp import MLP
    >>> net = MLP([2, 8, 2], seed=0)
    >>> net = net.fit([[0.0, 0.0], [1.0, 1.0]], [0, 1], epochs=5, progress=False)
    >>> net.predict([[1.0, 1.0]]).shape
    (1,)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dotkit._inputs import as_array, check_positive_int, resolve
from dotkit._memory import array_bytes, check_allocation
from dotkit._threads import one_blas_thread
from dotkit.backends import Backend
from dotkit.errors import InputValueError, ShapeError
from dotkit.nn.activations import get_activation, softmax
from dotkit.nn.layers import (
    check_labels,
    cross_entropy_and_grad,
    dense_grads,
    dense_kernel,
    float_dtype_of,
    init_weights,
)
from dotkit.progress import progress as progress_bar

_INITS = ("he", "xavier", "lecun")


def _check_sizes(sizes: Any) -> list[int]:
    try:
        sizes = list(sizes)
    except TypeError:
        raise InputValueError(
            f"MLP: sizes must be a list of layer widths like [64, 32, 10]; received {sizes!r}"
        ) from None
    if len(sizes) < 2:
        raise InputValueError(
            "MLP: sizes needs at least 2 entries (inputs and outputs), like [64, 32, 10]; "
            f"received sizes={sizes}"
        )
    for i, s in enumerate(sizes):
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise InputValueError(
                f"MLP: every layer width must be a positive integer; received sizes[{i}]={s!r}"
            )
    if sizes[-1] < 2:
        raise InputValueError(
            f"MLP: a softmax classifier needs at least 2 outputs; received sizes[-1]={sizes[-1]}"
        )
    return [int(s) for s in sizes]


def _parse_init(init: Any) -> tuple[Any, str]:
    """``"he"``, ``"xavier_uniform"``, ``0.01``... -> (scheme or std, distribution)."""
    if isinstance(init, (int, float)) and not isinstance(init, bool):
        return float(init), "normal"
    if isinstance(init, str):
        scheme, _, dist = init.lower().partition("_")
        if scheme in _INITS and dist in ("", "normal", "uniform"):
            return scheme, dist or "normal"
    raise InputValueError(
        f"MLP: init must be one of {', '.join(_INITS)} (optionally with _uniform or _normal) "
        f"or a standard deviation; received init={init!r}"
    )


def _check_number(op: str, name: str, value: Any, *, low: float, high: float = math.inf,
                  low_open: bool = True) -> float:
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = math.isfinite(value) and (value > low if low_open else value >= low) and value < high
    if not ok:
        bound = f"{'>' if low_open else '>='} {low}" + (f" and < {high}" if high < math.inf else "")
        raise InputValueError(f"{op}: {name} must be a finite number {bound}; received {name}={value!r}")
    return value






def relative_error(a: Any, b: Any) -> float:
    """``‖a - b‖ / (‖a‖ + ‖b‖)``: how gradient checks are scored.

    0 when equal, 1 when ``a = -b``; two orthogonal vectors of equal length
    score ``√2 / 2 ≈ 0.71``, and a factor of 2 (``a = 2b``) scores 1/3.

    Example:
        >>> relative_error([1.0, 2.0], [1.0, 2.0])
        0.0
    """
    from dotkit.linalg import to_numpy

    a = np.asarray(to_numpy(a), dtype=np.float64)
    b = np.asarray(to_numpy(b), dtype=np.float64)
    if a.shape != b.shape:
        raise ShapeError(
            f"relative_error: a and b must have one shape; received a.shape={a.shape}, b.shape={b.shape}"
        )
    scale = float(np.linalg.norm(a) + np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


class MLP:
    """A softmax classifier made of dense layers.

    Args:
        sizes: layer widths from inputs to classes, e.g. ``[64, 128, 10]``.
        activation: ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"gelu"`` for the hidden layers.
        init: ``"he"``, ``"xavier"``, ``"lecun"`` (add ``"_uniform"`` for the uniform
            version) or a number, the standard deviation of every weight.
        seed: seeds the weights and the shuffling; the same on every backend.
        backend: where the arrays live (default: the current backend).
        dtype: the parameters' float type (default: the backend's, float64 on NumPy).

    Attributes:
        weights, biases: lists of ``(d_out, d_in)`` and ``(d_out,)`` arrays.
        history_: the mean training loss of every epoch, after :meth:`fit`.
        val_history_: the loss on held-out data after every epoch, when :meth:`fit`
            is given ``validation=(X, y)``; empty otherwise.
        val_accuracy_: the accuracy on the same held-out data after every epoch.

    Example:
        >>> net = MLP([64, 32, 10], activation="tanh", init="xavier", seed=1)
        >>> [tuple(W.shape) for W in net.weights]
        [(32, 64), (10, 32)]
    """

    def __init__(self, sizes: Any, activation: str = "relu", init: Any = "he", seed: int = 0,
                 backend: str | Backend | None = None, dtype: Any = None) -> None:
        self.sizes = _check_sizes(sizes)
        self.activation = activation
        self._f, self._df = get_activation(activation, "MLP")
        scheme, distribution = _parse_init(init)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InputValueError(f"MLP: seed must be an integer >= 0; received seed={seed!r}")
        self.seed = int(seed)
        self.bk = resolve("MLP", backend=backend)
        self.dtype = float_dtype_of("MLP", self.bk, dtype)
        # every layer's weights, drawn in float64 before they move to the backend
        check_allocation("MLP", sum(array_bytes((a, b), 8) for a, b in zip(self.sizes[:-1], self.sizes[1:])),
                         f"the weights of sizes={self.sizes}", "use fewer or narrower layers")
        layer_seeds = np.random.default_rng(self.seed).integers(0, 2**31, size=len(self.sizes) - 1)
        self.weights = [
            init_weights(d_in, d_out, scheme, distribution=distribution, seed=int(s),
                         dtype=self.dtype, backend=self.bk)
            for d_in, d_out, s in zip(self.sizes[:-1], self.sizes[1:], layer_seeds)
        ]
        self.biases = [self.bk.xp.zeros((d,), dtype=self.dtype) for d in self.sizes[1:]]
        self.history_: list[float] = []
        self.val_history_: list[float] = []
        self.val_accuracy_: list[float] = []

    # -- parameters --------------------------------------------------------------
    @property
    def params(self) -> dict[str, Any]:
        """``{"W1": ..., "b1": ..., "W2": ...}``, layer 1 nearest the input."""
        out: dict[str, Any] = {}
        for i, (W, b) in enumerate(zip(self.weights, self.biases), start=1):
            out[f"W{i}"], out[f"b{i}"] = W, b
        return out

    def set_params(self, params: dict[str, Any]) -> MLP:
        """Replace the parameters (same keys and shapes as :attr:`params`, finite values).

        All or nothing: every new value is checked before any replaces the old one.
        """
        op = f"{type(self).__name__}.set_params"
        expected = list(self.params)
        if not isinstance(params, dict):
            raise InputValueError(f"{op}: params must be a dict with keys {expected}; received {type(params).__name__}")
        unknown = [k for k in params if k not in expected]
        if unknown:
            raise InputValueError(f"{op}: unknown keys {unknown}; expected keys {expected}")
        new: dict[str, Any] = {}
        for name, old in self.params.items():
            if name not in params:
                raise InputValueError(f"{op}: missing {name!r}; expected keys {expected}")
            value = as_array(op, name, params[name], self.bk, allow_int=False, finite=True)
            if tuple(value.shape) != tuple(old.shape):
                raise ShapeError(f"{op}: {name} must have shape {tuple(old.shape)}; received {tuple(value.shape)}")
            new[name] = self.bk.cast(value, self.dtype)
        self.weights = [new[f"W{i}"] for i in range(1, len(self.weights) + 1)]
        self.biases = [new[f"b{i}"] for i in range(1, len(self.biases) + 1)]
        return self

    # -- input checks --------------------------------------------------------------
    def _inputs(self, op: str, X: Any) -> Any:
        X = as_array(op, "X", X, self.bk, ndim=2, allow_int=False, finite=True)
        if X.shape[1] != self.sizes[0]:
            raise ShapeError(
                f"{op}: the network takes {self.sizes[0]} features per sample; "
                f"received X.shape={tuple(X.shape)}"
            )
        return self.bk.cast(X, self.dtype)

    def _onehot(self, op: str, y: Any, n: int) -> Any:
        labels = check_labels(op, y, self.sizes[-1], n)
        xp = self.bk.xp
        classes = xp.arange(self.sizes[-1])
        return self.bk.cast(self.bk.asarray(labels)[:, None] == classes[None, :], self.dtype)

    # -- forward and backward ------------------------------------------------------
    def _forward(self, X: Any) -> tuple[list[Any], list[Any]]:
        """Pre-activations ``z_l`` and activations ``a_l`` (``a_0 = X``; the last z are the logits)."""
        xp = self.bk.xp
        acts, zs = [X], []
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = dense_kernel(xp, acts[-1], W, b)
            zs.append(z)
            if i < len(self.weights) - 1:
                acts.append(self._f(z, backend=self.bk))
        return zs, acts

    def _loss_and_grads(self, X: Any, onehot: Any) -> tuple[Any, list[Any], list[Any]]:
        xp = self.bk.xp
        zs, acts = self._forward(X)
        loss, delta = cross_entropy_and_grad(xp, zs[-1], onehot)
        gW: list[Any] = [None] * len(self.weights)
        gb: list[Any] = [None] * len(self.weights)
        for layer in range(len(self.weights) - 1, -1, -1):
            # the first layer's δW would be the gradient with respect to the data: not needed, not computed
            g = dense_grads(xp, delta, acts[layer], self.weights[layer], need_dx=layer > 0)
            gW[layer], gb[layer] = g.dW, g.db
            if layer > 0:
                delta = g.dx * self._df(zs[layer - 1], backend=self.bk)
        return loss, gW, gb

    def loss(self, X: Any, y: Any) -> float:
        """The mean softmax cross-entropy on ``(X, y)``."""
        X = self._inputs(f"{type(self).__name__}.loss", X)
        onehot = self._onehot(f"{type(self).__name__}.loss", y, X.shape[0])
        zs, _ = self._forward(X)
        return float(cross_entropy_and_grad(self.bk.xp, zs[-1], onehot)[0])

    def gradients(self, X: Any, y: Any) -> dict[str, Any]:
        """``∂L/∂θ`` of the mean cross-entropy on ``(X, y)``, by backpropagation.

        Returns:
            A dict with the keys of :attr:`params` (``"W1"``, ``"b1"``, ...) and
            arrays of the same shapes.

        Example:
            >>> g = MLP([3, 4, 2]).gradients([[1.0, 2.0, 3.0]], [1])
            >>> tuple(g["W1"].shape)
            (4, 3)
        """
        X = self._inputs(f"{type(self).__name__}.gradients", X)
        onehot = self._onehot(f"{type(self).__name__}.gradients", y, X.shape[0])
        _, gW, gb = self._loss_and_grads(X, onehot)
        out: dict[str, Any] = {}
        for i, (w, b) in enumerate(zip(gW, gb), start=1):
            out[f"W{i}"], out[f"b{i}"] = w, b
        return out

    def numerical_gradients(self, X: Any, y: Any, *, eps: float = 1e-6) -> dict[str, Any]:
        """``∂L/∂θ`` by central finite differences, ``(L(θ + ε) - L(θ - ε)) / 2ε`` entry by entry.

        Slow (two losses per parameter) and only as exact as the dtype allows:
        use it on small networks in float64, to check :meth:`gradients`.

        Example:
            >>> net = MLP([3, 2], backend="numpy")
            >>> g = net.numerical_gradients([[1.0, 2.0, 3.0]], [1])
            >>> bool(abs(g["W1"] - net.gradients([[1.0, 2.0, 3.0]], [1])["W1"]).max() < 1e-6)
            True
        """
        eps = _check_number(f"{type(self).__name__}.numerical_gradients", "eps", eps, low=0.0)
        X = self._inputs(f"{type(self).__name__}.numerical_gradients", X)
        onehot = self._onehot(f"{type(self).__name__}.numerical_gradients", y, X.shape[0])
        original = {k: self.bk.to_numpy(v).copy() for k, v in self.params.items()}

        def loss_at(name: str, value: np.ndarray) -> float:
            self.set_params({**original, name: value})
            zs, _ = self._forward(X)
            return float(cross_entropy_and_grad(self.bk.xp, zs[-1], onehot)[0])

        out: dict[str, Any] = {}
        try:
            for name, value in original.items():
                grad = np.zeros(value.shape, dtype=np.float64)
                for idx in np.ndindex(value.shape):
                    bumped = value.copy()
                    bumped[idx] += eps
                    up = loss_at(name, bumped)
                    bumped[idx] -= 2 * eps
                    grad[idx] = (up - loss_at(name, bumped)) / (2 * eps)
                out[name] = self.bk.asarray(grad, dtype=self.dtype)
        finally:
            self.set_params(original)
        return out

    # -- training --------------------------------------------------------------------
    def fit(self, X: Any, y: Any, *, epochs: int = 20, lr: float = 0.1, batch_size: int = 32,
            momentum: float = 0.9, progress: bool = True, validation: Any = None) -> MLP:
        """Mini-batch gradient descent with momentum on the mean cross-entropy.

        Each step: ``v ← μ v - η ∂L/∂θ`` then ``θ ← θ + v``, on a batch drawn
        from a seeded shuffle. ``history_`` gets each epoch's mean loss, and
        ``val_history_`` the loss on ``validation`` after each epoch, and ``val_accuracy_``
        its accuracy (never used to train).

        Args:
            X: ``(n, d_in)`` finite features; y: ``(n,)`` integer labels in ``[0, classes)``.
            epochs: passes over the data; lr: the step size ``η``; batch_size: samples per step.
            momentum: ``μ`` in ``[0, 1)``; 0 gives plain SGD.
            progress: show a progress bar over the epochs.
            validation: optional held-out ``(X_val, y_val)``, scored after every epoch.

        Returns:
            ``self``, trained. A fit that fails (a non-finite loss, an interrupt) raises and
            leaves the weights, biases and histories as they were before the call.
        """
        op = f"{type(self).__name__}.fit"
        epochs = check_positive_int(op, "epochs", epochs)
        batch_size = check_positive_int(op, "batch_size", batch_size)
        lr = _check_number(op, "lr", lr, low=0.0)
        momentum = _check_number(op, "momentum", momentum, low=0.0, high=1.0, low_open=False)
        X = self._inputs(op, X)
        if X.shape[0] == 0:
            raise InputValueError(f"{op}: X has no rows to train on; received X.shape={tuple(X.shape)}")
        onehot = self._onehot(op, y, X.shape[0])
        held_out = None
        if validation is not None:
            if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
                raise InputValueError(
                    f"{op}: validation must be a pair (X_val, y_val); received {type(validation).__name__}"
                )
            X_val = self._inputs(op, validation[0])
            held_out = (X_val, self._onehot(op, validation[1], X_val.shape[0]))
        xp = self.bk.xp
        params = [*self.weights, *self.biases]
        velocity = [xp.zeros_like(p) for p in params]
        rng = np.random.default_rng(self.seed + 1)
        bar = progress_bar(range(epochs), total=epochs, desc=op, enabled=None if progress else False)
        # a fit that fails (a diverging loss, an interrupt) puts back the weights, biases and histories
        # it started from, the same list objects with their old contents: the trained model is not lost
        saved = {k: (v, list(v)) for k, v in vars(self).items() if isinstance(v, list)}
        try:
            # Mini-batch products take microseconds, less than waking and joining a second
            # BLAS thread costs; on a busy two-core machine two threads trained 20 times slower.
            with one_blas_thread():
                self._epochs(bar, X, onehot, params, velocity, rng, lr, momentum, batch_size, held_out)
        except BaseException:
            for name, (obj, contents) in saved.items():
                obj[:] = contents
                setattr(self, name, obj)
            raise
        return self

    def _epochs(self, bar: Any, X: Any, onehot: Any, params: list[Any], velocity: list[Any],
                rng: np.random.Generator, lr: float, momentum: float, batch_size: int,
                held_out: tuple[Any, Any] | None = None) -> None:
        bk, n = self.bk, X.shape[0]
        for _ in bar:
            order = rng.permutation(n)
            batch_losses = []
            for start in range(0, n, batch_size):
                idx = bk.asarray(order[start:start + batch_size])
                loss, gW, gb = self._loss_and_grads(bk.xp.take(X, idx, axis=0), bk.xp.take(onehot, idx, axis=0))
                velocity = [momentum * v - lr * g for v, g in zip(velocity, [*gW, *gb])]
                params = [p + v for p, v in zip(params, velocity)]
                bk.sync(*params, *velocity, loss)
                if not math.isfinite(float(loss)):
                    raise InputValueError(
                        f"{type(self).__name__}.fit: the loss became {float(loss)} in epoch "
                        f"{len(self.history_) + 1}, batch {start // batch_size + 1}; the learning rate "
                        f"lr={lr} is probably too large (the model is left as it was before this fit)"
                    )
                batch_losses.append(loss * (idx.shape[0] / n))
                self.weights, self.biases = params[: len(self.weights)], params[len(self.weights):]
            epoch_loss = float(sum(batch_losses))  # each batch's loss was finite
            self.history_.append(epoch_loss)
            if held_out is not None:
                z_val = self._forward(held_out[0])[0][-1]
                self.val_history_.append(float(cross_entropy_and_grad(bk.xp, z_val, held_out[1])[0]))
                hits = bk.xp.argmax(z_val, axis=1) == bk.xp.argmax(held_out[1], axis=1)
                self.val_accuracy_.append(float(bk.xp.mean(bk.cast(hits, self.dtype))))
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{epoch_loss:.4f}")

    # -- prediction ----------------------------------------------------------------
    def predict_proba(self, X: Any) -> Any:
        """Class probabilities ``softmax(logits)``, shape ``(n, classes)``, rows summing to 1."""
        X = self._inputs(f"{type(self).__name__}.predict_proba", X)
        return softmax(self._forward(X)[0][-1], axis=1, backend=self.bk)

    def predict(self, X: Any) -> Any:
        """The most likely class of each sample, shape ``(n,)``."""
        X = self._inputs(f"{type(self).__name__}.predict", X)
        return self.bk.xp.argmax(self._forward(X)[0][-1], axis=1)

    def score(self, X: Any, y: Any) -> float:
        """The fraction of samples whose predicted class equals ``y``."""
        X = self._inputs(f"{type(self).__name__}.score", X)
        labels = check_labels(f"{type(self).__name__}.score", y, self.sizes[-1], X.shape[0])
        pred = self.bk.to_numpy(self.predict(X))
        return float(np.mean(pred == labels))

    def __repr__(self) -> str:
        return f"MLP(sizes={self.sizes}, activation={self.activation!r}, backend={self.bk.name!r})"


__all__ = ["MLP", "relative_error"]
