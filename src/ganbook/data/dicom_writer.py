"""Write an upscaled slice as a new DICOM object that a PACS viewer will place correctly.

The new object is a derived image in a *new series* (new Series and SOP Instance UIDs) of the same
study and patient, with the pixel spacing divided by the scale and the position of the first pixel
moved so that the image covers exactly the same patch of the patient as its source:
the first pixel's centre sits half a *new* pixel, not half an old one, inside the original edge.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from ..io import atomic_write_bytes
from .errors import DataError, check_finite
from .image import ImageData

__all__ = ["write_dicom_slice"]

_STORAGE = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4"}
_SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
# Patient, study, frame-of-reference and equipment attributes carried over from the source.
_COPIED = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "PatientAge", "StudyInstanceUID",
           "StudyDate", "StudyTime", "StudyID", "AccessionNumber", "ReferringPhysicianName", "StudyDescription",
           "FrameOfReferenceUID", "PositionReferenceIndicator", "Manufacturer", "InstitutionName", "BodyPartExamined",
           "PatientPosition", "SliceThickness", "SliceLocation", "KVP", "ConvolutionKernel", "SpecificCharacterSet")


def write_dicom_slice(path: str | os.PathLike, array: np.ndarray, source: ImageData, *, scale: float,
                      frame: int = 0, description: str = "ganbook super-resolution") -> Path:
    """Save ``array`` (an upscaled version of one slice of ``source``) as a new DICOM file, atomically.

    Args:
        path: the output ``.dcm`` file.
        array: (H, W) in the source's units (HU for CT) or (3, H, W) RGB in 0..255.
        source: what :func:`~ganbook.data.dicom.read_dicom` returned for the input file.
        scale: the in-plane upscaling factor (output spacing = input spacing / scale).
        frame: which frame of a multi-frame source the slice came from (for its position).
        description: appended to the Series Description and recorded as the Derivation Description.

    Returns:
        The path written.

    Raises:
        DataError: when ``source`` did not come from a DICOM file, or ``array`` holds NaN/inf.
    """
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, ExplicitVRLittleEndian, generate_uid

    from .dicom import _frame_value

    path = Path(path)
    src = source.header
    if not isinstance(src, Dataset):
        raise DataError(source.path, "is not a DICOM image, so no DICOM file can be derived from it",
                        "write NIfTI or PNG output instead, or start from a .dcm input")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    array = check_finite(path, np.asarray(array, dtype=np.float64))
    rgb = array.ndim == 3
    if array.ndim not in (2, 3) or (rgb and array.shape[0] != 3):
        raise ValueError(f"array must be (H, W) or (3, H, W), got shape {array.shape}")

    ds = Dataset()
    for keyword in _COPIED:
        if keyword in src:
            setattr(ds, keyword, src[keyword].value)
    modality = str(src.get("Modality") or "OT")
    ds.SOPClassUID = _STORAGE.get(modality, _SECONDARY_CAPTURE) if not rgb else _SECONDARY_CAPTURE
    ds.SOPInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality = modality
    ds.SeriesNumber = int(src.get("SeriesNumber") or 0) + 1000
    ds.InstanceNumber = int(src.get("InstanceNumber") or 1)
    ds.SeriesDescription = f"{src.get('SeriesDescription', '')} {description} x{scale:g}".strip()[:64]
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.DerivationDescription = f"{description}: upscaled x{scale:g} from SOP Instance {src.get('SOPInstanceUID', '?')}"
    if "SOPInstanceUID" in src and "SOPClassUID" in src:
        ref = Dataset()
        ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = src.SOPClassUID, src.SOPInstanceUID
        ds.SourceImageSequence = [ref]

    _set_geometry(ds, src, frame, scale, _frame_value)
    ds.Rows, ds.Columns = int(array.shape[-2]), int(array.shape[-1])
    if rgb:
        pixels = np.clip(np.rint(np.moveaxis(array, 0, -1)), 0, 255).astype(np.uint8)
        ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    else:
        pixels = _encode_grey(ds, array, src, frame, _frame_value)
    ds.PixelData = pixels.tobytes()

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    meta.TransferSyntaxUID, meta.ImplementationClassUID = ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID
    ds.file_meta = meta
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    return atomic_write_bytes(path, buffer.getvalue())


def _set_geometry(ds, src, frame: int, scale: float, frame_value) -> None:
    spacing = frame_value(src, frame, "PixelMeasuresSequence", "PixelSpacing", None)
    orientation = frame_value(src, frame, "PlaneOrientationSequence", "ImageOrientationPatient", None)
    position = frame_value(src, frame, "PlanePositionSequence", "ImagePositionPatient", None)
    if not spacing:
        return
    d_row, d_col = float(spacing[0]), float(spacing[1])  # between rows, between columns (mm)
    ds.PixelSpacing = [f"{d_row / scale:.6g}", f"{d_col / scale:.6g}"]
    if orientation and position:
        along_row = np.array([float(v) for v in orientation[:3]])  # direction of increasing column index
        along_col = np.array([float(v) for v in orientation[3:]])  # direction of increasing row index
        # Old first-pixel centre P sits half an old pixel inside the edge; the new one half a new pixel.
        shift = (1.0 / scale - 1.0) / 2.0 * (d_col * along_row + d_row * along_col)
        new_position = np.array([float(v) for v in position]) + shift
        ds.ImageOrientationPatient = [f"{v:.6g}" for v in orientation]
        ds.ImagePositionPatient = [f"{v:.6f}" for v in new_position]


def _encode_grey(ds, array: np.ndarray, src, frame: int, frame_value) -> np.ndarray:
    slope = float(frame_value(src, frame, "PixelValueTransformationSequence", "RescaleSlope", 1.0))
    intercept = float(frame_value(src, frame, "PixelValueTransformationSequence", "RescaleIntercept", 0.0))
    stored = np.rint((array - intercept) / slope)
    if stored.min() >= -(2**15) and stored.max() < 2**15:
        pixels, signed = stored.astype(np.int16), 1
    elif stored.min() >= 0 and stored.max() < 2**16:
        pixels, signed = stored.astype(np.uint16), 0
    else:  # out of 16-bit range: choose a new linear rescale spanning the data
        lo, hi = float(array.min()), float(array.max())
        slope, intercept = max(hi - lo, 1e-6) / 65535.0, lo
        pixels, signed = np.rint((array - intercept) / slope).astype(np.uint16), 0
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, signed
    ds.RescaleSlope, ds.RescaleIntercept = f"{slope:.10g}", f"{intercept:.10g}"
    if ds.Modality == "CT":
        ds.RescaleType = "HU"
    center = frame_value(src, frame, "FrameVOILUTSequence", "WindowCenter", None)
    width = frame_value(src, frame, "FrameVOILUTSequence", "WindowWidth", None)
    if center is not None and width is not None:
        ds.WindowCenter, ds.WindowWidth = center, width
    return pixels
