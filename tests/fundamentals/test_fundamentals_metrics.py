"""Notebook 00's mode-coverage metrics and mixtures, checked on samples whose answer is known."""
import numpy as np
import pytest
import torch

from ganbook import fundamentals


@pytest.mark.parametrize("name, k", [("ring8", 8), ("grid25", 25)])
def test_samples_of_the_mixture_itself_recover_every_mode_with_no_imbalance(name, k):
    mix = fundamentals.MIXTURES[name]
    x = mix.sample(20000, torch.Generator().manual_seed(0)).numpy()
    cov = fundamentals.mode_coverage(x, mix)
    assert cov["modes_total"] == k and cov["modes_recovered"] == k and cov["modes_std_rule"] == k
    assert cov["hq_pct"] > 98.0 and cov["reverse_kl"] < 0.01


def test_a_collapsed_generator_recovers_only_the_modes_it_covers():
    mix = fundamentals.MIXTURES["ring8"]
    x = mix.sample(8000, torch.Generator().manual_seed(1)).numpy()
    near = np.linalg.norm(x - mix.means[0], axis=1) < 0.25
    two_modes = x[near | (np.linalg.norm(x - mix.means[3], axis=1) < 0.25)]
    cov = fundamentals.mode_coverage(two_modes, mix)
    assert cov["modes_recovered"] == cov["modes_std_rule"] == 2
    assert cov["reverse_kl"] == pytest.approx(np.log(8 / 2), abs=0.05)  # uniform over 2 of 8 modes


def test_the_standard_rule_counts_a_mode_with_one_high_quality_sample_and_ours_does_not():
    mix = fundamentals.MIXTURES["ring8"]
    x = np.concatenate([np.repeat(mix.means[:1], 999, 0), mix.means[1:2]])  # one lone sample on mode 1
    cov = fundamentals.mode_coverage(x, mix)
    assert cov["modes_std_rule"] == 2 and cov["modes_recovered"] == 1


def test_samples_far_from_every_mode_are_not_high_quality():
    mix = fundamentals.MIXTURES["grid25"]
    off_grid = np.full((100, 2), 1.0)  # halfway between four modes
    cov = fundamentals.mode_coverage(off_grid, mix)
    assert cov["hq_pct"] == 0.0 and cov["modes_recovered"] == cov["modes_std_rule"] == 0


def test_the_mixtures_have_the_veegan_and_pacgan_sizes():
    ring, grid = fundamentals.MIXTURES["ring8"], fundamentals.MIXTURES["grid25"]
    np.testing.assert_allclose(np.linalg.norm(ring.means, axis=1), 1.0)
    assert ring.std == 0.01 and grid.std == 0.05
    assert sorted(set(grid.means.ravel())) == [-4, -2, 0, 2, 4] and len(grid.means) == 25
    assert (ring.scale, grid.scale) == (1.0, 4.0)


def test_seed_summary_is_the_mean_and_sample_std_of_each_metric():
    runs = [{"modes_std_rule": 8, "hq_pct": 90.0, "reverse_kl": 0.1}, {"modes_std_rule": 6, "hq_pct": 80.0,
                                                                       "reverse_kl": 0.3}]
    row = fundamentals.summarise_seeds({"ns": runs})["ns"]
    assert row["modes_std_rule"] == 7 and row["modes_std_rule_sd"] == pytest.approx(np.sqrt(2))
    assert row["hq_pct"] == 85 and row["reverse_kl"] == pytest.approx(0.2) and row["seeds"] == 2


def test_published_rows_are_pacgan_table_one_with_its_protocol_metrics():
    assert fundamentals.PUBLISHED["ring8"]["GAN"] == {"modes_std_rule": 6.3, "hq_pct": 98.2}
    assert fundamentals.PUBLISHED["grid25"]["GAN"] == {"modes_std_rule": 17.3, "hq_pct": 94.8}
    for rows in fundamentals.PUBLISHED.values():
        assert all(set(m) <= set(fundamentals.PROTOCOL_METRICS) for m in rows.values())


def test_histogram_jsd_is_zero_for_one_distribution_and_log2_for_disjoint_ones():
    mix = fundamentals.MIXTURES["ring8"]
    a = mix.sample(50000, torch.Generator().manual_seed(2)).numpy()
    b = mix.sample(50000, torch.Generator().manual_seed(3)).numpy()
    assert fundamentals.histogram_jsd(a, b, mix.extent) < 0.01
    corner = np.full((1000, 2), -1.0)  # (-1, -1) is 1.4 from the centre: no ring mass in its bin
    assert fundamentals.histogram_jsd(a, corner, mix.extent) == pytest.approx(np.log(2), abs=1e-6)


def test_mixture_density_integrates_to_one():
    mix = fundamentals.MIXTURES["ring8"]
    ax = np.linspace(-mix.extent, mix.extent, 801)
    xx, yy = np.meshgrid(ax, ax)
    cell = (ax[1] - ax[0]) ** 2
    assert mix.density(np.stack([xx, yy], -1)).sum() * cell == pytest.approx(1.0, abs=1e-3)


def test_collapse_summary_counts_collapsed_and_recovered_seeds():
    runs = [{"modes_std_rule": m, "modes_total": 8, "hq_pct": 10.0, "reverse_kl": 0.5} for m in (0, 4, 5, 8)]
    row = fundamentals.collapse_summary(runs, [3, 4, 5, 6])
    assert row["seeds_at_most_half"] == 2 and row["seeds_at_least_90pct"] == 1
    assert [row[f"modes_seed_{s}"] for s in (3, 4, 5, 6)] == [0, 4, 5, 8]
    assert row["modes_std_rule"] == pytest.approx(4.25) and row["seeds"] == 4
