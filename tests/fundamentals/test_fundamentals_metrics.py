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
    assert cov["modes_total"] == k and cov["modes_recovered"] == k
    assert cov["high_quality_pct"] > 98.0 and cov["kl_modes"] < 0.01


def test_a_collapsed_generator_recovers_only_the_modes_it_covers():
    mix = fundamentals.MIXTURES["ring8"]
    x = mix.sample(8000, torch.Generator().manual_seed(1)).numpy()
    near = np.linalg.norm(x - mix.means[0], axis=1) < 0.5
    two_modes = x[near | (np.linalg.norm(x - mix.means[3], axis=1) < 0.5)]
    cov = fundamentals.mode_coverage(two_modes, mix)
    assert cov["modes_recovered"] == 2
    assert cov["kl_modes"] == pytest.approx(np.log(8 / 2), abs=0.05)  # uniform over 2 of 8 modes


def test_samples_far_from_every_mode_are_not_high_quality():
    mix = fundamentals.MIXTURES["grid25"]
    off_grid = np.full((100, 2), 0.5)  # halfway between four modes
    cov = fundamentals.mode_coverage(off_grid, mix)
    assert cov["high_quality_pct"] == 0.0 and cov["modes_recovered"] == 0


def test_histogram_jsd_is_zero_for_one_distribution_and_log2_for_disjoint_ones():
    mix = fundamentals.MIXTURES["ring8"]
    a = mix.sample(50000, torch.Generator().manual_seed(2)).numpy()
    b = mix.sample(50000, torch.Generator().manual_seed(3)).numpy()
    assert fundamentals.histogram_jsd(a, b, mix.extent) < 0.01
    corner = np.full((1000, 2), -2.0)  # (-2, -2) is 2.8 from the centre: no ring mass in its bin
    assert fundamentals.histogram_jsd(a, corner, mix.extent) == pytest.approx(np.log(2), abs=1e-6)


def test_mixture_density_integrates_to_one():
    mix = fundamentals.MIXTURES["ring8"]
    ax = np.linspace(-mix.extent, mix.extent, 801)
    xx, yy = np.meshgrid(ax, ax)
    cell = (ax[1] - ax[0]) ** 2
    assert mix.density(np.stack([xx, yy], -1)).sum() * cell == pytest.approx(1.0, abs=1e-3)
