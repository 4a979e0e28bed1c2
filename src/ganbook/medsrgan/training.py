"""Training RWMAN(P) and MedSRGAN: content features, the two-stage run, torch threads, export with model cards."""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import torch
import torch.nn.functional as F

from ..data.patches import PairedPatchSampler
from ..losses import (MEDSRGAN_CT, MEDSRGAN_LAYERS, MEDSRGAN_MRI, MedSRGANWeights, discriminator_accuracy,
                      medsrgan_discriminator_loss, medsrgan_generator_loss)
from ..models import RWMAN, PairwiseDiscriminator, perceptual_backbone
from ..models.vgg import vgg19_weights
from ..sr.common import sweep_name
from ..train import TrainConfig, Trainer
from .config import HU_WINDOW, MedSRGANConfig
from .data import TrainingData


def content_features(path: str | None = None, *, required: bool = False):
    """VGG-19 features for the content loss, or the documented pixel fallback.

    Args:
        path: a VGG-19 weights file; None looks for the copy registered with
            ``python -m ganbook data import vgg19 PATH`` (checksum-verified).
        required: no pixel fallback: a DataError saying how to import the weights (``paper``).

    Returns:
        A :class:`~ganbook.models.vgg.PerceptualBackbone` ``(model, is_pretrained, message)`` from
        :func:`ganbook.models.perceptual_backbone`.
    """
    return perceptual_backbone(vgg19_weights(path, required=required), MEDSRGAN_LAYERS)


# ----------------------------------------------------------------------------------------- training
@dataclass
class TrainedMedSRGAN:
    """What :func:`train` gives for one modality.

    Attributes:
        modality: "ct" or "mr".
        psnr_model: RWMAN(P), the generator when the pixel-MSE stage ended (eval mode).
        gan_model: MedSRGAN, the same generator after the adversarial stage (eval mode).
        discriminator: the pairwise discriminator (eval mode).
        history: the logged losses per step (pre-training, then the adversarial stage with D's accuracy
            ``d_acc`` and mean logits ``logit_real`` / ``logit_fake``).
        weights: the modality's loss weights used in the adversarial stage.
        seconds: training wall time.
    """

    modality: str
    psnr_model: RWMAN
    gan_model: RWMAN
    discriminator: PairwiseDiscriminator
    history: dict
    weights: MedSRGANWeights
    seconds: float = 0.0


def _sampler(data: TrainingData, cfg: MedSRGANConfig, device):
    sampler = PairedPatchSampler(data.train, scale=4, lr_size=cfg.lr_patch, batch_size=cfg.batch_size,
                                 degradation="average_pool", masks=data.train_masks, foreground=0.9)

    def sample(rng):
        lr, hr = sampler(rng)
        return lr.to(device, memory_format=torch.channels_last), hr.to(device, memory_format=torch.channels_last)

    return sample


def modality_weights(modality: str, adversarial: float | None = None) -> MedSRGANWeights:
    """The paper's loss weights for ``modality``; with ``adversarial`` = λ1, both adversarial terms scaled so
    that λ2/λ1 keeps the paper's ratio (0 leaves the content loss alone)."""
    base = MEDSRGAN_CT if modality == "ct" else MEDSRGAN_MRI
    if adversarial is None:
        return base
    if adversarial < 0:
        raise ValueError(f"the adversarial weight must be >= 0, got {adversarial!r}")
    factor = adversarial / base.adversarial
    return dataclasses.replace(base, adversarial=float(adversarial),
                               adversarial_feature=base.adversarial_feature * factor)


