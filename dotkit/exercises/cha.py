"""Checkers for the appendix, "Backends and speed".

A.1  ``matvec_intensity(m, n, itemsize=4)``: FLOPs per byte of an (m, n) matrix times a vector.
A.2  two numbers: the ridge point of a GPU from its published peak and bandwidth, and the side N of the
     square float32 product that reaches it.
A.3  ``predict_seconds(n, bandwidth_gbs)``: the shortest time of a float32 dot product of length n.
A.4  ``break_even_n(call_us, bandwidth_gbs)``: the length from which a fixed per-call cost is under 1 %.

Each checker looks for the usual unit and counting mistakes before the generic "off" hint.
"""

from __future__ import annotations

from typing import Any

from dotkit.exercises import NotYet, YourTurn, as_array, exercise, expect_close, needs_function, needs_number

#: NVIDIA's published figures for the H100 SXM: 67 TFLOP/s in float32 (without tensor cores), 3.35 TB/s of HBM3
H100_TFLOPS, H100_TBS = 67.0, 3.35


def _near(got: float, want: float, rtol: float = 1e-3) -> bool:
    return abs(got - want) <= rtol * abs(want)


def _one_number(fn: Any, what: str, *args: Any) -> float:
    got = as_array(fn(*args), what)
    if got.size != 1:
        raise NotYet(f"{what} returned {got.size} numbers (shape {got.shape}); it should return one number")
    return float(got.reshape(()))


@exercise("A.1", todo="make matvec_intensity(m, n, itemsize) return the FLOPs per byte of y = W x")
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
        if _near(got, m * n / (itemsize * (m * n + n + m))) or _near(got, m * (n - 1) / (itemsize * (m * n + n + m))):
            raise NotYet(f"{what} is half the intensity: an FMA is two FLOPs, a multiplication and an addition, "
                         "so each entry of W costs 2")
        if _near(got, 2 * m * n / (itemsize * (m * n + n))):
            raise NotYet(f"{what}: the result y (m numbers) is written to memory too; count its bytes")
        if _near(got, 2 * m * n / (itemsize * (m * n + m))):
            raise NotYet(f"{what}: the input x (n numbers) is read from memory too; count its bytes")
        if _near(got, 2 * m * n / (itemsize * m * n)):
            raise NotYet(f"{what}: only the matrix's bytes are counted; the vector x (n numbers) and the "
                         "result y (m numbers) move through memory too")
        if _near(got, itemsize * (m * n + n + m) / (2 * m * n)):
            raise NotYet(f"{what}: that is bytes per FLOP; intensity is FLOPs per byte, F / B")
        expect_close(got, wants[0], what, rtol=1e-6)
    return ("Right. Now compare your I for a large float32 matrix with the toy machine's ridge point (10): which "
            "side is it on, and did your prediction say so?")


