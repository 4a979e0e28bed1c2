"""GAN fundamentals (notebook 00): 2-D Gaussian mixtures, MLP GANs under four losses, mode coverage.

Ring8 (8 modes on a circle) and Grid25 (5×5 grid) are the standard mode-collapse toys; the sizes
follow methods.md §8.1 (Ring8 radius 2, std 0.02; Grid25 means {−2..2}², std 0.05). The MLPs, latent
size and optimiser are our choices (the 2014 paper used maxout nets and SGD with momentum).

Everything here runs on one CPU thread: for 128-wide MLPs, OpenMP synchronisation costs more
than it saves (and ~50× more when another process holds a core).

Mode-coverage metrics (our definitions, common in the mode-collapse literature):
* a sample is *high quality* if it lies within 3 std of its nearest mode;
* a mode is *recovered* if it holds at least 20 % of its fair share (N/K) of the high-quality samples;
* ``kl_modes`` = KL(q ‖ uniform) of the high-quality samples' mode histogram q (0 = all modes equal);
* ``jsd_hist`` = Jensen–Shannon divergence (nats, ≤ log 2) between 2-D histograms of data and samples.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .losses.gan import discriminator_loss, generator_loss
from .runtime import torch_threads
from .train import TrainConfig, Trainer

__all__ = ["FundamentalsConfig", "PROFILES", "Mixture", "MIXTURES", "MLPGenerator", "MLPDiscriminator",
           "ToyRun", "train_toy", "mode_coverage", "histogram_jsd", "optimal_discriminator", "DigitsGAN",
           "train_digits", "digits_scores", "generator_gradient_at_rejection"]


@dataclass(frozen=True)
class FundamentalsConfig:
    """Sizes for notebook 00 (all choices; see the module docstring)."""

    steps: int = 4000            # GAN steps per (mixture, loss) run
    batch_size: int = 256
    hidden: int = 128            # width of both MLPs (2 hidden layers)
    z_dim: int = 8
    lr: float = 1e-3             # Adam, β = (0.5, 0.99) for G and D
    snapshot_every: int = 250    # training snapshots for the scrubber
    n_eval: int = 5000           # samples used for the metrics
    collapse_steps: int = 1000   # G-only steps against a frozen D (the collapse demo)
    collapse_lr: float = 5e-3    # a bold G learning rate makes the collapse visible within seconds
    digits_steps: int = 3000     # the 8×8 digits GAN
    digits_batch: int = 64
    ema: float = 0.0             # >0: evaluate an exponential moving average of G (see train.TrainConfig)
    lr_decay: bool = True        # anneal both learning rates linearly to 0 (sharpens the modes at the end)
    amp: bool = False            # MLPs this small gain nothing from bf16


PROFILES = {
    "smoke": FundamentalsConfig(steps=150, batch_size=128, hidden=64, snapshot_every=50, n_eval=1000,
                                collapse_steps=100, digits_steps=150),
    "demo": FundamentalsConfig(),
    "paper": FundamentalsConfig(steps=20000, batch_size=512, hidden=256, snapshot_every=1000, n_eval=20000,
                                collapse_steps=3000, digits_steps=20000),
}


# --------------------------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Mixture:
    """An isotropic Gaussian mixture with equal weights."""

    name: str
    means: np.ndarray  # (K, 2)
    std: float

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        idx = torch.randint(len(self.means), (n,), generator=generator)
        noise = torch.randn(n, 2, generator=generator) * self.std
        return torch.as_tensor(self.means, dtype=torch.float32)[idx] + noise

    def density(self, points: np.ndarray) -> np.ndarray:
        """p_data at (..., 2) points."""
        d2 = ((points[..., None, :] - self.means) ** 2).sum(-1)  # (..., K)
        norm = 1.0 / (2 * math.pi * self.std**2 * len(self.means))
        return norm * np.exp(-d2 / (2 * self.std**2)).sum(-1)

    @property
    def extent(self) -> float:
        return float(np.abs(self.means).max() + 6 * self.std + 0.5)


def _ring(k: int = 8, radius: float = 2.0) -> np.ndarray:
    t = 2 * np.pi * np.arange(k) / k
    return np.stack([radius * np.cos(t), radius * np.sin(t)], 1)


MIXTURES = {
    "ring8": Mixture("ring8", _ring(), 0.02),
    "grid25": Mixture("grid25", np.array([(x, y) for x in range(-2, 3) for y in range(-2, 3)], float), 0.05),
}


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


# ------------------------------------------------------------------------------------------ metrics
def mode_coverage(samples: np.ndarray, mixture: Mixture, share: float = 0.2) -> dict:
    """Modes recovered, % high-quality samples and KL(q ‖ uniform) over modes (see module docstring)."""
    d = np.sqrt(((samples[:, None, :] - mixture.means) ** 2).sum(-1))  # (N, K)
    nearest, dist = d.argmin(1), d.min(1)
    good = dist < 3 * mixture.std
    k = len(mixture.means)
    counts = np.bincount(nearest[good], minlength=k)
    recovered = int((counts >= share * len(samples) / k).sum())
    q = (counts + 1e-12) / max(counts.sum(), 1e-12)
    kl = float(np.sum(np.where(counts > 0, q * np.log(q * k), 0.0))) if counts.sum() else float(np.log(k))
    return {"modes_recovered": recovered, "modes_total": k, "high_quality_pct": 100.0 * float(good.mean()),
            "kl_modes": kl}


def histogram_jsd(a: np.ndarray, b: np.ndarray, extent: float, bins: int = 64) -> float:
    """Jensen–Shannon divergence (nats) between 2-D histograms of two point sets on [−extent, extent]²."""
    rng = [[-extent, extent], [-extent, extent]]
    p, _, _ = np.histogram2d(a[:, 0], a[:, 1], bins=bins, range=rng)
    q, _, _ = np.histogram2d(b[:, 0], b[:, 1], bins=bins, range=rng)
    p, q = p.ravel() / max(p.sum(), 1), q.ravel() / max(q.sum(), 1)
    m = 0.5 * (p + q)

    def kl(x, y):
        nz = x > 0
        return float(np.sum(x[nz] * np.log(x[nz] / y[nz])))

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


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


# ------------------------------------------------------------------------------------ 8×8 digits GAN
@dataclass
class DigitsGAN:
    G: MLPGenerator
    history: dict
    seconds: float

    def samples(self, n: int, seed: int = 0) -> np.ndarray:
        z = torch.randn(n, self.G.z_dim, generator=torch.Generator().manual_seed(seed)).to(_device(self.G))
        with torch.no_grad():
            return ((self.G(z).clamp(-1, 1) + 1) * 8).reshape(n, 8, 8).cpu().numpy()  # back to 0..16


def load_digits_split(seed: int = 0):
    """scikit-learn's 8×8 digits (shipped in the package): a fixed 80/20 train/test split."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(X))
    cut = int(0.8 * len(X))
    return (X[order[:cut]], y[order[:cut]]), (X[order[cut:]], y[order[cut:]])


