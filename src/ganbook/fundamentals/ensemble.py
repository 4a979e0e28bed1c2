"""Many toy GANs at once: the standard mode-collapse protocol over losses and seeds in one batched run.

VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018, Table 1) score a GAN on Ring8 / Grid25
by 2,500 samples and average over independent trials. Here E independent GANs ("members", one per
(loss, seed)) share one batched network per role: every linear layer stores E weight matrices and
multiplies E batches with one ``baddbmm``. A member's loss reaches only its own weights and Adam is
elementwise, so each member is updated exactly as if it trained alone; on 2 cores twenty members
cost a few times one, not twenty.

Remedies for mode collapse, as discriminator options:

* ``pack`` — PacGAN: D judges ``pack`` samples concatenated, all real or all fake, so a generator
  that repeats itself is easy to spot (Lin et al. 2018);
* ``minibatch_std`` — the minibatch standard-deviation feature of ProGAN / StyleGAN2 (the layer the
  StyleGAN2 discriminator of notebook 04 ends with): the std of D's features over a group of
  samples, appended as one more feature before D's last hidden layer.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..losses.gan import discriminator_loss, generator_loss
from ..train import TrainConfig, Trainer
from .data import MIXTURES, Mixture

__all__ = ["TrainedToy", "EnsembleLinear", "EnsembleGenerator", "EnsembleDiscriminator", "EnsembleConfig",
           "TrainedEnsemble", "train_ensemble"]


@dataclass
class TrainedToy:
    """One GAN trained on a 2-D mixture: its models, loss history and training snapshots."""

    mixture: Mixture
    loss: str
    G: nn.Module  # z (B, z_dim) → points (B, 2); has ``z_dim``
    D: nn.Module  # points (B, 2) → logits (B,)
    history: dict
    snapshots: list = field(default_factory=list)  # [(step, (1000, 2) array)] of G on fixed latents
    seconds: float = 0.0

    def samples(self, n: int, seed: int = 1234) -> np.ndarray:
        """``n`` generated points (n, 2) from latents drawn with ``seed``."""
        z = torch.randn(n, self.G.z_dim, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            return self.G(z.to(_device(self.G))).cpu().numpy()


class _LinearDecay:
    """Learning-rate factor 1 → 0 over ``steps`` updates (a class, not a lambda, so checkpoints can hold it)."""

    def __init__(self, steps: int):
        self.steps = max(1, steps)

    def __call__(self, step: int) -> float:
        return max(0.0, 1.0 - step / self.steps)


def _device(module: nn.Module) -> torch.device:
    return next(module.parameters()).device


class EnsembleLinear(nn.Module):
    """E independent linear layers: (E, B, in) → (E, B, out), each member initialised like ``nn.Linear``."""

    def __init__(self, seeds: list[int], in_features: int, out_features: int, salt: int):
        super().__init__()
        bound = 1.0 / math.sqrt(in_features)
        weights, biases = [], []
        for seed in seeds:  # a member's initial weights depend on its seed only, not on its neighbours
            g = torch.Generator().manual_seed(seed * 1_000_003 + salt)
            weights.append((torch.rand(in_features, out_features, generator=g) * 2 - 1) * bound)
            biases.append((torch.rand(1, out_features, generator=g) * 2 - 1) * bound)
        self.weight = nn.Parameter(torch.stack(weights))  # (E, in, out)
        self.bias = nn.Parameter(torch.stack(biases))  # (E, 1, out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


def _mlp(seeds, sizes, act, salt):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(EnsembleLinear(seeds, a, b, salt + i))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


class EnsembleGenerator(nn.Module):
    """z (E, B, z_dim) → points (E, B, 2): ``depth`` ReLU hidden layers of ``hidden`` units per member."""

    def __init__(self, seeds: list[int], z_dim: int, hidden: int, depth: int, scale: float = 1.0):
        super().__init__()
        self.z_dim, self.members, self.scale = z_dim, len(seeds), scale
        self.net = _mlp(seeds, [z_dim] + [hidden] * depth + [2], nn.ReLU, salt=0)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z) * self.scale


class EnsembleDiscriminator(nn.Module):
    """Points (E, B, 2) → logits (E, B / pack): LeakyReLU(0.2) MLP, optional packing and minibatch std."""

    def __init__(self, seeds: list[int], hidden: int, depth: int, pack: int = 1, minibatch_std: int = 0,
                 scale: float = 1.0):
        super().__init__()
        self.pack, self.group, self.scale = pack, minibatch_std, scale
        sizes = [2 * pack] + [hidden] * depth
        self.body = _mlp(seeds, sizes, lambda: nn.LeakyReLU(0.2), salt=100)
        self.act = nn.LeakyReLU(0.2)
        self.head = _mlp(seeds, [hidden + (1 if minibatch_std else 0), hidden, 1], lambda: nn.LeakyReLU(0.2),
                         salt=200)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e, b, _ = x.shape
        h = self.act(self.body(x.reshape(e, b // self.pack, 2 * self.pack) / self.scale))  # (E, B/pack, hidden)
        if self.group:
            g = min(self.group, h.shape[1])
            groups = h.reshape(e, -1, g, h.shape[-1])  # (E, B/pack/g, g, hidden)
            std = torch.sqrt(groups.var(dim=2, unbiased=False) + 1e-8).mean(-1, keepdim=True)  # (E, n, 1)
            h = torch.cat([h, std.repeat_interleave(g, dim=1)], -1)
        return self.head(h).squeeze(-1)


@dataclass(frozen=True)
class EnsembleConfig:
    """One batched run (our choices; PacGAN's nets were G 4×400 ReLU + BN, D 3×200 maxout).

    Attributes:
        steps: GAN steps (one D and one G update each).
        batch_size: samples per member per step (a multiple of ``pack`` × ``minibatch_std`` group).
        hidden, g_depth, d_depth: widths and hidden-layer counts of G and D.
        z_dim: latent size.
        learning_rate: Adam (β = 0.5, 0.99) for both nets, annealed linearly to 0 when ``decay``.
        d_learning_rate: D's own learning rate (None: ``learning_rate``; a slower D is a collapse regime).
        pack: PacGAN packing degree (1: a plain D).
        minibatch_std: group size of the minibatch-std feature (0: off).
        decay: anneal the learning rates linearly to 0.
        normalise: the nets work in coordinates divided by the mixture's ``scale`` (G's output is
            multiplied by it, D's input divided), so one learning rate suits Ring8 (±1) and Grid25 (±4).
        snapshot_every: keep every member's samples on 1,000 fixed latents every this many steps
            (and at step 1; 0: none).
    """

    steps: int = 3000
    batch_size: int = 256
    hidden: int = 128
    g_depth: int = 3
    d_depth: int = 2
    z_dim: int = 8
    learning_rate: float = 1e-3
    pack: int = 1
    minibatch_std: int = 0
    decay: bool = True
    d_learning_rate: float | None = None
    normalise: bool = True
    snapshot_every: int = 0


@dataclass
class TrainedEnsemble:
    """E GANs trained together on one mixture; member i is ``(losses[i], seeds[i])``."""

    mixture: Mixture
    losses: list[str]
    seeds: list[int]
    G: EnsembleGenerator
    D: EnsembleDiscriminator
    config: EnsembleConfig
    history: dict = field(default_factory=dict)
    seconds: float = 0.0
    snapshots: list = field(default_factory=list)  # [(step, (E, 1000, 2) samples on fixed latents)]

    def samples(self, n: int, seed: int = 1234) -> np.ndarray:
        """(E, n, 2) generated points, every member on the same latents drawn with ``seed``."""
        z = torch.randn(n, self.G.z_dim, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            return self.G(z.expand(self.G.members, n, -1).contiguous().to(_device(self.G))).cpu().numpy()

    def member(self, loss: str, seed: int) -> TrainedToy:
        """Member ``(loss, seed)`` on its own, as a :class:`TrainedToy` (its own G, D, losses and snapshots)."""
        pairs = list(zip(self.losses, self.seeds))
        if (loss, seed) not in pairs:
            raise KeyError(f"no member ({loss!r}, {seed}) in this ensemble; it holds {pairs}")
        i = pairs.index((loss, seed))
        history = {"step": self.history["step"], "phase": self.history["phase"],
                   "loss_d": self.history[f"loss_d/{i}"], "loss_g": self.history[f"loss_g/{i}"]}
        return TrainedToy(self.mixture, loss, _Single(self.G, i).eval(), _Single(self.D, i).eval(), history,
                          [(step, xy[i]) for step, xy in self.snapshots], self.seconds / len(pairs))


class _Single(nn.Module):
    """One member of an ensemble network as an ordinary module: (B, …) → (B, …), its own copy of the weights."""

    def __init__(self, ensemble: nn.Module, i: int):
        super().__init__()
        self.net = copy.deepcopy(ensemble)
        for layer in self.net.modules():
            if isinstance(layer, EnsembleLinear):
                layer.weight = nn.Parameter(layer.weight.data[i:i + 1].clone())
                layer.bias = nn.Parameter(layer.bias.data[i:i + 1].clone())
        if hasattr(ensemble, "members"):
            self.net.members = 1
        self.z_dim = getattr(ensemble, "z_dim", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x[None])[0]


def train_ensemble(mixture: str | Mixture, losses: list[str], seeds: list[int], cfg: EnsembleConfig,
                   *, data_seed: int = 0, device="cpu") -> TrainedEnsemble:
    """Train one GAN per (losses[i], seeds[i]) on ``mixture``, all at once on the CPU.

    Each member draws its own real batch and latents every step (one data RNG seeded by ``data_seed``);
    its seed fixes its initial weights. Runs on torch's current thread count (batched products, unlike
    one tiny MLP, gain from a second core).

    Measured on 2 cores (AMD EPYC, fp32, 3 + 3 hidden layers of 64 units): twenty members take 13 ms per
    step at batch 64 (the demo) and 32 ms at batch 256.
    """
    if len(losses) != len(seeds):
        raise ValueError(f"losses and seeds must pair up, got {len(losses)} losses and {len(seeds)} seeds")
    unit = cfg.pack * max(cfg.minibatch_std, 1)
    if cfg.batch_size % unit:
        raise ValueError(f"batch_size {cfg.batch_size} must be a multiple of pack × minibatch_std group = {unit}")
    mix = MIXTURES[mixture] if isinstance(mixture, str) else mixture
    members = len(seeds)
    scale = mix.scale if cfg.normalise else 1.0
    G = EnsembleGenerator(seeds, cfg.z_dim, cfg.hidden, cfg.g_depth, scale).to(device)
    D = EnsembleDiscriminator(seeds, cfg.hidden, cfg.d_depth, cfg.pack, cfg.minibatch_std, scale).to(device)
    # fused Adam: the same update in one kernel per step (many small tensors make the loop cost more than the maths)
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.learning_rate, betas=(0.5, 0.99), fused=True)
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.d_learning_rate or cfg.learning_rate, betas=(0.5, 0.99),
                             fused=True)

    def sample(rng):
        real = mix.sample(members * cfg.batch_size, rng).reshape(members, cfg.batch_size, 2)
        z = torch.randn(members, cfg.batch_size, cfg.z_dim, generator=rng)  # drawn on the CPU: same streams
        return {"real": real.to(device), "z": z.to(device)}

    groups = {k: torch.tensor([i for i, l in enumerate(losses) if l == k]) for k in dict.fromkeys(losses)}

    def per_member(fn, *logits):
        """(E,) losses: ``fn`` on the members of each loss kind at once (expectations over each member's batch)."""
        out = torch.zeros(members, device=logits[0].device)
        for k, idx in groups.items():
            idx = idx.to(out.device)
            out = out.index_put((idx,), fn(k, *(t[idx] for t in logits), dim=-1))
        return out

    def d_loss(b):
        with torch.no_grad():
            fake = G(b["z"])
        each = per_member(discriminator_loss, D(b["real"]), D(fake))
        # the sum of the members' own losses: each gradient reaches only that member's weights
        return each.sum(), {f"loss_d/{i}": v for i, v in enumerate(each.detach().tolist())}

    def g_loss(b):
        fake_logits = D(G(b["z"]))
        # only RaGAN's generator loss reads D on real samples; the others ignore that argument
        each = per_member(generator_loss, fake_logits, *((D(b["real"]),) if "ragan" in groups else ()))
        return each.sum(), {f"loss_g/{i}": v for i, v in enumerate(each.detach().tolist())}

    fixed_z = torch.randn(1000, cfg.z_dim, generator=torch.Generator().manual_seed(data_seed + 1))
    fixed_z = fixed_z.expand(members, -1, -1).contiguous().to(device)
    snapshots = []

    def snapshot(trainer, step, logs):
        if cfg.snapshot_every and (step % cfg.snapshot_every == 0 or step == 1):
            with torch.no_grad():
                snapshots.append((step, G(fixed_z).cpu().numpy()))

    scheds = {}
    if cfg.decay:
        scheds = {f"sched_{k}": torch.optim.lr_scheduler.LambdaLR(o, _LinearDecay(cfg.steps))
                  for k, o in (("g", opt_g), ("d", opt_d))}
    tr = Trainer(G, sample, TrainConfig(steps=cfg.steps, log_every=max(1, cfg.steps // 50), seed=data_seed,
                                        desc=f"{mix.name} ×{members}"),
                 opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss, d_loss=d_loss, callbacks=[snapshot],
                 device=device, **scheds)
    history = tr.fit()
    return TrainedEnsemble(mix, list(losses), list(seeds), G.eval(), D.eval(), cfg, history, tr.seconds, snapshots)