@exercise("A.2", todo="set gpu_ridge (FLOP per byte) and gpu_n (the side of the square product) and pass both")
def check_gpu_ridge(answer: Any) -> str:
    if answer is Ellipsis or (isinstance(answer, tuple) and all(a is Ellipsis for a in answer)):
        raise YourTurn
    if not isinstance(answer, (tuple, list)):
        needs_number(answer, "the pair (gpu_ridge, gpu_n)")  # a hint naming the type, for a str or None
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise NotYet("pass the two answers together, as check(\"A.2\", (gpu_ridge, gpu_n))")
    value = needs_number(answer[0], "a number (the ridge point in FLOP per byte)")
    want = H100_TFLOPS / H100_TBS
    if _near(value, H100_TBS / H100_TFLOPS, 1e-2):
        raise NotYet(f"{value:.3g} is bandwidth / peak, bytes per FLOP; the ridge point is peak / bandwidth")
    if _near(value, want * 1000, 1e-2) or _near(value, want / 1000, 1e-2):
        raise NotYet(f"{value:.3g} is off by a factor of 1000: the peak is in TFLOP/s and the bandwidth in TB/s, "
                     "so both are in 10¹² per second and the factors cancel")
    if _near(value, want * 4, 1e-2) or _near(value, want / 4, 1e-2):
        raise NotYet(f"{value:.3g} is off by a factor of 4, the bytes of one float32: the ridge point is in "
                     "FLOP per byte, and the bandwidth is already in bytes")
    if _near(value, want * 6, 1e-2):
        raise NotYet(f"{value:.3g} is the side N of the product; gpu_ridge is the intensity at the ridge, in FLOP "
                     "per byte, and N comes second")
    if _near(value, want / 2, 1e-2):
        raise NotYet(f"{value:.3g} is half the ridge: the published peak already counts each FMA as two FLOPs, "
                     "so use it as it is")
    if not _near(value, want, 2e-2):
        raise NotYet(f"{value:.3g} is not the ridge point: recompute it from the peak and the bandwidth")
    if answer[1] is Ellipsis:
        raise NotYet("the ridge point is right; now gpu_n, the side of the square product that reaches it")
    side = needs_number(answer[1], "a number (the side N of the square product)")
    if _near(side, want / 6, 1e-2):
        raise NotYet(f"N = {side:.3g} divides the ridge by 6; the intensity is N/6, so N is 6 times the intensity")
    if _near(side, want, 1e-2):
        raise NotYet(f"N = {side:.3g} is the ridge itself; a square product's intensity is N/6, not N")
    if not _near(side, 6 * want, 2e-2):
        raise NotYet(f"N = {side:.3g} does not give I = N/6 equal to your ridge point; solve N/6 = ridge for N")
    return (f"{H100_TFLOPS} / {H100_TBS} ≈ {want:.0f} FLOP per byte, reached from N ≈ {6 * want:.0f}: a kernel "
            f"needs about {want:.0f} FLOPs for every byte it reads before this GPU's arithmetic, not its memory, "
            "is the limit.")


@exercise("A.3", todo="make predict_seconds(n, bandwidth_gbs) return the shortest possible time, in seconds")
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
        if _near(got, 8 * n / (bw * 2**30)):
            raise NotYet(f"{what} takes a GB as 2³⁰ bytes (a GiB); bandwidths are quoted in GB/s, 10⁹ bytes per second")
        if _near(got, 2 * n / (bw * 1e9)):
            raise NotYet(f"{what} divides the 2n FLOPs by a bandwidth; memory moves bytes, 8n of them")
        expect_close(got, want, what, rtol=1e-6)
    return "t ≥ 8n / bandwidth: for n = 10⁸ that is 0.8 GB of reading, more than the caches of most processors hold."


@exercise("A.4", todo="make break_even_n(call_us, bandwidth_gbs) return the length n")
def check_break_even_n(answer: Any) -> str:
    fn = needs_function(answer, "break_even_n(call_us, bandwidth_gbs)")
    for us, bw in ((0.3, 16.0), (20.0, 3.0), (1.0, 100.0)):
        what = f"break_even_n({us}, {bw})"
        got = _one_number(fn, what, us, bw)
        want = 100 * us * 1e-6 * bw * 1e9 / 8  # fixed cost = 1 % of the work
        if _near(got, want * 8, 2e-2):
            raise NotYet(f"{what} counts one byte per element; a float32 dot product reads 8 bytes per element")
        if _near(got, want / 100, 2e-2):
            raise NotYet(f"{what} is where the fixed cost equals the work; 1 % means the work is 100 times as long")
        if _near(got, want * 1e-3, 2e-2) or _near(got, want * 1e3, 2e-2):
            raise NotYet(f"{what} is off by 1000: µs is 10⁻⁶ s and GB/s is 10⁹ bytes/s")
        if _near(got, want * 2, 2e-2):
            raise NotYet(f"{what} counts one vector's bytes; a dot product reads two vectors, 8 bytes per element")
        if not _near(got, want, 2e-2):  # 99 or 100 times the fixed cost: both are right
            expect_close(got, want, what, rtol=2e-2)
    return ("n = 100 × fixed cost × bandwidth / 8: the larger the bandwidth, the longer a vector must be before a "
            "fixed cost stops mattering.")


__all__ = ["check_break_even_n", "check_gpu_ridge", "check_matvec_intensity", "check_predict_seconds"]
