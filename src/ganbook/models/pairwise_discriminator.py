"""MedSRGAN's pairwise discriminator: is (LR, HR) a real pair, or is (LR, SR) a generated one?

Conditioning the discriminator on the LR image makes it judge *consistency* as well as realism: an
SR image that looks natural but does not match its LR input is still a fake pair. Facts from the
paper (Gu et al. 2020, §2.2 and Fig. 3): two pathways — one for the LR image, one for the HR or SR
image — whose features are **concatenated** and processed further; LeakyReLU with slope 0.2
throughout; five hidden blocks D_1..D_5 whose outputs feed the adversarial feature loss.

The channel and stride numbers live in Fig. 3, which is not readable in our copy, so the layer sizes
below are our choice:

    HR/SR (sH×sW) ─ D_1 [conv C, conv C /2] ─ D_2 [conv 2C, conv 2C /2] ─┐ (H×W, 2C)
    LR    (H×W)   ─ [conv C, conv 2C] ──────────────────────────────────┴ concat (4C)
                  ─ D_3 [4C, /2] ─ D_4 [8C, /2] ─ D_5 [8C, /2] ─ global mean ─ FC 100 ─ FC 1

(each block: conv3×3 stride 1 then conv3×3 stride 2, each followed by LeakyReLU 0.2; for ×2 the
second HR block keeps its resolution). Also our choice: no batch normalisation — D is called on the
real and the fake pair separately and its hidden features are compared by the feature loss, and
per-call batch statistics would normalise away part of exactly that difference; and global average
pooling before the dense head, so any patch size works.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .layers import check_positive, check_scale, merge_config

__all__ = ["PairwiseDiscriminatorConfig", "PairwiseDiscriminator"]


@dataclass
class PairwiseDiscriminatorConfig:
    """Attributes:
        in_channels: channels of both the LR and the HR/SR image.
        num_features: C, the width of the first block (later blocks use 2C, 4C, 8C).
        scale: HR size / LR size, 2 or 4.
    """

    in_channels: int = 1
    num_features: int = 64
    scale: int = 4

    def __post_init__(self):
        check_positive("PairwiseDiscriminatorConfig", in_channels=self.in_channels, num_features=self.num_features)
        check_scale("PairwiseDiscriminatorConfig", self.scale, allowed=(2, 4))


def _block(in_channels: int, out_channels: int, downsample: bool) -> nn.Sequential:
    """conv3×3 → LReLU → conv3×3 (stride 2 when ``downsample``) → LReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(out_channels, out_channels, 3, stride=2 if downsample else 1, padding=1),
        nn.LeakyReLU(0.2, inplace=True),
    )


class PairwiseDiscriminator(nn.Module):
    """``forward(lr, hr) -> (logit, [f1, f2, f3, f4, f5])``.

    The logit is the raw score (apply ``ganbook.losses.gan`` losses to it); the five features are the
    outputs of blocks D_1..D_5 for the adversarial feature loss.

    Args:
        config: a :class:`PairwiseDiscriminatorConfig`.
        **overrides: field overrides.
    """

    def __init__(self, config: PairwiseDiscriminatorConfig | None = None, **overrides):
        super().__init__()
        self.config = cfg = merge_config(PairwiseDiscriminatorConfig, config, overrides)
        c, k = cfg.num_features, cfg.in_channels
        self.hr_blocks = nn.ModuleList([_block(k, c, True), _block(c, 2 * c, cfg.scale == 4)])
        self.lr_path = nn.Sequential(
            nn.Conv2d(k, c, 3, padding=1), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(c, 2 * c, 3, padding=1), nn.LeakyReLU(0.2, inplace=True),
        )
        self.fused_blocks = nn.ModuleList([_block(4 * c, 4 * c, True), _block(4 * c, 8 * c, True),
                                           _block(8 * c, 8 * c, True)])
        self.head = nn.Sequential(nn.Linear(8 * c, 100), nn.LeakyReLU(0.2, inplace=True), nn.Linear(100, 1))

    def forward(self, lr: torch.Tensor, hr: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Score pairs.

        Args:
            lr: (N, in_channels, H, W) low-resolution images.
            hr: (N, in_channels, scale·H, scale·W) real HR or generated SR images.

        Returns:
            ``(logit, feats)``: logit (N,), feats the five block outputs D_1..D_5.
        """
        s = self.config.scale
        if lr.ndim != 4 or hr.ndim != 4 or lr.shape[:2] != hr.shape[:2] or \
                tuple(hr.shape[2:]) != tuple(s * n for n in lr.shape[2:]):
            raise ValueError(f"PairwiseDiscriminator needs lr (N, C, H, W) and hr (N, C, {s}H, {s}W) "
                             f"with matching N and C, got {tuple(lr.shape)} and {tuple(hr.shape)}")
        feats = []
        x = hr
        for block in self.hr_blocks:
            x = block(x)
            feats.append(x)
        x = torch.cat([x, self.lr_path(lr)], dim=1)  # (N, 2C + 2C, H, W)
        for block in self.fused_blocks:
            x = block(x)
            feats.append(x)
        logit = self.head(x.mean(dim=(2, 3))).squeeze(1)  # (N, 8C) → (N,)
        return logit, feats
