"""dotkit.nn.image_filters: a photo through a small kernel, against SciPy's correlation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate2d

from dotkit.errors import InputValueError
from dotkit.nn.image_filters import PRESETS, as_kernel, filter_image


def test_filter_image_matches_scipy(backend) -> None:
    img = np.random.default_rng(0).random((12, 15)).astype(np.float32)
    for name, kernel in PRESETS.items():
        want = correlate2d(img.astype(np.float64), kernel.astype(np.float64), mode="same")
        np.testing.assert_allclose(filter_image(img, name, backend=backend), want, rtol=1e-5, atol=1e-5)


def test_a_2d_kernel_filters_each_colour_channel_alone(backend) -> None:
    colour = np.random.default_rng(1).random((6, 7, 3)).astype(np.float32)
    out = filter_image(colour, "box blur", backend=backend)
    assert out.shape == colour.shape and out.dtype == np.float32
    for c in range(3):
        np.testing.assert_allclose(out[..., c], filter_image(colour[..., c], "box blur", backend=backend), atol=1e-6)


def test_a_3d_kernel_is_one_filter_summed_over_the_channels(backend) -> None:
    rng = np.random.default_rng(2)
    colour = rng.random((9, 8, 3)).astype(np.float32)
    k3 = rng.normal(size=(3, 3, 3)).astype(np.float32)
    want = sum(correlate2d(colour[..., c].astype(np.float64), k3[c].astype(np.float64), mode="same") for c in range(3))
    got = filter_image(colour, k3, backend=backend)
    assert got.shape == (9, 8)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_as_kernel_reads_preset_names_either_way() -> None:
    np.testing.assert_array_equal(as_kernel("sobel_x"), PRESETS["sobel x"])
    np.testing.assert_array_equal(as_kernel("Sobel X"), PRESETS["sobel x"])
    assert as_kernel([[1, 2], [3, 4]]).dtype == np.float32


@pytest.mark.parametrize(
    ("image", "kernel", "pattern"),
    [
        (np.zeros((4, 4)), "nope", "unknown preset 'nope'"),
        (np.zeros((4, 4)), np.ones(3), r"filter_image: expected a \(kh, kw\) or \(C, kh, kw\) kernel.*\(3,\)"),
        (np.zeros((4, 4)), [[1.0, np.nan]], "finite"),
        (np.zeros(4), "identity", r"expected an image \(H, W\) or \(H, W, C\); received shape \(4,\)"),
        (np.zeros((4, 4)), np.ones((3, 3, 3)), r"kernel shape \(3, 3, 3\), image shape \(4, 4\)"),
        (np.zeros((4, 4, 2)), np.ones((3, 3, 3)), r"same C"),
    ],
)
def test_filter_image_errors_name_the_argument(image, kernel, pattern) -> None:
    with pytest.raises(InputValueError, match=pattern):
        filter_image(image, kernel)
