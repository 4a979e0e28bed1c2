"""Judging the GANs of notebook 00 by their samples: mode coverage on the 2-D mixtures, the optimal
discriminator D* beside the trained D and the push D gives the generator, and a classifier judge for
the 8×8 digits.

Mode-coverage metrics, as VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018) count them:

* a sample is *high quality* (``hq_pct``) if it lies within 3 std of its nearest mode;
* ``modes_std_rule``: modes holding at least one high-quality sample (the standard rule, 2,500 samples);
* ``reverse_kl`` = KL(q ‖ uniform) of the high-quality samples' mode histogram q (0 = every mode equally
  used; the uniform is the data's mode distribution);

and two of ours: ``modes_recovered``, modes holding at least 20 % of their fair share (N/K of all N
samples) of high-quality samples (stricter: a stray sample does not count), and ``jsd_hist``, the
Jensen–Shannon divergence (nats, ≤ log 2) between 2-D histograms of data and samples.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import torch

from ..runtime import torch_threads
from .config import FundamentalsConfig
from .data import Mixture, load_digits_split
from .ensemble import TrainedEnsemble, TrainedToy, _device
from .training import TrainedDigits


# ------------------------------------------------------------------------------ 2-D mode coverage
def mode_coverage(samples: np.ndarray, mixture: Mixture, share: float = 0.2, radius: float | None = None) -> dict:
    """Modes covered by the standard rule and by ours (of ``modes_total``), % high-quality samples and
    KL(q ‖ uniform) over modes.

    See the module docstring for the definitions; ``share`` is the fraction of a mode's fair share
    of samples it must hold to count as recovered; ``radius`` replaces the 3-std quality radius (a
    loose radius counts clusters of samples near a mode however imprecise they are).
    """
    d = np.sqrt(((samples[:, None, :] - mixture.means) ** 2).sum(-1))  # (N, K)
    nearest, dist = d.argmin(1), d.min(1)
    good = dist < (3 * mixture.std if radius is None else radius)
    k = len(mixture.means)
    counts = np.bincount(nearest[good], minlength=k)
    recovered = int((counts >= share * len(samples) / k).sum())
    q = (counts + 1e-12) / max(counts.sum(), 1e-12)
    kl = float(np.sum(np.where(counts > 0, q * np.log(q * k), 0.0))) if counts.sum() else float(np.log(k))
    return {"modes_std_rule": int((counts > 0).sum()), "modes_recovered": recovered, "modes_total": k,
            "hq_pct": 100.0 * float(good.mean()), "reverse_kl": kl}


PROTOCOL_METRICS = ("modes_std_rule", "hq_pct", "reverse_kl")

PUBLISHED = {
    "ring8": {"GAN": {"modes_std_rule": 6.3, "hq_pct": 98.2}},
    "grid25": {"GAN": {"modes_std_rule": 17.3, "hq_pct": 94.8}, "VEEGAN": {"modes_std_rule": 24.6, "hq_pct": 40.0},
               "Unrolled GAN": {"modes_std_rule": 23.6, "hq_pct": 16.0}},
}
"""PacGAN (Lin et al., NeurIPS 2018) Table 1, their rerun of VEEGAN's protocol (Ring8 radius 1 std 0.01,
Grid25 {−4..4}² std 0.05, 2,500 samples, means over trials; G 4×400 ReLU + BN with a 2-D latent, D 3×200
maxout). Only the rows whose values we hold exactly."""


def per_seed(trained: TrainedEnsemble, n: int = 2500) -> dict[str, list[dict]]:
    """:func:`mode_coverage` of every member on ``n`` samples, ``{loss: [scores of each seed, in seed order]}``."""
    out: dict[str, list[dict]] = {}
    for loss, xy in zip(trained.losses, trained.samples(n)):
        out.setdefault(loss, []).append(mode_coverage(xy, trained.mixture))
    return out


def summarise_seeds(scores: dict[str, list[dict]], metrics=PROTOCOL_METRICS) -> dict[str, dict[str, float]]:
    """Mean and sample std over seeds, ``{loss: {metric: mean, metric + "_sd": sd, "seeds": count}}``."""
    out = {}
    for loss, runs in scores.items():
        row: dict[str, float] = {}
        for m in metrics:
            v = np.array([r[m] for r in runs], float)
            row[m], row[f"{m}_sd"] = float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0
        out[loss] = {**row, "seeds": len(runs)}
    return out


def collapse_summary(runs: list[dict], seeds: list[int]) -> dict[str, float]:
    """One collapse-regime variant over its seeds (``runs``: :func:`mode_coverage` per seed, in seed order):
    :func:`summarise_seeds` of the protocol metrics, ``modes_seed_<s>`` for each seed, and how many seeds
    cover at most half the modes (``seeds_at_most_half``) or at least 90 % (``seeds_at_least_90pct``)."""
    k = runs[0]["modes_total"]
    modes = [r["modes_std_rule"] for r in runs]
    return {**summarise_seeds({"runs": runs})["runs"], **{f"modes_seed_{s}": m for s, m in zip(seeds, modes)},
            "seeds_at_most_half": sum(m <= k // 2 for m in modes),
            "seeds_at_least_90pct": sum(m >= 0.9 * k for m in modes)}


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
    (``modes_std_rule``, ``modes_recovered``, ``modes_total``, ``hq_pct``, ``reverse_kl``) and ``jsd_hist``
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
def gaussian_kde(samples: np.ndarray, points: np.ndarray, bandwidth: float, chunk: int = 2048) -> np.ndarray:
    """Density of ``samples`` (n, 2) at (..., 2) ``points``: an isotropic Gaussian kernel of absolute std
    ``bandwidth`` on every sample (no rescaling by the samples' spread, unlike scipy's rule of thumb)."""
    flat = torch.as_tensor(points.reshape(-1, 2), dtype=torch.float64)
    xs = torch.as_tensor(samples, dtype=torch.float64)
    out = torch.empty(len(flat), dtype=torch.float64)
    norm = 1.0 / (2 * np.pi * bandwidth**2 * len(samples))
    for i in range(0, len(flat), chunk):
        d2 = torch.cdist(flat[i:i + chunk], xs).square_()  # (chunk, n), float64: no cancellation worth noting
        out[i:i + chunk] = norm * d2.mul_(-0.5 / bandwidth**2).exp_().sum(1)
    return out.numpy().reshape(points.shape[:-1])


def optimal_discriminator(trained: TrainedToy, grid: np.ndarray, n: int = 2000, bandwidth: float | None = None,
                          floor: float = 1e-4):
    """D* = p_data / (p_data + p_g) on ``grid`` (..., 2), both densities seen through one Gaussian kernel.

    p_g is only known through samples, so it is estimated by a kernel density of std ``bandwidth``;
    p_data is convolved with the same kernel (exactly, from the mixture). Smoothing one density and
    not the other would make D* ≈ 1 on every mode centre however well G covers it. With the same
    kernel, D* is the optimal discriminator between the two smoothed distributions: ½ where G matches
    the data at the kernel's scale, → 1 on missed modes, → 0 where G puts mass off the data.

    Args:
        trained: the run whose G and D are compared.
        grid: (..., 2) points; to resolve the modes its spacing should be below the data std.
        n: generator samples for the kernel density.
        bandwidth: the kernel's std in data units (default: the mixture's std).
        floor: D* is undefined (NaN) where p_data + p_g is below ``floor`` × its largest value on the
            grid: far from both, the ratio of two vanishing tails says nothing about either.

    Returns:
        (D*, the trained D's sigmoid output), each of shape ``grid.shape[:-1]``.
    """
    h = bandwidth or trained.mixture.std
    p_g = gaussian_kde(trained.samples(n), grid, h)
    p_d = trained.mixture.density(grid, smoothing=h)
    mass = p_d + p_g
    d_star = np.where(mass >= floor * mass.max(), p_d / np.maximum(mass, 1e-300), np.nan)
    return d_star, discriminator_output(trained, grid)


def discriminator_output(trained: TrainedToy, points: np.ndarray) -> np.ndarray:
    """The trained D's probability "real", σ(D(x)), at (..., 2) points."""
    with torch.no_grad():
        x = torch.as_tensor(points.reshape(-1, 2), dtype=torch.float32, device=_device(trained.D))
        return torch.sigmoid(trained.D(x)).cpu().numpy().reshape(points.shape[:-1])


def generator_push(trained: TrainedToy, points: np.ndarray, loss: str) -> np.ndarray:
    """Direction and strength with which the generator loss moves a generated sample at (..., 2) points.

    The negative gradient of the per-sample generator loss with respect to the sample, through the
    trained D with logit ℓ(x): minimax, G minimises log(1 − D) = −softplus(ℓ), so the push is σ(ℓ)∇ℓ;
    non-saturating, G minimises −log D = softplus(−ℓ), so the push is (1 − σ(ℓ))∇ℓ. Same direction,
    different strength: where D rejects a sample (σ(ℓ) ≈ 0) minimax barely moves it.

    Returns:
        (..., 2) push vectors.
    """
    if loss not in ("minimax", "nonsaturating"):
        raise ValueError(f"generator_push draws the minimax and nonsaturating losses, got {loss!r}")
    x = torch.as_tensor(points.reshape(-1, 2), dtype=torch.float32, device=_device(trained.D)).requires_grad_(True)
    logit = trained.D(x)
    weight = torch.sigmoid(logit) if loss == "minimax" else torch.sigmoid(-logit)
    (grad,) = torch.autograd.grad(logit.sum(), x)
    return (weight.detach()[:, None] * grad).cpu().numpy().reshape(points.shape)


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
