"""Filtering a photo with a small kernel: :func:`dotkit.conv2d` on one image.

A filter is a grid of weights; every output pixel is the dot product of the
weights with the patch of pixels under them. :data:`PRESETS` holds the classic
3×3 filters; :func:`filter_image` runs one on a gray or colour image, either
the same kernel on every channel or a full ``C → 1`` filter whose slices are
summed over the channels, as in a convolution layer.

Example:
    >>> filter_image(np.eye(3, dtype=np.float32), "identity").tolist()[1]
    [0.0, 1.0, 0.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dotkit.errors import DtypeError, InputValueError

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


def as_kernel(kernel: Any, *, op: str = "filter_image") -> np.ndarray:
    """A float32 kernel: a :data:`PRESETS` name (``"sobel x"`` or ``"sobel_x"``), or finite numbers.

    A 2-D ``(kh, kw)`` kernel filters each channel on its own; a 3-D
    ``(C, kh, kw)`` one is a full filter over ``C`` channels.

    Example:
        >>> as_kernel("sobel_x")[0].tolist()
        [-1.0, 0.0, 1.0]
    """
    if isinstance(kernel, str):
        key = kernel.replace("_", " ").lower()
        if key not in PRESETS:
            raise InputValueError(f"{op}: unknown preset {kernel!r}; known: {', '.join(PRESETS)}")
        return PRESETS[key]
    k = np.asarray(kernel, dtype=np.float32)
    if k.ndim not in (2, 3) or not np.all(np.isfinite(k)):
        raise InputValueError(
            f"{op}: expected a (kh, kw) or (C, kh, kw) kernel of finite numbers; received shape {k.shape}"
        )
    return k


def filter_image(image: Any, kernel: Any, *, backend: Any = None) -> np.ndarray:
    """Correlate a gray ``(H, W)`` or colour ``(H, W, C)`` image with a kernel, same size out.

    A 2-D kernel filters each channel on its own (the channels go through
    :func:`dotkit.conv2d` as a batch of one-channel images) and keeps the
    image's shape. A ``(C, kh, kw)`` kernel is one filter across the ``C``
    channels: ``out[i, j] = Σ_c Σ_{u,v} k[c, u, v] · image[i+u, j+v, c]``, an
    ``(H, W)`` image. Zero padding keeps the size for odd kernels.

    Args:
        image: NumPy or backend array, ``(H, W)`` or ``(H, W, C)``.
        kernel: a kernel (see :func:`as_kernel`) or the name of a :data:`PRESETS` entry.
        backend: the dotkit backend to compute on (default: the current one).

    Returns:
        A float32 NumPy array (values are not clipped).

    Example:
        >>> rgb = np.ones((4, 4, 3), dtype=np.float32)
        >>> filter_image(rgb, np.ones((3, 1, 1)))[0, 0]
        np.float32(3.0)
    """
    import dotkit as dk

    k = as_kernel(kernel)
    if isinstance(image, (str, bytes)):
        raise DtypeError(f"filter_image: image must be an array (H, W) or (H, W, C); received {image!r}")
    img = np.asarray(dk.to_numpy(image), dtype=np.float32)
    if img.ndim not in (2, 3):
        raise InputValueError(f"filter_image: expected an image (H, W) or (H, W, C); received shape {img.shape}")
    if k.ndim == 3 and (img.ndim != 3 or img.shape[-1] != k.shape[0]):
        raise InputValueError(
            f"filter_image: a (C, kh, kw) kernel needs an (H, W, C) image with the same C; "
            f"received kernel shape {k.shape}, image shape {img.shape}"
        )
    if k.shape[-2] > img.shape[0] or k.shape[-1] > img.shape[1]:
        raise InputValueError(
            "filter_image: the kernel is larger than the image; "
            f"received kernel shape {k.shape}, image shape {img.shape}"
        )
    planes = img[None] if img.ndim == 2 else np.moveaxis(img, -1, 0)  # (C, H, W)
    kh, kw = k.shape[-2:]
    bk = dk.get_backend(backend)  # None: the backend in force (use_backend block, DOTKIT_BACKEND)
    if k.ndim == 3:  # one image of C channels, one output channel
        x, weights = planes[None], k[None]
    else:  # C one-channel images through the same kernel
        x, weights = planes[:, None], k[None, None]
    out = dk.conv2d(x, weights, padding=(kh // 2, kw // 2), backend=bk)
    out = np.asarray(dk.to_numpy(out), dtype=np.float32)[:, 0, : img.shape[0], : img.shape[1]]
    return out[0] if img.ndim == 2 or k.ndim == 3 else np.moveaxis(out, 0, -1)


__all__ = ["PRESETS", "as_kernel", "filter_image"]
