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
# # 02 · Retinal-ESRGAN: super-resolving fundus photographs
#
# **Why fundus super-resolution.** Diabetic retinopathy and glaucoma are screened from colour fundus
# photographs, often taken with cheap or hand-held cameras. The earliest sign of diabetic
# retinopathy, the *microaneurysm*, is a dark red dot of 10–100 µm — a few pixels — and the thinnest
# vessels are one or two pixels wide. Super-resolution promises sharper vessels and lesions for
# readers and for segmentation networks, *if* it restores structure instead of inventing it.
#
# **What this notebook implements.** Retinal-ESRGAN (Deepthi & Shastry, IEEE Access 2023) adapts
# ESRGAN to fundus images. **The Retinal-ESRGAN paper text was not available to us**, so we cannot
# say what it changed. What follows implements **ESRGAN faithfully** (Wang et al. 2018: RRDB
# generator, VGG-style discriminator, relativistic average GAN, PSNR pre-training, network
# interpolation) **adapted to fundus images**, and every adaptation below is *our* choice, not the
# paper's:
#
# | adaptation (ours) | why |
# |---|---|
# | ×4 on the photo at **1/2 scale** (704 px) | at native size scikit-image's photo is so smooth that bicubic ×4 already reaches 42 dB |
# | train on the **upper band** of the photo **+ procedural fundus phantoms**, test on the **lower band** and on a **microaneurysm** crop of another eye | one real photo ships offline; phantoms add sharp vessels with ground truth; bands never overlap |
# | generator predicts a **correction to bicubic** (`residual_interp`), bicubic with Keys' a = −0.5 (`residual_base="cubic"`) | a plain RRDBNet trained minutes on a CPU stays below bicubic; a = −0.5 is the kernel of the degradation and of the baseline, while torch's bicubic (a = −0.75) leaves a fixed 4×4 pattern in its error about 1.8× the baseline's, which the short run inherited |
# | `demo`: nf 32, 4 RRDBs, a few hundred steps per stage (printed below), BasicSR's Adam β2 = 0.99 | the paper's 23 blocks and 1.4 M steps need a GPU (`paper` profile) |
# | metrics inside the **field-of-view mask**, vessel and microaneurysm measures | the black border is not retina |
#
# Run it top to bottom. `profile`: `smoke` (seconds, tests), `demo` (default, a few minutes on 2
# CPU cores), `paper` (ESRGAN's sizes and schedules on DRIVE/STARE/CHASE_DB1; a GPU job).

# %% tags=["parameters"]
from typing import Optional

profile: str = "demo"  # smoke (seconds, for tests) | demo (a few minutes on 2 CPU cores) | paper (ESRGAN sizes, GPU)
seed: int = 0  # seed for data, initialisation and sampling
device: str = "auto"  # auto (cuda > mps > cpu) | cpu | cuda | mps
interactive: bool = True  # show the alpha slider (papermill passes False: figures only)
pretrain_steps: Optional[int] = None  # stage-1 (L1) steps; None keeps the profile's value
gan_steps: Optional[int] = None  # stage-2 (GAN) steps; None keeps the profile's value
vgg19_weights: Optional[str] = None  # VGG-19 ImageNet weights file; None uses the imported copy if there is one

# %%
import matplotlib.pyplot as plt
import numpy as np

import ganbook
from ganbook import retinal_esrgan
from ganbook.data import load
from ganbook.metrics import psnr
from ganbook.models import VGGStyleDiscriminator, count_parameters, perceptual_backbone
from ganbook.sr.common import peak_rss_increase, spectrum_figure

run = ganbook.start("02_retinal_esrgan", profile=profile, seed=seed, device=device, interactive=interactive,
                    pretrain_steps=pretrain_steps, gan_steps=gan_steps, vgg19_weights=vgg19_weights)
cfg = run.configure(retinal_esrgan.PROFILES)
# the perceptual loss's weights, looked up before any training: `paper` stops here without them
vgg19_weights = ganbook.models.vgg.vgg19_weights(vgg19_weights, required=run.profile == "paper")
print(run)
print(cfg)

