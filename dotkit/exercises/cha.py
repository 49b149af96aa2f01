"""Checkers for the appendix, "Backends and speed".

A.1  ``matvec_intensity(m, n, itemsize=4)``: FLOPs per byte of an (m, n) matrix times a vector.
A.2  a number: the ridge point of a GPU from its published peak and bandwidth.
A.3  ``predict_seconds(n, bandwidth_gbs)``: the shortest time of a float32 dot product of length n.
A.4  ``break_even_n(overhead_us, bandwidth_gbs)``: the length from which a fixed per-call cost is under 1 %.

Each checker looks for the usual unit and counting mistakes before the generic "off" hint.
"""

from __future__ import annotations

from typing import Any

from dotkit.exercises import NotYet, as_array, exercise, expect_close, needs_function, needs_number

#: NVIDIA's published figures for the H100 SXM: 67 TFLOP/s in float32 (without tensor cores), 3.35 TB/s of HBM3
H100_TFLOPS, H100_TBS = 67.0, 3.35


def _near(got: float, want: float, rtol: float = 1e-3) -> bool:
    return abs(got - want) <= rtol * abs(want)


def _one_number(fn: Any, what: str, *args: Any) -> float:
    got = as_array(fn(*args), what)
    if got.size != 1:
        raise NotYet(f"{what} returned {got.size} numbers (shape {got.shape}); it should return one number")
    return float(got.reshape(()))


@exercise("A.1", todo="count F (multiply-adds of every row) and B (bytes of the matrix, the vector and the "
                      "result, itemsize bytes each), then return F / B")
def check_matvec_intensity(answer: Any) -> str:
    fn = needs_function(answer, "matvec_intensity(m, n, itemsize=4)")
    for m, n, itemsize in ((3, 4, 4), (1000, 1000, 4), (64, 4096, 8), (7, 1, 2)):
        what = f"matvec_intensity({m}, {n}, itemsize={itemsize})"
        got = _one_number(fn, what, m, n, itemsize)
        wants = (2 * m * n / (itemsize * (m * n + n + m)), m * (2 * n - 1) / (itemsize * (m * n + n + m)))
        if any(_near(got, w, 1e-6) for w in wants):
            continue
        if _near(got, 2 * m * n / (m * n + n + m)):
            raise NotYet(f"{what}: you divided by the count of numbers; B is in bytes, itemsize each")
        if _near(got, 2 * m * n / (itemsize * m * n)):
            raise NotYet(f"{what}: only the matrix's bytes are counted; the vector x (n numbers) and the "
                         "result y (m numbers) move through memory too")
        if _near(got, itemsize * (m * n + n + m) / (2 * m * n)):
            raise NotYet(f"{what}: that is bytes per FLOP; intensity is FLOPs per byte, F / B")
        expect_close(got, wants[0], what, rtol=1e-6)
    return ("I = 2mn / (4(mn + m + n)), close to 1/2 FLOP per byte for any large matrix: every matrix entry is "
            "used once, so a matrix–vector product is memory-bound like a dot product.")


@exercise("A.2", todo="replace the ... with the ridge point in FLOP per byte: the peak divided by the "
                      "bandwidth, both in the same units (tera = 10¹²)")
def check_gpu_ridge(answer: Any) -> str:
    value = needs_number(answer, "a number (the ridge point in FLOP per byte)")
    want = H100_TFLOPS / H100_TBS
    if _near(value, H100_TBS / H100_TFLOPS, 1e-2):
        raise NotYet(f"{value:.3g} is bandwidth / peak, bytes per FLOP; the ridge point is peak / bandwidth")
    if _near(value, want * 1000, 1e-2) or _near(value, want / 1000, 1e-2):
        raise NotYet(f"{value:.3g} is off by a factor of 1000: the peak is in TFLOP/s and the bandwidth in TB/s, "
                     "so both are in 10¹² per second and the factors cancel")
    if _near(value, want * 4, 1e-2) or _near(value, want / 4, 1e-2):
        raise NotYet(f"{value:.3g} is off by a factor of 4, the bytes of one float32: the ridge point is in "
                     "FLOP per byte, and the bandwidth is already in bytes")
    if not _near(value, want, 2e-2):
        raise NotYet(f"{value:.3g} is not peak / bandwidth = {H100_TFLOPS} / {H100_TBS}: recompute the quotient")
    return (f"{H100_TFLOPS} / {H100_TBS} ≈ {want:.0f} FLOP per byte: a kernel needs about {want:.0f} FLOPs for "
            "every byte it reads before this GPU's arithmetic, not its memory, is the limit.")


@exercise("A.3", todo="return the time the bytes alone need: the bytes of both vectors (4 each) divided "
                      "by the bandwidth, converted from GB/s to bytes per second")
def check_predict_seconds(answer: Any) -> str:
    fn = needs_function(answer, "predict_seconds(n, bandwidth_gbs)")
    for n, bw in ((10**8, 16.0), (10**6, 25.0), (12345, 3.0)):
        what = f"predict_seconds({n}, {bw})"
        got = _one_number(fn, what, n, bw)
        want = 8 * n / (bw * 1e9)
        if _near(got, want / 2):
            raise NotYet(f"{what} is half the time: a dot product reads two vectors of n float32, 8n bytes")
        if _near(got, want * 1e9) or _near(got, want / 1e9):
            raise NotYet(f"{what} is off by 10⁹: a GB/s is 10⁹ bytes per second")
        if _near(got, 2 * n / (bw * 1e9)):
            raise NotYet(f"{what} divides the 2n FLOPs by a bandwidth; memory moves bytes, 8n of them")
        expect_close(got, want, what, rtol=1e-6)
    return "t ≥ 8n / bandwidth: for n = 10⁸ that is 0.8 GB of reading, more than the caches of most processors hold."


@exercise("A.4", todo="find n where the work's own time, 8n bytes at the bandwidth, is 100 times the "
                      "fixed cost; mind the units (µs and GB/s)")
def check_break_even_n(answer: Any) -> str:
    fn = needs_function(answer, "break_even_n(overhead_us, bandwidth_gbs)")
    for us, bw in ((0.3, 16.0), (20.0, 3.0), (1.0, 100.0)):
        what = f"break_even_n({us}, {bw})"
        got = _one_number(fn, what, us, bw)
        want = 100 * us * 1e-6 * bw * 1e9 / 8  # overhead = 1 % of the work
        if _near(got, want * 8, 2e-2):
            raise NotYet(f"{what} counts one byte per element; a float32 dot product reads 8 bytes per element")
        if _near(got, want / 100, 2e-2):
            raise NotYet(f"{what} is where the overhead equals the work; 1 % means the work is 100 times as long")
        if _near(got, want * 1e-3, 2e-2) or _near(got, want * 1e3, 2e-2):
            raise NotYet(f"{what} is off by 1000: µs is 10⁻⁶ s and GB/s is 10⁹ bytes/s")
        if not _near(got, want, 2e-2):  # 99 or 100 times the overhead: both are right
            expect_close(got, want, what, rtol=2e-2)
    return ("n = 100 × overhead × bandwidth / 8: the larger the bandwidth, the longer a vector must be before a "
            "fixed cost stops mattering.")


__all__ = ["check_break_even_n", "check_gpu_ridge", "check_matvec_intensity", "check_predict_seconds"]
