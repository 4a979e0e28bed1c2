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
# # 01 · MedSRGAN: ×4 super-resolution of CT and MRI — and does it keep or invent lesions?
#
# > **Research and teaching only — not for diagnosis.** Every super-resolved image in this notebook is
# > a model's guess at detail the scanner did not record.
#
# **Why super-resolve medical images?** Resolution costs something the patient pays. In CT, finer
# pixels at the same noise level need more photons — more **radiation dose**; thin-slice, high-matrix
# reconstructions are noisier at a given dose. In MRI, resolution costs **scan time** (more
# phase-encoding lines) or **field strength** (a 1.5 T or low-field scanner has less signal to spend on
# small voxels than a 3 T one). A network that turns a coarse 128² slice into a convincing 512² one
# would let a low-dose or low-field acquisition be read like a high-end one — *if* the detail it adds
# is true. For a radiologist the first question is not PSNR but: **does a small lesion survive, and does
# the network ever draw one that is not there?** This notebook measures both.
#
# **Which paper.** The survey cites MedSRGAN as "Gu et al." with a *Scientific Reports* DOI —
# 10.1038/s41598-022-13658-4. That DOI belongs to a **different paper**: Ahmad, Ali, Shah & Azmat, "A new
# generative adversarial network for medical images super resolution", *Sci Rep* 12:9533 (2022), a
# multi-path ResNet-34 generator evaluated on retina, brain MRI, dermoscopy and ultrasound. MedSRGAN itself
# is Gu, Zeng, Chen *et al.*, "MedSRGAN: medical images super-resolution using generative adversarial
# networks", *Multimedia Tools and Applications* 79:21815–21840 (2020). We implement **that** paper;
# nothing here describes Ahmad et al.
#
# Plan: (1) the model and the losses, (2) CT data and training, (3) the same on MRI, (4) metrics against
# bicubic and the PSNR-oriented RWMAN(P), (5) hallucination diagnostics, (6) the perception–distortion
# trade-off, (7) **task-based quality: lesion detectability and false lesions**, (8) a before/after viewer
# and (9) applying a checkpoint to your own DICOM / NIfTI / PNG file.

# %% tags=["parameters"]
from typing import Optional

profile: str = "demo"  # smoke (seconds, for tests) | demo (a few minutes on a 2-core laptop) | paper (GPU, LUNA16)
seed: int = 0  # seed for data, initialisation and sampling
device: str = "auto"  # auto (cuda > mps > cpu) | cpu | cuda | mps
interactive: bool = True  # show the before/after widget (papermill passes False: figures only)
ct_pretrain_steps: Optional[int] = None  # RWMAN(P) pre-training steps on CT; None keeps the profile's value
vgg19_weights: Optional[str] = None  # path to torchvision's vgg19-dcbb9e9d.pth; None uses the imported copy, if any

# %%
import matplotlib.pyplot as plt
import torch

import ganbook
from ganbook import medsrgan
from ganbook.data.dicom import WINDOWS
from ganbook.losses import MEDSRGAN_CT, MEDSRGAN_MRI
from ganbook.models import RWMAN, PairwiseDiscriminator, count_parameters
from ganbook.sr.common import spectrum_figure, sweep_summary

run = ganbook.start("01_medsrgan", profile=profile, seed=seed, device=device, interactive=interactive,
                    ct_pretrain_steps=ct_pretrain_steps, vgg19_weights=vgg19_weights)
cfg = run.configure(medsrgan.PROFILES)
threads = medsrgan.use_threads(cfg)
print(run)
print(cfg)

