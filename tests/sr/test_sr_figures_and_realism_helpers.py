"""The SR notebooks' shared helpers: detail-seeking crops, per-crop scores, SWD rows with the HR floor, spectra."""
import numpy as np
import pytest

from ganbook.sr.common import crop_scores, detail_box, spectrum_figure, swd_scores


def _scene(seed=0, n=96):
    rng = np.random.default_rng(seed)
    img = np.full((n, n), 0.5)
    img[60:90, 10:40] = 0.5 + 0.2 * (np.indices((30, 30)).sum(0) % 2)  # fine texture in one corner
    return img + rng.normal(0, 0.005, (n, n))


def test_detail_box_finds_the_textured_corner_and_ignores_clipped_or_masked_edges():
    img = _scene()
    r, c, s = detail_box(img, None, 32)
    assert s == 32 and 60 - 16 <= r <= 90 - 16 and 10 - 16 <= c <= 40 - 16
    # a hard edge that saturates both ways in the window counts for nothing
    edged = img.copy()
    edged[:, 80:] = 5.0
    assert detail_box(edged, None, 32, window=(0.0, 1.0))[:2] == (r, c)
    # masking the corner out sends the crop elsewhere
    mask = np.ones(img.shape, bool)
    mask[55:95, 5:45] = False
    r2, c2, _ = detail_box(img, mask, 32)
    assert (r2, c2) != (r, c)
    assert detail_box(img, None, 500)[2] == 96  # never larger than the image


def test_crop_scores_are_perfect_for_hr_itself_and_worse_for_a_blurred_copy():
    from scipy.ndimage import gaussian_filter

    hr = _scene()
    scores = crop_scores({"HR": hr, "blur": gaussian_filter(hr, 1.5)}, hr, (56, 6, 40))
    assert scores["HR"]["psnr"] == np.inf and scores["HR"]["swd"] == pytest.approx(0, abs=1e-9)
    assert scores["blur"]["psnr"] < 40 and scores["blur"]["swd"] > 1
    rgb = np.stack([hr] * 3)
    rgb_scores = crop_scores({"blur": np.stack([gaussian_filter(hr, 1.5)] * 3)}, rgb, (56, 6, 40), np.ones(hr.shape, bool))
    assert rgb_scores["blur"]["psnr"] == pytest.approx(scores["blur"]["psnr"])  # channels-first crops the right axes


def test_swd_scores_rank_a_blurred_method_behind_a_faithful_one_and_report_the_floor():
    from scipy.ndimage import gaussian_filter

    refs = [_scene(s) for s in range(3)]
    noisy = [r + np.random.default_rng(9).normal(0, 0.005, r.shape) for r in refs]
    blurred = [gaussian_filter(r, 2.0) for r in refs]
    scores, floor = swd_scores({"noisy": noisy, "blurred": blurred}, refs, bootstrap=20)
    assert scores["noisy"]["swd"] < scores["blurred"]["swd"]
    for s in scores.values():
        assert s["swd_ci_low"] <= s["swd"] <= s["swd_ci_high"]
    assert set(floor) == {"swd_floor", "swd_floor_ci_low", "swd_floor_ci_high"} and floor["swd_floor"] > 0
    assert swd_scores({"noisy": noisy}, refs, bootstrap=0, floor=False)[1] == {}
    small, _ = swd_scores({"same": [r[:40, :40] for r in refs]}, [r[:40, :40] for r in refs], bootstrap=0)
    assert small["same"]["swd"] == pytest.approx(0, abs=1e-9)  # 40 px: fewer levels chosen, no error


def test_spectrum_figure_shows_a_four_pixel_grid_as_a_spike_at_a_quarter_cycle():
    import matplotlib

    matplotlib.use("Agg")
    hr = _scene()
    grid = hr + 0.02 * ((np.arange(96) % 4 == 0)[None, :] * 1.0)
    fig = spectrum_figure({"grid": grid}, hr, 4)
    f, p = fig.axes[1].lines[0].get_data()
    at_quarter = p[np.argmin(np.abs(f - 0.25))]
    assert at_quarter > np.median(p) + 2  # two decades above the typical error power
    import matplotlib.pyplot as plt

    plt.close(fig)