# %% [markdown]
# ## 1 · Data
#
# * **Training**: the upper band (rows 0–336) of scikit-image's fundus photograph at the data layer's
#   working scale (704 px), plus procedural fundus phantoms whose vessel trees have sharp edges.
# * **Held out**: the lower band (rows 368–704; the 32-row gap keeps every ×4 LR patch on one side),
#   and a 100-px crop of a *different* eye with two microaneurysms (HRF database, green channel).
# * **Degradation**: ESRGAN's bicubic ×4 (Keys a = −0.5, antialiased, as MATLAB's `imresize`);
#   **baseline**: bicubic interpolation back up.

# %%
train_images = retinal_esrgan.training_images(cfg, seed=seed)
held_out = retinal_esrgan.test_images(cfg)
for name, sha in retinal_esrgan.data_sources(cfg).items():
    run.add_data(name, sha)
for split, items in (("train", train_images), ("test ", held_out)):
    for item in items:
        print(f"{split} {item.name}: {item.image.shape}")

fig = retinal_esrgan.data_overview(train_images, held_out)
run.save_figure(fig, "data")
plt.show()

# %% [markdown]
# ## 2 · The generator: RRDB instead of SRResNet's residual blocks
#
# SRGAN's generator (SRResNet) stacks residual blocks of conv–BN–ReLU–conv–BN. ESRGAN keeps the
# layout but changes the block:
#
# * **no batch norm** — BN normalises with batch statistics in training and running statistics at
#   test time; in deep SR networks the mismatch shows up as artefacts;
# * **Residual-in-Residual Dense Blocks**: each of three dense blocks feeds every conv the
#   concatenation of all earlier feature maps (growth 32), and the dense block, the RRDB and the
#   whole trunk each add a residual — more capacity and easier optimisation than plain residual
#   blocks;
# * **residual scaling** 0.2 and 0.1-scaled initialisation keep the 23-block network trainable.
#
# The **discriminator** is VGG-style (conv pairs, stride 2, BN, LeakyReLU, two dense layers),
# judging whole HR patches; ours is sized to the training patch.

# %%
G_shape = retinal_esrgan.build_generator(cfg)
paper_cfg = retinal_esrgan.PROFILES["paper"]
print(f"generator  {cfg.num_features=} {cfg.num_blocks=}: {count_parameters(G_shape):,} parameters "
      f"(paper size nf64 nb23: {count_parameters(retinal_esrgan.build_generator(paper_cfg)):,})")
D_shape = VGGStyleDiscriminator(num_features=cfg.d_features, patch_size=cfg.lr_patch * cfg.scale)
print(f"discriminator for {cfg.lr_patch * cfg.scale}² patches: {count_parameters(D_shape):,} parameters")
print(f"at paper size: ESRGAN's RRDBNet {count_parameters(retinal_esrgan.build_generator(paper_cfg)) / 1e6:.1f} M "
      f"(Wang et al.: 16.7 M); SRGAN's SRResNet "
      f"{count_parameters(retinal_esrgan.build_generator(paper_cfg, 'srgan')) / 1e6:.2f} M (Ledig et al.: about 1.5 M)")

# %% [markdown]
# ## 3 · Stage 1 — PSNR-oriented training → "RRDB(P)"
#
# ESRGAN first trains the generator with the L1 loss alone. **Why PSNR first**: (1) a GAN started
# from random weights has nothing to refine and collapses into artefacts easily — the BasicSR
# maintainers call a PSNR-oriented model *required* before GAN training; (2) the discriminator then
# sees reasonable images from step one and learns *texture* differences rather than gross errors;
# (3) the PSNR model is one end of the network interpolation below. Patches: 32 px LR → 128 px HR
# (ESRGAN's HR patch), batch 16, flips and transposes; bf16 autocast + channels-last on the CPU.

# %%
sample = retinal_esrgan.make_sampler(train_images, cfg, device=run.device)
trained = retinal_esrgan.train_psnr(sample, cfg, seed=seed, device=run.device, checkpoint_dir=run.checkpoint_dir)
fig = retinal_esrgan.psnr_stage_losses(trained)
run.save_figure(fig, "stage1_loss")
plt.show()

