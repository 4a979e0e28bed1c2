"""Retinal-ESRGAN (notebook 02): ESRGAN adapted to colour fundus photographs.

The Retinal-ESRGAN paper (Deepthi & Shastry, IEEE Access 2023) was not available to us, so this is
ESRGAN (Wang et al. 2018; methods.md §3, §8.3) applied to fundus images. What is ESRGAN:

* generator RRDBNet (``ganbook.models``), VGG-style discriminator sized to the HR patch;
* stage 1 "RRDB(P)": L1 only (PSNR-oriented); stage 2 "ESRGAN": from stage 1 with
  L_percep + 5e-3·RaGAN + 1e-2·L1 (``ganbook.losses.ESRGAN``); Adam β1 0.9;
* network interpolation θ = (1 − α)·θ_PSNR + α·θ_GAN.

Our adaptations (each a choice, stated in the notebook):

* ×4 at the data layer's working scale (the photo at 1/2 size, 704 px): at native size it is so
  smooth that bicubic already reaches 42 dB and there is nothing to learn;
* training on the upper band of the photo plus procedural fundus phantoms with sharp vessels
  (``ganbook.data.fundus_phantom``); testing on the lower band and on the microaneurysm crop;
* residual generator (``residual_interp=True``): it predicts the correction to bicubic, because a
  plain RRDBNet trained for minutes on a CPU stays below bicubic;
* patches centred on the field of view 90 % of the time; metrics inside the FOV mask;
* ``demo``: nf32 nb4, a few hundred steps at a constant learning rate with an EMA of the weights
  (decay 0.99), BasicSR's β2 = 0.99.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .data import load
from .data.degrade import bicubic_down, crop_to_multiple, upsample
from .data.fundus_phantom import fundus_phantom
from .data.patches import PairedPatchSampler
from .losses import ESRGAN, esrgan_discriminator_loss, esrgan_generator_loss
from .metrics import gradient_magnitude_ratio, psnr, ssim, vessel_correlation
from .models import RRDBNet, VGGStyleDiscriminator, interpolate_networks
from .sr.export import ModelCard, save_sr_model
from .sr.tiling import tiled_apply
from .train import TrainConfig, Trainer

__all__ = ["RetinalESRGANConfig", "PROFILES", "TILED_TOLERANCE", "FundusImage", "training_images", "test_images",
           "data_sources", "make_sampler", "build_generator", "degrade", "bicubic", "train_psnr", "train_gan",
           "interpolated", "alpha_name", "super_resolve", "evaluate", "Evaluation", "evaluate_all",
           "find_microaneurysms", "microaneurysm_contrast", "vessel_box", "model_card", "save_model"]

# Tiled vs one-shot inference of a trained demo RRDB (receptive field far beyond the overlap, so the
# cross-fade is not bit-exact): measured max |Δ| ≈ 1e-3 on [0, 1] values; this is the bound we test.
TILED_TOLERANCE = 1e-2


@dataclass(frozen=True)
class RetinalESRGANConfig:
    """Sizes and schedules for notebook 02 (ESRGAN's values in ``paper``; see the module doc)."""

    scale: int = 4
    num_features: int = 32          # RRDBNet nf (paper 64)
    num_blocks: int = 4             # RRDBs nb (paper 23)
    growth: int = 32                # dense growth gc (paper 32)
    d_features: int = 32            # VGG discriminator width (paper 64)
    lr_patch: int = 32              # LR patch; the HR patch is lr_patch·scale (paper 128 HR)
    batch_size: int = 16            # paper 16
    pretrain_steps: int = 400       # stage 1 (L1)
    gan_steps: int = 40             # stage 2 (perceptual + RaGAN + L1)
    lr_psnr: float = 2e-4           # paper 2e-4
    lr_gan: float = 1e-4            # paper 1e-4 (G and D)
    beta2: float = 0.99             # BasicSR 0.99 (paper text 0.999)
    schedule: str = "constant"      # cosine (anneal to 0) | constant | paper (halve: stage 1 every 200k,
    #                                 stage 2 at 50k/100k/200k/300k)
    ema: float = 0.99               # EMA decay of G's weights (BasicSR 0.999: too slow for a few hundred steps)
    phantoms: int = 2               # procedural fundus phantoms added to the training pool
    phantom_size: int = 256         # 2 x 256² phantoms: about a third of the patches, the rest real
    foreground: float = 0.9         # fraction of patches centred in the field of view
    train_sets: str = "retina"      # comma-separated registry names (paper: drive,stare,chase_db1)
    max_test_images: int = 4        # per local test set (the embedded retina band is one image)
    alphas: tuple = (0.2, 0.4, 0.6, 0.8)
    tile: int = 64                  # LR tile for full-image inference
    overlap: int = 16               # LR overlap between tiles
    amp: bool = True                # bf16 autocast + channels_last for training
    checkpoint_every: int = 0       # trainer checkpoints (resume) every this many steps; 0 = none

    def __post_init__(self):
        if self.schedule not in ("cosine", "constant", "paper"):
            raise ValueError(f"RetinalESRGANConfig.schedule must be cosine, constant or paper, got {self.schedule!r}")
        if any(not 0.0 < a < 1.0 for a in self.alphas):
            raise ValueError(f"RetinalESRGANConfig.alphas must lie strictly between 0 and 1, got {self.alphas!r}")


PROFILES = {
    "smoke": RetinalESRGANConfig(num_features=8, num_blocks=1, growth=8, d_features=8, lr_patch=16, batch_size=4,
                                 pretrain_steps=12, gan_steps=4, phantoms=1, phantom_size=256, alphas=(0.5,),
                                 tile=32, overlap=8),
    "demo": RetinalESRGANConfig(),
    "paper": RetinalESRGANConfig(num_features=64, num_blocks=23, d_features=64, pretrain_steps=1_000_000,
                                 gan_steps=400_000, beta2=0.999, schedule="paper", ema=0.999, phantoms=0,
                                 train_sets="drive,stare,chase_db1", max_test_images=20, tile=128, overlap=32,
                                 checkpoint_every=5000, alphas=(0.2, 0.4, 0.6, 0.8)),
}


# --------------------------------------------------------------------------------------------- data
@dataclass(eq=False)
class FundusImage:
    """An HR fundus image in [0, 1] (3, H, W) or (H, W), its FOV mask and where it comes from."""

    name: str
    image: np.ndarray
    mask: np.ndarray


def _items(name: str, split: str, limit: int | None = None) -> list[FundusImage]:
    ds = load(name, split)
    n = len(ds) if limit is None else min(limit, len(ds))
    return [FundusImage(f"{name}:{ds.ids[i]}", np.asarray(ds.normalised(i), np.float32), np.asarray(ds.masks[i], bool))
            for i in range(n)]


def training_images(cfg: RetinalESRGANConfig, seed: int = 0) -> list[FundusImage]:
    """The training pool: ``cfg.train_sets`` train splits plus ``cfg.phantoms`` phantoms."""
    pool = [item for name in cfg.train_sets.split(",") if name.strip() for item in _items(name.strip(), "train")]
    for k in range(cfg.phantoms):
        p = fundus_phantom(cfg.phantom_size, seed * 1000 + k)
        pool.append(FundusImage(f"fundus_phantom:{seed * 1000 + k}", p.image, p.fov_mask))
    return pool


def test_images(cfg: RetinalESRGANConfig) -> list[FundusImage]:
    """Held-out images: each train set's test split (the retina lower band) and the microaneurysm crop."""
    items = [it for name in cfg.train_sets.split(",") if name.strip()
             for it in _items(name.strip(), "test", cfg.max_test_images)]
    return items + _items("microaneurysms", "test")


def data_sources(cfg: RetinalESRGANConfig) -> dict[str, str | None]:
    """``{"dataset:file": sha256}`` of the real data used (for ``run.add_data``); local sets list their name."""
    out: dict[str, str | None] = {}
    for name in [n.strip() for n in cfg.train_sets.split(",") if n.strip()] + ["microaneurysms"]:
        sha = load(name, "test").sha256
        out.update({f"{name}:{f}": s for f, s in sha.items()} if sha else {name: None})
    return out


def make_sampler(images: Sequence[FundusImage], cfg: RetinalESRGANConfig, device: Any = "cpu") -> Callable:
    """``sample(generator) -> (lr, hr)`` bicubic ×scale patch pairs on ``device`` (channels_last with amp)."""
    sampler = PairedPatchSampler([im.image for im in images], scale=cfg.scale, lr_size=cfg.lr_patch,
                                 batch_size=cfg.batch_size, degradation="bicubic", masks=[im.mask for im in images],
                                 foreground=cfg.foreground)
    fmt = torch.channels_last if cfg.amp else torch.contiguous_format

    def sample(generator: torch.Generator):
        lr, hr = sampler(generator)  # bicubic LR can overshoot [0, 1] slightly; kept, as in MATLAB's imresize
        return lr.to(device).contiguous(memory_format=fmt), hr.to(device).contiguous(memory_format=fmt)

    return sample


# --------------------------------------------------------------------------------------------- training
def build_generator(cfg: RetinalESRGANConfig) -> RRDBNet:
    return RRDBNet(num_features=cfg.num_features, num_blocks=cfg.num_blocks, growth=cfg.growth, scale=cfg.scale)


def _schedule(opt, cfg: RetinalESRGANConfig, steps: int, milestones: Sequence[int]):
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1))
    if cfg.schedule == "constant":
        return None
    return torch.optim.lr_scheduler.MultiStepLR(opt, list(milestones), gamma=0.5)


