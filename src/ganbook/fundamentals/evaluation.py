"""Judging the GANs of notebook 00 by their samples: mode coverage on the 2-D mixtures, the optimal
discriminator D*, and a classifier judge for the 8×8 digits.

Mode-coverage metrics (our definitions, common in the mode-collapse literature):

* a sample is *high quality* if it lies within 3 std of its nearest mode;
* a mode is *recovered* if at least 20 % of its fair share (N/K of all N samples) are high quality
  samples nearest to it;
* ``kl_modes`` = KL(q ‖ uniform) of the high-quality samples' mode histogram q (0 = all modes equal);
* ``jsd_hist`` = Jensen–Shannon divergence (nats, ≤ log 2) between 2-D histograms of data and samples.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import torch

from ..runtime import torch_threads
from .config import FundamentalsConfig
from .data import Mixture, load_digits_split
from .training import TrainedDigits, TrainedToy, _device


# ------------------------------------------------------------------------------ 2-D mode coverage
def mode_coverage(samples: np.ndarray, mixture: Mixture, share: float = 0.2) -> dict:
    """Modes recovered (of ``modes_total``), % high-quality samples and KL(q ‖ uniform) over modes.

    See the module docstring for the definitions; ``share`` is the fraction of a mode's fair share
    of samples it must hold to count as recovered.
    """
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
    edges = [[-extent, extent], [-extent, extent]]
    p, _, _ = np.histogram2d(a[:, 0], a[:, 1], bins=bins, range=edges)
    q, _, _ = np.histogram2d(b[:, 0], b[:, 1], bins=bins, range=edges)
    p, q = p.ravel() / max(p.sum(), 1), q.ravel() / max(q.sum(), 1)
    m = 0.5 * (p + q)

    def kl(x, y):
        nz = x > 0
        return float(np.sum(x[nz] * np.log(x[nz] / y[nz])))

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


@torch_threads(1)  # MLPs this small run fastest on one thread
def evaluate(trained: Mapping[str, TrainedToy], cfg: FundamentalsConfig) -> dict[str, dict[str, float]]:
    """Mode coverage of GANs trained on one mixture, ``{loss: {metric: value}}``.

    Each run is judged on ``cfg.n_eval`` samples (latent seed 1234): :func:`mode_coverage`
    (``modes_recovered``, ``modes_total``, ``high_quality_pct``, ``kl_modes``) and ``jsd_hist``
    against ``cfg.n_eval`` data points (seed 99).

    Args:
        trained: ``{loss: TrainedToy}``, all on the same mixture (e.g. one row of the notebook's runs).
        cfg: sizes.
    """
    scores = {}
    for loss, run in trained.items():
        mix, fake = run.mixture, run.samples(cfg.n_eval)
        data = mix.sample(cfg.n_eval, torch.Generator().manual_seed(99)).numpy()
        scores[loss] = {**mode_coverage(fake, mix), "jsd_hist": histogram_jsd(data, fake, mix.extent)}
    return scores


# ---------------------------------------------------------------------------------- optimal D
def optimal_discriminator(trained: TrainedToy, grid: np.ndarray, n: int = 4000, bandwidth: float | None = None):
    """D*(x) = p_data / (p_data + p_g) on ``grid`` (..., 2), with p_g a Gaussian KDE of G's samples.

    Args:
        trained: the run whose G and D are compared.
        grid: (..., 2) points.
        n: generator samples for the KDE.
        bandwidth: the KDE's bandwidth factor (default 0.05).

    Returns:
        (D*, the trained D's sigmoid output), each of shape ``grid.shape[:-1]``.
    """
    from scipy.stats import gaussian_kde

    pts = trained.samples(n)
    kde = gaussian_kde(pts.T, bw_method=bandwidth or 0.05)
    flat = grid.reshape(-1, 2)
    p_g = kde(flat.T).reshape(grid.shape[:-1])
    p_d = trained.mixture.density(grid)
    d_star = p_d / np.maximum(p_d + p_g, 1e-30)
    with torch.no_grad():
        x = torch.as_tensor(flat, dtype=torch.float32, device=_device(trained.D))
        d_net = torch.sigmoid(trained.D(x)).cpu().numpy().reshape(grid.shape[:-1])
    return d_star, d_net


# ------------------------------------------------------------------------------------- 8×8 digits
def digits_scores(samples: np.ndarray, seed: int = 0) -> dict:
    """Judge digits (N, 8, 8) in grey levels 0..16 with a classifier trained on the real training split.

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


def evaluate_digits(trained: TrainedDigits, *, n: int = 500, seed: int = 0) -> dict[str, dict[str, float]]:
    """:func:`digits_scores` of ``n`` GAN samples (latent seed ``seed``) and of the real test digits.

    Returns:
        ``{"GAN samples": {...}, "real test digits": {...}}``; the real digits are the reference a
        perfect generator would match.
    """
    _, (x_test, _) = load_digits_split(seed)
    return {"GAN samples": digits_scores(trained.samples(n, seed=seed), seed=seed),
            "real test digits": digits_scores(x_test.reshape(-1, 8, 8), seed=seed)}
