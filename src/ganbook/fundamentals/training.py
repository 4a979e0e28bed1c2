"""MLP GANs on the 2-D mixtures: the models, training under the four losses, the frozen-D collapse,
the optimal discriminator and the generator's gradient at rejection (the saturation demo).

Everything here runs on one CPU thread: for 128-wide MLPs, OpenMP synchronisation costs more
than it saves (and ~50× more when another process holds a core).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..losses.gan import discriminator_loss, generator_loss
from ..runtime import torch_threads
from ..train import TrainConfig, Trainer
from .config import FundamentalsConfig
from .mixtures import MIXTURES, Mixture, histogram_jsd, mode_coverage


# ------------------------------------------------------------------------------------------- models
class MLPGenerator(nn.Module):
    """z (z_dim) → 2-D point; two ReLU hidden layers."""

    def __init__(self, z_dim: int = 8, hidden: int = 128, out_dim: int = 2):
        super().__init__()
        self.z_dim = z_dim
        self.net = nn.Sequential(nn.Linear(z_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, out_dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """Point → one logit; two LeakyReLU(0.2) hidden layers."""

    def __init__(self, in_dim: int = 2, hidden: int = 128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden),
                                 nn.LeakyReLU(0.2), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


# ----------------------------------------------------------------------------------------- training
@dataclass
class ToyRun:
    """A trained 2-D GAN with its history, snapshots and metrics."""

    mixture: Mixture
    loss: str
    G: MLPGenerator
    D: MLPDiscriminator
    history: dict
    snapshots: list = field(default_factory=list)  # [(step, (n, 2) array)]
    metrics: dict = field(default_factory=dict)
    seconds: float = 0.0

    def samples(self, n: int, seed: int = 1234) -> np.ndarray:
        z = torch.randn(n, self.G.z_dim, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            return self.G(z.to(_device(self.G))).cpu().numpy()


def _adversarial_losses(kind: str, G: nn.Module, D: nn.Module):
    def d_loss(b):
        with torch.no_grad():
            fake = G(b["z"])
        return discriminator_loss(kind, D(b["real"]), D(fake))

    def g_loss(b):
        fake_logits = D(G(b["z"]))
        real_logits = D(b["real"]) if kind == "ragan" else None
        return generator_loss(kind, fake_logits, real_logits)

    return d_loss, g_loss


@torch_threads(1)  # MLPs this small run fastest on one thread
def train_toy(mixture: str | Mixture, loss: str, cfg: FundamentalsConfig, seed: int = 0, device="cpu") -> ToyRun:
    """Train an MLP GAN on a 2-D mixture with one of the four losses.

    Args:
        mixture: "ring8", "grid25" or a :class:`Mixture`.
        loss: "minimax", "nonsaturating", "lsgan" or "ragan".
        cfg: sizes.
        seed: initialisation and data seed.
        device: where the MLPs train (data are drawn on the CPU for device-independent streams).
    """
    mix = MIXTURES[mixture] if isinstance(mixture, str) else mixture
    torch.manual_seed(seed)
    G, D = MLPGenerator(cfg.z_dim, cfg.hidden).to(device), MLPDiscriminator(2, cfg.hidden).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr, betas=(0.5, 0.99))
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr, betas=(0.5, 0.99))
    fixed_z = torch.randn(1000, cfg.z_dim, generator=torch.Generator().manual_seed(seed + 1)).to(device)
    snapshots = []

    def sample(gen):
        return {"real": mix.sample(cfg.batch_size, gen).to(device),
                "z": torch.randn(cfg.batch_size, cfg.z_dim, generator=gen).to(device)}

    def snapshot(trainer, step, logs):
        if step % cfg.snapshot_every == 0 or step == 1:
            with torch.no_grad():
                snapshots.append((step, (trainer.G_ema or trainer.G)(fixed_z).cpu().numpy()))

    d_loss, g_loss = _adversarial_losses(loss, G, D)
    scheds = {}
    if cfg.lr_decay:
        scheds = {f"sched_{k}": torch.optim.lr_scheduler.LambdaLR(o, _LinearDecay(cfg.steps))
                  for k, o in (("g", opt_g), ("d", opt_d))}
    tr = Trainer(G, sample, TrainConfig(steps=cfg.steps, log_every=max(1, cfg.steps // 60), seed=seed,
                                        amp=cfg.amp, ema=cfg.ema, desc=f"{mix.name}/{loss}"),
                 opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss, d_loss=d_loss, callbacks=[snapshot],
                 device=device, **scheds)
    history = tr.fit()
    run = ToyRun(mix, loss, (tr.G_ema or G).eval(), D.eval(), history, snapshots, seconds=tr.seconds)
    run.metrics = {**mode_coverage(run.samples(cfg.n_eval), mix),
                   "jsd_hist": histogram_jsd(mix.sample(cfg.n_eval, torch.Generator().manual_seed(99)).numpy(),
                                             run.samples(cfg.n_eval), mix.extent)}
    return run


class _LinearDecay:
    """lr factor 1 → 0 over ``steps`` updates (a class, not a lambda, so checkpoints can hold it)."""

    def __init__(self, steps: int):
        self.steps = max(1, steps)

    def __call__(self, step: int) -> float:
        return max(0.0, 1.0 - step / self.steps)


@torch_threads(1)  # MLPs this small run fastest on one thread
def collapse_against_frozen_d(run: ToyRun, steps: int, lr: float = 1e-3, seed: int = 0) -> list:
    """Keep training G while D is frozen (Goodfellow's "Helvetica scenario"); returns snapshots.

    With D fixed, the best G puts all its mass where D is most fooled: mode collapse, shown directly.
    """
    G = copy.deepcopy(run.G).train().requires_grad_(True)
    D = run.D.eval().requires_grad_(False)
    dev = _device(G)
    opt = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.99))
    fixed_z = torch.randn(1000, G.z_dim, generator=torch.Generator().manual_seed(seed + 1)).to(dev)
    with torch.no_grad():
        snaps = [(0, G(fixed_z).cpu().numpy())]

    def snap(trainer, step, logs):
        if step in (steps // 4, steps // 2, steps):
            with torch.no_grad():
                snaps.append((step, G(fixed_z).cpu().numpy()))

    tr = Trainer(G, lambda gen: {"z": torch.randn(256, G.z_dim, generator=gen).to(dev)},
                 TrainConfig(steps=steps, log_every=max(1, steps // 10), seed=seed, desc="frozen D"),
                 opt_g=opt, g_loss=lambda b: generator_loss("nonsaturating", D(G(b["z"]))), callbacks=[snap])
    tr.fit()
    D.requires_grad_(True)
    return snaps


# ------------------------------------------------------------------------- optimal D and saturation
def optimal_discriminator(run: ToyRun, grid: np.ndarray, n: int = 4000, bandwidth: float | None = None):
    """D*(x) = p_data / (p_data + p_g) on ``grid`` (..., 2), with p_g a Gaussian KDE of G's samples.

    Returns (D*, the trained D's sigmoid output) on the grid.
    """
    from scipy.stats import gaussian_kde

    pts = run.samples(n)
    kde = gaussian_kde(pts.T, bw_method=bandwidth or 0.05)
    flat = grid.reshape(-1, 2)
    p_g = kde(flat.T).reshape(grid.shape[:-1])
    p_d = run.mixture.density(grid)
    d_star = p_d / np.maximum(p_d + p_g, 1e-30)
    with torch.no_grad():
        x = torch.as_tensor(flat, dtype=torch.float32, device=_device(run.D))
        d_net = torch.sigmoid(run.D(x)).cpu().numpy().reshape(grid.shape[:-1])
    return d_star, d_net


@torch_threads(1)  # MLPs this small run fastest on one thread
def generator_gradient_at_rejection(cfg: FundamentalsConfig, d_steps: int = 300, seed: int = 0) -> dict:
    """Train D alone against a fresh G until it rejects fakes, then measure G's gradient norm under
    the minimax and the non-saturating generator losses (the reason for the non-saturating trick).
    """
    mix = MIXTURES["ring8"]
    torch.manual_seed(seed)
    G, D = MLPGenerator(cfg.z_dim, cfg.hidden), MLPDiscriminator(2, cfg.hidden)
    opt = torch.optim.Adam(D.parameters(), lr=cfg.lr, betas=(0.5, 0.99))
    gen = torch.Generator().manual_seed(seed)
    for _ in range(d_steps):
        real, z = mix.sample(256, gen), torch.randn(256, cfg.z_dim, generator=gen)
        with torch.no_grad():
            fake = G(z)
        loss = discriminator_loss("nonsaturating", D(real), D(fake))
        opt.zero_grad()
        loss.backward()
        opt.step()
    z = torch.randn(1024, cfg.z_dim, generator=gen)
    with torch.no_grad():
        out = {"mean_D_of_fake": float(torch.sigmoid(D(G(z))).mean())}
    for kind in ("minimax", "nonsaturating"):
        G.zero_grad()
        generator_loss(kind, D(G(z))).backward()
        out[f"grad_norm_{kind}"] = float(torch.sqrt(sum((p.grad**2).sum() for p in G.parameters())))
    return out


def _device(module: nn.Module) -> torch.device:
    return next(module.parameters()).device
