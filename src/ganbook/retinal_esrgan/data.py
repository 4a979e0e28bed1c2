"""Fundus data for notebook 02: the training pool (photo bands and phantoms), the held-out images
(grouped by dataset), FOV-centred bicubic patch pairs, and the bicubic degradation and baseline.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch

from ..data import load
from ..data.degrade import bicubic_down, crop_to_multiple, upsample
from ..data.fundus_phantom import fundus_phantom
from ..data.patches import PairedPatchSampler
from .config import RetinalESRGANConfig


@dataclass(eq=False)
class FundusImage:
    """An HR fundus image in [0, 1] (3, H, W) or (H, W), its FOV mask and where it comes from."""

    name: str
    image: np.ndarray
    mask: np.ndarray


def _items(name: str, split: str, limit: int | None = None) -> list[FundusImage]:
    ds = load(name, split)
    n = len(ds) if limit is None else min(limit, len(ds))
    return [FundusImage(f"{name}:{ds.ids[i]}", np.asarray(ds.normalised(i), np.float32), np.asarray(ds.masks[i], bool))
            for i in range(n)]


def training_images(cfg: RetinalESRGANConfig, seed: int = 0) -> list[FundusImage]:
    """The training pool: ``cfg.train_sets`` train splits plus ``cfg.phantoms`` phantoms."""
    pool = [item for name in cfg.train_sets.split(",") if name.strip() for item in _items(name.strip(), "train")]
    for k in range(cfg.phantoms):
        p = fundus_phantom(cfg.phantom_size, seed * 1000 + k)
        pool.append(FundusImage(f"fundus_phantom:{seed * 1000 + k}", p.image, p.fov_mask))
    return pool


def test_images(cfg: RetinalESRGANConfig) -> list[FundusImage]:
    """Held-out images: each train set's test split (the retina lower band) and the microaneurysm crop."""
    items = [it for name in cfg.train_sets.split(",") if name.strip()
             for it in _items(name.strip(), "test", cfg.max_test_images)]
    return items + _items("microaneurysms", "test")


def by_dataset(images: Sequence[FundusImage]) -> dict[str, list[FundusImage]]:
    """Images grouped by dataset (the name before the first ":"), datasets in order of appearance."""
    groups: dict[str, list[FundusImage]] = {}
    for item in images:
        groups.setdefault(item.name.split(":")[0], []).append(item)
    return groups


def data_sources(cfg: RetinalESRGANConfig) -> dict[str, str | None]:
    """``{"dataset:file": sha256}`` of the real data used (for ``run.add_data``); local sets list their name."""
    out: dict[str, str | None] = {}
    for name in [n.strip() for n in cfg.train_sets.split(",") if n.strip()] + ["microaneurysms"]:
        sha = load(name, "test").sha256
        out.update({f"{name}:{f}": s for f, s in sha.items()} if sha else {name: None})
    return out


def make_sampler(images: Sequence[FundusImage], cfg: RetinalESRGANConfig, device: Any = "cpu") -> Callable:
    """``sample(rng) -> (lr, hr)`` bicubic ×scale patch pairs on ``device`` (channels_last with amp)."""
    sampler = PairedPatchSampler([im.image for im in images], scale=cfg.scale, lr_size=cfg.lr_patch,
                                 batch_size=cfg.batch_size, degradation="bicubic", masks=[im.mask for im in images],
                                 foreground=cfg.foreground)
    fmt = torch.channels_last if cfg.amp else torch.contiguous_format

    def sample(rng: torch.Generator):
        lr, hr = sampler(rng)  # bicubic LR can overshoot [0, 1] slightly; kept, as in MATLAB's imresize
        return lr.to(device).contiguous(memory_format=fmt), hr.to(device).contiguous(memory_format=fmt)

    return sample


def degrade(hr: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """(HR cropped to a multiple of ``scale``, its bicubic LR)."""
    hr = crop_to_multiple(hr, scale)
    return hr, bicubic_down(hr, scale)


def bicubic(lr: np.ndarray, scale: int) -> np.ndarray:
    """The baseline: Keys a = −0.5 bicubic (MATLAB's kernel, ``ganbook.data.degrade.upsample``), clipped."""
    return np.clip(upsample(lr, scale), 0.0, 1.0)
