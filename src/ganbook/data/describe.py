"""Open any supported medical file by looking at it, for ``ganbook data inspect``.

DICOM is recognised by its ``DICM`` magic whatever the file is called; other formats by suffix
(MetaImage, pictures, nibabel's volume formats); a folder is read as a DICOM series.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import DataError
from .image import ImageData

__all__ = ["read_any", "VOLUME_SUFFIXES"]

VOLUME_SUFFIXES = (".nii", ".nii.gz", ".hdr", ".img", ".img.gz", ".mgh", ".mgz", ".mnc", ".par", ".rec",
                   ".head", ".brik", ".brik.gz", ".v")


def read_any(path: str | os.PathLike, *, force: bool = False, volume: int | None = None,
             series_uid: str | None = None, frame: int | None = None) -> ImageData:
    """Read a DICOM file or series folder, NIfTI-like volume, MetaImage or picture.

    Args:
        path: the file or folder.
        force: read DICOM files without a preamble.
        volume: pick one volume of a 4-D file.
        series_uid: pick one series of a DICOM folder.
        frame: pick one frame of a multi-frame DICOM.

    Raises:
        DataError: unreadable or unrecognised files, naming the file.
    """
    from .dicom import is_dicom_file, read_dicom
    from .dicom_series import read_dicom_series

    path = Path(path)
    name = path.name.lower()
    if path.is_dir():
        return read_dicom_series(path, series_uid=series_uid, force=force)
    if not path.is_file():
        raise DataError(path, "does not exist", "check the path")
    if force or is_dicom_file(path) or name.endswith((".dcm", ".dicom")):
        return read_dicom(path, force=force, frame=frame)
    if name.endswith((".mhd", ".mha")):
        from .metaimage import read_metaimage

        return read_metaimage(path)
    from .images import IMAGE_SUFFIXES, read_image

    if name.endswith(IMAGE_SUFFIXES):
        return read_image(path)
    from .nifti import read_volume

    if name.endswith(VOLUME_SUFFIXES):
        return read_volume(path, expect_ndim=None if volume is None else 3, volume=volume)
    raise DataError(path, "is not a format the workbook reads (DICOM, NIfTI/Analyze/MGH/MINC/PAR-REC/AFNI, "
                    "MetaImage, PNG/JPEG/TIFF/GIF/PPM)", "if it is an old DICOM file without a preamble, add --force")
