"""DICOM reading: one file (single- or multiple-frame) in physical units; series folders: dicom_series.py.

* CT values come out in Hounsfield units via Rescale Slope/Intercept, taken per frame from the
  functional groups of enhanced multi-frame objects (e.g. ``eCT_Supplemental.dcm``).
* MONOCHROME1 images (CR radiographs) are inverted so that bright always means a high value.
* Whatever goes wrong — no preamble, truncated file, no pixel data, missing decoder plugin,
  absurd dimensions, NaN — becomes a :class:`~ganbook.data.errors.DataError` naming the file.
"""
from __future__ import annotations

import contextlib
import logging
import os
import warnings

import numpy as np

from .errors import MAX_VOXELS, DataError, check_finite, check_shape
from .image import ImageData

__all__ = ["read_dicom", "apply_window", "WINDOWS", "is_dicom_file"]

# (low, high) HU shown as black..white. MedSRGAN reads CT in the lung and tissue windows and
# trains on [-1024, 1024] HU mapped to [0, 1].
WINDOWS = {"lung": (-1200.0, 0.0), "soft_tissue": (-160.0, 240.0), "bone": (-450.0, 1050.0),
           "brain": (0.0, 80.0), "medsrgan": (-1024.0, 1024.0)}

_JPEG_LIBJPEG = "install pylibjpeg and pylibjpeg-libjpeg (pip install pylibjpeg pylibjpeg-libjpeg) or python-gdcm"
_DECODER_HINTS = {
    "1.2.840.10008.1.2.4.57": _JPEG_LIBJPEG, "1.2.840.10008.1.2.4.70": _JPEG_LIBJPEG,
    "1.2.840.10008.1.2.4.51": _JPEG_LIBJPEG,
    "1.2.840.10008.1.2.4.80": "install pyjpegls, or pylibjpeg and pylibjpeg-libjpeg, or python-gdcm",
    "1.2.840.10008.1.2.4.81": "install pyjpegls, or pylibjpeg and pylibjpeg-libjpeg, or python-gdcm",
    "1.2.840.10008.1.2.4.90": "install pylibjpeg and pylibjpeg-openjpeg, or python-gdcm",
    "1.2.840.10008.1.2.4.91": "install pylibjpeg and pylibjpeg-openjpeg, or python-gdcm",
}
_NATIVE = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"}


def is_dicom_file(path: str | os.PathLike) -> bool:
    """True when the file has the 128-byte preamble followed by ``DICM``."""
    try:
        with open(path, "rb") as fh:
            return fh.read(132)[128:132] == b"DICM"
    except OSError:
        return False


def apply_window(x: np.ndarray, window: str | tuple[float, float]) -> np.ndarray:
    """Map values in ``window`` = (low, high) (or a name in :data:`WINDOWS`) linearly to [0, 1], clipped."""
    if isinstance(window, str):
        if window not in WINDOWS:
            raise ValueError(f"window={window!r} is not one of {', '.join(WINDOWS)}")
        window = WINDOWS[window]
    lo, hi = (float(v) for v in window)
    if not hi > lo:
        raise ValueError(f"window {window!r} must have high > low")
    return np.clip((np.asarray(x, dtype=np.float32) - lo) / (hi - lo), 0.0, 1.0)


def read_dicom(path: str | os.PathLike, *, force: bool = False, frame: int | None = None,
               max_voxels: int = MAX_VOXELS) -> ImageData:
    """Read one DICOM file in physical units.

    Args:
        path: the file.
        force: read files without the 128-byte preamble + ``DICM`` (old ACR-NEMA style); off by default
            because most such files are not DICOM at all.
        frame: keep only this frame of a multi-frame file (``None``: all frames).
        max_voxels: refuse larger images before decoding.

    Returns:
        :class:`ImageData` with layout HW / CHW (one frame) or FHW / FCHW; ``header`` is the pydicom
        dataset without pixel data (the writer copies patient/study attributes from it).

    Raises:
        DataError: for every unreadable case, naming the file.
    """
    path = str(path)
    try:
        with _quiet_pydicom():
            ds = _dcmread(path, force)
            return _to_image(ds, path, frame, max_voxels)
    except DataError:
        raise
    except Exception as exc:  # anything pydicom raises on a malformed element
        raise DataError(path, f"malformed DICOM ({type(exc).__name__}: {_first_line(exc)})",
                        "the file is damaged or uses a construct pydicom cannot parse; re-export it") from None


