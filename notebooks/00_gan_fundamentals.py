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
# models small enough to train on a laptop CPU in a few minutes:
#
# 1. the **minimax game** and the **optimal discriminator** $D^*$;
# 2. why practitioners train the generator with the **non-saturating** loss;
# 3. **four losses** (minimax, non-saturating, least squares, relativistic average) on the two classic
#    mode-collapse toys, scored by the literature's protocol over several seeds, beside its published table;
# 4. the optimal discriminator beside a trained one, and the **push** each generator loss gives;
#    then what training $G$ against a **frozen** $D$ does (and does not) show;
# 5. a **real mode collapse** and a remedy that undoes it (PacGAN's packed discriminator);
# 6. a tiny **image GAN** on the 8×8 handwritten digits that ship with scikit-learn.
#
# Run it top to bottom. The `profile` parameter picks the size: `smoke` (seconds, used by the tests),
# `demo` (default) or `paper` (longer runs).

# %% tags=["parameters"]
from typing import Optional

profile: str = "demo"  # smoke (seconds, for tests) | demo (about 4 minutes on 2 cores) | paper (long runs)
seed: int = 0  # seed for data, initialisation and sampling
device: str = "auto"  # auto (cuda > mps > cpu) | cpu | cuda | mps
interactive: bool = True  # show the snapshot slider (papermill passes False: figures only)
steps: Optional[int] = None  # GAN steps of every toy run; None keeps the profile's value

# %%
import matplotlib.pyplot as plt

import ganbook
from ganbook import fundamentals
from ganbook.io import sha256_file
from ganbook.losses import GAN_LOSSES

run = ganbook.start("00_gan_fundamentals", profile=profile, seed=seed, device=device, interactive=interactive,
                    steps=steps)
cfg = run.configure(fundamentals.PROFILES)
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
# Our data are the standard toys for mode collapse, at the sizes of VEEGAN (Srivastava et al. 2017) and
# PacGAN (Lin et al. 2018): **Ring8** (8 Gaussians on a circle of radius 1, σ = 0.01) and **Grid25**
# (25 Gaussians at $\{-4,-2,0,2,4\}^2$, σ = 0.05).

# %%
fig = fundamentals.mixtures_figure(seed)
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
grads = fundamentals.generator_gradient_at_rejection(cfg, seed=seed)
fig = fundamentals.saturation_figure(grads)
run.save_figure(fig, "saturation")
plt.show()
print({k: round(v, 5) for k, v in grads.items()})

# %% [markdown]
# ## 3 · Four losses, two toys, the standard protocol
#
# Each loss trains the same MLPs (our choice: $G$ 3 and $D$ 3 hidden layers of 64 units at `demo`, 256 at
# `paper`, ReLU / LeakyReLU;
# a 2-D latent as in PacGAN; Adam, lr 2e-3 annealed linearly to 0, β = (0.5, 0.99); one D step per G
# step, as in the 2014 paper's experiments; 4,000 steps of 64 samples at `demo` — on 2 cores more, smaller
# steps sharpened the modes more than fewer, larger ones in the same time; the nets work in coordinates
# divided by the largest mode coordinate, 1 for Ring8 and 4 for Grid25):
#
# | loss | discriminator | generator |
# |---|---|---|
# | minimax | $-\log D(x) - \log(1-D(G(z)))$ | $\log(1 - D(G(z)))$ |
# | non-saturating | same | $-\log D(G(z))$ |
# | LSGAN (Mao et al. 2017; $a=0$, $b=c=1$) | $\tfrac12(D(x)-1)^2 + \tfrac12 D(G(z))^2$ | $\tfrac12(D(G(z))-1)^2$ |
# | RaGAN (as in ESRGAN) | $-\log\sigma(C_r - \bar C_f) - \log(1-\sigma(C_f - \bar C_r))$ | the mirror image |
#
# **The protocol** (VEEGAN; PacGAN Table 1): 2,500 samples per trained GAN; a sample is *high quality*
# within 3σ of its nearest mode (`hq_pct`); a mode is covered when it holds at least one high-quality
# sample (`modes_std_rule`); `reverse_kl` is KL(modes of the high-quality samples ‖ uniform), 0 when every
# mode is used equally. Every number is a mean ± standard deviation over `cfg.seeds` independent runs,
# trained together in one batched model (each run has its own weights, data and optimiser state).
# Beside ours, the rows of PacGAN's Table 1 we hold exactly (their networks were larger: $G$ 4×400 with
# batch norm, $D$ 3×200 maxout).