# %% [markdown]
# ## 1 · The model: RWMAN, a pairwise discriminator and a multi-task loss
#
# **Generator — RWMAN** (Residual Whole-Map Attention Network) is RCAN with its blocks changed.
# RCAN's residual channel-attention block (RCAB) computes, after its conv–ReLU–conv body $y$, **one
# weight per channel**: global average pooling squeezes each feature map to a number, two 1×1 convs
# (channel reduction and expansion) and a sigmoid turn those into weights, and $y$ is rescaled
# channel-wise. MedSRGAN's **RWMAB** replaces this with **whole-map attention**: a single 1×1 conv with
# sigmoid on $y$ produces a tensor *of the same shape as* $y$ — a weight in (0, 1) for **every pixel of every
# channel** — and the block outputs $x + y \odot \sigma(\mathrm{conv}_{1\times1}(y))$. No pooling, no
# channel squeeze: attention can single out a small bright spot in one place of a map, which channel
# attention, by construction, cannot. Blocks form residual groups with short skips, groups sit inside a
# long skip, and two ×2 stages (conv C→4C, PixelShuffle) upsample at the end.
#
# **Sub-pixel upsampling and its checkerboard.** A PixelShuffle stage computes each of the four sub-pixel
# positions with its own filter; with default initialisation those filters differ at random, so the output
# starts as a fixed 2-px (after two stages, 4-px) grid, and a short run never trains it away. We initialise
# every sub-pixel conv with **ICNR** (Aitken et al. 2017: the four filters start equal, i.e. as
# nearest-neighbour upsampling) at every profile. In our 1500-step CT runs that was not enough — the grid
# came back during training (RMS of the 4×4-periodic part of SR − HR ≈ 4–5 HU against bicubic's ≈ 0.75) —
# so `demo` and `smoke` add a fixed [1, 2, 1] blur after each shuffle (`upsample="subpixel_blur"`, which
# measured ≈ 0.8 HU at a slightly *higher* PSNR; nearest + conv did about as well). `paper` keeps the
# paper's plain sub-pixel stages (ICNR-initialised), since its long runs are what the paper describes; the
# periodic-pattern column below tells whether that holds.
#
# **Size — an inconsistency in the paper.** The method section stacks "128 blocks … short residual
# connections for each 16 blocks", i.e. **8 groups × 16 RWMABs**; the speed/parameter table describes
# RWMAN(P) with RCAN's **10 groups × 20 blocks**. We follow the method section: `paper` uses 8 × 16 × 64
# channels (64 is RCAN's default; the paper's figure with the widths is not readable in our copy). `demo`
# shrinks it to fit a CPU. Our other choice: RWMAN predicts a **correction to the bicubic-interpolated
# input** (its last conv starts at zero, so an untrained RWMAN *is* bicubic) — on a CPU budget this is
# what lets a few minutes of training beat interpolation. `paper` drops it (`residual_interp=False`):
# the paper's RWMAN.
#
# **Discriminator — pairwise.** D sees a *pair*: (LR, HR) is real, (LR, SR) is fake. Two pathways (one
# for the LR slice, one for the HR/SR slice) are concatenated and processed further, with LeakyReLU
# 0.2; five hidden blocks D₁…D₅ are tapped. Conditioning on LR makes D judge *consistency with the
# input* as well as realism — a plausible but wrong SR slice is still a fake pair.
#
# **Losses** ($w = \{1/2, 1/4, 1/8, 1/16, 1/16\}$):
#
# | term | formula | what it does |
# |---|---|---|
# | content | $L_\text{cont} = \lambda_{L1}\lVert HR-SR\rVert_1 + \sum_k w_k\,\mathrm{MSE}(V_k(HR), V_k(SR))$ | VGG-19 features **before ReLU** at conv1_2, conv2_2, conv3_4, conv4_4, conv5_4: shallow layers match edges, deep ones texture and structure |
# | adversarial | $L_\text{adv} = -\log(1-D(LR,HR)) - \log D(LR,SR)$ | pushes SR pairs to look real; the first term does not depend on G (no gradient) |
# | adversarial feature | $L_\text{advfeat} = \sum_k w_k\,\mathrm{MSE}(D_k(LR,HR), D_k(LR,SR))$ | feature matching inside D: a denser, steadier signal than one logit |
# | discriminator | $L_d = -\log D(LR,HR) - \log(1 - D(LR,SR))$ | standard binary cross-entropy on pairs |
#
# $L_g = L_\text{cont} + \lambda_1 L_\text{adv} + \lambda_2 L_\text{advfeat}$ with the paper's presets
# **CT: λ₁ = 1e-2, λ₂ = 1e-4, λ_L1 = 0** and **MRI: λ₁ = 5e-2, λ₂ = 5e-3, λ_L1 = 1e-2** (MRI gets stronger
# adversarial terms and a pixel anchor; the authors report that tuning λ₁, λ₂ mattered little).
# **RWMAN(P)** is the same generator trained with pixel MSE only — the PSNR-oriented baseline.

