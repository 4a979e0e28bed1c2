"""MedSRGAN on CT and MRI (notebook 01): data, training, evaluation, lesion detectability, hallucination checks.

Gu et al., "MedSRGAN: medical images super-resolution using generative adversarial networks", Multimedia
Tools and Applications 79 (2020). The pieces already live in the library — the RWMAN generator and the
pairwise discriminator (:mod:`ganbook.models`), the content / adversarial / adversarial-feature losses
with the paper's CT and MRI weights (:mod:`ganbook.losses`), the data registry and degradations
(:mod:`ganbook.data`), the one training loop (:mod:`ganbook.train`). This module wires them into the
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

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from .data import load
from .data.degrade import average_pool, baseline_upsample, crop_to_multiple
from .data.dicom import WINDOWS
from .data.embedded import body_mask
from .data.patches import PairedPatchSampler
from .data.phantoms import ct_phantom
from .losses import (MEDSRGAN_CT, MEDSRGAN_LAYERS, MEDSRGAN_MRI, MedSRGANWeights, medsrgan_discriminator_loss,
                     medsrgan_generator_loss)
from .models import RWMAN, PairwiseDiscriminator, perceptual_backbone
from .runtime import autocast
from .train import TrainConfig, Trainer

__all__ = ["MedSRGANConfig", "PROFILES", "HU_WINDOW", "TrainingData", "training_data", "content_features",
           "SRRun", "train_medsrgan", "predict", "evaluate", "LesionStudy", "lesion_study", "insert_lesions",
           "lesion_sites", "laguerre_gauss_channels", "cho_detectability", "count_blobs", "false_lesions",
           "to_hu", "use_threads", "comparison_widget", "split_view", "save_models", "BANNER", "METHODS",
           "crop_box", "hallucination_figure", "lesion_figure", "conclusion"]

HU_WINDOW = (-1024.0, 1024.0)  # the paper's CT window, mapped to [0, 1]
METHODS = ("bicubic", "RWMAN(P)", "MedSRGAN")


@dataclass(frozen=True)
class MedSRGANConfig:
    """Sizes and schedule of one notebook-01 run (per modality where it says so).

    Attributes:
        num_features, num_groups, num_blocks: RWMAN width, residual groups, RWMABs per group.
        d_features: width C of the pairwise discriminator's first block.
        lr_patch: LR training patch side (HR = 4×).
        batch_size: patches per step.
        ct_psnr_steps, ct_gan_steps: RWMAN(P) steps (pixel MSE), then MedSRGAN steps on CT.
        mr_psnr_steps, mr_gan_steps: the same on MRI.
        lr: Adam learning rate (paper: 1e-4), β = (0.9, 0.999).
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
    d_features: int = 16
    lr_patch: int = 16
    batch_size: int = 16
    ct_psnr_steps: int = 1500
    ct_gan_steps: int = 200
    mr_psnr_steps: int = 600
    mr_gan_steps: int = 100
    lr: float = 5e-4
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
                            ct_psnr_steps=6, ct_gan_steps=3, mr_psnr_steps=4, mr_gan_steps=2, n_phantoms=2,
                            phantom_size=128, lesion_contrasts=(40.0, 80.0), lesion_sites=8, lesion_realisations=1),
    "demo": MedSRGANConfig(),
    # The paper's sizes (methods.md §2, §8.2): 8 groups × 16 RWMABs × 64 channels, Adam 1e-4 halved every
    # 50k (CT) / 20k (MRI) iterations, LUNA16 through the data registry. Iterations and batch are ours.
    "paper": MedSRGANConfig(num_features=64, num_groups=8, num_blocks=16, d_features=64, lr_patch=32,
                            ct_psnr_steps=200_000, ct_gan_steps=200_000, mr_psnr_steps=80_000, mr_gan_steps=80_000,
                            lr=1e-4, ct_data="luna16", max_train_slices=20_000, n_phantoms=0,
                            lesion_sites=24, lesion_realisations=8, threads=0),
}


# --------------------------------------------------------------------------------------------- data
@dataclass
class TrainingData:
    """Normalised HR training images and held-out test images of one modality.

    Attributes:
        modality: "ct" or "mr".
        train, train_masks: [0, 1] HR slices (cropped to multiples of 4) and body masks.
        test, test_masks, test_ids: held-out slices, masks and names.
        test_spacing: HR pixel spacing of each test slice (mm) or None.
        window: (low, high) raw values mapped to [0, 1] ("HU" for CT; per image for MR).
        sha256: source file checksums (for ``run.add_data``).
        description: what went in, in words (for the model card).
    """

    modality: str
    train: list
    train_masks: list
    test: list
    test_masks: list
    test_ids: list
    test_spacing: list
    window: object
    sha256: dict
    description: str
    train_spacing: list = field(default_factory=list)
    train_range: tuple | None = None