# %%
seeds = [seed + i for i in range(cfg.seeds)]
protocol = {mixture: fundamentals.train_ensemble(mixture, [loss for loss in GAN_LOSSES for _ in seeds],
                                                 [s for _ in GAN_LOSSES for s in seeds], cfg.toy(),
                                                 data_seed=seed, device=run.device)
            for mixture in fundamentals.MIXTURES}
summary = {mixture: fundamentals.summarise_seeds(fundamentals.per_seed(ens, cfg.n_eval))
           for mixture, ens in protocol.items()}
metrics = [m for name in fundamentals.PROTOCOL_METRICS for m in (name, f"{name}_sd")]
for mixture, by_loss in summary.items():
    run.record("mode_coverage", mixture, f"{cfg.seeds} seeds", by_loss, metrics=metrics)
    run.record("mode_coverage_published", mixture, "PacGAN 2018 Table 1", fundamentals.PUBLISHED[mixture],
               metrics=("modes_std_rule", "hq_pct"))
print(run.table("mode_coverage"))
print("published (PacGAN 2018, Table 1):")
print(run.table("mode_coverage_published"))

# %%
fig = fundamentals.protocol_figure(summary)
run.save_figure(fig, "protocol")
plt.show()

trained = {mixture: {loss: ens.member(loss, seed) for loss in GAN_LOSSES} for mixture, ens in protocol.items()}
scores = {mixture: fundamentals.evaluate(runs, cfg) for mixture, runs in trained.items()}
fig = fundamentals.samples_by_loss(trained, scores)
run.save_figure(fig, "samples_by_loss")
plt.show()

fig = fundamentals.loss_curves_figure(trained["ring8"])
run.save_figure(fig, "loss_curves")
plt.show()

# %% [markdown]
# Read the table with the pictures (one seed per loss is drawn above). What to look for: whether every
# loss covers all 8 and 25 modes, and how far its share of high-quality samples falls short of the
# published plain GAN's — on a CPU budget our runs are far shorter than the papers'. The samples that
# miss sit on thin bridges between neighbouring modes: a generator is a continuous map from a connected
# latent space, so it must pass between the modes somewhere, and only long training makes those
# passages steep. The `paper` profile trains five times longer with wider networks; we have not measured
# it on a CPU.
#
# One loss can fail outright: **minimax**. If $D$ wins early (its loss falls to ≈ 0 within the first
# few hundred steps), the saturating generator gets almost no gradient and stays where it is — section
# 2's argument, happening. A minimax row with a large standard deviation is such a seed among the five;
# the non-saturating loss, with the same $D$, has no such failure.
#
# Losses are not accuracy: the curves settle into an equilibrium rather than going to zero, and a
# low generator loss can mean a weak discriminator as easily as a good generator. That is why the
# table above measures the *samples*.
#
# ## 4 · The trained discriminator against $D^*$
#
# Using the non-saturating run on Ring8 (the first seed), we draw $D^* = p_\text{data}/(p_\text{data}+p_g)$ beside the
# trained $D$. $p_g$ is known only through samples, so we estimate it with a Gaussian kernel density
# (kernel std = the data std, 0.01) — and pass $p_\text{data}$ through **the same kernel** (exactly: each
# mode's variance grows by the kernel's). Smoothing only $p_g$ would spread the generator's mass
# while the data stay sharp, and $D^*$ would read ≈ 1 on every mode however well $G$ covers it. With
# one kernel for both, $D^*$ is the optimal discriminator between the two distributions seen at that
# scale: ½ where $G$ matches the data, → 1 on modes $G$ misses, → 0 where $G$ puts mass off the data
# (the blue trail of stray samples between the modes). Where neither distribution has mass, $D^*$ is
# undefined (grey): a trained $D$ still outputs something there, and nothing constrains it. The grid is
# finer than the data std (0.8 σ) so every mode is resolved. The panel titles give both
# maps' range at the eight mode centres: the trained $D$, which never sees a density, follows $D^*$ —
# above ½ on the modes $G$ under-fills, below ½ where it over-fills — though less extreme at the
# ends of the range (compare the two ranges; a test holds a separate one-GAN demo-size run within 0.15
# of $D^*$ at every centre, and the run drawn here can differ by more at its most under-filled mode).

