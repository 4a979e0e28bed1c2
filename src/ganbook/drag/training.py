"""Training StyleGAN2 on the procedural faces, and loading the shipped demo generator.

Recipe (StyleGAN2, Karras et al. 2020, scaled down for 2 CPU cores): non-saturating logistic loss,
lazy R1 on reals every 16 D steps (with the paper's Adam correction c = 16/17), Adam lr 2e-3,
betas (0.0, 0.99), style mixing, an exponential moving average of G (half-life 10k images, with
the paper's ramp-up) used for all sampling, bf16 autocast. Path-length regularisation is left out
(our choice: it doubles the G step cost on a CPU and DragGAN does not need it).

The moving average is the training loop's own (``trainer.G_ema``, :class:`ganbook.train.TrainConfig`
``ema`` and ``ema_rampup``), so every loop checkpoint holds it and resume stays exact.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..checkpoint import save_checkpoint
from ..losses.gan import discriminator_loss, generator_loss
from ..models.stylegan2 import Discriminator, Generator, StyleGAN2Config
from ..models.stylegan2_official import read_generator_checkpoint
from ..train import TrainConfig, Trainer
from .data import make_face_pool

__all__ = ["FacesGANConfig", "TrainedFacesGAN", "build_trainer", "train", "save_generator", "load_generator",
           "shipped_checkpoint", "SHIPPED_NAME"]

SHIPPED_NAME = "faces64"


@dataclass
class FacesGANConfig:
    """Everything that defines a faces-GAN training run.

    Attributes:
        model: generator/discriminator sizes.
        batch_size: images per D and per G step.
        learning_rate: Adam learning rate for G and D (paper 2e-3).
        betas: Adam betas (paper (0.0, 0.99); floats, torch rejects ints).
        r1_gamma: R1 weight; StyleGAN2-ADA's heuristic 0.0002 res^2 / batch (0.0256 at 64 px, batch 32).
        r1_every: lazy regularisation interval (paper 16).
        mixing_prob: style-mixing probability (paper 0.9; 0.5 here, our choice for a short run).
        ema_kimg: EMA half-life in thousands of images (paper 10).
        ema_rampup: EMA half-life is at most this fraction of the images seen so far (paper 0.05).
        pool_size: number of rendered training faces (rendered once, seeded).
        data_seed: seed of the face pool.
        amp: bf16 autocast.
        seed: seeds model init and the loop's data RNG.
    """

    model: StyleGAN2Config = field(default_factory=StyleGAN2Config)
    batch_size: int = 32
    learning_rate: float = 2e-3
    betas: tuple[float, float] = (0.0, 0.99)
    r1_gamma: float = 0.0256
    r1_every: int = 16
    mixing_prob: float = 0.5
    ema_kimg: float = 10.0
    ema_rampup: float | None = 0.05
    pool_size: int = 16384
    data_seed: int = 12345
    amp: bool = True
    seed: int = 0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "FacesGANConfig":
        d = dict(d)
        d["model"] = StyleGAN2Config(**d["model"])
        d["betas"] = tuple(float(b) for b in d["betas"])
        return cls(**d)


def build_trainer(cfg: FacesGANConfig, steps: int, pool: torch.Tensor | None = None, checkpoint_dir=None,
                  checkpoint_every: int = 0, log_every: int = 50, desc: str = "faces GAN") -> Trainer:
    """A :class:`ganbook.train.Trainer` set up with the StyleGAN2 recipe on the face pool.

    Args:
        cfg: the run's configuration.
        steps: adversarial steps to run (raise ``trainer.config.steps`` to continue).
        pool: uint8 (N, 3, R, R) training images; rendered from ``cfg`` when None.
        checkpoint_dir, checkpoint_every, log_every: passed to :class:`TrainConfig`.
    """
    torch.manual_seed(cfg.seed)
    res = cfg.model.resolution
    pool = make_face_pool(cfg.pool_size, cfg.data_seed, res) if pool is None else pool
    if pool.shape[1:] != (3, res, res):
        raise ValueError(f"face pool has shape {tuple(pool.shape)}, expected (N, 3, {res}, {res})")
    G, D = Generator(cfg.model), Discriminator(cfg.model)
    c = cfg.r1_every / (cfg.r1_every + 1)  # lazy regularisation: keep the effective Adam dynamics
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.learning_rate, betas=cfg.betas, eps=1e-8)
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.learning_rate * c, betas=(cfg.betas[0] ** c, cfg.betas[1] ** c),
                             eps=1e-8)
    num_ws, z_dim, bs = G.num_ws, cfg.model.z_dim, cfg.batch_size

    def sample(g: torch.Generator) -> dict:
        idx = torch.randint(len(pool), (bs,), generator=g)
        mix = bool(torch.rand((), generator=g) < cfg.mixing_prob)
        return {"real": pool[idx].float() / 127.5 - 1, "z": torch.randn(2, bs, z_dim, generator=g),
                "cutoff": int(torch.randint(1, num_ws, (), generator=g)) if mix else num_ws,
                "noise_seed": int(torch.randint(2 ** 62, (), generator=g))}

    def fake_images(batch):
        z1, z2 = batch["z"]
        ws = G.mapping(z1)
        if batch["cutoff"] < num_ws:  # style mixing: layers >= cutoff take w from a second latent
            ws = torch.cat([ws[:, :batch["cutoff"]], G.mapping(z2)[:, batch["cutoff"]:]], dim=1)
        return G.synthesis(ws, noise_mode="random", rng=torch.Generator().manual_seed(batch["noise_seed"]))

    def d_loss(batch):
        with torch.no_grad():
            fake = fake_images(batch)
        real = batch["real"]
        loss = discriminator_loss("nonsaturating", D(real), D(fake))
        logs = {}
        if cfg.r1_gamma > 0 and trainer.step % cfg.r1_every == 0:
            with torch.autocast("cpu", enabled=False):  # gradient penalty in float32
                real = real.detach().requires_grad_(True)
                (grad,) = torch.autograd.grad(D(real).sum(), real, create_graph=True)
                r1 = grad.square().sum(dim=(1, 2, 3)).mean()
            loss = loss + cfg.r1_gamma / 2 * r1 * cfg.r1_every
            logs["r1"] = float(r1.detach())
        return loss, logs

    def g_loss(batch):
        return generator_loss("nonsaturating", D(fake_images(batch)))

    # Half-life ema_kimg thousand images at full strength, ramped up over the first images seen.
    tcfg = TrainConfig(steps=steps, log_every=log_every, checkpoint_every=checkpoint_every,
                       checkpoint_dir=None if checkpoint_dir is None else str(checkpoint_dir),
                       amp=cfg.amp, ema=0.5 ** (bs / max(cfg.ema_kimg * 1000, 1e-8)), ema_rampup=cfg.ema_rampup,
                       batch_size=bs, seed=cfg.seed, desc=desc)
    trainer = Trainer(G, sample, tcfg, opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss, d_loss=d_loss)
    return trainer


@dataclass
class TrainedFacesGAN:
    """A trained faces GAN.

    Attributes:
        G_ema: the moving average of G, the generator to sample from (frozen, eval mode).
        G, D: the trained generator and discriminator.
        steps: adversarial steps run.
        history: the loop's loss history.
        seconds: training time (without checkpoint writing).
        trainer: the loop, to continue training (raise ``trainer.config.steps`` and call ``fit``).
    """

    G_ema: Generator
    G: Generator
    D: Discriminator
    steps: int
    history: dict
    seconds: float
    trainer: Trainer


def train(cfg: FacesGANConfig, steps: int | None = None, minutes: float | None = None,
          work_dir: str | Path | None = None, chunk: int = 200, resume: bool = False,
          on_chunk=None) -> TrainedFacesGAN:
    """Train for a number of steps or a time budget, in chunks that each end with a loop checkpoint.

    Args:
        cfg: the run's configuration.
        steps: stop after this many steps (None: only the time budget).
        minutes: stop at the first chunk boundary after this much training time (None: only steps).
        work_dir: where the loop keeps its resumable checkpoints (None: none).
        chunk: steps per chunk (the checkpoint interval).
        resume: continue from the newest checkpoint in ``work_dir``.
        on_chunk: ``fn(trainer)`` after each chunk (e.g. export ``trainer.G_ema``).
    """
    if steps is None and minutes is None:
        raise ValueError("train needs steps, minutes or both")
    trainer = build_trainer(cfg, steps=0, checkpoint_dir=work_dir, checkpoint_every=chunk if work_dir else 0)
    if resume and work_dir is not None:
        from ..checkpoint import latest_checkpoint
        last = latest_checkpoint(work_dir)
        if last is not None:
            trainer.load(last)
    limit = math.inf if steps is None else steps
    t0 = time.perf_counter()
    while trainer.step < limit and (minutes is None or time.perf_counter() - t0 < minutes * 60):
        trainer.config.steps = int(min(limit, (trainer.step // chunk + 1) * chunk))
        trainer.fit()
        if on_chunk is not None:
            on_chunk(trainer)
    return TrainedFacesGAN(trainer.G_ema, trainer.G, trainer.D, trainer.step, trainer.history, trainer.seconds, trainer)


def save_generator(path: str | Path, G: Generator, meta: dict | None = None) -> Path:
    """Write a generator (e.g. G_ema) as a ganbook checkpoint with its config in the JSON."""
    info = {"kind": "stylegan2-generator", "model": dataclasses.asdict(G.cfg), **(meta or {})}
    return save_checkpoint(path, G.state_dict(), info)


def shipped_checkpoint() -> Path:
    """Path of the demo generator shipped with the package (``ganbook/assets/faces64.json``)."""
    return Path(__file__).resolve().parents[1] / "assets" / f"{SHIPPED_NAME}.json"


def load_generator(path: str | Path | None = None, device="cpu") -> Generator:
    """Load a generator written by :func:`save_generator` (default: the shipped demo checkpoint), in eval mode.

    Raises:
        FileNotFoundError: when the default checkpoint is missing, with the command that makes it.
    """
    if path is None:
        path = shipped_checkpoint()
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing; regenerate it with "
                                    "`python scripts/train_faces_gan.py --steps 4200 --threads 1 --out src/ganbook/assets/faces64`")
    return read_generator_checkpoint(path, device=device)
