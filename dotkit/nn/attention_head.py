"""One attention head that learns: the previous-token task, trained by gradient descent.

The task: a sequence of ``length`` random tokens from a vocabulary of ``vocab``;
at every position ``i >= 1`` the head must output the token at ``i - 1``. Each
position's input is the one-hot vector of its token followed by the one-hot
vector of its position, ``x_i = [onehot(t_i), onehot(i)]``. The head has
learned queries and keys, and fixed values (the token one-hots); ``W_Q`` and
``W_K`` are ``(d, vocab + length)``, the ``(out, in)`` layout of every dense
layer in dotkit, so the queries are ``Q = X W_Qᵀ``::

    A = softmax(scale · (X W_Qᵀ)(X W_Kᵀ)ᵀ)    (n, T, T)
    P = A · onehot(tokens)                   (n, T, vocab): a distribution over tokens
    loss = mean over i >= 1 of ‖P_i − onehot(t_{i-1})‖²

So the head is right exactly when query ``i`` learns to put its weight on key
``i - 1``, which it can only do through the position part of the inputs. The
squared error (rather than the log of ``P``) keeps the softmax's own gradient
in the way, as in a real network, so a saturated softmax learns slowly.

The gradient is written out (and tested against finite differences)::

    ∂loss/∂A = 2/N · R Oᵀ,  R = P − Y,  O = onehot(tokens)
    ∂loss/∂S = A ⊙ (∂loss/∂A − rowsum(∂loss/∂A ⊙ A))          (the softmax Jacobian)
    ∂loss/∂W_Q = scale · ((∂loss/∂S) K)ᵀ X,   ∂loss/∂W_K = scale · ((∂loss/∂S)ᵀ Q)ᵀ X

Example:
    >>> tokens, x = previous_token_task(64, 8, 10, seed=0)
    >>> run = train_previous_token_head(tokens, x, 10, d=16, steps=200)
    >>> run.accuracy[-1] > 0.9
    True
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from dotkit._inputs import check_positive_int
from dotkit.errors import InputValueError
from dotkit.nn.attention import attention_weights


class HeadRun(NamedTuple):
    """The result of :func:`train_previous_token_head`."""

    w_q: np.ndarray
    w_k: np.ndarray
    loss: list[float]
    accuracy: list[float]


def previous_token_task(n: int, length: int, vocab: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random sequences: ``tokens`` ``(n, length)`` and inputs ``x`` ``(n, length, vocab + length)``.

    Example:
        >>> tokens, x = previous_token_task(2, 5, 7)
        >>> x.shape
        (2, 5, 12)
    """
    op = "previous_token_task"
    n, length, vocab = (check_positive_int(op, name, v) for name, v in (("n", n), ("length", length),
                                                                         ("vocab", vocab)))
    if length < 2:
        raise InputValueError(f"{op}: a sequence needs at least 2 tokens to have a previous one; "
                              f"received length={length}")
    tokens = np.random.default_rng(seed).integers(0, vocab, size=(n, length))
    positions = np.broadcast_to(np.eye(length), (n, length, length))
    return tokens, np.concatenate([np.eye(vocab)[tokens], positions], axis=-1)


def head_loss_and_grads(w_q: np.ndarray, w_k: np.ndarray, x: np.ndarray, tokens: np.ndarray, vocab: int,
                        scale: float) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """``(loss, ∂loss/∂W_Q, ∂loss/∂W_K, A)`` for the previous-token task (formulas in the module docstring)."""
    q, k = x @ w_q.T, x @ w_k.T
    a = np.asarray(attention_weights(q, k, scale=scale, backend="numpy"), dtype=np.float64)
    onehot = np.eye(vocab)[tokens]                          # the values, (n, T, vocab)
    resid = (a @ onehot)[:, 1:] - onehot[:, :-1]            # P_i − Y_i for i >= 1
    count = resid.shape[0] * resid.shape[1]
    d_a = np.zeros_like(a)
    d_a[:, 1:] = 2.0 / count * resid @ onehot.transpose(0, 2, 1)
    d_s = a * (d_a - np.sum(d_a * a, axis=-1, keepdims=True)) * scale
    flat = x.reshape(-1, x.shape[-1])
    g_q = (d_s @ k).reshape(flat.shape[0], -1).T @ flat                     # (d, n_inputs), as W_Q
    g_k = (d_s.transpose(0, 2, 1) @ q).reshape(flat.shape[0], -1).T @ flat
    return float(np.sum(resid**2) / count), g_q, g_k, a


def previous_token_accuracy(w_q: np.ndarray, w_k: np.ndarray, x: np.ndarray, tokens: np.ndarray,
                            scale: float) -> float:
    """The share of positions ``i >= 1`` whose most-attended key holds the token at ``i - 1``."""
    return _accuracy(np.asarray(attention_weights(x @ w_q.T, x @ w_k.T, scale=scale, backend="numpy")), tokens)


def _accuracy(a: np.ndarray, tokens: np.ndarray) -> float:
    chosen = np.take_along_axis(tokens, a[:, 1:].argmax(axis=-1), axis=1)
    return float(np.mean(chosen == tokens[:, :-1]))


def initial_head(n_inputs: int, d: int, *, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``W_Q`` and ``W_K`` of shape ``(d, n_inputs)``, ``(out, in)``, with standard normal entries.

    Example:
        >>> initial_head(22, 4)[0].shape
        (4, 22)
    """
    rng = np.random.default_rng(seed)
    # drawn input by input (one column of d weights after another), each matrix made contiguous
    return tuple(np.ascontiguousarray(rng.standard_normal((n_inputs, d)).T) for _ in range(2))


def train_previous_token_head(tokens: np.ndarray, x: np.ndarray, vocab: int, *, d: int = 64,
                              scaled: bool = True, steps: int = 300, lr: float = 1.0,
                              seed: int = 1) -> HeadRun:
    """Gradient descent on ``W_Q, W_K`` from :func:`initial_head`; scores times ``1/√d`` if ``scaled``, else 1.

    Returns the final weights and, per step, the loss and the accuracy on the training sequences
    (both measured before that step's update).
    """
    op = "train_previous_token_head"
    d, steps = check_positive_int(op, "d", d), check_positive_int(op, "steps", steps)
    scale = 1.0 / math.sqrt(d) if scaled else 1.0
    w_q, w_k = initial_head(x.shape[-1], d, seed=seed)
    losses, accuracies = [], []
    for _ in range(steps):
        loss, g_q, g_k, a = head_loss_and_grads(w_q, w_k, x, tokens, vocab, scale)
        losses.append(loss)
        accuracies.append(_accuracy(a, tokens))
        w_q, w_k = w_q - lr * g_q, w_k - lr * g_k
    return HeadRun(w_q, w_k, losses, accuracies)


__all__ = ["HeadRun", "head_loss_and_grads", "initial_head", "previous_token_accuracy",
           "previous_token_task", "train_previous_token_head"]
