# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · GAN fundamentals
#
# Every system in the survey — MedSRGAN, Retinal-ESRGAN, the 3-D brain-MRI GAN and DragGAN — is a
# generator trained against a discriminator. This lesson builds the intuition they all rely on, with
# models small enough to train on a laptop CPU in about two minutes:
#
# 1. the **minimax game** and the **optimal discriminator** $D^*$;
# 2. why practitioners train the generator with the **non-saturating** loss;
# 3. **four losses** (minimax, non-saturating, least squares, relativistic average) on two classic
#    mode-collapse toys, measured by **mode coverage**;
# 4. **mode collapse** made visible;
# 5. a tiny **image GAN** on the 8×8 handwritten digits that ship with scikit-learn.
#
# Run it top to bottom. The `profile` parameter picks the size: `smoke` (seconds, used by the tests),
# `demo` (default) or `paper` (longer runs).

# %% tags=["parameters"]
from typing import Optional

profile: str = "demo"  # smoke (seconds, for tests) | demo (about 2 minutes on a laptop CPU) | paper (long runs)
seed: int = 0  # seed for data, initialisation and sampling
device: str = "auto"  # auto (cuda > mps > cpu) | cpu | cuda | mps
interactive: bool = True  # show the snapshot slider (papermill passes False: figures only)
steps: Optional[int] = None  # GAN steps per (mixture, loss) run; None keeps the profile's value

# %%
import matplotlib.pyplot as plt
import numpy as np

import ganbook
from ganbook import fundamentals as F
from ganbook.io import sha256_file
from ganbook.losses import GAN_LOSSES
from ganbook.plotting import image_grid, loss_curves, points

run = ganbook.start("00_gan_fundamentals", profile=profile, seed=seed, device=device, interactive=interactive,
                    steps=steps)
cfg = run.configure(F.PROFILES, steps=steps)
print(run)
print(cfg)

# %% [markdown]
# ## 1 · The game and its optimal discriminator
#
# Goodfellow et al. (2014) pit a generator $G$ (noise $z$ → sample) against a discriminator $D$
# (sample → probability "real"):
#
# $$\min_G \max_D\; V(D,G) = \mathbb{E}_{x\sim p_\text{data}}[\log D(x)] + \mathbb{E}_{z\sim p_z}[\log(1-D(G(z)))].$$
#
# For a fixed $G$, the integrand $a\log y + b\log(1-y)$ is maximised at $y = a/(a+b)$, so
#
# $$D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)},\qquad
#   \max_D V = -\log 4 + 2\,\mathrm{JSD}(p_\text{data}\,\|\,p_g).$$
#
# Training $G$ against an optimal $D$ therefore minimises the Jensen–Shannon divergence, reaching
# $-\log 4$ exactly when $p_g = p_\text{data}$ (and then $D^* \equiv \tfrac12$).
#
# Our data: **Ring8** (8 Gaussians on a circle, radius 2, σ = 0.02) and **Grid25** (25 Gaussians on a
# 5×5 grid, σ = 0.05) — the standard toys for mode collapse.

# %%
fig, axes = plt.subplots(1, 2, figsize=(6, 3))
gen = __import__("torch").Generator().manual_seed(seed)
for ax, (name, mix) in zip(axes, F.MIXTURES.items()):
    points(ax, mix.sample(2000, gen).numpy(), extent=mix.extent, title=f"{name}: {len(mix.means)} modes")
run.save_figure(fig, "data")
plt.show()

# %% [markdown]
# ## 2 · Why the non-saturating loss
#
# Early in training $D$ easily rejects fakes, so $D(G(z)) \approx 0$. With logits $\ell$ and
# $D = \sigma(\ell)$, the minimax generator loss $\log(1 - D)$ has gradient $-\sigma(\ell) \approx 0$ —
# it **saturates** exactly when $G$ most needs a signal. Maximising $\log D(G(z))$ instead (the
# *non-saturating* loss; same fixed point) gives gradient $-(1-\sigma(\ell)) \approx -1$.
# Left: the analytic curves. Right: the gradient norm measured on a real generator after its
# discriminator was trained to reject its samples.

# %%
s = np.logspace(-4, 0, 200)[:-1]
grads = F.generator_gradient_at_rejection(cfg, seed=seed)
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
run.save_figure(fig, "saturation")
plt.show()
print({k: round(v, 5) for k, v in grads.items()})

