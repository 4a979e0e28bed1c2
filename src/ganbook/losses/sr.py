"""Super-resolution objectives: the gradient difference loss, and each paper's weighted generator and
discriminator losses with its published weights as presets.

=================  =============================================================  ==================
system             generator objective                                            source
=================  =============================================================  ==================
MedSRGAN (CT)      L_cont + 1e-2·L_adv + 1e-4·L_advfeat, λ_L1 = 0                 Gu et al. 2020
MedSRGAN (MRI)     L_cont + 5e-2·L_adv + 5e-3·L_advfeat, λ_L1 = 1e-2              Gu et al. 2020
ESRGAN             L_percep + 5e-3·L_G^Ra + 1e-2·L1                                Wang et al. 2018
Sánchez–Vilaplana  MSE + 0.1·LSGAN + GDL                                           MIDL 2018 (code)
=================  =============================================================  ==================

Adversarial terms come from :mod:`ganbook.losses.gan` (one copy of every GAN loss); feature terms
from :mod:`ganbook.losses.perceptual`. Each ``*_generator_loss`` returns ``(total, logs)``, the shape
:class:`ganbook.train.Trainer` takes from a loss callable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F

from .gan import discriminator_loss, generator_loss
from .perceptual import (MEDSRGAN_LAYERS, MEDSRGAN_LAYER_WEIGHTS, FeatureFn, adversarial_feature_loss,
                         esrgan_perceptual_loss, multilayer_content_loss)

__all__ = [
    "gradient_difference_loss", "MedSRGANWeights", "MEDSRGAN_CT", "MEDSRGAN_MRI", "ESRGANWeights", "ESRGAN",
    "SVWeights", "SANCHEZ_VILAPLANA", "medsrgan_generator_loss", "medsrgan_discriminator_loss",
    "esrgan_generator_loss", "esrgan_discriminator_loss", "sv_soft_labels", "sv_generator_loss",
    "sv_discriminator_loss",
]


def gradient_difference_loss(sr: torch.Tensor, hr: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Gradient difference loss: Σ_axes reduce((|Δ_a HR| − |Δ_a SR|)²) with forward differences Δ_a.

    Sánchez & Vilaplana add it so the generator matches edge *strength* along every axis — pixel MSE
    alone is minimised by blurred edges. Works for any number of spatial axes (2-D, 3-D).

    Args:
        sr: generated (N, C, *spatial).
        hr: ground truth, same shape.
        reduction: "mean" (per axis, over that axis's difference tensor) or "sum" (as in the paper's
            code).
    """
    if sr.shape != hr.shape or sr.ndim < 3:
        raise ValueError(f"sr and hr must share a (N, C, *spatial) shape, got {tuple(sr.shape)} and {tuple(hr.shape)}")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    sr, hr = sr.float(), hr.float()
    loss = sr.new_zeros(())
    for axis in range(2, sr.ndim):
        if sr.shape[axis] < 2:  # no neighbours along this axis (e.g. a single slice)
            continue
        term = (hr.diff(dim=axis).abs() - sr.diff(dim=axis).abs()) ** 2
        loss = loss + (term.mean() if reduction == "mean" else term.sum())
    return loss


# --------------------------------------------------------------------------- MedSRGAN
@dataclass(frozen=True)
class MedSRGANWeights:
    """MedSRGAN's L_g = L_cont + λ1·L_adv + λ2·L_advfeat, L_cont = λ_L1·L1 + Σ w_k·MSE(VGG_k).

    Attributes:
        adversarial: λ1.
        adversarial_feature: λ2.
        l1: λ_L1.
        layer_weights: w_k for conv1_2 … conv5_4 and for D_1 … D_5.
    """

    adversarial: float
    adversarial_feature: float
    l1: float
    layer_weights: tuple[float, ...] = MEDSRGAN_LAYER_WEIGHTS


MEDSRGAN_CT = MedSRGANWeights(adversarial=1e-2, adversarial_feature=1e-4, l1=0.0)
MEDSRGAN_MRI = MedSRGANWeights(adversarial=5e-2, adversarial_feature=5e-3, l1=1e-2)


def medsrgan_discriminator_loss(real_logit: torch.Tensor, fake_logit: torch.Tensor) -> torch.Tensor:
    """L_d = −log D(LR, HR) − log(1 − D(LR, SR)) (standard GAN discriminator on pairs)."""
    return discriminator_loss("nonsaturating", real_logit.float(), fake_logit.float())


