"""ESRGAN's two stages on fundus patches: RRDB(P) with L1, then ESRGAN with L_percep + RaGAN + L1
(:func:`train`, or the stages one by one); network interpolation between them; export for the
``upscale`` CLI (:func:`save_models`). The same two stages with ``family="srgan"`` train the survey's
comparison, SRGAN (Ledig et al. 2017): SRResNet with MSE, then SRGAN with its content loss + 1e-3 BCE.
"""
from __future__ import annotations

import copy
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import torch
import torch.nn.functional as F

from ..losses import (ESRGAN, SRGAN, discriminator_accuracy, esrgan_discriminator_loss, esrgan_generator_loss,
                      srgan_discriminator_loss, srgan_generator_loss)
from ..models import RRDBNet, SRResNet, VGGStyleDiscriminator, interpolate_networks, srgan_config
from ..sr.common import sweep_name
from ..sr.export import ModelCard, save_sr_model
from ..train import TrainConfig, Trainer
from .config import RetinalESRGANConfig


FAMILIES = ("esrgan", "srgan")


def build_generator(cfg: RetinalESRGANConfig, family: str = "esrgan"):
    """The RRDBNet of ``cfg`` (``residual_interp=False`` at ``paper``: ESRGAN's generator without a bicubic skip),
    or with ``family="srgan"`` SRGAN's SRResNet (:func:`~ganbook.models.srgan_config`) at ``cfg.srgan_*`` sizes,
    with the same bicubic skip choice as the RRDBNet."""
    if family == "srgan":
        return SRResNet(srgan_config(num_features=cfg.srgan_features, num_blocks=cfg.srgan_blocks, scale=cfg.scale,
                                     upsample=cfg.srgan_upsample, residual_interp=cfg.residual_interp,
                                     residual_base=cfg.residual_base))
    if family != "esrgan":
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    return RRDBNet(num_features=cfg.num_features, num_blocks=cfg.num_blocks, growth=cfg.growth, scale=cfg.scale,
                   residual_interp=cfg.residual_interp, residual_base=cfg.residual_base)


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


@dataclass(eq=False)
class TrainedESRGAN:
    """The outcome of the two stages; the GAN fields stay None until stage 2 has run.

    Attributes:
        psnr_model: stage 1, "RRDB(P)" (SRGAN family: "SRResNet"; eval mode, EMA weights when ``cfg.ema``).
        gan_model: stage 2, "ESRGAN" ("SRGAN"), trained from a copy of ``psnr_model``: the raw generator.
        gan_ema: the exponential average of stage 2's generator weights, started at stage 2 (None without
            ``cfg.ema``): "ESRGAN (EMA)".
        discriminator: stage 2's VGG-style discriminator.
        psnr_history, gan_history: the trainer's loss histories of the two stages.
        seconds: wall time of the stages run so far.
        family: "esrgan" or "srgan".
    """

    psnr_model: RRDBNet | SRResNet
    psnr_history: dict
    gan_model: RRDBNet | SRResNet | None = None
    gan_ema: RRDBNet | SRResNet | None = None
    discriminator: VGGStyleDiscriminator | None = None
    gan_history: dict | None = None
    seconds: float = 0.0
    family: str = "esrgan"


def _stage_dir(cfg: RetinalESRGANConfig, checkpoint_dir, stage: str):
    return Path(checkpoint_dir) / stage if checkpoint_dir is not None and cfg.checkpoint_every else None


def train_psnr(sample: Callable, cfg: RetinalESRGANConfig, *, seed: int = 0, device: Any = "cpu",
               checkpoint_dir=None, family: str = "esrgan") -> TrainedESRGAN:
    """Stage 1: RRDBNet with L1 only → "RRDB(P)" (a :class:`TrainedESRGAN` without the GAN stage); with
    ``family="srgan"`` SRGAN's SRResNet with MSE → "SRResNet" (Ledig et al. train it with MSE).

    Args:
        sample: from :func:`make_sampler`.
        cfg: the profile's config.
        seed: initialisation and data seed.
        device: where to train.
        checkpoint_dir: folder for trainer checkpoints (resume), written to ``<folder>/train_stage1``
            (SRGAN: ``srgan_stage1``) when ``cfg.checkpoint_every`` > 0; None: none.
        family: "esrgan" or "srgan".
    """
    started = time.perf_counter()
    torch.manual_seed(seed)
    G = build_generator(cfg, family).to(device)
    pixel = F.mse_loss if family == "srgan" else F.l1_loss
    if cfg.amp:
        G = G.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(G.parameters(), cfg.learning_rate, betas=(0.9, cfg.beta2))
    sched = _schedule(opt, cfg, cfg.pretrain_steps, range(200_000, cfg.pretrain_steps, 200_000))

    def pixel_loss(batch):
        lr, hr = batch
        return pixel(G(lr).float(), hr)

    folder = _stage_dir(cfg, checkpoint_dir, "srgan_stage1" if family == "srgan" else "train_stage1")
    desc = "SRResNet (MSE)" if family == "srgan" else "stage 1 (L1)"
    trainer = Trainer(G, sample, _trainer_config(cfg, folder, desc, seed, steps=0, pretrain_steps=cfg.pretrain_steps),
                      opt_g=opt, pretrain_loss=pixel_loss, sched_g=sched, device=device)
    history = trainer.fit(resume=folder is not None)
    return TrainedESRGAN(_final(trainer), history, seconds=time.perf_counter() - started, family=family)


