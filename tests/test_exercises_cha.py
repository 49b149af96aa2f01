"""The appendix's checkers: the stub, typical mistakes and the solution (see exercise_harness)."""

from __future__ import annotations

from exercise_harness import Case, make_tests

from dotkit.exercises import check


def matvec_intensity_stub(m, n, itemsize=4):
    # your code: the arithmetic intensity of y = W x
    ...


def matvec_intensity(m, n, itemsize=4):
    return 2 * m * n / (itemsize * (m * n + n + m))


def scores_intensity_stub(L, d, itemsize=4):
    # your code: the arithmetic intensity of S = Q Kᵀ
    ...


def scores_intensity(L, d, itemsize=4):
    return 2 * L * L * d / (itemsize * (2 * L * d + L * L))


def predict_seconds_stub(n, bandwidth_gbs):
    # your code: the shortest time in seconds
    ...


def predict_seconds(n, bandwidth_gbs):
    return 8 * n / (bandwidth_gbs * 1e9)


def break_even_n_stub(call_us, bandwidth_gbs):
    # your code: the length n
    ...


def break_even_n(call_us, bandwidth_gbs):
    return 100 * call_us * 1e-6 * bandwidth_gbs * 1e9 / 8


CASES = {
    "A.1": Case(
        stub=matvec_intensity_stub,
        wrong=[
            (lambda m, n, itemsize=4: 2 * m * n / (m * n + n + m), "in bytes"),
            (lambda m, n, itemsize=4: 2 / itemsize, "only the matrix"),
            (lambda m, n, itemsize=4: 0.5, "every m, n and itemsize"),
            (lambda m, n, itemsize=4: matvec_intensity(m, n, 4), "fixed 4"),
            (lambda m, n, itemsize=4: itemsize * (m * n + n + m) / (2 * m * n), "bytes per FLOP"),
            (lambda m, n, itemsize=4: m * n / (itemsize * (m * n + n + m)), "two FLOPs"),
            (lambda m, n, itemsize=4: 2 * m * n / (itemsize * (m * n + n)), "result y"),
            (lambda m, n, itemsize=4: matvec_intensity(m, n, itemsize) * 1.5, "off"),
            (lambda m, n, itemsize=4: [1.0, 2.0], "one number"),
        ],
        solution=matvec_intensity,
    ),
    "A.2": Case(
        stub=...,  # the chapter passes (gpu_ridge, scores_intensity) = (..., a stub): see the tests below
        wrong=[((3.35 / 67, scores_intensity), "bytes per FLOP"), ((20000.0, scores_intensity), "factor of 1000"),
               ((5.0, scores_intensity), "factor of 4"), ((10.0, scores_intensity), "half the ridge"),
               ((12.0, scores_intensity), "recompute"), ((20.0, scores_intensity_stub), "now write"),
               ((20.0, lambda L, d, itemsize=4: 2 * L * L * d / (4 * (2 * L * d + L * L))), "itemsize argument"),
               ((20.0, lambda L, d, itemsize=4: 2 * L * L * d / (itemsize * 2 * L * d)), "only Q and K"),
               ((20.0, lambda L, d, itemsize=4: 2 * d / itemsize), "only S"),
               ((20.0, lambda L, d, itemsize=4: 2 * L * L * d / (itemsize * (L * d + L * L))), "one of Q and K"),
               ((20.0, lambda L, d, itemsize=4: 2 * L * L * d / (itemsize * (2 * L * d + 2 * L * L))), "S twice"),
               ((20.0, lambda L, d, itemsize=4: 2 * L * L * d / (2 * L * d + L * L)), "count of numbers"),
               ((20.0, lambda L, d, itemsize=4: scores_intensity(L, d, itemsize) / 2), "half the intensity"),
               ((20.0, lambda L, d, itemsize=4: 1 / scores_intensity(L, d, itemsize)), "bytes per FLOP;"),
               ((20.0, lambda L, d, itemsize=4: scores_intensity(L, d, itemsize) * 1.3), "off"),
               (20.0, "together")],
        solution=(20.0, scores_intensity),
    ),
    "A.3": Case(
        stub=predict_seconds_stub,
        wrong=[
            (lambda n, bw: 4 * n / (bw * 1e9), "half the time"),
            (lambda n, bw: 8 * n / bw, "10⁹"),
            (lambda n, bw: 2 * n / (bw * 1e9), "FLOPs"),
            (lambda n, bw: 8 * n / (bw * 2**30), "GiB"),
            (lambda n, bw: 3 * n / (bw * 1e9), "off"),
        ],
        solution=predict_seconds,
    ),
    "A.4": Case(
        stub=break_even_n_stub,
        wrong=[
            (lambda us, bw: 100 * us * 1e-6 * bw * 1e9, "one byte"),
            (lambda us, bw: us * 1e-6 * bw * 1e9 / 8, "equals the work"),
            (lambda us, bw: 100 * us * bw / 8, "off by 1000"),
            (lambda us, bw: 100 * us * 1e-6 * bw * 1e9 / 4, "one vector"),
            (lambda us, bw: 100 * us * 1e-6 * bw * 2**30 / 8, "GiB"),
            (lambda us, bw: 7.0, "off"),
        ],
        solution=break_even_n,
    ),
}

globals().update(make_tests(CASES))


def test_a_ridge_from_the_exact_quotient_passes() -> None:
    assert check("A.2", (67 / 3.35, scores_intensity)).state == "correct"


def test_the_chapters_stubs_are_your_turn() -> None:
    assert check("A.2", (..., ...)).state == "your turn"
    assert check("A.2", (..., scores_intensity_stub)).state == "your turn"


def test_the_exact_score_flop_count_is_accepted_too() -> None:
    assert check("A.2", (20.0, lambda L, d, itemsize=4: L * L * (2 * d - 1) / (itemsize * (2 * L * d + L * L)))).passed


def test_the_a2_verdict_places_qk_on_both_ridges() -> None:
    message = check("A.2", (20.0, scores_intensity)).message
    assert "31" in message and "62" in message and "295" in message


def test_the_exact_flop_count_is_accepted_too() -> None:
    assert check("A.1", lambda m, n, itemsize=4: m * (2 * n - 1) / (itemsize * (m * n + n + m))).passed


def test_99_times_the_overhead_is_accepted_too() -> None:
    assert check("A.4", lambda us, bw: 99 * us * 1e-6 * bw * 1e9 / 8).passed
