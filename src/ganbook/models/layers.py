"""Small building blocks shared by the super-resolution models.

One helper per idea, each dimension-agnostic through ``spatial_dims`` (2 for slices and photos, 3 for
volumes), so a model family written once serves CT, fundus and brain MRI.
"""
from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "conv_nd", "batch_norm_nd", "pixel_shuffle_nd", "PixelShuffleND", "UPSAMPLERS", "icnr_", "Blur",
    "upsample_stage", "interpolation_base", "linear_upsample",
    "count_parameters", "check_positive", "check_scale", "merge_config",
]

C = TypeVar("C")

_CONVS = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
_NORMS = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}


def conv_nd(spatial_dims: int, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
            bias: bool = True) -> nn.Module:
    """A ``kernel_size``-cube convolution with "same" padding in 1, 2 or 3 dimensions.

    Args:
        spatial_dims: 1, 2 or 3.
        in_channels, out_channels: channel counts.
        kernel_size: odd edge length of the kernel; padding ``(kernel_size - 1) // 2`` keeps the size
            at stride 1.
        stride: convolution stride.
        bias: add a learned bias (off before batch norm, which has its own shift).
    """
    if spatial_dims not in _CONVS:
        raise ValueError(f"spatial_dims must be 1, 2 or 3, got {spatial_dims!r}")
    return _CONVS[spatial_dims](in_channels, out_channels, kernel_size, stride=stride,
                                padding=(kernel_size - 1) // 2, bias=bias)


def batch_norm_nd(spatial_dims: int, num_features: int) -> nn.Module:
    """Batch normalisation over ``num_features`` channels in 1, 2 or 3 spatial dimensions."""
    if spatial_dims not in _NORMS:
        raise ValueError(f"spatial_dims must be 1, 2 or 3, got {spatial_dims!r}")
    return _NORMS[spatial_dims](num_features)


def pixel_shuffle_nd(x: torch.Tensor, factor: int, spatial_dims: int) -> torch.Tensor:
    """Sub-pixel shuffle in any number of spatial dimensions (Shi et al. 2016, generalised).

    Channel ``c * r**d + (i_1 * r**(d-1) + ... + i_d)`` of the input becomes the sub-pixel offset
    ``(i_1, ..., i_d)`` of channel ``c`` in the output; for ``spatial_dims=2`` this is exactly
    ``torch.nn.functional.pixel_shuffle``. torch has no 3-D version, hence this one.

    Args:
        x: (N, C * r**d, S_1, ..., S_d).
        factor: upscaling factor r per axis.
        spatial_dims: d.
    """
    n, c_in, *spatial = x.shape
    if len(spatial) != spatial_dims:
        raise ValueError(f"expected {spatial_dims} spatial dimensions, got input of shape {tuple(x.shape)}")
    block = factor ** spatial_dims
    if c_in % block:
        raise ValueError(f"pixel shuffle by {factor} in {spatial_dims}-D needs channels divisible by {block}, "
                         f"got {c_in}")
    c = c_in // block
    x = x.reshape(n, c, *([factor] * spatial_dims), *spatial)  # (N, C, r_1..r_d, S_1..S_d)
    # interleave: (N, C, S_1, r_1, S_2, r_2, ...)
    order = [0, 1]
    for k in range(spatial_dims):
        order += [2 + spatial_dims + k, 2 + k]
    x = x.permute(*order)
    return x.reshape(n, c, *(s * factor for s in spatial))  # (N, C, S_1*r, ..., S_d*r)


class PixelShuffleND(nn.Module):
    """Module form of :func:`pixel_shuffle_nd`."""

    def __init__(self, factor: int, spatial_dims: int):
        super().__init__()
        self.factor, self.spatial_dims = factor, spatial_dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return pixel_shuffle_nd(x, self.factor, self.spatial_dims)

    def extra_repr(self) -> str:
        return f"factor={self.factor}, spatial_dims={self.spatial_dims}"


# --- ×2 upsampling stages ---------------------------------------------------------------------------
UPSAMPLERS = ("subpixel", "subpixel_blur", "nearest")


def icnr_(weight: torch.Tensor, factor: int, spatial_dims: int) -> torch.Tensor:
    """ICNR initialisation (Aitken et al. 2017) of the conv feeding a sub-pixel shuffle, in place.

    A default-initialised conv gives each of the ``factor**d`` sub-pixel phases its own random filter,
    so the shuffled output starts as a fixed checkerboard that short training never removes. ICNR draws
    one filter per *output* channel and copies it to all its phases: at initialisation conv → shuffle
    equals conv → nearest-neighbour upsampling, which has no grid.

    Args:
        weight: (C_out · factor**d, C_in, k, …) weight of the conv before :func:`pixel_shuffle_nd`.
        factor: the shuffle's factor r.
        spatial_dims: d.
    """
    block = factor ** spatial_dims
    if weight.shape[0] % block:
        raise ValueError(f"ICNR needs output channels divisible by {block}, got weight of shape {tuple(weight.shape)}")
    base = torch.empty((weight.shape[0] // block, *weight.shape[1:]), dtype=weight.dtype, device=weight.device)
    nn.init.kaiming_uniform_(base, a=5 ** 0.5)  # torch's default conv init, drawn once per output channel
    with torch.no_grad():
        # pixel_shuffle_nd puts channels c·r^d … c·r^d + r^d − 1 at the phases of output channel c
        weight.copy_(base.repeat_interleave(block, dim=0))
    return weight


class Blur(nn.Module):
    """Fixed [1, 2, 1] / 4 smoothing per channel and axis, edges replicated (no shift, no parameters).

    After a sub-pixel shuffle it averages each pixel with its neighbours of other phases, so a residual
    difference between the phases' filters (left after ICNR once training moves them apart) is damped
    (Sugawara et al. 2019 make the same point with a zero-order hold).
    """

    def __init__(self, spatial_dims: int):
        super().__init__()
        if spatial_dims not in (1, 2, 3):
            raise ValueError(f"spatial_dims must be 1, 2 or 3, got {spatial_dims!r}")
        self.spatial_dims = spatial_dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d = self.spatial_dims
        k = torch.tensor([0.25, 0.5, 0.25], dtype=x.dtype, device=x.device)
        conv = (F.conv1d, F.conv2d, F.conv3d)[d - 1]
        c = x.shape[1]
        for axis in range(d):  # separable: one 3-tap pass per spatial axis
            pad = [0] * (2 * d)
            pad[2 * (d - 1 - axis)] = pad[2 * (d - 1 - axis) + 1] = 1
            taps = [3 if a == axis else 1 for a in range(d)]
            x = conv(F.pad(x, pad, mode="replicate"), k.reshape(1, 1, *taps).expand(c, 1, *taps), groups=c)
        return x

    def extra_repr(self) -> str:
        return f"spatial_dims={self.spatial_dims}"


class _NearestUp(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=2, mode="nearest")


def upsample_stage(spatial_dims: int, in_channels: int, conv_channels: int, mode: str) -> tuple[list[nn.Module], int]:
    """One ×2 upsampling stage, as the modules to chain and the channels that come out.

    Args:
        spatial_dims: 2 or 3.
        in_channels: channels coming in.
        conv_channels: output channels of the stage's conv (before the shuffle, for sub-pixel).
        mode: ``"subpixel"`` — conv → shuffle, the conv ICNR-initialised (Shi et al. 2016; Aitken et al. 2017);
            ``"subpixel_blur"`` — the same followed by a fixed :class:`Blur`; ``"nearest"`` — nearest-neighbour
            ×2 → conv (Odena et al. 2016: no phase-dependent filters at all).

    Returns:
        (modules, channels out): sub-pixel gives ``conv_channels / 2**d`` channels, nearest ``conv_channels``.
    """
    if mode not in UPSAMPLERS:
        raise ValueError(f"upsample must be one of {UPSAMPLERS}, got {mode!r}")
    if mode == "nearest":
        return [_NearestUp(), conv_nd(spatial_dims, in_channels, conv_channels)], conv_channels
    block = 2 ** spatial_dims
    if conv_channels % block:
        raise ValueError(f"a {spatial_dims}-D sub-pixel stage needs conv channels divisible by {block}, "
                         f"got {conv_channels}")
    conv = conv_nd(spatial_dims, in_channels, conv_channels)
    icnr_(conv.weight, 2, spatial_dims)
    with torch.no_grad():
        conv.bias.copy_(conv.bias[::block].repeat_interleave(block))  # one bias per output channel, too
    stage = [conv, PixelShuffleND(2, spatial_dims)]  # (N, c·2^d, S) → (N, c, 2S)
    if mode == "subpixel_blur":
        stage.append(Blur(spatial_dims))
    return stage, conv_channels // block


def interpolation_base(x: torch.Tensor, scale: int, spatial_dims: int, mode: str,
                       sample_offset: float | None = None) -> torch.Tensor:
    """Interpolated input that a residual model corrects.

    Computed in float32 even under bf16 autocast: the base carries the whole image, so its rounding
    error would otherwise cap the achievable PSNR near bf16's 8-bit mantissa.

    Args:
        x: LR batch (N, C, *spatial).
        scale: integer factor.
        spatial_dims: number of spatial axes.
        mode: "bicubic" (torch's 2-D kernel, a = −0.75), "cubic" (separable Keys a = −0.5 in any
            dimension, :func:`ganbook.data.degrade.upsample` — the tricubic baseline of the 3-D notebook) or
            "linear" (bi-/trilinear).
        sample_offset: where each LR sample sits inside its ``scale``-wide block of HR pixels. None is
            the block centre (average pooling, antialiased bicubic, ``align_corners=False``); decimation
            that keeps HR pixel ``i·s + s//2`` needs ``s // 2`` ("linear" and "cubic" only).
    """
    with torch.autocast(device_type=x.device.type, enabled=False):
        x = x.float()
        if mode == "cubic":
            from ..data.degrade import upsample

            return upsample(x, scale, "bicubic", spatial_dims, sample_offset)
        if sample_offset is not None and sample_offset != (scale - 1) / 2:
            if mode != "linear":
                raise ValueError(f"a sample_offset is only supported with linear or cubic interpolation, not {mode!r}")
            return linear_upsample(x, scale, spatial_dims, sample_offset)
        if mode == "linear":
            mode = {1: "linear", 2: "bilinear", 3: "trilinear"}[spatial_dims]
        return F.interpolate(x, scale_factor=scale, mode=mode, align_corners=False)


def linear_upsample(x: torch.Tensor, scale: int, spatial_dims: int, sample_offset: float) -> torch.Tensor:
    """Separable linear interpolation onto a grid ``scale`` times finer, LR sample i at HR ``i·s + offset``.

    Edges replicate the outermost sample, as ``F.interpolate`` does.
    """
    for axis in range(x.ndim - spatial_dims, x.ndim):
        n = x.shape[axis]
        pos = ((torch.arange(n * scale, device=x.device, dtype=x.dtype) - sample_offset) / scale).clamp(0, n - 1)
        lo = pos.floor().long()
        hi = (lo + 1).clamp(max=n - 1)
        w = (pos - lo).reshape([-1 if a == axis else 1 for a in range(x.ndim)])
        x = x.index_select(axis, lo) * (1 - w) + x.index_select(axis, hi) * w
    return x


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    """Number of scalar parameters (all of them, or only those with ``requires_grad``)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def check_positive(owner: str, **values: int) -> None:
    """Raise a ValueError naming ``owner.field`` when a size is not a positive int."""
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{owner}.{name} must be a positive int, got {value!r}")


def check_scale(owner: str, scale: int, allowed: tuple[int, ...] = (2, 4, 8)) -> int:
    """Number of x2 stages for ``scale``; raises naming the field when ``scale`` is not allowed."""
    if scale not in allowed:
        raise ValueError(f"{owner}.scale must be one of {allowed} (built from x2 stages), got {scale!r}")
    return scale.bit_length() - 1


def merge_config(config_cls: type[C], config: C | None, overrides: dict[str, Any]) -> C:
    """``config`` (or the defaults) with keyword overrides; unknown names get a clear error."""
    if config is not None and not isinstance(config, config_cls):
        raise TypeError(f"expected a {config_cls.__name__}, got {type(config).__name__}")
    fields = {f.name for f in dataclasses.fields(config_cls)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise TypeError(f"{config_cls.__name__} has no field(s) {', '.join(unknown)}; "
                        f"known fields: {', '.join(sorted(fields))}")
    return dataclasses.replace(config or config_cls(), **overrides)
