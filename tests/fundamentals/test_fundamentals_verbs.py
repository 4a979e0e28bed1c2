"""Notebook 00's verbs on tiny runs: config vocabulary, train, evaluate, the collapse, digits and figures."""
import dataclasses

import matplotlib
import numpy as np
import pytest
import torch

from ganbook import fundamentals

matplotlib.use("Agg")


def test_profiles_cover_smoke_demo_paper_and_name_learning_rates_in_full():
    assert set(fundamentals.PROFILES) == {"smoke", "demo", "paper"}
    names = {f.name for f in dataclasses.fields(fundamentals.FundamentalsConfig)}
    assert {"learning_rate", "frozen_learning_rate", "collapse_d_learning_rate", "learning_rate_decay"} <= names
    assert not any(n == "lr" or n.startswith("lr_") or n.endswith("_lr") for n in names)


def test_train_returns_models_history_and_snapshots_on_fixed_latents(tiny_cfg, tiny_ring8):
    r = tiny_ring8["nonsaturating"]
    assert isinstance(r, fundamentals.TrainedToy)
    assert r.mixture is fundamentals.MIXTURES["ring8"] and r.loss == "nonsaturating"
    assert [s for s, _ in r.snapshots] == [1, 10, 20]
    assert all(xy.shape == (1000, 2) for _, xy in r.snapshots)
    assert {"loss_d", "loss_g"} <= set(r.history) and r.seconds > 0
    assert len(r.history["loss_d"]) == len(r.history["step"]) > 0
    assert not r.G.training and not r.D.training
    np.testing.assert_array_equal(r.samples(50), r.samples(50))  # the same latents for the same seed


def test_train_is_reproducible_for_a_seed(tiny_cfg, tiny_ring8):
    again = fundamentals.train("ring8", "nonsaturating", tiny_cfg, seed=0)
    np.testing.assert_array_equal(again.samples(100), tiny_ring8["nonsaturating"].samples(100))


def test_evaluate_gives_every_loss_the_mode_coverage_of_its_samples_and_the_histogram_jsd(tiny_cfg, tiny_ring8):
    scores = fundamentals.evaluate(tiny_ring8, tiny_cfg)
    assert list(scores) == list(tiny_ring8)
    for loss, r in tiny_ring8.items():
        fake = r.samples(tiny_cfg.n_eval)
        expected = fundamentals.mode_coverage(fake, r.mixture)
        assert {k: scores[loss][k] for k in expected} == expected
        assert list(scores[loss]) == [*expected, "jsd_hist"]
        assert 0.0 <= scores[loss]["jsd_hist"] <= np.log(2) + 1e-9


def test_collapse_against_frozen_d_snapshots_four_steps_and_leaves_the_run_unchanged(tiny_ring8):
    r = tiny_ring8["nonsaturating"]
    before = r.samples(100)
    snaps = fundamentals.collapse_against_frozen_d(r, 8, learning_rate=5e-3, seed=0)
    assert [s for s, _ in snaps] == [0, 2, 4, 8]
    np.testing.assert_allclose(snaps[0][1], r.G(torch.randn(1000, r.G.z_dim,
                               generator=torch.Generator().manual_seed(1))).detach().numpy(), atol=1e-6)
    np.testing.assert_array_equal(r.samples(100), before)
    assert all(p.requires_grad for p in r.D.parameters())


def test_optimal_discriminator_is_a_probability_on_the_grid(tiny_ring8):
    lin = np.linspace(-1, 1, 7)
    grid = np.stack(np.meshgrid(lin, lin), -1)
    d_star, d_net = fundamentals.optimal_discriminator(tiny_ring8["minimax"], grid, n=500)
    assert d_star.shape == d_net.shape == (7, 7)
    defined = d_star[np.isfinite(d_star)]
    assert ((0 <= defined) & (defined <= 1)).all() and ((0 <= d_net) & (d_net <= 1)).all()


def test_d_star_is_undefined_only_where_neither_distribution_has_mass(tiny_ring8):
    mix = fundamentals.MIXTURES["ring8"]
    far = np.array([[0.0, 0.0], [5.0, 5.0]])  # the ring's centre and far outside: no data mass
    d_star, _ = fundamentals.optimal_discriminator(tiny_ring8["minimax"], np.concatenate([mix.means, far]), n=500)
    assert np.isfinite(d_star[:8]).all()
    assert np.isnan(d_star[9])


def test_kernel_density_matches_the_mixture_density_of_its_own_samples_smoothed_alike():
    mix = fundamentals.MIXTURES["ring8"]
    pts = mix.sample(20000, torch.Generator().manual_seed(0)).numpy()
    h = 2 * mix.std
    kde = fundamentals.gaussian_kde(pts, mix.means, h)
    np.testing.assert_allclose(kde, mix.density(mix.means, smoothing=h), rtol=0.1)


def test_d_star_is_one_half_where_the_generator_is_the_data(tiny_ring8):
    """A generator whose samples are the data itself: with one kernel for both densities D* ≈ ½ on the modes
    (a kernel density of p_g against the unsmoothed p_data would read ≈ 1 there)."""
    mix = fundamentals.MIXTURES["ring8"]
    data_like = dataclasses.replace(tiny_ring8["minimax"])
    data_like.samples = lambda n, seed=1234: mix.sample(n, torch.Generator().manual_seed(seed)).numpy()
    for h in (mix.std, 3 * mix.std):
        d_star, _ = fundamentals.optimal_discriminator(data_like, mix.means, n=8000, bandwidth=h)
        np.testing.assert_allclose(d_star, 0.5, atol=0.08)
    p_g = fundamentals.gaussian_kde(data_like.samples(8000), mix.means, 3 * mix.std)
    assert (mix.density(mix.means) / (mix.density(mix.means) + p_g) > 0.85).all()


