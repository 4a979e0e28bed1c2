"""Inference and vessel-aware evaluation inside the field of view: (tiled) super-resolution, PSNR /
SSIM, Frangi vessel correlation, gradient ratio (the perception axis), microaneurysm contrast, one
image's outputs for figures, and the vessel-richest window for zoomed crops.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from ..data.degrade import crop_to_multiple
from ..metrics import gradient_magnitude_ratio, periodic_artifact_rms, psnr, ssim, vessel_correlation
from ..models import RRDBNet
from ..sr.common import swd_scores
from ..sr.tiling import tiled_apply
from .config import RetinalESRGANConfig
from .data import FundusImage, bicubic, degrade


def super_resolve(model: RRDBNet, lr: np.ndarray, cfg: RetinalESRGANConfig, *, device: Any = "cpu",
                  tile: int | None = None, overlap: int | None = None, tiles_per_call: int = 1) -> np.ndarray:
    """Super-resolve one LR image (3, h, w) or (h, w) in [0, 1]; float32 inference, clipped to [0, 1].

    Grey images (the microaneurysm crop is a green channel) are replicated to RGB and the three
    output channels averaged (our choice; the model was trained on colour photographs).

    Args:
        model: a trained RRDBNet in eval mode (its scale is the SR factor).
        lr: the LR image.
        cfg: the profile's config (``cfg.overlap`` for tiles).
        device: where the model runs.
        tile: LR tile size for :func:`ganbook.sr.tiling.tiled_apply` (None: the whole image at once;
            the notebook's tiled check passes ``cfg.tile``).
        overlap: LR overlap between tiles (None: ``cfg.overlap``).
        tiles_per_call: tiles per model call (bounds the memory with ``tile``).
    """
    grey = lr.ndim == 2
    x = torch.from_numpy(np.ascontiguousarray(np.repeat(lr[None], 3, 0) if grey else lr))[None].float()
    scale = model.config.scale
    if tile is None:
        with torch.no_grad():
            y = model(x.to(device)).cpu()
    else:
        y = tiled_apply(model, x, scale, tile, cfg.overlap if overlap is None else overlap, 2,
                        batch_size=tiles_per_call, device=device)
    y = y[0].clamp(0.0, 1.0).numpy()
    return y.mean(0) if grey else y


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


def image_scores(hr: np.ndarray, sr: np.ndarray, mask: np.ndarray, *,
                 blobs: np.ndarray | None = None, scale: int = 4) -> dict[str, float]:
    """Metrics of one SR image against its HR reference inside the FOV ``mask``.

    psnr / ssim: RGB (or grey) in [0, 1]; vessel_corr: Frangi response correlation on the green
    channel; grad_ratio: mean gradient magnitude SR / HR on the green channel (sharpness, a secondary
    column: noise raises it too); periodic_artifact_rms: RMS over channels of the fixed ``scale``-periodic
    pattern in SR − HR (an upsampler's grid); ma_contrast_ratio: microaneurysm contrast SR / HR when
    ``blobs`` are given.
    """
    full = np.broadcast_to(mask, hr.shape)
    channels = [(hr, sr)] if hr.ndim == 2 else list(zip(hr, sr))
    out = {"psnr": psnr(hr, sr, 1.0, full),
           "ssim": ssim(hr, sr, 1.0, mask, channel_axis=0 if hr.ndim == 3 else None),
           "vessel_corr": vessel_correlation(_green(hr), _green(sr), mask),
           "grad_ratio": gradient_magnitude_ratio(_green(sr), _green(hr), mask),
           "periodic_artifact_rms": float(np.sqrt(np.mean([periodic_artifact_rms(s_, h_, scale, mask) ** 2
                                                           for h_, s_ in channels])))}
    if blobs is not None and len(blobs):
        out["ma_contrast_ratio"] = microaneurysm_contrast(sr, blobs) / microaneurysm_contrast(hr, blobs)
    return out


@dataclass(eq=False)
class Prediction:
    """One held-out image: HR reference, FOV mask, detected microaneurysms, and bicubic's and every model's SR."""

    hr: np.ndarray
    mask: np.ndarray
    blobs: np.ndarray                  # (K, 3) rows of (row, col, sigma); none outside the microaneurysm set
    sr: dict[str, np.ndarray]          # method -> SR image, "bicubic" first


def predictions(image: FundusImage, models: Mapping[str, RRDBNet], cfg: RetinalESRGANConfig, *,
                device: Any = "cpu") -> Prediction:
    """Bicubic and every model (whole image) on one held-out image, from its ×``cfg.scale`` bicubic LR.

    Microaneurysms are detected (:func:`find_microaneurysms`) in the HR image of the microaneurysm
    crop only; the photo's lower band has none at this scale.
    """
    hr, lr = degrade(image.image, cfg.scale)
    mask = crop_to_multiple(image.mask, cfg.scale)
    blobs = find_microaneurysms(hr) if image.name.split(":")[0] == "microaneurysms" else np.zeros((0, 3))
    sr = {"bicubic": bicubic(lr, cfg.scale), **{m: super_resolve(g, lr, cfg, device=device) for m, g in models.items()}}
    return Prediction(hr, mask, blobs, sr)


def evaluate(images: Sequence[FundusImage], models: Mapping[str, RRDBNet], cfg: RetinalESRGANConfig, *,
             device: Any = "cpu", outputs: Sequence[Prediction] | None = None) -> dict[str, dict[str, float]]:
    """``{method: {metric: mean over images}}`` for bicubic and every model on held-out images of one dataset.

    Args:
        images: one dataset's images (:func:`by_dataset` of :func:`test_images`).
        models: method name -> trained model (:func:`generators`: "RRDB(P)", "ESRGAN", "ESRGAN(alpha=0.2)", ...).
        cfg: the profile's config.
        device: where the models run.
        outputs: :func:`predictions` of ``images`` already computed (e.g. kept for figures); None runs them.

    Returns:
        Methods in the order bicubic, then ``models``; metrics as :func:`image_scores` (the microaneurysm
        contrast only where microaneurysms are found), NaN-ignoring means, plus ``swd`` (+ CI) over the
        dataset's FOV patches (:func:`ganbook.sr.common.swd_scores`, RGB); then "HR" with SWD's floor.
    """
    sums: dict[str, dict[str, list[float]]] = {}
    if outputs is not None and len(outputs) != len(images):
        raise ValueError(f"evaluate: {len(outputs)} outputs for {len(images)} images")
    kept = []
    for i, item in enumerate(images):
        pred = outputs[i] if outputs is not None else predictions(item, models, cfg, device=device)
        kept.append(pred)
        for method, sr in pred.sr.items():
            for metric, value in image_scores(pred.hr, sr, pred.mask, blobs=pred.blobs, scale=cfg.scale).items():
                sums.setdefault(method, {}).setdefault(metric, []).append(value)
    result = {m: {k: float(np.nanmean(v)) for k, v in mets.items()} for m, mets in sums.items()}
    realism, floor = swd_scores({m: [p.sr[m] for p in kept] for m in result}, [p.hr for p in kept],
                                [p.mask for p in kept])
    for m in result:
        result[m].update(realism[m])
    return {**result, "HR": floor}


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


def srgan_comparison(scores: Mapping[str, Mapping[str, float]]) -> str:
    """The survey's comparison in words, from one dataset's :func:`evaluate` scores: SRResNet against RRDB(P) and
    SRGAN against ESRGAN in PSNR and SWD (with their 95 % intervals), then each learned model's upsampler grid
    (``periodic_artifact_rms``) in 8-bit grey levels and as a multiple of bicubic's."""
    lines = []
    for ours, theirs in (("RRDB(P)", "SRResNet"), ("ESRGAN", "SRGAN")):
        a, b = scores[ours], scores[theirs]
        apart = a["swd_ci_high"] < b["swd_ci_low"] or b["swd_ci_high"] < a["swd_ci_low"]
        lines.append(f"{ours} vs {theirs}: PSNR {a['psnr']:.2f} vs {b['psnr']:.2f} dB "
                     f"({a['psnr'] - b['psnr']:+.2f}); SWD {a['swd']:.0f} [{a['swd_ci_low']:.0f}, {a['swd_ci_high']:.0f}]"
                     f" vs {b['swd']:.0f} [{b['swd_ci_low']:.0f}, {b['swd_ci_high']:.0f}] — "
                     + ("intervals apart: " + (ours if a["swd"] < b["swd"] else theirs) + " is closer to HR"
                        if apart else "intervals overlap: no difference in realism at this size"))
    base = scores["bicubic"]["periodic_artifact_rms"]
    grid = [f"{m} {v['periodic_artifact_rms'] * 255:.3f} ({v['periodic_artifact_rms'] / base:.1f}x)"
            for m, v in scores.items() if m not in ("bicubic", "HR") and "periodic_artifact_rms" in v]
    lines.append(f"periodic 4x4 pattern, grey levels of 255 (x bicubic's {base * 255:.3f}): " + ", ".join(grid))
    return "\n".join(lines)
