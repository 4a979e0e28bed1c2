"""Whole-volume inference, interpolation baselines, masked metrics and NIfTI output for notebook 03.

Metrics (our choice, see :mod:`ganbook.brain3d`): PSNR and SSIM inside the brain mask, in raw intensity
units with the dataset window as the data range; the gradient-magnitude ratio to HR (sharpness, secondary);
the upsampler's periodic pattern and the sliced Wasserstein distance to HR (realism), both on intensities
divided by the data range.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from ..data.degrade import upsample
from ..data.intensity import from_unit, to_unit
from ..data.nifti import write_nifti
from ..metrics import gradient_magnitude_ratio, periodic_artifact_rms, psnr, ssim
from ..models import SRResNet
from ..models.layers import interpolation_base
from ..runtime import autocast
from ..sr.tiling import tiled_apply
from .config import Brain3DConfig, _fmt
from .data import Case, intensity_window, lr_affine, sr_affine

__all__ = ["super_resolve", "baselines", "evaluate", "swd_noise_floor", "save_volume"]


def super_resolve(model: SRResNet, lr: np.ndarray, cfg: Brain3DConfig, *, device: Any = "cpu",
                  tile: int | None = None, window: tuple[float, float] | None = None) -> np.ndarray:
    """Whole-volume SR with overlapping tiles blended smoothly (``tiled_apply``); raw units in and out.

    Args:
        model: a trained generator (put in eval mode here).
        lr: raw LR volume (I, J, K).
        cfg: scale, tile, overlap, tile batch and precision.
        device: where the model runs.
        tile: LR tile edge (None: ``cfg.tile``; the overlap is always ``cfg.overlap``).
        window: the (low, high) intensities mapped to [0, 1] for the network (None: the 0.5th–99.5th
            percentiles of ``lr``, :func:`~ganbook.brain3d.data.intensity_window` — the window a
            :class:`~ganbook.brain3d.data.Case` holds for its LR volume).
    """
    window = intensity_window(lr) if window is None else window
    tile = cfg.tile if tile is None else tile
    model = model.eval().to(device, memory_format=_fmt(cfg))
    fmt = _fmt(cfg)

    def run(x: torch.Tensor) -> torch.Tensor:
        with autocast(device, enabled=cfg.amp):
            return model(x.contiguous(memory_format=fmt)).float()

    x = torch.from_numpy(to_unit(lr, window, clip=False))[None, None]  # (1, 1, I, J, K)
    out = tiled_apply(run, x, cfg.scale, tile, cfg.overlap, 3, batch_size=cfg.tile_batch, device=device)
    model.to(memory_format=torch.contiguous_format)
    return from_unit(out[0, 0].numpy(), window)


def baselines(case: Case, scale: int) -> dict[str, np.ndarray]:
    """Interpolation from the LR samples' true positions (``i·s + s//2``): trilinear, tricubic (+ zero-filled)."""
    x = torch.from_numpy(np.asarray(case.lr, np.float32))[None, None]
    out = {"trilinear": interpolation_base(x, scale, 3, "linear", scale // 2)[0, 0].numpy(),
           "tricubic": upsample(case.lr, scale, "bicubic", spatial_dims=3, offset=scale // 2)}
    if case.zero_filled is not None:
        out["zero-filled"] = np.asarray(case.zero_filled, np.float32)
    return out


def evaluate(case: Case, volumes: Mapping[str, np.ndarray], *, scale: int = 2) -> dict[str, dict[str, float]]:
    """Per method, inside the mask: PSNR (dB) and SSIM with the dataset window as data range;
    ``grad_ratio`` = mean gradient magnitude relative to HR (sharpness; < 1 blurred, ≈ 1 as sharp as HR);
    ``periodic_artifact_rms`` = RMS of the fixed ``scale``-periodic pattern in SR − HR
    (:func:`ganbook.metrics.periodic_artifact_rms`); ``swd`` (+ ``swd_ci_low``, ``swd_ci_high``) = sliced
    Wasserstein distance ×10³ to HR of 3-D patches in the mask (:func:`ganbook.sr.common.swd_scores`: the same
    patches for every method of this case). Both in units of the data range (0.01 = 1 % of the window)."""
    from ..sr.common import swd_scores

    unit = float(case.data_range)
    realism, _ = swd_scores({n: [np.asarray(v) / unit] for n, v in volumes.items()}, [np.asarray(case.hr) / unit],
                            [case.mask], spatial_dims=3, floor=False)
    return {name: {"psnr": psnr(case.hr, v, case.data_range, case.mask),
                   "ssim": ssim(case.hr, v, case.data_range, case.mask),
                   "grad_ratio": gradient_magnitude_ratio(v, case.hr, case.mask),
                   "periodic_artifact_rms": periodic_artifact_rms(np.asarray(v) / unit, np.asarray(case.hr) / unit,
                                                                  scale, case.mask),
                   **realism[name]} for name, v in volumes.items()}


def swd_noise_floor(case: Case) -> dict[str, float]:
    """SWD between two disjoint halves of ``case``'s HR patches (``swd_floor`` + its CI): how far apart two
    *different* samples of this brain are — a yardstick for :func:`evaluate`'s ``swd``, which scores methods at
    HR's own patch positions (paired) and so can lie below it."""
    from ..sr.common import swd_scores

    _, floor = swd_scores({}, [np.asarray(case.hr) / float(case.data_range)], [case.mask], spatial_dims=3)
    return floor


def save_volume(path: str | Path, volume: np.ndarray, case: Case, *, grid: str = "hr", scale: int = 2) -> Path:
    """Write a volume of ``case`` as NIfTI: ``grid="hr"`` (SR, baselines, HR) or ``"lr"`` (the LR input).

    The SR output's affine is the LR affine with voxel size / scale and the origin moved to the HR
    voxel the first LR sample was taken from (:func:`sr_affine`), i.e. exactly the HR slab's affine.
    """
    lr_aff = lr_affine(case.affine, scale, scale // 2)
    affine = lr_aff if grid == "lr" else sr_affine(lr_aff, scale, scale // 2)
    return write_nifti(path, np.asarray(volume, np.float32), affine=affine, description=f"ganbook 03 {case.name}")
