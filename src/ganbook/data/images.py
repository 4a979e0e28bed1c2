"""PNG / JPEG / TIFF / GIF / PPM pictures and masks (fundus photographs, DRIVE/STARE/CHASE labels).

Pictures come back as float32 in [0, 1] (8-bit / 255, 16-bit / 65535), channels first; masks as bool.
The size is checked from the header before any pixel is decoded.
"""
from __future__ import annotations

import gzip
import io
import os
import warnings

import numpy as np

from .errors import DataError, check_finite, check_shape
from .image import ImageData

__all__ = ["read_image", "read_mask", "IMAGE_SUFFIXES", "MAX_PIXELS"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".bmp", ".ppm", ".pgm", ".ppm.gz")
MAX_PIXELS = 2**28  # 268 M pixels: 16k x 16k; larger is a corrupt header or not a photograph


def _open(path: str, max_pixels: int):
    from PIL import Image

    if not os.path.isfile(path):
        raise DataError(path, "does not exist or is not a file", "check the path")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if path.lower().endswith(".gz"):  # STARE ships .ppm.gz
                with gzip.open(path, "rb") as fh:
                    im = Image.open(io.BytesIO(fh.read()))
            else:
                im = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DataError(path, "declares an absurdly large picture", "the header is corrupt or it is not a photo") \
            from None
    except Exception as exc:
        raise DataError(path, f"is not a picture Pillow can read ({_line(exc)})",
                        "use PNG, JPEG, TIFF, GIF or PPM") from None
    width, height = im.size
    check_shape(path, (height, width, len(im.getbands())), max_voxels=max_pixels * 4, what="picture")
    return im


def read_image(path: str | os.PathLike, *, max_pixels: int = MAX_PIXELS) -> ImageData:
    """Read a picture; colour becomes (3, H, W), grey (H, W), both float32 in [0, 1].

    Palette and grey+alpha pictures are converted; an alpha channel is dropped. A multi-page TIFF
    gives its first page (``meta['pages']`` says how many there are).

    Raises:
        DataError: unreadable, truncated, empty or absurdly large files, NaN in float TIFFs.
    """
    path = str(path)
    im = _open(path, max_pixels)
    pages = getattr(im, "n_frames", 1)
    mode = im.mode
    try:
        if mode in ("P", "PA", "RGBA", "LA", "CMYK", "YCbCr", "LAB", "HSV"):
            im = im.convert("RGB" if mode not in ("LA",) else "L")
        array = np.asarray(im)
    except OSError as exc:
        raise DataError(path, f"is truncated or corrupt ({_line(exc)})", "copy or download the file again") from None
    if array.dtype == np.uint8 or array.dtype == bool:
        array = array.astype(np.float32) / (1.0 if array.dtype == bool else 255.0)
        units = "[0,1]"
    elif array.dtype == np.uint16 or mode.startswith("I;16"):
        array, units = array.astype(np.float32) / 65535.0, "[0,1]"
    else:  # 32-bit integer or float TIFFs keep their values
        array, units = array.astype(np.float32), "a.u."
    check_finite(path, array)
    if array.ndim == 3:
        array = np.ascontiguousarray(np.moveaxis(array, -1, 0))
    fmt = im.format or os.path.splitext(path)[1].lstrip(".").upper()
    meta = {"mode": mode}
    if pages > 1:
        meta["pages"] = f"{pages} (first shown)"
    return ImageData(array, path, fmt or "picture", None, None, units, "CHW" if array.ndim == 3 else "HW",
                     None, meta)


def read_mask(path: str | os.PathLike, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read a binary mask (GIF/PNG/TIFF; any non-black pixel counts as inside).

    Returns:
        (H, W) bool array.
    """
    path = str(path)
    im = _open(path, max_pixels)
    try:
        array = np.asarray(im.convert("L")) > 0  # palette GIFs (DRIVE) are resolved through their palette
    except OSError as exc:
        raise DataError(path, f"is truncated or corrupt ({_line(exc)})", "copy or download the file again") from None
    return array


def _line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