# %%
paper_g = RWMAN()  # 8 groups x 16 RWMABs x 64 channels, x4
paper_d = PairwiseDiscriminator()
print(f"RWMAN at paper size: {count_parameters(paper_g) / 1e6:.2f} M parameters; "
      f"pairwise D: {count_parameters(paper_d) / 1e6:.2f} M")
demo_g = RWMAN(num_features=cfg.num_features, num_groups=cfg.num_groups, num_blocks=cfg.num_blocks)
print(f"RWMAN for this profile ({cfg.num_groups} x {cfg.num_blocks} x {cfg.num_features}): "
      f"{count_parameters(demo_g) / 1e6:.3f} M parameters")
block = paper_g.body[0].body[0]  # the first RWMAB
y = block.body(torch.rand(1, 64, 12, 12))
print("whole-map attention shape:", tuple(block.attention(y).shape), "(one weight per pixel and channel; RCAB's "
      "channel attention would be (1, 64, 1, 1))")
print("loss presets:", MEDSRGAN_CT, MEDSRGAN_MRI, sep="\n  ")
del paper_g, paper_d, demo_g

# %% [markdown]
# **The VGG-19 content loss needs ImageNet weights**, which do not ship with any package here and are
# never downloaded at run time. The cell below says which loss is really used. Without the file, the
# documented fallback applies: the five VGG feature maps are replaced by the image itself, so (the
# weights summing to 1) $L_\text{cont}$ becomes **plain pixel MSE** — MedSRGAN then differs from RWMAN(P)
# only by its adversarial and adversarial-feature terms, and with these small pixel losses the paper's
# λ₁ = 1e-2 weighs the adversarial term relatively *more* than it would against VGG features. To run the
# real loss, get torchvision's `vgg19-dcbb9e9d.pth` (see `python -m ganbook data info vgg19`), register
# it once with `python -m ganbook data import vgg19 /path/to/vgg19-dcbb9e9d.pth` (checked against the
# manifest) or pass its path as the `vgg19_weights` parameter, and rerun.

# %%
# `paper` never falls back: without the weights it stops here, before any training, saying how to import them.
backbone = medsrgan.content_features(vgg19_weights, required=run.profile == "paper")
run.add_data("content features: " + ("VGG-19 ImageNet" if backbone.is_pretrained else "pixels (fallback)"), None)
print(backbone.message)

# %% [markdown]
# ## 2 · CT data and training
#
# The paper trains on 219 LUNA16 scans. Offline we have a handful of real CT slices (pydicom's test
# files) with a **patient-level split** — training slices from two patients (two head CTs), held-out slices
# from three others (a head, an abdomen and a small chest slice, the only real one with lung) — plus
# **procedural chest phantoms** (textbook HU values, vessels, ribs, noise) for unlimited training texture.
# As in the paper: HU clipped to **[−1024, 1024] → [0, 1]**, LR by
# **4×4 average pooling**. (`paper` reads LUNA16 through the data registry instead:
# `python -m ganbook data info luna16`.)

# %%
ct = medsrgan.training_data("ct", cfg, seed=seed)
for name, sha in ct.sha256.items():
    run.add_data(f"ct_slices:{name}", sha)
