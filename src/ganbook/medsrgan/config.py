"""MedSRGAN's protocol: run sizes and schedules, the CT window, the compared methods.

Gu et al., "MedSRGAN: medical images super-resolution using generative adversarial networks", Multimedia
Tools and Applications 79 (2020). The pieces already live in the library — the RWMAN generator and the
pairwise discriminator (:mod:`ganbook.models`), the content / adversarial / adversarial-feature losses
with the paper's CT and MRI weights (:mod:`ganbook.losses`), the data registry and degradations
(:mod:`ganbook.data`), the one training loop (:mod:`ganbook.train`). This package wires them into the
paper's protocol and adds the measurements the notebook reports.

Our choices where the paper is silent or the CPU budget forces them (each is said in the notebook):

* RWMAN predicts a correction to the bicubic-interpolated input (``residual_interp``), so an untrained
  model already equals bicubic; MedSRGAN starts from the trained RWMAN(P) (the paper trains it from
  scratch; ESRGAN-style initialisation makes a minutes-long GAN phase meaningful).
* Batch size, patch size and iteration counts (the paper gives none); ``paper`` uses 16 × 32² LR patches.
* MRI intensities: the data layer's per-scan window (0 .. 99.5th percentile → [0, 1]) instead of a
  z-score: both are per-scan affine maps, and PSNR needs a fixed peak.
* The lesion study (signal-known-exactly detection with a channelised Hotelling observer) and the
  false-lesion count are ours: they make the paper's nodule-CAD claim testable on held-out slices.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HU_WINDOW = (-1024.0, 1024.0)  # the paper's CT window, mapped to [0, 1]
METHODS = ("bicubic", "RWMAN(P)", "MedSRGAN")


@dataclass(frozen=True)
class MedSRGANConfig:
    """Sizes and schedule of one MedSRGAN run (per modality where it says so).

    Attributes:
        num_features, num_groups, num_blocks: RWMAN width, residual groups, RWMABs per group.
        residual_interp: RWMAN predicts a correction to bicubic (ours, for CPU budgets; ``paper``: False,
            the paper's RWMAN).
        upsample: RWMAN's ×2 stages (:data:`ganbook.models.layers.UPSAMPLERS`); "subpixel" is the paper's
            sub-pixel conv (ICNR-initialised), "subpixel_blur" ours for the CPU profiles: short runs of
            ICNR sub-pixel stages alone left a 4-px grid of 4–5 HU RMS (bicubic ≈ 0.75 HU).
        d_features: width C of the pairwise discriminator's first block.
        lr_patch: LR training patch side (HR = 4×).
        batch_size: patches per step.
        ct_pretrain_steps, ct_gan_steps: RWMAN(P) steps (pixel MSE), then MedSRGAN steps on CT.
        mr_pretrain_steps, mr_gan_steps: the same on MRI.
        learning_rate: Adam learning rate of the pixel-MSE stage (paper: 1e-4), β = (0.9, 0.999).
        gan_learning_rate: Adam learning rate of G and D in the adversarial stage (paper: 1e-4). At 5e-4 the
            pairwise D stayed at chance (loss log 4) for hundreds of steps; at 1e-4 it learns.
        adversarial_sweep: further λ1 values (λ2 scaled alike) for which CT's adversarial stage is rerun from
            RWMAN(P) with the same steps — the perception–distortion curve; 0 = content loss only.
        ct_halve_every, mr_halve_every: halve the learning rate every this many steps (paper: 50k / 20k).
        n_phantoms, phantom_size: procedural CT training slices added to the real training split.
        ct_data, mr_data: registry names of the training/test data (``luna16`` for the paper profile).
        max_train_slices: slices taken from 3-D training volumes (local datasets; every k-th slice).
        lesion_contrasts: nodule contrasts in HU for the detectability study.
        lesion_radius_px: nodule radius in HR pixels.
        lesion_sites: lesion-present (and as many lesion-absent) sites per image and realisation.
        lesion_realisations: independent site draws per test image.
        blob_threshold_hu: centre-surround contrast (HU) above which a blob counts as a "lesion" in the
            false-lesion count.
        amp: bfloat16 autocast for training.
        threads: torch CPU threads for training and inference (0: leave torch's setting). 1 for the CPU
            profiles: at batch 16 of 16² patches a second thread gains little on an idle machine, and
            when another process holds a core two threads ran a step 50× slower (measured here).
    """

    num_features: int = 32
    num_groups: int = 2
    num_blocks: int = 4
    residual_interp: bool = True
    upsample: str = "subpixel_blur"
    d_features: int = 16
    lr_patch: int = 16
    batch_size: int = 16
    ct_pretrain_steps: int = 1500
    ct_gan_steps: int = 600
    mr_pretrain_steps: int = 600
    mr_gan_steps: int = 300
    learning_rate: float = 5e-4
    gan_learning_rate: float = 1e-4
    adversarial_sweep: tuple = (0.0, 1e-3, 1e-1)
    ct_halve_every: int = 50_000
    mr_halve_every: int = 20_000
    n_phantoms: int = 16
    phantom_size: int = 256
    ct_data: str = "ct_slices"
    mr_data: str = "mr_slices"
    max_train_slices: int = 0
    lesion_contrasts: tuple = (20.0, 40.0, 80.0)
    lesion_radius_px: float = 2.5
    lesion_sites: int = 20
    lesion_realisations: int = 3
    blob_threshold_hu: float = 40.0
    amp: bool = True
    threads: int = 1


PROFILES = {
    "smoke": MedSRGANConfig(num_features=8, num_groups=1, num_blocks=1, d_features=4, batch_size=4,
                            ct_pretrain_steps=6, ct_gan_steps=3, mr_pretrain_steps=4, mr_gan_steps=2,
                            n_phantoms=2, phantom_size=128, lesion_contrasts=(40.0, 80.0), lesion_sites=8,
                            adversarial_sweep=(0.0,),
                            lesion_realisations=1, amp=False),
    "demo": MedSRGANConfig(),
    # The paper's sizes: 8 groups × 16 RWMABs × 64 channels, Adam 1e-4 halved every 50k (CT) / 20k (MRI)
    # iterations, LUNA16 through the data registry. Iterations and batch are ours.
    "paper": MedSRGANConfig(num_features=64, num_groups=8, num_blocks=16, residual_interp=False, upsample="subpixel",
                            d_features=64,
                            lr_patch=32, ct_pretrain_steps=200_000, ct_gan_steps=200_000,
                            mr_pretrain_steps=80_000, mr_gan_steps=80_000,
                            learning_rate=1e-4, adversarial_sweep=(), ct_data="luna16", max_train_slices=20_000, n_phantoms=0,
                            lesion_sites=24, lesion_realisations=8, threads=0),
}


def to_hu(x: np.ndarray) -> np.ndarray:
    """[0, 1] back to HU in the paper's [−1024, 1024] window."""
    return np.asarray(x, np.float32) * (HU_WINDOW[1] - HU_WINDOW[0]) + HU_WINDOW[0]
