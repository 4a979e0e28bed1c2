"""Notebook 00's figures and its snapshot slider; each function returns the figure (or widget) it draws.

2-D samples are drawn with :func:`ganbook.plotting.points` (blue samples over orange mode markers).
"""
from __future__ import annotations

from functools import partial
from typing import Mapping, Sequence

import numpy as np
import torch

from ..plotting import image_grid, loss_curves, points
from .data import MIXTURES, Mixture, load_digits_split
from .ensemble import TrainedEnsemble, TrainedToy
from .evaluation import PUBLISHED, discriminator_output, generator_push, mode_coverage, optimal_discriminator
from .training import TrainedDigits


def mixtures_figure(seed: int = 0, n: int = 2000):
    """``n`` points of each mixture side by side, drawn in turn from one generator seeded with ``seed``."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(MIXTURES), figsize=(6, 3))
    rng = torch.Generator().manual_seed(seed)
    for ax, (name, mix) in zip(axes, MIXTURES.items()):
        points(ax, mix.sample(n, rng).numpy(), extent=mix.extent, title=f"{name}: {len(mix.means)} modes")
    return fig


def saturation_figure(grads: Mapping[str, float]):
    """Left: |∂loss/∂logit| of the two generator losses against D(G(z)). Right: G's gradient norms
    measured at rejection (:func:`~ganbook.fundamentals.generator_gradient_at_rejection`'s output)."""
    import matplotlib.pyplot as plt

    s = np.logspace(-4, 0, 200)[:-1]
    fig, axes = plt.subplots(1, 2, figsize=(8, 2.8))
    axes[0].loglog(s, s, label=r"minimax: $|\partial \log(1-D)/\partial \ell| = D$")
    axes[0].loglog(s, 1 - s, label=r"non-saturating: $|\partial \log D/\partial \ell| = 1-D$")
    axes[0].set_xlabel("D(G(z))")
    axes[0].set_ylabel("gradient magnitude w.r.t. the logit")
    axes[0].legend(fontsize=7, frameon=False)
    axes[1].bar(["minimax", "non-saturating"], [grads["grad_norm_minimax"], grads["grad_norm_nonsaturating"]],
                color=["tab:red", "tab:green"])
    axes[1].set_yscale("log")
    axes[1].set_title(f"‖∇G‖ when mean D(G(z)) = {grads['mean_D_of_fake']:.1e}", fontsize=8)
    return fig


def samples_by_loss(trained: Mapping[str, Mapping[str, TrainedToy]], scores: Mapping[str, Mapping[str, dict]],
                    n: int = 2000):
    """One row per mixture, one column per loss: ``n`` samples titled with modes recovered and % HQ.

    Args:
        trained: ``{mixture: {loss: TrainedToy}}``.
        scores: ``{mixture: evaluate(trained[mixture], cfg)}``.
        n: samples drawn per panel.
    """
    import matplotlib.pyplot as plt

    ncol = max(len(runs) for runs in trained.values())
    fig, axes = plt.subplots(len(trained), ncol, figsize=(2.5 * ncol, 2.5 * len(trained)), squeeze=False)
    for row, (mixture, runs) in zip(axes, trained.items()):
        for ax, (loss, r) in zip(row, runs.items()):
            m = scores[mixture][loss]
            points(ax, r.samples(n), r.mixture.means, r.mixture.extent,
                   f"{mixture} · {loss}\n{m['modes_std_rule']}/{m['modes_total']} modes, "
                   f"{m['hq_pct']:.0f}% HQ")
    return fig


def protocol_figure(summary: Mapping[str, Mapping[str, dict]], published: Mapping = PUBLISHED):
    """Modes covered (standard rule) against % high-quality samples, mean ± sd over seeds per loss, with the
    published rows (:data:`~ganbook.fundamentals.PUBLISHED`) as black crosses; one panel per mixture.

    Args:
        summary: ``{mixture: summarise_seeds(...)}``.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(summary), figsize=(4.6 * len(summary), 3.6), squeeze=False,
                             layout="constrained")
    for ax, (mixture, by_loss) in zip(axes[0], summary.items()):
        k = len(MIXTURES[mixture].means)
        for loss, m in by_loss.items():
            ax.errorbar(m["modes_std_rule"], m["hq_pct"], xerr=m["modes_std_rule_sd"], yerr=m["hq_pct_sd"],
                        fmt="o", capsize=3, label=f"{loss} (ours, {m['seeds']} seeds)")
        for method, m in published.get(mixture, {}).items():
            ax.plot(m["modes_std_rule"], m["hq_pct"], "kx", ms=8)
            ax.annotate(f"{method} (PacGAN T1)", (m["modes_std_rule"], m["hq_pct"]), fontsize=7,
                        xytext=(4, -10), textcoords="offset points")
        ax.set_xlim(-0.5, k + 0.5)
        ax.set_ylim(-2, 102)
        ax.set_xlabel(f"modes with ≥ 1 high-quality sample (of {k})")
        ax.set_ylabel("% high-quality samples (within 3σ)")
        ax.set_title(mixture, fontsize=9)
        ax.legend(fontsize=6, frameon=False, loc="lower left")
    return fig


def collapse_regime_figure(runs: Mapping[str, TrainedEnsemble], n: int = 2500):
    """One row per variant (``{label: TrainedEnsemble}``), one panel per seed: ``n`` samples titled with the
    modes covered by the standard rule and % high quality."""
    import matplotlib.pyplot as plt

    ncol = max(len(r.seeds) for r in runs.values())
    fig, axes = plt.subplots(len(runs), ncol, figsize=(2.1 * ncol, 2.3 * len(runs)), squeeze=False,
                             layout="constrained")
    for row, (label, r) in zip(axes, runs.items()):
        for ax, seed, xy in zip(row, r.seeds, r.samples(n)):
            m = mode_coverage(xy, r.mixture)
            points(ax, xy, r.mixture.means, r.mixture.extent,
                   f"{label} · seed {seed}\n{m['modes_std_rule']}/{m['modes_total']} modes, {m['hq_pct']:.0f}% HQ")
    return fig


def loss_curves_figure(trained: Mapping[str, TrainedToy]):
    """D and G loss curves of each loss's run (``{loss: TrainedToy}`` on one mixture), side by side."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(trained), figsize=(2.75 * len(trained), 2.6))
    for ax, (loss, r) in zip(np.atleast_1d(axes), trained.items()):
        loss_curves(ax, r.history, ["loss_d", "loss_g"], title=f"{r.mixture.name} · {loss}")
    return fig


def optimal_discriminator_figure(trained: TrainedToy, n: int = 2000, bandwidth: float | None = None):
    """G's samples, D* = p_data / (p_data + p_g) and the trained D's sigmoid, on a grid finer than the data std.

    Both densities are seen through one Gaussian kernel of std ``bandwidth`` (default: the mixture's
    std; see :func:`~ganbook.fundamentals.optimal_discriminator`); the titles give both at the mode centres.
    """
    import matplotlib.pyplot as plt

    mix = trained.mixture
    h = bandwidth or mix.std
    lin = np.arange(-mix.extent, mix.extent + 1e-9, 0.8 * mix.std)  # spacing 0.8 σ: every mode spans pixels
    grid = np.stack(np.meshgrid(lin, lin, indexing="xy"), -1)
    d_star, d_net = optimal_discriminator(trained, grid, n=n, bandwidth=h)
    at_modes = optimal_discriminator(trained, mix.means, n=n, bandwidth=h)
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.6), layout="constrained")
    points(axes[0], trained.samples(n), mix.means, mix.extent, f"{mix.name} · {trained.loss}: generator samples")
    titles = (f"D* (kernel std {h:g}; grey: no mass); at modes {at_modes[0].min():.2f}–{at_modes[0].max():.2f}",
              f"trained D (sigmoid); at modes {at_modes[1].min():.2f}–{at_modes[1].max():.2f}")
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.85")
    for ax, img, title in zip(axes[1:], (d_star, d_net), titles):
        im = ax.imshow(img, origin="lower", extent=[lin[0], lin[-1], lin[0], lin[-1]], vmin=0, vmax=1, cmap=cmap,
                       interpolation="nearest")
        ax.scatter(*mix.means.T, s=10, c="k", marker="x", lw=0.8)
        ax.set_title(title, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=axes[1:], shrink=0.8, label="probability 'real'")
    return fig


