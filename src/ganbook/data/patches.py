"""Seeded patch sampling, 2-D and 3-D: random crops, foreground-weighted crops, and LR/HR pairs.

Pairs are cut on the low-resolution grid and mapped to the high-resolution grid by multiplying the
corner by the scale, so LR pixel ``i`` of a crop always covers HR pixels ``[i*s, (i+1)*s)`` of its
partner (the convention of :mod:`ganbook.data.degrade`). Arrays are channels first; the last
``spatial_dims`` axes are spatial.

All randomness comes from one generator: an int seed, a NumPy Generator, or the training loop's
``torch.Generator`` (so a resumed run draws the same crops).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from .degrade import DEGRADATIONS, crop_to_multiple

__all__ = ["as_numpy_rng", "crop_corners", "random_crops", "paired_crops", "PairedPatchSampler"]


def as_numpy_rng(rng: int | np.random.Generator | torch.Generator | None) -> np.random.Generator:
    """A NumPy Generator from a seed, a Generator, or a torch Generator (which is advanced by one draw)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, torch.Generator):
        return np.random.default_rng(int(torch.randint(0, 2**62, (1,), generator=rng)))
    return np.random.default_rng(rng)


def _sizes(size, spatial_dims: int) -> tuple[int, ...]:
    sizes = (int(size),) * spatial_dims if np.isscalar(size) else tuple(int(s) for s in size)
    if len(sizes) != spatial_dims or min(sizes) < 1:
        raise ValueError(f"crop size {size!r} must be a positive int or {spatial_dims} of them")
    return sizes


