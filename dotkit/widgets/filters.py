"""The filter playground: edit a 3×3 kernel and watch it filter a real photo (chapter 3).

Nine number boxes hold the kernel; a drop-down fills them with a classic
filter (identity, blur, sharpen, Sobel, Laplacian, ...), another picks the
photo, a third the channels: the gray photo; the colour photo with the same
kernel on each channel (depthwise, colour out); or the colour photo with a
full 3 → 1 filter, one 3×3 slice per channel (27 more boxes), summed into one
output channel as in a convolution layer. Every change runs
:func:`dotkit.nn.image_filters.filter_image` on the photo and redraws the input beside the output,
with the dot product behind one output pixel spelled out beside the boxes. The
27 boxes follow the nine (each slice is the kernel times its channel's
luminance weight) until they are set on their own. The picture is rendered to
PNG with matplotlib's Agg canvas and shown in an ``ipywidgets.Image``, so the
playground can be built and driven without a live frontend (tests do).

Example:
    >>> from dotkit.widgets.filters import filter_playground
    >>> pg = filter_playground("camera", preset="sobel_x")   # doctest: +SKIP
    >>> pg                                                   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit._inputs import check_positive_int
from dotkit.errors import InputValueError
from dotkit.nn.image_filters import PRESETS, as_kernel, filter_image
from dotkit.widgets._render import Explorer, new_figure, png_bytes

#: What the playground's channel drop-down offers.
MODES = ("gray", "colour, same kernel per channel", "colour, 3 → 1 filter")


def for_display(out: np.ndarray, kernel: Any = None) -> tuple[np.ndarray, str]:
    """Map a filtered image to ``[0, 1]`` for showing, and say how.

    A kernel whose weights sum to about 0 (an edge detector), or ``kernel=None``
    (a signed or magnitude map from elsewhere), gives responses near 0: their
    absolute value is shown, scaled by its 99.5th percentile. Any other kernel
    is shown as is, clipped to ``[0, 1]``.
    """
    if kernel is None or abs(float(as_kernel(kernel).sum())) < 1e-3:
        mag = np.abs(out)
        top = float(np.percentile(mag, 99.5)) or 1.0
        return np.clip(mag / top, 0.0, 1.0), f"|response| / {top:.3f} (weights sum to 0)"
    return np.clip(out, 0.0, 1.0), "clipped to [0, 1]"


class FilterPlayground(Explorer):
    """The widget behind :func:`filter_playground`; display it in a notebook.

    Attributes:
        cells: the nine ``FloatText`` boxes, row by row.
        mode: drop-down of :data:`MODES` (gray, per-channel colour, full 3 → 1 filter).
        channel_cells: three lists of nine boxes, the red, green and blue slices
            of the 3 → 1 filter (shown in that mode only).
        preset: drop-down of :data:`PRESETS` (``"custom"`` once a box is edited).
        photo: drop-down of bundled photos.
        readout: an HTML widget with the kernel's sum and one output spelled out.
        image: an Image widget with input and output side by side.
        output: the latest filtered image (NumPy, unclipped).
        widget: the whole layout (a VBox).
    """

    def __init__(self, photo: str = "camera", preset: str = "sobel x", size: int = 256, backend: Any = None,
                 mode: str = "gray") -> None:
        import ipywidgets as w

        from dotkit.datasets.images import list_images

        names = list_images()
        if photo not in names:
            raise InputValueError(f"filter_playground: unknown photo {photo!r}; available: {', '.join(names)}")
        if mode not in MODES:
            raise InputValueError(f"filter_playground: unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        if not isinstance(preset, str):
            raise InputValueError(f"filter_playground: preset must be one of {', '.join(PRESETS)}; received "
                                  f"{type(preset).__name__} (set a kernel of your own with set_kernel)")
        start = as_kernel(preset, op="filter_playground")
        self.size = check_positive_int("filter_playground", "size", size, minimum=3)
        self.backend = backend
        self._images: dict[str, np.ndarray] = {}
        self._syncing = False
        self.cells = [
            w.FloatText(value=float(start.flat[i]), step=0.25, layout=w.Layout(width="70px")) for i in range(9)
        ]
        self.preset = w.Dropdown(options=[*PRESETS, "custom"], value=preset.replace("_", " ").lower(),
                                 description="preset")
        self.photo = w.Dropdown(options=names, value=photo, description="photo")
        self.readout = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(width="640px"))
        self.output = np.zeros((1, 1), dtype=np.float32)
        self.mode = w.Dropdown(options=list(MODES), value=mode, description="channels")
        from dotkit.datasets.images import LUMA

        self.channel_cells = [  # start as the luminance-weighted kernel: the gray result, computed from colour
            [w.FloatText(value=round(float(weight * v), 4), step=0.25, layout=w.Layout(width="70px"))
             for v in start.flat]
            for weight in LUMA
        ]
        grid = w.GridBox(self.cells, layout=w.Layout(grid_template_columns="repeat(3, 76px)"))
        three = w.Layout(grid_template_columns="repeat(3, 76px)")
        slices = [w.VBox([w.HTML(f"<b>{name}</b>"), w.GridBox(cells, layout=three)])
                  for name, cells in zip(("red", "green", "blue"), self.channel_cells)]
        self._slices = w.HBox(slices, layout=w.Layout(display="none"))
        for cell in self.cells:
            cell.observe(self._edited, names="value")
        for cell in (c for cells in self.channel_cells for c in cells):
            cell.observe(self._update, names="value")
        self.preset.observe(self._chose_preset, names="value")
        self.photo.observe(self._update, names="value")
        self.mode.observe(self._update, names="value")
        self._grid = grid
        controls = w.HBox([w.VBox([self.preset, self.photo, self.mode]), grid, self._slices, self.readout])
        self.widget = w.VBox([controls, self.image])
        self._update()

    # -- state -----------------------------------------------------------------
    def kernel(self) -> np.ndarray:
        """The current 3×3 kernel from the nine boxes."""
        return np.array([c.value for c in self.cells], dtype=np.float32).reshape(3, 3)

    def set_kernel(self, kernel: Any) -> None:
        """Write a 3×3 kernel (or a preset's name) into the boxes and refilter once."""
        k = as_kernel(kernel, op="filter_playground")
        if k.shape != (3, 3):
            raise InputValueError(f"filter_playground: the kernel must be 3×3; received shape {k.shape}")
        self._syncing = True  # the boxes and the drop-down change together: filter once, at the end
        try:
            for cell, value in zip(self.cells, k.flat):
                cell.value = float(value)
            self._fill_slices(k)
        finally:
            self._syncing = False
        self._update()

    def channel_kernels(self) -> np.ndarray:
        """The 3 → 1 filter from its 27 boxes, shape ``(3, 3, 3)``: one 3×3 slice per channel (R, G, B)."""
        return np.array([[c.value for c in cells] for cells in self.channel_cells], dtype=np.float32).reshape(3, 3, 3)

    def set_channel_kernels(self, kernels: Any) -> None:
        """Write a ``(3, 3, 3)`` filter into the 27 boxes, switch to the 3 → 1 mode and refilter once."""
        k = np.asarray(kernels, dtype=np.float32)
        if k.shape != (3, 3, 3) or not np.all(np.isfinite(k)):
            raise InputValueError(f"filter_playground: a 3 → 1 filter is (3, 3, 3) finite numbers, one 3×3 slice "
                                  f"per channel; received shape {k.shape}")
        self._syncing = True
        try:
            for cells, plane in zip(self.channel_cells, k):
                for cell, value in zip(cells, plane.flat):
                    cell.value = float(value)
            self.mode.value = MODES[2]
        finally:
            self._syncing = False
        self._update()

    def _fill_slices(self, k: np.ndarray) -> None:
        """The 27 boxes follow the nine: each slice is the kernel times its channel's luminance weight."""
        from dotkit.datasets.images import LUMA

        for cells, weight in zip(self.channel_cells, LUMA):
            for cell, value in zip(cells, k.flat):
                cell.value = round(float(weight * value), 4)

    @staticmethod
    def _preset_name(k: np.ndarray) -> str:
        return next((name for name, p in PRESETS.items() if np.allclose(p, k)), "custom")

    def _current_preset(self) -> str:
        """The preset the filter in use matches: the nine boxes, or in 3 → 1 mode the 27 (luminance-weighted)."""
        if self.mode.value != MODES[2]:
            return self._preset_name(self.kernel())
        from dotkit.datasets.images import LUMA

        k3 = self.channel_kernels()
        return next((name for name, p in PRESETS.items()
                     if np.allclose(k3, LUMA[:, None, None] * p, atol=1e-4)), "custom")

    def photo_array(self) -> np.ndarray:
        """The selected photo, its longer side ``size`` pixels: ``(H, W)`` in gray mode, else ``(H, W, 3)`` (cached)."""
        from dotkit.datasets.images import load_image

        key = (self.photo.value, self.mode.value == "gray")
        if key not in self._images:
            self._images[key] = load_image(key[0], size=self.size, gray=key[1])
        return self._images[key]

    def _chose_preset(self, change: Any) -> None:
        if not self._syncing and change["new"] != "custom":
            self.set_kernel(change["new"])

    def _edited(self, change: Any) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            self._fill_slices(self.kernel())
        finally:
            self._syncing = False
        self._update()

    def _update(self, change: Any = None) -> None:
        if self._syncing:
            return
        img, k, full = self.photo_array(), self.kernel(), self.mode.value == MODES[2]
        self._syncing = True  # the drop-down names the filter in use, in either mode
        try:
            self.preset.value = self._current_preset()
        finally:
            self._syncing = False
        self._grid.layout.display = "none" if full else None
        self._slices.layout.display = None if full else "none"
        if full:  # one filter spanning the three channels: one output channel
            k3 = self.channel_kernels()
            self.output = filter_image(img, k3, backend=self.backend)
            shown, how = for_display(self.output, k3.reshape(9, 3))
            self.readout.value = self._html_full(img, k3, how)
        else:
            self.output = filter_image(img, k, backend=self.backend)
            shown, how = for_display(self.output, k)
            self.readout.value = self._html(img if img.ndim == 2 else img[..., 0], k, how,
                                            channel="" if img.ndim == 2 else " (red channel)")
        self.image.value = self._png(img, shown)

    # -- views -------------------------------------------------------------------
    def _html(self, img: np.ndarray, k: np.ndarray, how: str, channel: str = "") -> str:
        i, j = img.shape[0] // 2, img.shape[1] // 2
        patch = img[i - 1 : i + 2, j - 1 : j + 2]
        terms = " + ".join(f"{p:.2f}·{q:.2f}" for p, q in zip(patch.flat, k.flat))
        got = self.output[i, j] if self.output.ndim == 2 else self.output[i, j, 0]
        return (
            f"<p>weights sum to <b>{k.sum():.3f}</b>; output shown as {how}</p>"
            f"<p>centre pixel ({i}, {j}){channel}: patch · kernel =<br><small>{terms}</small><br>"
            f"= <b>{float(np.dot(patch.ravel(), k.ravel())):.4f}</b> "
            f"(conv2d gives {got:.4f})</p>"
        )

    def _html_full(self, img: np.ndarray, k3: np.ndarray, how: str) -> str:
        i, j = img.shape[0] // 2, img.shape[1] // 2
        patch = np.moveaxis(img[i - 1 : i + 2, j - 1 : j + 2], -1, 0)  # (3, 3, 3): channel, row, column
        parts = [float(np.dot(patch[c].ravel(), k3[c].ravel())) for c in range(3)]
        return (
            f"<p>27 weights sum to <b>{k3.sum():.3f}</b>; output shown as {how}</p>"
            f"<p>centre pixel ({i}, {j}): patch · filter over 3 channels =<br>"
            f"<small>red {parts[0]:.4f} + green {parts[1]:.4f} + blue {parts[2]:.4f}</small><br>"
            f"= <b>{sum(parts):.4f}</b> (conv2d gives {self.output[i, j]:.4f})</p>"
        )

    @staticmethod
    def _png(img: np.ndarray, shown: np.ndarray) -> bytes:
        fig = new_figure(figsize=(8, 4))
        for pos, (picture, title) in enumerate(((img, "input"), (shown, "output"))):
            ax = fig.add_subplot(1, 2, pos + 1)
            ax.imshow(picture, cmap="gray", vmin=0, vmax=1)  # colour (H, W, 3) is shown as RGB
            ax.set_title(title)
            ax.axis("off")
        fig.tight_layout()
        return png_bytes(fig)


    def __repr__(self) -> str:
        rows = "; ".join(" ".join(f"{v:g}" for v in row) for row in self.kernel())
        return f"FilterPlayground(photo={self.photo.value!r}, preset={self.preset.value!r}, kernel=[{rows}])"


def filter_playground(photo: str = "camera", preset: str = "sobel x", *, size: int = 256,
                      backend: Any = None, mode: str = "gray") -> FilterPlayground:
    """A 3×3 filter playground on a bundled photo: edit the kernel, see the filtered photo.

    Args:
        photo: a name from :func:`dotkit.datasets.list_images`.
        preset: the starting kernel, a key of :data:`PRESETS`.
        size: the photo's longer side in pixels.
        backend: the dotkit backend that filters (default: the current one).
        mode: one of :data:`MODES`: the gray photo, the colour photo filtered per
            channel, or the colour photo with a full 3 → 1 filter.

    Returns:
        A :class:`FilterPlayground`; display it (last line of a cell) to play.

    Example:
        >>> pg = filter_playground("coffee", "laplacian")   # doctest: +SKIP
        >>> pg.set_kernel("gaussian blur")                  # doctest: +SKIP
    """
    return FilterPlayground(photo, preset, size, backend, mode)


_PATCH, _LIGHT = "tab:orange", "#fde3c8"  # the outlined patch, and the cells that belong to it


def _grid(ax: Any, x0: float, y0: float, values: list[list[str]], fills: Any = None, fontsize: int = 10) -> None:
    """A table of labelled unit cells with its top-left corner at ``(x0, y0)``; ``fills(r, c)`` colours a cell."""
    from matplotlib.patches import Rectangle

    for r, line in enumerate(values):
        for c, text in enumerate(line):
            fill = fills(r, c) if fills else "white"
            ax.add_patch(Rectangle((x0 + c, y0 + r), 1, 1, facecolor=fill, edgecolor="0.4", lw=0.8))
            ax.text(x0 + c + 0.5, y0 + r + 0.5, text, ha="center", va="center", fontsize=fontsize)


def _outline(ax: Any, x0: float, y0: float, w: float, h: float) -> None:
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((x0, y0), w, h, fill=False, edgecolor=_PATCH, lw=2.5))


