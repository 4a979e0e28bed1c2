"""Patch sampling: seeded, foreground-weighted, and LR/HR pairs aligned exactly for every scale."""
import numpy as np
import pytest
import torch

from ganbook.data.degrade import average_pool, blur_nearest, gaussian_blur, kspace_truncate
from ganbook.data.patches import PairedPatchSampler, crop_corners, paired_crops, random_crops

RNG = np.random.default_rng(1)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_paired_crops_align_exactly_with_average_pooling_2d(scale):
    hr = RNG.random((3, 12 * scale, 10 * scale))
    lr = average_pool(hr, scale)
    lr_crops, hr_crops, corners = paired_crops(hr, lr, (5, 4), n=20, rng=0)
    assert lr_crops.shape == (20, 3, 5, 4) and hr_crops.shape == (20, 3, 5 * scale, 4 * scale)
    for lc, hc in zip(lr_crops, hr_crops):
        np.testing.assert_allclose(average_pool(hc, scale), lc, atol=1e-12)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_paired_crops_align_exactly_with_blur_and_nearest_3d(scale):
    hr = RNG.random((6 * scale, 5 * scale, 4 * scale))
    blurred = gaussian_blur(hr, 1.0, 3)
    lr = blur_nearest(hr, scale, 1.0, spatial_dims=3)
    lr_crops, hr_crops, corners = paired_crops(hr, lr, 3, n=10, rng=1, spatial_dims=3)
    for lc, c in zip(lr_crops, corners):
        hr_blur_crop = blurred[tuple(slice(k * scale, (k + 3) * scale) for k in c)]
        np.testing.assert_allclose(lc, hr_blur_crop[scale // 2::scale, scale // 2::scale, scale // 2::scale],
                                   atol=1e-12)
    np.testing.assert_array_equal(hr_crops[0], hr[tuple(slice(k * scale, (k + 3) * scale) for k in corners[0])])


def test_kspace_pairs_are_cut_at_the_same_place_on_the_hr_grid():
    hr = RNG.random((32, 32))
    lr = kspace_truncate(hr, 4)
    lr_crops, hr_crops, corners = paired_crops(hr, lr, 8, n=5, rng=2)
    assert lr_crops.shape == hr_crops.shape == (5, 8, 8)
    r, c = corners[0]
    np.testing.assert_array_equal(hr_crops[0], hr[r:r + 8, c:c + 8])


def test_crops_are_reproducible_from_the_seed_and_change_with_it():
    a, b, c = (crop_corners((100, 80), 16, 8, seed) for seed in (5, 5, 6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert (a >= 0).all() and (a[:, 0] <= 84).all() and (a[:, 1] <= 64).all()


def test_foreground_weighting_centres_crops_on_the_mask():
    mask = np.zeros((200, 200), bool)
    mask[150:160, 20:30] = True
    corners = crop_corners(mask.shape, 8, 200, rng=0, mask=mask, foreground=1.0)
    centres = corners + 4
    assert mask[centres[:, 0], centres[:, 1]].all()
    uniform = crop_corners(mask.shape, 8, 200, rng=0, mask=mask, foreground=0.0)
    assert mask[uniform[:, 0] + 4, uniform[:, 1] + 4].mean() < 0.1


def test_random_crops_return_the_pixels_at_their_corners():
    x = RNG.random((2, 30, 40))
    crops, corners = random_crops(x, (6, 7), 4, rng=3)
    r, c = corners[2]
    np.testing.assert_array_equal(crops[2], x[:, r:r + 6, c:c + 7])


@pytest.mark.parametrize("scale", [2, 4])
def test_sampler_batches_stay_aligned_after_flips_and_transposes(scale):
    images = [RNG.random((16 * scale, 16 * scale)), RNG.random((3 * 8 * scale, 8 * scale + 3))]
    sampler = PairedPatchSampler(images[:1], scale=scale, lr_size=6, batch_size=16, degradation="average_pool")
    lr, hr = sampler(torch.Generator().manual_seed(0))
    assert lr.shape == (16, 1, 6, 6) and hr.shape == (16, 1, 6 * scale, 6 * scale) and lr.dtype == torch.float32
    np.testing.assert_allclose(average_pool(hr.numpy(), scale), lr.numpy(), atol=1e-6)
    lr2, hr2 = sampler(torch.Generator().manual_seed(0))
    assert torch.equal(lr, lr2) and torch.equal(hr, hr2)
    odd = PairedPatchSampler(images[1:], scale=scale, lr_size=4, batch_size=4)  # width not a multiple: cropped
    assert odd(1)[1].shape == (4, 1, 4 * scale, 4 * scale)


def test_sampler_handles_3d_volumes_with_masks():
    volume = RNG.random((24, 24, 24))
    mask = np.zeros(volume.shape, bool)
    mask[8:16, 8:16, 8:16] = True
    sampler = PairedPatchSampler([volume], scale=2, lr_size=4, batch_size=3, degradation="blur_nearest",
                                 masks=[mask], foreground=1.0, spatial_dims=3, augment=False)
    lr, hr = sampler(np.random.default_rng(0))
    assert lr.shape == (3, 1, 4, 4, 4) and hr.shape == (3, 1, 8, 8, 8)