def crop_corners(shape: Sequence[int], size, n: int, rng=0, mask: np.ndarray | None = None,
                 foreground: float = 0.5, *, inside: np.ndarray | None = None) -> np.ndarray:
    """Corners of ``n`` crops of ``size`` inside a grid of ``shape``.

    Args:
        shape: the spatial shape.
        size: crop size (int or one per axis).
        n: how many.
        rng: seed or generator.
        mask: optional bool array of ``shape``; with probability ``foreground`` a crop is centred on a
            random mask voxel (clipped to fit), else placed uniformly.
        foreground: the fraction of mask-centred crops (0 = uniform, 1 = always foreground).
        inside: ``np.flatnonzero(mask)`` computed once by the caller, instead of ``mask`` (faster when
            sampling many times from one big volume).

    Returns:
        (n, len(shape)) int64 corners.
    """
    shape = tuple(int(s) for s in shape)
    sizes = _sizes(size, len(shape))
    if any(c > s for c, s in zip(sizes, shape)):
        raise ValueError(f"crop size {sizes} does not fit in an image of spatial shape {shape}")
    gen = as_numpy_rng(rng)
    high = np.array(shape) - np.array(sizes) + 1
    corners = (gen.random((n, len(shape))) * high).astype(np.int64)
    if inside is None and mask is not None:
        inside = np.flatnonzero(np.asarray(mask, dtype=bool).reshape(-1))
    if inside is not None and foreground > 0:
        if inside.size:
            pick = gen.random(n) < foreground
            centres = np.stack(np.unravel_index(gen.choice(inside, size=int(pick.sum())), shape), 1)
            corners[pick] = np.clip(centres - np.array(sizes) // 2, 0, high - 1)
    return corners


def _cut(x: np.ndarray, corner: Sequence[int], sizes: Sequence[int]) -> np.ndarray:
    index = (Ellipsis,) + tuple(slice(int(c), int(c) + s) for c, s in zip(corner, sizes))
    return x[index]


def random_crops(x: np.ndarray, size, n: int, rng=0, mask: np.ndarray | None = None, foreground: float = 0.5,
                 spatial_dims: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random crops of one array.

    Returns:
        (crops of shape (n, *leading, *size), corners of shape (n, spatial_dims)).
    """
    x = np.asarray(x)
    corners = crop_corners(x.shape[-spatial_dims:], size, n, rng, mask, foreground)
    sizes = _sizes(size, spatial_dims)
    return np.stack([_cut(x, c, sizes) for c in corners]), corners


def paired_crops(hr: np.ndarray, lr: np.ndarray, lr_size, n: int, rng=0, mask: np.ndarray | None = None,
                 foreground: float = 0.5, spatial_dims: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` aligned (LR, HR) crop pairs; the scale is read from the two shapes.

    Args:
        hr: the high-resolution array.
        lr: its degraded version, ``hr.shape // s`` spatially (or the same shape for k-space truncation).
        lr_size: the LR crop size; the HR crop is ``lr_size * s``.
        mask: optional HR-resolution foreground mask for foreground-weighted sampling.

    Returns:
        (lr_crops, hr_crops, lr_corners); ``hr_crops[k]`` starts at ``lr_corners[k] * s``.
    """
    hr, lr = np.asarray(hr), np.asarray(lr)
    scale = _grid_scale(hr.shape[-spatial_dims:], lr.shape[-spatial_dims:])
    lr_sizes = _sizes(lr_size, spatial_dims)
    lr_mask = None if mask is None else _block_any(np.asarray(mask, dtype=bool), scale, lr.shape[-spatial_dims:])
    corners = crop_corners(lr.shape[-spatial_dims:], lr_sizes, n, rng, lr_mask, foreground)
    hr_sizes = tuple(s * scale for s in lr_sizes)
    lr_crops = np.stack([_cut(lr, c, lr_sizes) for c in corners])
    hr_crops = np.stack([_cut(hr, c * scale, hr_sizes) for c in corners])
    return lr_crops, hr_crops, corners


def _grid_scale(hr_shape, lr_shape) -> int:
    ratios = {h // l for h, l in zip(hr_shape, lr_shape)}
    if len(ratios) != 1 or any(l * next(iter(ratios)) > h for h, l in zip(hr_shape, lr_shape)):
        raise ValueError(f"LR spatial shape {tuple(lr_shape)} is not HR shape {tuple(hr_shape)} divided by one "
                         "integer scale")
    return ratios.pop()


def _block_any(mask: np.ndarray, scale: int, lr_shape) -> np.ndarray:
    """An LR-grid mask that is true where any HR voxel of the block is foreground."""
    if scale == 1:
        return mask
    mask = mask[tuple(slice(0, n * scale) for n in lr_shape)]
    split = [v for n in lr_shape for v in (n, scale)]
    return mask.reshape(split).any(axis=tuple(range(1, 2 * len(lr_shape), 2)))


class PairedPatchSampler:
    """Batches of aligned (LR, HR) patches from a pool of images — a ``sample(generator)`` for the Trainer.

    The degradation runs once per whole image when the sampler is built (so bicubic edges are those
    of the image, not of the patch); batches then only cut and flip.

    Args:
        hr_images: arrays already normalised for training, (H, W) / (C, H, W) or 3-D equivalents.
        scale: SR factor (for ``"kspace"`` the LR stays on the HR grid and pairs are cut at scale 1).
        lr_size: LR patch size; HR patches are ``lr_size * scale`` (``lr_size`` for k-space).
        batch_size: patches per batch.
        degradation: a name in :data:`~ganbook.data.degrade.DEGRADATIONS` or ``f(hr) -> lr``.
        lr_images: precomputed LR arrays instead of ``degradation``.
        masks: optional foreground masks (HR grid) for foreground-weighted sampling.
        foreground: fraction of patches centred on the foreground.
        spatial_dims: 2 or 3.
        augment: random flips of every spatial axis (and in 2-D a transpose), the same for LR and HR.
            Exact for average pooling, bicubic and k-space; for blur_nearest only with odd scales.
    """

    def __init__(self, hr_images: Sequence[np.ndarray], *, scale: int, lr_size, batch_size: int,
                 degradation: str | Callable = "average_pool", lr_images: Sequence[np.ndarray] | None = None,
                 masks: Sequence[np.ndarray | None] | None = None, foreground: float = 0.5, spatial_dims: int = 2,
                 augment: bool = True):
        if not hr_images:
            raise ValueError("PairedPatchSampler needs at least one image")
        self.spatial_dims, self.batch_size, self.augment = spatial_dims, int(batch_size), augment
        self.hr = [self._channels_first(np.asarray(h, dtype=np.float32)) for h in hr_images]
        if lr_images is None:  # whole images must tile into s-sized blocks
            self.hr = [crop_to_multiple(h, scale, spatial_dims) for h in self.hr]
            fn = degradation if callable(degradation) else _named(degradation, scale, spatial_dims)
            lr_images = [fn(h) for h in self.hr]
        self.lr = [self._channels_first(np.asarray(lr, dtype=np.float32)) for lr in lr_images]
        masks = list(masks) if masks is not None else [None] * len(self.hr)
        self.scales = [_grid_scale(h.shape[-spatial_dims:], lr.shape[-spatial_dims:])
                       for h, lr in zip(self.hr, self.lr)]
        self.inside = [None if m is None else  # foreground LR positions, found once
                       np.flatnonzero(_block_any(np.asarray(m, bool), k, lr.shape[-spatial_dims:]))
                       for m, k, lr in zip(masks, self.scales, self.lr)]
        self.foreground, self.lr_size = foreground, _sizes(lr_size, spatial_dims)
        weights = np.array([lr[0].size for lr in self.lr], dtype=np.float64)
        self.weights = weights / weights.sum()  # bigger images give more patches

    def _channels_first(self, a: np.ndarray) -> np.ndarray:
        return a[None] if a.ndim == self.spatial_dims else a

    def __call__(self, rng: torch.Generator | np.random.Generator | int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """One batch: (lr, hr) float32 tensors of shape (B, C, *lr_size) and (B, C, *hr_size)."""
        gen = as_numpy_rng(rng)
        which = gen.choice(len(self.hr), size=self.batch_size, p=self.weights)
        lrs, hrs = [], []
        for i in which:
            corner = crop_corners(self.lr[i].shape[-self.spatial_dims:], self.lr_size, 1, gen,
                                  foreground=self.foreground, inside=self.inside[i])[0]
            k = self.scales[i]
            lr = _cut(self.lr[i], corner, self.lr_size)
            hr = _cut(self.hr[i], corner * k, tuple(n * k for n in self.lr_size))
            if self.augment:
                lr, hr = self._augment(lr, hr, gen)
            lrs.append(lr)
            hrs.append(hr)
        return torch.from_numpy(np.stack(lrs)), torch.from_numpy(np.stack(hrs))

    def _augment(self, lr: np.ndarray, hr: np.ndarray, gen: np.random.Generator):
        for axis in range(lr.ndim - self.spatial_dims, lr.ndim):
            if gen.random() < 0.5:
                lr, hr = np.flip(lr, axis), np.flip(hr, axis)
        if self.spatial_dims == 2 and lr.shape[-1] == lr.shape[-2] and gen.random() < 0.5:
            lr, hr = np.swapaxes(lr, -1, -2), np.swapaxes(hr, -1, -2)
        return np.ascontiguousarray(lr), np.ascontiguousarray(hr)


def _named(name: str, scale: int, spatial_dims: int) -> Callable:
    from .degrade import degrade

    if name not in DEGRADATIONS:
        raise ValueError(f"degradation={name!r} is not one of {', '.join(DEGRADATIONS)} (or pass a callable)")
    return lambda hr: degrade(hr, name, scale, spatial_dims=spatial_dims)