def _title(ax: Any, x: float, text: str) -> None:
    ax.text(x, -0.4, text, ha="center", va="bottom", fontsize=10)


def _draw_product(ax: Any, x_f: float, out: int, k: int, hi: int, patch: tuple[int, int]) -> float:
    """The flattened filter, the output column and the folded feature map, from ``x_f`` on; the right edge."""
    ax.text(x_f - 0.6, out * out / 2, "@", ha="center", va="center", fontsize=16)
    _grid(ax, x_f, 0, [[f"k{u}{v}"] for u in range(k) for v in range(k)], fontsize=9)
    _title(ax, x_f + 0.5, "filter")
    x_o = x_f + 2.2
    ax.text(x_o - 0.6, out * out / 2, "=", ha="center", va="center", fontsize=16)
    _grid(ax, x_o, 0, [[f"o{r // out}{r % out}"] for r in range(out * out)],
          lambda r, c: _LIGHT if r == hi else "white", fontsize=9)
    _title(ax, x_o + 0.5, "output")
    x_m = x_o + 2.5
    ax.text(x_m - 0.7, out / 2, "→", ha="center", va="center", fontsize=14)
    _grid(ax, x_m, 0, [[f"o{i}{j}" for j in range(out)] for i in range(out)],
          lambda r, c: _LIGHT if (r, c) == patch else "white", fontsize=9)
    ax.text(x_m + out / 2, out + 0.3, f"reshaped\nto {out}×{out}", ha="center", va="top", fontsize=9)
    return x_m + out