# %%
fig = fundamentals.optimal_discriminator_figure(trained["ring8"]["nonsaturating"])
run.save_figure(fig, "optimal_discriminator")
plt.show()

# %% [markdown]
# ### What the generator feels
#
# $G$ learns only through $\nabla_x$ of its loss at its own samples $x = G(z)$. With $D = \sigma(\ell)$,
# the minimax loss pushes a sample by $\sigma(\ell)\,\nabla_x\ell$, the non-saturating loss by
# $(1-\sigma(\ell))\,\nabla_x\ell$: the same direction — towards where $D$ rates "real" — with
# different strength. Below, both push fields through the same trained $D$ (one arrow scale), over
# $D$'s map and $G$'s samples; the titles give the mean push on the samples.

# %%
fig = fundamentals.generator_push_figure(trained["ring8"]["nonsaturating"])
run.save_figure(fig, "generator_push")
plt.show()

# %% [markdown]
# Away from the data, where $D$ rejects (blue), the minimax arrows all but vanish while the
# non-saturating ones still point at the modes: section 2's saturation, drawn. A sample only sits
# there at the start of training, when $D$ rejects everything $G$ makes. Once the game has settled,
# $G$'s samples sit where $D(G(z))$ is near ½, the two weights $\sigma(\ell)$ and $1-\sigma(\ell)$ are of
# the same size (the mean pushes in the titles), and the minimax generator trains about as well as
# the non-saturating one — as its Ring8 seeds in section 3 do, *unless* $D$ won before the game settled
# (the failed seed a large minimax spread reveals).
#
# ## 5 · A generator trained against a frozen discriminator
#
# Goodfellow et al. warn that $G$ must not be trained too much without updating $D$ (the
# "Helvetica scenario"). Here we freeze the trained discriminator and keep training the generator
# with a bold learning rate. With nothing to push back, $G$ climbs towards whatever the frozen $D$ rates
# most real — and a trained $D$'s maxima sit *near*, not on, the modes. Read the titles and the table:
# compare the modes and the high-quality share at the 3-std radius with the clusters counted within a
# loose radius (0.15). What this run loses is **precision**: the samples drift off the true modes towards
# a stale critic's favourite spots — well past the 3σ radius, some past the loose one too — yet they
# stay in separate clusters, about one per mode, as the panels show: this is over-fitting to a
# frozen $D$, not mode collapse. In real training $D$ keeps moving and pulls the samples back.
# Genuine mode collapse comes next.

# %%
ring8 = fundamentals.MIXTURES["ring8"]
snaps = fundamentals.collapse_against_frozen_d(trained["ring8"]["nonsaturating"], cfg.frozen_steps,
                                               learning_rate=cfg.frozen_learning_rate, seed=seed)
fig = fundamentals.collapse_figure(snaps, ring8)
run.save_figure(fig, "collapse")
plt.show()
frozen = {}
for label, xy in (("nonsaturating, trained", snaps[0][1]), ("nonsaturating, D frozen", snaps[-1][1])):
    frozen[label] = {**fundamentals.mode_coverage(xy, ring8),
                     "clusters_within_0.15": fundamentals.mode_coverage(xy, ring8, radius=0.15)["modes_std_rule"]}
run.record("frozen_discriminator", "ring8", "generated", frozen,
           metrics=("modes_std_rule", "clusters_within_0.15", "hq_pct", "reverse_kl"))
print(run.table("frozen_discriminator"))