print(ct.description)
print("held out:", ", ".join(f"{i} {t.shape[0]}x{t.shape[1]}" for i, t in zip(ct.test_ids, ct.test)))
fig = medsrgan.ct_data_figure(ct)
run.save_figure(fig, "ct_data")
plt.show()

# %% [markdown]
# The project's training loop trains **RWMAN(P)** with pixel MSE, and then continues a copy of it as
# **MedSRGAN** against a fresh pairwise discriminator with the CT weights (λ₁ = 1e-2, λ₂ = 1e-4).
# Starting the GAN from the PSNR model (as ESRGAN does) is our choice — the paper trains MedSRGAN from
# scratch, which a few CPU minutes could not do. Adam β = (0.9, 0.999), the adversarial stage's learning
# rate 1e-4 and halving every 50k (CT) / 20k (MRI) steps follow the paper; the `demo` pre-training
# learning rate (5e-4), batch (16), patch size (16² LR → 64² HR) and step counts are ours. We measured
# why the adversarial stage needs the paper's 1e-4: at 5e-4 this discriminator stayed at chance (loss
# log 4) for every one of hundreds of steps, so the "GAN" was just more MSE training.
#
# **The trade-off curve.** The same adversarial stage is rerun from the same RWMAN(P), with the same
# steps and seed, for further values of the adversarial weight λ₁ (λ₂ scaled alike):
# `GAN(lambda=0)` is the control — the same steps with the content loss alone — so that "more training"
# and "the adversarial term" can be told apart.

# %%
ct_trained = medsrgan.train(ct, cfg, seed=seed, device=run.device, features=backbone.model)
ct_sweep = medsrgan.adversarial_sweep(ct_trained, ct, cfg, seed=seed, device=run.device, features=backbone.model)
ct_out = medsrgan.predictions(ct_trained, ct, cfg, device=run.device, sweep=ct_sweep)
ct_scores = medsrgan.evaluate(ct_trained, ct, cfg, device=run.device, outputs=ct_out)

# %% [markdown]
# ## 3 · The same pipeline on MRI
#
# The paper's MRI set (110 brain scans, one hospital) is private. We use pydicom's MR slices with a
# subject-level split (shoulder and small head/knee slices for training, an abdominal slice held out).
# The paper z-scores each scan; we map each scan linearly from 0 … its 99.5th percentile to [0, 1]
# (also a per-scan affine normalisation, but with a fixed peak for PSNR). MRI weights:
# λ₁ = 5e-2, λ₂ = 5e-3, λ_L1 = 1e-2.

# %%
mr = medsrgan.training_data("mr", cfg, seed=seed)
for name, sha in mr.sha256.items():
    run.add_data(f"mr_slices:{name}", sha)
print(mr.description)
print("held out:", ", ".join(f"{i} {t.shape[0]}x{t.shape[1]}" for i, t in zip(mr.test_ids, mr.test)))
mr_trained = medsrgan.train(mr, cfg, seed=seed, device=run.device, features=backbone.model)
mr_out = medsrgan.predictions(mr_trained, mr, cfg, device=run.device)
mr_scores = medsrgan.evaluate(mr_trained, mr, cfg, device=run.device, outputs=mr_out)

# %%
fig = medsrgan.training_figure({"CT": ct_trained, "MRI": mr_trained})
run.save_figure(fig, "training_curves")
plt.show()

