"""GAN inversion of a real image, so DragGAN can edit it: invert (optionally with pivotal tuning), then drag.

Three stages, each optional after the first:

1. **W**: optimise one w (shared by all layers) from the generator's mean w_avg;
2. **W+**: free every layer's w, starting from stage 1 (more expressive, less regular);
3. **pivotal tuning** (PTI, Roich et al. 2021): keep that w as a pivot and fine-tune a *copy* of the
   synthesis network for a few steps so the pivot reproduces the image closely.

Loss: pixel MSE plus an optional multi-scale term (MSE of 2x and 4x average-pooled images), our
stand-in for PTI's LPIPS, whose pretrained weights cannot be downloaded here. Noise is "const", as
in the drag editor, so the inverted image is a function of w alone.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from ..metrics import psnr as _psnr
from .draggan import image_to_numpy

__all__ = ["InversionConfig", "InversionResult", "invert"]


@dataclass
class InversionConfig:
    """Inversion budget.

    Attributes:
        steps_w, steps_wplus: Adam steps in W, then in W+.
        learning_rate: latent learning rate (cosine-decayed over the last quarter of each stage).
        pivotal_steps: generator fine-tuning steps (0: no PTI).
        pivotal_learning_rate: generator learning rate for PTI (PTI's own setting: 5e-4 at 1024 px; 3e-4 here,
            our choice).
        multiscale_weight: weight of the pooled-image terms (0: plain L2).
        noise_mode: generator noise ("const").
    """

    steps_w: int = 150
    steps_wplus: int = 150
    learning_rate: float = 0.05
    pivotal_steps: int = 0
    pivotal_learning_rate: float = 3e-4
    multiscale_weight: float = 1.0
    noise_mode: str = "const"


@dataclass
class InversionResult:
    w: torch.Tensor  # (1, num_ws, w_dim) W+ code to start dragging from
    image: np.ndarray  # (H, W, 3) reconstruction in [0, 1] (by ``generator``)
    psnr: float  # dB against the target, after all stages
    generator: torch.nn.Module  # the tuned copy with PTI, else the generator passed in
    losses: dict = field(default_factory=dict)  # stage -> per-step loss
    psnr_stages: dict = field(default_factory=dict)  # stage -> PSNR after it
    seconds: float = 0.0


def _loss(x: torch.Tensor, y: torch.Tensor, multiscale: float) -> torch.Tensor:
    loss = F.mse_loss(x, y)
    if multiscale:
        for s in (2, 4):  # coarse structure first, what a perceptual loss would weight up
            loss = loss + multiscale * F.mse_loss(F.avg_pool2d(x, s), F.avg_pool2d(y, s))
    return loss


def _lr_lambda(steps: int):
    # Constant, then cosine to zero over the last quarter (as the StyleGAN2 projector's ramp-down).
    return lambda t: min(1.0, 0.5 * (1 + math.cos(math.pi * max(0.0, (t / max(steps, 1) - 0.75) / 0.25))))


def _optimise(params, fn, steps: int, learning_rate: float) -> list[float]:
    opt = torch.optim.Adam(params, lr=learning_rate, betas=(0.9, 0.999))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _lr_lambda(steps))
    losses = []
    for _ in range(steps):
        loss = fn()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    return losses


def invert(generator, image, config: InversionConfig | None = None) -> InversionResult:
    """Find a W+ code (and optionally tuned weights) that reproduce ``image``.

    Args:
        generator: a StyleGAN2 :class:`Generator` (not modified; PTI tunes a copy).
        image: (H, W, 3) or (3, H, W) float in [0, 1] at the generator's resolution.
        config: an :class:`InversionConfig`.
    """
    cfg = config or InversionConfig()
    t0 = time.perf_counter()
    res = generator.resolution
    target = torch.as_tensor(np.asarray(image, dtype=np.float32))
    if target.ndim == 3 and target.shape[-1] == 3 and target.shape[0] != 3:
        target = target.permute(2, 0, 1)  # (3, H, W)
    if target.shape != (3, res, res):
        raise ValueError(f"image must be ({res}, {res}, 3) or (3, {res}, {res}) in [0, 1], got {tuple(target.shape)}")
    device = next(generator.parameters()).device
    y = (target[None] * 2 - 1).to(device)  # (1, 3, H, W) in [-1, 1]
    generator.requires_grad_(False)
    w_avg = generator.mapping_network.w_avg
    if not torch.any(w_avg):  # an untrained generator never tracked its mean
        w_avg = generator.mean_latent(1024)[0]
    target_np = target.permute(1, 2, 0).numpy()
    losses, stages = {}, {}

    def render(G, ws):
        return G.synthesis(ws, noise_mode=cfg.noise_mode)

    w = w_avg.detach().clone()[None, None].requires_grad_(True)  # (1, 1, w_dim)
    losses["w"] = _optimise([w], lambda: _loss(render(generator, w.expand(-1, generator.num_ws, -1)), y,
                                              cfg.multiscale_weight), cfg.steps_w, cfg.learning_rate)
    ws = w.detach().expand(-1, generator.num_ws, -1).clone()
    with torch.no_grad():
        stages["w"] = _psnr(image_to_numpy(render(generator, ws)), target_np, data_range=1.0)
    if cfg.steps_wplus:
        ws.requires_grad_(True)
        losses["w+"] = _optimise([ws], lambda: _loss(render(generator, ws), y, cfg.multiscale_weight),
                                 cfg.steps_wplus, cfg.learning_rate)
        ws = ws.detach()
        with torch.no_grad():
            stages["w+"] = _psnr(image_to_numpy(render(generator, ws)), target_np, data_range=1.0)
    G = generator
    if cfg.pivotal_steps:
        G = copy.deepcopy(generator)
        params = [p for p in G.blocks.parameters()]  # synthesis weights; the mapping stays as it was
        for p in params:
            p.requires_grad_(True)
        losses["pivotal"] = _optimise(params, lambda: _loss(render(G, ws), y, cfg.multiscale_weight),
                                      cfg.pivotal_steps, cfg.pivotal_learning_rate)
        G.requires_grad_(False).eval()
    with torch.no_grad():
        recon = image_to_numpy(render(G, ws))
    final = _psnr(recon, target_np, data_range=1.0)
    if cfg.pivotal_steps:
        stages["pivotal"] = final
    return InversionResult(ws, recon, final, G, losses, stages, time.perf_counter() - t0)
