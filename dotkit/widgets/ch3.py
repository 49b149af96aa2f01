"""Chapter 3 playground: edit a 3×3 kernel and watch it filter a real photo.

Nine number boxes hold the kernel; a drop-down fills them with a classic
filter (identity, blur, sharpen, Sobel, Laplacian, ...), another picks the
photo. Every change runs :func:`dotkit.conv2d` on the photo and redraws the
input beside the output, with the dot product behind one output pixel spelled
out under it. The picture is rendered to PNG with matplotlib's Agg canvas and
shown in an ``ipywidgets.Image``, so the playground can be built and driven
without a live frontend (tests do).

Example:
    >>> from dotkit.widgets.ch3 import filter_playground
    >>> pg = filter_playground("camera", preset="sobel_x")   # doctest: +SKIP
    >>> pg                                                   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.errors import InputValueError
from dotkit.widgets._render import Explorer, new_figure, png_bytes

#: Classic 3×3 filters. Those whose weights sum to 1 keep brightness (smoothing,
#: sharpening); those whose weights sum to 0 answer "how much does the image
#: change here?" and are zero on flat regions (edge detectors).
PRESETS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float32),
    "box blur": np.full((3, 3), 1 / 9, dtype=np.float32),
    "gaussian blur": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float32) / 16,
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float32),
    "sobel x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32),
    "sobel y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float32),
    "laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float32),
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=np.float32),
}


def _kernel(kernel: Any) -> np.ndarray:
    if isinstance(kernel, str):
        key = kernel.replace("_", " ").lower()
        if key not in PRESETS:
            raise InputValueError(f"filter_image: unknown preset {kernel!r}; known: {', '.join(PRESETS)}")
        return PRESETS[key]
    k = np.asarray(kernel, dtype=np.float32)
    if k.ndim != 2 or not np.all(np.isfinite(k)):
        raise InputValueError(f"filter_image: expected a 2-D kernel of finite numbers; received shape {k.shape}")
    return k


def filter_image(image: Any, kernel: Any, *, backend: Any = None) -> np.ndarray:
    """Correlate a gray ``(H, W)`` or colour ``(H, W, 3)`` image with a 2-D kernel, same size out.

    Each colour channel is filtered on its own (the channels go through
    :func:`dotkit.conv2d` as a batch of one-channel images); zero padding keeps
    the size for odd kernels.

    Args:
        image: NumPy or backend array, ``(H, W)`` or ``(H, W, C)``.
        kernel: a 2-D array, or the name of a :data:`PRESETS` entry (``"sobel x"``).
        backend: the dotkit backend to compute on (default: the current one).

    Returns:
        A float32 NumPy array of the image's shape (values are not clipped).

    Example:
        >>> filter_image(np.eye(3, dtype=np.float32), "identity").tolist()[1]
        [0.0, 1.0, 0.0]
    """
    import dotkit as dk

    k = _kernel(kernel)
    img = np.asarray(dk.to_numpy(image), dtype=np.float32)
    if img.ndim not in (2, 3):
        raise InputValueError(f"filter_image: expected an image (H, W) or (H, W, C); received shape {img.shape}")
    planes = img[None] if img.ndim == 2 else np.moveaxis(img, -1, 0)  # (C, H, W)
    kh, kw = k.shape
    bk = dk.get_backend(backend)  # None: the backend in force (use_backend block, DOTKIT_BACKEND)
    out = dk.conv2d(planes[:, None], k[None, None], padding=(kh // 2, kw // 2), backend=bk)
    out = np.asarray(dk.to_numpy(out), dtype=np.float32)[:, 0, : img.shape[0], : img.shape[1]]
    return out[0] if img.ndim == 2 else np.moveaxis(out, 0, -1)


def for_display(out: np.ndarray, kernel: Any = None) -> tuple[np.ndarray, str]:
    """Map a filtered image to ``[0, 1]`` for showing, and say how.

    A kernel whose weights sum to about 0 (an edge detector), or ``kernel=None``
    (a signed or magnitude map from elsewhere), gives responses near 0: their
    absolute value is shown, scaled by its 99.5th percentile. Any other kernel
    is shown as is, clipped to ``[0, 1]``.
    """
    if kernel is None or abs(float(_kernel(kernel).sum())) < 1e-3:
        mag = np.abs(out)
        top = float(np.percentile(mag, 99.5)) or 1.0
        return np.clip(mag / top, 0.0, 1.0), f"|response| / {top:.3f} (weights sum to 0)"
    return np.clip(out, 0.0, 1.0), "clipped to [0, 1]"


class FilterPlayground(Explorer):
    """The widget behind :func:`filter_playground`; display it in a notebook.

    Attributes:
        cells: the nine ``FloatText`` boxes, row by row.
        preset: drop-down of :data:`PRESETS` (``"custom"`` once a box is edited).
        photo: drop-down of bundled photos.
        readout: an HTML widget with the kernel's sum and one output spelled out.
        image: an Image widget with input and output side by side.
        output: the latest filtered image (NumPy, unclipped).
        widget: the whole layout (a VBox).
    """

    def __init__(self, photo: str = "camera", preset: str = "sobel x", size: int = 256, backend: Any = None) -> None:
        import ipywidgets as w

        from dotkit.datasets.images import list_images

        names = list_images()
        if photo not in names:
            raise InputValueError(f"filter_playground: unknown photo {photo!r}; available: {', '.join(names)}")
        self.size, self.backend = size, backend
        self._images: dict[str, np.ndarray] = {}
        self._syncing = False
        start = _kernel(preset)
        self.cells = [
            w.FloatText(value=float(start.flat[i]), step=0.25, layout=w.Layout(width="70px")) for i in range(9)
        ]
        self.preset = w.Dropdown(options=[*PRESETS, "custom"], value=preset.replace("_", " ").lower(),
                                 description="preset")
        self.photo = w.Dropdown(options=names, value=photo, description="photo")
        self.readout = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(width="640px"))
        self.output = np.zeros((1, 1), dtype=np.float32)
        grid = w.GridBox(self.cells, layout=w.Layout(grid_template_columns="repeat(3, 76px)"))
        for cell in self.cells:
            cell.observe(self._edited, names="value")
        self.preset.observe(self._chose_preset, names="value")
        self.photo.observe(self._update, names="value")
        controls = w.HBox([w.VBox([self.preset, self.photo]), grid, self.readout])
        self.widget = w.VBox([controls, self.image])
        self._update()

    # -- state -----------------------------------------------------------------
    def kernel(self) -> np.ndarray:
        """The current 3×3 kernel from the nine boxes."""
        return np.array([c.value for c in self.cells], dtype=np.float32).reshape(3, 3)

    def set_kernel(self, kernel: Any) -> None:
        """Write a 3×3 kernel (or a preset's name) into the boxes and refilter once."""
        k = _kernel(kernel)
        if k.shape != (3, 3):
            raise InputValueError(f"filter_playground: the kernel must be 3×3; received shape {k.shape}")
        self._syncing = True  # the boxes and the drop-down change together: filter once, at the end
        try:
            for cell, value in zip(self.cells, k.flat):
                cell.value = float(value)
            self.preset.value = self._preset_name(k)
        finally:
            self._syncing = False
        self._update()

    @staticmethod
    def _preset_name(k: np.ndarray) -> str:
        return next((name for name, p in PRESETS.items() if np.allclose(p, k)), "custom")

    def photo_array(self) -> np.ndarray:
        """The selected photo, gray, its longer side ``size`` pixels (cached)."""
        from dotkit.datasets.images import load_image

        name = self.photo.value
        if name not in self._images:
            self._images[name] = load_image(name, size=self.size, gray=True)
        return self._images[name]

    def _chose_preset(self, change: Any) -> None:
        if not self._syncing and change["new"] != "custom":
            self.set_kernel(change["new"])

    def _edited(self, change: Any) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            self.preset.value = self._preset_name(self.kernel())
        finally:
            self._syncing = False
        self._update()

    def _update(self, change: Any = None) -> None:
        img, k = self.photo_array(), self.kernel()
        self.output = filter_image(img, k, backend=self.backend)
        shown, how = for_display(self.output, k)
        self.readout.value = self._html(img, k, how)
        self.image.value = self._png(img, shown)

    # -- views -------------------------------------------------------------------
    def _html(self, img: np.ndarray, k: np.ndarray, how: str) -> str:
        i, j = img.shape[0] // 2, img.shape[1] // 2
        patch = img[i - 1 : i + 2, j - 1 : j + 2]
        terms = " + ".join(f"{p:.2f}·{q:.2f}" for p, q in zip(patch.flat, k.flat))
        return (
            f"<p>weights sum to <b>{k.sum():.3f}</b>; output shown as {how}</p>"
            f"<p>centre pixel ({i}, {j}): patch · kernel =<br><small>{terms}</small><br>"
            f"= <b>{float(np.dot(patch.ravel(), k.ravel())):.4f}</b> "
            f"(conv2d gives {self.output[i, j]:.4f})</p>"
        )

    @staticmethod
    def _png(img: np.ndarray, shown: np.ndarray) -> bytes:
        fig = new_figure(figsize=(8, 4))
        for pos, (picture, title) in enumerate(((img, "input"), (shown, "output"))):
            ax = fig.add_subplot(1, 2, pos + 1)
            ax.imshow(picture, cmap="gray", vmin=0, vmax=1)
            ax.set_title(title)
            ax.axis("off")
        fig.tight_layout()
        return png_bytes(fig)


    def __repr__(self) -> str:
        rows = "; ".join(" ".join(f"{v:g}" for v in row) for row in self.kernel())
        return f"FilterPlayground(photo={self.photo.value!r}, preset={self.preset.value!r}, kernel=[{rows}])"


def filter_playground(photo: str = "camera", preset: str = "sobel x", *, size: int = 256,
                      backend: Any = None) -> FilterPlayground:
    """A 3×3 filter playground on a bundled photo: edit the kernel, see the filtered photo.

    Args:
        photo: a name from :func:`dotkit.datasets.list_images`.
        preset: the starting kernel, a key of :data:`PRESETS`.
        size: the photo's longer side in pixels.
        backend: the dotkit backend that filters (default: the current one).

    Returns:
        A :class:`FilterPlayground`; display it (last line of a cell) to play.

    Example:
        >>> pg = filter_playground("coffee", "laplacian")   # doctest: +SKIP
        >>> pg.set_kernel("gaussian blur")                  # doctest: +SKIP
    """
    return FilterPlayground(photo, preset, size, backend)


def draw_im2col(ax: Any, *, n: int = 1, c: int = 3, h: int = 6, w: int = 6, o: int = 4, k: int = 3,
                padding: int = 0) -> Any:
    """Draw the im2col product with its shapes: columns ``(N·Ho·Wo, C·k·k)`` @ filters ``(C·k·k, O)``.

    One row of the column matrix (a patch) and one column of the filter matrix
    (a filter) are highlighted, with the output entry their dot product fills.

    Returns:
        ``ax``, with the three matrices drawn to scale and labelled.
    """
    from matplotlib.patches import Rectangle

    ho, wo = h + 2 * padding - k + 1, w + 2 * padding - k + 1
    rows, inner = n * ho * wo, c * k * k
    scale = 6.0 / max(rows, inner)
    boxes = [  # (x, width, height, label)
        (0.0, inner * scale, rows * scale, f"patches\n({rows} × {inner})\nN·Ho·Wo × C·kH·kW"),
        (inner * scale + 1.2, o * scale, inner * scale, f"filters\n({inner} × {o})\nC·kH·kW × O"),
        (inner * scale + o * scale + 2.4, o * scale, rows * scale, f"output\n({rows} × {o})\nN·Ho·Wo × O"),
    ]
    top = rows * scale
    hi_row, hi_col = rows // 3, o // 2
    for x0, width, height, label in boxes:
        ax.add_patch(Rectangle((x0, top - height), width, height, facecolor="0.93", edgecolor="0.3"))
        ax.text(x0 + width / 2, top + 0.25, label, ha="center", va="bottom", fontsize=9)
    (x_a, w_a, _, _), (x_b, _, h_b, _), (x_c, _, _, _) = boxes
    y_row = top - (hi_row + 1) * scale
    ax.add_patch(Rectangle((x_a, y_row), w_a, scale, color="tab:blue", alpha=0.8))
    ax.add_patch(Rectangle((x_b + hi_col * scale, top - h_b), scale, h_b, color="tab:orange", alpha=0.8))
    ax.add_patch(Rectangle((x_c + hi_col * scale, y_row), scale, scale, color="tab:green"))
    ax.text(x_a + w_a + 0.6, top - h_b / 2, "@", ha="center", va="center", fontsize=16)
    ax.text(x_c - 0.6, top - h_b / 2, "=", ha="center", va="center", fontsize=16)
    ax.annotate("one patch · one filter\n= one output value", xy=(x_c + (hi_col + 0.5) * scale, y_row),
                xytext=(x_c + 1.2, y_row - 1.6), fontsize=9, arrowprops={"arrowstyle": "->", "color": "tab:green"})
    ax.set(xlim=(-0.3, x_c + o * scale + 2.6), ylim=(-0.5, top + 1.6), aspect="equal")
    ax.axis("off")
    return ax


__all__ = ["PRESETS", "FilterPlayground", "draw_im2col", "filter_image", "filter_playground", "for_display"]
