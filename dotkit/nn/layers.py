"""Dense layers, weight initialisers and the softmax cross-entropy loss.

A dense (fully connected) layer is one matrix product: every output is the
dot product of a row of ``W`` with the input, plus a bias,

    z = x Wᵀ + b          x: (n, d_in),  W: (d_out, d_in),  b: (d_out,),  z: (n, d_out)

and its backward pass is three more dot products. Given the error signal
``δ = ∂L/∂z`` (shape ``(n, d_out)``):

    ∂L/∂W = δᵀ x          (d_out, d_in): for one sample and one neuron, (∂L/∂z) x
    ∂L/∂x = δ W           (n, d_in): the signal handed to the layer below
    ∂L/∂b = Σₙ δ          (d_out,)

The initialisers choose the spread of ``W`` so that ``Var(w·x) = n Var(w) Var(x)``
stays near ``Var(x)`` from layer to layer (Xavier for tanh-like units, He for
ReLU). Every draw goes through ``numpy.random.default_rng(seed)``, so the same
seed gives the same weights on every backend.

Example:
    >>> from dotkit.nn.layers import dense, he_normal
    >>> W = he_normal(3, 2, seed=0)                 # (d_out=2, d_in=3)
    >>> dense([[1.0, 2.0, 3.0]], W, [0.0, 0.0]).shape
    (1, 2)
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from dotkit._inputs import as_array, check_positive_int, float_dtype_for, resolve
from dotkit._memory import check_shape
from dotkit.backends import Backend
from dotkit.errors import DtypeError, InputValueError, ShapeError
from dotkit.nn.activations import log_softmax, softmax, softmax_parts

_SCHEMES = ("xavier", "he", "lecun")
_SCHEME_NAMES = ("xavier", "glorot", "he", "kaiming", "lecun")
_DISTRIBUTIONS = ("normal", "uniform")


# -- the dense layer -----------------------------------------------------------------------------
def _dense_inputs(op: str, x: Any, W: Any, b: Any, bk: Backend) -> tuple[Any, Any, Any]:
    x = as_array(op, "x", x, bk, ndim=2, allow_int=False)
    W = as_array(op, "W", W, bk, ndim=2, allow_int=False)
    if x.shape[1] != W.shape[1]:
        raise ShapeError(
            f"{op}: x has {x.shape[1]} features but W expects {W.shape[1]} "
            f"(W is (d_out, d_in)); received x.shape={tuple(x.shape)}, W.shape={tuple(W.shape)}"
        )
    if b is not None:
        b = as_array(op, "b", b, bk, ndim=1, allow_int=False)
        if b.shape[0] != W.shape[0]:
            raise ShapeError(
                f"{op}: b must have one entry per output ({W.shape[0]}); received "
                f"b.shape={tuple(b.shape)}, W.shape={tuple(W.shape)}"
            )
    work = float_dtype_for(bk, x, W)
    return bk.cast(x, work), bk.cast(W, work), None if b is None else bk.cast(b, work)


def dense(x: Any, W: Any, b: Any = None, *, backend: str | Backend | None = None) -> Any:
    """The forward pass of a dense layer: ``z = x Wᵀ + b``.

    ``z[i, j] = W[j]·x[i] + b[j]``: row ``j`` of ``W`` is neuron ``j``'s
    weight vector, and each output is its dot product with one sample.

    Args:
        x: inputs ``(n, d_in)``, one sample per row.
        W: weights ``(d_out, d_in)``.
        b: bias ``(d_out,)``, or None for no bias.

    Returns:
        ``(n, d_out)`` pre-activations.

    Example:
        >>> dense([[1.0, 2.0]], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, 0.5])
        array([[1. , 2. , 3.5]])
    """
    bk = resolve("dense", x, W, b, backend=backend)
    x, W, b = _dense_inputs("dense", x, W, b, bk)
    return dense_kernel(bk.xp, x, W, b)


def dense_kernel(xp: Any, x: Any, W: Any, b: Any = None) -> Any:
    """``z = x Wᵀ + b`` on checked arrays of one dtype (``xp``: the namespace); the one dense layer.

    ``W`` is ``(d_out, d_in)``, row ``j`` neuron ``j``'s weights: the layout of every
    dense layer in dotkit (the MLP, the CNN's classifier, MiniLM, which keeps its
    checkpoint's PyTorch layout). Models call this in their inner loops;
    :func:`dense` is its checked, public form. The bias is added in place to the
    product, a new array, so no second ``(n, d_out)`` array is made; ``b`` must
    have ``z``'s dtype.
    """
    z = xp.matmul(x, W.T)
    if b is not None:
        z += b
    return z


class DenseGrads(NamedTuple):
    """The three gradients of a dense layer (see :func:`dense_backward`)."""

    dx: Any
    dW: Any
    db: Any


def dense_backward(delta: Any, x: Any, W: Any, *, backend: str | Backend | None = None) -> DenseGrads:
    """The backward pass of ``z = x Wᵀ + b``, as three dot-product formulas.

    Args:
        delta: ``∂L/∂z``, shape ``(n, d_out)``.
        x: the layer's input ``(n, d_in)`` from the forward pass.
        W: the weights ``(d_out, d_in)``.

    Returns:
        ``DenseGrads(dx=δ W, dW=δᵀ x, db=Σₙ δ)`` with shapes ``(n, d_in)``,
        ``(d_out, d_in)`` and ``(d_out,)``.

    Example:
        >>> g = dense_backward([[1.0]], [[2.0, 3.0]], [[0.5, -1.0]])
        >>> g.dW                     # (∂L/∂z) x
        array([[2., 3.]])
    """
    op = "dense_backward"
    bk = resolve(op, delta, x, W, backend=backend)
    x, W, _ = _dense_inputs(op, x, W, None, bk)
    delta = as_array(op, "delta", delta, bk, ndim=2, allow_int=False)
    if tuple(delta.shape) != (x.shape[0], W.shape[0]):
        raise ShapeError(
            f"{op}: delta must be (n, d_out) = ({x.shape[0]}, {W.shape[0]}); received "
            f"delta.shape={tuple(delta.shape)}, x.shape={tuple(x.shape)}, W.shape={tuple(W.shape)}"
        )
    return dense_grads(bk.xp, bk.cast(delta, x.dtype), x, W)


def dense_grads(xp: Any, delta: Any, x: Any, W: Any, *, need_dx: bool = True) -> DenseGrads:
    """The formulas of :func:`dense_backward` on arrays already checked (``xp``: the namespace).

    Models call this in their inner loop, where the inputs are known to fit. The
    first layer's ``dx = δ W`` (the gradient with respect to the data) is of no
    use to training: pass ``need_dx=False`` to skip that product (``dx`` is then None).
    """
    dx = xp.matmul(delta, W) if need_dx else None
    return DenseGrads(dx=dx, dW=xp.matmul(delta.T, x), db=xp.sum(delta, axis=0))


# -- initialisers ---------------------------------------------------------------------------------
def init_std(scheme: str, fan_in: int, fan_out: int) -> float:
    """The standard deviation an initialisation scheme gives the weights.

    - ``"lecun"``:  ``Var(w) = 1/fan_in`` (keeps ``Var(w·x) = Var(x)`` for linear units)
    - ``"xavier"``: ``Var(w) = 2/(fan_in + fan_out)`` (Glorot & Bengio, 2010; tanh, sigmoid)
    - ``"he"``:     ``Var(w) = 2/fan_in`` (He et al., 2015; ReLU zeroes half the signal)

    Example:
        >>> round(init_std("he", 50, 10), 4)
        0.2
    """
    fan_in = check_positive_int("init_std", "fan_in", fan_in)
    fan_out = check_positive_int("init_std", "fan_out", fan_out)
    key = scheme.lower() if isinstance(scheme, str) else scheme
    if key in ("xavier", "glorot"):
        return math.sqrt(2.0 / (fan_in + fan_out))
    if key in ("he", "kaiming"):
        return math.sqrt(2.0 / fan_in)
    if key == "lecun":
        return math.sqrt(1.0 / fan_in)
    raise InputValueError(f"init_std: unknown scheme {scheme!r}; choose one of {', '.join(_SCHEMES)}")


def float_dtype_of(op: str, bk: Backend, dtype: Any) -> Any:
    """``dtype`` as a floating dtype of ``bk`` (default its float), or a DtypeError naming it."""
    if dtype is None:
        return bk.default_float
    try:
        found = bk.dtype(dtype)
    except (TypeError, ValueError) as exc:
        raise DtypeError(f"{op}: dtype={dtype!r} is not a dtype of the {bk.name} backend ({exc})") from None
    if not bk.xp.isdtype(found, "real floating"):
        raise DtypeError(f"{op}: dtype must be a floating dtype such as 'float32'; received dtype={dtype!r}")
    return found


def init_weights(
    fan_in: int,
    fan_out: int,
    scheme: str | float = "he",
    *,
    distribution: str = "normal",
    seed: int = 0,
    dtype: Any = None,
    backend: str | Backend | None = None,
) -> Any:
    """A seeded ``(fan_out, fan_in)`` weight matrix for ``z = x Wᵀ + b``.

    Args:
        fan_in, fan_out: inputs and outputs of the layer.
        scheme: ``"xavier"``, ``"he"``, ``"lecun"`` (see :func:`init_std`), or a
            number: the standard deviation itself (the "naive" choice).
        distribution: ``"normal"`` (``N(0, std²)``) or ``"uniform"``
            (``U(-a, a)`` with ``a = √3 std``, which has the same variance).
        seed: the seed of ``numpy.random.default_rng``; the same on every backend.
        dtype: defaults to the backend's float (float64 NumPy, float32 MLX).

    Example:
        >>> init_weights(4, 3, "xavier", distribution="uniform", seed=1).shape
        (3, 4)
    """
    op = "init_weights"
    bk = resolve(op, backend=backend)
    fan_in = check_positive_int(op, "fan_in", fan_in)
    fan_out = check_positive_int(op, "fan_out", fan_out)
    if isinstance(scheme, (int, float)) and not isinstance(scheme, bool):
        std = float(scheme)
        if not (math.isfinite(std) and std >= 0):
            raise InputValueError(
                f"{op}: a numeric scheme is the standard deviation and must be >= 0; received scheme={scheme!r}"
            )
    elif isinstance(scheme, str) and scheme.lower() in _SCHEME_NAMES:
        std = init_std(scheme, fan_in, fan_out)
    else:
        raise InputValueError(
            f"{op}: unknown scheme; scheme must be one of {', '.join(_SCHEMES)} or a standard deviation >= 0; "
            f"received scheme={scheme!r}"
        )
    if distribution not in _DISTRIBUTIONS:
        raise InputValueError(f"{op}: distribution must be 'normal' or 'uniform'; received {distribution!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputValueError(f"{op}: seed must be an integer >= 0; received seed={seed!r}")
    dtype = float_dtype_of(op, bk, dtype)
    # NumPy draws the values in float64 before they move to the backend
    check_shape(op, (fan_out, fan_in), 8, "the weights", "use fewer inputs or outputs in this layer")
    rng = np.random.default_rng(seed)
    if distribution == "normal":
        values = rng.normal(0.0, std, size=(fan_out, fan_in))
    else:
        limit = math.sqrt(3.0) * std
        values = rng.uniform(-limit, limit, size=(fan_out, fan_in))
    return bk.asarray(values, dtype=dtype)


def xavier_normal(fan_in: int, fan_out: int, **kw: Any) -> Any:
    """Xavier/Glorot normal: ``N(0, 2/(fan_in + fan_out))``. Keywords as :func:`init_weights`."""
    return init_weights(fan_in, fan_out, "xavier", distribution="normal", **kw)


def xavier_uniform(fan_in: int, fan_out: int, **kw: Any) -> Any:
    """Xavier/Glorot uniform: ``U(-a, a)``, ``a = √(6/(fan_in + fan_out))``."""
    return init_weights(fan_in, fan_out, "xavier", distribution="uniform", **kw)


def he_normal(fan_in: int, fan_out: int, **kw: Any) -> Any:
    """He/Kaiming normal: ``N(0, 2/fan_in)``. Keywords as :func:`init_weights`."""
    return init_weights(fan_in, fan_out, "he", distribution="normal", **kw)


def he_uniform(fan_in: int, fan_out: int, **kw: Any) -> Any:
    """He/Kaiming uniform: ``U(-a, a)``, ``a = √(6/fan_in)``."""
    return init_weights(fan_in, fan_out, "he", distribution="uniform", **kw)


# -- softmax cross-entropy ---------------------------------------------------------------------------
def check_labels(op: str, y: Any, n_classes: int, n: int | None = None) -> np.ndarray:
    """Class labels as a NumPy int array, or a clear error.

    Labels must be integers (integral floats are accepted) in ``[0, n_classes)``.
    """
    from dotkit.linalg import to_numpy

    if np.ma.is_masked(y):  # np.asarray would drop the mask and train on the hidden labels
        raise InputValueError(f"{op}: y is a masked array with masked labels; drop those samples first")
    try:
        arr = np.asarray(to_numpy(y))
    except (TypeError, ValueError):
        raise DtypeError(
            f"{op}: y must be an array of integer class labels; received {type(y).__name__}"
        ) from None
    if arr.ndim != 1:
        raise ShapeError(f"{op}: y must be one label per sample, shape (n,); received y.shape={arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ShapeError(f"{op}: X has {n} samples but y has {arr.shape[0]} labels")
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iuf":
        raise DtypeError(f"{op}: y must hold integer class labels; received dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            bad = arr[~(np.isfinite(arr) & (arr == np.round(arr)))][:3]
            raise DtypeError(
                f"{op}: y must hold integer class labels; received non-integer values "
                f"such as {bad.tolist()}"
            )
    labels = np.asarray(arr, dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise InputValueError(
            f"{op}: labels must lie in [0, {n_classes}) for {n_classes} classes; received "
            f"min={labels.min()}, max={labels.max()}"
        )
    return labels


def _logits_and_onehot(op: str, logits: Any, y: Any, backend: Any) -> tuple[Backend, Any, Any]:
    bk = resolve(op, logits, backend=backend)
    logits = as_array(op, "logits", logits, bk, ndim=2, allow_int=False)
    labels = check_labels(op, y, logits.shape[1], logits.shape[0])
    xp = bk.xp
    onehot = bk.cast(bk.asarray(labels)[:, None] == xp.arange(logits.shape[1])[None, :], logits.dtype)
    return bk, logits, onehot


def softmax_cross_entropy(logits: Any, y: Any, *, backend: str | Backend | None = None) -> Any:
    """The mean cross-entropy of softmax(logits) against integer labels, from the logits.

    ``L = -(1/n) Σᵢ log softmax(zᵢ)[yᵢ]``, with ``log softmax(z) = z - m - log Σ exp(z - m)``
    and ``m = max z``, so that logits of any size neither overflow nor give ``log 0``.

    Args:
        logits: ``(n, k)`` scores, one row per sample.
        y: ``(n,)`` labels in ``[0, k)``.

    Returns:
        A 0-d array: the mean loss.

    Example:
        >>> float(softmax_cross_entropy([[0.0, 0.0]], [1])) == math.log(2)
        True
    """
    op = "softmax_cross_entropy"
    bk, z, onehot = _logits_and_onehot(op, logits, y, backend)
    xp = bk.xp
    log_p = log_softmax(z, axis=1, backend=bk)  # a +inf logit gets its limit, not NaN
    # onehot is 0 off the label: 0·(-inf) would be NaN, so take the label's entry instead.
    picked = xp.where(onehot > 0, log_p, xp.zeros_like(log_p))
    return (0.0 - xp.sum(picked)) / z.shape[0]  # 0.0 - 0.0 is +0.0, unlike -0.0


def softmax_cross_entropy_grad(logits: Any, y: Any, *, backend: str | Backend | None = None) -> Any:
    """``∂L/∂z`` of :func:`softmax_cross_entropy`: ``(softmax(z) - onehot(y)) / n``.

    The softmax and the log cancel so neatly that the error signal of each
    sample is just "predicted probabilities minus the truth".

    Example:
        >>> softmax_cross_entropy_grad([[0.0, 0.0]], [1])
        array([[ 0.5, -0.5]])
    """
    op = "softmax_cross_entropy_grad"
    bk, z, onehot = _logits_and_onehot(op, logits, y, backend)
    return (softmax(z, axis=1, backend=bk) - onehot) / z.shape[0]


def cross_entropy_and_grad(xp: Any, z: Any, onehot: Any) -> tuple[Any, Any]:
    """Mean softmax cross-entropy and its ``∂L/∂z`` on checked arrays, sharing one softmax.

    ``z`` is ``(n, k)``, ``onehot`` the ``(n, k)`` one-hot labels in ``z``'s dtype.
    Models call this in their inner loop; the public forms are
    :func:`softmax_cross_entropy` and :func:`softmax_cross_entropy_grad`.
    """
    n = z.shape[0]
    shifted, e, total = softmax_parts(xp, z, 1)  # softmax's own steps, once for the loss and its gradient
    loss = -xp.sum((shifted - xp.log(total)) * onehot) / n
    return loss, (e / total - onehot) / n


__all__ = [
    "DenseGrads",
    "cross_entropy_and_grad",
    "check_labels",
    "dense",
    "dense_backward",
    "dense_grads",
    "dense_kernel",
    "float_dtype_of",
    "he_normal",
    "he_uniform",
    "init_std",
    "init_weights",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
    "xavier_normal",
    "xavier_uniform",
]
