"""Sizes for notebook 00: :class:`FundamentalsConfig` and its ``PROFILES`` (smoke / demo / paper).

The MLPs, latent size and optimiser are our choices (the 2014 paper used maxout nets and SGD with momentum).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FundamentalsConfig:
    """Sizes for notebook 00 (all choices; see the module docstring)."""

    steps: int = 4000            # GAN steps per (mixture, loss) run
    batch_size: int = 256
    hidden: int = 128            # width of both MLPs (2 hidden layers)
    z_dim: int = 8
    learning_rate: float = 1e-3  # Adam, β = (0.5, 0.99) for G and D
    snapshot_every: int = 250    # training snapshots for the scrubber
    n_eval: int = 5000           # samples used for the metrics
    collapse_steps: int = 1000   # G-only steps against a frozen D (the collapse demo)
    collapse_learning_rate: float = 5e-3  # a bold G learning rate makes the collapse visible within seconds
    digits_steps: int = 3000     # the 8×8 digits GAN
    digits_batch: int = 64
    ema: float = 0.0             # >0: evaluate an exponential moving average of G (see train.TrainConfig)
    learning_rate_decay: bool = True  # anneal both learning rates linearly to 0 (sharpens the modes at the end)
    amp: bool = False            # MLPs this small gain nothing from bf16


PROFILES = {
    "smoke": FundamentalsConfig(steps=150, batch_size=128, hidden=64, snapshot_every=50, n_eval=1000,
                                collapse_steps=100, digits_steps=150),
    "demo": FundamentalsConfig(),
    "paper": FundamentalsConfig(steps=20000, batch_size=512, hidden=256, snapshot_every=1000, n_eval=20000,
                                collapse_steps=3000, digits_steps=20000),
}
