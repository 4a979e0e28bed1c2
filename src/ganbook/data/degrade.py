"""Degradation models: how each paper made its low-resolution inputs, 2-D and 3-D.

=================  =====================================  ==========================================
function           paper                                  what it does
=================  =====================================  ==========================================
average_pool       MedSRGAN (4x4 average pooling)         mean of each s x s (x s) block
bicubic_down       ESRGAN (MATLAB bicubic)                antialiased bicubic, Keys a = -0.5
blur_nearest       Sanchez & Vilaplana                    Gaussian blur (sigma in voxels) + decimation
kspace_truncate    Chen et al. (mDCSRN)                   keep the central 1/s of k-space, HR grid
add_noise          (all; realism)                         Gaussian or Rician noise
upsample           baseline interpolation                 bicubic (a = -0.5) / linear / nearest up by s
=================  =====================================  ==========================================

Every function takes a NumPy array or a torch tensor and returns the same kind; the last
``spatial_dims`` axes are spatial, anything before them (batch, channels) is carried along. The
work is done in torch (float32, or float64 for float64 input), on the input's device.

Grid convention (the one the patch sampler relies on): low-resolution pixel ``i`` covers
high-resolution pixels ``[i*s, (i+1)*s)``. ``average_pool`` and ``bicubic_down`` are centred on that
block; ``blur_nearest`` keeps pixel ``i*s + s//2`` — the one nearest the block centre (exactly the
centre for odd ``s``, half a pixel past it for even ``s``, as any decimation must be).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["average_pool", "bicubic_down", "blur_nearest", "kspace_truncate", "add_noise", "upsample",
           "baseline_upsample", "gaussian_blur", "crop_to_multiple", "degrade", "DEGRADATIONS"]


def _as_tensor(x) -> tuple[torch.Tensor, bool]:
    if isinstance(x, torch.Tensor):
        return (x if x.is_floating_point() else x.float()), False
    a = np.asarray(x)
    a = a.astype(np.float64 if a.dtype == np.float64 else np.float32, copy=False)
    return torch.from_numpy(np.ascontiguousarray(a.astype(a.dtype.newbyteorder("="), copy=False))), True


def _back(t: torch.Tensor, was_numpy: bool):
    return t.cpu().numpy() if was_numpy else t


def _check(t: torch.Tensor, scale: int, spatial_dims: int, name: str) -> None:
    if spatial_dims not in (1, 2, 3) or t.ndim < spatial_dims:
        raise ValueError(f"{name}: spatial_dims={spatial_dims} but the input has shape {tuple(t.shape)}")
    if int(scale) != scale or scale < 1:
        raise ValueError(f"{name}: scale must be a positive integer, got {scale!r}")
    bad = [n for n in t.shape[-spatial_dims:] if n % int(scale)]
    if bad:
        raise ValueError(f"{name}: spatial size {tuple(t.shape[-spatial_dims:])} is not divisible by scale "
                         f"{scale}; crop first with crop_to_multiple(x, {scale}, spatial_dims={spatial_dims})")


def crop_to_multiple(x, scale: int, spatial_dims: int = 2):
    """Crop the trailing spatial axes (from the end) so that each is divisible by ``scale``."""
    index = (Ellipsis,) + tuple(slice(0, n - n % scale) for n in x.shape[-spatial_dims:])
    return x[index]


def average_pool(x, scale: int, spatial_dims: int = 2):
    """Mean over each ``scale``-sized block (MedSRGAN's 4x4 average pooling; 3-D: s^3 blocks)."""
    t, was_numpy = _as_tensor(x)
    _check(t, scale, spatial_dims, "average_pool")
    lead, dims = t.shape[:-spatial_dims], t.shape[-spatial_dims:]
    split = [v for n in dims for v in (n // scale, scale)]
    blocks = t.reshape(*lead, *split)  # (..., n1/s, s, n2/s, s[, n3/s, s])
    axes = tuple(len(lead) + 2 * k + 1 for k in range(spatial_dims))
    return _back(blocks.mean(dim=axes), was_numpy)


def _resize_axis(t: torch.Tensor, axis: int, size: int, antialias: bool) -> torch.Tensor:
    """Bicubic resampling of one axis (torch's antialiased kernel is Keys' cubic with a = -0.5)."""
    moved = t.movedim(axis, -1)
    flat = moved.reshape(-1, 1, 1, moved.shape[-1])  # (N, 1, 1, L): a 1-pixel-high image per line
    out = F.interpolate(flat, size=(1, size), mode="bicubic", antialias=antialias, align_corners=False)
    return out.reshape(*moved.shape[:-1], size).movedim(-1, axis)


def bicubic_down(x, scale: int, antialias: bool = True, spatial_dims: int = 2):
    """Bicubic downsampling by ``scale`` along each spatial axis, one axis at a time.

    With ``antialias=True`` the kernel is stretched by ``scale`` (as MATLAB's ``imresize`` and PIL do),
    so it low-passes before decimating; the result equals PIL's BICUBIC resize to within 1e-4 of 255.
    ``antialias=False`` samples the unstretched a = -0.75 kernel and aliases.
    """
    t, was_numpy = _as_tensor(x)
    _check(t, scale, spatial_dims, "bicubic_down")
    for axis in range(t.ndim - spatial_dims, t.ndim):
        t = _resize_axis(t, axis, t.shape[axis] // scale, antialias)
    return _back(t, was_numpy)


def _cubic_weights(d: torch.Tensor, a: float = -0.5) -> torch.Tensor:
    """Keys' cubic convolution weights for the 4 taps at distances (1+d, d, 1-d, 2-d), d in [0, 1)."""
    x = torch.stack([1 + d, d, 1 - d, 2 - d], -1).abs()
    near = (a + 2) * x**3 - (a + 3) * x**2 + 1
    far = a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
    return torch.where(x <= 1, near, torch.where(x < 2, far, torch.zeros_like(x)))


def _cubic_up_axis(t: torch.Tensor, axis: int, scale: int, offset: float) -> torch.Tensor:
    """Cubic interpolation of one axis onto a grid ``scale`` times finer; LR sample i sits at HR i*s+offset."""
    n = t.shape[axis]
    pos = (torch.arange(n * scale, dtype=t.dtype, device=t.device) - offset) / scale  # LR coordinate of HR j
    base = torch.floor(pos)
    weights = _cubic_weights(pos - base)  # (n*s, 4)
    taps = (base.long()[:, None] + torch.arange(-1, 3, device=t.device)).clamp(0, n - 1)  # edge: replicate
    moved = t.movedim(axis, -1)
    gathered = moved[..., taps]  # (..., n*s, 4)
    return (gathered * weights).sum(-1).movedim(-1, axis)


def upsample(x, scale: int, mode: str = "bicubic", spatial_dims: int = 2, offset: float | None = None):
    """Interpolate up by ``scale`` (the baseline every SR model must beat).

    Args:
        mode: ``"bicubic"`` (Keys a = -0.5 as MATLAB, separable, any spatial_dims), ``"linear"`` or
            ``"nearest"``.
        offset: where, inside its s-pixel block, each LR sample lies on the HR grid (bicubic only).
            ``None`` = the block centre ``(s-1)/2``, right for average pooling and bicubic; use ``s//2``
            for :func:`blur_nearest` output (:func:`baseline_upsample` picks it for you).
    """
    t, was_numpy = _as_tensor(x)
    _check(t, 1, spatial_dims, "upsample")
    if mode == "bicubic":
        offset = (scale - 1) / 2.0 if offset is None else float(offset)
        for axis in range(t.ndim - spatial_dims, t.ndim):
            t = _cubic_up_axis(t, axis, int(scale), offset)
        return _back(t, was_numpy)
    if mode not in ("linear", "nearest"):
        raise ValueError(f"upsample: mode={mode!r} is not one of bicubic, linear, nearest")
    lead = t.shape[:-spatial_dims]
    flat = t.reshape(-1, 1, *t.shape[-spatial_dims:])
    torch_mode = {"nearest": "nearest", "linear": ("linear", "bilinear", "trilinear")[spatial_dims - 1]}[mode]
    out = F.interpolate(flat, scale_factor=float(scale), mode=torch_mode,
                        **({} if mode == "nearest" else {"align_corners": False}))
    return _back(out.reshape(*lead, *out.shape[2:]), was_numpy)


def baseline_upsample(lr, kind: str, scale: int, spatial_dims: int = 2):
    """The fair bicubic baseline for LR made by degradation ``kind``.

    k-space LR already lives on the HR grid (returned as it is); nearest-decimated LR is interpolated
    from where its samples were taken (``i*s + s//2``), the others from block centres.
    """
    if kind == "kspace":
        return lr
    offset = scale // 2 if kind == "blur_nearest" else None
    return upsample(lr, scale, "bicubic", spatial_dims, offset)


def gaussian_blur(x, sigma: float, spatial_dims: int = 2):
    """Separable Gaussian blur, ``sigma`` in pixels/voxels, kernel cut at 4 sigma, symmetric edges.

    Matches ``scipy.ndimage.gaussian_filter(x, sigma, mode="reflect", truncate=4)`` on the spatial axes.
    """
    t, was_numpy = _as_tensor(x)
    if sigma <= 0:
        return _back(t.clone(), was_numpy)
    radius = int(4.0 * sigma + 0.5)
    offsets = torch.arange(-radius, radius + 1, dtype=t.dtype, device=t.device)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = (kernel / kernel.sum()).view(1, 1, -1)
    for axis in range(t.ndim - spatial_dims, t.ndim):
        moved = t.movedim(axis, -1)
        n = moved.shape[-1]
        flat = moved.reshape(-1, 1, n)
        index = torch.arange(-radius, n + radius, device=t.device)
        index = torch.where(index < 0, -index - 1, index)  # half-sample symmetric padding, like scipy
        index = torch.where(index >= n, 2 * n - index - 1, index).remainder(n)
        out = F.conv1d(flat[..., index], kernel)
        t = out.reshape(moved.shape).movedim(-1, axis)
    return _back(t, was_numpy)


def blur_nearest(x, scale: int, sigma: float = 1.0, spatial_dims: int = 2):
    """Gaussian blur (``sigma`` in HR voxels) then keep every ``scale``-th voxel (Sanchez & Vilaplana).

    The kept voxel of each block is ``i*s + s//2`` (see the module docstring). The official code used
    ``scipy.ndimage.zoom(order=0)``, whose sampling grid stretches to the volume corners; we use the
    block grid so that LR and HR patches stay exactly aligned.
    """
    t, was_numpy = _as_tensor(x)
    _check(t, scale, spatial_dims, "blur_nearest")
    t = gaussian_blur(t, sigma, spatial_dims)
    index = (Ellipsis,) + (slice(scale // 2, None, scale),) * spatial_dims
    return _back(t[index].contiguous(), was_numpy)


def kspace_truncate(x, scale: float, axes: Sequence[int] = (-2, -1), magnitude: bool = True):
    """Keep only the central ``1/scale`` of k-space along ``axes``; the result stays on the HR grid.

    Chen et al. simulate a low-resolution MR acquisition this way: Fourier transform, zero the outer
    frequencies of the phase-encoding axes, transform back, take the magnitude. We keep the symmetric
    band ``|k| <= (n // scale - 1) // 2`` so a real image stays real (the unpaired Nyquist line of an
    even-sized LR matrix is dropped). For 3-D volumes the default truncates the last two axes, as in
    Chen's two phase-encoding directions; pass ``axes=(-3, -2, -1)`` for all three.

    Args:
        scale: resolution loss factor per truncated axis (may be fractional, e.g. 2.5).
        axes: the axes to truncate.
        magnitude: return ``|ifft|`` (Chen); ``False`` returns the real part, whose spectrum equals the
            input's on the kept band and is zero elsewhere.
    """
    t, was_numpy = _as_tensor(x)
    if not scale >= 1:
        raise ValueError(f"kspace_truncate: scale must be >= 1, got {scale!r}")
    axes = tuple(a % t.ndim for a in axes)
    spectrum = torch.fft.fftn(t, dim=axes)
    for axis in axes:
        n = t.shape[axis]
        keep = (n // scale - 1) // 2 if scale > 1 else n
        k = torch.fft.fftfreq(n, d=1.0 / n, device=t.device).round()  # integer frequency of each bin
        shape = [1] * t.ndim
        shape[axis] = n
        spectrum = spectrum * (k.abs() <= keep).view(shape)
    image = torch.fft.ifftn(spectrum, dim=axes)
    out = image.abs() if magnitude else image.real
    return _back(out.to(t.dtype), was_numpy)


def add_noise(x, sigma: float, kind: str = "gaussian", rng: int | np.random.Generator | torch.Generator = 0):
    """Add zero-mean noise of standard deviation ``sigma`` (in the units of ``x``).

    Args:
        kind: ``"gaussian"`` (CT, fundus) or ``"rician"`` (magnitude MR: ``|x + n1 + i n2|``, which
            lifts dark background to ``sigma * sqrt(pi/2)`` on average).
        rng: a seed, a NumPy Generator or a torch Generator (the training loop's data RNG).
    """
    t, was_numpy = _as_tensor(x)
    if kind not in ("gaussian", "rician"):
        raise ValueError(f"add_noise: kind={kind!r} is not gaussian or rician")

    source = rng if isinstance(rng, (torch.Generator, np.random.Generator)) else np.random.default_rng(rng)

    def normal() -> torch.Tensor:
        if isinstance(source, torch.Generator):
            return torch.randn(t.shape, generator=source, dtype=t.dtype, device=source.device).to(t.device)
        return torch.from_numpy(source.standard_normal(tuple(t.shape))).to(t.dtype).to(t.device)

    if kind == "gaussian":
        out = t + sigma * normal()
    else:
        real, imag = t + sigma * normal(), sigma * normal()
        out = torch.sqrt(real * real + imag * imag)
    return _back(out, was_numpy)


DEGRADATIONS = {"average_pool": average_pool, "bicubic": bicubic_down, "blur_nearest": blur_nearest,
                "kspace": kspace_truncate}


def degrade(x, kind: str, scale: int, spatial_dims: int = 2, **kwargs):
    """Apply the named degradation (``average_pool``, ``bicubic``, ``blur_nearest`` or ``kspace``).

    ``kspace`` returns the LR image on the HR grid (same shape as ``x``); the others shrink by ``scale``.
    """
    if kind not in DEGRADATIONS:
        raise ValueError(f"degrade: kind={kind!r} is not one of {', '.join(DEGRADATIONS)}")
    if kind == "kspace":
        kwargs.setdefault("axes", tuple(range(-min(spatial_dims, 2), 0)))
        return kspace_truncate(x, scale, **kwargs)
    return DEGRADATIONS[kind](x, scale, spatial_dims=spatial_dims, **kwargs)

