"""Inputs and references for every fast path an op name may have (see ``dotkit.backends.base``).

:func:`fast_path_cases` gives, for one backend and one op name, a list of
``(label, args, kernel)``: the fast path is called as ``f(*args)`` and must
agree with ``kernel()``, dotkit's own formula for the same call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dotkit.backends import Backend

Case = tuple[str, tuple[Any, ...], Callable[[], Any]]


def _data(bk: Backend, rng: np.random.Generator, *shape: int) -> Any:
    return bk.asarray(rng.standard_normal(shape), dtype=bk.float32)


def _conv2d_cases(bk: Backend, rng: np.random.Generator) -> list[Case]:
    from dotkit.nn.conv import conv2d

    cases = []
    for stride, padding, with_bias in (((1, 1), (0, 0), True), ((2, 1), (1, 2), False), ((1, 2), (2, 0), True)):
        x, w = _data(bk, rng, 2, 3, 7, 6), _data(bk, rng, 4, 3, 3, 2)
        b = _data(bk, rng, 4) if with_bias else None

        def kernel(x=x, w=w, b=b, stride=stride, padding=padding) -> Any:
            return conv2d(x, w, b, stride=stride, padding=padding, fast=False, backend=bk)

        cases.append((f"stride={stride} padding={padding} bias={with_bias}", (x, w, b, stride, padding), kernel))
    return cases


def _attention_cases(bk: Backend, rng: np.random.Generator) -> list[Case]:
    from dotkit.nn.attention import scaled_dot_product_attention

    L, S = 5, 6
    masks = {
        "none": None,
        "bool": bk.asarray(rng.random((L, S)) > 0.3),
        "float": _data(bk, rng, L, S),
    }
    cases = []
    for name, mask in masks.items():
        for causal in (False, True):
            q, k, v = _data(bk, rng, 2, 3, L, 4), _data(bk, rng, 2, 3, S, 4), _data(bk, rng, 2, 3, S, 3)

            def kernel(q=q, k=k, v=v, mask=mask, causal=causal) -> Any:
                return scaled_dot_product_attention(q, k, v, mask=mask, is_causal=causal, scale=0.5,
                                                    fast=False, backend=bk)

            cases.append((f"mask={name} is_causal={causal}", (q, k, v, mask, causal, 0.5), kernel))
    return cases


def _matmul_cases(bk: Backend, rng: np.random.Generator) -> list[Case]:
    cases = []
    for shape_a, shape_b in (((5, 7), (7, 3)), ((2, 5, 7), (7, 4))):
        a, b = _data(bk, rng, *shape_a), _data(bk, rng, *shape_b)
        cases.append((f"{shape_a} @ {shape_b}", (a, b), lambda a=a, b=b: bk.xp.matmul(a, b)))
    return cases


def _gelu_cases(bk: Backend, rng: np.random.Generator) -> list[Case]:
    from dotkit.nn.activations import gelu

    cases = []
    for shape, scale in (((7,), 1.0), ((3, 50_000), 4.0), ((2, 3, 5), 40.0)):
        x = bk.asarray(rng.standard_normal(shape) * scale, dtype=bk.float32)
        cases.append((f"shape={shape} scale={scale}", (x,), lambda x=x: gelu(x, fast=False, backend=bk)))
    return cases


_BUILDERS: dict[str, Callable[[Backend, np.random.Generator], list[Case]]] = {
    "conv2d": _conv2d_cases,
    "scaled_dot_product_attention": _attention_cases,
    "matmul": _matmul_cases,
    "gelu": _gelu_cases,
}


def fast_path_cases(bk: Backend, op: str, seed: int = 0) -> list[Case]:
    """``(label, args, kernel)`` for the fast path ``op`` on backend ``bk``, float32 inputs."""
    if op not in _BUILDERS:
        raise KeyError(f"no conformance cases for the fast path {op!r}: add them to dotkit/testing/cases.py")
    return _BUILDERS[op](bk, np.random.default_rng(seed))
