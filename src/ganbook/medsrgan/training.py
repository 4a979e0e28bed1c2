"""Training and evaluating RWMAN(P) and MedSRGAN: content features, the two-stage run, PSNR / SSIM, export."""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from ..data.degrade import average_pool, baseline_upsample
from ..data.patches import PairedPatchSampler
from ..losses import (MEDSRGAN_CT, MEDSRGAN_LAYERS, MEDSRGAN_MRI, MedSRGANWeights, medsrgan_discriminator_loss,
                      medsrgan_generator_loss)
from ..models import RWMAN, PairwiseDiscriminator, perceptual_backbone
from ..models.vgg import vgg19_weights
from ..train import TrainConfig, Trainer
from .config import HU_WINDOW, METHODS, MedSRGANConfig
from .data import TrainingData


def content_features(path: str | None = None):
    """VGG-19 features for the content loss, or the documented pixel fallback.

    Args:
        path: a VGG-19 weights file; None looks for the copy registered with
            ``python -m ganbook data import vgg19 PATH`` (checksum-verified).

    Returns:
        ``(features, is_pretrained, message)`` from :func:`ganbook.models.perceptual_backbone`.
    """
    return perceptual_backbone(vgg19_weights(path), MEDSRGAN_LAYERS)


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
    G = RWMAN(num_features=cfg.num_features, num_groups=cfg.num_groups, num_blocks=cfg.num_blocks, scale=4,
              residual_interp=cfg.residual_interp)
    D = PairwiseDiscriminator(num_features=cfg.d_features, scale=4)
    G, D = G.to(device, memory_format=fmt), D.to(device, memory_format=fmt)
    sampler = PairedPatchSampler(data.train, scale=4, lr_size=cfg.lr_patch, batch_size=cfg.batch_size,
                                 degradation="average_pool", masks=data.train_masks, foreground=0.9)

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
    return {"bicubic": lambda lr: np.clip(baseline_upsample(lr, "average_pool", 4), 0, 1).astype(np.float32),
            "RWMAN(P)": lambda lr: predict(run.psnr_model, lr, device),
            "MedSRGAN": lambda lr: predict(run.gan_model, lr, device)}


def evaluate(run: SRRun, data: TrainingData, device="cpu") -> tuple[dict, dict]:
    """PSNR / SSIM inside the body, sharpness and consistency of every method on the held-out slices.

    Returns:
        ``(scores, outputs)``: scores[method][metric] = mean over test slices; outputs[i] = {"HR", "LR",
        method: SR image} for test slice i.
    """
    from ..sr.common import sr_scores

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


# ---------------------------------------------------------------------------------------- exporting
def save_models(run: SRRun, data: TrainingData, scores: Mapping[str, Mapping[str, float]], folder, profile: str):
    """Save RWMAN(P) and MedSRGAN with model cards under ``folder`` (for ``python -m ganbook upscale``).

    Returns:
        {method: path of the checkpoint's JSON}.
    """
    from pathlib import Path

    from ..sr.export import ModelCard, save_sr_model

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