# %% [markdown]
# ## 6 · A real mode collapse, and a remedy
#
# To see genuine collapse we make the discriminator the weak player: a smaller network (64 units,
# 2 hidden layers) learning ten times slower than $G$ (lr 1e-4 against 1e-3), small batches (128), an
# 8-D latent, the non-saturating loss, on Ring8. A discriminator this slow keeps rating whatever $G$
# made a moment ago as "real" for too long, so $G$ herds its samples to one place; every seed below is a
# separate run. Then the same setting with one change to $D$, **PacGAN packing** (Lin et al. 2018): $D$
# judges two samples at a time, concatenated, both real or both fake. A generator that repeats itself
# makes pairs no real pair looks like, so packing penalises exactly the lack of variety. (The
# **minibatch standard deviation** feature — the layer that ends the StyleGAN2 discriminator of notebook
# 04 — attacks the same weakness by letting $D$ see how varied a group of samples is; the `paper`
# profile trains it too.) The metric rows give the modes covered in every seed.

# %%
collapse_runs = {}
for remedy in (None, *cfg.remedies):
    collapse_runs[remedy or "plain D"] = fundamentals.train_ensemble(
        "ring8", ["nonsaturating"] * len(seeds), seeds, cfg.collapse(remedy), data_seed=seed, device=run.device)
collapse_rows = {label: fundamentals.collapse_summary(fundamentals.per_seed(ens, cfg.n_eval)["nonsaturating"], seeds)
                 for label, ens in collapse_runs.items()}
run.record("mode_collapse", "ring8", f"{cfg.seeds} seeds", collapse_rows,
           metrics=("modes_std_rule", "modes_std_rule_sd", "hq_pct", "hq_pct_sd", "seeds_at_most_half",
                    "seeds_at_least_90pct", *(f"modes_seed_{s}" for s in seeds)))
print(run.table("mode_collapse"))

fig = fundamentals.collapse_regime_figure(collapse_runs, cfg.n_eval)
run.save_figure(fig, "mode_collapse")
plt.show()

# %% [markdown]
# Read the rows and the panels: with a plain $D$ each seed herds its samples into one tight cluster
# (at most a mode or two counted, and often none: the cluster sits off every true mode); with packing
# every seed spreads over the ring. Packing
# restores *coverage*, not *precision*: in this deliberately starved regime (a slow $D$, a short run)
# the packed runs still leave most samples outside the 3σ rings, as the `hq_pct` column shows — a
# cure for collapse is not a cure for under-training.

# %% [markdown]
# ## 7 · Training, snapshot by snapshot
#
# Drag the slider to scrub through training: each frame shows the four losses' samples on Ring8 at
# the same step (first seed) — how each spreads from its initial blob to the ring. (Under papermill the same
# frames are saved as a figure instead.)

# %%
frames = fundamentals.snapshot_frames(trained["ring8"])
fig = fundamentals.snapshots_figure(frames, ring8)
run.save_figure(fig, "snapshots")
plt.close(fig)

# %% tags=["nbval-ignore-output"]
if run.interactive:
    display(fundamentals.snapshot_scrubber(frames, ring8))

# %% [markdown]
# ## 8 · A tiny image GAN: 8×8 digits
#
# The same recipe on images: scikit-learn ships 1,797 handwritten digits of 8×8 pixels. We train a
# non-saturating MLP GAN on a fixed 80 % split and judge the samples with a logistic-regression
# classifier fitted on that split (an 8×8 stand-in for the Inception-based scores used on large
# images): how many digit classes the samples cover, how confidently they are recognised, and how
# close they sit to the training images compared with unseen real digits (a ratio far below 1 would
# mean the GAN memorised its training set).

# %%
run.add_data("scikit-learn digits.csv.gz", sha256_file(fundamentals.digits_file()))  # in the figures' provenance
digits = fundamentals.train_digits(cfg, seed=seed, device=run.device)
digit_scores = fundamentals.evaluate_digits(digits, n=500, seed=seed)
run.record("digits", "sklearn_digits_8x8", "test", digit_scores,
           metrics=("classes_covered", "mean_confidence", "nn_distance_ratio"))
print(run.table("digits"))

fig = fundamentals.digits_figure(digits, n=500, seed=seed)
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
