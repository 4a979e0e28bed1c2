"""``python -m ganbook upscale``: DICOM / NIfTI / picture in, the same format out, geometry and warnings right."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from ganbook.__main__ import main
from ganbook.data.degrade import upsample
from ganbook.data.embedded import pydicom_file
from ganbook.models import RWMAN, SRResNet
from ganbook.sr.export import ModelCard, save_sr_model
from ganbook.upscale import InputWarning, upscale_file


def _rwman_checkpoint(tmp_path, *, trained=True, spacing=((0.3, 1.5), (0.3, 1.5)), intensity=None, value_range=None):
    torch.manual_seed(0)
    model = RWMAN(num_groups=1, num_blocks=1, num_features=4)
    if trained:  # a non-zero tail: the output differs from the bicubic base
        torch.nn.init.normal_(model.tail.weight, std=0.01)
    card = ModelCard(model="rwman", config=vars(model.config) | {}, method="RWMAN(P)", scale=4, spatial_dims=2,
                     modality="ct", intensity=intensity or {"kind": "window", "low": -1024.0, "high": 1024.0},
                     degradation="average_pool", trained_spacing=[list(s) for s in spacing] if spacing else None,
                     trained_range=value_range)
    return save_sr_model(tmp_path / "ckpt" / "tiny_rwman", model, card)


def test_upscaled_held_out_ct_dicom_has_four_times_the_matrix_and_a_quarter_of_the_spacing(tmp_path, capsys):
    import pydicom

    src_path = pydicom_file("693_UNCR.dcm")  # a held-out real CT slice of ct_slices
    ckpt = _rwman_checkpoint(tmp_path)
    out = tmp_path / "sr.dcm"
    assert main(["upscale", "--checkpoint", str(ckpt), str(src_path), str(out)]) == 0
    assert "not for diagnosis" in capsys.readouterr().out
    src, sr = pydicom.dcmread(src_path), pydicom.dcmread(out)
    assert (sr.Rows, sr.Columns) == (4 * src.Rows, 4 * src.Columns)
    np.testing.assert_allclose([float(v) for v in sr.PixelSpacing], [float(v) / 4 for v in src.PixelSpacing],
                               rtol=1e-5)
    assert sr.SeriesInstanceUID != src.SeriesInstanceUID and sr.SOPInstanceUID != src.SOPInstanceUID
    assert sr.StudyInstanceUID == src.StudyInstanceUID
    hu_src = src.pixel_array * float(src.RescaleSlope) + float(src.RescaleIntercept)
    hu_sr = sr.pixel_array * float(sr.RescaleSlope) + float(sr.RescaleIntercept)
    # 4x4 average pooling of the SR image gives back the (windowed) source to within a few HU
    pooled = hu_sr.reshape(src.Rows, 4, src.Columns, 4).mean((1, 3))
    body = hu_src > -500
    assert np.abs(pooled - np.clip(hu_src, -1024, 1024))[body].mean() < 30


def test_an_untrained_residual_rwman_reproduces_the_interpolated_picture(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    img = (ndimage_smooth(rng.random((24, 20))) * 255).astype(np.uint8)
    Image.fromarray(img).save(tmp_path / "in.png")
    ckpt = _rwman_checkpoint(tmp_path, trained=False, spacing=None, intensity={"kind": "range", "low": 0, "high": 1})
    # overlap 8 LR px: the bicubic base (radius 2) never sees a cut, so tiling is exact
    info = upscale_file(ckpt, tmp_path / "in.png", tmp_path / "out.tif", tile=18, overlap=8)
    out = np.asarray(Image.open(tmp_path / "out.tif"), np.float32)
    assert out.shape == (96, 80) and info["output_shape"] == (96, 80)
    x = torch.from_numpy(img.astype(np.float32) / 255)[None, None]
    expected = torch.nn.functional.interpolate(x, scale_factor=4, mode="bicubic", align_corners=False)[0, 0]
    np.testing.assert_allclose(out, expected.clamp(0, 1).numpy(), atol=1e-4)


def ndimage_smooth(a):
    from scipy import ndimage

    return ndimage.gaussian_filter(a, 2)


def _srresnet3d_checkpoint(tmp_path, trained_spacing, **model_kwargs):
    torch.manual_seed(0)
    model = SRResNet(num_features=4, num_blocks=1, upsample_features=8, scale=2, spatial_dims=3, **model_kwargs)
    card = ModelCard(model="srresnet", config=vars(model.config) | {}, method="SRGAN3D", scale=2, spatial_dims=3,
                     modality="mr", intensity={"kind": "percentile", "low": 0.0, "high": 99.5},
                     degradation="blur_nearest", trained_spacing=trained_spacing)
    return model, save_sr_model(tmp_path / "srresnet3d", model, card)


def _nifti(tmp_path, shape):
    import nibabel as nib

    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    affine[:3, 3] = [-10, 5, 3]
    vol = np.random.default_rng(1).random(shape).astype(np.float32) * 100
    nib.save(nib.Nifti1Image(vol, affine), tmp_path / "in.nii.gz")
    return vol, affine


def test_a_3d_model_upscales_a_nifti_volume_with_a_scaled_affine(tmp_path):
    import nibabel as nib

    import warnings

    model, ckpt = _srresnet3d_checkpoint(tmp_path, [1.0, 1.0, 1.0])
    vol, affine = _nifti(tmp_path, (10, 12, 9))  # 2-mm voxels: the LR spacing of a x2 model trained on 1 mm
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)  # a correct LR input is not warned about
        info = upscale_file(ckpt, tmp_path / "in.nii.gz", tmp_path / "out.nii.gz", tile=6, overlap=2)
    out = nib.load(tmp_path / "out.nii.gz")
    assert out.shape == (20, 24, 18) and info["output_spacing"] == (1.0, 1.0, 1.0)
    np.testing.assert_allclose(np.diag(out.affine)[:3], [1.0, 1.0, 1.0])
    # the first voxel's centre moves half a new voxel inside the old edge: -10 - 2/2 + 1/2
    np.testing.assert_allclose(out.affine[:3, 3], [-10.5, 4.5, 2.5])
    # tiled equals one-shot inference on the same normalised volume
    lo, hi = np.percentile(vol, [0, 99.5])
    x = torch.from_numpy(np.clip((vol - lo) / (hi - lo), 0, 1).astype(np.float32))[None, None]
    with torch.no_grad():
        ref = model.eval()(x)[0, 0].numpy().clip(0, 1) * (hi - lo) + lo
    err = np.abs(np.asarray(out.dataobj) - ref)
    assert np.median(err) < 1e-3 and err.max() < 2.0  # exact away from cuts; a cross-fade (≤ 2 % of range) near them


def test_a_native_resolution_volume_given_as_input_is_warned_about_naming_both_spacings(tmp_path):
    import nibabel as nib

    _, ckpt = _srresnet3d_checkpoint(tmp_path, [2.0, 2.0, 2.0])  # trained on 2-mm HR, so it takes 4-mm LR
    _, affine = _nifti(tmp_path, (6, 6, 6))  # a 2-mm scan: already at the training HR spacing
    with pytest.warns(InputWarning) as record:
        upscale_file(ckpt, tmp_path / "in.nii.gz", tmp_path / "out.nii.gz")
    msg = str(record[0].message)
    assert "pixel spacing 2 mm" in msg and "LR spacing" in msg and "2.67..6 mm" in msg and "HR images: 2 mm" in msg
    assert nib.load(tmp_path / "out.nii.gz").shape == (12, 12, 12)  # it still runs


def test_model_cards_record_the_lr_spacing_the_model_takes():
    from ganbook.sr.export import ModelCard

    card = ModelCard(model="rwman", config={}, method="m", scale=4, spatial_dims=2, modality="ct",
                     intensity={"kind": "range", "low": 0, "high": 1}, degradation="average_pool",
                     trained_spacing=[[0.5, 0.7], 0.6])
    assert card.trained_lr_spacing == [[2.0, 2.8], 2.4]
    explicit = ModelCard(**{**card.__dict__, "trained_lr_spacing": [3.0, 3.0]})
    assert explicit.trained_lr_spacing == [3.0, 3.0]


def test_a_3d_model_trained_on_decimated_voxels_gets_the_output_grid_it_was_trained_for(tmp_path):
    import nibabel as nib

    from ganbook.brain3d import sr_affine

    _, ckpt = _srresnet3d_checkpoint(tmp_path, [1.0, 1.0, 1.0], residual_interp=True, sample_offset=1)
    _, affine = _nifti(tmp_path, (6, 6, 6))
    upscale_file(ckpt, tmp_path / "in.nii.gz", tmp_path / "out.nii.gz")
    out = nib.load(tmp_path / "out.nii.gz")
    # LR voxel i sits at HR voxel 2 i + 1: the first HR voxel is one new voxel (1 mm) before the first LR one
    np.testing.assert_allclose(out.affine[:3, 3], [-11.0, 4.0, 2.0])
    np.testing.assert_allclose(out.affine, sr_affine(affine, 2, 1))


def test_a_2d_model_upscales_each_nifti_slice_in_plane_only(tmp_path):
    import nibabel as nib

    ckpt = _rwman_checkpoint(tmp_path, spacing=None)
    nib.save(nib.Nifti1Image(np.zeros((8, 8, 3), np.float32) - 1000, np.eye(4)), tmp_path / "v.nii")
    upscale_file(ckpt, tmp_path / "v.nii", tmp_path / "o.nii")
    out = nib.load(tmp_path / "o.nii")
    assert out.shape == (32, 32, 3)
    np.testing.assert_allclose(np.diag(out.affine)[:3], [0.25, 0.25, 1.0])


def test_input_outside_the_training_spacing_and_range_is_warned_about(tmp_path, capsys):
    ckpt = _rwman_checkpoint(tmp_path, spacing=((0.9, 1.5), (0.9, 1.5)), value_range=[-1024.0, 0.0])
    assert main(["upscale", "--checkpoint", str(ckpt), str(pydicom_file("CT_small.dcm")), str(tmp_path / "o.dcm")]) == 0
    err = capsys.readouterr().err
    assert "pixel spacing 0.6" in err and "outside the training range" in err and "CT_small.dcm" in err


def test_bad_inputs_give_clear_errors_naming_the_file(tmp_path, capsys):
    ckpt = _rwman_checkpoint(tmp_path)
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["upscale", "--checkpoint", str(ckpt), str(tmp_path / "notes.txt"), str(tmp_path / "o.png")]) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert main(["upscale", "--checkpoint", str(tmp_path / "missing.json"), str(pydicom_file("CT_small.dcm")),
                 str(tmp_path / "o.dcm")]) == 2
    assert "missing.json" in capsys.readouterr().err
    assert main(["upscale", "--checkpoint", str(ckpt), str(pydicom_file("CT_small.dcm")), str(tmp_path / "o.png")]) == 2
    assert "o.png" in capsys.readouterr().err