def medsrgan_generator_loss(weights: MedSRGANWeights, features: FeatureFn, sr: torch.Tensor, hr: torch.Tensor,
                            real: tuple[torch.Tensor, Sequence[torch.Tensor]],
                            fake: tuple[torch.Tensor, Sequence[torch.Tensor]],
                            layers: Sequence[str] = MEDSRGAN_LAYERS) -> tuple[torch.Tensor, dict[str, float]]:
    """MedSRGAN's generator loss and its terms.

    Args:
        weights: :data:`MEDSRGAN_CT`, :data:`MEDSRGAN_MRI` or your own.
        features: VGG-19 features (or the pixel fallback) returning ``layers``.
        sr, hr: generated and true HR images.
        real: ``D(lr, hr)`` — (logit, five taps).
        fake: ``D(lr, sr)`` — (logit, five taps), with gradient to G.
        layers: VGG layer names matching ``weights.layer_weights``.
    """
    content = multilayer_content_loss(features, sr, hr, layers=layers, layer_weights=weights.layer_weights,
                                      l1_weight=weights.l1)
    # L_adv = −log(1 − D(LR,HR)) − log D(LR,SR). The real-pair term does not depend on G (no gradient);
    # it is kept so the logged value is the paper's L_adv.
    adv = generator_loss("nonsaturating", fake[0].float()) + F.softplus(real[0].detach().float()).mean()
    adv_feat = adversarial_feature_loss(real[1], fake[1], weights.layer_weights)
    total = content + weights.adversarial * adv + weights.adversarial_feature * adv_feat
    return total, {"content": float(content.detach()), "adv": float(adv.detach()), "adv_feat": float(adv_feat.detach())}


# --------------------------------------------------------------------------- ESRGAN
@dataclass(frozen=True)
class ESRGANWeights:
    """ESRGAN's L_G = perceptual·L_percep + adversarial·L_G^Ra + l1·L1 (paper Eq. 3: 1, 5e-3, 1e-2)."""

    perceptual: float = 1.0
    adversarial: float = 5e-3
    l1: float = 1e-2


ESRGAN = ESRGANWeights()


def esrgan_discriminator_loss(real_logit: torch.Tensor, fake_logit: torch.Tensor) -> torch.Tensor:
    """Relativistic average discriminator loss L_D^Ra on raw critic outputs C(x)."""
    return discriminator_loss("ragan", real_logit.float(), fake_logit.float())


def esrgan_generator_loss(weights: ESRGANWeights, features: FeatureFn, sr: torch.Tensor, hr: torch.Tensor,
                          real_logit: torch.Tensor, fake_logit: torch.Tensor,
                          layer: str = "conv5_4") -> tuple[torch.Tensor, dict[str, float]]:
    """ESRGAN's generator loss and its terms.

    Args:
        weights: :data:`ESRGAN` or your own.
        features: VGG-19 features (or the pixel fallback) returning ``layer``.
        sr, hr: generated and true HR patches.
        real_logit: C(HR) (detached inside; G cannot change it but the relativistic loss uses it).
        fake_logit: C(SR), with gradient to G.
        layer: perceptual layer (conv5_4, pre-ReLU).
    """
    percep = esrgan_perceptual_loss(features, sr, hr, layer=layer)
    adv = generator_loss("ragan", fake_logit.float(), real_logit.float())
    l1 = F.l1_loss(sr.float(), hr.float())
    total = weights.perceptual * percep + weights.adversarial * adv + weights.l1 * l1
    return total, {"percep": float(percep.detach()), "adv": float(adv.detach()), "l1": float(l1.detach())}


# --------------------------------------------------------------------------- SRGAN
@dataclass(frozen=True)
class SRGANWeights:
    """SRGAN's l_SR = l_content + adversarial·l_Gen (Ledig et al. 2017, Eq. 3: 1e-3), with the VGG content loss
    on φ5,4 (after its ReLU) of features scaled by ``vgg_scale`` (1/12.75, "comparable to the MSE loss")."""

    adversarial: float = 1e-3
    vgg_scale: float = 1 / 12.75


SRGAN = SRGANWeights()


def srgan_discriminator_loss(real_logit: torch.Tensor, fake_logit: torch.Tensor) -> torch.Tensor:
    """SRGAN's D: binary cross-entropy, −log D(HR) − log(1 − D(SR)), on logits."""
    return discriminator_loss("nonsaturating", real_logit.float(), fake_logit.float())


