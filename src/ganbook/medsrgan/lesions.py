"""Lesion detectability and hallucination counts: nodule insertion, a channelised Hotelling observer, blobs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import ndimage

from ..data.degrade import average_pool
from .config import HU_WINDOW, MedSRGANConfig, to_hu
from .data import TrainingData
from .evaluation import method_table
from .training import TrainedMedSRGAN


def insert_lesions(image: np.ndarray, centres: Sequence[tuple[int, int]], radius: float, contrast: float) -> np.ndarray:
    """Add discs of ``contrast`` (image units) with anti-aliased edges at ``centres`` (row, col)."""
    out = np.array(image, np.float32, copy=True)
    r = int(np.ceil(radius + 1))
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    disc = np.clip(radius + 0.5 - np.hypot(yy, xx), 0.0, 1.0).astype(np.float32) * contrast
    for cy, cx in centres:
        out[cy - r:cy + r + 1, cx - r:cx + r + 1] += disc
    return out


def _soft_tissue(image_hu: np.ndarray, mask: np.ndarray, margin: int) -> np.ndarray:
    """Homogeneous soft tissue: local mean in [−100, 150] HU, local std < 40 HU, ``margin`` inside the body."""
    mean = ndimage.uniform_filter(image_hu, 9)
    std = np.sqrt(np.maximum(ndimage.uniform_filter(image_hu**2, 9) - mean**2, 0))
    inner = ndimage.binary_erosion(mask, iterations=margin, border_value=0)
    return inner & (mean > -100) & (mean < 150) & (std < 40)


def lesion_sites(eligible: np.ndarray, n: int, rng: np.random.Generator, min_distance: float) -> list[tuple[int, int]]:
    """Up to ``n`` random pixels of ``eligible`` at least ``min_distance`` apart."""
    cand = np.flatnonzero(eligible)
    picked: list[tuple[int, int]] = []
    for idx in rng.permutation(cand)[: 200 * n]:
        p = divmod(int(idx), eligible.shape[1])
        if all((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 >= min_distance**2 for q in picked):
            picked.append(p)
            if len(picked) == n:
                break
    return picked


def laguerre_gauss_channels(size: int, width: float, n: int = 5) -> np.ndarray:
    """Laguerre–Gauss channels u_j(r) = exp(−π r²/a²) L_j(2π r²/a²), j < n, on a (size, size) grid.

    The standard channels for detecting a rotationally symmetric signal at a known position (Barrett &
    Myers): a handful of smooth radial profiles summarise a patch with little loss for such signals.
    """
    c = (size - 1) / 2
    yy, xx = np.mgrid[:size, :size]
    g = 2 * np.pi * ((yy - c) ** 2 + (xx - c) ** 2) / width**2
    from scipy.special import eval_laguerre

    chans = np.stack([np.exp(-g / 2) * eval_laguerre(j, g) for j in range(n)])
    return chans / np.linalg.norm(chans.reshape(n, -1), axis=1)[:, None, None]


def cho_detectability(present: np.ndarray, absent: np.ndarray, channels: np.ndarray) -> dict[str, float]:
    """Channelised Hotelling observer: AUC (with its standard error) and d′, lesion-present vs -absent patches.

    The Hotelling template (channel covariance⁻¹ × mean difference) is estimated on the even-numbered
    patches and applied to the odd-numbered ones, so the figures of merit are not inflated by
    resubstitution.

    Args:
        present, absent: (N, P, P) patches centred on the (known) lesion site.
        channels: (J, P, P) channel profiles.
    """
    v1 = np.einsum("nij,cij->nc", present, channels, dtype=np.float64)
    v0 = np.einsum("nij,cij->nc", absent, channels, dtype=np.float64)
    tr1, te1, tr0, te0 = v1[::2], v1[1::2], v0[::2], v0[1::2]
    cov = 0.5 * (np.cov(tr1, rowvar=False) + np.cov(tr0, rowvar=False))
    cov += np.eye(len(cov)) * 1e-6 * max(np.trace(cov), 1e-12)  # ridge: few training patches
    w = np.linalg.solve(cov, tr1.mean(0) - tr0.mean(0))
    t1, t0 = te1 @ w, te0 @ w
    auc = float(((t1[:, None] > t0[None, :]).sum() + 0.5 * (t1[:, None] == t0[None, :]).sum()) / (len(t1) * len(t0)))
    dprime = float((t1.mean() - t0.mean()) / np.sqrt(0.5 * (t1.var(ddof=1) + t0.var(ddof=1)) + 1e-30))
    # Hanley & McNeil (1982) standard error of the AUC: how far apart two AUCs must be to mean anything.
    n1, n0 = len(t1), len(t0)
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    se = float(np.sqrt(max(auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2), 0.0) / (n1 * n0)))
    return {"auc": auc, "dprime": dprime, "auc_se": se}


def _patches(image: np.ndarray, centres, half: int) -> np.ndarray:
    return np.stack([image[r - half:r + half + 1, c - half:c + half + 1] for r, c in centres])


def _blob_filter(radius: float) -> np.ndarray:
    """Centre-surround filter: disc mean minus ring mean (r .. 2.5r); a disc of contrast c responds ≈ c."""
    r = int(np.ceil(2.5 * radius + 1))
    d = np.hypot(*np.mgrid[-r:r + 1, -r:r + 1])
    disc, ring = d <= radius, (d > radius + 1) & (d <= 2.5 * radius + 1)
    return disc / disc.sum() - ring / ring.sum()


def count_blobs(image: np.ndarray, region: np.ndarray, radius: float, threshold: float) -> np.ndarray:
    """Centres (K, 2) of bright lesion-like blobs: local maxima of the centre-surround response > threshold."""
    resp = ndimage.convolve(np.asarray(image, np.float64), _blob_filter(radius), mode="reflect")
    peaks = (resp == ndimage.maximum_filter(resp, size=int(4 * radius) | 1)) & (resp > threshold) & region
    return np.argwhere(peaks)


def false_lesions(sr: np.ndarray, hr: np.ndarray, region: np.ndarray, radius: float, threshold: float,
                  tolerance: float = 4.0) -> dict[str, int]:
    """Blobs in SR with no HR blob within ``tolerance`` px (invented) and HR blobs SR lost (in lesion-free images)."""
    a, b = count_blobs(sr, region, radius, threshold), count_blobs(hr, region, radius, threshold)

    def unmatched(x, y):
        if not len(x):
            return 0
        if not len(y):
            return len(x)
        d = np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)).min(1)
        return int((d > tolerance).sum())

    return {"blobs": len(a), "invented": unmatched(a, b), "lost": unmatched(b, a)}


@dataclass
class LesionStudy:
    """Results of :func:`lesion_study`.

    Attributes:
        contrasts: lesion contrasts (HU).
        scores: scores[method][contrast] = {"auc", "dprime", "auc_se"}.
        false: false[method] = {"blobs", "invented", "lost"} summed over lesion-free test slices.
        examples: examples[method] = one lesion-present patch per contrast (HU), for the figure.
        n_present: lesion-present patches per contrast (as many absent).
        threshold_hu: blob threshold of the false-lesion count.
    """

    contrasts: tuple
    scores: dict
    false: dict
    examples: dict
    n_present: int
    threshold_hu: float

    def detectability(self) -> dict[str, dict[str, float]]:
        """``{method: {metric: value}}``: AUC, d′ and the AUC's standard error at each contrast, then the mean AUC.

        Metric names: ``auc@<c>HU``, ``dprime@<c>HU``, ``auc_se@<c>HU`` per contrast (in that order), then
        ``auc_mean`` over the contrasts.
        """
        table = {}
        for method, by_contrast in self.scores.items():
            row = {}
            for c, fom in by_contrast.items():
                row.update({f"auc@{c:g}HU": fom["auc"], f"dprime@{c:g}HU": fom["dprime"],
                            f"auc_se@{c:g}HU": fom["auc_se"]})
            row["auc_mean"] = float(np.mean([fom["auc"] for fom in by_contrast.values()]))
            table[method] = row
        return table


def lesion_study(trained: TrainedMedSRGAN, data: TrainingData, cfg: MedSRGANConfig, *, seed: int = 0,
                 device="cpu") -> LesionStudy:
    """Insert nodules of known contrast into held-out CT slices, degrade, super-resolve, and detect them.

    For each test slice and realisation, ``lesion_sites`` discs are added at random homogeneous
    soft-tissue sites and as many other sites stay lesion-free; the slice is average-pooled ×4 and
    super-resolved by each method ("HR" = the lesion image itself, no degradation). A channelised
    Hotelling observer (5 Laguerre–Gauss channels) reads 25×25 patches at the known sites. False
    lesions: blobs whose centre-surround contrast exceeds ``cfg.blob_threshold_hu``, found in the SR of
    the lesion-free slice with no HR blob within 4 px (:func:`false_lesions`).
    """
    rng = np.random.default_rng([seed, 1])
    methods = {"HR": None, **method_table(trained, cfg, device=device)}
    half, radius = 12, cfg.lesion_radius_px
    channels = laguerre_gauss_channels(2 * half + 1, 3 * radius)
    to_unit = 1.0 / (HU_WINDOW[1] - HU_WINDOW[0])
    present = {m: {c: [] for c in cfg.lesion_contrasts} for m in methods}
    absent = {m: {c: [] for c in cfg.lesion_contrasts} for m in methods}
    examples = {m: [] for m in methods}
    threshold = cfg.blob_threshold_hu
    false = {m: {"blobs": 0, "invented": 0, "lost": 0} for m in methods if m != "HR"}
    for hr, mask in zip(data.test, data.test_masks):
        eligible = _soft_tissue(to_hu(hr), mask, margin=half + 4)
        eligible[:half + 1], eligible[-half - 1:], eligible[:, :half + 1], eligible[:, -half - 1:] = False, False, False, False
        lr0 = average_pool(hr, 4)
        for m, fn in methods.items():  # lesion-free slice: does SR create lesion-like blobs?
            if fn is not None:
                counts = false_lesions(to_hu(fn(lr0)), to_hu(hr), eligible, radius, threshold)
                for k in counts:
                    false[m][k] += counts[k]
        for _ in range(cfg.lesion_realisations):
            sites = lesion_sites(eligible, 2 * cfg.lesion_sites, rng, min_distance=4 * half)
            k = len(sites) // 2
            if k < 2:
                continue
            with_lesion, without = sites[:k], sites[k:2 * k]
            for c in cfg.lesion_contrasts:
                img = insert_lesions(hr, with_lesion, radius, c * to_unit)
                lr = average_pool(img, 4)
                for m, fn in methods.items():
                    out = to_hu(img if fn is None else fn(lr))
                    present[m][c].append(_patches(out, with_lesion, half))
                    absent[m][c].append(_patches(out, without, half))
                    if len(examples[m]) < len(cfg.lesion_contrasts) and len(present[m][c]) == 1:
                        examples[m].append(present[m][c][0][0])
    scores = {m: {c: cho_detectability(np.concatenate(present[m][c]), np.concatenate(absent[m][c]), channels)
                  for c in cfg.lesion_contrasts} for m in methods}
    n = len(np.concatenate(present["HR"][cfg.lesion_contrasts[0]]))
    return LesionStudy(tuple(cfg.lesion_contrasts), scores, false, examples, n, threshold)
