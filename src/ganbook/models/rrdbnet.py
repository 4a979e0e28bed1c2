"""RRDBNet — ESRGAN's generator (Wang et al., ECCV-W 2018), the base of Retinal-ESRGAN.

SRResNet's layout with its residual blocks replaced by Residual-in-Residual Dense Blocks and all
batch normalisation removed (BN produced artefacts at test time, ESRGAN §3.1):

    LR ─ conv_first ─┬─ RRDB × num_blocks ─ conv_body ─(+)─ [nearest ×2 → conv → LReLU] × log2(scale)
                     └──────── global residual ───────┘      → conv_hr → LReLU → conv_last ─ SR

* Residual dense block (RDB): five 3×3 convs, each seeing the concatenation of the block input and
  all earlier outputs (``num_features + k·growth`` channels into conv k+1); conv1–4 output ``growth``
  channels with LeakyReLU 0.2, conv5 returns to ``num_features``; output ``x + 0.2·conv5``.
* RRDB: three RDBs in sequence, output ``x + 0.2·RDB3(RDB2(RDB1(x)))`` — "residual scaling" 0.2.
* Upsampling by nearest-neighbour interpolation + conv (no PixelShuffle; avoids checkerboards).
* "Smaller initialisation": Kaiming-normal weights ×0.1 in every RDB conv, biases zero.

Our choice, as in RWMAN: ``residual_interp=True`` (default) adds the bicubic-interpolated input to the
output and zero-initialises ``conv_last``, so an untrained model *is* bicubic and training learns the
correction. The skip uses Keys' cubic with a = −0.5 (``residual_base="cubic"``), the kernel of the MATLAB
bicubic degradation: torch's 2-D bicubic (a = −0.75, ``"bicubic"``) leaves a fixed 4×4 pattern in its
error on fundus photographs about 1.8× that of the a = −0.5 baseline, which a short training run
inherits (a plain RRDBNet trained 3 minutes on fundus crops on a CPU was still far below bicubic in
this project's measurements). ``residual_interp=False`` is ESRGAN.

Network interpolation (ESRGAN §3.4) is :func:`interpolate_networks`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from .layers import check_positive, check_scale, interpolation_base, merge_config

__all__ = ["RRDBNetConfig", "ResidualDenseBlock", "RRDB", "RRDBNet", "interpolate_networks"]

RESIDUAL_SCALE = 0.2  # ESRGAN: scaling residuals by 0.2 before adding stabilises very deep training


@dataclass
class RRDBNetConfig:
    """Attributes:
        in_channels, out_channels: image channels (3 for colour fundus photographs).
        num_features: trunk width nf (paper 64).
        num_blocks: RRDBs in the trunk nb (paper 23).
        growth: channels each dense-block conv adds, gc (paper 32).
        scale: 2, 4 or 8 (paper 4).
        residual_interp: predict a correction to the bicubic interpolation (our choice; see module doc).
        residual_base: that interpolation: "cubic" (Keys a = −0.5, separable) or "bicubic" (torch, a = −0.75).
    """

    in_channels: int = 3
    out_channels: int = 3
    num_features: int = 64
    num_blocks: int = 23
    growth: int = 32
    scale: int = 4
    residual_interp: bool = True
    residual_base: str = "cubic"

    def __post_init__(self):
        check_positive("RRDBNetConfig", in_channels=self.in_channels, out_channels=self.out_channels,
                       num_features=self.num_features, num_blocks=self.num_blocks, growth=self.growth)
        check_scale("RRDBNetConfig", self.scale)
        if self.residual_base not in ("cubic", "bicubic"):
            raise ValueError(f"RRDBNetConfig.residual_base must be 'cubic' or 'bicubic', got {self.residual_base!r}")
        if self.residual_interp and self.in_channels != self.out_channels:
            raise ValueError("RRDBNetConfig.residual_interp needs in_channels == out_channels, got "
                             f"{self.in_channels} and {self.out_channels}")


class ResidualDenseBlock(nn.Module):
    """Five densely connected 3×3 convs with a scaled residual.

    Args:
        num_features: channels in and out (nf).
        growth: channels added by each of conv1–4 (gc).
    """

    def __init__(self, num_features: int = 64, growth: int = 32):
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv2d(num_features + k * growth, growth if k < 4 else num_features, 3, padding=1) for k in range(5)
        )
        for conv in self.convs:
            nn.init.kaiming_normal_(conv.weight)
            conv.weight.data.mul_(0.1)  # "smaller initialisation" (ESRGAN §3.1)
            nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [x]
        for conv in self.convs[:4]:
            feats.append(F.leaky_relu(conv(torch.cat(feats, dim=1)), 0.2))  # (N, nf + k·gc, H, W) in
        return x + RESIDUAL_SCALE * self.convs[4](torch.cat(feats, dim=1))


class RRDB(nn.Module):
    """Residual-in-residual dense block: three RDBs and an outer scaled residual.

    Args:
        num_features: channels nf.
        growth: dense growth gc.
    """

    def __init__(self, num_features: int = 64, growth: int = 32):
        super().__init__()
        self.rdbs = nn.Sequential(*(ResidualDenseBlock(num_features, growth) for _ in range(3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + RESIDUAL_SCALE * self.rdbs(x)


class RRDBNet(nn.Module):
    """ESRGAN's generator; fully convolutional.

    Args:
        config: an :class:`RRDBNetConfig` (defaults: paper size nf64 nb23 gc32, ×4, RGB).
        **overrides: field overrides, e.g. ``RRDBNet(num_features=32, num_blocks=4)``.
    """

    def __init__(self, config: RRDBNetConfig | None = None, **overrides):
        super().__init__()
        self.config = cfg = merge_config(RRDBNetConfig, config, overrides)
        nf = cfg.num_features
        self.conv_first = nn.Conv2d(cfg.in_channels, nf, 3, padding=1)
        self.body = nn.Sequential(*(RRDB(nf, cfg.growth) for _ in range(cfg.num_blocks)))
        self.conv_body = nn.Conv2d(nf, nf, 3, padding=1)
        self.conv_up = nn.ModuleList(nn.Conv2d(nf, nf, 3, padding=1)
                                     for _ in range(check_scale("RRDBNetConfig", cfg.scale)))
        self.conv_hr = nn.Conv2d(nf, nf, 3, padding=1)
        self.conv_last = nn.Conv2d(nf, cfg.out_channels, 3, padding=1)
        if cfg.residual_interp:
            nn.init.zeros_(self.conv_last.weight)
            nn.init.zeros_(self.conv_last.bias)

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        """Super-resolve ``lr`` (N, in_channels, H, W) to (N, out_channels, scale·H, scale·W)."""
        cfg = self.config
        if lr.ndim != 4 or lr.shape[1] != cfg.in_channels:
            raise ValueError(f"RRDBNet expects (N, {cfg.in_channels}, H, W) input, got shape {tuple(lr.shape)}")
        feat = self.conv_first(lr)
        feat = feat + self.conv_body(self.body(feat))  # global residual
        for conv in self.conv_up:
            feat = F.leaky_relu(conv(F.interpolate(feat, scale_factor=2, mode="nearest")), 0.2)
        out = self.conv_last(F.leaky_relu(self.conv_hr(feat), 0.2))
        if cfg.residual_interp:
            out = interpolation_base(lr, cfg.scale, 2, cfg.residual_base) + out.float()
        return out


def interpolate_networks(state_psnr: Mapping[str, torch.Tensor], state_gan: Mapping[str, torch.Tensor],
                         alpha: float) -> dict[str, torch.Tensor]:
    """Network interpolation θ = (1 − α)·θ_PSNR + α·θ_GAN, parameter by parameter (ESRGAN §3.4).

    Sweeping α trades the PSNR model's smoothness for the GAN model's texture without retraining.
    Written as ``(1 − α)·a + α·b`` (not ``a + α·(b − a)``) so that α = 0 and α = 1 return the two
    models bit for bit. Integer buffers (e.g. batch-norm step counters) cannot be blended and are
    taken from the nearer endpoint.

    Args:
        state_psnr: state dict of the PSNR-oriented model.
        state_gan: state dict of the GAN fine-tuned model (same architecture).
        alpha: weight of the GAN model, in [0, 1].
    """
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha!r}")
    if state_psnr.keys() != state_gan.keys():
        diff = sorted(set(state_psnr) ^ set(state_gan))
        raise ValueError(f"the two state dicts come from different architectures; keys in only one: {diff[:5]}")
    alpha = float(alpha)
    out = {}
    for name, a in state_psnr.items():
        b = state_gan[name]
        if a.shape != b.shape:
            raise ValueError(f"parameter {name!r} has shape {tuple(a.shape)} vs {tuple(b.shape)}; "
                             "interpolate models of the same configuration")
        if a.is_floating_point():
            out[name] = (1.0 - alpha) * a + alpha * b
        else:
            out[name] = (b if alpha >= 0.5 else a).clone()
    return out