@pytest.mark.slow
def test_d_star_panel_agrees_with_the_trained_discriminator_at_the_mode_centres():
    """The notebook's D* (same-kernel estimate) against its trained D on Ring8, demo size (~15 s)."""
    run = fundamentals.train("ring8", "nonsaturating", fundamentals.PROFILES["demo"], seed=0)
    d_star, d_net = fundamentals.optimal_discriminator(run, run.mixture.means)
    assert np.abs(d_star - d_net).max() <= 0.15, (d_star.round(2), d_net.round(2))


def test_generator_push_is_the_same_direction_weighted_by_d_or_one_minus_d(tiny_ring8):
    run = tiny_ring8["nonsaturating"]
    pts = np.array([[0.3, -0.2], [1.5, 1.0], [-2.0, 0.1]])
    mm, ns = (fundamentals.generator_push(run, pts, loss) for loss in ("minimax", "nonsaturating"))
    d = fundamentals.discriminator_output(run, pts)
    np.testing.assert_allclose(mm * (1 - d)[:, None], ns * d[:, None], rtol=1e-4, atol=1e-7)
    with pytest.raises(ValueError, match="minimax and nonsaturating"):
        fundamentals.generator_push(run, pts, "lsgan")


def test_train_digits_and_evaluate_digits(tiny_cfg):
    digits = fundamentals.train_digits(tiny_cfg, seed=0)
    assert isinstance(digits, fundamentals.TrainedDigits)
    fake = digits.samples(20, seed=0)
    assert fake.shape == (20, 8, 8) and fake.min() >= 0 and fake.max() <= 16
    scores = fundamentals.evaluate_digits(digits, n=40, seed=0)
    assert list(scores) == ["GAN samples", "real test digits"]
    _, (x_test, _) = fundamentals.load_digits_split(0)
    assert scores["real test digits"] == fundamentals.digits_scores(x_test.reshape(-1, 8, 8), seed=0)
    assert scores["GAN samples"] == fundamentals.digits_scores(digits.samples(40, seed=0), seed=0)
    assert scores["real test digits"]["classes_covered"] == 10


def test_snapshot_frames_regroup_the_runs_by_step(tiny_ring8):
    frames = fundamentals.snapshot_frames(tiny_ring8)
    assert len(frames) == 3
    assert [(loss, step) for loss, step, _ in frames[1]] == [("minimax", 10), ("nonsaturating", 10)]


def test_figures_draw_the_panels_the_notebook_shows(tiny_cfg, tiny_ring8):
    import matplotlib.pyplot as plt

    ring8 = fundamentals.MIXTURES["ring8"]
    scores = {"ring8": fundamentals.evaluate(tiny_ring8, tiny_cfg)}
    grads = fundamentals.generator_gradient_at_rejection(tiny_cfg, d_steps=5)
    snaps = fundamentals.collapse_against_frozen_d(tiny_ring8["nonsaturating"], 4)
    frames = fundamentals.snapshot_frames(tiny_ring8)
    figures = {
        "mixtures": (fundamentals.mixtures_figure(0), 2),
        "saturation": (fundamentals.saturation_figure(grads), 2),
        "samples_by_loss": (fundamentals.samples_by_loss({"ring8": tiny_ring8}, scores), 2),
        "loss_curves": (fundamentals.loss_curves_figure(tiny_ring8), 2),
        "optimal_discriminator": (fundamentals.optimal_discriminator_figure(tiny_ring8["nonsaturating"], n=200),
                                  4),  # + colour bar
        "generator_push": (fundamentals.generator_push_figure(tiny_ring8["nonsaturating"], n=100, arrows=5), 2),
        "collapse": (fundamentals.collapse_figure(snaps, ring8), 4),
        "snapshots": (fundamentals.snapshots_figure(frames, ring8), 3 * 2),  # frames 0, 1, 2 (3 // 3 = 1)
    }
    try:
        for name, (fig, n_axes) in figures.items():
            assert len(fig.get_axes()) == n_axes, name
        titles = [ax.get_title() for ax in figures["samples_by_loss"][0].get_axes()]
        m = scores["ring8"]["minimax"]
        assert titles[0] == (f"ring8 · minimax\n{m['modes_std_rule']}/8 modes, {m['hq_pct']:.0f}% HQ")
    finally:
        plt.close("all")


def test_digits_figure_shows_the_judged_draw(tiny_cfg):
    import matplotlib.pyplot as plt

    digits = fundamentals.train_digits(tiny_cfg, seed=0)
    fig = fundamentals.digits_figure(digits, n=100, seed=0)
    try:
        axes = fig.get_axes()
        assert [ax.get_title() for ax in axes] == ["real (held-out)", "generated", "digits GAN losses"]
        shown = axes[1].get_images()[0].get_array()
        assert shown.shape == (8 * 9 - 1, 8 * 9 - 1)  # 64 digits, 8 per row, 1-pixel gaps
        np.testing.assert_array_equal(shown[:8, :8], digits.samples(100, seed=0)[0])
    finally:
        plt.close(fig)