# %% [markdown]
# ## 3 · Four losses, two toys, one table
#
# The same MLP generator and discriminator (2 hidden layers of 128 units; Adam, lr 1e-3, β = (0.5, 0.99);
# one D step per G step, as in the 2014 paper's experiments) trained with each loss:
#
# | loss | discriminator | generator |
# |---|---|---|
# | minimax | $-\log D(x) - \log(1-D(G(z)))$ | $\log(1 - D(G(z)))$ |
# | non-saturating | same | $-\log D(G(z))$ |
# | LSGAN (Mao et al. 2017; $a=0$, $b=c=1$) | $\tfrac12(D(x)-1)^2 + \tfrac12 D(G(z))^2$ | $\tfrac12(D(G(z))-1)^2$ |
# | RaGAN (as in ESRGAN) | $-\log\sigma(C_r - \bar C_f) - \log(1-\sigma(C_f - \bar C_r))$ | the mirror image |
#
# **Mode-coverage metrics** (our definitions): a sample is *high quality* within 3σ of its nearest
# mode; a mode is *recovered* when it holds at least 20 % of its fair share of samples; `kl_modes` is
# KL(mode histogram ‖ uniform) (0 = every mode equally used); `jsd_hist` is the Jensen–Shannon
# divergence between 2-D histograms of data and samples (0 = identical, log 2 ≈ 0.69 = disjoint).

# %%
runs = {}
for mixture in F.MIXTURES:
    for loss in GAN_LOSSES:
        r = F.train_toy(mixture, loss, cfg, seed=seed, device=run.device)
        runs[mixture, loss] = r
        for metric in ("modes_recovered", "high_quality_pct", "kl_modes", "jsd_hist"):
            run.metric("mode_coverage", mixture, "generated", loss, metric, r.metrics[metric])
print(run.table("mode_coverage"))

# %%
fig, axes = plt.subplots(2, 4, figsize=(10, 5))
for ax, ((mixture, loss), r) in zip(axes.ravel(), runs.items()):
    m = r.metrics
    points(ax, r.samples(2000), r.mixture.means, r.mixture.extent,
           f"{mixture} · {loss}\n{m['modes_recovered']}/{m['modes_total']} modes, {m['high_quality_pct']:.0f}% HQ")
run.save_figure(fig, "samples_by_loss")
plt.show()

fig, axes = plt.subplots(1, 4, figsize=(11, 2.6))
for ax, loss in zip(axes, GAN_LOSSES):
    loss_curves(ax, runs["ring8", loss].history, ["loss_d", "loss_g"], title=f"ring8 · {loss}")
run.save_figure(fig, "loss_curves")
plt.show()

# %% [markdown]
# Read the table with the pictures: on **Ring8** the losses mostly recover every mode; **Grid25** is much
# harder — at the demo size every loss smears part of its mass between and around the 25 modes (low
# "high quality" share). Longer training with wider networks (the `paper` profile) narrows the gap;
# we have not measured that profile on a CPU.
#
# Losses are not accuracy: the curves settle into an equilibrium rather than going to zero, and a
# low generator loss can mean a weak discriminator as easily as a good generator. That is why the
# table above measures the *samples*.
#
# ## 4 · The trained discriminator against $D^*$
#
# Using the non-saturating run on Ring8, we estimate $p_g$ with a kernel density estimate of the
# generator's samples and draw $D^* = p_\text{data}/(p_\text{data}+p_g)$ beside the trained $D$.
# Where both densities overlap $D^* \approx \tfrac12$; where the generator puts mass off the data,
# $D^* \to 0$; on modes it misses, $D^* \to 1$. A trained $D$ is smoother than $D^*$ (it never sees
# the densities, only samples), but its ranking of regions agrees.

# %%
r = runs["ring8", "nonsaturating"]
lin = np.linspace(-r.mixture.extent, r.mixture.extent, 120)
grid = np.stack(np.meshgrid(lin, lin, indexing="xy"), -1)
d_star, d_net = F.optimal_discriminator(r, grid)
fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
points(axes[0], r.samples(2000), r.mixture.means, r.mixture.extent, "generator samples")
for ax, img, title in ((axes[1], d_star, "D* = p_data / (p_data + p_g)"), (axes[2], d_net, "trained D (sigmoid)")):
    im = ax.imshow(img, origin="lower", extent=[lin[0], lin[-1], lin[0], lin[-1]], vmin=0, vmax=1, cmap="RdBu_r")
    ax.scatter(*r.mixture.means.T, s=10, c="k", marker="x", lw=0.8)
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
fig.colorbar(im, ax=axes[1:], shrink=0.8)
run.save_figure(fig, "optimal_discriminator")
plt.show()

# %% [markdown]
# ## 5 · Mode collapse, made visible
#
# Goodfellow et al. warn that $G$ must not be trained too much without updating $D$ (the
# "Helvetica scenario"). Here we freeze the trained discriminator and keep training the generator:
# with nothing to push back, $G$ piles its mass onto whatever regions the frozen $D$ currently rates
# most real — the modes collapse. (Step 0 is the trained generator; a bold learning rate makes the
# collapse happen within seconds.) In real training $D$ keeps moving, chases the piled-up mass away,
# and $G$ hops to other modes: the oscillation the snapshot slider below shows.

# %%
snaps = F.collapse_against_frozen_d(runs["ring8", "nonsaturating"], cfg.collapse_steps, lr=cfg.collapse_lr,
                                    seed=seed)
