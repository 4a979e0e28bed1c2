"""The 2-D Gaussian mixtures of notebook 00 and the mode-coverage metrics.

Ring8 (8 modes on a circle) and Grid25 (5×5 grid) are the standard mode-collapse toys; the sizes
follow methods.md §8.1 (Ring8 radius 2, std 0.02; Grid25 means {−2..2}², std 0.05).

Mode-coverage metrics (our definitions, common in the mode-collapse literature):
* a sample is *high quality* if it lies within 3 std of its nearest mode;
* a mode is *recovered* if it holds at least 20 % of its fair share (N/K) of the high-quality samples;
* ``kl_modes`` = KL(q ‖ uniform) of the high-quality samples' mode histogram q (0 = all modes equal);
* ``jsd_hist`` = Jensen–Shannon divergence (nats, ≤ log 2) between 2-D histograms of data and samples.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch


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