# %% [markdown]
# Per modality, left: the pixel MSE of RWMAN(P), then (GAN phase) the content loss of MedSRGAN. Middle: the
# discriminator's and generator's adversarial losses; values near $\log 4 \approx 1.39$ and $\log 2$ mean
# D can barely tell the pairs apart. Right: **D's accuracy** on its own training batches (dashed: chance) and
# its mean logits on real and generated pairs (grey, right axis). A game that is played shows D leaving
# chance without reaching 1: it learns to tell the pairs apart, and the generator keeps answering.
#
# ## 4 · Metrics on held-out slices
#
# PSNR = 10·log₁₀(MAX²/MSE) and SSIM with $c_1 = (0.01\,\mathrm{MAX})^2$, $c_2 = (0.03\,\mathrm{MAX})^2$ on
# the [0, 1] scale (MAX = 1), **inside the body** (the paper crops non-body area away), averaged over the
# held-out slices. Also: `grad_ratio` (mean gradient magnitude relative to HR) and `hf_ratio` (spectral
# energy above the LR Nyquist limit relative to HR) — sharpness, 1 = as sharp as HR, **secondary columns**:
# both are energy ratios that noise or a grid raise as readily as real detail — and
# `consistency_rms` = RMS of avgpool(SR) − LR (0 = SR fully explains its own input).
#
# Two further columns. **`swd`**: the sliced Wasserstein distance (×10³) between Laplacian-pyramid patches
# of the output and of HR inside the body (ProGAN's realism measure; no pretrained network), over all
# held-out slices, with a bootstrap 95 % CI (`swd_ci_low`, `swd_ci_high`); lower is more HR-like.
# **`periodic_artifact_rms`**: the RMS of the fixed 4×4 pattern that SR − HR repeats on the LR
# grid (an upsampler's checkerboard), on the [0, 1] scale (× 2048 for HU); interpolation sets its level.
#
# **What the HR row means.** `swd_floor` is the SWD between two disjoint halves of HR's own patches — how far
# apart two *different* samples of the same anatomy already are. Methods are scored at the *same* positions
# as HR (paired), so a good method can lie well below it: the floor is a yardstick for "how big is this
# distance", not a limit no method can pass.

# %%
scores = {"ct": ct_scores, "mr": mr_scores}
run.record("super_resolution", "ct", "test", ct_scores)
run.record("super_resolution", "mr", "test", mr_scores)
print(run.table("super_resolution"))
gain = ct_scores["RWMAN(P)"]["psnr"] - ct_scores["bicubic"]["psnr"]
print(f"CT: RWMAN(P) - bicubic = {gain:+.2f} dB PSNR inside the body")
for m in medsrgan.METHODS:
    print(f"CT {m}: periodic 4x4 pattern {ct_scores[m]['periodic_artifact_rms'] * 2048:.2f} HU RMS")

# %% [markdown]
# ## 5 · Looking at the pixels — and at what the models added
#
# One crop per held-out CT slice, each in the **reading window of its anatomy** — brain [0, 80] HU for the
# head, soft tissue [−160, 240] HU for the abdomen, lung [−1200, 0] HU for the chest (chosen from the HU
# histogram inside the body, `medsrgan.reading_window`) — and placed where that window shows the most
# detail (largest mean gradient of the windowed HR, `ganbook.sr.common.detail_box`). Under each crop: its
# own PSNR and SWD. Then the **hallucination diagnostics** beside every SR crop: the absolute error
# against HR; the **consistency residual** avgpool(SR) − LR (what the model put in that its own input
# does not support — a faithful model keeps it near zero); and the **difference to the PSNR model**
# SR − RWMAN(P) (what the adversarial training changed).

# %%
fig, crops = medsrgan.crops_figure(ct_out, ct.test_masks, ct.test_ids, seed=seed)
run.save_figure(fig, "crops_ct")
plt.show()

fig = medsrgan.hallucination_figure(ct_out[1], medsrgan.crop_box(ct_out[1], ct.test_masks[1], 96),
                                    mask=ct.test_masks[1])
run.save_figure(fig, "hallucination_ct")
plt.show()
mr_box = medsrgan.crop_box(mr_out[0], mr.test_masks[0], 96, hu=False)
fig = medsrgan.hallucination_figure(mr_out[0], mr_box, hu=False)
run.save_figure(fig, "hallucination_mr")
plt.show()

