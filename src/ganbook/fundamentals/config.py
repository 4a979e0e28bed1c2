"""Sizes for notebook 00: :class:`FundamentalsConfig` and its ``PROFILES`` (smoke / demo / paper).

The toy protocol follows VEEGAN / PacGAN (2-D latent, 2,500 scored samples, means over independent
trials); the MLPs, depths and optimiser are our choices (PacGAN: G 4×400 ReLU + batch norm, D 3×200
maxout; the 2014 paper: maxout nets and SGD with momentum).
"""
from __future__ import annotations

from dataclasses import dataclass

from .ensemble import EnsembleConfig

REMEDIES = {"pack": {"pack": 2}, "minibatch_std": {"minibatch_std": 4}}
"""Discriminator options that fight mode collapse: PacGAN with two packed samples, and the minibatch-std
feature over groups of four (StyleGAN2's default group size)."""


@dataclass(frozen=True)
class FundamentalsConfig:
    """Sizes for notebook 00 (all choices; see the module docstring)."""

    steps: int = 4000            # GAN steps of every toy run (one D and one G update each)
    seeds: int = 5               # independent runs per (mixture, loss): the protocol's trials
    batch_size: int = 64         # small batches, more steps: 4000 × 64 beat 2000 × 256 in the same time
    hidden: int = 64             # width of both MLPs (128 cost 3.4× the time on 2 cores)
    g_depth: int = 3             # hidden layers of G
    d_depth: int = 3             # hidden layers of D
    z_dim: int = 2               # PacGAN's latent size (8 latent dimensions left more samples between modes)
    learning_rate: float = 2e-3  # Adam, β = (0.5, 0.99) for G and D
    learning_rate_decay: bool = True  # anneal both learning rates linearly to 0 (sharpens the modes at the end)
    snapshot_every: int = 250    # training snapshots for the scrubber
    n_eval: int = 2500           # samples scored per run (VEEGAN / PacGAN)
    frozen_steps: int = 1000     # G-only steps against a frozen D
    frozen_learning_rate: float = 5e-3  # a bold G learning rate shows the drift within seconds
    collapse_steps: int = 3000   # the collapse regime: a small, slow discriminator ...
    collapse_hidden: int = 64
    collapse_batch_size: int = 128
    collapse_learning_rate: float = 1e-3
    collapse_d_learning_rate: float = 1e-4  # ... learning 10× slower than G
    remedies: tuple = ("pack",)  # names in REMEDIES, each trained in the collapse regime
    digits_steps: int = 3000     # the 8×8 digits GAN
    digits_batch: int = 64
    amp: bool = False            # MLPs this small gain nothing from bf16

    def toy(self) -> EnsembleConfig:
        """The runs of the four-loss protocol."""
        return EnsembleConfig(steps=self.steps, batch_size=self.batch_size, hidden=self.hidden,
                              g_depth=self.g_depth, d_depth=self.d_depth, z_dim=self.z_dim,
                              learning_rate=self.learning_rate, decay=self.learning_rate_decay,
                              snapshot_every=self.snapshot_every)

    def collapse(self, remedy: str | None = None) -> EnsembleConfig:
        """The collapse regime (a plain D when ``remedy`` is None, else one of ``REMEDIES``)."""
        if remedy is not None and remedy not in REMEDIES:
            raise ValueError(f"remedy must be one of {sorted(REMEDIES)} or None, got {remedy!r}")
        return EnsembleConfig(steps=self.collapse_steps, batch_size=self.collapse_batch_size,
                              hidden=self.collapse_hidden, g_depth=3, d_depth=2, z_dim=8,
                              learning_rate=self.collapse_learning_rate,
                              d_learning_rate=self.collapse_d_learning_rate,
                              decay=self.learning_rate_decay, **REMEDIES.get(remedy, {}))


PROFILES = {
    "smoke": FundamentalsConfig(steps=150, seeds=2, batch_size=128, hidden=32, snapshot_every=50, n_eval=1000,
                                frozen_steps=100, collapse_steps=150, digits_steps=150),
    "demo": FundamentalsConfig(),
    "paper": FundamentalsConfig(steps=20000, seeds=10, batch_size=512, hidden=256, learning_rate=1e-3,
                                snapshot_every=1000,
                                frozen_steps=3000, remedies=("pack", "minibatch_std"), digits_steps=20000),
}