# %% [markdown]
# ## 4 · Stage 2 — perceptual loss + relativistic GAN → "ESRGAN"
#
# **RaGAN.** A standard discriminator estimates "is this real?". ESRGAN's *relativistic average*
# discriminator estimates "is this real image more realistic than the average fake?":
# $D_{Ra}(x_r, x_f) = \sigma(C(x_r) - \mathbb{E}_{x_f}[C(x_f)])$. Its generator loss
# $-\mathbb{E}[\log(1 - D_{Ra}(x_r, x_f))] - \mathbb{E}[\log D_{Ra}(x_f, x_r)]$ has a term for the
# *real* images too, so the generator gets gradients from both — sharper edges and more realistic
# texture than SRGAN's loss.
#
# **Objective** (ESRGAN Eq. 3): $L_G = L_\text{percep} + 5\cdot10^{-3}\,L_G^{Ra} + 10^{-2}\,L_1$, with
# $L_\text{percep}$ the L1 distance of VGG-19 conv5_4 features *before* ReLU. Adam 1e-4, G and D
# alternating, initialised from stage 1.
#
# **The perceptual loss needs VGG-19 ImageNet weights, which are not shipped here.** Without them
# `perceptual_backbone` uses its documented fallback: the "features" are the pixels themselves, so
# $L_\text{percep}$ becomes a pixel L1 — the run below then shows the adversarial term with a pixel
# loss, *not* ESRGAN's full objective (a random VGG would be no perceptual loss at all). To enable the
# real loss: download torchvision's `vgg19-dcbb9e9d.pth`, run
# `python -m ganbook data import vgg19 PATH` (checked against its checksum), and rerun; or pass the
# file as `vgg19_weights`.

# %%
backbone = perceptual_backbone(vgg19_weights, ("conv5_4",))  # vgg19_weights None: the pixel fallback
run.add_data("perceptual features: " + ("VGG-19 ImageNet" if backbone.is_pretrained else "pixels (fallback)"), None)
print(backbone.message.replace(str(vgg19_weights), "the VGG-19 file") if vgg19_weights else backbone.message)

trained = retinal_esrgan.train_gan(trained, sample, cfg, backbone.model, seed=seed, device=run.device,
                                   checkpoint_dir=run.checkpoint_dir)
fig = retinal_esrgan.gan_stage_losses(trained)
run.save_figure(fig, "stage2_losses")
plt.show()

# %% [markdown]
# Right: **D's accuracy** on its own training batches, relativistic — a real patch counts as recognised when
# its critic score exceeds the generated patches' mean (dashed: chance). D that sits at chance teaches G
# nothing; D at 1 within a few steps has won, and its gradients push G towards whatever D keys on.
#
# "ESRGAN" below is the **raw generator** at the last step. The training loop also keeps an exponential
# average of its weights (decay 0.99, started at stage 2; BasicSR samples from such an average), reported
# as "ESRGAN (EMA)": after 40 steps it still holds about two thirds of the RRDB(P) weights, so it sits
# between the two.
#
# **The adversarial weight.** Stage 2 is rerun from the same RRDB(P), with the same steps and seed, for other
# RaGAN weights λ (`GAN(lambda=…)`; ESRGAN's own is 5e-3): 0 is the control — the same steps with the content
# terms alone — so "more training" and "the adversarial term" can be told apart on the plane in §6.

# %%
lambda_sweep = retinal_esrgan.adversarial_sweep(trained, sample, cfg, backbone.model, seed=seed, device=run.device)
print("adversarial-weight sweep:", ", ".join(lambda_sweep))

# %% [markdown]
# ## 4b · The comparison the survey makes: SRGAN
#
# The survey says Retinal-ESRGAN beats **SRGAN** (Ledig et al., CVPR 2017) and ESRGAN. SRGAN is the first
# GAN for photo-realistic SR: its generator **SRResNet** — 16 residual blocks (conv–BN–PReLU–conv–BN) of
# 64 channels, 9×9 convs at both ends, two ×2 sub-pixel stages — is trained with pixel MSE, then continued
# against a VGG-style discriminator with $l^{SR} = l_\text{VGG54} + 10^{-3}\,l_\text{Gen}$: the MSE of
# VGG-19 φ5,4 features *after* ReLU (scaled by 1/12.75) plus the standard non-saturating
# $-\log D(G(\mathrm{LR}))$. Without the VGG weights the content term is pixel MSE — the paper's own
# **SRGAN-MSE** variant. We train it here on the same patches, with the same step counts and learning rates
# as ESRGAN's two stages and the same discriminator class (ESRGAN's VGG-style D, whose head differs a little
# from SRGAN's: BasicSR's 100-unit dense layer against SRGAN's 1024), so the rows below compare the two
# recipes on equal terms. `demo` shrinks SRResNet to 32 channels × 8 blocks, adds our
# bicubic skip (as for the RRDB) and a fixed blur after each ICNR-initialised sub-pixel stage (against the
# checkerboard, see notebook 01); `paper` uses SRGAN's generator exactly.

