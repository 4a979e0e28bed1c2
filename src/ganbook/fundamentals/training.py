"""The MLP GANs of notebook 00: the models, :func:`train` on a 2-D mixture under one of the four losses
(a one-member :func:`~ganbook.fundamentals.ensemble.train_ensemble`),
:func:`train_digits` on the 8×8 digits, the frozen-D collapse and the generator's gradient at rejection
(the saturation demo).

Everything here runs on one CPU thread: for 128-wide MLPs, OpenMP synchronisation costs more
than it saves (and ~50× more when another process holds a core).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..losses.gan import discriminator_loss, generator_loss
from ..runtime import torch_threads
from ..train import TrainConfig, Trainer
from .config import FundamentalsConfig
from .data import MIXTURES, Mixture, load_digits_split
from .ensemble import TrainedToy, _device, train_ensemble


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


@torch_threads(1)  # one member's MLPs run fastest on one thread
def train(mixture: str | Mixture, loss: str, cfg: FundamentalsConfig, *, seed: int = 0,
          device="cpu") -> TrainedToy:
    """Train one GAN on a 2-D mixture with one of the four losses: a one-member :func:`train_ensemble`
    with the protocol's sizes (``cfg.toy()``), ``seed`` fixing both its weights and its data."""
    return train_ensemble(mixture, [loss], [seed], cfg.toy(), data_seed=seed, device=device).member(loss, seed)


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
def collapse_against_frozen_d(trained: TrainedToy, steps: int, learning_rate: float = 1e-3, *,
                              seed: int = 0) -> list:
    """Keep training G while D is frozen (Goodfellow's "Helvetica scenario").

    With D fixed, G moves its samples towards where the frozen D is most fooled; a trained D's maxima
    sit near, not on, the modes, so the samples lose precision (measured in notebook 00: the clusters
    stay, the 3-std "high quality" share falls). ``trained`` is left as it was (G is copied).

    Returns:
        ``[(step, (1000, 2) samples)]`` on fixed latents at steps 0, steps/4, steps/2 and steps.
    """
    G = copy.deepcopy(trained.G).train().requires_grad_(True)
    D = trained.D.eval().requires_grad_(False)
    dev = _device(G)
    opt = torch.optim.Adam(G.parameters(), lr=learning_rate, betas=(0.5, 0.99))
    fixed_z = torch.randn(1000, G.z_dim, generator=torch.Generator().manual_seed(seed + 1)).to(dev)
    with torch.no_grad():
        snaps = [(0, G(fixed_z).cpu().numpy())]

    def snap(trainer, step, logs):
        if step in (steps // 4, steps // 2, steps):
            with torch.no_grad():
                snaps.append((step, G(fixed_z).cpu().numpy()))

    tr = Trainer(G, lambda rng: {"z": torch.randn(256, G.z_dim, generator=rng).to(dev)},
                 TrainConfig(steps=steps, log_every=max(1, steps // 10), seed=seed, desc="frozen D"),
                 opt_g=opt, g_loss=lambda b: generator_loss("nonsaturating", D(G(b["z"]))), callbacks=[snap])
    tr.fit()
    D.requires_grad_(True)
    return snaps


@torch_threads(1)  # MLPs this small run fastest on one thread
def generator_gradient_at_rejection(cfg: FundamentalsConfig, d_steps: int = 300, seed: int = 0) -> dict:
    """Train D alone against a fresh G until it rejects fakes, then measure G's gradient norm under
    the minimax and the non-saturating generator losses (the reason for the non-saturating trick).

    Returns:
        ``{"mean_D_of_fake", "grad_norm_minimax", "grad_norm_nonsaturating"}``.
    """
    mix = MIXTURES["ring8"]
    torch.manual_seed(seed)
    G, D = MLPGenerator(cfg.z_dim, cfg.hidden), MLPDiscriminator(2, cfg.hidden)
    opt = torch.optim.Adam(D.parameters(), lr=cfg.learning_rate, betas=(0.5, 0.99))
    rng = torch.Generator().manual_seed(seed)
    for _ in range(d_steps):
        real, z = mix.sample(256, rng), torch.randn(256, cfg.z_dim, generator=rng)
        with torch.no_grad():
            fake = G(z)
        loss = discriminator_loss("nonsaturating", D(real), D(fake))
        opt.zero_grad()
        loss.backward()
        opt.step()
    z = torch.randn(1024, cfg.z_dim, generator=rng)
    with torch.no_grad():
        out = {"mean_D_of_fake": float(torch.sigmoid(D(G(z))).mean())}
    for kind in ("minimax", "nonsaturating"):
        G.zero_grad()
        generator_loss(kind, D(G(z))).backward()
        out[f"grad_norm_{kind}"] = float(torch.sqrt(sum((p.grad**2).sum() for p in G.parameters())))
    return out


# ------------------------------------------------------------------------------------- 8×8 digits
@dataclass
class TrainedDigits:
    """The 8×8 digits GAN: its models, history and training time."""

    G: MLPGenerator
    D: MLPDiscriminator
    history: dict
    seconds: float

    def samples(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` generated digits (n, 8, 8) in grey levels 0..16, from latents drawn with ``seed``."""
        z = torch.randn(n, self.G.z_dim, generator=torch.Generator().manual_seed(seed)).to(_device(self.G))
        with torch.no_grad():
            return ((self.G(z).clamp(-1, 1) + 1) * 8).reshape(n, 8, 8).cpu().numpy()  # back to 0..16


@torch_threads(1)  # MLPs this small run fastest on one thread
def train_digits(cfg: FundamentalsConfig, *, seed: int = 0, device="cpu") -> TrainedDigits:
    """A small non-saturating MLP GAN (z 32 → 256 → 256 → 64, tanh) on the training split of the 8×8 digits.

    Adam 2e-4, β = (0.5, 0.999); ``cfg.digits_steps`` steps of ``cfg.digits_batch`` images.
    """
    (x_train, _), _ = load_digits_split(seed)
    data = torch.as_tensor(x_train / 8.0 - 1.0, dtype=torch.float32)  # 0..16 → [−1, 1]
    torch.manual_seed(seed)
    G = MLPGenerator(32, 256, 64)
    G.net.append(nn.Tanh())
    G, D = G.to(device), MLPDiscriminator(64, 256).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def sample(rng):
        idx = torch.randint(len(data), (cfg.digits_batch,), generator=rng)
        return {"real": data[idx].to(device), "z": torch.randn(cfg.digits_batch, 32, generator=rng).to(device)}

    d_loss, g_loss = _adversarial_losses("nonsaturating", G, D)
    tr = Trainer(G, sample, TrainConfig(steps=cfg.digits_steps, log_every=max(1, cfg.digits_steps // 60),
                                        seed=seed, desc="digits"),
                 opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss, d_loss=d_loss, device=device)
    hist = tr.fit()
    return TrainedDigits(G.eval(), D.eval(), hist, tr.seconds)

