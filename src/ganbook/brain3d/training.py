"""The 3-D SRGAN of Sánchez & Vilaplana: networks, the two-stage training run, export and a summary line.

The method (methods.md §4(c), §8.4): a 3-D SRResNet generator (32 filters, 6 residual blocks, sub-pixel
×2 stages), a least-squares discriminator, and the generator loss MSE + 0.1·LSGAN + gradient
difference (GDL), all summed over voxels as in the paper's code. Two stages share one training run:

* ``"SRResNet3D(P)"`` — the pixel-loss stage (MSE + GDL, or MSE alone), no discriminator;
* ``"SRGAN3D"`` — the same generator continued with the full loss against the discriminator, with
  soft, noisy LSGAN labels drawn afresh every step (the paper's intent; its TF code fixed the label
  swap at graph-build time — a bug not copied here). The generator's LSGAN target is a plain 1 (ours;
  the code also smoothed it).
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..losses.sr import SVWeights, gradient_difference_loss, sv_discriminator_loss, sv_generator_loss
from ..models import LSDiscriminator, SRResNet
from ..sr.export import ModelCard, save_sr_model
from ..train import TrainConfig, Trainer
from .config import Brain3DConfig, _fmt
from .data import Case, make_sampler

__all__ = ["build_generator", "build_discriminator", "TrainedModels", "train_models", "save_model", "describe"]


def build_generator(cfg: Brain3DConfig) -> SRResNet:
    """The 3-D SRResNet; with ``cfg.residual_interp`` a correction to trilinear interpolation from the sampled
    positions (``s//2``, also what the output grid assumes)."""
    return SRResNet(num_features=cfg.num_features, num_blocks=cfg.num_blocks, scale=cfg.scale, spatial_dims=3,
                    residual_interp=cfg.residual_interp, sample_offset=cfg.scale // 2)


def build_discriminator(cfg: Brain3DConfig) -> LSDiscriminator:
    """The least-squares discriminator sized for the HR patch."""
    return LSDiscriminator(num_features=cfg.d_features, patch_size=tuple(cfg.hr_patch), spatial_dims=3,
                           dense_features=cfg.d_dense)



@dataclass
class TrainedModels:
    """Result of :func:`train_models`: the pixel-stage and GAN-stage generators (eval mode, CPU layout)."""

    pixel: SRResNet
    gan: SRResNet | None
    history: dict
    seconds: float


def train_models(case: Case | Sequence[Case], cfg: Brain3DConfig, *, pixel_steps: int, gan_steps: int, seed: int = 0,
                 device: Any = "cpu", checkpoint_dir: str | Path | None = None, desc: str = "3-D SR") -> TrainedModels:
    """Train SRResNet3D(P) for ``pixel_steps``, then continue as SRGAN3D for ``gan_steps`` (one Trainer).

    Args:
        case: the training volume(s), LR made by one degradation.
        cfg: sizes and losses.
        pixel_steps, gan_steps: steps of the two stages (``gan_steps=0``: pixel stage only).
        seed: initialisation and patch sampling.
        device: torch device.
        checkpoint_dir: Trainer checkpoints for resume (None: none).
        desc: progress-bar label.
    """
    torch.manual_seed(seed)
    fmt = _fmt(cfg)
    G = build_generator(cfg).to(device, memory_format=fmt)
    D = build_discriminator(cfg).to(device, memory_format=fmt) if gan_steps else None
    gdl_weight = 1.0 if cfg.pixel_loss == "mse+gdl" else 0.0
    weights = SVWeights(gdl=gdl_weight, reduction=cfg.reduction)

    def pixel_loss(batch):
        lr, hr, _ = batch
        sr = G(lr).float()
        mse = F.mse_loss(sr, hr, reduction=cfg.reduction)
        gdl = gradient_difference_loss(sr, hr, reduction=cfg.reduction)
        return mse + gdl_weight * gdl, {"mse": float(mse.detach()), "gdl": float(gdl.detach())}

    def g_loss(batch):
        lr, hr, _ = batch
        sr = G(lr)
        return sv_generator_loss(weights, sr, hr, D(sr))

    def d_loss(batch):
        lr, hr, labels = batch
        with torch.no_grad():
            sr = G(lr)
        return sv_discriminator_loss(D(hr), D(sr.to(memory_format=fmt)), labels)

    def decay(step: int) -> float:  # inverse-time decay (paper); G switches to gan_lr for the GAN stage
        return 1.0 / (1.0 + 0.5 * step / cfg.lr_decay_steps)

    def g_schedule(step: int) -> float:
        return decay(step) * (1.0 if step < pixel_steps else cfg.gan_lr / cfg.lr)

    opt_g = torch.optim.Adam(G.parameters(), cfg.lr)
    opt_d = torch.optim.Adam(D.parameters(), cfg.gan_lr) if D is not None else None
    snapshot = {}

    def keep_pixel_stage(trainer, step, logs):
        if step == pixel_steps:
            snapshot["pixel"] = copy.deepcopy(trainer.G)

    trainer = Trainer(G, make_sampler(case, cfg, device),
                      TrainConfig(steps=gan_steps, pretrain_steps=pixel_steps, log_every=cfg.log_every, amp=cfg.amp,
                                  seed=seed, desc=desc, checkpoint_dir=str(checkpoint_dir) if checkpoint_dir else None),
                      opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss if D is not None else None,
                      d_loss=d_loss if D is not None else None, pretrain_loss=pixel_loss,
                      sched_g=torch.optim.lr_scheduler.LambdaLR(opt_g, g_schedule),
                      sched_d=torch.optim.lr_scheduler.LambdaLR(opt_d, decay) if opt_d is not None else None,
                      callbacks=[keep_pixel_stage], device=device)
    history = trainer.fit()
    pixel = snapshot.get("pixel", G)
    gan = G if gan_steps else None
    finish = [m.to(memory_format=torch.contiguous_format).eval() for m in (pixel, gan) if m is not None]
    return TrainedModels(finish[0], finish[1] if gan is not None else None, history, trainer.seconds)


def save_model(path: str | Path, model: SRResNet, cfg: Brain3DConfig, *, method: str, degradation: str,
               metrics: Mapping[str, float], train_affine=None, notebook: str = "03_brain_mri_3d",
               profile: str = "") -> Path:
    """Save a generator with its ModelCard (``ganbook.sr.export``) so the ``upscale`` CLI can apply it.

    Args:
        path: checkpoint path (``.json`` + ``.safetensors``).
        model: the trained generator.
        cfg: its notebook config (scale, dataset).
        method, degradation: what the card calls the model and the LR it was trained on.
        metrics: held-out scores recorded on the card.
        train_affine: HR affine of the training volume; its voxel size becomes the card's
            ``trained_spacing`` (``upscale`` warns about inputs far from it). None: unknown, no warning.
        notebook, profile: provenance.
    """
    spacing = None if train_affine is None else [round(float(v), 4) for v in
                                                 np.linalg.norm(np.asarray(train_affine)[:3, :3], axis=0)]
    # No trained_range: inputs are normalised per volume by percentiles, so raw MR units carry no meaning.
    card = ModelCard(model="srresnet", config=dataclasses.asdict(model.config), method=method, scale=cfg.scale,
                     spatial_dims=3, modality="mr", intensity={"kind": "percentile", "low": 0.5, "high": 99.5},
                     degradation=degradation, trained_spacing=spacing,
                     data=f"{cfg.dataset} training slab, {degradation} x{cfg.scale}",
                     metrics={k: round(float(v), 4) for k, v in metrics.items()}, notebook=notebook, profile=profile)
    return save_sr_model(path, model, card)


def describe(cfg: Brain3DConfig) -> str:
    """One line on the network and patch sizes (deterministic, for the notebook)."""
    lr_patch = "x".join(str(p // cfg.scale) for p in cfg.hr_patch)
    return (f"SRResNet3D F={cfg.num_features} blocks={cfg.num_blocks} x{cfg.scale} | LR patch {lr_patch} -> HR "
            f"{'x'.join(map(str, cfg.hr_patch))} | batch {cfg.batch_size} | steps P={cfg.pixel_steps} "
            f"GAN={cfg.gan_steps} kspace={cfg.kspace_steps} | params {sum(p.numel() for p in build_generator(cfg).parameters()):,}")
