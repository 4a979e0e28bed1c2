"""Volumes for notebook 03: degradation, intensity window, LR/SR grid affines, cases and the patch sampler.

Two degradations, each its own task (scores are comparable only within one):

* ``"blur_nearest"`` (Sánchez & Vilaplana): Gaussian blur σ = 1 voxel, keep every s-th voxel
  (voxel ``i·s + s//2`` of each block, see ``ganbook.data.degrade``);
* ``"kspace"`` (Chen et al.): keep the central 1/s of k-space along all three axes. Chen feed the
  zero-filled volume (HR grid) to a network without upsampling; its spectrum is band-limited below
  the LR Nyquist frequency, so keeping every s-th voxel of it loses nothing, and the same ×s
  SRResNet3D sees the same information on the LR grid (our choice: one architecture, one comparison).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch

from ..data import load
from ..data.degrade import blur_nearest, crop_to_multiple, kspace_truncate
from ..data.intensity import to_unit
from ..data.nifti import upsampled_affine
from ..data.patches import PairedPatchSampler
from ..losses.sr import sv_soft_labels
from .config import DEGRADATIONS, Brain3DConfig, _fmt

__all__ = ["intensity_window", "degrade_volume", "lr_affine", "sr_affine", "Case", "load_case", "make_sampler"]


def intensity_window(volume: np.ndarray, low: float = 0.5, high: float = 99.5) -> tuple[float, float]:
    """The (low, high) percentiles of a volume: the map to [0, 1] (a ModelCard "percentile" intensity)."""
    lo, hi = (float(v) for v in np.percentile(volume, [low, high]))
    return lo, (hi if hi > lo else lo + 1.0)


def degrade_volume(hr: np.ndarray, kind: str, scale: int, sigma: float = 1.0) -> np.ndarray:
    """LR volume on the LR grid: LR voxel ``i`` is HR voxel ``i·s + s//2`` of the degraded volume.

    Args:
        hr: (I, J, K) volume, sizes divisible by ``scale``.
        kind: "blur_nearest" (Sánchez & Vilaplana) or "kspace" (Chen et al., all three axes).
        scale: resolution loss per axis.
        sigma: blur in HR voxels (blur_nearest only).
    """
    if kind == "blur_nearest":
        return blur_nearest(hr, scale, sigma, spatial_dims=3)
    if kind == "kspace":  # band-limited below the LR Nyquist: decimation keeps all of it
        return _decimate(kspace_truncate(hr, scale, axes=(-3, -2, -1)), scale)
    raise ValueError(f"degradation {kind!r} is not one of {', '.join(DEGRADATIONS)}")


def _decimate(volume: np.ndarray, scale: int) -> np.ndarray:
    return np.ascontiguousarray(volume[(slice(scale // 2, None, scale),) * 3])


def lr_affine(hr_affine: np.ndarray, scale: int, offset: float) -> np.ndarray:
    """Affine of the LR grid whose voxel ``i`` sits at HR voxel ``i·scale + offset``."""
    out = np.array(hr_affine, dtype=np.float64)
    out[:3, 3] = out[:3, :3] @ np.full(3, float(offset)) + out[:3, 3]
    out[:3, :3] = out[:3, :3] * scale
    return out


def sr_affine(lr_affine_: np.ndarray, scale: int, offset: float) -> np.ndarray:
    """Affine of the SR output of a model whose LR voxel ``i`` maps to HR voxel ``i·scale + offset``.

    The voxel size is divided by ``scale``; this is ``ganbook.data.nifti.upsampled_affine`` with the
    offset made explicit (its default, ``(scale-1)/2``, is block centres; nearest-decimated LR at even
    scales needs ``scale // 2``).
    """
    return upsampled_affine(lr_affine_, scale, offset)


@dataclass
class Case:
    """One evaluation (or training) volume: raw HR, its LR, mask and geometry.

    Attributes:
        name: "dataset[split]".
        hr: raw HR volume cropped to multiples of the scale.
        lr: raw LR volume (LR grid).
        mask: brain (or head) mask on the HR grid.
        affine: HR affine (world coordinates of this slab / volume).
        data_range: intensity span for PSNR/SSIM (the dataset window).
        window: the LR input's percentile window (network input map).
        zero_filled: the k-space degraded volume on the HR grid (kspace only).
        sha256: source-file checksums.
    """

    name: str
    hr: np.ndarray
    lr: np.ndarray
    mask: np.ndarray
    affine: np.ndarray
    data_range: float
    window: tuple
    zero_filled: np.ndarray | None = None
    sha256: dict = field(default_factory=dict)


def load_case(dataset: str, split: str, kind: str, cfg: Brain3DConfig, index: int = 0) -> Case:
    """Load volume ``index`` of ``dataset[split]`` and degrade it (see :func:`degrade_volume`)."""
    data = load(dataset, split)
    s = cfg.scale
    hr = np.asarray(crop_to_multiple(np.asarray(data.images[index], np.float32), s, 3))
    mask = np.asarray(crop_to_multiple(np.asarray(data.masks[index], bool), s, 3))
    zero_filled = kspace_truncate(hr, s, axes=(-3, -2, -1)) if kind == "kspace" else None
    lr = _decimate(zero_filled, s) if kind == "kspace" else degrade_volume(hr, kind, s, cfg.sigma)
    affine = data.extra.get("affine") if not data.extra.get("lazy") else None
    if affine is None:
        affine = np.diag([*(data.spacing[index] or (1.0, 1.0, 1.0)), 1.0])
    lo, hi = data.windows[index]
    return Case(f"{dataset}[{split}]", hr, lr, mask, np.asarray(affine, np.float64), float(hi - lo),
                intensity_window(lr), zero_filled, dict(data.sha256))


def make_sampler(cases: Case | Sequence[Case], cfg: Brain3DConfig, device: Any = "cpu"):
    """``sample(rng) -> (lr, hr, (y_real, y_fake))``: normalised patches + fresh soft labels.

    Patches are mapped to [0, 1] with each case's LR percentile window (no clipping).

    Args:
        cases: one training volume or several (patches are drawn in proportion to their sizes).
        cfg: patch and batch sizes.
        device: where batches go.
    """
    cases = [cases] if isinstance(cases, Case) else list(cases)
    sampler = PairedPatchSampler([to_unit(c.hr, c.window, clip=False) for c in cases],
                                 lr_images=[to_unit(c.lr, c.window, clip=False) for c in cases], scale=cfg.scale,
                                 lr_size=tuple(p // cfg.scale for p in cfg.hr_patch), batch_size=cfg.batch_size,
                                 masks=[c.mask for c in cases], foreground=cfg.foreground, spatial_dims=3,
                                 augment=False)
    fmt = _fmt(cfg)

    def sample(rng: torch.Generator):
        lr, hr = sampler(rng)
        labels = sv_soft_labels(cfg.batch_size, rng, device=device)
        return lr.to(device, memory_format=fmt), hr.to(device, memory_format=fmt), labels

    return sample
