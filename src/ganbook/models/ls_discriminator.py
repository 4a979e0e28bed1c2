"""Sánchez & Vilaplana's least-squares discriminator, in 2-D or 3-D.

From the paper's released code: eight 3×3(×3) convolutions with 32, 32, 64, 64, 128, 128, 256, 256
filters, stride 2 on every second one (so four halvings), batch norm on all but the first, LeakyReLU
with slope 0.3; then a dense layer of 1024 units with LeakyReLU and a dense layer to one output. The
output is raw — the least-squares GAN loss (Mao et al. 2017) regresses it to the label values, no
sigmoid.

The dense layer's input size depends on the patch: (256 · ∏ ceil(S_i / 16)) features, computed here
from ``patch_size``. At the paper's 128×128×92 patches that dense layer alone holds ~100 M weights;
the small patches of the demo profile keep it small.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from .layers import batch_norm_nd, check_positive, conv_nd, merge_config

__all__ = ["LSDiscriminatorConfig", "LSDiscriminator"]

SLOPE = 0.3  # LeakyReLU slope of Sánchez & Vilaplana's discriminator


@dataclass
class LSDiscriminatorConfig:
    """Attributes:
        in_channels: image channels.
        num_features: filters of the first two convs (32 in the paper); they double every two convs.
        patch_size: HR patch edge (int, the same on every axis) or one size per spatial axis.
        spatial_dims: 3 for volumes, 2 for slices.
        dense_features: width of the hidden dense layer (1024 in the paper).
    """

    in_channels: int = 1
    num_features: int = 32
    patch_size: int | Sequence[int] = 32
    spatial_dims: int = 3
    dense_features: int = 1024

    def __post_init__(self):
        check_positive("LSDiscriminatorConfig", in_channels=self.in_channels, num_features=self.num_features,
                       dense_features=self.dense_features)
        if self.spatial_dims not in (2, 3):
            raise ValueError(f"LSDiscriminatorConfig.spatial_dims must be 2 or 3, got {self.spatial_dims!r}")
        sizes = self.patch_sizes
        if len(sizes) != self.spatial_dims or any(not isinstance(s, int) or s < 1 for s in sizes):
            raise ValueError(f"LSDiscriminatorConfig.patch_size must be a positive int or {self.spatial_dims} "
                             f"positive ints, got {self.patch_size!r}")

    @property
    def patch_sizes(self) -> tuple[int, ...]:
        if isinstance(self.patch_size, int):
            return (self.patch_size,) * self.spatial_dims
        return tuple(self.patch_size)


class LSDiscriminator(nn.Module):
    """``forward(x) -> score`` of shape (N,), raw (no sigmoid), for least-squares GAN losses.

    Args:
        config: an :class:`LSDiscriminatorConfig`.
        **overrides: field overrides, e.g. ``LSDiscriminator(patch_size=(32, 32, 24))``.
    """

    def __init__(self, config: LSDiscriminatorConfig | None = None, **overrides):
        super().__init__()
        self.config = cfg = merge_config(LSDiscriminatorConfig, config, overrides)
        d, nf = cfg.spatial_dims, cfg.num_features
        widths = [nf, nf, 2 * nf, 2 * nf, 4 * nf, 4 * nf, 8 * nf, 8 * nf]
        layers: list[nn.Module] = []
        sizes = list(cfg.patch_sizes)
        c_in = cfg.in_channels
        for i, c_out in enumerate(widths):
            stride = 2 if i % 2 == 1 else 1
            layers.append(conv_nd(d, c_in, c_out, 3, stride=stride, bias=i == 0))
            if i > 0:
                layers.append(batch_norm_nd(d, c_out))
            layers.append(nn.LeakyReLU(SLOPE, inplace=True))
            if stride == 2:
                sizes = [math.ceil(s / 2) for s in sizes]  # 3-wide kernel, padding 1
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.final_sizes = tuple(sizes)
        self.head = nn.Sequential(nn.Linear(c_in * math.prod(sizes), cfg.dense_features),
                                  nn.LeakyReLU(SLOPE, inplace=True), nn.Linear(cfg.dense_features, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        expected = (cfg.in_channels, *cfg.patch_sizes)
        if tuple(x.shape[1:]) != expected:
            raise ValueError(f"LSDiscriminator was built for patches of shape {expected} (patch_size="
                             f"{cfg.patch_size!r}), got input of shape {tuple(x.shape)}")
        return self.head(self.features(x).flatten(1)).squeeze(1)  # (N, C·∏S) → (N,)