def train_gan(trained: TrainedESRGAN, sample: Callable, cfg: RetinalESRGANConfig, features, *, seed: int = 0,
              device: Any = "cpu", checkpoint_dir=None, adversarial: float | None = None) -> TrainedESRGAN:
    """Stage 2 from stage 1: L_percep + 5e-3·L_G^Ra + 1e-2·L1 against a VGG-style D → "ESRGAN"; for an SRGAN-family
    ``trained``, SRGAN's content loss (VGG54, or pixel MSE with the fallback: SRGAN-MSE) + 1e-3·BCE → "SRGAN".

    Args:
        trained: from :func:`train_psnr` (its ``psnr_model`` is copied, not modified).
        sample: from :func:`make_sampler`.
        cfg: the profile's config.
        features: perceptual feature extractor (``perceptual_backbone(...).model``; the pixel fallback
            turns L_percep into L1).
        seed, device: as in :func:`train_psnr`.
        checkpoint_dir: as in :func:`train_psnr`, written to ``<folder>/train_stage2`` (``srgan_stage2``).
        adversarial: the adversarial weight (None: the paper's, 5e-3 for ESRGAN, 1e-3 for SRGAN).

    Returns:
        ``trained`` with the GAN model (the raw generator at the last step), its weight average ``gan_ema`` when
        ``cfg.ema`` (started at this stage), the discriminator and stage 2's history filled in (a new object).
    """
    started = time.perf_counter()
    torch.manual_seed(seed + 1)
    G = copy.deepcopy(trained.psnr_model).train().requires_grad_(True)
    D = VGGStyleDiscriminator(num_features=cfg.d_features, patch_size=cfg.lr_patch * cfg.scale).to(device)
    features = features.to(device)
    if cfg.amp:
        G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
    opt_g = torch.optim.Adam(G.parameters(), cfg.gan_learning_rate, betas=(0.9, cfg.beta2))
    opt_d = torch.optim.Adam(D.parameters(), cfg.gan_learning_rate, betas=(0.9, cfg.beta2))
    milestones = [m for m in (50_000, 100_000, 200_000, 300_000) if m < cfg.gan_steps]

    srgan = trained.family == "srgan"
    weights = SRGAN if srgan else ESRGAN
    if adversarial is not None:
        weights = dataclasses.replace(weights, adversarial=float(adversarial))

    def g_loss(batch):
        lr, hr = batch
        sr = G(lr)
        if srgan:
            return srgan_generator_loss(weights, features, sr, hr, D(sr))
        return esrgan_generator_loss(weights, features, sr, hr, D(hr), D(sr))

    def d_loss(batch):
        lr, hr = batch
        with torch.no_grad():
            sr = G(lr)
        real, fake = D(hr), D(sr.float())
        loss = (srgan_discriminator_loss if srgan else esrgan_discriminator_loss)(real, fake)
        return loss, discriminator_accuracy("nonsaturating" if srgan else "ragan", real, fake)

    folder = _stage_dir(cfg, checkpoint_dir, ("srgan_stage2" if srgan else "train_stage2")
                        + ("" if adversarial is None else f"_lambda{adversarial:g}"))
    desc = "SRGAN" if srgan else "stage 2 (ESRGAN)"
    trainer = Trainer(G, sample, _trainer_config(cfg, folder, desc, seed + 1, steps=cfg.gan_steps),
                      opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss, d_loss=d_loss,
                      sched_g=_schedule(opt_g, cfg, cfg.gan_steps, milestones),
                      sched_d=_schedule(opt_d, cfg, cfg.gan_steps, milestones), device=device)
    history = trainer.fit(resume=folder is not None)
    ema = _final(trainer) if trainer.G_ema is not None else None
    raw = trainer.G.to(memory_format=torch.contiguous_format).eval().requires_grad_(False)
    return dataclasses.replace(trained, gan_model=raw, gan_ema=ema, discriminator=D.eval(), gan_history=history,
                               seconds=trained.seconds + time.perf_counter() - started)


