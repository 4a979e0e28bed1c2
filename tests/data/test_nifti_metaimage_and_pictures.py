"""NIfTI read/write geometry, MetaImage (LUNA16's format), and PNG/JPEG/TIFF/GIF pictures and masks."""
import gzip
import zlib
from pathlib import Path

import nibabel
import numpy as np
import pytest
from PIL import Image

from ganbook.data.errors import DataError
from ganbook.data.images import read_image, read_mask
from ganbook.data.metaimage import read_metaimage
from ganbook.data.nifti import read_nifti, read_volume, upsampled_affine, write_nifti

ANATOMICAL = Path(nibabel.__file__).parent / "tests" / "data" / "anatomical.nii"


def test_nifti_reader_keeps_affine_and_header_and_returns_native_float32():
    image = read_nifti(ANATOMICAL)
    reference = nibabel.load(ANATOMICAL)
    assert image.array.dtype == np.float32 and image.array.dtype.byteorder in "=|"
    np.testing.assert_array_equal(image.array, np.asarray(reference.dataobj, dtype=np.float32))
    np.testing.assert_array_equal(image.affine, reference.affine)
    assert image.spacing == (2.0, 2.0, 2.0) and image.layout == "IJK" and image.meta["orientation"] == "LAS"
    assert image.header["dim"][1:4].tolist() == [33, 41, 25]


def _corners(affine, shape):
    """World coordinates of the outer corners of the voxel grid (voxel centres +- half a voxel)."""
    idx = np.array([[i, j, k] for i in (-0.5, shape[0] - 0.5) for j in (-0.5, shape[1] - 0.5)
                    for k in (-0.5, shape[2] - 0.5)])
    return idx @ affine[:3, :3].T + affine[:3, 3]


@pytest.mark.parametrize("suffix", [".nii", ".nii.gz"])
def test_upsampled_volume_is_written_with_scaled_voxels_covering_the_same_box(tmp_path, suffix):
    source = read_nifti(ANATOMICAL)
    up = np.repeat(np.repeat(np.repeat(source.array, 2, 0), 2, 1), 2, 2)
    path = write_nifti(tmp_path / f"up{suffix}", up, source, scale=2)
    back = nibabel.load(path)
    assert back.shape == (66, 82, 50)
    assert back.header.get_zooms() == pytest.approx((1.0, 1.0, 1.0))
    np.testing.assert_allclose(back.affine[:3, :3], source.affine[:3, :3] / 2)
    np.testing.assert_allclose(_corners(back.affine, back.shape), _corners(source.affine, source.array.shape),
                               atol=1e-5)
    assert int(back.header["qform_code"]) == int(source.header["qform_code"]) or int(source.header["qform_code"]) == 0
    np.testing.assert_array_equal(np.asarray(back.dataobj), up)


def test_per_axis_scale_only_changes_that_axis():
    affine = np.diag([2.0, 3.0, 4.0, 1.0])
    affine[:3, 3] = [10, 20, 30]
    new = upsampled_affine(affine, (1, 1, 4))
    np.testing.assert_allclose(np.diag(new)[:3], [2, 3, 1])
    np.testing.assert_allclose(new[:3, 3], [10, 20, 30 + 4 * (1 / 4 - 1) / 2])


def test_writer_refuses_a_shape_that_is_not_reference_times_scale(tmp_path):
    source = read_nifti(ANATOMICAL)
    with pytest.raises(ValueError, match="scale"):
        write_nifti(tmp_path / "bad.nii", np.zeros((10, 10, 10)), source, scale=2)
    assert not (tmp_path / "bad.nii").exists()


def test_read_volume_accepts_4d_when_asked_and_drops_a_singleton_fourth_axis(tmp_path):
    path = Path(nibabel.__file__).parent / "tests" / "data" / "example4d.nii.gz"
    assert read_volume(path, expect_ndim=None).array.shape == (128, 96, 24, 2)
    nibabel.save(nibabel.Nifti1Image(np.ones((4, 5, 6, 1), np.float32), np.eye(4)), tmp_path / "single.nii")
    assert read_volume(tmp_path / "single.nii").array.shape == (4, 5, 6)


