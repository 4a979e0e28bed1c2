"""The 8×8 digits GAN of notebook 00: scikit-learn's digits, a small MLP GAN and a classifier judge."""
from __future__ import annotations

from pathlib import Path

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..runtime import torch_threads
from ..train import TrainConfig, Trainer
from .config import FundamentalsConfig
from .training import MLPDiscriminator, MLPGenerator, _adversarial_losses, _device


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


def digits_file() -> Path:
    """The file scikit-learn reads the 8×8 digits from (for the provenance checksum)."""
    import sklearn.datasets

    return Path(sklearn.datasets.__file__).parent / "data" / "digits.csv.gz"


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