def adversarial_sweep(trained: TrainedESRGAN, sample: Callable, cfg: RetinalESRGANConfig, features, *, seed: int = 0,
                      device: Any = "cpu") -> dict[str, RRDBNet | SRResNet]:
    """Stage 2 rerun from stage 1 for each adversarial weight in ``cfg.adversarial_sweep`` (same steps and seed;
    0 = the same steps with the content terms alone): ``{"GAN(lambda=…)": raw generator}``."""
    return {sweep_name(lam): train_gan(trained, sample, cfg, features, seed=seed, device=device,
                                       adversarial=lam).gan_model for lam in cfg.adversarial_sweep}


def train(sample: Callable, cfg: RetinalESRGANConfig, features, *, seed: int = 0, device: Any = "cpu",
          checkpoint_dir=None) -> TrainedESRGAN:
    """Both stages: :func:`train_psnr` then :func:`train_gan` (arguments as there)."""
    trained = train_psnr(sample, cfg, seed=seed, device=device, checkpoint_dir=checkpoint_dir)
    return train_gan(trained, sample, cfg, features, seed=seed, device=device, checkpoint_dir=checkpoint_dir)


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


def generators(trained: TrainedESRGAN, alphas: Sequence[float] = ()) -> dict[str, RRDBNet]:
    """Method name -> model: "RRDB(P)", "ESRGAN", then one interpolated network per α in ``alphas``; for the
    SRGAN family "SRResNet", "SRGAN" (no interpolation)."""
    if trained.gan_model is None:
        raise ValueError("generators: stage 2 has not run (train_gan or train first)")
    if trained.family == "srgan":
        return {"SRResNet": trained.psnr_model, "SRGAN": trained.gan_model}
    models = {"RRDB(P)": trained.psnr_model, "ESRGAN": trained.gan_model}
    if trained.gan_ema is not None:
        models["ESRGAN (EMA)"] = trained.gan_ema
    models.update({alpha_name(a): interpolated(trained.psnr_model, trained.gan_model, a) for a in alphas})
    return models


# --------------------------------------------------------------------------------------------- export
def model_card(model: RRDBNet, method: str, *, data: str, metrics: Mapping[str, float] | None = None,
               profile: str = "") -> ModelCard:
    """The card the ``upscale`` CLI reads: fundus RGB in [0, 1], bicubic degradation, 2-D."""
    return ModelCard(model="rrdbnet", config=dataclasses.asdict(model.config), method=method,
                     scale=model.config.scale, spatial_dims=2, modality="fundus",
                     intensity={"kind": "range", "low": 0, "high": 1}, degradation="bicubic", data=data,
                     metrics=dict(metrics or {}), notebook="02_retinal_esrgan", profile=profile)


def _slug(method: str) -> str:
    """The file stem of a saved model: "ESRGAN(alpha=0.2)" -> "esrgan_alpha02"."""
    return method.lower().replace(" ", "").replace("(", "_").replace(")", "").replace("=", "").replace(".", "")


def save_models(folder, trained: TrainedESRGAN, cfg: RetinalESRGANConfig, *,
                scores: Mapping[str, Mapping[str, float]] | None = None, profile: str = "",
                data: str | None = None) -> list[Path]:
    """Save every model of :func:`generators` (``cfg.alphas``) with its :func:`model_card`, in that order.

    Args:
        folder: where the checkpoints go (``<folder>/<method slug>.json`` and its weights).
        trained: after both stages.
        cfg: the profile's config (interpolation α and the training data named in the card).
        scores: ``{method: {metric: value}}`` on the held-out photo, as :func:`evaluate` returns; each
            card then holds the model's psnr / ssim and bicubic's psnr.
        profile: the profile name recorded in the card.
        data: the training data named in the card (None: ``cfg``'s training sets and phantoms).

    Returns:
        The paths of the model cards.
    """
    data = data or f"{cfg.train_sets} train split(s) at working scale 1/2 + {cfg.phantoms} fundus phantoms"
    paths = []
    for method, model in generators(trained, cfg.alphas).items():
        metrics = None if scores is None else {"psnr": scores[method]["psnr"], "ssim": scores[method]["ssim"],
                                               "bicubic_psnr": scores["bicubic"]["psnr"]}
        card = model_card(model, method, data=data, metrics=metrics, profile=profile)
        paths.append(save_sr_model(Path(folder) / _slug(method), model, card))
    return paths
