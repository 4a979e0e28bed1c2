"""The super-resolved volume is written as NIfTI that reloads in place (shape, voxel size, affine)."""
import numpy as np

from ganbook import brain3d
from ganbook.data.nifti import read_nifti, upsampled_affine

HR_AFFINE = np.array([[-1.0, 0, 0, 90.0], [0, 1.0, 0, -126.0], [0, 0, 1.0, 32.0], [0, 0, 0, 1]])


def _case(shape=(12, 10, 8), scale=2):
    rng = np.random.default_rng(0)
    hr = rng.random(shape).astype(np.float32)
    lr = brain3d.degrade_volume(hr, "blur_nearest", scale)
    return brain3d.Case("toy", hr, lr, np.ones(shape, bool), HR_AFFINE, 1.0, (0.0, 1.0))


def test_sr_nifti_reloads_with_the_hr_shape_and_the_hr_slab_affine(tmp_path):
    case = _case()
    sr = case.hr + 0.01
    path = brain3d.save_volume(tmp_path / "sr.nii.gz", sr, case, scale=2)
    img = read_nifti(path)
    assert img.array.shape == (12, 10, 8)
    np.testing.assert_allclose(img.affine, HR_AFFINE, atol=1e-6)
    np.testing.assert_allclose(img.array, sr, atol=1e-6)


def test_lr_nifti_has_twice_the_voxel_size_and_its_first_voxel_where_it_was_sampled(tmp_path):
    case = _case()
    img = read_nifti(brain3d.save_volume(tmp_path / "lr.nii", case.lr, case, grid="lr", scale=2))
    assert img.array.shape == (6, 5, 4)
    assert tuple(img.spacing) == (2.0, 2.0, 2.0)
    # LR voxel 0 is HR voxel 1 (blur_nearest keeps i*s + s//2): one HR step along each axis
    np.testing.assert_allclose(img.affine[:3, 3], HR_AFFINE[:3, :3] @ np.ones(3) + HR_AFFINE[:3, 3])
    # the SR grid derived from the written LR file divides the voxel size by the scale
    sr_aff = brain3d.sr_affine(img.affine, 2, 1)
    np.testing.assert_allclose(np.abs(np.diag(sr_aff)[:3]), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(sr_aff, HR_AFFINE)


def test_sr_affine_for_block_centred_samples_is_the_data_layers_upsampled_affine():
    lr_aff = brain3d.lr_affine(HR_AFFINE, 4, 1.5)
    np.testing.assert_allclose(brain3d.sr_affine(lr_aff, 4, 1.5), upsampled_affine(lr_aff, 4))
    np.testing.assert_allclose(brain3d.sr_affine(lr_aff, 4, 1.5), HR_AFFINE)
    # nearest decimation at an even scale is NOT block-centred: half an HR voxel apart
    lr_aff = brain3d.lr_affine(HR_AFFINE, 2, 1)
    shift = brain3d.sr_affine(lr_aff, 2, 1)[:3, 3] - upsampled_affine(lr_aff, 2)[:3, 3]
    np.testing.assert_allclose(np.abs(shift), [0.5, 0.5, 0.5])
