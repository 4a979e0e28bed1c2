"""Realism measures with known answers: the sliced Wasserstein distance on Laplacian-pyramid patches
(ganbook.swd, ganbook.laplacian, importable from ganbook.metrics), its floor and bootstrap interval, and the
periodic-artefact companions."""
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from scipy.stats import wasserstein_distance

from ganbook.metrics import (laplacian_pyramid, paired_patches, periodic_artifact_rms, radial_power_spectrum,
                             sliced_wasserstein, swd, swd_floor)

FAST = dict(directions=128, repeats=2, bootstrap=40, bootstrap_directions=32)


def textures(seed: int, n: int = 12, size: int = 64, sigma: float = 1.0, smooth: float = 0.8) -> list[np.ndarray]:
    """Smoothed white noise: a stationary texture, so two draws share one patch distribution."""
    rng = np.random.default_rng(seed)
    return [sigma * gaussian_filter(rng.standard_normal((size, size)), smooth) for _ in range(n)]


def collapse(levels: list[np.ndarray], spatial_dims: int) -> np.ndarray:
    """Inverse pyramid: upsample the coarse image by zero insertion and the ×2 kernel, add the next band."""
    from ganbook.laplacian import _blur, _KERNEL

    x = levels[-1][None]
    for band in reversed(levels[:-1]):
        up = np.zeros((1,) + band.shape)
        up[(slice(None),) + (slice(None, None, 2),) * spatial_dims] = x
        x = band[None] + _blur(up, spatial_dims, 2 * _KERNEL)
    return x[0]