# %% [markdown]
# **The upsampler's grid in the spectrum.** The radially averaged power spectrum of each output (left) and of
# its error SR − HR (right) on the head slice: a fixed 4-px pattern would stand out as spikes at 1/4 and 1/2
# cycles/pixel (dotted) above bicubic's smooth curve; over-smoothing shows as a drop at high frequencies.
# Bicubic's image spectrum has deep notches (4×4 pooling and cubic interpolation both null certain
# frequencies); the networks fill them. Where their *error* rises above bicubic's between 1/4 and 1/2 it does
# so as a broad band, not as spikes: detail they add that does not match HR (compare the skull edge in the
# brain crop), not a fixed grid — the periodic column in the table measures the grid directly.

# %%
fig = spectrum_figure({m: ct_out[0][m] for m in medsrgan.METHODS}, ct_out[0]["HR"], 4,
                      title=f"{ct.test_ids[0]}: radially averaged power spectra")
run.save_figure(fig, "spectrum_ct")
plt.show()

# %% [markdown]
# ## 6 · The perception–distortion trade-off
#
# Blau & Michaeli (2018) proved that no estimator can be both minimal-distortion (PSNR) and perfectly
# natural: the MSE-optimal output is the *conditional mean* of all HR images consistent with the input,
# and a mean of plausible images is blurrier than any one of them. We plot PSNR against **SWD** to HR
# (bars: bootstrap 95 % CIs; dashed: the HR floor, see §4). SWD compares the *distribution* of local patches
# at three scales, so blur (patches too flat) and invented texture or a grid (patches unlike HR's) both move a
# method right, while an energy ratio such as `hf_ratio` rewards noise and grids (it stays in
# the table as a secondary column). It needs no pretrained network (NIQE/LPIPS weights are not available
# offline). A GAN should move left at some cost in PSNR; where the bars overlap, this
# run cannot tell the methods apart. It still cannot tell *true* from *invented* detail, which is why it is
# read together with PSNR and the lesion study.
#
# On CT the line joins the adversarial-weight sweep in order of λ₁ — `GAN(lambda=0)` (the same steps
# without D), then rising weights through MedSRGAN's own λ₁ = 1e-2. Real CT carries quantum-noise grain that
# the MSE-optimal RWMAN(P) averages away; a discriminator that learns notices the missing grain, and a
# generator that answers puts grain back — not the HR slice's own noise, which no model can know, so PSNR
# falls while the patch statistics move towards HR's. The printout under the figure says, from this run's
# numbers, which settings (if any) are more HR-like than RWMAN(P) beyond their intervals and at what PSNR
# cost. MRI has no sweep (one modality keeps the notebook within its time budget).

# %%
fig = medsrgan.perception_distortion_figure(scores)
run.save_figure(fig, "perception_distortion")
plt.show()
print("CT:", sweep_summary(ct_scores, "RWMAN(P)", {"MedSRGAN": medsrgan.modality_weights("ct").adversarial}))

# %% [markdown]
# ## 7 · Task-based quality: are small lesions kept — or invented?
#
# MedSRGAN's paper backs its clinical claim with a nodule-detection test (HR: 31 of 35 nodules found;
# MedSRGAN+ SR: 32). We make the question testable here. Into each held-out CT slice we insert small
# **synthetic nodules of known contrast** (discs of radius 2.5 HR pixels, +20 / +40 / +80 HU at `demo`)
# at random homogeneous soft-tissue sites, leaving as many other sites lesion-free; we then average-pool
# ×4, super-resolve, and let a **channelised Hotelling observer** (CHO; five Laguerre–Gauss channels,
# the standard model observer for signal-known-exactly detection in CT image-quality work) decide
# "lesion or not" at each site. Figures of merit: **AUC** (0.5 = chance, 1 = perfect, with its
# Hanley–McNeil standard error `auc_se`) and **d′**, with the observer's template estimated on half the
# sites and scored on the other half — AUC differences smaller than `auc_se` are noise. "HR" is the lesion
# image itself — the ceiling. Then the other direction: in the **lesion-free** slices we count
# **lesion-like blobs** (centre-surround contrast ≥ 40 HU) in each SR image that do **not** appear in HR
# — false lesions a reader could be misled by.