# %%
srgan = retinal_esrgan.train_psnr(sample, cfg, seed=seed, device=run.device, checkpoint_dir=run.checkpoint_dir,
                                  family="srgan")
srgan = retinal_esrgan.train_gan(srgan, sample, cfg, backbone.model, seed=seed, device=run.device,
                                 checkpoint_dir=run.checkpoint_dir)
print(f"SRResNet {cfg.srgan_features} x {cfg.srgan_blocks}: {count_parameters(srgan.psnr_model):,} parameters")
fig = retinal_esrgan.gan_stage_losses(srgan)
run.save_figure(fig, "srgan_stage2_losses")
plt.show()

# %% [markdown]
# ## 5 · Network interpolation
#
# GAN training buys sharpness with artefacts and PSNR. ESRGAN's remedy needs no retraining: blend the
# two networks' *weights*, $\theta = (1-\alpha)\,\theta_\text{PSNR} + \alpha\,\theta_\text{GAN}$. α = 0 is
# RRDB(P) exactly, α = 1 is ESRGAN exactly; in between the output moves smoothly from faithful to
# sharp (smoother than blending the two *images*, which just overlays blur and noise).

# %%
models = retinal_esrgan.generators(trained, cfg.alphas)  # RRDB(P), ESRGAN, then one per alpha
models.update(retinal_esrgan.generators(srgan))  # SRResNet, SRGAN
models.update(lambda_sweep)  # GAN(lambda=...)
test_sets = retinal_esrgan.by_dataset(held_out)  # the photo's lower band, the microaneurysm crop
outputs = {dataset: [retinal_esrgan.predictions(image, models, cfg, device=run.device) for image in images]
           for dataset, images in test_sets.items()}  # kept for the crop figures below
scores = {dataset: retinal_esrgan.evaluate(images, models, cfg, outputs=outputs[dataset])
          for dataset, images in test_sets.items()}
for dataset, dataset_scores in scores.items():
    run.record("fundus_sr_x4", dataset, "test", dataset_scores)
print(run.table("fundus_sr_x4", digits=3))
for dataset, dataset_scores in scores.items():
    print(f"\n{dataset}:\n" + retinal_esrgan.srgan_comparison(dataset_scores))

# %% [markdown]
# **Reading the table.** `psnr`, `ssim`: inside the field of view (RGB; the microaneurysm crop is
# grey). `vessel_corr`: correlation of Frangi vesselness of HR and SR on the green channel — does
# the vessel tree survive? `grad_ratio`: mean gradient magnitude SR / HR (1 = as sharp as the
# reference; blur < 1; a secondary column — noise and artefacts raise it too). `ma_contrast_ratio`: contrast
# of the detected microaneurysms against their surroundings, SR / HR (1 = lesions as conspicuous as in the
# original). `swd` (with its bootstrap 95 % CI): the sliced Wasserstein distance ×10³ between RGB
# Laplacian-pyramid patches of SR and HR in the field of view — the realism measure; the row **HR** holds
# `swd_floor`, the SWD between two disjoint halves of HR's own patches: how far apart two *different* samples
# of the same image already are. Methods are scored at HR's own positions (paired), so they can lie below it —
# it is a yardstick, not a limit. `periodic_artifact_rms`: the RMS of the
# fixed 4×4 pattern SR − HR repeats on the LR grid (an upsampler's checkerboard; RRDBNet upsamples by
# nearest neighbour + conv, which avoids sub-pixel grids; a skip with a different cubic kernel than the
# degradation's would also stamp one).
#
# **SRGAN against ESRGAN.** The lines under the table say which recipe leads on this run, in PSNR and in SWD
# with its interval. At `demo` budgets (400 + 40 steps, networks a tenth of the papers' size) the answer
# says more about how fast each architecture and loss trains — an MSE-trained SRResNet with batch norm against
# an L1-trained RRDB started at 0.1-scaled weights — than about the survey's full-scale claim that
# Retinal-ESRGAN beats SRGAN and ESRGAN; where these rows disagree with the survey, the survey's ranking is
# not reproduced here. The last line puts each model's upsampler grid in 8-bit grey levels: on the smooth
# photo band bicubic's own pattern is at the noise level of the estimate (its error averages over ~10⁴ pixels
# per phase), so a multiple of it can look large while the grid stays far below one grey level.
#
# ## 6 · The perception–distortion trade-off
#
# Blau & Michaeli (2018) proved that distortion (PSNR) and perceptual quality cannot both be optimal.
# Sweeping α traces one trade-off curve (blue, RRDB(P) → ESRGAN); sweeping the adversarial weight λ traces
# another (green, in order of λ through ESRGAN's 5e-3). The lines under the figure read both off this run. On the x-axis, **SWD to HR** (bars: bootstrap 95 % CIs; dashed: the
# HR floor): it compares the distribution of local patches at three scales, so blur and invented texture
# both move a method right — unlike an energy ratio such as `grad_ratio`, which noise
# raises toward HR's. It needs no pretrained network (no-reference naturalness scores need weights that are
# unavailable offline). Where the bars overlap, this run cannot tell the methods apart on realism.

