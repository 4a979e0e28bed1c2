"""Feature-space losses of MedSRGAN and ESRGAN.

* MedSRGAN content loss (Gu et al. 2020, §2.3): MSE between VGG-19 features of SR and HR at five
  depths — conv1_2, conv2_2, conv3_4, conv4_4, conv5_4, **before ReLU** — weighted 1/2, 1/4, 1/8,
  1/16, 1/16, plus λ_L1 · L1 on pixels. Shallow layers carry edges, deep ones texture and structure.
* MedSRGAN adversarial feature loss: the same weighted MSE, but between the five hidden blocks
  D_1..D_5 of the pairwise discriminator on (LR, HR) and on (LR, SR) — feature matching that gives the
  generator a denser signal than the single real/fake logit.
* ESRGAN perceptual loss (Wang et al. 2018, §3.3): L1 between conv5_4 pre-ReLU features.

``features`` is any callable mapping an image batch to ``{layer name: tensor}`` — a
:class:`~ganbook.models.vgg.VGG19Features`, or the pixel fallback
:class:`~ganbook.models.vgg.IdentityFeatures` when no ImageNet weights are available.
Losses are accumulated in float32 even when the features come out of bf16 autocast.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import torch
import torch.nn.functional as F

__all__ = ["MEDSRGAN_LAYERS", "MEDSRGAN_LAYER_WEIGHTS", "multilayer_content_loss", "adversarial_feature_loss",
           "esrgan_perceptual_loss"]

FeatureFn = Callable[[torch.Tensor], Mapping[str, torch.Tensor]]

MEDSRGAN_LAYERS = ("conv1_2", "conv2_2", "conv3_4", "conv4_4", "conv5_4")
MEDSRGAN_LAYER_WEIGHTS = (1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 16)


def multilayer_content_loss(features: FeatureFn, sr: torch.Tensor, hr: torch.Tensor, *,
                            layers: Sequence[str] = MEDSRGAN_LAYERS,
                            layer_weights: Sequence[float] = MEDSRGAN_LAYER_WEIGHTS,
                            l1_weight: float = 0.0) -> torch.Tensor:
    """MedSRGAN's L_cont = λ_L1·L1(HR, SR) + Σ_k w_k·MSE(φ_k(HR), φ_k(SR)).

    Args:
        features: image batch → ``{layer: features}``; must return every name in ``layers``.
        sr: generated images (N, C, H, W), with gradient.
        hr: ground truth, same shape; its features are targets (computed without gradient).
        layers: feature layer names, shallow to deep.
        layer_weights: w_k, one per layer (paper: 1/2, 1/4, 1/8, 1/16, 1/16).
        l1_weight: λ_L1 (paper: 0 for CT, 1e-2 for MRI).
    """
    if len(layers) != len(layer_weights):
        raise ValueError(f"{len(layers)} layers but {len(layer_weights)} layer_weights; give one weight per layer")
    _check_pair(sr, hr)
    f_sr = features(sr)
    with torch.no_grad():
        f_hr = {k: v.detach() for k, v in features(hr).items()}  # detach: a feature map may be hr itself
    loss = sr.new_zeros((), dtype=torch.float32)
    for name, w in zip(layers, layer_weights):
        loss = loss + w * F.mse_loss(f_sr[name].float(), f_hr[name].float())
    if l1_weight:
        loss = loss + l1_weight * F.l1_loss(sr.float(), hr.float())
    return loss


def adversarial_feature_loss(real_feats: Sequence[torch.Tensor], fake_feats: Sequence[torch.Tensor],
                             layer_weights: Sequence[float] = MEDSRGAN_LAYER_WEIGHTS) -> torch.Tensor:
    """MedSRGAN's L_advfeat = Σ_k w_k·MSE(D_k(LR, HR), D_k(LR, SR)).

    Args:
        real_feats: the discriminator's five taps on the real pair (targets; detached here).
        fake_feats: its taps on the generated pair, with gradient to the generator.
        layer_weights: w_k (the content loss's weights, as in the paper).
    """
    if not len(real_feats) == len(fake_feats) == len(layer_weights):
        raise ValueError(f"got {len(real_feats)} real taps, {len(fake_feats)} fake taps and "
                         f"{len(layer_weights)} weights; they must match")
    loss = fake_feats[0].new_zeros((), dtype=torch.float32)
    for real, fake, w in zip(real_feats, fake_feats, layer_weights):
        loss = loss + w * F.mse_loss(fake.float(), real.detach().float())
    return loss


def esrgan_perceptual_loss(features: FeatureFn, sr: torch.Tensor, hr: torch.Tensor, *,
                           layer: str = "conv5_4") -> torch.Tensor:
    """ESRGAN's L_percep: L1 between pre-ReLU VGG-19 features of SR and HR (conv5_4 by default).

    Args:
        features: image batch → ``{layer: features}``.
        sr: generated images, with gradient.
        hr: ground truth (features computed without gradient).
        layer: feature layer name.
    """
    _check_pair(sr, hr)
    f_sr = features(sr)[layer]
    with torch.no_grad():
        f_hr = features(hr)[layer].detach()
    return F.l1_loss(f_sr.float(), f_hr.float())


def _check_pair(sr: torch.Tensor, hr: torch.Tensor) -> None:
    if sr.shape != hr.shape:
        raise ValueError(f"sr and hr must have the same shape, got {tuple(sr.shape)} and {tuple(hr.shape)}")
