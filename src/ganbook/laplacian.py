"""Laplacian-pyramid patch descriptors for the sliced Wasserstein distance (Karras et al., "Progressive Growing
of GANs", ICLR 2018, App. D): the pyramid, and 7-wide neighbourhoods at the same random positions in SR outputs
and their HR originals, inside a mask. :mod:`ganbook.swd` compares the descriptor sets.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import convolve1d

__all__ = ["laplacian_pyramid", "paired_patches", "LevelPatches", "MIN_SIDE", "max_levels"]

_KERNEL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0  # binomial ≈ Gaussian σ = 1: the pyramid's blur
MIN_SIDE = 16            # the coarsest level keeps at least this side (ProGAN stops at 16 px)
RADIUS = 3               # 7-wide neighbourhoods
_OFF = np.arange(-RADIUS, RADIUS + 1)


def max_levels(spatial: tuple[int, ...], cap: int = 3) -> int:
    """The most pyramid levels (at most ``cap``) whose coarsest keeps every side of ``spatial`` ≥ MIN_SIDE."""
    most = 1
    while most < cap and min(-(-n // 2 ** most) for n in spatial) >= MIN_SIDE:
        most += 1
    return most


def _check_levels(spatial: tuple[int, ...], levels: int, name: str) -> None:
    if not isinstance(levels, (int, np.integer)) or levels < 1:
        raise ValueError(f"levels must be a positive integer, got {levels!r}")
    if min(spatial) < MIN_SIDE:
        raise ValueError(f"{name} of spatial shape {spatial} is too small: every side must be >= {MIN_SIDE} px")
    most = max_levels(spatial, cap=levels + 1)
    if levels > most:
        raise ValueError(f"levels={levels} is too many for {name} of spatial shape {spatial}: the coarsest level "
                         f"must keep every side >= {MIN_SIDE} px, so use levels <= {most}")


def _blur(x: np.ndarray, sd: int, kernel: np.ndarray) -> np.ndarray:
    for axis in range(1, sd + 1):  # x: (C, *spatial), separable
        x = convolve1d(x, kernel, axis=axis, mode="mirror")
    return x


def _pyramid(x: np.ndarray, levels: int, sd: int) -> list[np.ndarray]:
    """x: (C, *spatial) float64 → levels arrays (C, *ceil(spatial / 2^l))."""
    every_other = (slice(None),) + (slice(None, None, 2),) * sd
    out = []
    for _ in range(levels - 1):
        low = _blur(x, sd, _KERNEL)[every_other]
        up = np.zeros_like(x)
        up[every_other] = low
        # zero insertion then the kernel ×2 per axis: each output pixel gets unit total weight ("mirror" keeps the
        # parity of the inserted zeros at both edges)
        out.append(x - _blur(up, sd, 2.0 * _KERNEL))
        x = low
    return out + [x]


def _as_image(x, sd: int, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim not in (sd, sd + 1):
        raise ValueError(f"{name} must be {'(H, W) or (C, H, W)' if sd == 2 else '(D, H, W) or (C, D, H, W)'} "
                         f"for spatial_dims={sd}, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} holds NaN or inf values")
    return x if x.ndim == sd + 1 else x[None]


def laplacian_pyramid(image, levels: int, *, spatial_dims: int = 2) -> list[np.ndarray]:
    """Laplacian pyramid: ``levels`` arrays, level l the detail lost between scales l and l + 1, the last the
    coarse image (blur with the 5-tap binomial kernel, keep every other sample, so level l has side
    ceil(n / 2^l)); the levels add back up to ``image`` exactly (upsample-and-add from the coarsest).

    Args:
        image: (H, W) or (C, H, W) for ``spatial_dims=2``; (D, H, W) or (C, D, H, W) for 3.
        levels: number of levels; the coarsest must keep every side >= 16 px.
        spatial_dims: 2 for images, 3 for volumes (a 3-D array is channels-first 2-D unless this is 3).
    """
    if spatial_dims not in (2, 3):
        raise ValueError(f"spatial_dims must be 2 or 3, got {spatial_dims!r}")
    x = _as_image(image, spatial_dims, "image")
    _check_levels(x.shape[1:], levels, "image")
    out = _pyramid(x, levels, spatial_dims)
    return out if np.ndim(image) == spatial_dims + 1 else [o[0] for o in out]


def _descriptors(img: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """img (C, *spatial), centres (n, sd) → (n, C·k) float32; k = 49 in 2-D, 145 in 3-D."""
    c = [centres[:, i, None, None] for i in range(centres.shape[1])]  # each (n, 1, 1)
    rows, cols = _OFF[:, None], _OFF[None, :]
    shape = (img.shape[0], len(centres), 49)
    if len(c) == 2:
        p = img[:, c[0] + rows, c[1] + cols].reshape(shape)  # (C, n, 49)
    else:
        off_centre = np.arange(49) != 24  # the centre voxel lies in all three planes: keep it once
        p = np.concatenate([img[:, c[0], c[1] + rows, c[2] + cols].reshape(shape),
                            img[:, c[0] + rows, c[1], c[2] + cols].reshape(shape)[..., off_centre],
                            img[:, c[0] + rows, c[1] + cols, c[2]].reshape(shape)[..., off_centre]],
                           axis=-1)  # (C, n, 145): axial, coronal, sagittal planes through the centre
    p = p.transpose(1, 0, 2).reshape(len(centres), p.shape[0] * p.shape[2])  # channel-major
    return np.ascontiguousarray(p, dtype=np.float32)


def as_image_list(x, sd: int, name: str) -> list:
    """A list of images from a list, one stacked (N, …) array, or a single image (an array of ndim ``sd``)."""
    if isinstance(x, np.ndarray):
        if x.ndim == sd:
            return [x]
        if x.ndim in (sd + 1, sd + 2):
            return list(x)  # stacked (N, *image)
        raise ValueError(f"{name}: a stacked array must be (N, *spatial) or (N, C, *spatial), got shape {x.shape}")
    if isinstance(x, (list, tuple)) and len(x) > 0:
        return list(x)
    raise ValueError(f"{name} must be a non-empty list of arrays or one stacked array, got {type(x).__name__}")


@dataclass(frozen=True)
class LevelPatches:
    """Descriptors of one pyramid level at the same positions in outputs and references."""
    outputs: np.ndarray     # (n, F) float32
    references: np.ndarray  # (n, F) float32
    image: np.ndarray       # (n,) index of the image each patch came from
    centres: np.ndarray     # (n, spatial_dims) patch centres on this level's grid (level 0 = the image's)
    channels: int           # F = channels · k, channel-major


def paired_patches(outputs, references, masks=None, *, levels: int = 3, patches_per_image: int = 512,
                   seed: int = 0, spatial_dims: int = 2) -> list[LevelPatches]:
    """Random 7-wide neighbourhoods, per pyramid level, at the same positions in ``outputs`` and ``references``.

    Positions depend only on the image shapes, the masks, ``seed``, the level and the image's index — never on
    the pixels — so every method scored against the same references gets the same patches (paired
    differences). Centres lie inside the mask (sampled at each level's grid, ``mask[::2^l, ::2^l]``) and at
    least 3 px from the border; up to ``patches_per_image`` per image and level, without replacement.

    3-D descriptors are the three orthogonal 7×7 planes through the centre (145 values per channel), not the
    7×7×7 cube (343): they keep ProGAN's 7×7 neighbourhood in each anatomical plane, so 2-D and 3-D levels read
    alike; and a random projection mixes all coordinates, so that in 343 dimensions most projections of any
    patch distribution are close to Gaussian (Diaconis & Freedman 1984) and tell distributions apart less
    well — fewer coordinates leave each of the 2048 directions more discriminative, at 2.4× less memory and time.

    Args:
        outputs, references: lists of arrays (sizes may differ between images, not within a pair) or one
            stacked (N, …) array; each image (H, W) / (C, H, W), or (D, H, W) / (C, D, H, W) with spatial_dims=3.
        masks: None or one boolean array of the spatial shape per image.
    """
    if spatial_dims not in (2, 3):
        raise ValueError(f"spatial_dims must be 2 or 3, got {spatial_dims!r}")
    if not isinstance(patches_per_image, (int, np.integer)) or patches_per_image < 1:
        raise ValueError(f"patches_per_image must be a positive integer, got {patches_per_image!r}")
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 1:
        raise ValueError(f"levels must be a positive integer, got {levels!r}")
    outs = as_image_list(outputs, spatial_dims, "outputs")
    refs = as_image_list(references, spatial_dims, "references")
    if len(outs) != len(refs):
        raise ValueError(f"outputs has {len(outs)} images but references has {len(refs)}; pass one output per "
                         "reference")
    masks = [None] * len(refs) if masks is None else as_image_list(masks, spatial_dims, "masks")
    if len(masks) != len(refs):
        raise ValueError(f"masks has {len(masks)} entries but references has {len(refs)} images")
    per_level = [([], [], [], []) for _ in range(levels)]
    channels = None
    for i, (o, r, m) in enumerate(zip(outs, refs, masks)):
        o, r = _as_image(o, spatial_dims, f"outputs[{i}]"), _as_image(r, spatial_dims, f"references[{i}]")
        if o.shape != r.shape:
            raise ValueError(f"outputs[{i}] has shape {o.shape} but references[{i}] has {r.shape}")
        if channels is not None and r.shape[0] != channels:
            raise ValueError(f"references[{i}] has {r.shape[0]} channels, the first image {channels}")
        channels, spatial = r.shape[0], r.shape[1:]
        _check_levels(spatial, levels, f"references[{i}]")
        m = np.ones(spatial, dtype=bool) if m is None else np.asarray(m, dtype=bool)
        if m.shape != spatial:
            raise ValueError(f"masks[{i}] has shape {m.shape} but references[{i}] has spatial shape {spatial}")
        if not m.any():
            raise ValueError(f"masks[{i}] selects no pixels; check the mask (e.g. the body / field-of-view threshold)")
        for level, (po, pr) in enumerate(zip(_pyramid(o, levels, spatial_dims), _pyramid(r, levels, spatial_dims))):
            valid = np.zeros(pr.shape[1:], dtype=bool)
            inner = tuple(slice(RADIUS, n - RADIUS) for n in valid.shape)
            valid[inner] = m[(slice(None, None, 2 ** level),) * spatial_dims][inner]
            where = np.flatnonzero(valid)
            rng = np.random.default_rng([seed, 0, level, i])
            pick = where[rng.choice(where.size, size=min(patches_per_image, where.size), replace=False)]
            centres = np.stack(np.unravel_index(pick, valid.shape), axis=1)  # (n, sd)
            for store, value in zip(per_level[level], (_descriptors(po, centres), _descriptors(pr, centres),
                                                       np.full(len(centres), i), centres)):
                store.append(value)
    result = []
    for level, (do, dr, idx, where) in enumerate(per_level):
        if sum(len(x) for x in idx) == 0:
            raise ValueError(f"no patch centre lies inside the masks at pyramid level {level} (masks downsampled "
                             f"by {2 ** level}); use fewer levels or larger masks")
        result.append(LevelPatches(*(np.concatenate(x) for x in (do, dr, idx, where)), channels))
    return result