def _trainer_config(cfg: RetinalESRGANConfig, checkpoint_dir, desc: str, seed: int, **steps) -> TrainConfig:
    return TrainConfig(**steps, amp=cfg.amp, ema=cfg.ema, seed=seed, desc=desc, log_every=10,
                       checkpoint_every=cfg.checkpoint_every if checkpoint_dir else 0,
                       checkpoint_dir=str(checkpoint_dir) if checkpoint_dir else None)


def train_psnr(sample: Callable, cfg: RetinalESRGANConfig, *, seed: int = 0, device: Any = "cpu",
               checkpoint_dir=None) -> tuple[RRDBNet, dict]:
    """Stage 1: RRDBNet with L1 only → "RRDB(P)". Returns (model in eval mode, loss history).

    Args:
        sample: from :func:`make_sampler`.
        cfg: the profile's config.
        seed: initialisation and data seed.
        device: where to train.
        checkpoint_dir: trainer checkpoints for resuming long runs (None: none).
    """
    torch.manual_seed(seed)
    G = build_generator(cfg).to(device)
    if cfg.amp:
        G = G.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(G.parameters(), cfg.lr_psnr, betas=(0.9, cfg.beta2))
    sched = _schedule(opt, cfg, cfg.pretrain_steps, range(200_000, cfg.pretrain_steps, 200_000))

    def l1(batch):
        lr, hr = batch
        return F.l1_loss(G(lr).float(), hr)

    trainer = Trainer(G, sample, _trainer_config(cfg, checkpoint_dir, "stage 1 (L1)", seed, steps=0,
                                                 pretrain_steps=cfg.pretrain_steps),
                      opt_g=opt, pretrain_loss=l1, sched_g=sched, device=device)
    history = trainer.fit(resume=bool(checkpoint_dir and cfg.checkpoint_every))
    return _final(trainer), history


