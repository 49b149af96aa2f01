"""The appendix's checkers: the stub, typical mistakes and the solution (see exercise_harness)."""

from __future__ import annotations

from exercise_harness import Case, make_tests

from dotkit.exercises import check


def matvec_intensity_stub(m, n, itemsize=4):
    # your code: F = FLOPs of the product, B = bytes moved; return F / B
    ...


def matvec_intensity(m, n, itemsize=4):
    return 2 * m * n / (itemsize * (m * n + n + m))


def predict_seconds_stub(n, bandwidth_gbs):
    # your code: bytes of both vectors, divided by bytes per second
    ...


def predict_seconds(n, bandwidth_gbs):
    return 8 * n / (bandwidth_gbs * 1e9)


def break_even_n_stub(overhead_us, bandwidth_gbs):
    # your code: the n whose 8n bytes take 100 times the overhead
    ...


def break_even_n(overhead_us, bandwidth_gbs):
    return 100 * overhead_us * 1e-6 * bandwidth_gbs * 1e9 / 8


CASES = {
    "A.1": Case(
        stub=matvec_intensity_stub,
        wrong=[
            (lambda m, n, itemsize=4: 2 * m * n / (m * n + n + m), "in bytes"),
            (lambda m, n, itemsize=4: 2 / itemsize, "only the matrix"),
            (lambda m, n, itemsize=4: itemsize * (m * n + n + m) / (2 * m * n), "bytes per FLOP"),
            (lambda m, n, itemsize=4: matvec_intensity(m, n, itemsize) * 1.5, "off"),
            (lambda m, n, itemsize=4: [1.0, 2.0], "one number"),
        ],
        solution=matvec_intensity,
    ),
    "A.2": Case(
        stub=...,
        wrong=[(3.35 / 67, "bytes per FLOP"), (20000.0, "factor of 1000"), (5.0, "factor of 4"), (12.0, "recompute")],
        solution=20.0,
    ),
    "A.3": Case(
        stub=predict_seconds_stub,
        wrong=[
            (lambda n, bw: 4 * n / (bw * 1e9), "half the time"),
            (lambda n, bw: 8 * n / bw, "10⁹"),
            (lambda n, bw: 2 * n / (bw * 1e9), "FLOPs"),
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
            (lambda us, bw: 7.0, "off"),
        ],
        solution=break_even_n,
    ),
}

globals().update(make_tests(CASES))


def test_a_ridge_from_the_exact_quotient_passes() -> None:
    assert check("A.2", 67 / 3.35).state == "correct"


def test_the_exact_flop_count_is_accepted_too() -> None:
    assert check("A.1", lambda m, n, itemsize=4: m * (2 * n - 1) / (itemsize * (m * n + n + m))).passed


def test_99_times_the_overhead_is_accepted_too() -> None:
    assert check("A.4", lambda us, bw: 99 * us * 1e-6 * bw * 1e9 / 8).passed
