"""DICOM series folders: single-frame slices stacked along the slice normal (layout ZHW).

Slices are ordered by the projection of Image Position (Patient) on the normal of Image Orientation
(Patient) — the only order that is right for every acquisition — with Instance Number as a fallback;
the slice spacing is the median distance between neighbours (an uneven series is flagged).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .dicom import _quiet_pydicom, is_dicom_file, read_dicom
from .errors import MAX_VOXELS, DataError, check_shape
from .image import ImageData

__all__ = ["read_dicom_series", "read_dicom_path"]


def read_dicom_series(folder: str | os.PathLike, *, series_uid: str | None = None, force: bool = False,
                      max_voxels: int = MAX_VOXELS) -> ImageData:
    """Read a folder of single-frame slices as one volume (layout ZHW), sorted along the slice normal.

    Args:
        folder: the folder (not searched recursively); non-DICOM files are skipped.
        series_uid: which series to read when the folder holds several.
        force: as in :func:`read_dicom`.
        max_voxels: refuse larger volumes before decoding.
    """
    import pydicom

    folder = Path(folder)
    headers = []
    for f in sorted(p for p in folder.iterdir() if p.is_file()):
        if not (force or is_dicom_file(f)):
            continue
        try:
            with _quiet_pydicom():
                ds = pydicom.dcmread(f, stop_before_pixels=True, force=force)
        except Exception:
            continue
        if "Rows" in ds and ds.get("NumberOfFrames", 1) in (None, "", 1, "1"):
            headers.append((f, ds))
    if not headers:
        raise DataError(folder, "holds no single-frame DICOM images",
                        "point at a folder of .dcm slices (one series), or at a single file")
    series = sorted({str(ds.get("SeriesInstanceUID", "")) for _, ds in headers})
    if series_uid is None and len(series) > 1:
        raise DataError(folder, f"holds {len(series)} series ({', '.join(s[-12:] for s in series[:4])}...)",
                        "pass series_uid= (CLI: --series UID) or move one series into its own folder")
    chosen = series_uid or series[0]
    headers = [(f, ds) for f, ds in headers if str(ds.get("SeriesInstanceUID", "")) == chosen]
    if not headers:
        raise DataError(folder, f"has no series with UID {chosen}", f"available: {', '.join(series)}")
    rows, cols = int(headers[0][1].Rows), int(headers[0][1].Columns)
    check_shape(folder, (len(headers), rows, cols), max_voxels=max_voxels, what="series")
    normal, order_key = _slice_normal(headers[0][1]), []
    for f, ds in headers:
        if (int(ds.Rows), int(ds.Columns)) != (rows, cols):
            raise DataError(f, f"is {ds.Rows}x{ds.Columns} but the series is {rows}x{cols}",
                            "a series must have one matrix size; remove the odd file")
        ipp = ds.get("ImagePositionPatient")
        order_key.append(float(np.dot(normal, [float(v) for v in ipp])) if ipp and normal is not None
                         else float(ds.get("InstanceNumber") or 0))
    order = np.argsort(order_key, kind="stable")
    slices = [read_dicom(headers[i][0], force=force) for i in order]
    positions = np.asarray(order_key)[order]
    steps = np.diff(positions)
    dz = float(np.median(np.abs(steps))) if steps.size else float(slices[0].meta.get("slice_thickness") or 1.0)
    first = slices[0]
    array = np.stack([s.array for s in slices])  # (Z, H, W)
    meta = dict(first.meta, series_uid=chosen, slices=len(slices), slice_spacing=round(dz, 4))
    if steps.size and np.ptp(np.abs(steps)) > 0.01 * max(dz, 1e-6):
        meta["warning"] = "uneven slice spacing"
    return ImageData(array, str(folder), first.format, first.modality, (dz, *first.spacing) if first.spacing
                     else None, first.units, "ZHW", None, meta, first.header)


def read_dicom_path(path: str | os.PathLike, **kwargs) -> ImageData:
    """A DICOM file (:func:`read_dicom`) or a series folder (:func:`read_dicom_series`)."""
    return read_dicom_series(path, **kwargs) if Path(path).is_dir() else read_dicom(path, **kwargs)


def _slice_normal(ds):
    iop = ds.get("ImageOrientationPatient")
    if not iop or len(iop) != 6:
        return None
    return np.cross([float(v) for v in iop[:3]], [float(v) for v in iop[3:]])
