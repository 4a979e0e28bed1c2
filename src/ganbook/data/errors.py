"""The one data error, and the checks every reader runs before it trusts a file.

Every failure to read or use medical data becomes a :class:`DataError` whose message says which file,
what is wrong with it and what to do. Readers call :func:`check_shape` *before* they allocate pixel
memory, and :func:`check_finite` before they hand an array on.
"""
from __future__ import annotations

import os
from typing import Sequence

import numpy as np

__all__ = ["DataError", "MAX_VOXELS", "check_shape", "check_finite", "check_ndim"]

# 2**31 voxels = 8 GiB of float32: far beyond any slice or volume this workbook handles on a laptop.
MAX_VOXELS = 2**31


class DataError(ValueError):
    """A data file or dataset cannot be used; ``str(err)`` names the file, the cause and the fix.

    Args:
        path: the file or folder concerned (``None`` for a dataset-level problem).
        cause: what is wrong, in one sentence.
        fix: what the user can do about it (optional).
    """

    def __init__(self, path: str | os.PathLike | None, cause: str, fix: str | None = None):
        self.path = None if path is None else str(path)
        self.cause = cause
        self.fix = fix
        where = f"{self.path}: " if self.path else ""
        super().__init__(f"{where}{cause}" + (f" — {fix}" if fix else ""))

    def one_line(self) -> str:
        """The message on one line (for the CLI)."""
        return " ".join(str(self).split())


def check_shape(path, shape: Sequence[int], *, max_voxels: int = MAX_VOXELS, what: str = "image") -> None:
    """Refuse empty or absurdly large images before any pixel memory is allocated.

    Args:
        path: the file, for the message.
        shape: the dimensions the header declares (frames, rows, columns, samples, ...).
        max_voxels: the largest number of values accepted.
        what: a word for the message ("image", "volume").

    Raises:
        DataError: when a dimension is zero or negative, or the product exceeds ``max_voxels``.
    """
    dims = [int(s) for s in shape]
    if not dims or any(d <= 0 for d in dims):
        raise DataError(path, f"the header declares an empty {what} (dimensions {_fmt(dims)})",
                        "the file is damaged or holds no image; re-export it from the source")
    total = 1
    for d in dims:
        total *= d
    if total > max_voxels:
        raise DataError(path, f"the header declares an absurdly large {what} (dimensions {_fmt(dims)}, "
                        f"{total:,} values > limit {max_voxels:,})",
                        "the header is probably corrupt; if the size is real, crop or split the data first")


def check_finite(path, array: np.ndarray) -> np.ndarray:
    """Refuse arrays with NaN or infinite values (they poison every loss and metric).

    Raises:
        DataError: naming how many values are not finite.
    """
    if np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.complexfloating):
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        if bad:
            raise DataError(path, f"{bad:,} of {array.size:,} values are NaN or infinite",
                            "clean the file (e.g. replace them with np.nan_to_num) before using it")
    return array


def check_ndim(path, shape: Sequence[int], expected: int, *, what: str = "volume") -> None:
    """Refuse data with the wrong number of dimensions (e.g. a 4-D series where a 3-D volume is needed).

    Raises:
        DataError: naming the shape found and how to pick one volume.
    """
    if len(shape) != expected:
        hint = ("pick one volume first (the readers take volume=INDEX; the CLI --volume INDEX)"
                if len(shape) > expected else f"a {expected}-D {what} is needed")
        raise DataError(path, f"expected a {expected}-D {what} but the file holds {len(shape)}-D data "
                        f"of shape {_fmt(shape)}", hint)


def _fmt(shape) -> str:
    return " x ".join(str(int(s)) for s in shape) if len(shape) else "()"