# %%
study = medsrgan.lesion_study(ct_trained, ct, cfg, seed=seed, device=run.device)
run.record("lesion_detectability", "ct", "test", study.detectability())
run.record("false_lesions", "ct", "test", study.false)
print(f"{study.n_present} lesion-present and {study.n_present} lesion-absent sites per contrast")
print(run.table("lesion_detectability"))
print(run.table("false_lesions"))
fig = medsrgan.lesion_figure(study)
run.save_figure(fig, "lesion_detectability")
plt.show()

# %% [markdown]
# ## 8 · Before / after, with reading windows
#
# Drag the split between bicubic (left) and a model (right), pick the window. Under papermill the same
# view is saved as a figure instead.

# %%
view = {"bicubic": ct_out[0]["bicubic"], "HR": ct_out[0]["HR"], "RWMAN(P)": ct_out[0]["RWMAN(P)"],
        "MedSRGAN": ct_out[0]["MedSRGAN"]}
view_window = medsrgan.reading_window(ct_out[0]["HR"], ct.test_masks[0])
fig = medsrgan.split_view(view["bicubic"], view["MedSRGAN"], 0.5, WINDOWS[view_window], True,
                          f"bicubic | MedSRGAN ({view_window.replace('_', ' ')} window)")
run.save_figure(fig, "split_view")
plt.close(fig)

# %% tags=["nbval-ignore-output"]
if run.interactive:
    display(medsrgan.comparison_widget(view))

# %% [markdown]
# ## 9 · Use the trained model on your own file
#
# Both generators are saved with a **model card** (architecture, intensity mapping, degradation,
# training spacing and value range, held-out metrics). One command applies any SR checkpoint of this
# workbook to a DICOM slice (written back as a new DICOM series with ¼ the pixel spacing and new UIDs),
# a NIfTI volume (scaled affine) or a PNG/TIFF picture, tiling large inputs and warning when the input's
# spacing or value range lies outside what the model saw:
#
# ```bash
# python -m ganbook upscale --checkpoint reports/checkpoints/01_medsrgan/demo/ct_rwman_p.json in.dcm out.dcm
# ```

# %%
saved = (medsrgan.save_models(run.checkpoint_dir, ct_trained, ct, ct_scores, profile=run.profile)
         + medsrgan.save_models(run.checkpoint_dir, mr_trained, mr, mr_scores, profile=run.profile))
print("saved:", ", ".join(path.name for path in saved))

# %% [markdown]
# ## Conclusion
#
# The numbers below are computed from this run's measurements (they change with the profile; the
# `demo` values are in `reports/metrics/01_medsrgan.json`). How to read them: RWMAN(P) is trained to
# minimise pixel error, so it should lead on PSNR, and MedSRGAN should trade a little PSNR for realism
# (a lower SWD). Whether that shows at `demo` depends on whether the short adversarial stage got going: the
# D-accuracy panels say whether D learned, and the sweep line says which adversarial weights moved SWD
# beyond its interval — compared with `GAN(lambda=0)`, the same steps without D, so that more training is
# not mistaken for the GAN. The lesion study asks the clinical question directly — a GAN that
# sharpens *real* structure should keep or raise nodule AUC; one that sharpens *noise* into blobs shows
# up in the false-lesion count. With the pixel fallback for VGG (see §1), our MedSRGAN is the paper's
# adversarial recipe without its perceptual term, trained for minutes — a teaching-scale result, not a
# reproduction of the paper's tables. **Research and teaching only — not for diagnosis.**

# %%
print(medsrgan.conclusion(scores, study))

# %%
path = run.save_metrics()
print(f"metrics written to reports/metrics/{path.name}")

# %% tags=["nbval-ignore-output"]
print(f"threads {threads}; training CT {ct_trained.seconds:.0f} s, MRI {mr_trained.seconds:.0f} s; wall time "
      f"{run.elapsed:.0f} s, peak memory {ganbook.runtime.peak_rss_mb():.0f} MiB")
