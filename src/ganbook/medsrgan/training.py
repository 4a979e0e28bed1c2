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
from ..losses import (MEDSRGAN_CT, MEDSRGAN_LAYERS, MEDSRGAN_MRI, MedSRGANWeights, medsrgan_discriminator_loss,
                      medsrgan_generator_loss)
from ..models import RWMAN, PairwiseDiscriminator, perceptual_backbone
from ..models.vgg import vgg19_weights
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
        history: the trainer's logged losses per step.
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


def train(data: TrainingData, cfg: MedSRGANConfig, *, seed: int = 0, device="cpu",
          features=None) -> TrainedMedSRGAN:
    """Train RWMAN(P) with pixel MSE, then continue it as MedSRGAN's generator against the pairwise D.

    One :class:`~ganbook.train.Trainer` run: the pre-training stage is RWMAN(P) (snapshotted when it
    ends), the adversarial stage is MedSRGAN with the modality's loss weights.

    Args:
        data: from :func:`training_data`.
        cfg: sizes, steps and learning rate.
        seed: initialisation and data order.
        device: where to train.
        features: content-loss features (default: :func:`content_features`).
    """
    torch.manual_seed(seed)
    ct = data.modality == "ct"
    pretrain_steps, gan_steps = ((cfg.ct_pretrain_steps, cfg.ct_gan_steps) if ct else
                                 (cfg.mr_pretrain_steps, cfg.mr_gan_steps))
    weights = MEDSRGAN_CT if ct else MEDSRGAN_MRI
    features = (features if features is not None else content_features().model).to(device)
    fmt = torch.channels_last
    G = RWMAN(num_features=cfg.num_features, num_groups=cfg.num_groups, num_blocks=cfg.num_blocks, scale=4,
              residual_interp=cfg.residual_interp, upsample=cfg.upsample)
    D = PairwiseDiscriminator(num_features=cfg.d_features, scale=4)
    G, D = G.to(device, memory_format=fmt), D.to(device, memory_format=fmt)
    sampler = PairedPatchSampler(data.train, scale=4, lr_size=cfg.lr_patch, batch_size=cfg.batch_size,
                                 degradation="average_pool", masks=data.train_masks, foreground=0.9)

    def sample(rng):
        lr, hr = sampler(rng)
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
    opt_g = torch.optim.Adam(G.parameters(), cfg.learning_rate, betas=(0.9, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), cfg.learning_rate, betas=(0.9, 0.999))
    sched_g = torch.optim.lr_scheduler.StepLR(opt_g, halve, 0.5)
    sched_d = torch.optim.lr_scheduler.StepLR(opt_d, halve, 0.5)
    snapshot = {}

    def keep_psnr_model(trainer, step, logs):
        if step == pretrain_steps:
            snapshot["G"] = copy.deepcopy(trainer.G).eval()

    log_every = max(1, (pretrain_steps + gan_steps) // 40)
    trainer = Trainer(G, sample, TrainConfig(steps=gan_steps, pretrain_steps=pretrain_steps, log_every=log_every,
                                             amp=cfg.amp, seed=seed, desc=f"{data.modality} RWMAN(P)→MedSRGAN"),
                      opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss, d_loss=d_loss,
                      pretrain_loss=pixel_loss, sched_g=sched_g, sched_d=sched_d, callbacks=[keep_psnr_model],
                      device=device)
    history = trainer.fit()
    psnr_model = snapshot.get("G", copy.deepcopy(G).eval())
    for model in (psnr_model, G, D):
        model.to(memory_format=torch.contiguous_format).eval()
    return TrainedMedSRGAN(data.modality, psnr_model, G, D, history, weights, trainer.seconds)


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
