"""MedSRGAN content and adversarial-feature losses, ESRGAN perceptual loss: hand values on tiny tensors."""
import pytest
import torch
import torch.nn.functional as F

from ganbook.losses.perceptual import (MEDSRGAN_LAYERS, MEDSRGAN_LAYER_WEIGHTS, adversarial_feature_loss,
                                       esrgan_perceptual_loss, multilayer_content_loss)
from ganbook.models.vgg import IdentityFeatures


def fake_features(x):
    return {"a": x, "b": 2 * x}


def test_medsrgan_layer_weights_are_the_papers():
    assert MEDSRGAN_LAYERS == ("conv1_2", "conv2_2", "conv3_4", "conv4_4", "conv5_4")
    assert MEDSRGAN_LAYER_WEIGHTS == (0.5, 0.25, 0.125, 0.0625, 0.0625)


def test_content_loss_weights_each_layer_mse_and_adds_l1():
    sr, hr = torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)
    # layer a: MSE 1, layer b: MSE (2·1)² = 4 → 0.5·1 + 0.25·4 = 1.5; L1 = 1
    loss = multilayer_content_loss(fake_features, sr, hr, layers=("a", "b"), layer_weights=(0.5, 0.25))
    assert loss.item() == pytest.approx(1.5)
    loss = multilayer_content_loss(fake_features, sr, hr, layers=("a", "b"), layer_weights=(0.5, 0.25),
                                   l1_weight=0.1)
    assert loss.item() == pytest.approx(1.6)


def test_content_loss_with_pixel_fallback_is_plain_mse_and_only_sr_gets_gradient():
    torch.manual_seed(0)
    sr = torch.rand(2, 1, 4, 4, requires_grad=True)
    hr = torch.rand(2, 1, 4, 4, requires_grad=True)
    loss = multilayer_content_loss(IdentityFeatures(MEDSRGAN_LAYERS), sr, hr)
    assert loss.item() == pytest.approx(F.mse_loss(sr, hr).item(), rel=1e-6)  # weights sum to one
    loss.backward()
    assert sr.grad is not None and hr.grad is None


def test_adversarial_feature_loss_hand_value_and_real_taps_detached():
    real = [torch.ones(1, 2, requires_grad=True), torch.full((1, 3), 3.0, requires_grad=True)]
    fake = [torch.zeros(1, 2, requires_grad=True), torch.ones(1, 3, requires_grad=True)]
    loss = adversarial_feature_loss(real, fake, (0.5, 0.25))
    assert loss.item() == pytest.approx(0.5 * 1 + 0.25 * 4)
    loss.backward()
    assert real[0].grad is None and fake[1].grad is not None
    with pytest.raises(ValueError, match="must match"):
        adversarial_feature_loss(real, fake, (1.0,))


def test_esrgan_perceptual_loss_is_l1_on_the_chosen_layer():
    feats = lambda x: {"conv5_4": 3 * x, "conv1_2": x}  # noqa: E731
    sr, hr = torch.zeros(1, 1, 2, 2), torch.tensor([[[[1.0, -1.0], [0.0, 2.0]]]])
    assert esrgan_perceptual_loss(feats, sr, hr).item() == pytest.approx(3 * (1 + 1 + 0 + 2) / 4)
    assert esrgan_perceptual_loss(feats, sr, hr, layer="conv1_2").item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape"):
        esrgan_perceptual_loss(feats, sr, torch.zeros(1, 1, 3, 3))
