"""conv2d speed: GFLOP/s per backend, beside the machine's sgemm rate.

The layer measured by default is a typical ResNet block's: a batch of 8
images of 64 channels at 56×56, 64 filters of 3×3, padding 1. It costs
``N·O·Ho·Wo·C·kH·kW`` multiply-adds, ``2×`` that in FLOPs (1.85 GFLOP here).
Because im2col turns the layer into one matrix product, the natural ceiling
is the machine's single-precision matrix-product (sgemm) rate, measured in the
same run by :func:`sgemm_gflops`.

``python -m dotkit.benchmarks.conv`` prints one line per backend and path;
:func:`bench_conv2d` is the bench's row, beside the library's own conv2d
(MLX's ``mx.conv2d``) and PyTorch's CPU ``F.conv2d`` where PyTorch is
installed, timed in alternation with dotkit's.

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

from dotkit.backends import Backend
from dotkit.benchmarks.limits import time_sgemm
from dotkit.benchmarks.profiles import Profile
from dotkit.benchmarks.rows import GB, hopeless, lib_name, ratio_fields, skipped
from dotkit.benchmarks.timing import SETTLE_S, paired_ratios, time_calls


def run(backend_name: str, n: int = 8, c_in: int = 64, c_out: int = 64, size: int = 56, kernel: int = 3,
        padding: int = 1, stride: int = 1, repeats: int = 5, fast: bool = True, budget_s: float = 5.0,
        settle_s: float = 0.0,
        alongside: dict[str, Callable[[np.ndarray, np.ndarray, int], Callable[[], Any]] | None] | None = None,
        ) -> dict[str, Any]:
    """Time ``dotkit.conv2d`` on float32 random data on one backend.

    Args:
        backend_name: ``"numpy"``, ``"mlx"``, ...
        n, c_in, c_out, size, kernel, padding, stride: the layer.
        repeats: timed repeats after a warm-up (the median is reported).
        fast: time the backend's fast path (True) or the generic im2col (False).
        budget_s: rough bound on the seconds spent measuring.
        settle_s: rest before each repeat (see :func:`dotkit.benchmarks.timing.time_calls`).
        alongside: other implementations to time in alternation with dotkit's, so
            that all see the same load: ``name -> make(x, w, padding)``, where ``x``
            and ``w`` are the same data as NumPy arrays and ``make`` returns the
            call to time (None entries are skipped).

    Returns:
        A JSON-ready dict: backend, device, path, shapes, ``flops``,
        ``seconds`` (median), ``best_seconds``, ``gflops`` (from the median),
        ``alongside_seconds`` (each other implementation's median) and
        ``vs_alongside`` (each one's time over dotkit's, round by round:
        ``{"median", "min", "max", "runs"}``).
    """
    import dotkit as dk
    from dotkit.backends import get_backend
    from dotkit.nn.conv import conv2d_multiply_adds

    bk = get_backend(backend_name)
    x_shape, w_shape = (n, c_in, size, size), (c_out, c_in, kernel, kernel)
    x_np, w_np, x, w = _layer_data(bk, x_shape, w_shape)
    flops = 2 * conv2d_multiply_adds(x_shape, w_shape, stride=stride, padding=padding)
    others = {name: make(x_np, w_np, padding) for name, make in (alongside or {}).items() if make}
    timing, *rest = time_calls([lambda: dk.conv2d(x, w, stride=stride, padding=padding, fast=fast),
                                *others.values()], sync=bk.sync, repeats=repeats, budget_s=budget_s,
                               settle_s=settle_s)
    return {
        "op": "conv2d", "backend": bk.name, "device": bk.describe(),
        "path": "fast" if fast and bk.fast_path("conv2d") is not None else "generic im2col",
        "shape": {"x": x_shape, "w": w_shape, "stride": stride, "padding": padding},
        "flops": flops, "seconds": timing.median, "best_seconds": timing.best, "gflops": flops / timing.median / GB,
        "alongside_seconds": {name: t.median for name, t in zip(others, rest)},
        "vs_alongside": {name: paired_ratios(t, timing) for name, t in zip(others, rest)},
    }


def _layer_data(bk: Backend, x_shape: tuple[int, ...], w_shape: tuple[int, ...]) -> tuple[Any, ...]:
    """Seeded images and filters scaled like a trained layer's: as NumPy arrays, then on ``bk``."""
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(x_shape, dtype=np.float32)
    scale = np.float32(1 / np.sqrt(np.prod(w_shape[1:])))  # a float32 scale keeps w float32
    w_np = rng.standard_normal(w_shape, dtype=np.float32) * scale
    x, w = bk.asarray(x_np), bk.asarray(w_np)
    bk.sync(x, w)
    assert x.dtype == w.dtype == bk.float32  # a benchmark's own set-up, not user input
    return x_np, w_np, x, w


def sgemm_gflops(backend_name: str = "numpy", size: int = 2048, repeats: int = 3) -> float:
    """The float32 matrix-product rate ``2·size³ / t`` in GFLOP/s on one backend (median; see
    :func:`dotkit.benchmarks.limits.time_sgemm`)."""
    from dotkit.backends import get_backend

    timing = time_sgemm(get_backend(backend_name), size, repeats=repeats, budget_s=10.0)
    return 2 * size**3 / timing.median / GB


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


def bench_conv2d(bk: Backend, prof: Profile) -> list[dict]:
    """The bench's conv2d row: :func:`run` on ``prof.conv``, beside the library's and PyTorch's conv2d."""
    from dotkit.nn.conv import conv2d_multiply_adds

    n, c, o, hw = prof.conv
    layer = {"n": n, "c_in": c, "c_out": o, "size": hw}
    size = f"N={n} C={c}->{o} {hw}x{hw} 3x3"
    if hopeless(2.0 * conv2d_multiply_adds((n, c, hw, hw), (o, c, 3, 3), padding=1), bk, prof):
        return [skipped("conv2d", bk, size, f"predicted over {prof.max_call_s} s per call")]
    mine = run(bk.name, **layer, padding=1, repeats=prof.rounds, budget_s=1e9,  # every round: each is one ratio
               settle_s=0.0 if prof.name == "smoke" else SETTLE_S,
               alongside={"raw": _raw_conv(bk), "torch": _torch_conv()})
    row: dict[str, Any] = {
        "op": "conv2d", "backend": bk.name, "size": size, "flops": mine["flops"],
        "bytes": 4.0 * (n * c * hw * hw + o * c * 9 + n * o * hw * hw), "unit": "GFLOP/s",
        "dotkit_s": mine["seconds"], "dotkit_best_s": mine["best_seconds"], "dotkit_rate": mine["gflops"],
        "path": mine["path"],
    }
    others, ratios = mine["alongside_seconds"], mine["vs_alongside"]
    if "raw" in others:
        row.update(raw_s=others["raw"], raw_name=f"{lib_name(bk)}.conv2d", raw_rate=mine["flops"] / others["raw"] / GB,
                   vs_raw=others["raw"] / mine["seconds"])
    if "torch" in others:
        row.update(torch_s=others["torch"], **ratio_fields("torch", ratios["torch"]))
    return [row]


def _raw_conv(bk: Backend) -> Callable[[np.ndarray, np.ndarray, int], Any] | None:
    """The library's own conv2d, where it has one (MLX: channels-last ``mx.conv2d``)."""
    fn = getattr(bk.xp, "conv2d", None)
    if fn is None:
        return None

    def make(x: np.ndarray, w: np.ndarray, padding: int) -> Callable[[], Any]:
        xl = bk.asarray(np.ascontiguousarray(x.transpose(0, 2, 3, 1)))  # NHWC
        wl = bk.asarray(np.ascontiguousarray(w.transpose(0, 2, 3, 1)))  # OHWI
        bk.sync(xl, wl)
        return lambda: fn(xl, wl, padding=padding)

    return make


def _torch_conv() -> Callable[[np.ndarray, np.ndarray, int], Any] | None:
    """PyTorch CPU's conv2d on the same layer, when PyTorch is importable (never required)."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None

    def make(x: np.ndarray, w: np.ndarray, padding: int) -> Callable[[], None]:
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)

        def call() -> None:
            with torch.inference_mode():
                F.conv2d(tx, tw, padding=padding)

        return call

    return make


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


__all__ = ["bench_conv2d", "compare", "run", "sgemm_gflops"]


if __name__ == "__main__":
    main()
