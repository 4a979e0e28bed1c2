"""Each degradation model has the defining property of the paper that uses it, in 2-D and 3-D."""
import numpy as np
import pytest
import torch
from PIL import Image
from scipy import ndimage

from ganbook.data.degrade import (add_noise, average_pool, baseline_upsample, bicubic_down, blur_nearest,
                                  crop_to_multiple, degrade, gaussian_blur, kspace_truncate, upsample)

RNG = np.random.default_rng(0)
IMAGE = RNG.random((2, 24, 36))
VOLUME = RNG.random((16, 20, 12))


@pytest.mark.parametrize("x, dims", [(IMAGE, 2), (VOLUME, 3)])
@pytest.mark.parametrize("scale", [2, 4])
def test_average_pooling_preserves_the_mean_of_every_block(x, dims, scale):
    lr = average_pool(x, scale, spatial_dims=dims)
    assert lr.shape == x.shape[:-dims] + tuple(n // scale for n in x.shape[-dims:])
    assert lr.mean() == pytest.approx(x.mean(), abs=1e-12)
    block = x[(Ellipsis,) + (slice(scale, 2 * scale),) * dims]
    assert lr[(Ellipsis,) + (1,) * dims] == pytest.approx(block.mean(axis=tuple(range(-dims, 0))))


def test_degradations_keep_numpy_or_torch_and_the_dtype():
    assert isinstance(average_pool(IMAGE, 2), np.ndarray) and average_pool(IMAGE, 2).dtype == np.float64
    t = torch.rand(1, 1, 8, 8)
    for fn in (average_pool, bicubic_down, blur_nearest):
        out = fn(t, 2)
        assert isinstance(out, torch.Tensor) and out.shape == (1, 1, 4, 4) and out.dtype == torch.float32
    assert kspace_truncate(t, 2).shape == t.shape


def test_bicubic_down_matches_pil_antialiased_bicubic():
    img = (RNG.random((40, 64)) * 255).astype(np.float32)
    ours = bicubic_down(img, 4)
    pil = np.asarray(Image.fromarray(img, mode="F").resize((16, 10), Image.BICUBIC))
    np.testing.assert_allclose(ours, pil, atol=1e-3)


def test_bicubic_down_keeps_constants_and_is_separable_in_3d():
    np.testing.assert_allclose(bicubic_down(np.full((8, 8, 8), 3.5), 2, spatial_dims=3), 3.5, rtol=1e-6)
    v = bicubic_down(VOLUME, 2, spatial_dims=3)
    in_plane = np.stack([bicubic_down(s, 2) for s in VOLUME])  # (16, 10, 6)
    along_z = bicubic_down(in_plane.transpose(1, 2, 0), 2, spatial_dims=1).transpose(2, 0, 1)
    np.testing.assert_allclose(v, along_z, atol=1e-6)


def test_antialiasing_suppresses_aliasing_of_a_fine_stripe_pattern():
    stripes = np.tile([0.0, 0.0, 1.0], (48, 16))  # period 3 px: far above the LR Nyquist limit at x4
    assert bicubic_down(stripes, 4, antialias=True).std() < 0.05  # low-passed to nearly flat grey
    assert bicubic_down(stripes, 4, antialias=False).std() > 0.3  # point sampling folds it into false stripes


@pytest.mark.parametrize("sigma", [1.0, 1.7])
def test_gaussian_blur_matches_scipy(sigma):
    np.testing.assert_allclose(gaussian_blur(IMAGE, sigma), ndimage.gaussian_filter(IMAGE, sigma, axes=(1, 2)),
                               atol=1e-12)
    np.testing.assert_allclose(gaussian_blur(VOLUME, sigma, 3), ndimage.gaussian_filter(VOLUME, sigma), atol=1e-12)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_blur_nearest_keeps_the_blurred_voxel_nearest_each_block_centre(scale):
    v = crop_to_multiple(VOLUME, scale, 3)
    lr = blur_nearest(v, scale, sigma=1.0, spatial_dims=3)
    expected = ndimage.gaussian_filter(v, 1.0)[scale // 2::scale, scale // 2::scale, scale // 2::scale]
    np.testing.assert_allclose(lr, expected, atol=1e-12)
    np.testing.assert_array_equal(blur_nearest(v, scale, sigma=0, spatial_dims=3),
                                  v[scale // 2::scale, scale // 2::scale, scale // 2::scale])


@pytest.mark.parametrize("x, axes", [(IMAGE[0], (-2, -1)), (VOLUME, (-2, -1)), (VOLUME, (-3, -2, -1))])
@pytest.mark.parametrize("scale", [2, 4, 2.5])
def test_kspace_truncation_leaves_kept_frequencies_unchanged_and_zeroes_the_rest(x, axes, scale):
    out = kspace_truncate(x, scale, axes=axes, magnitude=False)
    assert out.shape == x.shape  # stays on the HR grid
    spectrum_in, spectrum_out = np.fft.fftn(x, axes=axes), np.fft.fftn(out, axes=axes)
    kept = np.ones(x.shape, bool)
    for axis in axes:
        n = x.shape[axis]
        k = np.abs(np.fft.fftfreq(n, 1.0 / n))
        shape = [1] * x.ndim
        shape[axis] = n
        kept &= (k <= (n // scale - 1) // 2).reshape(shape)
    np.testing.assert_allclose(spectrum_out[kept], spectrum_in[kept], atol=1e-9)
    np.testing.assert_allclose(spectrum_out[~kept], 0, atol=1e-9)
    assert 0 < kept.mean() <= 1 / scale ** len(axes)


def test_kspace_truncation_is_idempotent_and_magnitude_is_the_abs():
    once = kspace_truncate(VOLUME, 2, magnitude=False)
    np.testing.assert_allclose(kspace_truncate(once, 2, magnitude=False), once, atol=1e-12)
    np.testing.assert_allclose(kspace_truncate(VOLUME, 2), np.abs(once), atol=1e-12)


def test_gaussian_noise_has_the_requested_std_and_is_seeded():
    x = np.zeros((200, 200))
    n1, n2 = add_noise(x, 0.1, rng=3), add_noise(x, 0.1, rng=3)
    np.testing.assert_array_equal(n1, n2)
    assert n1.std() == pytest.approx(0.1, rel=0.03) and abs(n1.mean()) < 0.005
    assert not np.array_equal(n1, add_noise(x, 0.1, rng=4))


def test_rician_noise_lifts_dark_background_to_sigma_sqrt_pi_over_2():
    n = add_noise(np.zeros((300, 300)), 0.1, kind="rician", rng=0)
    assert n.min() >= 0 and n.mean() == pytest.approx(0.1 * np.sqrt(np.pi / 2), rel=0.02)


def test_noise_from_a_torch_generator_is_reproducible():
    t = torch.zeros(4, 4)
    a = add_noise(t, 1.0, rng=torch.Generator().manual_seed(5))
    b = add_noise(t, 1.0, rng=torch.Generator().manual_seed(5))
    assert torch.equal(a, b) and a.std() > 0


def test_bicubic_upsampling_reproduces_a_linear_ramp_away_from_edges():
    ramp = np.add.outer(np.arange(16.0), 2 * np.arange(16.0))
    up = upsample(ramp, 4)
    expected = np.add.outer((np.arange(64) - 1.5) / 4, 2 * (np.arange(64) - 1.5) / 4)
    np.testing.assert_allclose(up[8:-8, 8:-8], expected[8:-8, 8:-8], atol=1e-9)


def test_baseline_for_nearest_decimation_interpolates_from_the_sampled_positions():
    ramp = np.add.outer(np.arange(32.0), np.arange(32.0))
    lr = blur_nearest(ramp, 2, sigma=0)
    fair = baseline_upsample(lr, "blur_nearest", 2)
    np.testing.assert_allclose(fair[4:-4, 4:-4], ramp[4:-4, 4:-4], atol=1e-9)
    shifted = upsample(lr, 2)  # assumes block centres: off by half a pixel on a ramp of slope 2
    assert np.abs(shifted[4:-4, 4:-4] - ramp[4:-4, 4:-4]).mean() == pytest.approx(1.0, abs=1e-9)
    assert baseline_upsample(ramp, "kspace", 2) is ramp


def test_sizes_that_do_not_tile_are_refused_with_a_hint():
    with pytest.raises(ValueError, match="crop_to_multiple"):
        average_pool(np.zeros((10, 10)), 4)
    with pytest.raises(ValueError, match="one of"):
        degrade(IMAGE, "sinc", 2)
