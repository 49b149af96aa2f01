"""Checkers for the appendix, "Backends and speed".

A.1  ``matvec_intensity(m, n, itemsize=4)``: FLOPs per byte of an (m, n) matrix times a vector.
A.2  the ridge point of a GPU from its published peak and bandwidth, and ``scores_intensity(L, d, itemsize=4)``:
     FLOPs per byte of attention's scores S = Q Kᵀ, to place on that ridge.
A.3  ``predict_seconds(n, bandwidth_gbs)``: the shortest time of a float32 dot product of length n.
A.4  ``break_even_n(fixed_us, bandwidth_gbs)``: the length from which a fixed per-call cost is under 1 %.

Each checker looks for the usual unit and counting mistakes before the generic "off" hint.
"""

from __future__ import annotations

from typing import Any

from dotkit.exercises import NotYet, YourTurn, as_array, exercise, expect_close, is_stub, needs_function, needs_number

#: NVIDIA's published figures for the H100 SXM: 67 TFLOP/s in float32 (without tensor cores), 3.35 TB/s of HBM3,
#: and 989 TFLOP/s in bfloat16 on its tensor cores (dense, without sparsity)
H100_TFLOPS, H100_TBS, H100_BF16_TFLOPS = 67.0, 3.35, 989.0


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
    cases = ((3, 4, 4), (1000, 1000, 4), (64, 4096, 8), (7, 1, 2))
    answers = [_one_number(fn, f"matvec_intensity({m}, {n}, itemsize={i})", m, n, i) for m, n, i in cases]
    if len(set(answers)) == 1:
        raise NotYet(f"matvec_intensity returns {answers[0]:.3g} for every m, n and itemsize; the bytes of x and y "
                     "depend on m and n, and every byte count on itemsize")
    for (m, n, itemsize), got in zip(cases, answers):
        what = f"matvec_intensity({m}, {n}, itemsize={itemsize})"
        wants = (2 * m * n / (itemsize * (m * n + n + m)), m * (2 * n - 1) / (itemsize * (m * n + n + m)))
        if any(_near(got, w, 1e-6) for w in wants):
            continue
        if itemsize != 4 and _near(got, 2 * m * n / (4 * (m * n + n + m)), 1e-6):
            raise NotYet(f"{what} is the float32 answer: the bytes per number must come from the itemsize "
                         "argument, not a fixed 4")
        if _near(got, 2 * m * n / (m * n + n + m)):
            raise NotYet(f"{what}: you divided by the count of numbers; B is in bytes, itemsize each")
        if _near(got, m * n / (itemsize * (m * n + n + m))) or _near(got, m * (n - 1) / (itemsize * (m * n + n + m))):
            raise NotYet(f"{what} is half the intensity: a multiply-add is two FLOPs, a multiplication and an "
                         "addition, so each entry of W costs 2")
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


def _check_ridge(value: Any) -> float:
    """The ridge point of the H100 in float32, with a hint for each usual slip."""
    value = needs_number(value, "a number (the ridge point in FLOP per byte)")
    want = H100_TFLOPS / H100_TBS
    if _near(value, H100_TBS / H100_TFLOPS, 1e-2):
        raise NotYet(f"{value:.3g} is bandwidth / peak, bytes per FLOP; the ridge point is peak / bandwidth")
    if _near(value, want * 1000, 1e-2) or _near(value, want / 1000, 1e-2):
        raise NotYet(f"{value:.3g} is off by a factor of 1000: the peak is in TFLOP/s and the bandwidth in TB/s, "
                     "so both are in 10¹² per second and the factors cancel")
    if _near(value, want * 4, 1e-2) or _near(value, want / 4, 1e-2):
        raise NotYet(f"{value:.3g} is off by a factor of 4, the bytes of one float32: the ridge point is in "
                     "FLOP per byte, and the bandwidth is already in bytes")
    if _near(value, want / 2, 1e-2):
        raise NotYet(f"{value:.3g} is half the ridge: the published peak already counts each multiply-add as two "
                     "FLOPs, so use it as it is")
    if not _near(value, want, 2e-2):
        raise NotYet(f"{value:.3g} is not the ridge point: recompute it from the peak and the bandwidth")
    return want


def _scores_hint(got: float, L: int, d: int, itemsize: int, what: str) -> str | None:
    """The hint for a usual slip in the intensity of S = Q Kᵀ, or None."""
    flops, nbytes = 2 * L * L * d, itemsize * (2 * L * d + L * L)
    slips = (
        (itemsize != 4 and _near(got, flops / (4 * (2 * L * d + L * L)), 1e-6),
         "is the float32 answer: the bytes per number must come from the itemsize argument"),
        (_near(got, flops / (itemsize * 2 * L * d)),
         "counts only Q and K: the scores S (L × L numbers) are written to memory too, and for long "
         "sequences they are most of the bytes"),
        (_near(got, flops / (itemsize * L * L)), "counts only S: Q and K (L × d numbers each) are read too"),
        (_near(got, flops / (itemsize * (L * d + L * L))), "counts one of Q and K: both are read, L × d numbers each"),
        (_near(got, flops / (itemsize * (2 * L * d + 2 * L * L))),
         "counts S twice: the exercise moves each matrix through memory once, so S is written once and "
         "not read back (a softmax that reads it again is a separate operation)"),
        (_near(got, flops / (2 * L * d + L * L)), "divides by the count of numbers; B is in bytes, itemsize each"),
        (_near(got, L * L * d / nbytes) or _near(got, L * L * (d - 1) / nbytes),
         "is half the intensity: each of the L² scores is a dot product of length d, d multiplications "
         "and d additions"),
        (_near(got, nbytes / flops), "is bytes per FLOP; intensity is FLOPs per byte"),
    )
    return next((f"{what} {text}" for hit, text in slips if hit), None)


