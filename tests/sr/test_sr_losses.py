"""Gradient difference loss, the papers' weight presets and the combined objectives (RaGAN, LSGAN)."""
import math

import pytest
import torch

from ganbook.losses.sr import (ESRGAN, MEDSRGAN_CT, MEDSRGAN_MRI, SANCHEZ_VILAPLANA, ESRGANWeights, MedSRGANWeights,
                               SVWeights, esrgan_discriminator_loss, esrgan_generator_loss,
                               gradient_difference_loss, medsrgan_discriminator_loss, medsrgan_generator_loss,
                               sv_discriminator_loss, sv_generator_loss, sv_soft_labels)
from ganbook.models.vgg import IdentityFeatures


def softplus(x):
    return math.log1p(math.exp(x))


def test_presets_hold_the_published_weights():
    assert (MEDSRGAN_CT.adversarial, MEDSRGAN_CT.adversarial_feature, MEDSRGAN_CT.l1) == (1e-2, 1e-4, 0.0)
    assert (MEDSRGAN_MRI.adversarial, MEDSRGAN_MRI.adversarial_feature, MEDSRGAN_MRI.l1) == (5e-2, 5e-3, 1e-2)
    assert (ESRGAN.perceptual, ESRGAN.adversarial, ESRGAN.l1) == (1.0, 5e-3, 1e-2)
    assert (SANCHEZ_VILAPLANA.mse, SANCHEZ_VILAPLANA.adversarial, SANCHEZ_VILAPLANA.gdl) == (1.0, 0.1, 1.0)


def test_gdl_hand_value_in_2d():
    hr = torch.tensor([[[[0.0, 1.0, 3.0]]]])  # (1, 1, 1, 3): differences along W are 1, 2; H has none
    sr = torch.zeros_like(hr)
    assert gradient_difference_loss(sr, hr, reduction="sum").item() == pytest.approx(1 + 4)
    assert gradient_difference_loss(sr, hr, reduction="mean").item() == pytest.approx(2.5)


def test_gdl_covers_every_axis_of_a_volume_and_ignores_offsets():
    z = torch.arange(3.0).view(1, 1, 3, 1, 1).expand(1, 1, 3, 2, 2)  # ramp along depth only
    flat = torch.zeros_like(z)
    # depth differences: 2×2×2 entries of |1|, squared difference 1 each → sum 8; other axes 0
    assert gradient_difference_loss(flat, z, reduction="sum").item() == pytest.approx(8.0)
    assert gradient_difference_loss(z + 5.0, z).item() == 0.0
    assert gradient_difference_loss(-z, z).item() == 0.0  # magnitudes match: |∇| is sign-blind


def test_ragan_generator_and_discriminator_hand_values():
    real, fake = torch.tensor([1.0, 2.0]), torch.tensor([0.0, 1.0], requires_grad=True)
    zero = ESRGANWeights(perceptual=0.0, adversarial=1.0, l1=0.0)
    x = torch.zeros(2, 1, 2, 2)
    total, logs = esrgan_generator_loss(zero, IdentityFeatures(), x, x, real, fake)
    # real − mean(fake) = [0.5, 1.5]; fake − mean(real) = [−1.5, −0.5]
    expected_g = softplus(0.5) + softplus(1.5)  # mean sp(real_rel) + mean sp(−fake_rel)
    assert total.item() == pytest.approx(expected_g, rel=1e-6)
    assert logs["adv"] == pytest.approx(expected_g, rel=1e-6)
    total.backward()
    assert fake.grad is not None
    expected_d = softplus(-0.5) + softplus(-1.5)
    assert esrgan_discriminator_loss(real, fake.detach()).item() == pytest.approx(expected_d, rel=1e-6)