@pytest.mark.parametrize("shape,dims", [((67, 80), 2), ((33, 40, 37), 3)])
def test_pyramid_levels_halve_and_add_back_up_to_the_image(shape, dims):
    image = np.random.default_rng(0).standard_normal(shape)
    levels = laplacian_pyramid(image, 2 if dims == 3 else 3, spatial_dims=dims)
    assert [lv.shape for lv in levels][-1] == tuple(-(-n // 2 ** (len(levels) - 1)) for n in shape)
    np.testing.assert_allclose(collapse(levels, dims), image, atol=1e-12)
    assert abs(levels[0].mean()) < 0.05 and levels[0].std() > 0.5  # the finest band holds white noise's detail


def test_pyramid_of_a_channels_first_image_is_the_pyramid_of_each_channel():
    rgb = np.random.default_rng(1).standard_normal((3, 40, 48))
    joint = laplacian_pyramid(rgb, 2)
    for c in range(3):
        for a, b in zip(joint, laplacian_pyramid(rgb[c], 2)):
            np.testing.assert_array_equal(a[c], b)


def test_pyramid_refuses_levels_whose_coarsest_side_is_below_16_px():
    with pytest.raises(ValueError, match=r"levels=4 .* levels <= 3"):
        laplacian_pyramid(np.zeros((64, 70)), 4)
    with pytest.raises(ValueError, match="too small"):
        laplacian_pyramid(np.zeros((12, 64)), 1)


def test_sliced_wasserstein_is_the_exact_1d_distance_for_unequal_sizes_and_ignores_row_order():
    rng = np.random.default_rng(2)
    a, b = rng.normal(0.3, 1.5, (301, 1)), rng.normal(0.0, 1.0, (200, 1))
    # one feature: every unit direction is ±1, so the sliced distance is W1 of the normalised values
    z = lambda x: (x[:, 0] - b.mean()) / b.std()
    assert sliced_wasserstein(a, b, directions=8, repeats=1) == pytest.approx(1e3 * wasserstein_distance(z(a), z(b)),
                                                                             rel=1e-5)
    a, b = rng.standard_normal((500, 12)), rng.standard_normal((500, 12)) * 1.2
    value = sliced_wasserstein(a, b, directions=64, repeats=2)
    assert sliced_wasserstein(a[rng.permutation(500)], b[rng.permutation(500)], directions=64, repeats=2) == \
        pytest.approx(value, rel=1e-5)
    assert sliced_wasserstein(b, b, directions=64, repeats=2) == 0.0


def test_identical_sets_score_zero_below_the_floor():
    hr = textures(3)
    same = swd(hr, hr, levels=2, patches_per_image=200, **FAST)
    floor = swd_floor(hr, levels=2, patches_per_image=200, **FAST)
    assert same.swd == 0.0 and all(lv["swd"] == 0.0 for lv in same.levels)
    assert floor.swd > 0 and all(lv["swd"] > 0 for lv in floor.levels)


def test_blurred_outputs_are_farther_than_slightly_noisy_ones_at_the_finest_level():
    hr = textures(4)
    rng = np.random.default_rng(5)
    blurred = [gaussian_filter(h, 1.0) for h in hr]
    noisy = [h + 0.02 * rng.standard_normal(h.shape) for h in hr]
    far, near = (swd(x, hr, levels=2, patches_per_image=200, **FAST) for x in (blurred, noisy))
    assert far.levels[0]["swd"] > 5 * near.levels[0]["swd"]
    assert far.levels[0]["swd_ci_low"] > near.levels[0]["swd_ci_high"]
    assert far.swd_ci_low <= far.swd <= far.swd_ci_high


def test_floor_is_small_against_a_different_distribution():
    hr = textures(6)
    floor = swd_floor(hr, levels=2, patches_per_image=200, **FAST)
    rougher = swd(textures(7, smooth=0.6), hr, levels=2, patches_per_image=200, **FAST)
    assert 0 < floor.swd < rougher.swd / 3
    assert floor.resample == "images" and floor.levels[0]["patches"] == 12 * 200 // 2


def test_swd_does_not_depend_on_the_order_of_the_images_when_every_centre_is_used():
    hr = textures(8, n=10, size=24)
    out = [gaussian_filter(h, 0.7) for h in hr]
    order = np.random.default_rng(9).permutation(10)
    kw = dict(levels=1, patches_per_image=10_000, bootstrap=0, directions=64, repeats=1)  # all 18² centres
    a = swd(out, hr, **kw)
    b = swd([out[i] for i in order], [hr[i] for i in order], **kw)
    assert a.levels[0]["patches"] == 10 * 18 * 18
    assert b.swd == pytest.approx(a.swd, rel=1e-5)


def test_patch_positions_depend_on_the_references_and_seed_only_so_methods_are_paired():
    hr = textures(10, n=3)
    p1 = paired_patches(textures(11, n=3), hr, levels=2, patches_per_image=50, seed=4)
    p2 = paired_patches([gaussian_filter(h, 1) for h in hr], hr, levels=2, patches_per_image=50, seed=4)
    p3 = paired_patches(textures(11, n=3), hr, levels=2, patches_per_image=50, seed=5)
    for a, b in zip(p1, p2):
        np.testing.assert_array_equal(a.references, b.references)
    assert not np.array_equal(p1[0].references, p3[0].references)
    r1, r2 = swd(textures(11), textures(12), levels=2, seed=3, **FAST), swd(textures(11), textures(12), levels=2,
                                                                           seed=3, **FAST)
    assert r1 == r2


@pytest.mark.parametrize("resample", ["images", "patches"])
def test_bootstrap_interval_matches_the_spread_over_fresh_test_sets(resample):
    # 10 independent draws of outputs and references: the 95 % interval of a draw should cover the mean over
    # draws (expected 95 %), and its half-width / 1.96 estimate the standard deviation of the draws (measured:
    # 0.94 resampling images, 0.75 resampling 16-px tiles of patches, 0.50 resampling single patches — which
    # fails here, as overlapping patches are not independent)
    results = [swd(textures(100 + d, n=16, size=48, sigma=1.1), textures(200 + d, n=16, size=48), levels=1,
                   patches_per_image=100, directions=128, repeats=1, bootstrap=100, bootstrap_directions=32,
                   resample=resample) for d in range(10)]
    values = np.array([r.swd for r in results])
    covered = sum(r.swd_ci_low <= values.mean() <= r.swd_ci_high for r in results)
    se = np.mean([(r.swd_ci_high - r.swd_ci_low) / (2 * 1.96) for r in results])
    assert all(r.resample == resample for r in results)
    assert covered >= 8, (covered, values)
    assert 0.6 < se / values.std(ddof=1) < 1.7, (se, values.std(ddof=1))


def test_result_is_a_plain_record_with_per_level_rows():
    import json

    r = swd(textures(20, n=2), textures(21, n=2), levels=2, patches_per_image=100, **FAST)
    doc = json.loads(json.dumps(r.to_dict()))
    assert set(doc) == {"swd", "swd_ci_low", "swd_ci_high", "levels", "resample"} and doc["resample"] == "patches"
    assert [lv["level"] for lv in doc["levels"]] == [0, 1] and doc["levels"][1]["patches"] == 200
    assert doc["swd"] == pytest.approx(np.mean([lv["swd"] for lv in doc["levels"]]))
    assert swd(textures(20, n=2), textures(21, n=2), levels=2, patches_per_image=100, **{**FAST, "bootstrap": 0}
               ).swd == r.swd


def test_volumes_use_three_orthogonal_planes_and_rank_blur():
    rng = np.random.default_rng(13)
    vols = [gaussian_filter(rng.standard_normal((32, 32, 32)), 0.8) for _ in range(3)]
    patches = paired_patches(vols, vols, levels=2, patches_per_image=100, spatial_dims=3)
    assert patches[0].references.shape == (300, 145) and patches[1].references.shape == (300, 145)
    blurred = swd([gaussian_filter(v, 1.0) for v in vols], vols, levels=2, patches_per_image=300, spatial_dims=3,
                  **FAST)
    noisy = swd([v + 0.02 * rng.standard_normal(v.shape) for v in vols], vols, levels=2, patches_per_image=300,
                spatial_dims=3, **FAST)
    assert blurred.resample == "patches" and blurred.levels[0]["swd"] > 5 * noisy.levels[0]["swd"] > 0


def test_patches_are_centred_inside_the_mask_and_what_lies_far_outside_does_not_count():
    hr = textures(14, n=4, size=96)
    mask = np.zeros((96, 96), dtype=bool)
    mask[:, :40] = True
    # one level: descriptors are raw pixels, so the centre value of an indicator image says where each centre is
    inside = paired_patches([mask.astype(float)] * 4, [mask.astype(float)] * 4, [mask] * 4, levels=1,
                            patches_per_image=500)
    assert (inside[0].references[:, 24] == 1).all()
    out = [gaussian_filter(h, 0.7) for h in hr]
    garbage = [np.where(np.arange(96) >= 72, 1e3 * np.random.default_rng(i).standard_normal((96, 96)), o)
               for i, o in enumerate(out)]  # beyond the 2-level pyramid's reach from the mask's edge
    kw = dict(masks=[mask] * 4, levels=2, patches_per_image=200, **FAST)
    assert swd(garbage, hr, **kw) == swd(out, hr, **kw)
    assert swd(garbage, hr, levels=2, patches_per_image=200, **FAST).swd > 10 * swd(out, hr, **kw).swd


def test_bad_inputs_name_the_parameter():
    hr = textures(15, n=2)
    with pytest.raises(ValueError, match=r"outputs\[1\] has shape .* references\[1\]"):
        swd([hr[0], hr[1][:60]], hr, levels=2)
    with pytest.raises(ValueError, match="outputs has 1 images but references has 2"):
        swd(hr[:1], hr, levels=2)
    with pytest.raises(ValueError, match=r"masks\[0\] selects no pixels"):
        swd(hr, hr, [np.zeros((64, 64), bool)] * 2, levels=2)
    with pytest.raises(ValueError, match=r"masks\[1\] has shape"):
        swd(hr, hr, [np.ones((64, 64), bool), np.ones((64, 60), bool)], levels=2)
    with pytest.raises(ValueError, match="levels=4 is too many for references"):
        swd(hr, hr, levels=4)
    with pytest.raises(ValueError, match="pyramid level 1"):  # a mask too small to survive downsampling
        tiny = np.zeros((64, 64), bool)
        tiny[3, 3] = True
        swd(hr, hr, [tiny] * 2, levels=2)
    with pytest.raises(ValueError, match="resample must be"):
        swd(hr, hr, levels=2, resample="pixels")
    with pytest.raises(ValueError, match="ci must be"):
        swd(hr, hr, levels=2, ci=95)
    with pytest.raises(ValueError, match="levels must be a positive integer"):
        swd(hr, hr, levels=0)
    with pytest.raises(ValueError, match="bootstrap_directions must be a positive integer"):
        swd(hr, hr, levels=2, bootstrap_directions=0)
    with pytest.raises(ValueError, match="same F"):
        sliced_wasserstein(np.zeros((5, 49)), np.zeros((5, 48)))


def checker(shape, period: int = 4) -> np.ndarray:
    """±1 in squares of period/2 px: a checkerboard with the given period."""
    idx = np.indices(shape) // (period // 2)
    return np.where(idx.sum(axis=0) % 2 == 0, 1.0, -1.0)


def test_periodic_artifact_rms_recovers_a_planted_checkerboard_and_averages_noise_away():
    rng = np.random.default_rng(16)
    hr = gaussian_filter(rng.standard_normal((128, 128)), 2)
    assert periodic_artifact_rms(hr + 0.3 * checker(hr.shape), hr, 4) == pytest.approx(0.3, rel=1e-9)
    assert periodic_artifact_rms(hr + 0.3 * checker(hr.shape) + 5.0, hr, 4) == pytest.approx(0.3, rel=1e-9)
    sigma = 0.5
    expected = sigma * np.sqrt(16 / hr.size * (1 - 1 / 16))  # 16 phase means of N/16 pixels, their mean removed
    assert periodic_artifact_rms(hr + sigma * rng.standard_normal(hr.shape), hr, 4) == pytest.approx(expected, rel=0.4)
    vol = np.zeros((16, 16, 16))
    assert periodic_artifact_rms(vol + 0.2 * checker(vol.shape, 2), vol, 2) == pytest.approx(0.2)


def test_periodic_artifact_rms_counts_only_masked_pixels_and_checks_its_inputs():
    hr = np.zeros((64, 64))
    mask = np.zeros((64, 64), bool)
    mask[:32] = True
    sr = hr + 0.1 * checker(hr.shape)
    sr[32:] = 100 * np.random.default_rng(17).standard_normal((32, 64))
    assert periodic_artifact_rms(sr, hr, 4, mask) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="scale must be an integer >= 2"):
        periodic_artifact_rms(sr, hr, 1)
    with pytest.raises(ValueError, match="same shape"):
        periodic_artifact_rms(sr, hr[:60], 4)
    with pytest.raises(ValueError, match="grid phases without a pixel"):
        one = np.zeros((64, 64), bool)
        one[5, 5] = True
        periodic_artifact_rms(sr, hr, 4, one)


def test_power_spectrum_puts_grids_at_their_frequencies():
    y, x = np.indices((128, 128))
    freqs, power = radial_power_spectrum(np.where(x % 2 == 0, 1.0, -1.0))  # one-pixel alternation in x
    assert freqs[np.argmax(power)] == pytest.approx(0.5)
    freqs, power = radial_power_spectrum(checker((128, 128), 2))  # one-pixel checkerboard: (1/2, 1/2)
    assert freqs[np.argmax(power)] == pytest.approx(np.sqrt(0.5), abs=1 / 128)
    tile = np.random.default_rng(18).standard_normal((4, 4))  # a 4-px sub-pixel pattern over a smooth image
    image = gaussian_filter(np.random.default_rng(19).standard_normal((128, 128)), 3) + 0.1 * np.tile(tile, (32, 32))
    freqs, power = radial_power_spectrum(image)
    for f in (0.25, 0.5):
        k = int(np.argmin(abs(freqs - f)))
        assert power[k] > np.median(power[k - 8:k + 9]) + 1, f  # a spike 10× above its neighbourhood
    with pytest.raises(ValueError, match="2-D"):
        radial_power_spectrum(np.zeros((4, 64, 64)))


def test_bootstrap_mean_interval_holds_the_mean_narrows_with_more_data_and_rejects_bad_input():
    from ganbook.metrics import bootstrap_mean_ci

    rng = np.random.default_rng(0)
    few, many = rng.normal(2.0, 1.0, 16), rng.normal(2.0, 1.0, 1024)
    lo_few, hi_few = bootstrap_mean_ci(few)
    lo_many, hi_many = bootstrap_mean_ci(many)
    assert lo_few < few.mean() < hi_few and lo_many < many.mean() < hi_many
    assert hi_many - lo_many < (hi_few - lo_few) / 4  # ~1/sqrt(64) of the width
    assert 1.8 < lo_many and hi_many < 2.2
    assert bootstrap_mean_ci([3.0, 3.0]) == (3.0, 3.0)
    assert bootstrap_mean_ci(few, seed=1) == bootstrap_mean_ci(few, seed=1)
    with pytest.raises(ValueError, match="finite"):
        bootstrap_mean_ci([1.0, float("nan")])
    with pytest.raises(ValueError, match="ci"):
        bootstrap_mean_ci(few, ci=1.5)
