"""conv2d speed: GFLOP/s per backend, beside the machine's sgemm rate.

The layer measured by default is a typical ResNet block's: a batch of 8
images of 64 channels at 56×56, 64 filters of 3×3, padding 1. It costs
``N·O·Ho·Wo·C·kH·kW`` multiply-adds, ``2×`` that in FLOPs (1.85 GFLOP here).
Because im2col turns the layer into one matrix product, the natural ceiling
is the machine's single-precision matrix-product (sgemm) rate, measured in the
same run by :func:`sgemm_gflops`.

``python -m dotkit.benchmarks.conv`` prints one line per backend and path.

Example:
    >>> from dotkit.benchmarks.conv import run
    >>> r = run("numpy", n=1, c_in=3, c_out=4, size=16, repeats=1)
    >>> r["shape"]["x"], r["gflops"] > 0
    ((1, 3, 16, 16), True)
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np

from dotkit.benchmarks.timing import time_call, time_calls


def run(
    backend_name: str,
    n: int = 8,
    c_in: int = 64,
    c_out: int = 64,
    size: int = 56,
    kernel: int = 3,
    padding: int = 1,
    stride: int = 1,
    repeats: int = 5,
    fast: bool = True,
    budget_s: float = 5.0,
    alongside: dict[str, Callable[[np.ndarray, np.ndarray, int], Callable[[], Any]] | None] | None = None,
) -> dict[str, Any]:
    """Time ``dotkit.conv2d`` on float32 random data on one backend.

    Args:
        backend_name: ``"numpy"``, ``"mlx"``, ...
        n, c_in, c_out, size, kernel, padding, stride: the layer.
        repeats: timed repeats after a warm-up (the median is reported).
        fast: time the backend's fast path (True) or the generic im2col (False).
        budget_s: rough bound on the seconds spent measuring.
        alongside: other implementations to time in alternation with dotkit's, so
            that all see the same load: ``name -> make(x, w, padding)``, where ``x``
            and ``w`` are the same data as NumPy arrays and ``make`` returns the
            call to time (None entries are skipped).

    Returns:
        A JSON-ready dict: backend, device, path, shapes, ``flops``,
        ``seconds`` (median), ``best_seconds`` and ``gflops`` (from the median).
    """
    from dotkit.backends import get_backend
    from dotkit.nn.conv import conv2d, conv2d_multiply_adds

    bk = get_backend(backend_name)
    rng = np.random.default_rng(0)
    x_shape, w_shape = (n, c_in, size, size), (c_out, c_in, kernel, kernel)
    x_np = rng.standard_normal(x_shape, dtype=np.float32)
    scale = np.float32(1 / np.sqrt(c_in * kernel * kernel))  # a float32 scale keeps w float32
    w_np = rng.standard_normal(w_shape, dtype=np.float32) * scale
    x, w = bk.asarray(x_np), bk.asarray(w_np)
    bk.sync(x, w)
    assert x.dtype == w.dtype == bk.float32  # a benchmark's own set-up, not user input
    flops = 2 * conv2d_multiply_adds(x_shape, w_shape, stride=stride, padding=padding)
    others = {name: make(x_np, w_np, padding) for name, make in (alongside or {}).items() if make}
    timings = time_calls(
        [lambda: conv2d(x, w, stride=stride, padding=padding, fast=fast), *others.values()],
        sync=bk.sync,
        repeats=repeats,
        budget_s=budget_s,
    )
    timing = timings[0]
    return {
        "op": "conv2d",
        "backend": bk.name,
        "device": bk.describe(),
        "path": "fast" if fast and _has_fast_path(bk) else "generic im2col",
        "shape": {"x": x_shape, "w": w_shape, "stride": stride, "padding": padding},
        "flops": flops,
        "seconds": timing.median,
        "best_seconds": timing.best,
        "gflops": flops / timing.median / 1e9,
        "alongside_seconds": {name: t.median for name, t in zip(others, timings[1:])},
    }


def _has_fast_path(bk: Any) -> bool:
    from dotkit.nn.conv import _fast_path

    return _fast_path(bk) is not None


def sgemm_gflops(backend_name: str = "numpy", size: int = 2048, repeats: int = 3) -> float:
    """The float32 matrix-product rate ``2·size³ / t`` in GFLOP/s on one backend (median)."""
    from dotkit.backends import get_backend

    bk = get_backend(backend_name)
    rng = np.random.default_rng(1)
    a = bk.asarray(rng.standard_normal((size, size), dtype=np.float32))
    b = bk.asarray(rng.standard_normal((size, size), dtype=np.float32))
    bk.sync(a, b)
    timing = time_call(lambda: a @ b, sync=bk.sync, repeats=repeats, budget_s=10.0)
    return 2 * size**3 / timing.median / 1e9


def compare(backends: list[str] | None = None, **layer: Any) -> dict[str, Any]:
    """Every backend's fast and generic paths, with NumPy's sgemm rate measured in the same run."""
    from dotkit.backends import available_backends

    rows = []
    for name in backends or available_backends():
        for fast in (True, False):
            rows.append(run(name, fast=fast, **layer))
    sgemm = sgemm_gflops("numpy")
    for row in rows:
        row["fraction_of_numpy_sgemm"] = row["gflops"] / sgemm
    return {"numpy_sgemm_gflops": sgemm, "results": rows}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", action="append", help="backend(s) to time (default: all installed)")
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--size", type=int, default=56)
    parser.add_argument("--channels", type=int, default=64)
    args = parser.parse_args(argv)
    report = compare(args.backend, n=args.n, size=args.size, c_in=args.channels, c_out=args.channels)
    print(f"numpy sgemm (2048³, float32): {report['numpy_sgemm_gflops']:.1f} GFLOP/s")
    for r in report["results"]:
        print(
            f"{r['backend']:>6} {r['path']:<15} {r['seconds'] * 1e3:9.2f} ms  {r['gflops']:7.1f} GFLOP/s  "
            f"{r['fraction_of_numpy_sgemm']:.2f}× sgemm   ({r['device']})"
        )


if __name__ == "__main__":
    main()