# %%
fig = retinal_esrgan.perception_distortion(scores, cfg.alphas)
run.save_figure(fig, "perception_distortion")
plt.show()
for dataset, dataset_scores in scores.items():
    print(f"{dataset}: " + retinal_esrgan.sweep_summary(dataset_scores))

# %% [markdown]
# ## 7 · Zoomed crops: vessels and microaneurysms
#
# Top: the most vessel-rich 64-px window of the held-out band. Bottom: the microaneurysms of the
# other eye (32-px windows around each detected lesion).

# %%
main = next(iter(test_sets))  # the held-out photo
photo = outputs[main][0]
box = (*retinal_esrgan.vessel_box(photo.hr, photo.mask, 64), 64)
fig = retinal_esrgan.vessel_crops(photo, scores[main], cfg.alphas, box)
run.save_figure(fig, "crops_vessels")
plt.show()

lesions = outputs["microaneurysms"][0]
fig = retinal_esrgan.microaneurysm_crops(lesions, scores["microaneurysms"], cfg.alphas)
run.save_figure(fig, "crops_microaneurysms")
plt.show()
print(f"microaneurysms detected in the HR crop: {len(lesions.blobs)}")

# %% [markdown]
# **The upsampler's grid in the spectrum.** Radially averaged power spectra of the held-out band's green
# channel (left) and of each error SR − HR (right): a fixed 4-px pattern would show as spikes at 1/4 and 1/2
# cycles/pixel (dotted) above bicubic's curve. RRDBNet upsamples by nearest neighbour + conv and our
# SRResNet by blurred ICNR sub-pixel stages, so none is expected; an adversarial stage can still add texture
# at those frequencies.

# %%
fig = spectrum_figure({m: photo.sr[m][1] for m in ("bicubic", "RRDB(P)", "ESRGAN", "SRResNet", "SRGAN")},
                      photo.hr[1], cfg.scale,
                      title="held-out photo, green channel: radially averaged power spectra")
run.save_figure(fig, "spectrum_fundus")
plt.show()

# %% [markdown]
# ### The α slider
#
# Drag α from 0 (RRDB(P)) to 1 (ESRGAN) and watch vessel edges and lesions. (Under papermill the
# crops above are the saved figures.)

# %% tags=["nbval-ignore-output"]
if run.interactive:
    display(retinal_esrgan.alpha_slider(photo, cfg.alphas, box))

# %% [markdown]
# ## 8 · "In small parts": tiled full-resolution inference
#
# Retinal-ESRGAN is described as working on fundus images "in small parts" to fit modest hardware.
# Training already does (patches); inference does it with `ganbook.sr.tiling.tiled_apply`: the LR
# image is cut into overlapping tiles, the model runs on a few tiles at a time and the outputs are
# cross-faded with raised-cosine windows that sum to one. Memory then depends on the tile, not on
# the image. An RRDB sees further than the overlap, so tiles are not bit-identical to one-shot
# inference; on the whole 704-px photo (LR 176 px, which also fits in memory at once) we check the
# difference against the stated tolerance and measure the memory each way. The same tiling lets
# `python -m ganbook upscale` apply these checkpoints to photographs of any size.

