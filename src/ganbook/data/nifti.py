"""NIfTI (and the other nibabel volume formats) in and out, with the geometry kept right.

Reading keeps the affine and the header. Writing an upsampled volume scales the voxel size: each
affine column is divided by that axis's scale and the origin moves so that the volume still covers
the same box in millimetres (the first voxel's centre sits half a *new* voxel inside the old edge).
"""
from __future__ import annotations

import gzip
import os
import warnings
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np

from ..io import atomic_write_bytes
from .errors import MAX_VOXELS, DataError, check_finite, check_ndim, check_shape
from .image import ImageData

__all__ = ["read_volume", "read_nifti", "write_nifti", "upsampled_affine"]


def read_volume(path: str | os.PathLike, *, expect_ndim: int | None = 3, volume: int | None = None,
                max_voxels: int = MAX_VOXELS) -> ImageData:
    """Read a volume that nibabel understands (NIfTI-1/2, Analyze, MGH/MGZ, MINC, PAR/REC, AFNI).

    Args:
        path: the file (for header/data pairs, either one).
        expect_ndim: 3 to insist on one 3-D volume (a trailing axis of length 1 is dropped);
            ``None`` to accept any dimensionality.
        volume: pick this volume along the 4th axis of a 4-D file.
        max_voxels: refuse larger data before reading it.

    Returns:
        :class:`ImageData` with layout ``IJK`` (+ ``T`` for 4-D), the affine and the header.

    Raises:
        DataError: naming the file, for unknown formats, missing companion files, truncated or
            corrupt data, wrong dimensionality, absurd sizes and NaN/inf.
    """
    import nibabel as nib

    path = str(path)
    if not os.path.isfile(path):
        raise DataError(path, "does not exist or is not a file", "check the path")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nibabel warns about odd but readable headers
            img = nib.load(path)
        shape = tuple(int(s) for s in img.shape)
    except nib.filebasedimages.ImageFileError:
        raise DataError(path, "is not a volume format nibabel reads (NIfTI, Analyze, MGH, MINC, PAR/REC, AFNI)",
                        "convert it to NIfTI (.nii/.nii.gz)") from None
    except ModuleNotFoundError as exc:
        raise DataError(path, f"needs the Python package {exc.name!r} to be read (MINC2 files are HDF5)",
                        f"pip install {exc.name}") from None
    except FileNotFoundError as exc:
        raise DataError(path, f"its companion file {Path(exc.filename or '?').name} is missing",
                        "keep header and data files (.hdr/.img, .PAR/.REC, .HEAD/.BRIK) side by side") from None
    except Exception as exc:
        raise DataError(path, f"has a malformed header ({type(exc).__name__}: {_line(exc)})",
                        "re-export the volume") from None
    check_shape(path, shape, max_voxels=max_voxels, what="volume")
    if volume is not None:
        if len(shape) != 4 or not 0 <= volume < shape[3]:
            raise DataError(path, f"has shape {shape}; volume={volume} does not exist",
                            "volume= picks one volume of a 4-D file")
    elif expect_ndim is not None and len(shape) == expect_ndim + 1 and shape[-1] == 1:
        volume = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = img.dataobj[..., volume] if volume is not None else img.dataobj
            array = np.asarray(np.asanyarray(data), dtype=np.float32)  # applies scl_slope/inter; native order
    except FileNotFoundError as exc:
        raise DataError(path, f"its data file {Path(exc.filename or '?').name} is missing",
                        "keep header and data files side by side") from None
    except (EOFError, zlib.error, gzip.BadGzipFile, ValueError, OSError) as exc:
        raise DataError(path, f"is truncated or corrupt ({type(exc).__name__}: {_line(exc)})",
                        "copy or download the file again") from None
    if expect_ndim is not None:
        check_ndim(path, array.shape, expect_ndim)
    check_finite(path, array)
    zooms = tuple(float(z) for z in img.header.get_zooms()[:3]) if hasattr(img.header, "get_zooms") else None
    affine = getattr(img, "affine", None)
    affine = None if affine is None else np.asarray(affine, dtype=np.float64)
    meta = {"class": type(img).__name__, "on-disk dtype": str(img.get_data_dtype())}
    if affine is not None:
        meta["orientation"] = "".join(nib.aff2axcodes(affine))
    if volume is not None:
        meta["volume"] = f"{volume} of {shape[3]}"
    layout = "IJK" + ("T" * (array.ndim - 3)) if array.ndim >= 3 else "HW"
    return ImageData(array, path, _format_name(img), None, zooms, "a.u.", layout, affine, meta, img.header)