@torch_threads(1)  # MLPs this small run fastest on one thread
def train_digits(cfg: FundamentalsConfig, seed: int = 0, device="cpu") -> DigitsGAN:
    """A small non-saturating MLP GAN on the training split of the 8×8 digits."""
    (x_train, _), _ = load_digits_split(seed)
    data = torch.as_tensor(x_train / 8.0 - 1.0, dtype=torch.float32)  # 0..16 → [−1, 1]
    torch.manual_seed(seed)
    G = MLPGenerator(32, 256, 64)
    G.net.append(nn.Tanh())
    G, D = G.to(device), MLPDiscriminator(64, 256).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def sample(gen):
        idx = torch.randint(len(data), (cfg.digits_batch,), generator=gen)
        return {"real": data[idx].to(device), "z": torch.randn(cfg.digits_batch, 32, generator=gen).to(device)}

    d_loss, g_loss = _adversarial_losses("nonsaturating", G, D)
    tr = Trainer(G, sample, TrainConfig(steps=cfg.digits_steps, log_every=max(1, cfg.digits_steps // 60),
                                        seed=seed, desc="digits"),
                 opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss, d_loss=d_loss, device=device)
    hist = tr.fit()
    return DigitsGAN(G.eval(), hist, tr.seconds)


def digits_scores(samples: np.ndarray, seed: int = 0) -> dict:
    """Judge generated digits with a classifier trained on the real training split.

    Returns test accuracy of the judge, the number of classes holding ≥ 5 % of the samples
    (coverage), the mean top-class probability (confidence: blurry or broken digits score low) and
    the mean distance to the nearest training image relative to that of real test images
    (≈ 1 means as close to the training set as unseen real digits; ≪ 1 would mean memorisation).
    """
    from sklearn.linear_model import LogisticRegression

    (x_tr, y_tr), (x_te, y_te) = load_digits_split(seed)
    clf = LogisticRegression(max_iter=2000).fit(x_tr / 16.0, y_tr)
    flat = samples.reshape(len(samples), -1)
    prob = clf.predict_proba(flat / 16.0)
    counts = np.bincount(prob.argmax(1), minlength=10)

    def nn_dist(x):
        return np.sqrt(((x[:, None, :] - x_tr[None]) ** 2).sum(-1)).min(1).mean()

    return {"judge_test_accuracy": float(clf.score(x_te / 16.0, y_te)),
            "classes_covered": int((counts >= 0.05 * len(samples)).sum()),
            "mean_confidence": float(prob.max(1).mean()),
            "nn_distance_ratio": float(nn_dist(flat) / nn_dist(x_te))}


def _device(module: nn.Module) -> torch.device:
    return next(module.parameters()).device
