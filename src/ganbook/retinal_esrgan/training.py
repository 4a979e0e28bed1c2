"""ESRGAN's two stages on fundus patches: RRDB(P) with L1, then ESRGAN with L_percep + RaGAN + L1;
network interpolation between them, (tiled) inference, and export for the ``upscale`` CLI.
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..losses import ESRGAN, esrgan_discriminator_loss, esrgan_generator_loss
from ..models import RRDBNet, VGGStyleDiscriminator, interpolate_networks
from ..sr.export import ModelCard, save_sr_model
from ..sr.tiling import tiled_apply
from ..train import TrainConfig, Trainer
from .config import RetinalESRGANConfig


def build_generator(cfg: RetinalESRGANConfig) -> RRDBNet:
    """The RRDBNet of ``cfg`` (``residual_interp=False`` at ``paper``: ESRGAN's generator without a bicubic skip)."""
    return RRDBNet(num_features=cfg.num_features, num_blocks=cfg.num_blocks, growth=cfg.growth, scale=cfg.scale,
                   residual_interp=cfg.residual_interp)


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