def read_nifti(path: str | os.PathLike, **kwargs) -> ImageData:
    """Read a NIfTI file (``.nii``, ``.nii.gz``, ``.hdr``/``.img``); see :func:`read_volume`."""
    return read_volume(path, **kwargs)


def upsampled_affine(affine: np.ndarray, scale: float | Sequence[float],
                     offset: float | Sequence[float] | None = None) -> np.ndarray:
    """The affine of a volume upsampled by ``scale`` from the grid of ``affine``.

    Column ``k`` (voxel step along axis ``k``) is divided by ``scale[k]``. The origin depends on where
    each old voxel sits inside its block of ``scale`` new voxels (``offset``, in new voxels): by default
    the block centre, ``(s - 1) / 2``, so the new grid covers the same box in world space (voxel
    centres sit half a voxel inside the edge); a model trained on LR voxels sampled elsewhere (e.g.
    nearest decimation at ``s // 2``) needs its own ``offset``.

    Args:
        affine: the old (4, 4) voxel-to-world affine.
        scale: upsampling factor per axis (or one for all).
        offset: position of old voxel ``i`` as new voxel ``i * scale + offset``, per axis or one for all.
    """
    affine = np.asarray(affine, dtype=np.float64)
    s = np.broadcast_to(np.asarray(scale, dtype=np.float64), (3,))
    off = (s - 1.0) / 2.0 if offset is None else np.broadcast_to(np.asarray(offset, dtype=np.float64), (3,))
    out = affine.copy()
    out[:3, :3] = affine[:3, :3] / s
    out[:3, 3] = affine[:3, 3] - out[:3, :3] @ off
    return out


def write_nifti(path: str | os.PathLike, array: np.ndarray, reference: ImageData | None = None, *,
                scale: float | Sequence[float] = 1.0, affine: np.ndarray | None = None,
                description: str = "ganbook") -> Path:
    """Atomically write a 3-D volume as NIfTI-1 (``.nii`` or ``.nii.gz``), float32.

    Args:
        path: destination; ``.nii.gz`` is gzip-compressed.
        array: the volume (I, J, K).
        reference: the volume this one was computed from; its header (units, codes, intent) and
            affine are carried over, the affine corrected for ``scale``.
        scale: upsampling factor per axis (or one for all) relative to ``reference``.
        affine: use this affine instead (no ``reference`` needed).
        description: written to the header's ``descrip`` field.

    Raises:
        ValueError: when the array is not 3-D or its shape is not ``reference`` shape x ``scale``.
        DataError: when the array holds NaN/inf.
    """
    import nibabel as nib

    path = Path(path)
    array = check_finite(path, np.asarray(array, dtype=np.float32))
    if array.ndim != 3:
        raise ValueError(f"write_nifti needs a 3-D array, got shape {array.shape}")
    header = None
    if reference is not None:
        s = np.broadcast_to(np.asarray(scale, dtype=np.float64), (3,))
        expected = tuple(int(round(n * k)) for n, k in zip(reference.array.shape[:3], s))
        if array.shape != expected:
            raise ValueError(f"array shape {array.shape} is not reference shape {reference.array.shape[:3]} "
                             f"x scale {tuple(s)} = {expected}")
        if affine is None:
            affine = upsampled_affine(reference.affine if reference.affine is not None else np.eye(4), s)
        if isinstance(reference.header, nib.Nifti1Header):
            header = reference.header.copy()
    if affine is None:
        affine = np.eye(4)
    img = nib.Nifti1Image(array, affine, header=header)
    qcode = int(header["qform_code"]) if header is not None else 0
    scode = int(header["sform_code"]) if header is not None else 0
    img.set_qform(affine, code=qcode or 1)
    img.set_sform(affine, code=scode or 1)
    img.header.set_data_dtype(np.float32)
    img.header["scl_slope"], img.header["scl_inter"] = 1.0, 0.0
    img.header["descrip"] = description.encode("ascii", "replace")[:79]
    data = img.to_bytes()
    if path.name.endswith(".gz"):
        data = gzip.compress(data, compresslevel=6, mtime=0)
    elif not path.name.endswith(".nii"):
        raise ValueError(f"{path}: use a .nii or .nii.gz file name")
    return atomic_write_bytes(path, data)


def _format_name(img) -> str:
    name = type(img).__name__.replace("Image", "")
    return {"Nifti1": "NIfTI-1", "Nifti2": "NIfTI-2", "Nifti1Pair": "NIfTI-1 pair", "Nifti2Pair": "NIfTI-2 pair",
            "MGH": "MGH/MGZ", "Minc1": "MINC-1", "Minc2": "MINC-2", "PARREC": "Philips PAR/REC"}.get(name, name)


def _line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
