"""The appendix's checkers: the stub, typical mistakes and the solution (see exercise_harness)."""

from __future__ import annotations

from exercise_harness import Case, make_tests

from dotkit.exercises import check


def matvec_intensity_stub(m, n, itemsize=4):
    # your code: the arithmetic intensity of y = W x
    ...


def matvec_intensity(m, n, itemsize=4):
    return 2 * m * n / (itemsize * (m * n + n + m))


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
            (lambda m, n, itemsize=4: itemsize * (m * n + n + m) / (2 * m * n), "bytes per FLOP"),
            (lambda m, n, itemsize=4: m * n / (itemsize * (m * n + n + m)), "two FLOPs"),
            (lambda m, n, itemsize=4: 2 * m * n / (itemsize * (m * n + n)), "result y"),
            (lambda m, n, itemsize=4: matvec_intensity(m, n, itemsize) * 1.5, "off"),
            (lambda m, n, itemsize=4: [1.0, 2.0], "one number"),
        ],
        solution=matvec_intensity,
    ),
    "A.2": Case(
        stub=...,  # the chapter passes (gpu_ridge, gpu_n) = (..., ...): see the test below
        wrong=[((3.35 / 67, 120.0), "bytes per FLOP"), ((20000.0, 120.0), "factor of 1000"),
               ((5.0, 120.0), "factor of 4"), ((120.0, 20.0), "side N"), ((10.0, 60.0), "half the ridge"),
               ((12.0, 72.0), "recompute"), ((20.0, ...), "now gpu_n"), ((20.0, 20 / 6), "6 times"),
               ((20.0, 20.0), "not N"), ((20.0, 100.0), "solve"), (20.0, "together")],
        solution=(20.0, 120.0),
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
            (lambda us, bw: 7.0, "off"),
        ],
        solution=break_even_n,
    ),
}

globals().update(make_tests(CASES))


def test_a_ridge_from_the_exact_quotient_passes() -> None:
    assert check("A.2", (67 / 3.35, 6 * 67 / 3.35)).state == "correct"


def test_the_chapters_pair_of_stubs_is_your_turn() -> None:
    assert check("A.2", (..., ...)).state == "your turn"


def test_the_exact_flop_count_is_accepted_too() -> None:
    assert check("A.1", lambda m, n, itemsize=4: m * (2 * n - 1) / (itemsize * (m * n + n + m))).passed


def test_99_times_the_overhead_is_accepted_too() -> None:
    assert check("A.4", lambda us, bw: 99 * us * 1e-6 * bw * 1e9 / 8).passed