@contextlib.contextmanager
def _quiet_pydicom():
    """Silence pydicom's own warnings and log lines (one per failing decoder plugin, odd VRs...):
    whatever matters is reported once, as a DataError."""
    logger = logging.getLogger("pydicom")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _dcmread(path: str, force: bool):
    import pydicom
    from pydicom.errors import InvalidDicomError

    if not os.path.isfile(path):
        raise DataError(path, "does not exist or is not a file", "check the path")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ds = pydicom.dcmread(path, force=force)
        except InvalidDicomError:
            raise DataError(path, "has no DICOM preamble (128 bytes + 'DICM'): it is not a DICOM Part 10 file",
                            "if it is an old headerless DICOM/ACR-NEMA file, read it with force=True "
                            "(CLI: --force)") from None
        except (EOFError, OSError) as exc:
            raise DataError(path, f"is truncated ({_first_line(exc)})", "copy or download the file again") from None
    messages = " ".join(str(w.message) for w in caught)
    if ("End of file" in messages or "truncated" in messages.lower()) and "PixelData" not in ds:
        raise DataError(path, "is truncated: the file ends before its data set is complete",
                        "copy or download the file again")
    return ds


def _to_image(ds, path: str, frame: int | None, max_voxels: int) -> ImageData:
    has_pixels = any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"))
    sop = _sop_name(ds)
    if not has_pixels:
        raise DataError(path, f"contains no pixel data (it is a {sop})",
                        "pick an image file; DICOMDIRs, reports, plans and structure sets hold no pixels")
    missing = [k for k in ("Rows", "Columns", "BitsAllocated") if k not in ds]
    if missing:
        raise DataError(path, f"has pixel data but lacks {', '.join(missing)}", "the file is damaged; re-export it")
    ts = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    if ts is None and getattr(ds, "original_encoding", None) and ds.preamble is None:
        ts = _guess_syntax(ds)  # a headerless (force=True) file: use the encoding pydicom detected
    if ts is None:
        raise DataError(path, "has no Transfer Syntax UID in its file meta, so its pixels cannot be decoded",
                        "re-save it with a DICOM tool that writes complete file meta information")
    frames, rows, cols = int(ds.get("NumberOfFrames") or 1), int(ds.Rows), int(ds.Columns)
    spp, bits = int(ds.get("SamplesPerPixel") or 1), int(ds.BitsAllocated)
    check_shape(path, (frames, rows, cols, spp), max_voxels=max_voxels)
    if str(ts) in _NATIVE and "PixelData" in ds:
        # YBR_FULL_422 stores two samples per pixel on average (chroma shared by pixel pairs)
        stored = 2 if str(ds.get("PhotometricInterpretation", "")).strip() == "YBR_FULL_422" else spp
        expected = (frames * rows * cols * stored * bits + 7) // 8
        if len(ds.PixelData) < expected:
            raise DataError(path, f"is truncated: {len(ds.PixelData):,} bytes of pixel data, "
                            f"{expected:,} expected for {frames}x{rows}x{cols}", "copy or download the file again")
    if frame is not None and not 0 <= frame < frames:
        raise DataError(path, f"has {frames} frame(s); frame={frame} does not exist", f"use 0..{frames - 1}")
    pixels = _decode(ds, path, str(ts))
    pixels = pixels.astype(pixels.dtype.newbyteorder("="), copy=False)
    photometric = str(ds.get("PhotometricInterpretation", "")).strip()
    if photometric == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut

        pixels, spp = apply_color_lut(pixels, ds), 3
        pixels = pixels / (65535.0 if pixels.dtype == np.uint16 else 255.0)
    if spp == 1:
        pixels = pixels.reshape(frames, rows, cols)
    else:  # pydicom gives (..., rows, cols, samples); we keep channels first
        pixels = np.moveaxis(pixels.reshape(frames, rows, cols, spp), -1, 1)
    out = np.empty(pixels.shape, np.float32)
    modality, units = str(ds.get("Modality", "")) or None, "a.u."
    slope_icpt = []
    if "ModalityLUTSequence" in ds:  # a lookup table instead of slope/intercept (rare; see mlut_18.dcm)
        from pydicom.pixels import apply_modality_lut

        pixels = np.asarray(apply_modality_lut(pixels, ds))
    for f in range(frames):
        slope, intercept = _frame_value(ds, f, "PixelValueTransformationSequence", "RescaleSlope", 1.0), \
            _frame_value(ds, f, "PixelValueTransformationSequence", "RescaleIntercept", 0.0)
        slope_icpt.append((float(slope), float(intercept)))
        out[f] = pixels[f] * float(slope) + float(intercept)
    if modality == "CT":
        units = "HU"
    if photometric == "MONOCHROME1":
        lo, hi = _stored_range(ds)
        s, i = slope_icpt[0]
        out = (lo * s + i) + (hi * s + i) - out  # invert: bright = high
    if frame is not None:
        out, frames = out[frame:frame + 1], 1
    check_finite(path, out)
    layout = ("F" if frames > 1 else "") + ("C" if spp > 1 else "") + "HW"
    if frames == 1:
        out = out[0]
    spacing = _frame_value(ds, frame or 0, "PixelMeasuresSequence", "PixelSpacing", None) \
        or ds.get("ImagerPixelSpacing")  # projection radiographs give the detector pitch only
    if spacing and not all(float(v) > 0 for v in spacing):
        spacing = None
    meta = {"transfer_syntax": getattr(ts, "name", str(ts)), "sop_class": sop, "photometric": photometric}
    if slope_icpt[0] != (1.0, 0.0):
        meta["rescale"] = f"slope {slope_icpt[0][0]:g}, intercept {slope_icpt[0][1]:g}"
    if photometric == "MONOCHROME1":
        meta["inverted"] = "MONOCHROME1 shown as MONOCHROME2 (bright = high)"
    center = _frame_value(ds, frame or 0, "FrameVOILUTSequence", "WindowCenter", None)
    width = _frame_value(ds, frame or 0, "FrameVOILUTSequence", "WindowWidth", None)
    if center is not None and width is not None:
        meta["window_in_file"] = f"center {_first(center):g}, width {_first(width):g}"
    thickness = _frame_value(ds, frame or 0, "PixelMeasuresSequence", "SliceThickness", None)
    if thickness not in (None, ""):
        meta["slice_thickness"] = float(thickness)
    header = _without_pixels(ds)
    return ImageData(out, path, f"DICOM ({meta['transfer_syntax']})", modality,
                     tuple(float(v) for v in spacing) if spacing else None, units, layout, None, meta, header)


