"""Vessel-aware evaluation inside the field of view: PSNR / SSIM, Frangi vessel correlation, gradient
ratio (the perception axis), microaneurysm contrast, and the vessel-richest window for zoomed crops.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..data.degrade import crop_to_multiple
from ..metrics import gradient_magnitude_ratio, psnr, ssim, vessel_correlation
from ..models import RRDBNet
from .data import FundusImage, bicubic, degrade
from .training import super_resolve


def _green(x: np.ndarray) -> np.ndarray:
    return x[1] if x.ndim == 3 else x  # the green channel carries the vessel contrast in fundus photos


def find_microaneurysms(hr: np.ndarray, *, sigmas=(1.5, 4.0), isotropy: float = 0.5,
                        relative: float = 0.5) -> np.ndarray:
    """Dark round blobs of a fundus green channel: (K, 3) rows of (row, col, sigma).

    Laplacian-of-Gaussian blobs, kept when the Hessian at the blob's scale curves up equally in both
    directions (eigenvalue ratio ≥ ``isotropy``: vessels are elongated) and at least ``relative`` as
    strongly as the strongest one, away from the border. Our detector, for the contrast measure.
    """
    from skimage.feature import blob_log, hessian_matrix, hessian_matrix_eigvals

    g = _green(hr).astype(np.float64)
    blobs = blob_log(1.0 - g, min_sigma=sigmas[0], max_sigma=sigmas[1], num_sigma=6, threshold=0.02)
    keep, strength = [], []
    for r, c, s in blobs:
        margin = 4 * s
        if not (margin <= r < g.shape[0] - margin and margin <= c < g.shape[1] - margin):
            continue
        ev = hessian_matrix_eigvals(hessian_matrix(g, sigma=s, order="rc", use_gaussian_derivatives=True))
        lo, hi = sorted(ev[:, int(r), int(c)])
        if lo > 0 and lo / hi >= isotropy:
            keep.append((r, c, s))
            strength.append(lo)
    if not keep:
        return np.zeros((0, 3))
    keep, strength = np.array(keep), np.array(strength)
    return keep[strength >= relative * strength.max()]


def microaneurysm_contrast(image: np.ndarray, blobs: np.ndarray) -> float:
    """Mean over blobs of (ring mean − core mean) of the green channel: core r ≤ σ, ring 2.5σ < r ≤ 4σ."""
    g = _green(image).astype(np.float64)
    yy, xx = np.mgrid[0:g.shape[0], 0:g.shape[1]]
    values = []
    for r, c, s in blobs:
        d = np.hypot(yy - r, xx - c)
        values.append(g[(d > 2.5 * s) & (d <= 4 * s)].mean() - g[d <= s].mean())
    return float(np.mean(values)) if values else math.nan


def evaluate(hr: np.ndarray, sr: np.ndarray, mask: np.ndarray, *, blobs: np.ndarray | None = None) -> dict[str, float]:
    """Metrics of one SR image against its HR reference inside the FOV ``mask``.

    psnr / ssim: RGB (or grey) in [0, 1]; vessel_corr: Frangi response correlation on the green
    channel; grad_ratio: mean gradient magnitude SR / HR on the green channel (sharpness, the
    perception axis); ma_contrast_ratio: microaneurysm contrast SR / HR when ``blobs`` are given.
    """
    full = np.broadcast_to(mask, hr.shape)
    out = {"psnr": psnr(hr, sr, 1.0, full),
           "ssim": ssim(hr, sr, 1.0, mask, channel_axis=0 if hr.ndim == 3 else None),
           "vessel_corr": vessel_correlation(_green(hr), _green(sr), mask),
           "grad_ratio": gradient_magnitude_ratio(_green(sr), _green(hr), mask)}
    if blobs is not None and len(blobs):
        out["ma_contrast_ratio"] = microaneurysm_contrast(sr, blobs) / microaneurysm_contrast(hr, blobs)
    return out


@dataclass(eq=False)
class Evaluation:
    """Per dataset: mean metrics per method, and the first image's HR / LR / SR arrays for figures."""

    metrics: dict[str, dict[str, dict[str, float]]]   # dataset -> method -> metric -> mean
    hr: dict[str, np.ndarray]
    mask: dict[str, np.ndarray]
    sr: dict[str, dict[str, np.ndarray]]               # dataset -> method -> SR image
    blobs: dict[str, np.ndarray]


def evaluate_all(images: Sequence[FundusImage], models: Mapping[str, RRDBNet], scale: int, *,
                 device: Any = "cpu") -> Evaluation:
    """Bicubic and every model on every held-out image (×``scale`` bicubic LR), metrics averaged per dataset.

    Microaneurysm contrast is measured where :func:`find_microaneurysms` finds blobs in the HR image
    (only the microaneurysm crop has them; the photo's lower band has none at this scale).

    Args:
        images: from :func:`test_images`.
        models: method name -> trained model ("RRDB(P)", "ESRGAN", "ESRGAN(alpha=0.2)", ...).
        scale: the SR factor.
        device: where the models run.
    """
    sums: dict[str, dict[str, dict[str, list[float]]]] = {}
    ev = Evaluation({}, {}, {}, {}, {})
    for item in images:
        dataset = item.name.split(":")[0]
        hr, lr = degrade(item.image, scale)
        mask = crop_to_multiple(item.mask, scale)
        blobs = find_microaneurysms(hr) if dataset == "microaneurysms" else None
        outputs = {"bicubic": bicubic(lr, scale), **{m: super_resolve(g, lr, device=device) for m, g in models.items()}}
        for method, sr in outputs.items():
            for metric, value in evaluate(hr, sr, mask, blobs=blobs).items():
                sums.setdefault(dataset, {}).setdefault(method, {}).setdefault(metric, []).append(value)
        if dataset not in ev.hr:
            ev.hr[dataset], ev.mask[dataset], ev.sr[dataset] = hr, mask, outputs
            ev.blobs[dataset] = blobs if blobs is not None else np.zeros((0, 3))
    ev.metrics = {d: {m: {k: float(np.nanmean(v)) for k, v in mets.items()} for m, mets in meths.items()}
                  for d, meths in sums.items()}
    return ev


def vessel_box(hr: np.ndarray, mask: np.ndarray, size: int) -> tuple[int, int]:
    """Top-left corner of the ``size``² window with the most vesselness inside the FOV (for zoomed crops)."""
    from scipy.ndimage import uniform_filter
    from skimage.filters import frangi

    v = frangi(_green(hr), sigmas=(1, 2), black_ridges=True) * mask
    score = uniform_filter(v, size, mode="constant")
    h = size // 2
    score[:h], score[-h:], score[:, :h], score[:, -h:] = 0, 0, 0, 0
    r, c = np.unravel_index(int(np.argmax(score)), score.shape)
    return int(r - h), int(c - h)
