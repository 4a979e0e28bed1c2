"""Microaneurysm detection / contrast and the per-image evaluation of notebook 02."""
import numpy as np
from scipy.ndimage import gaussian_filter

from ganbook import retinal_esrgan as R


def _scene():
    yy, xx = np.mgrid[0:80, 0:80]
    img = np.full((80, 80), 0.6)
    img -= 0.3 * np.exp(-((yy - 25) ** 2 + (xx - 30) ** 2) / (2 * 1.5 ** 2))  # a dark round dot
    img -= 0.3 * np.exp(-((yy - 55) ** 2) / (2 * 1.5 ** 2)) * (xx > 10) * (xx < 70)  # a dark vessel
    return img


def test_microaneurysm_detector_finds_the_dot_and_ignores_the_vessel():
    blobs = R.find_microaneurysms(_scene())
    assert len(blobs) == 1
    assert abs(blobs[0, 0] - 25) <= 1 and abs(blobs[0, 1] - 30) <= 1


def test_blurring_lowers_microaneurysm_contrast():
    img = _scene()
    blobs = R.find_microaneurysms(img)
    assert R.microaneurysm_contrast(gaussian_filter(img, 2), blobs) < 0.7 * R.microaneurysm_contrast(img, blobs)


def test_evaluate_scores_bicubic_below_the_reference_on_every_measure():
    from ganbook.data.fundus_phantom import fundus_phantom

    p = fundus_phantom(128, 0)
    hr, lr = R.degrade(p.image, 4)
    m = R.evaluate(hr, R.bicubic(lr, 4), p.fov_mask)
    assert set(m) == {"psnr", "ssim", "vessel_corr", "grad_ratio"}
    assert 15 < m["psnr"] < 60 and m["ssim"] < 1 and m["vessel_corr"] < 1 and m["grad_ratio"] < 1