def _decode(ds, path: str, ts: str) -> np.ndarray:
    name = getattr(ds.file_meta.TransferSyntaxUID, "name", ts)
    hint = _DECODER_HINTS.get(ts, "install pylibjpeg with its plugins, or python-gdcm")
    try:
        return np.asarray(ds.pixel_array)
    except RuntimeError as exc:
        text = str(exc)
        if "missing dependencies" in text or "no pixel data handlers" in text.lower():
            raise DataError(path, f"its {name} pixel data needs a decoder plugin that is not installed",
                            hint) from None
        raise DataError(path, f"its {name} pixel data could not be decoded ({_plugin_reason(text)})",
                        f"the data may be corrupt; another decoder may read it: {hint}") from None
    except (ValueError, EOFError) as exc:
        text = _first_line(exc)
        if "less than expected" in text or "truncated" in text.lower():
            raise DataError(path, f"is truncated: {text}", "copy or download the file again") from None
        raise DataError(path, f"its pixel data is malformed ({text})", "re-export the file") from None


def _guess_syntax(ds):
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    implicit, little = ds.original_encoding
    uid = ImplicitVRLittleEndian if implicit else (ExplicitVRLittleEndian if little else ExplicitVRBigEndian)
    if not hasattr(ds, "file_meta") or ds.file_meta is None:
        ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = uid
    return ds.file_meta.TransferSyntaxUID


def _without_pixels(ds):
    from pydicom.dataset import Dataset

    pixel_tags = {0x7FE00010, 0x7FE00008, 0x7FE00009}
    header = Dataset({tag: elem for tag, elem in ds.items() if int(tag) not in pixel_tags})
    header.file_meta = ds.file_meta
    return header


def _frame_value(ds, frame: int, sequence: str, keyword: str, default):
    """A per-frame value of an enhanced multi-frame object, else the shared value, else the top level."""
    for groups_name, index in (("PerFrameFunctionalGroupsSequence", frame), ("SharedFunctionalGroupsSequence", 0)):
        groups = ds.get(groups_name)
        if groups and len(groups) > index and sequence in groups[index]:
            items = groups[index][sequence].value
            if items and keyword in items[0]:
                return items[0][keyword].value
    value = ds.get(keyword)
    return default if value in (None, "") else value


def _stored_range(ds) -> tuple[int, int]:
    bits = int(ds.get("BitsStored") or ds.BitsAllocated)
    if int(ds.get("PixelRepresentation") or 0):
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1


def _sop_name(ds) -> str:
    uid = ds.get("SOPClassUID") or (ds.file_meta.get("MediaStorageSOPClassUID") if hasattr(ds, "file_meta") else None)
    name = getattr(uid, "name", None) if uid is not None else None
    return str(name or uid or "DICOM object of unknown class")


def _first(value) -> float:
    return float(value[0]) if isinstance(value, (list, tuple)) or hasattr(value, "__getitem__") and \
        not isinstance(value, (str, bytes)) else float(value)


def _plugin_reason(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[1] if len(lines) > 1 else (lines[0] if lines else "unknown error")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