def train_gan(psnr_model: RRDBNet, sample: Callable, cfg: RetinalESRGANConfig, features, *, seed: int = 0,
              device: Any = "cpu", checkpoint_dir=None) -> tuple[RRDBNet, VGGStyleDiscriminator, dict]:
    """Stage 2 from stage 1: L_percep + 5e-3·L_G^Ra + 1e-2·L1 against a VGG-style D → "ESRGAN".

    Args:
        psnr_model: the stage-1 model (copied, not modified).
        sample: from :func:`make_sampler`.
        cfg: the profile's config.
        features: perceptual feature extractor (``perceptual_backbone(...).model``; the pixel fallback
            turns L_percep into L1).
        seed, device, checkpoint_dir: as in :func:`train_psnr`.
    """
    torch.manual_seed(seed + 1)
    G = copy.deepcopy(psnr_model).train().requires_grad_(True)
    D = VGGStyleDiscriminator(num_features=cfg.d_features, patch_size=cfg.lr_patch * cfg.scale).to(device)
    features = features.to(device)
    if cfg.amp:
        G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
    opt_g = torch.optim.Adam(G.parameters(), cfg.lr_gan, betas=(0.9, cfg.beta2))
    opt_d = torch.optim.Adam(D.parameters(), cfg.lr_gan, betas=(0.9, cfg.beta2))
    milestones = [m for m in (50_000, 100_000, 200_000, 300_000) if m < cfg.gan_steps]

    def g_loss(batch):
        lr, hr = batch
        sr = G(lr)
        return esrgan_generator_loss(ESRGAN, features, sr, hr, D(hr), D(sr))

    def d_loss(batch):
        lr, hr = batch
        with torch.no_grad():
            sr = G(lr)
        return esrgan_discriminator_loss(D(hr), D(sr.float()))

    trainer = Trainer(G, sample, _trainer_config(cfg, checkpoint_dir, "stage 2 (ESRGAN)", seed + 1,
                                                 steps=cfg.gan_steps),
                      opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss, d_loss=d_loss,
                      sched_g=_schedule(opt_g, cfg, cfg.gan_steps, milestones),
                      sched_d=_schedule(opt_d, cfg, cfg.gan_steps, milestones), device=device)
    history = trainer.fit(resume=bool(checkpoint_dir and cfg.checkpoint_every))
    return _final(trainer), D.eval(), history


