"""DICOM: HU via rescale (also from functional groups), MONOCHROME1, windows, series sorting, writer geometry."""
import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from ganbook.data.dicom import WINDOWS, apply_window, read_dicom
from ganbook.data.dicom_series import read_dicom_path, read_dicom_series
from ganbook.data.dicom_writer import write_dicom_slice
from ganbook.data.degrade import upsample


def test_ct_values_are_hounsfield_units_from_rescale_slope_and_intercept():
    path = get_testdata_file("693_UNCR.dcm")
    raw = pydicom.dcmread(path)
    image = read_dicom(path)
    expected = raw.pixel_array * float(raw.RescaleSlope) + float(raw.RescaleIntercept)
    assert float(raw.RescaleIntercept) == -1024
    np.testing.assert_array_equal(image.array, expected.astype(np.float32))
    assert image.units == "HU" and image.modality == "CT" and image.spacing == pytest.approx((0.478516, 0.478516))


def test_enhanced_multiframe_ct_uses_functional_group_rescale():
    path = get_testdata_file("eCT_Supplemental.dcm")
    raw = pydicom.dcmread(path)
    assert "RescaleIntercept" not in raw  # only in the shared functional groups
    image = read_dicom(path)
    assert image.layout == "FHW" and image.array.shape == (2, 512, 512)
    np.testing.assert_array_equal(image.array, raw.pixel_array.astype(np.float32) - 1024.0)
    assert image.spacing == pytest.approx((0.388672, 0.388672))
    assert read_dicom(path, frame=1).array.shape == (512, 512)


def test_multiframe_mr_keeps_all_frames():
    image = read_dicom(get_testdata_file("emri_small.dcm"))
    assert image.array.shape == (10, 64, 64) and image.frames == 10


def test_monochrome1_is_inverted_so_bright_means_high(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.PhotometricInterpretation = "MONOCHROME1"
    path = tmp_path / "mono1.dcm"
    ds.save_as(path, enforce_file_format=True)
    normal = read_dicom(get_testdata_file("CT_small.dcm")).array
    inverted = read_dicom(path).array
    bits = int(ds.BitsStored)
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1  # signed stored range, rescaled by the same slope/intercept
    intercept = float(ds.RescaleIntercept)
    np.testing.assert_allclose(inverted, (lo + intercept) + (hi + intercept) - normal)
    assert np.argmax(inverted) == np.argmin(normal)


def test_real_monochrome1_radiograph_is_flagged_as_inverted():
    image = read_dicom(get_testdata_file("RG3_UNCR.dcm"))
    assert image.meta["photometric"] == "MONOCHROME1" and "inverted" in image.meta


def test_window_presets_map_their_bounds_to_0_and_1():
    hu = np.array([-2000.0, -1200.0, -600.0, 0.0, 500.0])
    np.testing.assert_allclose(apply_window(hu, "lung"), [0, 0, 0.5, 1, 1])
    np.testing.assert_allclose(apply_window(np.array([-160.0, 40.0, 240.0]), "soft_tissue"), [0, 0.5, 1])
    assert WINDOWS["lung"] == (-1200.0, 0.0) and WINDOWS["soft_tissue"] == (-160.0, 240.0)
    with pytest.raises(ValueError):
        apply_window(hu, "no-such-window")


def _make_series(folder, positions):
    base = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    for k, z in enumerate(positions):
        ds = base.copy()
        ds.ImagePositionPatient = [0.0, 0.0, float(z)]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.InstanceNumber = 100 - k  # deliberately disagrees with the position order
        ds.SOPInstanceUID = pydicom.uid.generate_uid()
        arr = base.pixel_array.copy()
        arr[0, 0] = int(round(10 * z))  # tag each slice with its position
        ds.PixelData = arr.tobytes()
        ds.save_as(folder / f"slice_{k}.dcm", enforce_file_format=True)
    (folder / "README.txt").write_text("not DICOM")


def test_series_folder_is_sorted_by_position_along_the_normal(tmp_path):
    _make_series(tmp_path, [7.5, -2.5, 2.5, 12.5, 0.0])
    volume = read_dicom_series(tmp_path)
    assert volume.layout == "ZHW" and volume.array.shape == (5, 128, 128)
    tags = (volume.array[:, 0, 0] + 1024.0) / 10  # undo the rescale intercept and the tagging
    np.testing.assert_array_equal(tags, [-2.5, 0.0, 2.5, 7.5, 12.5])
    assert volume.meta["warning"] == "uneven slice spacing"
    assert read_dicom_path(tmp_path).array.shape == (5, 128, 128)


def test_series_spacing_is_the_distance_between_positions(tmp_path):
    _make_series(tmp_path, [0.0, 2.5, 5.0, 7.5])
    volume = read_dicom_series(tmp_path)
    assert volume.spacing[0] == pytest.approx(2.5) and "warning" not in volume.meta


def test_writer_makes_a_new_series_with_spacing_divided_by_the_scale(tmp_path):
    source = read_dicom(get_testdata_file("CT_small.dcm"))
    up = upsample(source.array, 2)
    out = write_dicom_slice(tmp_path / "sr.dcm", up, source, scale=2)
    written = pydicom.dcmread(out)
    original = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    assert (written.Rows, written.Columns) == (256, 256)
    assert written.SOPInstanceUID != original.SOPInstanceUID
    assert written.SeriesInstanceUID != original.SeriesInstanceUID
    assert written.StudyInstanceUID == original.StudyInstanceUID and written.PatientID == original.PatientID
    assert [float(v) for v in written.PixelSpacing] == pytest.approx([float(v) / 2 for v in original.PixelSpacing])
    assert "DERIVED" in written.ImageType
    back = read_dicom(out)
    assert np.abs(back.array - up).max() <= 0.5 + 1e-3  # HU stored as integers
    assert list(tmp_path.iterdir()) == [out]  # nothing half-written left behind


def test_writer_keeps_the_image_covering_the_same_patch_of_the_patient(tmp_path):
    source = read_dicom(get_testdata_file("CT_small.dcm"))
    scale = 4
    out = write_dicom_slice(tmp_path / "sr4.dcm", upsample(source.array, scale), source, scale=scale)
    new, old = pydicom.dcmread(out), pydicom.dcmread(get_testdata_file("CT_small.dcm"))

    def corner(ds):  # world position of the outer corner of pixel (0, 0)
        iop = np.array([float(v) for v in ds.ImageOrientationPatient])
        d_row, d_col = (float(v) for v in ds.PixelSpacing)
        return np.array([float(v) for v in ds.ImagePositionPatient]) - 0.5 * (d_col * iop[:3] + d_row * iop[3:])

    np.testing.assert_allclose(corner(new), corner(old), atol=1e-4)
    assert not np.allclose([float(v) for v in new.ImagePositionPatient], [float(v) for v in old.ImagePositionPatient])


def test_writer_refuses_a_source_that_is_not_dicom(tmp_path):
    from ganbook.data.errors import DataError
    from ganbook.data.image import ImageData

    with pytest.raises(DataError, match="not a DICOM"):
        write_dicom_slice(tmp_path / "x.dcm", np.zeros((4, 4)), ImageData(np.zeros((2, 2)), "a.png", "PNG"), scale=2)