def srgan_generator_loss(weights: SRGANWeights, features: FeatureFn, sr: torch.Tensor, hr: torch.Tensor,
                         fake_logit: torch.Tensor, layer: str = "conv5_4") -> tuple[torch.Tensor, dict[str, float]]:
    """SRGAN's generator loss and its terms: content + 1e-3·(−log D(SR)).

    Content is **SRGAN-VGG54** — MSE between ReLU(φ5,4) of SR and HR, both scaled by ``weights.vgg_scale`` — when
    ``features`` is a real VGG-19, and **SRGAN-MSE** (pixel MSE; the paper's own variant of that name) with the
    pixel fallback (:class:`~ganbook.models.vgg.IdentityFeatures`).
    """
    from ..models.vgg import IdentityFeatures

    if isinstance(features, IdentityFeatures):
        content = F.mse_loss(sr.float(), hr.float())
    else:
        f_sr, f_hr = features(sr.float())[layer], features(hr.float())[layer].detach()
        content = F.mse_loss(F.relu(f_sr) * weights.vgg_scale, F.relu(f_hr) * weights.vgg_scale)
    adv = generator_loss("nonsaturating", fake_logit.float())
    total = content + weights.adversarial * adv
    return total, {"content": float(content.detach()), "adv": float(adv.detach())}


# --------------------------------------------------------------------------- Sánchez & Vilaplana
@dataclass(frozen=True)
class SVWeights:
    """Sánchez & Vilaplana's L_G = mse·MSE + adversarial·LSGAN + gdl·GDL.

    Attributes:
        mse, adversarial, gdl: term weights (code: 1, 0.1, 1).
        reduction: "sum" — the paper code sums MSE and GDL over the batch and voxels while the
            LSGAN term is a mean, so the adversarial share shrinks with patch size; "mean" makes the
            balance independent of patch size (then 0.1 is a much stronger adversarial weight).
    """

    mse: float = 1.0
    adversarial: float = 0.1
    gdl: float = 1.0
    reduction: str = "sum"


SANCHEZ_VILAPLANA = SVWeights()


def sv_soft_labels(n: int, rng: torch.Generator | None = None, flip_prob: float = 0.1,
                   device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft, noisy LSGAN targets for one discriminator step: real ~ U(0.7, 1.2), fake ~ U(0, 0.3).

    Each sample's pair is swapped with probability ``flip_prob``, drawn anew every step — the paper's
    intent (its TF code decided the swap once at graph-build time, a bug we do not copy).

    Args:
        n: batch size.
        rng: RNG (the Trainer's data RNG, for exact resume); torch's global RNG when None.
        flip_prob: probability of swapping a sample's real and fake targets.
        device: where to put the labels.
    """
    u = torch.rand(3, n, generator=rng)
    y_real, y_fake = 0.7 + 0.5 * u[0], 0.3 * u[1]
    flip = u[2] < flip_prob
    y_real, y_fake = torch.where(flip, y_fake, y_real), torch.where(flip, y_real, y_fake)
    return y_real.to(device), y_fake.to(device)


def sv_discriminator_loss(real_score: torch.Tensor, fake_score: torch.Tensor,
                          labels: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """LSGAN discriminator loss with per-sample targets (``sv_soft_labels``) or hard 1/0 targets."""
    if labels is None:
        return discriminator_loss("lsgan", real_score.float(), fake_score.float())
    y_real, y_fake = labels
    # gan.py's LSGAN broadcasts tensor targets per sample
    return discriminator_loss("lsgan", real_score.float(), fake_score.float(), a=y_fake, b=y_real)


def sv_generator_loss(weights: SVWeights, sr: torch.Tensor, hr: torch.Tensor, fake_score: torch.Tensor,
                      real_target: float = 1.0) -> tuple[torch.Tensor, dict[str, float]]:
    """Sánchez & Vilaplana's generator loss and its terms.

    Args:
        weights: :data:`SANCHEZ_VILAPLANA` or your own.
        sr, hr: generated and true HR patches (N, C, *spatial).
        fake_score: D(SR), raw, with gradient to G.
        real_target: the value G pushes D(SR) to.
    """
    sr32, hr32 = sr.float(), hr.float()
    mse = F.mse_loss(sr32, hr32, reduction=weights.reduction)
    gdl = gradient_difference_loss(sr32, hr32, reduction=weights.reduction)
    # gan.py's LSGAN carries Mao et al.'s ½; the paper's term mean((D(G(z)) − 1)²) has none.
    adv = 2.0 * generator_loss("lsgan", fake_score.float(), c=real_target)
    total = weights.mse * mse + weights.adversarial * adv + weights.gdl * gdl
    return total, {"mse": float(mse.detach()), "adv": float(adv.detach()), "gdl": float(gdl.detach())}
