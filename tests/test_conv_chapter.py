"""Chapter 3's kit: bundled photos and the benchmark (the filters: test_image_filters, test_widgets_filters;
checkers: test_exercises_ch3)."""

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


# -- dotkit.benchmarks.conv -------------------------------------------------------------------------------
def test_benchmark_reports_gflops(backend) -> None:
    from dotkit.benchmarks.conv import run, sgemm_gflops

    r = run(backend.name, n=1, c_in=2, c_out=3, size=10, repeats=1, budget_s=0.2)
    assert r["backend"] == backend.name and r["flops"] == 2 * 1 * 3 * 10 * 10 * 2 * 9
    assert r["seconds"] > 0 and r["gflops"] > 0
    assert sgemm_gflops(backend.name, size=64, repeats=1) > 0
    assert dk.conv2d is not None
