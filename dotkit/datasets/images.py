"""Real photographs that ship inside scikit-image and scikit-learn.

Both libraries bundle a few test images in their wheels: scikit-image's
``skimage/data`` folder (the cameraman, the astronaut Eileen Collins, a cup of
coffee, Chelsea the cat, ...) and scikit-learn's two sample JPEGs (a Chinese
temple, a flower). They are read straight from the installed package with
Pillow, so nothing is ever downloaded (scikit-image's other images, fetched
with ``pooch`` on demand, are deliberately left out).

Images come back as float32 NumPy arrays in ``[0, 1]``: ``(H, W, 3)`` in
colour, ``(H, W)`` in gray. Gray is the dot product of each pixel's ``(R, G,
B)`` with the luminance weights :data:`LUMA` (ITU-R BT.709).

Example:
    >>> from dotkit.datasets import load_image
    >>> load_image("camera", size=128, gray=True).shape   # doctest: +SKIP
    (128, 128)
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import importlib.util
from typing import Any, NamedTuple

import numpy as np

from dotkit._memory import check_allocation
from dotkit.errors import DataNotFoundError, DtypeError, InputValueError

#: Weights of R, G and B in perceived brightness (ITU-R BT.709): gray = pixel · LUMA.
LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


class ImageSource(NamedTuple):
    package: str  # importable package that holds the file
    file: str
    pip: str  # the distribution to install
    description: str


_IMAGES: dict[str, ImageSource] = {
    "astronaut": ImageSource(
        "skimage.data", "astronaut.png", "scikit-image", "astronaut Eileen Collins, colour, 512×512"
    ),
    "brick": ImageSource("skimage.data", "brick.png", "scikit-image", "a brick wall, gray, 512×512"),
    "camera": ImageSource("skimage.data", "camera.png", "scikit-image", "the cameraman, gray, 512×512"),
    "chelsea": ImageSource("skimage.data", "chelsea.png", "scikit-image", "Chelsea the cat, colour, 300×451"),
    "china": ImageSource("sklearn.datasets.images", "china.jpg", "scikit-learn", "a temple in China, colour, 427×640"),
    "coffee": ImageSource("skimage.data", "coffee.png", "scikit-image", "a cup of coffee, colour, 400×600"),
    "coins": ImageSource("skimage.data", "coins.png", "scikit-image", "Greek coins, gray, 303×384"),
    "flower": ImageSource("sklearn.datasets.images", "flower.jpg", "scikit-learn", "a flower, colour, 427×640"),
    "grass": ImageSource("skimage.data", "grass.png", "scikit-image", "grass, gray, 512×512"),
    "gravel": ImageSource("skimage.data", "gravel.png", "scikit-image", "gravel, gray, 512×512"),
    "hubble_deep_field": ImageSource(
        "skimage.data", "hubble_deep_field.jpg", "scikit-image", "Hubble deep field, colour, 872×1000"
    ),
    "moon": ImageSource("skimage.data", "moon.png", "scikit-image", "the moon's surface, gray, 512×512"),
    "rocket": ImageSource("skimage.data", "rocket.jpg", "scikit-image", "a rocket on its launch pad, colour, 427×640"),
    "text": ImageSource("skimage.data", "text.png", "scikit-image", "photographed text, gray, 172×448"),
}


def list_images() -> list[str]:
    """The names :func:`load_image` accepts whose package is installed, sorted.

    Example:
        >>> "camera" in list_images()   # doctest: +SKIP
        True
    """
    return sorted(name for name, src in _IMAGES.items() if _installed(src.package))


def describe_image(name: str) -> str:
    """One line about image ``name``: what it shows, its colours and full size."""
    return _source(name, "describe_image").description


def _installed(package: str) -> bool:
    try:
        return importlib.util.find_spec(package) is not None
    except ModuleNotFoundError:
        return False


def _source(name: Any, op: str = "load_image") -> ImageSource:
    if not isinstance(name, str) or name not in _IMAGES:
        near = difflib.get_close_matches(str(name), _IMAGES, n=3)
        hint = f" Did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        raise InputValueError(f"{op}: unknown image {name!r}.{hint} Available: {', '.join(sorted(_IMAGES))}")
    return _IMAGES[name]


@functools.lru_cache(maxsize=8)
def _read(name: str) -> np.ndarray:
    """The full-size image as uint8 ``(H, W)`` or ``(H, W, 3)``, read once (read-only)."""
    src = _source(name)
    if not _installed(src.package):
        raise DataNotFoundError(
            f"load_image: {name!r} ships with {src.pip}, which is not installed; "
            f"install it with: pip install {src.pip}"
        )
    from PIL import Image

    path = importlib.resources.files(src.package) / src.file
    if not path.is_file():
        raise DataNotFoundError(f"load_image: {src.file} is missing from the installed {src.pip} ({path})")
    with path.open("rb") as fh, Image.open(fh) as im:
        im = im.convert("RGB" if im.mode not in ("L", "I;16", "1") else "L")
        pixels = np.asarray(im, dtype=np.uint8).copy()
    pixels.flags.writeable = False
    return pixels


def _target_size(size: Any, h: int, w: int) -> tuple[int, int]:
    """``(height, width)`` for ``size``: an int (the longer side) or a pair."""
    if isinstance(size, np.ndarray) and size.shape == (2,):
        size = size.tolist()  # a NumPy pair reads as the pair of its ints
    if isinstance(size, (tuple, list)) and len(size) == 2:
        out = tuple(size)
    elif isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        if size < 1:
            raise InputValueError(f"load_image: size must hold positive ints; received size={size!r}")
        scale = int(size) / max(h, w)
        out = (max(1, round(h * scale)), max(1, round(w * scale)))
    else:
        raise InputValueError(f"load_image: size must be an int or a pair (height, width); received size={size!r}")
    if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in out):
        raise InputValueError(f"load_image: size must hold positive ints; received size={size!r}")
    return int(out[0]), int(out[1])


def load_image(name: str, size: int | tuple[int, int] | None = None, gray: bool = False) -> np.ndarray:
    """A bundled photograph as float32 in ``[0, 1]``.

    Args:
        name: one of :func:`list_images` (e.g. ``"camera"``, ``"astronaut"``,
            ``"coffee"``, ``"chelsea"``, ``"china"``).
        size: None for full size; an int to scale the longer side to that many
            pixels (aspect ratio kept); or ``(height, width)``.
        gray: return brightness ``(H, W)``: each pixel's ``(R, G, B) · LUMA``.
            Otherwise ``(H, W, 3)``; gray photos are repeated over the three channels.

    Returns:
        A new float32 NumPy array (yours to modify).

    Raises:
        InputValueError: an unknown name (the message lists the known ones) or a bad size.
        DataNotFoundError: the package that ships the image is not installed.

    Example:
        >>> img = load_image("chelsea", size=100)          # doctest: +SKIP
        >>> img.shape, img.dtype                            # doctest: +SKIP
        ((67, 100, 3), dtype('float32'))
    """
    _source(name)  # unknown names fail here, with the list of known ones
    if not isinstance(gray, (bool, np.bool_)):  # a string such as "no" would read as True
        raise DtypeError(f"load_image: gray must be True or False; received gray={gray!r:.40}")
    pixels = _read(name)
    if size is not None:
        from PIL import Image

        h, w = _target_size(size, *pixels.shape[:2])
        # the resized bytes, then float32 pixels and an RGB copy: about 28 bytes a pixel at the peak
        check_allocation("load_image", 28.0 * h * w, f"a {h}×{w} image", "ask for a smaller size")
        pixels = np.asarray(Image.fromarray(pixels).resize((w, h), Image.Resampling.LANCZOS))
    img = np.asarray(pixels, dtype=np.float32) / np.float32(255)
    if img.ndim == 2:
        return img if gray else np.repeat(img[:, :, None], 3, axis=2)
    return np.clip(img @ LUMA, 0.0, 1.0) if gray else img


__all__ = ["LUMA", "describe_image", "list_images", "load_image"]
