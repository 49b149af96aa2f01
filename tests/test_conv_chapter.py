"""Chapter 3's kit: bundled photos, the filter playground, the benchmark (checkers: test_exercises_ch3)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import dotkit as dk
from dotkit.errors import InputValueError

pytest.importorskip("skimage")


# -- dotkit.datasets.images ---------------------------------------------------------------------
def test_every_listed_image_loads_offline() -> None:
    from dotkit.datasets.images import list_images, load_image

    names = list_images()
    assert {"camera", "astronaut", "coffee", "chelsea"} <= set(names)
    for name in names:
        img = load_image(name, size=32)
        assert img.dtype == np.float32 and img.ndim == 3 and img.shape[2] == 3 and max(img.shape[:2]) == 32
        assert 0.0 <= float(img.min()) <= float(img.max()) <= 1.0
    assert "pooch" not in sys.modules  # nothing went through scikit-image's downloader


def test_load_image_sizes_and_gray() -> None:
    from dotkit.datasets.images import LUMA, load_image

    full = load_image("chelsea")
    assert full.shape == (300, 451, 3)
    assert load_image("chelsea", size=(20, 30)).shape == (20, 30, 3)
    gray = load_image("chelsea", size=90, gray=True)
    colour = load_image("chelsea", size=90)
    assert gray.shape == colour.shape[:2] == (60, 90)
    np.testing.assert_allclose(gray, colour @ LUMA, atol=1e-6)  # gray is a dot product per pixel
    cam = load_image("camera", gray=True)
    assert cam.shape == (512, 512)
    np.testing.assert_array_equal(load_image("camera")[..., 1], cam)  # gray sources repeat over channels
    cam[0, 0] = 5.0  # a fresh copy each time: the cache is not modified
    assert load_image("camera", gray=True)[0, 0] <= 1.0


def test_sklearn_images_and_lazy_name() -> None:
    pytest.importorskip("sklearn")
    import dotkit.datasets as ds

    assert ds.load_image("china", size=64).shape == (43, 64, 3)


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        ({"name": "camara"}, r"load_image: unknown image 'camara'. Did you mean 'camera'"),
        ({"name": "camera", "size": 0}, r"load_image: size must hold positive ints"),
        ({"name": "camera", "size": "big"}, r"load_image: size must be an int or a pair"),
    ],
)
def test_load_image_errors(kwargs, pattern) -> None:
    from dotkit.datasets.images import load_image

    with pytest.raises(InputValueError, match=pattern):
        load_image(**kwargs)


# -- dotkit.widgets.ch3 ----------------------------------------------------------------------------
def test_filter_image_matches_scipy(backend) -> None:
    from scipy.signal import correlate2d

    from dotkit.widgets.ch3 import PRESETS, filter_image

    img = np.random.default_rng(0).random((12, 15)).astype(np.float32)
    for name, kernel in PRESETS.items():
        want = correlate2d(img.astype(np.float64), kernel.astype(np.float64), mode="same")
        np.testing.assert_allclose(filter_image(img, name, backend=backend), want, rtol=1e-5, atol=1e-5)
    colour = np.random.default_rng(1).random((6, 7, 3)).astype(np.float32)
    out = filter_image(colour, "box blur", backend=backend)
    assert out.shape == colour.shape
    np.testing.assert_allclose(out[..., 2], filter_image(colour[..., 2], "box blur", backend=backend), atol=1e-6)


def test_playground_builds_and_reacts_without_a_frontend() -> None:
    pytest.importorskip("ipywidgets")
    from dotkit.widgets.ch3 import PRESETS, filter_image, filter_playground

    pg = filter_playground("camera", preset="sobel x", size=64)
    np.testing.assert_array_equal(pg.kernel(), PRESETS["sobel x"])
    assert pg.image.value[:4] == b"\x89PNG" and "patch · kernel" in pg.readout.value
    pg.preset.value = "gaussian blur"
    np.testing.assert_allclose(pg.kernel(), PRESETS["gaussian blur"])
    np.testing.assert_allclose(pg.output, filter_image(pg.photo_array(), "gaussian blur"), atol=1e-6)
    pg.cells[4].value = 2.0  # an edit makes it a custom kernel
    assert pg.preset.value == "custom" and pg.kernel()[1, 1] == 2.0
    pg.set_kernel("laplacian")
    assert pg.preset.value == "laplacian"
    pg.photo.value = "coffee"
    assert pg.output.shape == (43, 64)
    assert "FilterPlayground(photo='coffee', preset='laplacian'" in repr(pg)
    with pytest.raises(InputValueError, match="filter_playground: the kernel must be 3×3"):
        pg.set_kernel(np.ones((2, 2)))
    with pytest.raises(InputValueError, match="filter_playground: unknown photo"):
        filter_playground("nope")


def test_playground_colour_modes() -> None:
    pytest.importorskip("ipywidgets")
    from scipy.signal import correlate2d

    from dotkit.datasets.images import load_image
    from dotkit.widgets.ch3 import MODES, filter_image, filter_playground

    pg = filter_playground("coffee", preset="sobel x", size=48, mode=MODES[1])
    colour = load_image("coffee", size=48)
    assert pg.photo_array().shape == colour.shape and pg.output.shape == colour.shape
    np.testing.assert_allclose(pg.output, filter_image(colour, "sobel x"), atol=1e-6)  # each channel alone
    assert "(red channel)" in pg.readout.value
    pg.mode.value = MODES[2]  # starts as the luminance-weighted kernel: the gray photo's response
    gray = load_image("coffee", size=48, gray=True)
    np.testing.assert_allclose(pg.output, filter_image(gray, "sobel x"), atol=1e-4)
    k3 = np.random.default_rng(0).normal(size=(3, 3, 3)).astype(np.float32)
    pg.set_channel_kernels(k3)
    want = sum(correlate2d(colour[..., c].astype(np.float64), k3[c].astype(np.float64), mode="same") for c in range(3))
    np.testing.assert_allclose(pg.output, want, atol=1e-4)  # one output channel, summed over the three
    np.testing.assert_array_equal(pg.channel_kernels(), k3)
    assert "red" in pg.readout.value and "27 weights" in pg.readout.value
    assert pg.image.value[:4] == b"\x89PNG"
    pg.set_kernel("laplacian")  # a preset in this mode fills the slices, luminance-weighted
    np.testing.assert_allclose(pg.output, filter_image(gray, "laplacian"), atol=1e-3)
    pg.mode.value = MODES[0]
    assert pg.output.shape == gray.shape
    assert pg.preset.value == "laplacian"


def test_playground_slices_follow_the_nine_boxes() -> None:
    pytest.importorskip("ipywidgets")
    from dotkit.datasets.images import load_image
    from dotkit.widgets.ch3 import MODES, filter_image, filter_playground

    gray = load_image("coffee", size=40, gray=True)
    pg = filter_playground("coffee", preset="sobel x", size=40)
    pg.set_kernel("sobel y")  # edited in gray mode ...
    pg.cells[4].value = 1.0   # ... and by hand
    pg.mode.value = MODES[2]  # the 3 → 1 filter is the edited kernel, luminance-weighted
    np.testing.assert_allclose(pg.output, filter_image(gray, pg.kernel()), atol=1e-4)
    assert pg.preset.value == "custom"
    pg.set_kernel("gaussian blur")
    assert pg.preset.value == "gaussian blur"
    pg.set_channel_kernels(np.zeros((3, 3, 3)) + np.eye(3)[:, :, None])  # a filter of its own
    assert pg.preset.value == "custom"
    with pytest.raises(InputValueError, match=r"\(3, 3, 3\)"):
        pg.set_channel_kernels(np.ones((3, 3)))
    with pytest.raises(InputValueError, match="unknown mode"):
        filter_playground("coffee", mode="nope")


def test_draw_im2col() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dotkit.widgets.ch3 import draw_im2col

    fig, ax = plt.subplots()
    draw_im2col(ax, size=4, k=3, patch=(0, 1))
    texts = [t.get_text() for t in ax.texts]
    assert "column matrix: 4 patches × 9" in texts
    # the patch under output (0, 1) holds pixels 2 3 4 / 6 7 8 / 10 11 12: its row in the matrix
    numbers = [t for t in ax.texts if t.get_text().isdigit()]
    row = [t.get_text() for t in numbers[16:] if abs(t.get_position()[1] - 1.5) < 1e-9]
    assert row == ["2", "3", "4", "6", "7", "8", "10", "11", "12"]
    plt.close(fig)


# -- dotkit.benchmarks.conv -------------------------------------------------------------------------------
def test_benchmark_reports_gflops(backend) -> None:
    from dotkit.benchmarks.conv import run, sgemm_gflops

    r = run(backend.name, n=1, c_in=2, c_out=3, size=10, repeats=1, budget_s=0.2)
    assert r["backend"] == backend.name and r["flops"] == 2 * 1 * 3 * 10 * 10 * 2 * 9
    assert r["seconds"] > 0 and r["gflops"] > 0
    assert sgemm_gflops(backend.name, size=64, repeats=1) > 0
    assert dk.conv2d is not None