def generator_push_figure(trained: TrainedToy, n: int = 1000, arrows: int = 21):
    """What the generator loss does to a sample: the push field of the minimax and the non-saturating
    loss through the same trained D (:func:`~ganbook.fundamentals.generator_push`), one arrow scale."""
    import matplotlib.pyplot as plt

    mix = trained.mixture
    lin = np.linspace(-mix.extent, mix.extent, arrows)
    grid = np.stack(np.meshgrid(lin, lin, indexing="xy"), -1)
    fine = np.linspace(-mix.extent, mix.extent, 200)
    background = discriminator_output(trained, np.stack(np.meshgrid(fine, fine, indexing="xy"), -1))
    samples = trained.samples(n)
    fields = {loss: generator_push(trained, grid, loss) for loss in ("minimax", "nonsaturating")}
    scale = max(float(np.linalg.norm(f, axis=-1).max()) for f in fields.values())
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 4.0), layout="constrained")
    for ax, (loss, field) in zip(axes, fields.items()):
        ax.imshow(background, origin="lower", extent=[fine[0], fine[-1], fine[0], fine[-1]], vmin=0, vmax=1,
                  cmap="RdBu_r", alpha=0.5)
        ax.scatter(*samples.T, s=2, c="tab:blue", alpha=0.5, lw=0)
        ax.quiver(grid[..., 0], grid[..., 1], field[..., 0], field[..., 1], angles="xy", scale_units="xy",
                  scale=scale / (lin[1] - lin[0]), width=0.004)
        strength = float(np.linalg.norm(generator_push(trained, samples, loss), axis=-1).mean())
        ax.set_title(f"{loss} push on G's samples: mean |push| {strength:.2f}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def collapse_figure(snapshots: Sequence, mixture: Mixture, cluster_radius: float = 0.15):
    """The frozen-D snapshots (:func:`~ganbook.fundamentals.collapse_against_frozen_d`) side by side, each
    titled with the modes it recovers at the 3-std quality radius and at a loose ``cluster_radius``."""
    import matplotlib.pyplot as plt

    k = len(mixture.means)
    fig, axes = plt.subplots(1, len(snapshots), figsize=(2.6 * len(snapshots), 2.9), layout="constrained")
    for ax, (step, xy) in zip(np.atleast_1d(axes), snapshots):
        sharp = mode_coverage(xy, mixture)
        loose = mode_coverage(xy, mixture, radius=cluster_radius)
        points(ax, xy, mixture.means, mixture.extent,
               f"G-only step {step}\nwithin 3σ: {sharp['modes_std_rule']}/{k} modes, "
               f"within {cluster_radius:g}: {loose['modes_std_rule']}/{k}")
    return fig


# ---------------------------------------------------------------------------------- snapshots
def snapshot_frames(trained: Mapping[str, TrainedToy]) -> list:
    """Training snapshots regrouped by step: frame i is ``[(loss, step, samples), ...]`` over the runs
    (``{loss: TrainedToy}``), for as many frames as the shortest run has snapshots."""
    n_snap = min(len(r.snapshots) for r in trained.values())
    return [[(loss, *r.snapshots[i]) for loss, r in trained.items()] for i in range(n_snap)]


def draw_frame(fig, frame: Sequence, mixture: Mixture) -> None:
    """Fill ``fig`` (a figure or subfigure) with one panel per run of a :func:`snapshot_frames` frame."""
    axes = fig.subplots(1, len(frame))
    for ax, (loss, step, xy) in zip(np.atleast_1d(axes), frame):
        points(ax, xy, mixture.means, mixture.extent, f"{loss} · step {step}")


def snapshots_figure(frames: Sequence, mixture: Mixture):
    """Four frames (first, a third, two thirds, last) as rows of one figure: the slider on paper."""
    import matplotlib.pyplot as plt

    n = len(frames)
    picks = sorted({0, n // 3, 2 * n // 3, n - 1})
    fig = plt.figure(figsize=(10, 2.5 * len(picks)))
    for row, sub in zip(picks, fig.subfigures(len(picks), 1)):
        draw_frame(sub, frames[row], mixture)
    return fig


def snapshot_scrubber(frames: Sequence, mixture: Mixture):
    """A slider over :func:`snapshot_frames` (an ipywidgets box to display)."""
    from ..widgets import scrubber

    return scrubber(frames, partial(draw_frame, mixture=mixture), labels=[f"step {f[0][1]}" for f in frames],
                    description="snapshot")


# ------------------------------------------------------------------------------------- 8×8 digits
def digits_figure(trained: TrainedDigits, *, n: int = 500, seed: int = 0, shown: int = 64):
    """The first ``shown`` of the held-out real digits and of ``n`` generated ones (latent seed ``seed``: the
    draw :func:`~ganbook.fundamentals.evaluate_digits` judges), and the GAN's loss curves."""
    import matplotlib.pyplot as plt

    _, (x_test, _) = load_digits_split(seed)
    fake = trained.samples(n, seed=seed)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2), gridspec_kw={"width_ratios": [1, 1, 1.2]})
    image_grid(axes[0], x_test[:shown].reshape(-1, 8, 8), 8, vmin=0, vmax=16)
    axes[0].set_title("real (held-out)", fontsize=8)
    image_grid(axes[1], fake[:shown], 8, vmin=0, vmax=16)
    axes[1].set_title("generated", fontsize=8)
    loss_curves(axes[2], trained.history, ["loss_d", "loss_g"], title="digits GAN losses")
    return fig
