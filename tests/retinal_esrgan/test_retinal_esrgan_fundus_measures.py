"""Microaneurysm detection / contrast, the per-image scores and the per-dataset evaluation of notebook 02."""
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from ganbook import retinal_esrgan


def _scene():
    yy, xx = np.mgrid[0:80, 0:80]
    img = np.full((80, 80), 0.6)
    img -= 0.3 * np.exp(-((yy - 25) ** 2 + (xx - 30) ** 2) / (2 * 1.5 ** 2))  # a dark round dot
    img -= 0.3 * np.exp(-((yy - 55) ** 2) / (2 * 1.5 ** 2)) * (xx > 10) * (xx < 70)  # a dark vessel
    return img


def test_microaneurysm_detector_finds_the_dot_and_ignores_the_vessel():
    blobs = retinal_esrgan.find_microaneurysms(_scene())
    assert len(blobs) == 1
    assert abs(blobs[0, 0] - 25) <= 1 and abs(blobs[0, 1] - 30) <= 1


def test_blurring_lowers_microaneurysm_contrast():
    img = _scene()
    blobs = retinal_esrgan.find_microaneurysms(img)
    blurred = retinal_esrgan.microaneurysm_contrast(gaussian_filter(img, 2), blobs)
    assert blurred < 0.7 * retinal_esrgan.microaneurysm_contrast(img, blobs)


def test_image_scores_put_bicubic_below_the_reference_on_every_measure():
    from ganbook.data.fundus_phantom import fundus_phantom

    p = fundus_phantom(128, 0)
    hr, lr = retinal_esrgan.degrade(p.image, 4)
    m = retinal_esrgan.image_scores(hr, retinal_esrgan.bicubic(lr, 4), p.fov_mask)
    assert set(m) == {"psnr", "ssim", "vessel_corr", "grad_ratio", "periodic_artifact_rms"}
    assert 15 < m["psnr"] < 60 and m["ssim"] < 1 and m["vessel_corr"] < 1 and m["grad_ratio"] < 1
    assert retinal_esrgan.image_scores(hr, hr, p.fov_mask)["periodic_artifact_rms"] == 0


def test_evaluate_averages_per_method_and_measures_microaneurysm_contrast_only_where_found(smoke_cfg):
    import torch

    from ganbook.data.fundus_phantom import fundus_phantom

    torch.manual_seed(0)
    model = retinal_esrgan.build_generator(smoke_cfg).eval()
    p = fundus_phantom(64, 0)
    phantom = retinal_esrgan.FundusImage("fundus_phantom:0", p.image, p.fov_mask)
    dots = retinal_esrgan.FundusImage("microaneurysms:synthetic", _scene().astype(np.float32), np.ones((80, 80), bool))
    assert list(retinal_esrgan.by_dataset([phantom, dots, phantom])) == ["fundus_phantom", "microaneurysms"]
    scores = retinal_esrgan.evaluate([phantom], {"RRDB(P)": model}, smoke_cfg)
    assert list(scores) == ["bicubic", "RRDB(P)", "HR"]
    assert list(scores["bicubic"]) == ["psnr", "ssim", "vessel_corr", "grad_ratio", "periodic_artifact_rms", "swd",
                                       "swd_ci_low", "swd_ci_high"]
    assert list(scores["HR"]) == ["swd_floor", "swd_floor_ci_low", "swd_floor_ci_high"]
    hr, lr = retinal_esrgan.degrade(p.image, 4)
    per_image = {k: v for k, v in scores["bicubic"].items() if not k.startswith("swd")}
    assert per_image == retinal_esrgan.image_scores(hr, retinal_esrgan.bicubic(lr, 4), p.fov_mask)
    sr = retinal_esrgan.super_resolve(model, lr, smoke_cfg)
    per_image = {k: v for k, v in scores["RRDB(P)"].items() if not k.startswith("swd")}
    assert per_image == retinal_esrgan.image_scores(hr, sr, p.fov_mask)
    pred = retinal_esrgan.predictions(dots, {"RRDB(P)": model}, smoke_cfg)
    assert len(pred.blobs) == 1 and list(pred.sr) == ["bicubic", "RRDB(P)"]
    dot_scores = retinal_esrgan.evaluate([dots], {"RRDB(P)": model}, smoke_cfg)
    assert 0 < dot_scores["bicubic"]["ma_contrast_ratio"] < 1
    assert retinal_esrgan.evaluate([dots], {"RRDB(P)": model}, smoke_cfg, outputs=[pred]) == dot_scores
    with pytest.raises(ValueError, match="1 outputs for 2 images"):
        retinal_esrgan.evaluate([dots, phantom], {"RRDB(P)": model}, smoke_cfg, outputs=[pred])


def test_every_held_out_crop_window_shows_structure():
    """The crop figures' HR panels are not flat: the vessel window of the held-out band and each window
    around a detected microaneurysm span a visible range of grey levels (green channel, [0, 1])."""
    cfg = retinal_esrgan.PROFILES["demo"]
    groups = retinal_esrgan.by_dataset(retinal_esrgan.test_images(cfg))
    photo = groups["retina"][0]
    hr, _ = retinal_esrgan.degrade(photo.image, cfg.scale)
    mask = photo.mask[:hr.shape[-2], :hr.shape[-1]]
    boxes = [(*retinal_esrgan.vessel_box(hr, mask, 64), 64)]
    lesion_hr, _ = retinal_esrgan.degrade(groups["microaneurysms"][0].image, cfg.scale)
    blobs = retinal_esrgan.find_microaneurysms(lesion_hr)
    assert len(blobs) >= 1
    windows = [(hr, b) for b in boxes] + [(lesion_hr, b) for b in retinal_esrgan.lesion_boxes(lesion_hr.shape[-2:],
                                                                                             blobs, 32)]
    for image, (r, c, s) in windows:
        green = (image[1] if image.ndim == 3 else image)[r:r + s, c:c + s]
        assert green.shape == (s, s)
        assert np.percentile(green, 95) - np.percentile(green, 5) > 0.05, (r, c, s)