def _final(trainer: Trainer) -> RRDBNet:
    model = trainer.G_ema if trainer.G_ema is not None else trainer.G
    return model.to(memory_format=torch.contiguous_format).eval().requires_grad_(False)


def interpolated(psnr_model: RRDBNet, gan_model: RRDBNet, alpha: float) -> RRDBNet:
    """A new RRDBNet with θ = (1 − α)·θ_PSNR + α·θ_GAN (ESRGAN §3.4); α = 0 and 1 are exact copies."""
    model = copy.deepcopy(psnr_model)
    model.load_state_dict(interpolate_networks(psnr_model.state_dict(), gan_model.state_dict(), alpha))
    return model.eval()


def alpha_name(alpha: float) -> str:
    """The metrics name of an interpolated model: "ESRGAN(alpha=0.2)"."""
    return f"ESRGAN(alpha={alpha:g})"


# --------------------------------------------------------------------------------------------- inference
def super_resolve(model: RRDBNet, lr: np.ndarray, *, device: Any = "cpu", tile: int | None = None,
                  overlap: int = 16, batch_size: int = 4) -> np.ndarray:
    """Super-resolve one LR image (3, h, w) or (h, w) in [0, 1]; float32 inference, clipped to [0, 1].

    Grey images (the microaneurysm crop is a green channel) are replicated to RGB and the three
    output channels averaged (our choice; the model was trained on colour photographs).

    Args:
        model: a trained RRDBNet in eval mode.
        lr: the LR image.
        device: where the model runs.
        tile: LR tile size for :func:`ganbook.sr.tiling.tiled_apply` (None: the whole image at once).
        overlap: LR overlap between tiles.
        batch_size: tiles per model call (bounds the memory with ``tile``).
    """
    grey = lr.ndim == 2
    x = torch.from_numpy(np.ascontiguousarray(np.repeat(lr[None], 3, 0) if grey else lr))[None].float()
    scale = model.config.scale
    if tile is None:
        with torch.no_grad():
            y = model(x.to(device)).cpu()
    else:
        y = tiled_apply(model, x, scale, tile, overlap, 2, batch_size=batch_size, device=device)
    y = y[0].clamp(0.0, 1.0).numpy()
    return y.mean(0) if grey else y


