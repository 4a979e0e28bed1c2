"""MetaImage (``.mhd`` + ``.raw``, or ``.mha``) volumes — the format LUNA16 ships its CT scans in.

A MetaImage header is ``Key = Value`` text; the voxels follow in the same file (``ElementDataFile =
LOCAL``) or in a separate raw file, x fastest, optionally zlib-compressed. ``Offset`` is the world
position of the first voxel and ``TransformMatrix`` holds the axis directions (LPS for ITK/LUNA16).
"""
from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np

from .errors import MAX_VOXELS, DataError, check_finite, check_shape
from .image import ImageData

__all__ = ["read_metaimage"]

_TYPES = {"MET_UCHAR": "u1", "MET_CHAR": "i1", "MET_USHORT": "u2", "MET_SHORT": "i2", "MET_UINT": "u4",
          "MET_INT": "i4", "MET_ULONG_LONG": "u8", "MET_LONG_LONG": "i8", "MET_FLOAT": "f4", "MET_DOUBLE": "f8"}


def read_metaimage(path: str | os.PathLike, *, max_voxels: int = MAX_VOXELS) -> ImageData:
    """Read a 2-D or 3-D MetaImage.

    Returns:
        :class:`ImageData` with the array as (Z, Y, X) = slices, rows, columns (layout ``ZHW``; ``HW``
        for 2-D), spacing in the same order, and a 4x4 LPS affine mapping (z, y, x) indices to mm.
        CT values are stored in HU by LUNA16, so they are returned as they are.

    Raises:
        DataError: for a malformed header, a missing or short data file, or unsupported types.
    """
    path = Path(path)
    header, data_start = _parse_header(path)
    try:
        dims = [int(v) for v in header["DimSize"].split()]
        ndims = int(header.get("NDims", len(dims)))
        dtype = np.dtype(_TYPES[header.get("ElementType", "")])
    except (KeyError, ValueError):
        raise DataError(path, "is not a valid MetaImage header (needs NDims, DimSize and a known ElementType)",
                        "check the .mhd file") from None
    if ndims not in (2, 3) or len(dims) != ndims:
        raise DataError(path, f"declares {ndims}-D data with DimSize {dims}; only 2-D and 3-D are supported",
                        "split the series into 3-D volumes")
    if int(header.get("ElementNumberOfChannels", 1)) != 1:
        raise DataError(path, "has several channels per voxel", "only scalar volumes are supported")
    check_shape(path, dims, max_voxels=max_voxels, what="volume")
    if header.get("BinaryDataByteOrderMSB", header.get("ElementByteOrderMSB", "False")).lower() == "true":
        dtype = dtype.newbyteorder(">")
    raw = _read_data(path, header, data_start)
    expected = int(np.prod(dims)) * dtype.itemsize
    if header.get("CompressedData", "False").lower() == "true":
        try:
            raw = zlib.decompress(raw)
        except zlib.error as exc:
            raise DataError(path, f"its compressed voxel data is corrupt or truncated ({exc})",
                            "copy or download the file again") from None
    if len(raw) < expected:
        raise DataError(path, f"is truncated: {len(raw):,} bytes of voxel data, {expected:,} expected",
                        "copy or download the file again")
    array = np.frombuffer(raw[:expected], dtype=dtype).reshape(dims[::-1]).astype(np.float32)
    check_finite(path, array)
    spacing_xyz = [float(v) for v in header.get("ElementSpacing", header.get("ElementSize", "1 " * ndims)).split()]
    offset = [float(v) for v in header.get("Offset", header.get("Origin", "0 " * ndims)).split()]
    direction = np.array([float(v) for v in header.get("TransformMatrix", " ".join(
        "1" if i == j else "0" for i in range(ndims) for j in range(ndims))).split()]).reshape(ndims, ndims)
    affine = np.eye(4)
    if ndims == 3:
        for col, axis in enumerate((2, 1, 0)):  # array axes (z, y, x) -> MetaImage axes
            affine[:3, col] = direction[axis] * spacing_xyz[axis]
        affine[:3, 3] = offset
    meta = {"element_type": header.get("ElementType"), "offset_mm": " ".join(f"{v:g}" for v in offset)}
    if header.get("AnatomicalOrientation"):
        meta["orientation"] = header["AnatomicalOrientation"]
    return ImageData(array, str(path), "MetaImage", header.get("Modality", "").replace("MET_MOD_", "") or None,
                     tuple(spacing_xyz[::-1]), "a.u.", "ZHW" if ndims == 3 else "HW",
                     affine if ndims == 3 else None, meta, header)


def _parse_header(path: Path) -> tuple[dict[str, str], int]:
    if not path.is_file():
        raise DataError(path, "does not exist or is not a file", "check the path")
    header: dict[str, str] = {}
    with open(path, "rb") as fh:
        while True:
            line = fh.readline(4096)
            if not line:
                break
            text = line.decode("latin-1").strip()
            if "=" not in text:
                if text:
                    raise DataError(path, f"has a header line that is not 'Key = Value': {text[:40]!r}",
                                    "is this really a MetaImage (.mhd/.mha) file?")
                continue
            key, value = (t.strip() for t in text.split("=", 1))
            header[key] = value
            if key == "ElementDataFile":  # always the last header line
                return header, fh.tell()
            if len(header) > 200:
                break
    raise DataError(path, "has no ElementDataFile line, so it is not a complete MetaImage header",
                    "check the .mhd file")


def _read_data(path: Path, header: dict[str, str], start: int) -> bytes:
    target = header["ElementDataFile"]
    if target == "LOCAL":
        with open(path, "rb") as fh:
            fh.seek(start)
            return fh.read()
    if target.startswith("LIST") or "%" in target:
        raise DataError(path, "splits its voxels over several files (LIST / pattern)", "merge them into one .raw")
    raw_path = path.parent / target
    if not raw_path.is_file():
        raise DataError(path, f"its data file {target} is missing", "keep the .mhd and .raw files side by side")
    return raw_path.read_bytes()