def _slices(ds, index: int, max_slices: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """2-D (image, mask) pairs of item ``index``: the slice itself, or every k-th axial slice of a volume."""
    image, mask = np.asarray(ds.images[index], np.float32), ds.masks[index]
    if image.ndim == 2:
        return [(image, mask)]
    step = max(1, image.shape[0] * len(ds) // max(max_slices, 1))
    return [(image[z], None if mask is None else mask[z]) for z in range(0, image.shape[0], step)]


def training_data(modality: str, cfg: MedSRGANConfig, seed: int = 0) -> TrainingData:
    """The paper's data protocol on the data this machine has.

    CT: the training split of real CT slices plus ``n_phantoms`` procedural chest phantoms, HU window
    [−1024, 1024] → [0, 1]; test = the held-out real slices (other patients). MR: the MR training split,
    each slice normalised by its own window; test = the held-out MR slice.

    Args:
        modality: "ct" or "mr".
        cfg: the run's config (data names, phantom count).
        seed: seeds the phantoms.
    """
    if modality not in ("ct", "mr"):
        raise ValueError(f"modality must be 'ct' or 'mr', got {modality!r}")
    name = cfg.ct_data if modality == "ct" else cfg.mr_data
    tr, te = load(name, "train"), load(name, "test")
    norm = (lambda x, w: np.clip((x - w[0]) / (w[1] - w[0]), 0, 1).astype(np.float32))
    train, masks, spacing, lo, hi = [], [], [], np.inf, -np.inf
    for i in range(len(tr)):
        window = HU_WINDOW if modality == "ct" else tr.windows[i]
        for image, mask in _slices(tr, i, cfg.max_train_slices):
            train.append(crop_to_multiple(norm(image, window), 4))
            masks.append(crop_to_multiple(mask if mask is not None else np.ones(image.shape, bool), 4))
            lo, hi = min(lo, float(image.min())), max(hi, float(image.max()))
        if tr.spacing[i] is not None:
            spacing.append(tuple(float(s) for s in tr.spacing[i])[-2:])
    description = f"{name} train split ({len(train)} slices)"
    if modality == "ct" and cfg.n_phantoms:
        for k in range(cfg.n_phantoms):
            p = ct_phantom(cfg.phantom_size, np.random.default_rng([seed, k]))
            train.append(norm(p.image, HU_WINDOW))
            masks.append(p.body_mask)
            spacing.append(p.spacing)
        description += f" + {cfg.n_phantoms} procedural chest phantoms ({cfg.phantom_size}²)"
    test, test_masks, ids, test_spacing = [], [], [], []
    for i in range(len(te)):
        window = HU_WINDOW if modality == "ct" else te.windows[i]
        for j, (image, mask) in enumerate(_slices(te, i, max(cfg.max_train_slices // 10, 1))):
            test.append(crop_to_multiple(norm(image, window), 4))
            test_masks.append(crop_to_multiple(mask, 4))
            ids.append(te.ids[i] if image.ndim == 2 and j == 0 else f"{te.ids[i]}[{j}]")
            test_spacing.append(te.spacing[i])
    window = HU_WINDOW if modality == "ct" else "per image: 0 .. 99.5th percentile"
    return TrainingData(modality, train, masks, test, test_masks, ids, test_spacing, window,
                        {**tr.sha256, **te.sha256}, description, spacing,
                        (lo, hi) if modality == "ct" else None)


def content_features(path: str | None = None):
    """VGG-19 features for the content loss, or the documented pixel fallback.

    Args:
        path: a VGG-19 weights file; None looks for the copy registered with
            ``python -m ganbook data import vgg19 PATH`` (checksum-verified).

    Returns:
        ``(features, is_pretrained, message)`` from :func:`ganbook.models.perceptual_backbone`.
    """
    if path is None:
        from .data.errors import DataError
        from .data.fetch import weights_file

        try:
            path = str(weights_file("vgg19"))
        except DataError:
            path = None
    return perceptual_backbone(path, MEDSRGAN_LAYERS)


# ----------------------------------------------------------------------------------------- training
@dataclass
class SRRun:
    """The two trained generators of one modality and their training history."""

    modality: str
    psnr_model: RWMAN
    gan_model: RWMAN
    discriminator: PairwiseDiscriminator
    history: dict
    weights: MedSRGANWeights
    seconds: float = 0.0


def train_medsrgan(data: TrainingData, cfg: MedSRGANConfig, *, seed: int = 0, device="cpu",
                   features=None) -> SRRun:
    """Train RWMAN(P) with pixel MSE, then continue it as MedSRGAN's generator against the pairwise D.

    One :class:`~ganbook.train.Trainer` run: the pre-training stage is RWMAN(P) (snapshotted when it
    ends), the adversarial stage is MedSRGAN with the modality's loss weights.

    Args:
        data: from :func:`training_data`.
        cfg: sizes and steps.
        seed: initialisation and data order.
        device: where to train.
        features: content-loss features (default: :func:`content_features`).
    """
    torch.manual_seed(seed)
    ct = data.modality == "ct"
    psnr_steps, gan_steps = (cfg.ct_psnr_steps, cfg.ct_gan_steps) if ct else (cfg.mr_psnr_steps, cfg.mr_gan_steps)
    weights = MEDSRGAN_CT if ct else MEDSRGAN_MRI
    features = (features if features is not None else content_features().model).to(device)
    fmt = torch.channels_last
    G = RWMAN(num_features=cfg.num_features, num_groups=cfg.num_groups, num_blocks=cfg.num_blocks, scale=4)
    D = PairwiseDiscriminator(num_features=cfg.d_features, scale=4)
    G, D = G.to(device, memory_format=fmt), D.to(device, memory_format=fmt)
    sampler = PairedPatchSampler(data.train, scale=4, lr_size=cfg.lr_patch, batch_size=cfg.batch_size,
                                 degradation="average", masks=data.train_masks, foreground=0.9)

    def sample(gen):
        lr, hr = sampler(gen)
        return lr.to(device, memory_format=fmt), hr.to(device, memory_format=fmt)

    def pixel_loss(b):
        return F.mse_loss(G(b[0]).float(), b[1])  # RWMAN(P): the paper's MSE

    def g_loss(b):
        lr, hr = b
        sr = G(lr)
        return medsrgan_generator_loss(weights, features, sr, hr, D(lr, hr), D(lr, sr))

    def d_loss(b):
        lr, hr = b
        with torch.no_grad():
            sr = G(lr)
        return medsrgan_discriminator_loss(D(lr, hr)[0], D(lr, sr)[0])

    halve = cfg.ct_halve_every if ct else cfg.mr_halve_every
    opt_g = torch.optim.Adam(G.parameters(), cfg.lr, betas=(0.9, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), cfg.lr, betas=(0.9, 0.999))
    sched_g = torch.optim.lr_scheduler.StepLR(opt_g, halve, 0.5)
    sched_d = torch.optim.lr_scheduler.StepLR(opt_d, halve, 0.5)
    snapshot = {}

    def keep_psnr_model(trainer, step, logs):
        if step == psnr_steps:
            snapshot["G"] = copy.deepcopy(trainer.G).eval()

    log_every = max(1, (psnr_steps + gan_steps) // 40)
    trainer = Trainer(G, sample, TrainConfig(steps=gan_steps, pretrain_steps=psnr_steps, log_every=log_every,
                                             amp=cfg.amp, seed=seed, desc=f"{data.modality} RWMAN(P)→MedSRGAN"),
                      opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss, d_loss=d_loss,
                      pretrain_loss=pixel_loss, sched_g=sched_g, sched_d=sched_d, callbacks=[keep_psnr_model],
                      device=device)
    history = trainer.fit()
    psnr_model = snapshot.get("G", copy.deepcopy(G).eval())
    for model in (psnr_model, G, D):
        model.to(memory_format=torch.contiguous_format).eval()
    return SRRun(data.modality, psnr_model, G, D, history, weights, trainer.seconds)


# --------------------------------------------------------------------------------------- evaluation
def predict(model: torch.nn.Module, lr: np.ndarray, device="cpu") -> np.ndarray:
    """Super-resolve one normalised LR slice (H, W) → (4H, 4W), clipped to [0, 1], float32."""
    with torch.no_grad():
        x = torch.from_numpy(np.ascontiguousarray(lr, np.float32))[None, None].to(device)
        return model(x)[0, 0].float().clamp(0, 1).cpu().numpy()


def _methods(run: SRRun, device) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    return {"bicubic": lambda lr: np.clip(baseline_upsample(lr, "average", 4), 0, 1).astype(np.float32),
            "RWMAN(P)": lambda lr: predict(run.psnr_model, lr, device),
            "MedSRGAN": lambda lr: predict(run.gan_model, lr, device)}


def evaluate(run: SRRun, data: TrainingData, device="cpu") -> tuple[dict, dict]:
    """PSNR / SSIM inside the body, sharpness and consistency of every method on the held-out slices.

    Returns:
        ``(scores, outputs)``: scores[method][metric] = mean over test slices; outputs[i] = {"HR", "LR",
        method: SR image} for test slice i.
    """
    from .sr.common import sr_scores

    outputs = []
    for hr in data.test:
        lr = average_pool(hr, 4)
        outputs.append({"HR": hr, "LR": lr, **{m: fn(lr) for m, fn in _methods(run, device).items()}})
    scores = {m: {} for m in METHODS}
    for out, mask in zip(outputs, data.test_masks):
        for m in METHODS:
            for k, v in sr_scores(out[m], out["HR"], out["LR"], mask, scale=4,
                                  degrade=lambda x: average_pool(x, 4)).items():
                scores[m].setdefault(k, []).append(v)
    return {m: {k: float(np.mean(v)) for k, v in s.items()} for m, s in scores.items()}, outputs


def use_threads(cfg: MedSRGANConfig) -> int:
    """Apply ``cfg.threads`` to torch (0 leaves it); returns the thread count in use."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    return torch.get_num_threads()


def to_hu(x: np.ndarray) -> np.ndarray:
    """[0, 1] back to HU in the paper's [−1024, 1024] window."""
    return np.asarray(x, np.float32) * (HU_WINDOW[1] - HU_WINDOW[0]) + HU_WINDOW[0]


# ---------------------------------------------------------------------------- lesion detectability
def insert_lesions(image: np.ndarray, centres: Sequence[tuple[int, int]], radius: float, contrast: float) -> np.ndarray:
    """Add discs of ``contrast`` (image units) with anti-aliased edges at ``centres`` (row, col)."""
    out = np.array(image, np.float32, copy=True)
    r = int(np.ceil(radius + 1))
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    disc = np.clip(radius + 0.5 - np.hypot(yy, xx), 0.0, 1.0).astype(np.float32) * contrast
    for cy, cx in centres:
        out[cy - r:cy + r + 1, cx - r:cx + r + 1] += disc
    return out


def _soft_tissue(image_hu: np.ndarray, mask: np.ndarray, margin: int) -> np.ndarray:
    """Homogeneous soft tissue: local mean in [−100, 150] HU, local std < 40 HU, ``margin`` inside the body."""
    mean = ndimage.uniform_filter(image_hu, 9)
    std = np.sqrt(np.maximum(ndimage.uniform_filter(image_hu**2, 9) - mean**2, 0))
    inner = ndimage.binary_erosion(mask, iterations=margin, border_value=0)
    return inner & (mean > -100) & (mean < 150) & (std < 40)


def lesion_sites(eligible: np.ndarray, n: int, rng: np.random.Generator, min_distance: float) -> list[tuple[int, int]]:
    """Up to ``n`` random pixels of ``eligible`` at least ``min_distance`` apart."""
    cand = np.flatnonzero(eligible)
    picked: list[tuple[int, int]] = []
    for idx in rng.permutation(cand)[: 200 * n]:
        p = divmod(int(idx), eligible.shape[1])
        if all((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 >= min_distance**2 for q in picked):
            picked.append(p)
            if len(picked) == n:
                break
    return picked


def laguerre_gauss_channels(size: int, width: float, n: int = 5) -> np.ndarray:
    """Laguerre–Gauss channels u_j(r) = exp(−π r²/a²) L_j(2π r²/a²), j < n, on a (size, size) grid.

    The standard channels for detecting a rotationally symmetric signal at a known position (Barrett &
    Myers): a handful of smooth radial profiles summarise a patch with little loss for such signals.
    """
    c = (size - 1) / 2
    yy, xx = np.mgrid[:size, :size]
    g = 2 * np.pi * ((yy - c) ** 2 + (xx - c) ** 2) / width**2
    from scipy.special import eval_laguerre

    chans = np.stack([np.exp(-g / 2) * eval_laguerre(j, g) for j in range(n)])
    return chans / np.linalg.norm(chans.reshape(n, -1), axis=1)[:, None, None]


def cho_detectability(present: np.ndarray, absent: np.ndarray, channels: np.ndarray) -> dict[str, float]:
    """Channelised Hotelling observer: AUC (with its standard error) and d′, lesion-present vs -absent patches.

    The Hotelling template (channel covariance⁻¹ × mean difference) is estimated on the even-numbered
    patches and applied to the odd-numbered ones, so the figures of merit are not inflated by
    resubstitution.

    Args:
        present, absent: (N, P, P) patches centred on the (known) lesion site.
        channels: (J, P, P) channel profiles.
    """
    v1 = np.einsum("nij,cij->nc", present, channels, dtype=np.float64)
    v0 = np.einsum("nij,cij->nc", absent, channels, dtype=np.float64)
    tr1, te1, tr0, te0 = v1[::2], v1[1::2], v0[::2], v0[1::2]
    cov = 0.5 * (np.cov(tr1, rowvar=False) + np.cov(tr0, rowvar=False))
    cov += np.eye(len(cov)) * 1e-6 * max(np.trace(cov), 1e-12)  # ridge: few training patches
    w = np.linalg.solve(cov, tr1.mean(0) - tr0.mean(0))
    t1, t0 = te1 @ w, te0 @ w
    auc = float(((t1[:, None] > t0[None, :]).sum() + 0.5 * (t1[:, None] == t0[None, :]).sum()) / (len(t1) * len(t0)))
    dprime = float((t1.mean() - t0.mean()) / np.sqrt(0.5 * (t1.var(ddof=1) + t0.var(ddof=1)) + 1e-30))
    # Hanley & McNeil (1982) standard error of the AUC: how far apart two AUCs must be to mean anything.
    n1, n0 = len(t1), len(t0)
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    se = float(np.sqrt(max(auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2), 0.0) / (n1 * n0)))
    return {"auc": auc, "dprime": dprime, "auc_se": se}


def _patches(image: np.ndarray, centres, half: int) -> np.ndarray:
    return np.stack([image[r - half:r + half + 1, c - half:c + half + 1] for r, c in centres])


def _blob_filter(radius: float) -> np.ndarray:
    """Centre-surround filter: disc mean minus ring mean (r .. 2.5r); a disc of contrast c responds ≈ c."""
    r = int(np.ceil(2.5 * radius + 1))
    d = np.hypot(*np.mgrid[-r:r + 1, -r:r + 1])
    disc, ring = d <= radius, (d > radius + 1) & (d <= 2.5 * radius + 1)
    return disc / disc.sum() - ring / ring.sum()


def count_blobs(image: np.ndarray, region: np.ndarray, radius: float, threshold: float) -> np.ndarray:
    """Centres (K, 2) of bright lesion-like blobs: local maxima of the centre-surround response > threshold."""
    resp = ndimage.convolve(np.asarray(image, np.float64), _blob_filter(radius), mode="reflect")
    peaks = (resp == ndimage.maximum_filter(resp, size=int(4 * radius) | 1)) & (resp > threshold) & region
    return np.argwhere(peaks)


def false_lesions(sr: np.ndarray, hr: np.ndarray, region: np.ndarray, radius: float, threshold: float,
                  tolerance: float = 4.0) -> dict[str, int]:
    """Blobs in SR with no HR blob within ``tolerance`` px (invented) and HR blobs SR lost (in lesion-free images)."""
    a, b = count_blobs(sr, region, radius, threshold), count_blobs(hr, region, radius, threshold)

    def unmatched(x, y):
        if not len(x):
            return 0
        if not len(y):
            return len(x)
        d = np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)).min(1)
        return int((d > tolerance).sum())

    return {"blobs": len(a), "invented": unmatched(a, b), "lost": unmatched(b, a)}


@dataclass
class LesionStudy:
    """Results of :func:`lesion_study`.

    Attributes:
        contrasts: lesion contrasts (HU).
        scores: scores[method][contrast] = {"auc", "dprime"}.
        false: false[method] = {"blobs", "invented", "lost"} summed over lesion-free test slices.
        examples: examples[method] = one lesion-present patch per contrast (HU), for the figure.
        n_present: lesion-present patches per contrast (as many absent).
        threshold_hu: blob threshold of the false-lesion count.
    """

    contrasts: tuple
    scores: dict
    false: dict
    examples: dict
    n_present: int
    threshold_hu: float


def lesion_study(run: SRRun, data: TrainingData, cfg: MedSRGANConfig, *, seed: int = 0, device="cpu") -> LesionStudy:
    """Insert nodules of known contrast into held-out CT slices, degrade, super-resolve, and detect them.

    For each test slice and realisation, ``lesion_sites`` discs are added at random homogeneous
    soft-tissue sites and as many other sites stay lesion-free; the slice is average-pooled ×4 and
    super-resolved by each method ("HR" = the lesion image itself, no degradation). A channelised
    Hotelling observer (5 Laguerre–Gauss channels) reads 25×25 patches at the known sites. False
    lesions: blobs at least half as strong as the weakest studied lesion, found in the SR of the
    lesion-free slice but not in its HR.
    """
    rng = np.random.default_rng([seed, 1])
    methods = {"HR": None, **_methods(run, device)}
    half, radius = 12, cfg.lesion_radius_px
    channels = laguerre_gauss_channels(2 * half + 1, 3 * radius)
    to_unit = 1.0 / (HU_WINDOW[1] - HU_WINDOW[0])
    present = {m: {c: [] for c in cfg.lesion_contrasts} for m in methods}
    absent = {m: {c: [] for c in cfg.lesion_contrasts} for m in methods}
    examples = {m: [] for m in methods}
    threshold = cfg.blob_threshold_hu
    false = {m: {"blobs": 0, "invented": 0, "lost": 0} for m in methods if m != "HR"}
    for hr, mask in zip(data.test, data.test_masks):
        eligible = _soft_tissue(to_hu(hr), mask, margin=half + 4)
        eligible[:half + 1], eligible[-half - 1:], eligible[:, :half + 1], eligible[:, -half - 1:] = False, False, False, False
        lr0 = average_pool(hr, 4)
        for m, fn in methods.items():  # lesion-free slice: does SR create lesion-like blobs?
            if fn is not None:
                counts = false_lesions(to_hu(fn(lr0)), to_hu(hr), eligible, radius, threshold)
                for k in counts:
                    false[m][k] += counts[k]
        for _ in range(cfg.lesion_realisations):
            sites = lesion_sites(eligible, 2 * cfg.lesion_sites, rng, min_distance=4 * half)
            k = len(sites) // 2
            if k < 2:
                continue
            with_lesion, without = sites[:k], sites[k:2 * k]
            for c in cfg.lesion_contrasts:
                img = insert_lesions(hr, with_lesion, radius, c * to_unit)
                lr = average_pool(img, 4)
                for m, fn in methods.items():
                    out = to_hu(img if fn is None else fn(lr))
                    present[m][c].append(_patches(out, with_lesion, half))
                    absent[m][c].append(_patches(out, without, half))
                    if len(examples[m]) < len(cfg.lesion_contrasts) and len(present[m][c]) == 1:
                        examples[m].append(present[m][c][0][0])
    scores = {m: {c: cho_detectability(np.concatenate(present[m][c]), np.concatenate(absent[m][c]), channels)
                  for c in cfg.lesion_contrasts} for m in methods}
    n = len(np.concatenate(present["HR"][cfg.lesion_contrasts[0]]))
    return LesionStudy(tuple(cfg.lesion_contrasts), scores, false, examples, n, threshold)


# ---------------------------------------------------------------------------------------- exporting
def save_models(run: SRRun, data: TrainingData, scores: Mapping[str, Mapping[str, float]], folder, profile: str):
    """Save RWMAN(P) and MedSRGAN with model cards under ``folder`` (for ``python -m ganbook upscale``).

    Returns:
        {method: path of the checkpoint's JSON}.
    """
    from pathlib import Path

    from .sr.export import ModelCard, save_sr_model

    if data.modality == "ct":
        intensity = {"kind": "window", "low": HU_WINDOW[0], "high": HU_WINDOW[1]}
    else:
        intensity = {"kind": "percentile", "low": 0.0, "high": 99.5}
    spacing = None
    if data.train_spacing:
        arr = np.array(data.train_spacing, np.float64)
        spacing = [[float(arr[:, a].min()), float(arr[:, a].max())] for a in range(arr.shape[1])]
    paths = {}
    for method, model in (("RWMAN(P)", run.psnr_model), ("MedSRGAN", run.gan_model)):
        card = ModelCard(model="rwman", config=dataclasses.asdict(model.config), method=method, scale=4,
                         spatial_dims=2, modality=data.modality, intensity=intensity, degradation="average_pool",
                         trained_spacing=spacing, trained_range=list(data.train_range) if data.train_range else None,
                         data=data.description,
                         metrics={**{k: round(v, 4) for k, v in scores[method].items()},
                                  "bicubic_psnr": round(scores["bicubic"]["psnr"], 4)},
                         notebook="01_medsrgan", profile=profile)
        slug = f"{data.modality}_{'rwman_p' if method == 'RWMAN(P)' else 'medsrgan'}"
        paths[method] = save_sr_model(Path(folder) / slug, model, card)
    return paths


# ------------------------------------------------------------------------------------------- widget
BANNER = "Research and teaching only — not for diagnosis"


def comparison_widget(images: Mapping[str, np.ndarray], reference: str = "bicubic", hu: bool = True):
    """Before/after split view: drag the split between ``reference`` and a chosen method, pick a window.

    Args:
        images: name → HR-sized image in [0, 1] (e.g. {"HR", "bicubic", "RWMAN(P)", "MedSRGAN"}).
        reference: shown left of the split.
        hu: images are CT ([0, 1] = [−1024, 1024] HU) and get the lung / soft-tissue window presets.

    Returns:
        An ``ipywidgets.VBox`` (display it).
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    names = [n for n in images if n != reference]
    windows = {"lung [-1200, 0]": WINDOWS["lung"], "soft tissue [-160, 240]": WINDOWS["soft_tissue"],
               "full [-1024, 1024]": HU_WINDOW} if hu else {"full [0, 1]": (0.0, 1.0)}
    method = w.Dropdown(options=names, value=names[-1], description="right")
    window = w.Dropdown(options=list(windows), description="window")
    split = w.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, description="split", continuous_update=False)
    out = w.Output()

    def render(change=None):
        with out:
            out.clear_output(wait=True)
            fig = split_view(images[reference], images[method.value], split.value, windows[window.value], hu,
                             f"{reference} | {method.value}")
            plt.show()

    for control in (method, window, split):
        control.observe(render, names="value")
    render()
    return w.VBox([w.HTML(f"<b style='color:#b00'>{BANNER}</b>"), w.HBox([method, window]), split, out])


def split_view(left: np.ndarray, right: np.ndarray, position: float, window, hu: bool, title: str = ""):
    """One figure: ``left`` up to ``position`` of the width, ``right`` after it, in ``window``."""
    import matplotlib.pyplot as plt

    conv = to_hu if hu else (lambda x: x)
    a, b = conv(left), conv(right)
    cut = int(round(position * a.shape[1]))
    img = np.concatenate([a[:, :cut], b[:, cut:]], axis=1)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(img, cmap="gray", vmin=window[0], vmax=window[1])
    ax.axvline(cut - 0.5, color="y", lw=0.8)
    ax.set_title(f"{title}\n{BANNER}", fontsize=8)
    ax.axis("off")
    return fig


# ------------------------------------------------------------------------------------------ figures
def crop_box(mask: np.ndarray, size: int) -> tuple[int, int, int]:
    """A (row, col, size) square centred on the mask's centre of mass, kept inside the image."""
    size = min(size, *mask.shape)
    r, c = (int(v) for v in ndimage.center_of_mass(mask)) if mask.any() else (mask.shape[0] // 2, mask.shape[1] // 2)
    r = int(np.clip(r - size // 2, 0, mask.shape[0] - size))
    c = int(np.clip(c - size // 2, 0, mask.shape[1] - size))
    return r, c, size


def hallucination_figure(out: Mapping[str, np.ndarray], box: tuple[int, int, int], hu: bool = True):
    """Per SR method: the crop, |SR − HR|, the consistency residual avgpool(SR) − LR, and SR − RWMAN(P).

    A faithful model keeps the consistency residual near zero; structure in "SR − RWMAN(P)" that is
    absent from "|SR − HR|"'s counterpart for RWMAN(P) is what the GAN added beyond the PSNR model.
    """
    import matplotlib.pyplot as plt

    conv = to_hu if hu else (lambda x: x)
    unit = 2048.0 if hu else 1.0
    r, c, s = box
    cut = (slice(r, r + s), slice(c, c + s))
    lr_cut = (slice(r // 4, (r + s) // 4), slice(c // 4, (c + s) // 4))
    fig, axes = plt.subplots(len(METHODS), 4, figsize=(8.4, 2.2 * len(METHODS)), squeeze=False)
    win = WINDOWS["soft_tissue"] if hu else (0.0, 1.0)
    err_max = 0.05 * unit
    for i, m in enumerate(METHODS):
        sr = out[m]
        residual = (average_pool(sr, 4) - out["LR"])[lr_cut] * unit
        diff = (sr - out["RWMAN(P)"])[cut] * unit
        panels = [(conv(sr)[cut], "gray", *win, f"{m}"), (np.abs(sr - out["HR"])[cut] * unit, "magma", 0, err_max, "|SR − HR|"),
                  (residual, "RdBu_r", -err_max / 2, err_max / 2, "avgpool(SR) − LR"),
                  (diff, "RdBu_r", -err_max / 2, err_max / 2, "SR − RWMAN(P)")]
        for ax, (img, cmap, lo, hi, title) in zip(axes[i], panels):
            im = ax.imshow(img, cmap=cmap, vmin=lo, vmax=hi)
            ax.set_title(title, fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == len(METHODS) - 1 and cmap != "gray":
                fig.colorbar(im, ax=ax, orientation="horizontal", fraction=0.05, pad=0.04,
                             label="HU" if hu else "[0, 1] units")
    fig.suptitle(BANNER, color="#b00", fontsize=9)
    fig.tight_layout()
    return fig


def lesion_figure(study: LesionStudy):
    """AUC and d′ against lesion contrast per method, and one lesion patch per method and contrast."""
    import matplotlib.pyplot as plt

    methods = list(study.scores)
    fig = plt.figure(figsize=(9, 3.2 + 1.1 * len(methods)))
    top = fig.add_gridspec(2, 2, height_ratios=[3.0, 1.1 * len(methods)], hspace=0.35)
    for k, key in enumerate(("auc", "dprime")):
        ax = fig.add_subplot(top[0, k])
        for m in methods:
            ax.plot(study.contrasts, [study.scores[m][c][key] for c in study.contrasts], "-o", ms=3, label=m)
        ax.set_xlabel("nodule contrast (HU)")
        ax.set_ylabel({"auc": "AUC (CHO)", "dprime": "d′ (CHO)"}[key])
        if key == "auc":
            ax.axhline(0.5, ls=":", color="gray", lw=0.8)
            ax.legend(fontsize=7, frameon=False)
    grid = top[1, :].subgridspec(len(methods), len(study.contrasts), hspace=0.05, wspace=0.05)
    for i, m in enumerate(methods):
        for j, c in enumerate(study.contrasts):
            ax = fig.add_subplot(grid[i, j])
            if j < len(study.examples[m]):
                ax.imshow(study.examples[m][j], cmap="gray", vmin=-160, vmax=240)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(m, fontsize=7)
            if i == 0:
                ax.set_title(f"+{c:g} HU", fontsize=7)
    fig.suptitle(f"Lesion detectability on held-out CT ({study.n_present} lesion-present and as many lesion-absent "
                 f"sites per contrast) — {BANNER}", fontsize=8)
    return fig


def conclusion(scores: Mapping[str, Mapping[str, Mapping[str, float]]], study: LesionStudy) -> str:
    """Plain-language findings computed from the measured numbers (no claim without its number)."""
    lines = []
    for ds, s in scores.items():
        best = max(METHODS, key=lambda m: s[m]["psnr"])
        lines.append(f"{ds.upper()}: highest PSNR inside the body: {best} ({s[best]['psnr']:.2f} dB; bicubic "
                     f"{s['bicubic']['psnr']:.2f} dB, RWMAN(P) {s['RWMAN(P)']['psnr']:.2f} dB, MedSRGAN "
                     f"{s['MedSRGAN']['psnr']:.2f} dB).")
    sr = [m for m in study.scores if m != "HR"]
    mean_auc = {m: float(np.mean([study.scores[m][c]["auc"] for c in study.contrasts])) for m in study.scores}
    top = max(mean_auc[m] for m in sr)
    # differences below the AUC's standard error (Hanley & McNeil, averaged over contrasts) are ties
    margin = max(0.005, float(np.mean([study.scores[m][c].get("auc_se", 0.0) for m in sr for c in study.contrasts])))
    best = [m for m in sr if mean_auc[m] >= top - margin]
    lines.append(f"Lesions: mean CHO AUC over {', '.join(f'{c:g}' for c in study.contrasts)} HU — "
                 + ", ".join(f"{m} {mean_auc[m]:.3f}" for m in study.scores)
                 + f" (standard error about {margin:.3f}). Of the super-resolved images, {' and '.join(best)} "
                 + ("preserved the inserted nodules best" if len(best) == 1 else
                    "preserved the inserted nodules equally well within that error")
                 + (f"; all stay below HR itself ({mean_auc['HR']:.3f}): none recovers what 4x4 pooling removed."
                    if "HR" in mean_auc and top < mean_auc["HR"] - margin else "."))
    inv = {m: study.false[m]["invented"] for m in study.false}
    ref = inv.get("bicubic", 0)
    extra = {m: inv[m] - ref for m in inv if m != "bicubic" and inv[m] > ref}
    lines.append(f"False lesions (blobs ≥ {study.threshold_hu:g} HU centre-surround contrast in SR of lesion-free "
                 "slices with no HR blob within 4 px): " + ", ".join(f"{m} {v}" for m, v in inv.items()) + ". "
                 + ("; ".join(f"{m} made {d} more than bicubic interpolation" for m, d in extra.items())
                    + " — lesion-like structure that is not in the HR slice, i.e. invented." if extra else
                    "No network produced more such blobs than bicubic interpolation: no invented lesions at "
                    "this threshold.")
                 + " HR blobs lost: " + ", ".join(f"{m} {study.false[m]['lost']}" for m in study.false) + ".")
    return "\n".join(lines)