def draw_im2col(ax: Any, *, size: int = 4, k: int = 3, patch: tuple[int, int] = (0, 1)) -> Any:
    """Draw im2col on a numbered ``size × size`` image: one patch, the row it becomes, the matrix product.

    Left, the image with its pixels numbered 1, 2, ... row by row and the
    ``k × k`` patch under output position ``patch`` outlined; middle, the column
    matrix, one row per output position (that patch's row outlined too), times
    the filter flattened to a column ``k₀₀ … k₍k−1₎₍k−1₎``; right, the output
    column, one dot product per row, and the same numbers folded back into
    the ``Ho × Wo`` feature map. One channel, stride 1, no padding.

    Returns:
        ``ax``, with the pieces drawn in cell units and labelled.
    """
    out = size - k + 1
    image = np.arange(1, size * size + 1).reshape(size, size)
    rows = [image[i : i + k, j : j + k].ravel() for i in range(out) for j in range(out)]
    pi, pj = patch
    hi = pi * out + pj
    in_patch = lambda r, c: _LIGHT if pi <= r < pi + k and pj <= c < pj + k else "white"  # noqa: E731
    _grid(ax, 0, 0, [[str(v) for v in line] for line in image], in_patch)
    _outline(ax, pj, pi, k, k)
    _title(ax, size / 2, f"image {size}×{size}, pixels numbered")
    x_cols = size + 2.5
    _grid(ax, x_cols, 0, [[str(v) for v in row] for row in rows], lambda r, c: _LIGHT if r == hi else "white")
    _outline(ax, x_cols, hi, k * k, 1)
    _title(ax, x_cols + k * k / 2, f"column matrix: {out * out} patches × {k * k}")
    for r in range(out * out):
        ax.text(x_cols - 0.2, r + 0.5, f"({r // out},{r % out})", ha="right", va="center", fontsize=9)
    ax.annotate("", xy=(x_cols - 1.3, pi + k / 2), xytext=(size + 0.1, pi + k / 2),
                arrowprops={"arrowstyle": "->", "color": _PATCH, "lw": 2})
    right = _draw_product(ax, x_cols + k * k + 1.2, out, k, hi, patch)
    ax.set(xlim=(-0.5, right + 0.5), ylim=(max(size, k * k) + 0.5, -1.6), aspect="equal")
    ax.axis("off")
    return ax


__all__ = ["MODES", "FilterPlayground", "draw_im2col", "filter_playground", "for_display"]