def adversarial_stage(psnr_model: RWMAN, data: TrainingData, cfg: MedSRGANConfig, weights: MedSRGANWeights, *,
                      seed: int = 0, device="cpu", features=None) -> tuple[RWMAN, PairwiseDiscriminator, dict, float]:
    """Continue a copy of ``psnr_model`` as MedSRGAN's generator against a fresh pairwise discriminator.

    G and D use Adam at ``cfg.gan_learning_rate`` (the paper's 1e-4). At the demo's 5e-4 this D never left
    chance within a few hundred steps (loss log 4 throughout); at 1e-4 it learns.

    Returns:
        (generator, discriminator, history with ``d_acc`` / ``logit_real`` / ``logit_fake``, seconds).
    """
    ct = data.modality == "ct"
    steps = cfg.ct_gan_steps if ct else cfg.mr_gan_steps
    features = (features if features is not None else content_features().model).to(device)
    torch.manual_seed(seed + 1)
    G = copy.deepcopy(psnr_model).to(device, memory_format=torch.channels_last).train()
    D = PairwiseDiscriminator(num_features=cfg.d_features, scale=4).to(device, memory_format=torch.channels_last)

    def g_loss(b):
        lr, hr = b
        sr = G(lr)
        return medsrgan_generator_loss(weights, features, sr, hr, D(lr, hr), D(lr, sr))

    def d_loss(b):
        lr, hr = b
        with torch.no_grad():
            sr = G(lr)
        real, fake = D(lr, hr)[0], D(lr, sr)[0]
        return medsrgan_discriminator_loss(real, fake), discriminator_accuracy("nonsaturating", real, fake)

    halve = cfg.ct_halve_every if ct else cfg.mr_halve_every
    opt_g = torch.optim.Adam(G.parameters(), cfg.gan_learning_rate, betas=(0.9, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), cfg.gan_learning_rate, betas=(0.9, 0.999))
    trainer = Trainer(G, _sampler(data, cfg, device),
                      TrainConfig(steps=steps, log_every=max(1, steps // 30), amp=cfg.amp, seed=seed + 1,
                                  desc=f"{data.modality} MedSRGAN (lambda={weights.adversarial:g})"),
                      opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss, d_loss=d_loss,
                      sched_g=torch.optim.lr_scheduler.StepLR(opt_g, halve, 0.5),
                      sched_d=torch.optim.lr_scheduler.StepLR(opt_d, halve, 0.5), device=device)
    history = trainer.fit()
    for model in (G, D):
        model.to(memory_format=torch.contiguous_format).eval()
    return G, D, history, trainer.seconds


def train(data: TrainingData, cfg: MedSRGANConfig, *, seed: int = 0, device="cpu",
          features=None) -> TrainedMedSRGAN:
    """Train RWMAN(P) with pixel MSE, then continue it as MedSRGAN's generator against the pairwise D.

    Two runs of the one training loop: the pixel-MSE stage (RWMAN(P)) at ``cfg.learning_rate``, then
    :func:`adversarial_stage` with the modality's loss weights.

    Args:
        data: from :func:`training_data`.
        cfg: sizes, steps and learning rates.
        seed: initialisation and data order.
        device: where to train.
        features: content-loss features (default: :func:`content_features`).
    """
    torch.manual_seed(seed)
    ct = data.modality == "ct"
    pretrain_steps = cfg.ct_pretrain_steps if ct else cfg.mr_pretrain_steps
    G = RWMAN(num_features=cfg.num_features, num_groups=cfg.num_groups, num_blocks=cfg.num_blocks, scale=4,
              residual_interp=cfg.residual_interp, upsample=cfg.upsample).to(device, memory_format=torch.channels_last)

    def pixel_loss(b):
        return F.mse_loss(G(b[0]).float(), b[1])  # RWMAN(P): the paper's MSE

    opt_g = torch.optim.Adam(G.parameters(), cfg.learning_rate, betas=(0.9, 0.999))
    halve = cfg.ct_halve_every if ct else cfg.mr_halve_every
    trainer = Trainer(G, _sampler(data, cfg, device),
                      TrainConfig(steps=0, pretrain_steps=pretrain_steps, log_every=max(1, pretrain_steps // 30),
                                  amp=cfg.amp, seed=seed, desc=f"{data.modality} RWMAN(P)"),
                      opt_g=opt_g, pretrain_loss=pixel_loss,
                      sched_g=torch.optim.lr_scheduler.StepLR(opt_g, halve, 0.5), device=device)
    history = trainer.fit()
    psnr_model = G.to(memory_format=torch.contiguous_format).eval()
    weights = modality_weights(data.modality)
    gan_model, D, gan_history, seconds = adversarial_stage(psnr_model, data, cfg, weights, seed=seed, device=device,
                                                           features=features)
    return TrainedMedSRGAN(data.modality, psnr_model, gan_model, D, _joined(history, gan_history, pretrain_steps),
                           weights, trainer.seconds + seconds)


def _joined(first: dict, second: dict, offset: int) -> dict:
    """Two trainer histories as one, the second's steps shifted by ``offset``."""
    n1, n2 = len(first["step"]), len(second["step"])
    out = {}
    for k in dict.fromkeys([*first, *second]):
        a = list(first.get(k, [None] * n1)) + [None] * (n1 - len(first.get(k, [None] * n1)))
        b = list(second.get(k, [None] * n2)) + [None] * (n2 - len(second.get(k, [None] * n2)))
        out[k] = a + b
    out["step"] = list(first["step"]) + [offset + s for s in second["step"]]
    return out


def adversarial_sweep(trained: TrainedMedSRGAN, data: TrainingData, cfg: MedSRGANConfig, *, seed: int = 0,
                      device="cpu", features=None) -> dict[str, TrainedMedSRGAN]:
    """The trade-off curve: the adversarial stage rerun from RWMAN(P) with λ1 in ``cfg.adversarial_sweep``
    (λ2 scaled alike; 0 = the same steps with the content loss alone), same seed and steps as MedSRGAN.

    Returns:
        ``{"GAN(lambda=…)": TrainedMedSRGAN}`` (their ``psnr_model`` is the shared RWMAN(P)).
    """
    out = {}
    for lam in cfg.adversarial_sweep:
        weights = modality_weights(data.modality, lam)
        G, D, history, seconds = adversarial_stage(trained.psnr_model, data, cfg, weights, seed=seed, device=device,
                                                   features=features)
        out[sweep_name(lam)] = TrainedMedSRGAN(data.modality, trained.psnr_model, G, D, history, weights, seconds)
    return out


def use_threads(cfg: MedSRGANConfig) -> int:
    """Apply ``cfg.threads`` to torch (0 leaves it); returns the thread count in use."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    return torch.get_num_threads()


# ---------------------------------------------------------------------------------------- exporting
def save_models(folder, trained: TrainedMedSRGAN, data: TrainingData, scores: Mapping[str, Mapping[str, float]], *,
                profile: str = "") -> list[Path]:
    """Save RWMAN(P) and MedSRGAN with model cards under ``folder`` (for ``python -m ganbook upscale``).

    Files are named ``<modality>_rwman_p`` and ``<modality>_medsrgan``; each card carries the intensity
    mapping, the degradation, the training spacing and value range and the model's held-out scores.

    Args:
        folder: where to write.
        trained: from :func:`train`.
        data: the data it was trained and evaluated on (modality, spacing, range, description).
        scores: from :func:`~ganbook.medsrgan.evaluate` on ``data``.
        profile: the run's profile, recorded in the cards.

    Returns:
        The checkpoints' JSON paths: RWMAN(P), then MedSRGAN.
    """
    from ..sr.export import ModelCard, save_sr_model

    if data.modality == "ct":
        intensity = {"kind": "window", "low": HU_WINDOW[0], "high": HU_WINDOW[1]}
    else:
        intensity = {"kind": "percentile", "low": 0.0, "high": 99.5}
    spacing = None
    if data.train_spacing:
        arr = np.array(data.train_spacing, np.float64)
        spacing = [[float(arr[:, a].min()), float(arr[:, a].max())] for a in range(arr.shape[1])]
    paths = []
    for method, model in (("RWMAN(P)", trained.psnr_model), ("MedSRGAN", trained.gan_model)):
        card = ModelCard(model="rwman", config=dataclasses.asdict(model.config), method=method, scale=4,
                         spatial_dims=2, modality=data.modality, intensity=intensity, degradation="average_pool",
                         trained_spacing=spacing, trained_range=list(data.train_range) if data.train_range else None,
                         data=data.description,
                         metrics={**{k: round(v, 4) for k, v in scores[method].items()},
                                  "bicubic_psnr": round(scores["bicubic"]["psnr"], 4)},
                         notebook="01_medsrgan", profile=profile)
        slug = f"{data.modality}_{'rwman_p' if method == 'RWMAN(P)' else 'medsrgan'}"
        paths.append(save_sr_model(Path(folder) / slug, model, card))
    return paths