def _write_mhd(folder, array, spacing_xyz, offset, compressed=False, local=False):
    raw = array.astype("<i2").tobytes()
    if compressed:
        raw = zlib.compress(raw)
    header = (f"ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
              f"CompressedData = {compressed}\nTransformMatrix = 1 0 0 0 1 0 0 0 1\n"
              f"Offset = {' '.join(map(str, offset))}\nElementSpacing = {' '.join(map(str, spacing_xyz))}\n"
              f"DimSize = {array.shape[2]} {array.shape[1]} {array.shape[0]}\nElementType = MET_SHORT\n")
    if local:
        path = folder / "scan.mha"
        path.write_bytes((header + "ElementDataFile = LOCAL\n").encode() + raw)
    else:
        path = folder / "scan.mhd"
        path.write_text(header + "ElementDataFile = scan.raw\n")
        (folder / "scan.raw").write_bytes(raw)
    return path


@pytest.mark.parametrize("compressed, local", [(False, False), (True, True)])
def test_metaimage_reads_voxels_in_zyx_order_with_spacing_and_affine(tmp_path, compressed, local):
    volume = np.arange(3 * 4 * 5, dtype=np.int16).reshape(3, 4, 5) - 1000  # (z, y, x)
    path = _write_mhd(tmp_path, volume, (0.7, 0.8, 2.5), (-100.0, -50.0, 20.0), compressed, local)
    image = read_metaimage(path)
    np.testing.assert_array_equal(image.array, volume)
    assert image.spacing == (2.5, 0.8, 0.7) and image.layout == "ZHW"
    np.testing.assert_allclose(image.affine @ [1, 2, 3, 1], [-100 + 3 * 0.7, -50 + 2 * 0.8, 20 + 1 * 2.5, 1])


def test_metaimage_with_a_short_raw_file_is_truncated(tmp_path):
    path = _write_mhd(tmp_path, np.zeros((3, 4, 5), np.int16), (1, 1, 1), (0, 0, 0))
    (tmp_path / "scan.raw").write_bytes(b"\0" * 10)
    with pytest.raises(DataError, match="truncated"):
        read_metaimage(path)


def test_pictures_become_channels_first_float_in_0_1(tmp_path):
    rng = np.random.default_rng(0)
    rgb = (rng.random((20, 30, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "a.png")
    Image.fromarray(rgb).save(tmp_path / "a.tif")
    grey16 = (rng.random((20, 30)) * 65535).astype(np.uint16)
    Image.fromarray(grey16).save(tmp_path / "b.tif")
    png = read_image(tmp_path / "a.png")
    assert png.array.shape == (3, 20, 30) and png.layout == "CHW"
    np.testing.assert_allclose(png.array, np.moveaxis(rgb, -1, 0) / 255.0, atol=1e-6)
    np.testing.assert_allclose(read_image(tmp_path / "a.tif").array, png.array)
    tif16 = read_image(tmp_path / "b.tif")
    np.testing.assert_allclose(tif16.array, grey16 / 65535.0, atol=1e-6)
    smooth = np.stack([*np.meshgrid(np.linspace(0, 255, 30), np.linspace(0, 255, 20)), np.full((20, 30), 128.0)], -1)
    Image.fromarray(smooth.astype(np.uint8)).save(tmp_path / "c.jpg", quality=95)
    jpg = read_image(tmp_path / "c.jpg")
    assert jpg.format == "JPEG" and np.abs(jpg.array - np.moveaxis(smooth, -1, 0) / 255.0).mean() < 0.02


def test_gif_masks_are_boolean(tmp_path):
    mask = np.zeros((10, 12), np.uint8)
    mask[2:6, 3:9] = 255
    Image.fromarray(mask).convert("P").save(tmp_path / "m.gif")
    np.testing.assert_array_equal(read_mask(tmp_path / "m.gif"), mask > 0)


def test_gzipped_ppm_is_read(tmp_path):
    rgb = (np.random.default_rng(1).random((8, 9, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "im0001.ppm")
    (tmp_path / "im0001.ppm.gz").write_bytes(gzip.compress((tmp_path / "im0001.ppm").read_bytes()))
    np.testing.assert_allclose(read_image(tmp_path / "im0001.ppm.gz").array, np.moveaxis(rgb, -1, 0) / 255.0)
