"""ESRGAN's VGG-style discriminator, sized to the training patch.

ESRGAN (and SRGAN before it) judge a whole HR patch with a VGG-like stack: pairs of convolutions,
the first 3×3 stride 1 and the second 4×4 stride 2, channels doubling from 64 to 512, batch norm and
LeakyReLU 0.2 after every conv except the first, then two dense layers (100 units, then one raw
logit C(x) for the relativistic loss). For the paper's 128×128 patches that is five stride-2 stages
down to a 4×4×512 map and ``Linear(8192, 100)``.

Our generalisation: the number of stride-2 stages is computed from ``patch_size`` — halve while the
map stays at least 4 pixels wide after halving — so 64- and 32-pixel training patches (CPU budgets)
get four and three stages, and the dense input is sized from the final map. 128 gives ESRGAN exactly.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .layers import check_positive, merge_config

__all__ = ["VGGDiscriminatorConfig", "VGGStyleDiscriminator", "num_stages"]


def num_stages(patch_size: int) -> int:
    """Stride-2 stages for a square patch: 128 → 5 (4×4 map), 64 → 4, 32 → 3, 96 → 4 (6×6 map)."""
    stages, size = 0, patch_size
    while size // 2 >= 4:
        size //= 2
        stages += 1
    return stages


@dataclass
class VGGDiscriminatorConfig:
    """Attributes:
        in_channels: image channels (3 for RGB fundus images).
        num_features: width of the first stage (64 in ESRGAN); stage k has
            ``num_features · min(2^k, 8)`` channels (64, 128, 256, 512, 512).
        patch_size: the HR training patch edge in pixels (128 in ESRGAN; at least 8).
    """

    in_channels: int = 3
    num_features: int = 64
    patch_size: int = 128

    def __post_init__(self):
        check_positive("VGGDiscriminatorConfig", in_channels=self.in_channels, num_features=self.num_features,
                       patch_size=self.patch_size)
        if self.patch_size < 8:
            raise ValueError(f"VGGDiscriminatorConfig.patch_size must be at least 8 pixels, got {self.patch_size}")


class VGGStyleDiscriminator(nn.Module):
    """``forward(x) -> logit`` of shape (N,) for (N, in_channels, patch_size, patch_size) patches.

    Args:
        config: a :class:`VGGDiscriminatorConfig`.
        **overrides: field overrides, e.g. ``VGGStyleDiscriminator(patch_size=64, num_features=32)``.
    """

    def __init__(self, config: VGGDiscriminatorConfig | None = None, **overrides):
        super().__init__()
        self.config = cfg = merge_config(VGGDiscriminatorConfig, config, overrides)
        nf, stages = cfg.num_features, num_stages(cfg.patch_size)
        layers: list[nn.Module] = [nn.Conv2d(cfg.in_channels, nf, 3, padding=1), nn.LeakyReLU(0.2, inplace=True)]
        size, c_in = cfg.patch_size, nf
        for k in range(stages):
            c_out = nf * min(2 ** k, 8)  # 64, 128, 256, 512, 512, ...
            if k > 0:  # stage 0 starts with the bias conv above; later stages open with a 3×3 s1 conv
                layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                           nn.LeakyReLU(0.2, inplace=True)]
            layers += [nn.Conv2d(c_out, c_out, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(c_out),
                       nn.LeakyReLU(0.2, inplace=True)]
            c_in, size = c_out, size // 2
        self.features = nn.Sequential(*layers)
        self.final_size = size
        self.head = nn.Sequential(nn.Linear(c_in * size * size, 100), nn.LeakyReLU(0.2, inplace=True),
                                  nn.Linear(100, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p, c = self.config.patch_size, self.config.in_channels
        if x.ndim != 4 or tuple(x.shape[1:]) != (c, p, p):
            raise ValueError(f"VGGStyleDiscriminator was built for ({c}, {p}, {p}) patches (patch_size={p}), "
                             f"got input of shape {tuple(x.shape)}; crop the patch or rebuild with its size")
        feat = self.features(x)  # (N, C, final_size, final_size)
        return self.head(feat.flatten(1)).squeeze(1)
