"""Procedural CT and fundus phantoms: seeded, realistic values, exact ground truth, and fast."""
import time

import numpy as np
import pytest

from ganbook.data.degrade import bicubic_down
from ganbook.data.fundus_phantom import fundus_phantom
from ganbook.data.phantoms import LABELS, ct_phantom, ct_phantoms


def test_64_ct_phantoms_of_256_pixels_take_at_most_5_seconds():
    start = time.perf_counter()
    images, masks = ct_phantoms(64, 256, seed=0, nodules=(1, 3))
    elapsed = time.perf_counter() - start
    assert images.shape == (64, 256, 256) and masks.shape == (64, 256, 256)
    assert elapsed <= 5.0, f"{elapsed:.2f} s"


def test_ct_phantom_tissues_have_textbook_hounsfield_values():
    p = ct_phantom(256, 0, nodules=2, noise_hu=0.0, blur=0.0)
    median = {name: np.median(p.image[p.labels == value]) for name, value in LABELS.items()
              if (p.labels == value).any()}
    assert median["air"] < -950 and -900 < median["lung"] < -780 and -130 < median["fat"] < -60
    assert 0 < median["soft_tissue"] < 80 and median["bone"] > 150
    assert p.image.min() >= -1024 and p.image.max() <= 3071 and p.image.dtype == np.float32


def test_nodules_lie_inside_the_lungs_and_match_their_masks():
    p = ct_phantom(256, 7, nodules=3, noise_hu=0.0, blur=0.0)
    assert len(p.nodules) == 3
    np.testing.assert_array_equal(p.nodule_mask, p.labels == LABELS["nodule"])
    for nodule in p.nodules:
        r, c = nodule["centre"]
        assert p.nodule_mask[r, c] and 3.0 <= nodule["radius_mm"] <= 12.0
    assert p.body_mask[p.nodule_mask].all()


def test_ct_phantoms_are_reproducible_and_vary_with_the_seed():
    a, b, c = ct_phantom(128, 3), ct_phantom(128, 3), ct_phantom(128, 4)
    np.testing.assert_array_equal(a.image, b.image)
    assert np.abs(a.image - c.image).mean() > 50


def test_ct_phantom_spacing_follows_the_field_of_view():
    assert ct_phantom(512, 0, fov_mm=360.0).spacing == (pytest.approx(0.703125),) * 2


def test_fundus_phantom_has_a_circular_fov_and_darker_vessels():
    p = fundus_phantom(256, 0)
    assert p.image.shape == (3, 256, 256) and p.image.dtype == np.float32
    assert 0.6 < p.fov_mask.mean() < 0.79  # a disc of radius ~0.95 of the half-size
    assert (p.image[:, ~p.fov_mask] == 0).all()
    fraction = p.vessel_mask.sum() / p.fov_mask.sum()
    assert 0.03 < fraction < 0.25
    background = p.fov_mask & ~p.vessel_mask
    green_vessel, green_bg = p.image[1][p.vessel_mask].mean(), p.image[1][background].mean()
    red_vessel, red_bg = p.image[0][p.vessel_mask].mean(), p.image[0][background].mean()
    assert green_vessel < 0.8 * green_bg and (red_bg - red_vessel) / red_bg < (green_bg - green_vessel) / green_bg


def test_fundus_phantom_is_sharper_than_the_real_photo_at_the_working_scale():
    from ganbook.data import load

    real = load("retina", "train").images[0]  # (3, 336, 704) at 1/2 scale
    phantom = fundus_phantom(704, 1).image

    def detail(x):  # energy lost by a x4 down-up round trip, inside the bright FOV
        from ganbook.data.degrade import upsample

        up = upsample(bicubic_down(x[:, : x.shape[1] // 4 * 4, : x.shape[2] // 4 * 4], 4), 4)
        crop = x[:, : up.shape[1], : up.shape[2]]
        inside = crop.mean(0) > 0.05
        return float(((up - crop) ** 2).mean(0)[inside].mean())

    assert detail(phantom) > 2 * detail(real)


def test_fundus_phantom_is_reproducible():
    np.testing.assert_array_equal(fundus_phantom(128, 5).image, fundus_phantom(128, 5).image)
