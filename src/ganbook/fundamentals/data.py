"""The data of notebook 00: the 2-D Gaussian mixtures Ring8 and Grid25, and scikit-learn's 8×8 digits.

Ring8 (8 modes on a circle of radius 1, std 0.01) and Grid25 (a 5×5 grid of means {−4, −2, 0, 2, 4}²,
std 0.05) are the standard mode-collapse toys with the sizes of VEEGAN (Srivastava et al. 2017) and
PacGAN (Lin et al. 2018, Table 1), so our mode counts can sit beside theirs. The digits (1,797 images,
0..16 grey levels) ship inside scikit-learn, so nothing is downloaded.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch


# ----------------------------------------------------------------------------------- 2-D mixtures
@dataclass(frozen=True)
class Mixture:
    """An isotropic Gaussian mixture with equal weights."""

    name: str
    means: np.ndarray  # (K, 2)
    std: float

    def sample(self, n: int, rng: torch.Generator | None = None) -> torch.Tensor:
        """``n`` points (n, 2), drawn from ``rng`` (torch's global generator when None)."""
        idx = torch.randint(len(self.means), (n,), generator=rng)
        noise = torch.randn(n, 2, generator=rng) * self.std
        return torch.as_tensor(self.means, dtype=torch.float32)[idx] + noise

    def density(self, points: np.ndarray, smoothing: float = 0.0) -> np.ndarray:
        """p_data at (..., 2) points, optionally convolved with an isotropic Gaussian of std ``smoothing``
        (exact: each component's variance grows by ``smoothing``²)."""
        var = self.std**2 + smoothing**2
        d2 = ((points[..., None, :] - self.means) ** 2).sum(-1)  # (..., K)
        norm = 1.0 / (2 * math.pi * var * len(self.means))
        return norm * np.exp(-d2 / (2 * var)).sum(-1)

    @property
    def extent(self) -> float:
        """Half-width of a square plot window that holds every mode with a margin."""
        return float(np.abs(self.means).max() + 6 * self.std + 0.25 * self.scale)

    @property
    def scale(self) -> float:
        """The largest mode coordinate: the networks work in coordinates divided by it (1 for Ring8, 4 for Grid25)."""
        return float(np.abs(self.means).max())


def _ring(k: int = 8, radius: float = 1.0) -> np.ndarray:
    t = 2 * np.pi * np.arange(k) / k
    return np.stack([radius * np.cos(t), radius * np.sin(t)], 1)


MIXTURES = {
    "ring8": Mixture("ring8", _ring(), 0.01),
    "grid25": Mixture("grid25", np.array([(x, y) for x in range(-4, 5, 2) for y in range(-4, 5, 2)], float), 0.05),
}


# ------------------------------------------------------------------------------------- 8×8 digits
def digits_file() -> Path:
    """The file scikit-learn reads the 8×8 digits from (for the provenance checksum)."""
    import sklearn.datasets

    return Path(sklearn.datasets.__file__).parent / "data" / "digits.csv.gz"


def load_digits_split(seed: int = 0):
    """scikit-learn's 8×8 digits: a fixed 80/20 train/test split, ``((x_train, y_train), (x_test, y_test))``.

    Images are flat (N, 64) arrays of grey levels 0..16; ``seed`` fixes the permutation.
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(X))
    cut = int(0.8 * len(X))
    return (X[order[:cut]], y[order[:cut]]), (X[order[cut:]], y[order[cut:]])
