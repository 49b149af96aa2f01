"""The filter playground (chapter 3), built and driven without a frontend; the im2col drawing."""

from __future__ import annotations

import numpy as np
import pytest

from dotkit.errors import InputValueError


def test_for_display_scales_edge_responses_and_clips_the_rest() -> None:
    from dotkit.widgets.filters import for_display

    out = np.array([[-2.0, 0.5], [1.5, 0.0]])
    shown, how = for_display(out, "sobel x")  # weights sum to 0: |response| over its 99.5th percentile
    top = np.percentile(np.abs(out), 99.5)
    np.testing.assert_allclose(shown, np.clip(np.abs(out) / top, 0, 1))
    assert f"{top:.3f}" in how
    shown, how = for_display(out, "box blur")
    np.testing.assert_array_equal(shown, np.clip(out, 0, 1))
    assert how == "clipped to [0, 1]"


def test_playground_builds_and_reacts_without_a_frontend() -> None:
    pytest.importorskip("ipywidgets")
    from dotkit.nn.image_filters import PRESETS, filter_image
    from dotkit.widgets.filters import filter_playground

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
    from dotkit.nn.image_filters import filter_image
    from dotkit.widgets.filters import MODES, filter_playground

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
    from dotkit.nn.image_filters import filter_image
    from dotkit.widgets.filters import MODES, filter_playground

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

    from dotkit.widgets.filters import draw_im2col

    fig, ax = plt.subplots()
    draw_im2col(ax, size=4, k=3, patch=(0, 1))
    texts = [t.get_text() for t in ax.texts]
    assert "column matrix: 4 patches × 9" in texts
    # the patch under output (0, 1) holds pixels 2 3 4 / 6 7 8 / 10 11 12: its row in the matrix
    numbers = [t for t in ax.texts if t.get_text().isdigit()]
    row = [t.get_text() for t in numbers[16:] if abs(t.get_position()[1] - 1.5) < 1e-9]
    assert row == ["2", "3", "4", "6", "7", "8", "10", "11", "12"]
    plt.close(fig)