def degrade(hr: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """(HR cropped to a multiple of ``scale``, its bicubic LR)."""
    hr = crop_to_multiple(hr, scale)
    return hr, bicubic_down(hr, scale)


# --------------------------------------------------------------------------------------------- evaluation
def _green(x: np.ndarray) -> np.ndarray:
    return x[1] if x.ndim == 3 else x  # the green channel carries the vessel contrast in fundus photos


def find_microaneurysms(hr: np.ndarray, *, sigmas=(1.5, 4.0), isotropy: float = 0.5,
                        relative: float = 0.5) -> np.ndarray:
    """Dark round blobs of a fundus green channel: (K, 3) rows of (row, col, sigma).

    Laplacian-of-Gaussian blobs, kept when the Hessian at the blob's scale curves up equally in both
    directions (eigenvalue ratio ≥ ``isotropy``: vessels are elongated) and at least ``relative`` as
    strongly as the strongest one, away from the border. Our detector, for the contrast measure.
    """
    from skimage.feature import blob_log, hessian_matrix, hessian_matrix_eigvals

    g = _green(hr).astype(np.float64)
    blobs = blob_log(1.0 - g, min_sigma=sigmas[0], max_sigma=sigmas[1], num_sigma=6, threshold=0.02)
    keep, strength = [], []
    for r, c, s in blobs:
        margin = 4 * s
        if not (margin <= r < g.shape[0] - margin and margin <= c < g.shape[1] - margin):
            continue
        ev = hessian_matrix_eigvals(hessian_matrix(g, sigma=s, order="rc", use_gaussian_derivatives=True))
        lo, hi = sorted(ev[:, int(r), int(c)])
        if lo > 0 and lo / hi >= isotropy:
            keep.append((r, c, s))
            strength.append(lo)
    if not keep:
        return np.zeros((0, 3))
    keep, strength = np.array(keep), np.array(strength)
    return keep[strength >= relative * strength.max()]


def microaneurysm_contrast(image: np.ndarray, blobs: np.ndarray) -> float:
    """Mean over blobs of (ring mean − core mean) of the green channel: core r ≤ σ, ring 2.5σ < r ≤ 4σ."""
    g = _green(image).astype(np.float64)
    yy, xx = np.mgrid[0:g.shape[0], 0:g.shape[1]]
    values = []
    for r, c, s in blobs:
        d = np.hypot(yy - r, xx - c)
        values.append(g[(d > 2.5 * s) & (d <= 4 * s)].mean() - g[d <= s].mean())
    return float(np.mean(values)) if values else math.nan


def evaluate(hr: np.ndarray, sr: np.ndarray, mask: np.ndarray, *, blobs: np.ndarray | None = None) -> dict[str, float]:
    """Metrics of one SR image against its HR reference inside the FOV ``mask``.

    psnr / ssim: RGB (or grey) in [0, 1]; vessel_corr: Frangi response correlation on the green
    channel; grad_ratio: mean gradient magnitude SR / HR on the green channel (sharpness, the
    perception axis); ma_contrast_ratio: microaneurysm contrast SR / HR when ``blobs`` are given.
    """
    full = np.broadcast_to(mask, hr.shape)
    out = {"psnr": psnr(hr, sr, 1.0, full),
           "ssim": ssim(hr, sr, 1.0, mask, channel_axis=0 if hr.ndim == 3 else None),
           "vessel_corr": vessel_correlation(_green(hr), _green(sr), mask),
           "grad_ratio": gradient_magnitude_ratio(_green(sr), _green(hr), mask)}
    if blobs is not None and len(blobs):
        out["ma_contrast_ratio"] = microaneurysm_contrast(sr, blobs) / microaneurysm_contrast(hr, blobs)
    return out


@dataclass(eq=False)
class Evaluation:
    """Per dataset: mean metrics per method, and the first image's HR / LR / SR arrays for figures."""

    metrics: dict[str, dict[str, dict[str, float]]]   # dataset -> method -> metric -> mean
    hr: dict[str, np.ndarray]
    mask: dict[str, np.ndarray]
    sr: dict[str, dict[str, np.ndarray]]               # dataset -> method -> SR image
    blobs: dict[str, np.ndarray]


def evaluate_all(images: Sequence[FundusImage], models: Mapping[str, RRDBNet], scale: int, *,
                 device: Any = "cpu") -> Evaluation:
    """Bicubic and every model on every held-out image (×``scale`` bicubic LR), metrics averaged per dataset.

    Microaneurysm contrast is measured where :func:`find_microaneurysms` finds blobs in the HR image
    (only the microaneurysm crop has them; the photo's lower band has none at this scale).

    Args:
        images: from :func:`test_images`.
        models: method name -> trained model ("RRDB(P)", "ESRGAN", "ESRGAN(alpha=0.2)", ...).
        scale: the SR factor.
        device: where the models run.
    """
    sums: dict[str, dict[str, dict[str, list[float]]]] = {}
    ev = Evaluation({}, {}, {}, {}, {})
    for item in images:
        dataset = item.name.split(":")[0]
        hr, lr = degrade(item.image, scale)
        mask = crop_to_multiple(item.mask, scale)
        blobs = find_microaneurysms(hr) if dataset == "microaneurysms" else None
        outputs = {"bicubic": bicubic(lr, scale), **{m: super_resolve(g, lr, device=device) for m, g in models.items()}}
        for method, sr in outputs.items():
            for metric, value in evaluate(hr, sr, mask, blobs=blobs).items():
                sums.setdefault(dataset, {}).setdefault(method, {}).setdefault(metric, []).append(value)
        if dataset not in ev.hr:
            ev.hr[dataset], ev.mask[dataset], ev.sr[dataset] = hr, mask, outputs
            ev.blobs[dataset] = blobs if blobs is not None else np.zeros((0, 3))
    ev.metrics = {d: {m: {k: float(np.nanmean(v)) for k, v in mets.items()} for m, mets in meths.items()}
                  for d, meths in sums.items()}
    return ev


def bicubic(lr: np.ndarray, scale: int) -> np.ndarray:
    """The baseline: Keys a = −0.5 bicubic (MATLAB's kernel, ``ganbook.data.degrade.upsample``), clipped."""
    return np.clip(upsample(lr, scale), 0.0, 1.0)


def vessel_box(hr: np.ndarray, mask: np.ndarray, size: int) -> tuple[int, int]:
    """Top-left corner of the ``size``² window with the most vesselness inside the FOV (for zoomed crops)."""
    from scipy.ndimage import uniform_filter
    from skimage.filters import frangi

    v = frangi(_green(hr), sigmas=(1, 2), black_ridges=True) * mask
    score = uniform_filter(v, size, mode="constant")
    h = size // 2
    score[:h], score[-h:], score[:, :h], score[:, -h:] = 0, 0, 0, 0
    r, c = np.unravel_index(int(np.argmax(score)), score.shape)
    return int(r - h), int(c - h)


# --------------------------------------------------------------------------------------------- export
def model_card(model: RRDBNet, method: str, *, data: str, metrics: Mapping[str, float] | None = None,
               profile: str = "") -> ModelCard:
    """The card the ``upscale`` CLI reads: fundus RGB in [0, 1], bicubic degradation, 2-D."""
    import dataclasses

    return ModelCard(model="rrdbnet", config=dataclasses.asdict(model.config), method=method,
                     scale=model.config.scale, spatial_dims=2, modality="fundus",
                     intensity={"kind": "range", "low": 0, "high": 1}, degradation="bicubic", data=data,
                     metrics=dict(metrics or {}), notebook="02_retinal_esrgan", profile=profile)


def save_model(directory, model: RRDBNet, method: str, **card_fields):
    """Save ``model`` as ``<directory>/<method slug>`` with :func:`model_card` (``save_sr_model``)."""
    from pathlib import Path

    slug = method.lower().replace("(", "_").replace(")", "").replace("=", "").replace(".", "")
    return save_sr_model(Path(directory) / slug, model, model_card(model, method, **card_fields))