def test_esrgan_generator_loss_weights_its_three_terms():
    sr, hr = torch.zeros(1, 1, 2, 2), torch.full((1, 1, 2, 2), 0.5)
    logits = torch.zeros(1)
    total, logs = esrgan_generator_loss(ESRGAN, IdentityFeatures(), sr, hr, logits, logits)
    assert logs["percep"] == pytest.approx(0.5) and logs["l1"] == pytest.approx(0.5)
    assert logs["adv"] == pytest.approx(2 * math.log(2))
    assert total.item() == pytest.approx(0.5 + 5e-3 * 2 * math.log(2) + 1e-2 * 0.5, rel=1e-6)


def test_medsrgan_generator_loss_combines_content_adv_and_feature_terms():
    sr, hr = torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)
    real = (torch.zeros(1), [torch.ones(1, 1)] * 5)
    fake = (torch.zeros(1), [torch.zeros(1, 1)] * 5)
    w = MedSRGANWeights(adversarial=0.1, adversarial_feature=0.01, l1=0.5)
    total, logs = medsrgan_generator_loss(w, IdentityFeatures(("conv1_2", "conv2_2", "conv3_4", "conv4_4", "conv5_4")),
                                          sr, hr, real, fake)
    # content = Σw_k·1 + 0.5·L1(1) = 1.5; adv = −log(1 − ½) − log ½ = 2 log 2; adv_feat = Σ w_k·1 = 1
    assert logs["content"] == pytest.approx(1.5)
    assert logs["adv"] == pytest.approx(2 * math.log(2))
    assert logs["adv_feat"] == pytest.approx(1.0)
    assert total.item() == pytest.approx(1.5 + 0.1 * 2 * math.log(2) + 0.01 * 1.0, rel=1e-6)
    assert medsrgan_discriminator_loss(torch.zeros(1), torch.zeros(1)).item() == pytest.approx(2 * math.log(2))


def test_sv_generator_loss_sums_mse_and_gdl_and_weights_lsgan():
    hr = torch.tensor([[[[0.0, 1.0, 3.0]]]])
    sr = torch.zeros_like(hr)
    total, logs = sv_generator_loss(SANCHEZ_VILAPLANA, sr, hr, fake_score=torch.tensor([0.0, 2.0]))
    assert logs["mse"] == pytest.approx(0 + 1 + 9)  # summed, as the paper code
    assert logs["gdl"] == pytest.approx(5.0)
    assert logs["adv"] == pytest.approx(((0 - 1) ** 2 + (2 - 1) ** 2) / 2)  # mean((D − 1)²), no ½
    assert total.item() == pytest.approx(10 + 0.1 * 1.0 + 5)
    _, logs = sv_generator_loss(SVWeights(reduction="mean"), sr, hr, fake_score=torch.zeros(1))
    assert logs["mse"] == pytest.approx(10 / 3)


def test_sv_soft_labels_lie_in_the_papers_ranges_flip_and_are_reproducible():
    y_real, y_fake = sv_soft_labels(4000, torch.Generator().manual_seed(0))
    flipped = y_real < 0.5
    assert 0.08 < flipped.float().mean().item() < 0.12
    real_ok = torch.where(flipped, y_fake, y_real)
    fake_ok = torch.where(flipped, y_real, y_fake)
    assert real_ok.min() >= 0.7 and real_ok.max() <= 1.2 and fake_ok.min() >= 0 and fake_ok.max() <= 0.3
    again = sv_soft_labels(4000, torch.Generator().manual_seed(0))
    assert torch.equal(again[0], y_real)
    none_flipped = sv_soft_labels(100, torch.Generator().manual_seed(0), flip_prob=0.0)
    assert (none_flipped[0] >= 0.7).all()


def test_sv_discriminator_loss_uses_per_sample_targets():
    real, fake = torch.tensor([1.0, 0.5]), torch.tensor([0.0, 0.5])
    labels = (torch.tensor([1.0, 0.5]), torch.tensor([0.0, 0.5]))
    assert sv_discriminator_loss(real, fake, labels).item() == 0.0
    # hard 0/1 targets: ½·mean((real − 1)²) + ½·mean(fake²) = ½·0.125 + ½·0.125
    assert sv_discriminator_loss(real, fake).item() == pytest.approx(0.125)
