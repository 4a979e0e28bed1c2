"""PSNR/SSIM with masks, sharpness ratios, vessel correlation, consistency residual: hand-checkable cases."""
import math

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from skimage.metrics import structural_similarity

from ganbook.metrics import (consistency_residual, gradient_magnitude_ratio, high_frequency_energy_ratio, psnr,
                             ssim, vessel_correlation)


def rng_image(shape, seed=0):
    return np.random.default_rng(seed).random(shape)


def test_psnr_identical_is_inf_and_known_mse_gives_known_db():
    x = rng_image((8, 8))
    assert psnr(x, x, 1.0) == math.inf
    assert psnr(np.zeros((4, 4)), np.full((4, 4), 0.1), 1.0) == pytest.approx(20.0)  # MSE 0.01
    assert psnr(np.zeros((4, 4)), np.full((4, 4), 0.1), 2.0) == pytest.approx(20.0 + 20 * math.log10(2))


def test_psnr_mask_excludes_pixels_outside_it():
    x = np.zeros((6, 6))
    y = x.copy()
    y[0, :] = 1.0  # error only in the first row
    mask = np.ones_like(x, dtype=bool)
    mask[0, :] = False
    assert psnr(x, y, 1.0, mask) == math.inf
    assert psnr(x, y, 1.0) == pytest.approx(10 * math.log10(6.0))  # MSE = 6/36
    with pytest.raises(ValueError, match="no pixels"):
        psnr(x, y, 1.0, np.zeros_like(mask))
    with pytest.raises(ValueError, match="data_range"):
        psnr(x, y, 0)


def test_ssim_is_one_for_identical_and_equals_skimage_without_mask():
    x, y = rng_image((32, 32)), rng_image((32, 32), 1)
    assert ssim(x, x, 1.0) == pytest.approx(1.0)
    assert ssim(x, y, 1.0) == pytest.approx(structural_similarity(x, y, data_range=1.0))
    v = rng_image((12, 12, 12))
    assert ssim(v, v, 1.0) == pytest.approx(1.0)
    assert ssim(v, v + 0.1 * rng_image((12, 12, 12), 2), 1.0) < 1.0


def test_ssim_mask_excludes_a_corrupted_region():
    x = rng_image((40, 40))
    y = x.copy()
    y[:, 25:] = rng_image((40, 15), 3)
    mask = np.zeros_like(x, dtype=bool)
    mask[:, :15] = True  # the 7-wide window around these pixels never reaches column 25
    assert ssim(x, y, 1.0, mask) == pytest.approx(1.0)
    assert ssim(x, y, 1.0) < 0.9
    with pytest.raises(ValueError, match="at least 7"):
        ssim(np.zeros((5, 9)), np.zeros((5, 9)), 1.0)


def test_ssim_with_colour_channels_and_mask():
    x = rng_image((20, 20, 3))
    assert ssim(x, x, 1.0, np.ones((20, 20), bool), channel_axis=-1) == pytest.approx(1.0)


def test_gradient_magnitude_ratio_scales_with_contrast_and_drops_with_blur():
    ref = rng_image((32, 32))
    assert gradient_magnitude_ratio(2 * ref, ref) == pytest.approx(2.0)
    assert gradient_magnitude_ratio(gaussian_filter(ref, 1.5), ref) < 0.5
    v = rng_image((10, 10, 10))
    assert gradient_magnitude_ratio(v + 3.0, v) == pytest.approx(1.0)


def test_high_frequency_energy_ratio_is_one_for_reference_low_for_blur_and_squares_gain():
    ref = rng_image((64, 64))
    assert high_frequency_energy_ratio(ref, ref, 0.25) == pytest.approx(1.0)
    assert high_frequency_energy_ratio(3 * ref, ref, 0.25) == pytest.approx(9.0)
    assert high_frequency_energy_ratio(gaussian_filter(ref, 2.0), ref, 0.25) < 0.01
    mask = np.zeros((64, 64), bool)
    mask[8:56, 8:56] = True
    assert high_frequency_energy_ratio(ref, ref, 0.5, mask) == pytest.approx(1.0)
    v = rng_image((16, 16, 16))
    assert high_frequency_energy_ratio(gaussian_filter(v, 1.0), v, 0.5) < 0.1
    with pytest.raises(ValueError, match="cutoff"):
        high_frequency_energy_ratio(ref, ref, 1.5)


@pytest.mark.parametrize("shape", [(16, 17), (12, 10, 9), (9, 8)])
def test_high_frequency_energy_matches_a_full_fft_computation(shape):
    ref, sr = rng_image(shape, 1), rng_image(shape, 2)

    def full(a, cutoff=0.3):
        f = np.meshgrid(*(np.fft.fftfreq(n) / 0.5 for n in shape), indexing="ij")
        high = np.sqrt(sum(x ** 2 for x in f)) > cutoff
        return (np.abs(np.fft.fftn(a - a.mean())) ** 2)[high].sum()

    assert high_frequency_energy_ratio(sr, ref, 0.3) == pytest.approx(full(sr) / full(ref), rel=1e-10)


def vessel_image(blur=0.0):
    """Bright background with dark lines of 1-3 px width (a fundus green channel, schematically)."""
    img = np.full((64, 64), 0.8)
    img[20:22, 5:60] = 0.3
    img[5:60, 40] = 0.4
    for i in range(10, 50):
        img[i, i // 2 + 5] = 0.35
    return gaussian_filter(img, blur) if blur else img


def test_vessel_correlation_is_one_for_identical_and_drops_for_blur_and_noise():
    hr = vessel_image()
    mask = np.ones_like(hr, dtype=bool)
    assert vessel_correlation(hr, hr, mask) == pytest.approx(1.0)
    blurred = vessel_correlation(hr, vessel_image(blur=2.0), mask)
    noisy = vessel_correlation(hr, 0.8 + 0.2 * rng_image(hr.shape), mask)
    assert noisy < blurred < 0.99
    assert abs(noisy) < 0.3
    with pytest.raises(ValueError, match="eroding"):
        vessel_correlation(hr, hr, np.pad(np.ones((4, 4), bool), 30))


def test_consistency_residual_is_zero_for_a_consistent_sr_and_shows_an_inserted_lesion():
    def avg_pool4(a):
        return a.reshape(a.shape[0] // 4, 4, a.shape[1] // 4, 4).mean(axis=(1, 3))

    lr = rng_image((8, 8))
    sr = np.kron(lr, np.ones((4, 4)))  # nearest upsampling is consistent with average pooling
    assert np.abs(consistency_residual(sr, lr, avg_pool4)).max() < 1e-12
    sr[8:12, 8:12] += 1.0  # an invented bright 4×4 "lesion" on LR pixel (2, 2)
    res = consistency_residual(sr, lr, avg_pool4)
    assert res[2, 2] == pytest.approx(1.0) and np.count_nonzero(np.abs(res) > 1e-12) == 1
    with pytest.raises(ValueError, match="degrade"):
        consistency_residual(sr, lr[:4], avg_pool4)
