"""A tiny convolutional network: one conv layer, ReLU, max pooling, one dense layer.

For an image batch ``x`` of shape ``(n, C, H, W)``:

    z₁ = conv2d(x, K, c, padding=k//2) = im2col(x) · Kmat + c     (n, O, H, W)
    a₁ = maxpool(relu(z₁))                                         (n, O, H/p, W/p)
    z₂ = flatten(a₁) Wᵀ + b                                        (n, classes): the logits

and the backward pass reuses chapter 2's rules: the dense layer's
``δᵀ a`` and ``δ W`` (:func:`dotkit.nn.layers.dense_grads`), then, for the
convolution, ``∂L/∂K = colsᵀ δ₁`` on the column matrix saved by the forward
pass (:func:`dotkit.nn.conv.conv_grads`). Training, prediction, the loss and
the finite-difference check are the :class:`~dotkit.models.mlp.MLP`'s own:
the network is an MLP whose first layer shares its weights across positions.

Example:
    >>> from dotkit.models.cnn import CNN
    >>> net = CNN((1, 8, 8), filters=4, seed=0)
    >>> [tuple(p.shape) for p in net.params.values()]
    [(4, 1, 3, 3), (4,), (10, 64), (10,)]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit._inputs import check_positive_int, resolve
from dotkit._memory import check_shape
from dotkit.backends import Backend
from dotkit.errors import InputValueError
from dotkit.models.mlp import MLP
from dotkit.nn.activations import get_activation
from dotkit.nn.conv import ConvGeometry, column_matrix, conv_grads, pool_grad
from dotkit.nn.layers import cross_entropy_and_grad, dense_grads, dense_kernel, float_dtype_of, init_weights


class CNN(MLP):
    """A softmax classifier: conv (``filters`` of ``kernel × kernel``, same padding) → ReLU → max pool → dense.

    Args:
        image_shape: ``(C, H, W)`` of one input image; inputs are rows of ``C·H·W``
            values (like the MLP's) or arrays ``(n, C, H, W)``.
        filters: output channels of the convolution; kernel: its odd side length.
        pool: side of the max-pooling blocks (``H`` and ``W`` must be multiples).
        classes: outputs of the dense layer.
        seed, backend, dtype: as for :class:`~dotkit.models.mlp.MLP` (He initialisation).

    Attributes:
        weights: ``[K (O, C, k, k), W (classes, O·H/p·W/p)]``; biases: ``[(O,), (classes,)]``.
        params: ``{"W1": K, "b1": ..., "W2": W, "b2": ...}``, as for the MLP.

    Example:
        >>> CNN((1, 8, 8), filters=8).n_params
        1370
    """

    def __init__(self, image_shape: Any = (1, 8, 8), filters: int = 8, kernel: int = 3, pool: int = 2,
                 classes: int = 10, seed: int = 0, backend: str | Backend | None = None, dtype: Any = None) -> None:
        op = "CNN"
        if isinstance(image_shape, (str, bytes)) or not hasattr(image_shape, "__len__") or len(image_shape) != 3:
            raise InputValueError(f"{op}: image_shape must be (C, H, W), three sizes; received {image_shape!r}")
        c, h, w = (check_positive_int(op, "image_shape", v) for v in tuple(image_shape))
        filters, kernel = check_positive_int(op, "filters", filters), check_positive_int(op, "kernel", kernel)
        pool, classes = check_positive_int(op, "pool", pool), check_positive_int(op, "classes", classes)
        if kernel % 2 == 0 or h % pool or w % pool or classes < 2:
            raise InputValueError(
                f"{op}: needs an odd kernel, H and W multiples of pool and >= 2 classes; received "
                f"image_shape={(c, h, w)}, kernel={kernel}, pool={pool}, classes={classes}"
            )
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InputValueError(f"{op}: seed must be an integer >= 0; received seed={seed!r}")
        self.image_shape, self.pool, self.seed = (c, h, w), pool, int(seed)
        self.geometry = ConvGeometry(0, c, h, w, filters, kernel, kernel, 1, 1, kernel // 2, kernel // 2)
        flat = filters * (h // pool) * (w // pool)
        self.sizes = [c * h * w, flat, classes]  # what MLP's input and label checks read
        # the dense layer's weights, drawn in float64, are the part that grows with the image
        check_shape(op, (classes, flat), 8, "the dense layer's weights",
                    "use a smaller image, fewer filters or a larger pool")
        self.activation = "relu"
        self._f, self._df = get_activation("relu", op)
        self.bk = resolve(op, backend=backend)
        self.dtype = float_dtype_of(op, self.bk, dtype)
        s1, s2 = (int(s) for s in np.random.default_rng(self.seed).integers(0, 2**31, size=2))
        k1 = init_weights(c * kernel * kernel, filters, "he", seed=s1, dtype=self.dtype, backend=self.bk)
        self.weights = [self.bk.xp.reshape(k1, (filters, c, kernel, kernel)),
                        init_weights(flat, classes, "he", seed=s2, dtype=self.dtype, backend=self.bk)]
        self.biases = [self.bk.xp.zeros((d,), dtype=self.dtype) for d in (filters, classes)]
        self.history_: list[float] = []

    @property
    def n_params(self) -> int:
        """The number of trained numbers: filters, their biases, the dense weights and biases."""
        return int(sum(int(np.prod(p.shape)) for p in self.params.values()))

    def _conv(self, X: Any) -> tuple[Any, Any, ConvGeometry]:
        """``z₁ (n, O, H, W)`` and the column matrix it was computed from."""
        xp, g = self.bk.xp, self.geometry._replace(n=X.shape[0])
        cols = column_matrix(self.bk, xp.reshape(X, (X.shape[0], *self.image_shape)), g)
        kmat = xp.reshape(xp.permute_dims(self.weights[0], (0, 2, 3, 1)), (g.o, -1)).T  # (k·k·C, O)
        z = xp.matmul(cols, kmat) + self.biases[0]  # every patch against every filter
        return xp.permute_dims(xp.reshape(z, (g.n, g.out_h, g.out_w, g.o)), (0, 3, 1, 2)), cols, g

    def _forward(self, X: Any) -> tuple[list[Any], list[Any]]:
        xp = self.bk.xp
        z1, _, _ = self._conv(X)
        pooled = xp.max(self._blocks(self._f(z1, backend=self.bk)), axis=(3, 5))
        flat = xp.reshape(pooled, (X.shape[0], -1))
        return [z1, dense_kernel(xp, flat, self.weights[1], self.biases[1])], [X, flat]

    def _blocks(self, a: Any) -> Any:
        n, o, h, w = a.shape
        p = self.pool
        return self.bk.xp.reshape(a, (n, o, h // p, p, w // p, p))

    def _loss_and_grads(self, X: Any, onehot: Any) -> tuple[Any, list[Any], list[Any]]:
        xp, p = self.bk.xp, self.pool
        z1, cols, g = self._conv(X)
        a1 = self._f(z1, backend=self.bk)
        flat = xp.reshape(xp.max(self._blocks(a1), axis=(3, 5)), (X.shape[0], -1))
        loss, delta2 = cross_entropy_and_grad(xp, dense_kernel(xp, flat, self.weights[1], self.biases[1]), onehot)
        dense = dense_grads(xp, delta2, flat, self.weights[1])  # chapter 2: δᵀ a, Σ δ, δ W
        d_pooled = xp.reshape(dense.dx, (X.shape[0], g.o, g.out_h // p, g.out_w // p))
        delta1 = pool_grad(xp, d_pooled, a1, p) * self._df(z1, backend=self.bk)
        conv = conv_grads(self.bk, delta1, cols, self.weights[0], g, input_grad=False)  # colsᵀ δ₁
        return loss, [conv.dW, dense.dW], [conv.db, dense.db]

    def __repr__(self) -> str:
        o, k = self.geometry.o, self.geometry.kh
        return (f"CNN(image_shape={self.image_shape}, filters={o}, kernel={k}, pool={self.pool}, "
                f"classes={self.sizes[-1]}, backend={self.bk.name!r})")


__all__ = ["CNN"]
