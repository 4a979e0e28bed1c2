"""MedSRGAN's data protocol: normalised HR training slices (+ CT phantoms) and held-out test slices."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data import load
from ..data.degrade import crop_to_multiple
from ..data.intensity import to_unit
from ..data.phantoms import ct_phantom
from .config import HU_WINDOW, MedSRGANConfig


@dataclass
class TrainingData:
    """Normalised HR training images and held-out test images of one modality.

    Attributes:
        modality: "ct" or "mr".
        train, train_masks: [0, 1] HR slices (cropped to multiples of 4) and body masks.
        test, test_masks, test_ids: held-out slices, masks and names.
        test_spacing: HR pixel spacing of each test slice (mm) or None.
        window: (low, high) raw values mapped to [0, 1] ("HU" for CT; per image for MR).
        sha256: source file checksums (for ``run.add_data``).
        description: what went in, in words (for the model card).
    """

    modality: str
    train: list
    train_masks: list
    test: list
    test_masks: list
    test_ids: list
    test_spacing: list
    window: object
    sha256: dict
    description: str
    train_spacing: list = field(default_factory=list)
    train_range: tuple | None = None


def _slices(ds, index: int, max_slices: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """2-D (image, mask) pairs of item ``index``: the slice itself, or every k-th axial slice of a volume."""
    image, mask = np.asarray(ds.images[index], np.float32), ds.masks[index]
    if image.ndim == 2:
        return [(image, mask)]
    step = max(1, image.shape[0] * len(ds) // max(max_slices, 1))
    return [(image[z], None if mask is None else mask[z]) for z in range(0, image.shape[0], step)]


def training_data(modality: str, cfg: MedSRGANConfig, seed: int = 0) -> TrainingData:
    """The paper's data protocol on the data this machine has.

    CT: the training split of real CT slices plus ``n_phantoms`` procedural chest phantoms, HU window
    [−1024, 1024] → [0, 1]; test = the held-out real slices (other patients). MR: the MR training split,
    each slice normalised by its own window; test = the held-out MR slice.

    Args:
        modality: "ct" or "mr".
        cfg: the run's config (data names, phantom count).
        seed: seeds the phantoms.
    """
    if modality not in ("ct", "mr"):
        raise ValueError(f"modality must be 'ct' or 'mr', got {modality!r}")
    name = cfg.ct_data if modality == "ct" else cfg.mr_data
    tr, te = load(name, "train"), load(name, "test")
    train, masks, spacing, lo, hi = [], [], [], np.inf, -np.inf
    for i in range(len(tr)):
        window = HU_WINDOW if modality == "ct" else tr.windows[i]
        for image, mask in _slices(tr, i, cfg.max_train_slices):
            train.append(crop_to_multiple(to_unit(image, window), 4))
            masks.append(crop_to_multiple(mask if mask is not None else np.ones(image.shape, bool), 4))
            lo, hi = min(lo, float(image.min())), max(hi, float(image.max()))
        if tr.spacing[i] is not None:
            spacing.append(tuple(float(s) for s in tr.spacing[i])[-2:])
    description = f"{name} train split ({len(train)} slices)"
    if modality == "ct" and cfg.n_phantoms:
        for k in range(cfg.n_phantoms):
            p = ct_phantom(cfg.phantom_size, np.random.default_rng([seed, k]))
            train.append(to_unit(p.image, HU_WINDOW))
            masks.append(p.body_mask)
            spacing.append(p.spacing)
        description += f" + {cfg.n_phantoms} procedural chest phantoms ({cfg.phantom_size}²)"
    test, test_masks, ids, test_spacing = [], [], [], []
    for i in range(len(te)):
        window = HU_WINDOW if modality == "ct" else te.windows[i]
        for j, (image, mask) in enumerate(_slices(te, i, max(cfg.max_train_slices // 10, 1))):
            test.append(crop_to_multiple(to_unit(image, window), 4))
            test_masks.append(crop_to_multiple(mask, 4))
            ids.append(te.ids[i] if image.ndim == 2 and j == 0 else f"{te.ids[i]}[{j}]")
            test_spacing.append(te.spacing[i])
    window = HU_WINDOW if modality == "ct" else "per image: 0 .. 99.5th percentile"
    return TrainingData(modality, train, masks, test, test_masks, ids, test_spacing, window,
                        {**tr.sha256, **te.sha256}, description, spacing,
                        (lo, hi) if modality == "ct" else None)
