"""SRResNet generator in 2-D or 3-D — the generator of Sánchez & Vilaplana's 3D brain-MRI SR GAN.

Sánchez & Vilaplana (MIDL 2018) carry SRGAN's generator (Ledig et al. 2017) into three dimensions
for T1 brain MRI. From their released code (defaults: 32 filters, 6 residual blocks):

    LR ─ conv+BN+LReLU ─┬─ [conv BN LReLU conv BN (+)] × num_blocks ─ conv+BN ─(+)─ ×2 stages ─ conv ─ SR
                        └──────────────────────── long skip ──────────────────────┘

with LeakyReLU slope 0.25 and, per ×2 stage, either

* ``upsample="subpixel"`` (their default): conv to ``upsample_features`` (64) channels, then a
  sub-pixel shuffle (in 3-D 64 channels become 64/8 = 8 channels at twice the resolution;
  :func:`~ganbook.models.layers.pixel_shuffle_nd` is our 3-D shuffle); the conv is ICNR-initialised
  (ours: their code uses the default init, which starts the output as a checkerboard),
* ``upsample="subpixel_blur"``: the same with a fixed [1, 2, 1] blur after the shuffle, or
* ``upsample="nearest"``: nearest-neighbour ×2 then conv to ``upsample_features`` channels, which
  avoids sub-pixel checkerboards.

Our choices: a LeakyReLU after each upsampling stage (as in SRGAN; the code we read is not explicit);
no tanh at the output (intensities need not lie in [−1, 1]); and ``residual_interp=True`` (default)
adds the linear (bilinear / trilinear) interpolation of the input and zero-initialises the last conv,
so an untrained model equals trilinear interpolation and training learns the correction
(``residual_base="cubic"``: tricubic, Keys a = −0.5, whose own error has less of a fixed pattern on the
LR grid to undo). ``residual_interp=False`` is the paper's form.

The same class builds **SRGAN's generator** (Ledig et al., CVPR 2017) — :func:`srgan_config`: 2-D, ×4,
16 blocks × 64 channels, 9×9 first and last convs, no batch norm after the first conv, PReLU
activations, sub-pixel stages of 256 channels (1.55 M parameters; the paper: about 1.5 M).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .layers import (UPSAMPLERS, batch_norm_nd, check_positive, check_scale, conv_nd, interpolation_base,
                     merge_config, upsample_stage)

__all__ = ["SRResNetConfig", "ResidualBlock", "SRResNet", "srgan_config"]

SLOPE = 0.25  # LeakyReLU slope of Sánchez & Vilaplana's generator


@dataclass
class SRResNetConfig:
    """Attributes:
        in_channels, out_channels: image channels (1 for MRI).
        num_features: trunk filters F (paper code default 32).
        num_blocks: residual blocks (paper code default 6).
        scale: 2 or 4 (one or two ×2 stages).
        spatial_dims: 3 for volumes, 2 for slices.
        upsample: "subpixel", "subpixel_blur" or "nearest" (see module doc).
        upsample_features: channels of each upsampling conv (64 in the paper code).
        residual_interp: add the linearly interpolated input (our choice; see module doc).
        residual_base: "linear", "cubic" (separable Keys a = −0.5, any offset) or "bicubic" (torch's 2-D kernel,
            block-centred samples), the interpolation that ``residual_interp`` adds.
        activation: "lrelu" (LeakyReLU 0.25, Sánchez & Vilaplana) or "prelu" (per-channel PReLU, SRGAN).
        outer_kernel: kernel of the first and last conv (3; SRGAN: 9).
        head_norm: batch norm after the first conv (Sánchez & Vilaplana; SRGAN has none).
        sample_offset: where each LR voxel sits inside its ``scale``-wide HR block, for the residual
            base. None: the block centre (average pooling, antialiased bicubic); ``scale // 2``
            for ``ganbook.data.degrade.blur_nearest``, which keeps HR voxel ``i·s + s//2`` — otherwise
            the base is shifted by half an HR voxel at even scales.
    """

    in_channels: int = 1
    out_channels: int = 1
    num_features: int = 32
    num_blocks: int = 6
    scale: int = 2
    spatial_dims: int = 3
    upsample: str = "subpixel"
    upsample_features: int = 64
    residual_interp: bool = True
    sample_offset: float | None = None
    residual_base: str = "linear"
    activation: str = "lrelu"
    outer_kernel: int = 3
    head_norm: bool = True

    def __post_init__(self):
        check_positive("SRResNetConfig", in_channels=self.in_channels, out_channels=self.out_channels,
                       num_features=self.num_features, num_blocks=self.num_blocks,
                       upsample_features=self.upsample_features)
        check_scale("SRResNetConfig", self.scale, allowed=(2, 4))
        if self.spatial_dims not in (2, 3):
            raise ValueError(f"SRResNetConfig.spatial_dims must be 2 or 3, got {self.spatial_dims!r}")
        if self.upsample not in UPSAMPLERS:
            raise ValueError(f"SRResNetConfig.upsample must be one of {UPSAMPLERS}, got {self.upsample!r}")
        if self.upsample != "nearest" and self.upsample_features % 2 ** self.spatial_dims:
            raise ValueError(f"SRResNetConfig.upsample_features ({self.upsample_features}) must be divisible by "
                             f"{2 ** self.spatial_dims} for a {self.spatial_dims}-D sub-pixel shuffle")
        if self.residual_base not in ("linear", "cubic", "bicubic"):
            raise ValueError("SRResNetConfig.residual_base must be 'linear', 'cubic' or 'bicubic', got "
                             f"{self.residual_base!r}")
        if self.activation not in ("lrelu", "prelu"):
            raise ValueError(f"SRResNetConfig.activation must be 'lrelu' or 'prelu', got {self.activation!r}")
        if self.outer_kernel < 1 or self.outer_kernel % 2 == 0:
            raise ValueError(f"SRResNetConfig.outer_kernel must be a positive odd int, got {self.outer_kernel!r}")
        if self.sample_offset is not None and not 0 <= self.sample_offset <= self.scale - 1:
            raise ValueError(f"SRResNetConfig.sample_offset must lie in [0, scale - 1] = [0, {self.scale - 1}], "
                             f"got {self.sample_offset!r}")
        if self.residual_interp and self.in_channels != self.out_channels:
            raise ValueError("SRResNetConfig.residual_interp needs in_channels == out_channels, got "
                             f"{self.in_channels} and {self.out_channels}")


def _activation(kind: str, channels: int) -> nn.Module:
    return nn.PReLU(channels, init=SLOPE) if kind == "prelu" else nn.LeakyReLU(SLOPE, inplace=True)


class ResidualBlock(nn.Module):
    """conv → BN → LReLU(0.25) (or PReLU) → conv → BN, plus the identity.

    Args:
        num_features: channels.
        spatial_dims: 2 or 3.
        activation: "lrelu" or "prelu".
    """

    def __init__(self, num_features: int, spatial_dims: int, activation: str = "lrelu"):
        super().__init__()
        d = spatial_dims
        self.body = nn.Sequential(
            conv_nd(d, num_features, num_features, bias=False), batch_norm_nd(d, num_features),
            _activation(activation, num_features),
            conv_nd(d, num_features, num_features, bias=False), batch_norm_nd(d, num_features),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SRResNet(nn.Module):
    """SRResNet for 2-D images or 3-D volumes; fully convolutional.

    Args:
        config: an :class:`SRResNetConfig` (defaults: Sánchez & Vilaplana, 3-D, ×2).
        **overrides: field overrides, e.g. ``SRResNet(spatial_dims=2, scale=4)``.
    """

    def __init__(self, config: SRResNetConfig | None = None, **overrides):
        super().__init__()
        self.config = cfg = merge_config(SRResNetConfig, config, overrides)
        d, f, u = cfg.spatial_dims, cfg.num_features, cfg.upsample_features
        k, act = cfg.outer_kernel, cfg.activation
        self.head = nn.Sequential(*([conv_nd(d, cfg.in_channels, f, k, bias=False), batch_norm_nd(d, f)] if cfg.head_norm
                                    else [conv_nd(d, cfg.in_channels, f, k)]), _activation(act, f))
        self.body = nn.Sequential(*(ResidualBlock(f, d, act) for _ in range(cfg.num_blocks)))
        self.body_tail = nn.Sequential(conv_nd(d, f, f, bias=False), batch_norm_nd(d, f))
        stages: list[nn.Module] = []
        c = f
        for _ in range(check_scale("SRResNetConfig", cfg.scale, allowed=(2, 4))):
            stage, c = upsample_stage(d, c, u, cfg.upsample)  # (N, c, S) → (N, u or u / 2^d, 2S)
            stages += stage
            stages.append(_activation(act, c))
        self.upsample = nn.Sequential(*stages)
        self.tail = conv_nd(d, c, cfg.out_channels, k)
        if cfg.residual_interp:
            nn.init.zeros_(self.tail.weight)
            nn.init.zeros_(self.tail.bias)

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        """Super-resolve ``lr`` (N, in_channels, *S) to (N, out_channels, *(scale·S))."""
        cfg = self.config
        if lr.ndim != 2 + cfg.spatial_dims or lr.shape[1] != cfg.in_channels:
            raise ValueError(f"SRResNet(spatial_dims={cfg.spatial_dims}) expects (N, {cfg.in_channels}, "
                             f"{cfg.spatial_dims} spatial sizes) input, got shape {tuple(lr.shape)}")
        feat = self.head(lr)
        feat = feat + self.body_tail(self.body(feat))  # long skip
        out = self.tail(self.upsample(feat))
        if cfg.residual_interp:
            out = interpolation_base(lr, cfg.scale, cfg.spatial_dims, cfg.residual_base, cfg.sample_offset) + out.float()
        return out


def srgan_config(**overrides) -> SRResNetConfig:
    """SRGAN's generator (Ledig et al. 2017, Fig. 4): RGB, ×4, 16 residual blocks of 64 channels with batch norm
    and PReLU, 9×9 convs at both ends, two ×2 sub-pixel stages of 256 channels, no interpolation skip. Any
    field can be overridden (e.g. smaller sizes for a CPU)."""
    base = dict(in_channels=3, out_channels=3, num_features=64, num_blocks=16, scale=4, spatial_dims=2,
                upsample="subpixel", upsample_features=256, residual_interp=False, activation="prelu",
                outer_kernel=9, head_norm=False)
    return SRResNetConfig(**{**base, **overrides})
