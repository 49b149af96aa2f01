"""Scaled dot-product attention: ``dk.scaled_dot_product_attention`` against the library and PyTorch.

The shape is ``(batch, heads, L, d)`` for queries, keys and values alike
(self-attention, ``S = L``); the cost is two products, ``4·B·H·L²·d`` FLOPs.
Beside dotkit's call are timed, in alternation:

- the library's best: MLX's ``mx.fast.scaled_dot_product_attention`` where
  there is one, else the textbook formula in plain array code, the baseline
  a reader would write (``vs_raw``);
- PyTorch CPU's ``F.scaled_dot_product_attention`` on the same numbers, where
  PyTorch is installed (``vs_torch``, the median over the rounds with its spread).

Example:
    >>> import numpy as np
    >>> from dotkit.benchmarks.attention import softmax_attention
    >>> q = np.ones((1, 2, 4))
    >>> softmax_attention(np, q, q, q, 0.5).shape
    (1, 2, 4)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from dotkit.backends import Backend
from dotkit.benchmarks.profiles import Profile
from dotkit.benchmarks.rows import hopeless, lib_name, ratio_fields, result_row, seeded_inputs, skipped
from dotkit.benchmarks.timing import SETTLE_S, paired_ratios, time_calls

_OP = "scaled_dot_product_attention"


def softmax_attention(xp: Any, q: Any, k: Any, v: Any, scale: float) -> Any:
    """``softmax(scale · Q Kᵀ) V`` written out, with the row maximum subtracted before ``exp``.

    The bench's baseline, "the raw library call": what a reader would write with
    the library alone. It repeats softmax's formula on purpose instead of calling
    dotkit's kernel, so that the kit is timed against something it does not share.
    """
    s = xp.matmul(q, xp.swapaxes(k, -1, -2)) * scale
    e = xp.exp(s - xp.max(s, axis=-1, keepdims=True))
    return xp.matmul(e / xp.sum(e, axis=-1, keepdims=True), v)


def bench_attention(bk: Backend, prof: Profile) -> list[dict]:
    """``dk.scaled_dot_product_attention`` on ``prof.attention`` vs the library's best and PyTorch's SDPA."""
    import dotkit as dk

    B, H, L, d = prof.attention
    size = f"{B}x{H}x{L}x{d}"
    flops = 4.0 * B * H * L * L * d
    if hopeless(flops, bk, prof):
        return [skipped("attention", bk, size, f"predicted over {prof.max_call_s} s per call")]
    q, k, v = seeded_inputs(bk, (B, H, L, d), (B, H, L, d), (B, H, L, d))
    raw_fn, raw_name = _raw_attention(bk, q, k, v, 1.0 / math.sqrt(d))
    calls = [raw_fn, lambda: dk.scaled_dot_product_attention(q, k, v)]
    torch_fn, extra = _torch_attention(bk, q, k, v)
    if torch_fn is not None:
        calls.append(torch_fn)
    times = time_calls(calls, sync=bk.sync, repeats=prof.rounds, budget_s=1e9,  # every round: each is one ratio
                       settle_s=0.0 if prof.name == "smoke" else SETTLE_S)
    raw, mine = times[:2]
    extra["path"] = "fast" if bk.fast_path(_OP) is not None else "kernel"
    if torch_fn is not None:
        extra.update(torch_s=times[2].median, **ratio_fields("torch", paired_ratios(times[2], mine)))
    return [result_row("attention", bk, size, flops=flops, bytes_=4.0 * 4 * B * H * L * d, unit="GFLOP/s",
                       dotkit=mine, raw=raw, raw_name=raw_name, extra=extra)]


def _raw_attention(bk: Backend, q: Any, k: Any, v: Any, scale: float) -> tuple[Callable[[], Any], str]:
    """The library's fused attention where it has one, else :func:`softmax_attention` in its namespace."""
    fast = getattr(getattr(bk.xp, "fast", None), "scaled_dot_product_attention", None)
    if fast is not None:
        return (lambda: fast(q, k, v, scale=scale)), f"{lib_name(bk)}.fast.scaled_dot_product_attention"
    return (lambda: softmax_attention(bk.xp, q, k, v, scale)), f"{lib_name(bk)} softmax formula"


def _torch_attention(bk: Backend, q: Any, k: Any, v: Any) -> tuple[Callable[[], None] | None, dict[str, Any]]:
    """PyTorch CPU's SDPA on the same inputs, when PyTorch is importable (never required)."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None, {}
    tq, tk, tv = (torch.from_numpy(np.ascontiguousarray(bk.to_numpy(t))) for t in (q, k, v))

    def call() -> None:
        with torch.inference_mode():
            F.scaled_dot_product_attention(tq, tk, tv)

    return call, {"torch_version": torch.__version__}


__all__ = ["bench_attention", "softmax_attention"]