@exercise("A.2", todo="set gpu_ridge (FLOP per byte), write scores_intensity(L, d, itemsize) and pass both")
def check_gpu_ridge(answer: Any) -> str:
    if answer is Ellipsis or (isinstance(answer, tuple) and all(a is Ellipsis for a in answer)):
        raise YourTurn
    if not isinstance(answer, (tuple, list)):
        needs_number(answer, "the pair (gpu_ridge, scores_intensity)")  # a hint naming the type, for a str or None
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise NotYet("pass the two answers together, as check(\"A.2\", (gpu_ridge, scores_intensity))")
    ridge = _check_ridge(answer[0])
    if answer[1] is Ellipsis or is_stub(answer[1]):
        raise NotYet("the ridge point is right; now write scores_intensity(L, d, itemsize)")
    fn = needs_function(answer[1], "scores_intensity(L, d, itemsize=4)")
    for L, d, itemsize in ((4096, 64, 4), (128, 64, 2), (10, 3, 8)):
        what = f"scores_intensity({L}, {d}, itemsize={itemsize})"
        got = _one_number(fn, what, L, d, itemsize)
        nbytes = itemsize * (2 * L * d + L * L)
        wants = [2 * L * L * d / nbytes, L * L * (2 * d - 1) / nbytes]
        if any(_near(got, w, 1e-6) for w in wants):
            continue
        hint = _scores_hint(got, L, d, itemsize, what)
        if hint:
            raise NotYet(hint)
        expect_close(got, wants[0], what, rtol=1e-6)
    f32, bf16 = (2 * 4096**2 * 64 / (i * (2 * 4096 * 64 + 4096**2)) for i in (4, 2))
    tensor_ridge = H100_BF16_TFLOPS / H100_TBS
    return (f"At L = 4096, d = 64: I ≈ {f32:.0f} FLOP/byte in float32, right of the float32 ridge ({ridge:.0f}), so "
            f"compute-bound; in bfloat16 I ≈ {bf16:.0f}, but the tensor cores' ridge is {tensor_ridge:.0f}, "
            "so the same "
            "product becomes memory-bound, held by writing S. That is why fast attention kernels never "
            "write S to memory (chapter 4's online softmax).")


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
    return "t ≥ 8n / bandwidth: for n = 2.5·10⁷ that is 200 MB of reading; " + _against_last_cache(200e6)


def _against_last_cache(nbytes: float) -> str:
    """Where ``nbytes`` stands against the last-level cache this machine reports, and what a VM's figure means."""
    from dotkit.benchmarks.machine import caches, cpu_facts

    found = caches()
    if not found:
        return "this machine reports no cache sizes, so whether its caches could hold them it does not say."
    last = found[-1]
    size = f"the {last['bytes'] / 2**20:.0f} MiB {last['level']} this machine reports"
    if nbytes > last["bytes"]:
        return f"{nbytes / last['bytes']:.1f} × {size}, so most of them come from main memory."
    vm = cpu_facts()["virtual_machine"]
    return (f"{nbytes / last['bytes']:.2f} × {size}"
            + (", which is the host's cache, shared with its other users: how much of it this virtual machine "
               "gets, only a measurement can tell." if vm else
               ": a cache that large could hold them, if nothing else ran."))


@exercise("A.4", todo="make break_even_n(fixed_us, bandwidth_gbs) return the length n")
def check_break_even_n(answer: Any) -> str:
    fn = needs_function(answer, "break_even_n(fixed_us, bandwidth_gbs)")
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
        if _near(got, want * 2**30 / 1e9, 2e-2):
            raise NotYet(f"{what} takes a GB as 2³⁰ bytes (a GiB); bandwidths are quoted in GB/s, 10⁹ bytes per second")
        if _near(got, want * 2, 2e-2):
            raise NotYet(f"{what} counts one vector's bytes; a dot product reads two vectors, 8 bytes per element")
        if not _near(got, want, 2e-2):  # 99 or 100 times the fixed cost: both are right
            expect_close(got, want, what, rtol=2e-2)
    return ("n = 100 × fixed cost × bandwidth / 8: the larger the bandwidth, the longer a vector must be before a "
            "fixed cost stops mattering.")


__all__ = ["check_break_even_n", "check_gpu_ridge", "check_matvec_intensity", "check_predict_seconds"]