# %%
full = load("retina", "all")
hr_full, lr_full = retinal_esrgan.degrade(full.images[0], cfg.scale)
# tiled first: a later, larger allocation would hide its memory rise inside memory already taken
tiled, rise_tiled = peak_rss_increase(lambda: retinal_esrgan.super_resolve(trained.psnr_model, lr_full, cfg,
                                                                           device=run.device, tile=cfg.tile))
one_shot, rise_one = peak_rss_increase(lambda: retinal_esrgan.super_resolve(trained.psnr_model, lr_full, cfg,
                                                                            device=run.device))
diff = float(np.abs(tiled - one_shot).max())
print(f"LR {lr_full.shape[1:]} -> SR {tiled.shape[1:]}, tiles of {cfg.tile} LR px, overlap {cfg.overlap}: "
      f"tiled == one-shot within {retinal_esrgan.TILED_TOLERANCE}: {diff <= retinal_esrgan.TILED_TOLERANCE}")
fov_full = np.broadcast_to(full.masks[0][:hr_full.shape[1], :hr_full.shape[2]], hr_full.shape)
bicubic_full = retinal_esrgan.bicubic(lr_full, cfg.scale)
print(f"whole photo, PSNR in the FOV: bicubic {psnr(hr_full, bicubic_full, 1.0, fov_full):.2f} dB, "
      f"RRDB(P) tiled {psnr(hr_full, tiled, 1.0, fov_full):.2f} dB (both bands: includes the training band)")

# %% tags=["nbval-ignore-output"]
print(f"max |tiled - one-shot| = {diff:.2e}")
print(f"peak memory rise: tiled (1 tile at a time) {rise_tiled:.0f} MiB, one-shot {rise_one:.0f} MiB "
      f"(the SR output alone: {tiled.nbytes / 2**20:.0f} MiB)")

# %% [markdown]
# ## 9 · Saving the models for `python -m ganbook upscale`
#
# Each model is saved with a model card (fundus RGB in [0, 1], bicubic degradation, ×4, held-out
# metrics) under `reports/checkpoints/02_retinal_esrgan/<profile>/`.

# %%
paths = retinal_esrgan.save_models(run.checkpoint_dir, trained, cfg, scores=scores[main], profile=run.profile)
for method, path in zip(models, paths):
    print(f"saved {method} -> {path.name}")

# %% [markdown]
# ## 10 · At paper scale
#
# `profile=paper` uses ESRGAN's generator, sizes and schedules: RRDBNet nf 64 / 23 blocks without our
# bicubic skip (`residual_interp=False`), HR patch 128,
# batch 16, stage 1 L1 at 2e-4 halved every 200k of 1M steps, stage 2 at 1e-4 halved at 50k / 100k /
# 200k / 300k of 400k steps, EMA 0.999 (BasicSR), VGG discriminator with 64 base channels — and the
# public fundus sets through the registry's local-copy entries (`python -m ganbook data info drive`;
# import with `python -m ganbook data import drive DRIVE.zip`, likewise `stare`, `chase_db1`).
# It checkpoints every 5,000 steps and resumes. It needs a GPU and has not been run here.
#
# ## What to take away
#
# * A PSNR-trained RRDB beats bicubic inside the field of view. With ESRGAN's full objective the GAN
#   stage trades PSNR for sharpness and α picks the point on that trade-off after training; without
#   the VGG-19 weights (pixel fallback) and with only a short GAN stage, as in `demo`, stage 2 mostly
#   continues pixel training — read the table above rather than expecting the textbook curve.
# * Sharper is not more faithful: check lesions (microaneurysm contrast) and vessels against the
#   reference, not just how crisp the image looks.

# %%
path = run.save_metrics()
print(f"metrics written to reports/metrics/{path.name}")

# %% tags=["nbval-ignore-output"]
print(f"wall time {run.elapsed:.0f} s, peak memory {ganbook.runtime.peak_rss_mb():.0f} MiB")