fig, axes = plt.subplots(1, len(snaps), figsize=(2.6 * len(snaps), 2.7))
for ax, (step, xy) in zip(np.atleast_1d(axes), snaps):
    m = F.mode_coverage(xy, F.MIXTURES["ring8"])
    points(ax, xy, F.MIXTURES["ring8"].means, F.MIXTURES["ring8"].extent,
           f"G-only step {step}: {m['modes_recovered']}/8 modes")
run.save_figure(fig, "collapse")
plt.show()
before = F.mode_coverage(snaps[0][1], F.MIXTURES["ring8"])
collapsed = F.mode_coverage(snaps[-1][1], F.MIXTURES["ring8"])
run.metric("mode_collapse", "ring8", "generated", "nonsaturating, trained", "modes_recovered", before["modes_recovered"])
run.metric("mode_collapse", "ring8", "generated", "nonsaturating, trained", "kl_modes", before["kl_modes"])
run.metric("mode_collapse", "ring8", "generated", "nonsaturating, D frozen", "modes_recovered",
           collapsed["modes_recovered"])
run.metric("mode_collapse", "ring8", "generated", "nonsaturating, D frozen", "kl_modes", collapsed["kl_modes"])
print(run.table("mode_collapse"))

# %% [markdown]
# ## 6 · Training, snapshot by snapshot
#
# Drag the slider to scrub through training: each frame shows the four losses' samples on Ring8 at
# the same step. (Under papermill the same frames are saved as a figure instead.)

# %%
n_snap = min(len(runs["ring8", loss].snapshots) for loss in GAN_LOSSES)
frames = [[runs["ring8", loss].snapshots[i] for loss in GAN_LOSSES] for i in range(n_snap)]


def draw_frame(fig, frame):
    axes = fig.subplots(1, len(frame))
    for ax, loss, (step, xy) in zip(axes, GAN_LOSSES, frame):
        points(ax, xy, F.MIXTURES["ring8"].means, F.MIXTURES["ring8"].extent, f"{loss} · step {step}")


picks = sorted({0, n_snap // 3, 2 * n_snap // 3, n_snap - 1})
fig = plt.figure(figsize=(10, 2.5 * len(picks)))
for row, sub in zip(picks, fig.subfigures(len(picks), 1)):
    draw_frame(sub, frames[row])
run.save_figure(fig, "snapshots")
plt.close(fig)

# %% tags=["nbval-ignore-output"]
if run.interactive:
    from ganbook.widgets import scrubber

    display(scrubber(frames, draw_frame, labels=[f"step {f[0][0]}" for f in frames], description="snapshot"))

# %% [markdown]
# ## 7 · A tiny image GAN: 8×8 digits
#
# The same recipe on images: scikit-learn ships 1,797 handwritten digits of 8×8 pixels. We train a
# non-saturating MLP GAN on a fixed 80 % split and judge the samples with a logistic-regression
# classifier fitted on that split (an 8×8 stand-in for the Inception-based scores used on large
# images): how many digit classes the samples cover, how confidently they are recognised, and how
# close they sit to the training images compared with unseen real digits (a ratio far below 1 would
# mean the GAN memorised its training set).

# %%
run.add_data("scikit-learn digits.csv.gz", sha256_file(F.digits_file()))  # recorded in the figures' provenance
digits = F.train_digits(cfg, seed=seed, device=run.device)
fake = digits.samples(500, seed=seed)
(_, _), (x_test, _) = F.load_digits_split(seed)
scores = {"GAN samples": F.digits_scores(fake, seed=seed),
          "real test digits": F.digits_scores(x_test.reshape(-1, 8, 8), seed=seed)}
for method, sc in scores.items():
    for metric in ("classes_covered", "mean_confidence", "nn_distance_ratio"):
        run.metric("digits", "sklearn_digits_8x8", "test", method, metric, sc[metric])
print(run.table("digits"))

fig, axes = plt.subplots(1, 3, figsize=(10, 3.2), gridspec_kw={"width_ratios": [1, 1, 1.2]})
image_grid(axes[0], x_test[:64].reshape(-1, 8, 8), 8, vmin=0, vmax=16)
axes[0].set_title("real (held-out)", fontsize=8)
image_grid(axes[1], fake[:64], 8, vmin=0, vmax=16)
axes[1].set_title("generated", fontsize=8)
loss_curves(axes[2], digits.history, ["loss_d", "loss_g"], title="digits GAN losses")
run.save_figure(fig, "digits")
plt.show()

# %% [markdown]
# ## What to take to the next notebooks
#
# * The discriminator is a learned, moving loss function; its optimum compares densities.
# * Train generators with a non-saturating (or relativistic / least-squares) objective.
# * Judge GANs by their samples — coverage, quality, closeness to held-out data — never by the loss.
# * Super-resolution GANs (notebooks 01–03) add a *content* loss that ties each output to its input,
#   which is what keeps them from collapsing — and also what limits how much they can invent.

# %%
path = run.save_metrics()
print(f"metrics written to reports/metrics/{path.name}")

# %% tags=["nbval-ignore-output"]
print(f"wall time {run.elapsed:.0f} s, peak memory {ganbook.runtime.peak_rss_mb():.0f} MiB")
