"""Every failure listed in the data-layer issue becomes a DataError that names the file (real malformed files)."""
import importlib.util
import time
from pathlib import Path

import nibabel
import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from ganbook.data.dicom import read_dicom
from ganbook.data.dicom_series import read_dicom_series
from ganbook.data.errors import DataError
from ganbook.data.images import read_image
from ganbook.data.metaimage import read_metaimage
from ganbook.data.nifti import read_nifti

NIBABEL_DATA = Path(nibabel.__file__).parent / "tests" / "data"
HAVE_JPEG_PLUGIN = any(importlib.util.find_spec(m) for m in ("pylibjpeg", "gdcm", "jpeg_ls"))


def _raises(fn, path, *words):
    with pytest.raises(DataError) as info:
        fn(path)
    message = str(info.value)
    assert str(path) in message, message
    for word in words:
        assert word.lower() in message.lower(), message
    return message


@pytest.mark.skipif(HAVE_JPEG_PLUGIN, reason="a JPEG Lossless / JPEG-LS decoder is installed here")
@pytest.mark.parametrize("name, package", [("bad_sequence.dcm", "pylibjpeg-libjpeg"),
                                           ("MR_small_jpeg_ls_lossless.dcm", "pyjpegls")])
def test_missing_decoder_plugin_names_the_packages_to_install(name, package):
    _raises(read_dicom, get_testdata_file(name), "decoder", package, "python-gdcm")


def test_dicom_without_pixel_data_says_so():
    _raises(read_dicom, get_testdata_file("rtplan.dcm"), "no pixel data", "RT Plan")


@pytest.mark.parametrize("name", ["emri_small_jpeg_2k_lossless_too_short.dcm", "MR_truncated.dcm"])
def test_truncated_dicom_is_reported_as_truncated(name):
    _raises(read_dicom, get_testdata_file(name), "truncated")


def test_dicom_cut_in_half_is_reported_as_truncated(tmp_path):
    src = Path(get_testdata_file("CT_small.dcm")).read_bytes()
    bad = tmp_path / "half.dcm"
    bad.write_bytes(src[: len(src) // 2])
    _raises(read_dicom, bad, "truncated")


def test_dicom_without_preamble_suggests_force_and_force_reads_it():
    path = get_testdata_file("OT-PAL-8-face.dcm")
    _raises(read_dicom, path, "preamble", "force")
    assert read_dicom(path, force=True).array.shape[-2:] == (480, 640)


def test_four_d_nifti_where_three_d_is_expected_names_the_shape():
    path = NIBABEL_DATA / "example4d.nii.gz"
    _raises(read_nifti, path, "expected a 3-D", "128 x 96 x 24 x 2", "volume")
    assert read_nifti(path, volume=1).array.shape == (128, 96, 24)


def test_nifti_with_nan_is_refused():
    # nibabel ships a resampled volume whose outside is NaN
    _raises(read_nifti, NIBABEL_DATA / "resampled_anat_moved.nii", "NaN or infinite")


def test_dicom_float_pixels_with_inf_are_refused(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    values = np.zeros((ds.Rows, ds.Columns), np.float32)
    values[3, 4] = np.inf
    del ds.PixelData
    ds.BitsAllocated, ds.BitsStored = 32, 32
    del ds.HighBit, ds.PixelRepresentation
    ds.FloatPixelData = values.tobytes()
    path = tmp_path / "inf.dcm"
    ds.save_as(path, enforce_file_format=True)
    _raises(read_dicom, path, "NaN or infinite")


def _dicom_with_dims(tmp_path, rows, cols, frames):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, cols, frames
    path = tmp_path / f"dims_{rows}_{cols}_{frames}.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path


def test_empty_dicom_dimensions_are_refused(tmp_path):
    _raises(read_dicom, _dicom_with_dims(tmp_path, 0, 128, 1), "empty")


def test_absurd_dicom_dimensions_are_refused_before_allocating(tmp_path):
    path = _dicom_with_dims(tmp_path, 65535, 65535, 9999)  # 43 trillion pixels declared, 32 KB stored
    start = time.perf_counter()
    _raises(read_dicom, path, "absurdly large")
    assert time.perf_counter() - start < 2.0


def test_absurd_nifti_dimensions_are_refused_before_reading(tmp_path):
    header = nibabel.Nifti1Header()
    header.set_data_shape((30000, 30000, 30000))
    header.set_data_dtype(np.int16)
    path = tmp_path / "huge.nii"
    path.write_bytes(header.binaryblock + b"\0" * 4)  # 352-byte header + extension flag, no voxels
    _raises(read_nifti, path, "absurdly large")


def test_empty_nifti_is_refused(tmp_path):
    header = nibabel.Nifti1Header()
    header.set_data_shape((0, 4, 4))
    path = tmp_path / "empty.nii"
    path.write_bytes(header.binaryblock + b"\0" * 4)
    _raises(read_nifti, path, "empty")


def test_truncated_gzipped_nifti_is_reported(tmp_path):
    data = (NIBABEL_DATA / "example4d.nii.gz").read_bytes()
    path = tmp_path / "cut.nii.gz"
    path.write_bytes(data[: len(data) // 3])
    _raises(lambda p: read_nifti(p, volume=0), path, "truncated")


def test_absurd_metaimage_dimensions_are_refused(tmp_path):
    path = tmp_path / "huge.mhd"
    path.write_text("ObjectType = Image\nNDims = 3\nDimSize = 40000 40000 40000\nElementType = MET_SHORT\n"
                    "ElementDataFile = huge.raw\n")
    (tmp_path / "huge.raw").write_bytes(b"\0" * 16)
    _raises(read_metaimage, path, "absurdly large")


def test_png_claiming_a_gigantic_size_is_refused(tmp_path):
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 200000, 200000, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")
    path = tmp_path / "bomb.png"
    path.write_bytes(png)
    _raises(read_image, path, "absurdly large")


def test_truncated_png_is_reported(tmp_path):
    from PIL import Image

    good = tmp_path / "good.png"
    Image.fromarray((np.random.default_rng(0).random((64, 64)) * 255).astype(np.uint8)).save(good)
    bad = tmp_path / "bad.png"
    bad.write_bytes(good.read_bytes()[:200])
    _raises(read_image, bad, "truncated")


def test_series_folder_without_dicom_files_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    _raises(read_dicom_series, tmp_path, "no single-frame DICOM")


def test_missing_companion_file_is_named():
    _raises(read_nifti, NIBABEL_DATA / "analyze.hdr", "analyze.img", "missing")


def test_minc2_without_h5py_names_the_package():
    if importlib.util.find_spec("h5py"):
        pytest.skip("h5py is installed here")
    _raises(lambda p: read_nifti(p), NIBABEL_DATA / "minc2_1_scale.mnc", "h5py")
