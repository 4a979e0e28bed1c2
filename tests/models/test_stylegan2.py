"""StyleGAN2: shapes across resolutions, the feature list DragGAN reads, modulation maths, W+ layout."""
import math

import pytest
import torch
import torch.nn.functional as F

from ganbook.drag.draggan import draggan_layers
from ganbook.models.stylegan2 import Discriminator, Generator, ModulatedConv2d, StyleGAN2Config


@pytest.mark.parametrize("res", [32, 64, 128])
def test_generator_and_discriminator_shapes_and_feature_pyramid(res, tiny_stylegan2):
    torch.manual_seed(0)
    cfg = tiny_stylegan2(res)
    G, D = Generator(cfg), Discriminator(cfg)
    img, feats = G(z=torch.randn(2, 16), return_features=True)
    assert img.shape == (2, 3, res, res)
    assert [f.shape[-1] for f in feats] == [2 ** i for i in range(2, int(math.log2(res)) + 1)]
    assert [f.shape[1] for f in feats] == [cfg.channels(2 ** i) for i in range(2, int(math.log2(res)) + 1)]
    assert G.num_ws == 2 * int(math.log2(res)) - 2
    assert D(img).shape == (2,)


def test_channel_table_of_the_demo_model_runs_128_down_to_32():
    cfg = StyleGAN2Config(resolution=64)
    assert [cfg.channels(r) for r in cfg.block_resolutions] == [128, 128, 128, 64, 32]
    assert StyleGAN2Config(resolution=1024, channel_base=32768, channel_max=512).channels(1024) == 32


def test_bad_resolution_is_rejected_with_the_parameter_name():
    with pytest.raises(ValueError, match="resolution"):
        StyleGAN2Config(resolution=48)


def test_draggan_layer_mapping_quarter_resolution_block_and_six_ws():
    at64 = draggan_layers(64)
    assert (at64.feature_block, at64.feature_resolution, at64.num_optimised_ws) == (2, 16, 6)
    at512 = draggan_layers(512)  # the official choice: 6th block (index 5, 128x128), ws[:, :6]
    assert (at512.feature_block, at512.feature_resolution, at512.num_optimised_ws) == (5, 128, 6)
    assert draggan_layers(128).feature_resolution == 32
    for official in (256, 1024):  # the official code reads block index 5 (128 px) for 256-1024 px models
        layers = draggan_layers(official)
        assert (layers.feature_block, layers.feature_resolution, layers.num_optimised_ws) == (5, 128, 6)


def test_features_of_the_drag_block_depend_only_on_the_first_five_ws_at_64px(tiny_stylegan2):
    torch.manual_seed(0)
    G = Generator(tiny_stylegan2(64)).eval()
    ws = G.mapping(torch.randn(1, 16)).detach().clone().requires_grad_(True)
    _, feats = G.synthesis(ws, noise_mode="const", return_features=True)
    feats[draggan_layers(64).feature_block].square().sum().backward()
    touched = ws.grad.abs().sum(dim=(0, 2)) > 0
    assert touched.tolist() == [True] * 5 + [False] * 5


def test_modulated_conv_equals_per_sample_modulated_weights():
    torch.manual_seed(0)
    layer = ModulatedConv2d(4, 5, 3, w_dim=6)
    x, w = torch.randn(2, 4, 8, 8), torch.randn(2, 6)
    styles = layer.affine(w)
    out = layer(x, w)
    for b in range(2):
        wt = layer.weight * layer.scale * styles[b][None, :, None, None]  # (Cout, Cin, 3, 3)
        wt = wt * torch.rsqrt(wt.square().sum(dim=(1, 2, 3), keepdim=True) + 1e-8)  # demodulation
        ref = F.conv2d(x[b:b + 1], wt, padding=1)
        torch.testing.assert_close(out[b:b + 1], ref, rtol=1e-4, atol=1e-5)


def test_upsampling_modulated_conv_doubles_the_size():
    layer = ModulatedConv2d(4, 3, 3, w_dim=6, up=True)
    assert layer(torch.randn(1, 4, 8, 8), torch.randn(1, 6)).shape == (1, 3, 16, 16)


def test_truncation_zero_returns_the_tracked_mean_w_and_const_noise_is_deterministic(tiny_stylegan2):
    torch.manual_seed(0)
    G = Generator(tiny_stylegan2())
    G.mapping_network.w_avg.normal_()
    G.eval()
    ws = G.mapping(torch.randn(3, 16), truncation_psi=0.0)
    torch.testing.assert_close(ws, G.mapping_network.w_avg.expand(3, G.num_ws, -1))
    for block in G.blocks:  # noise must matter for this check
        block.conv1.noise.strength.data.fill_(0.5)
    a = G(ws=ws[:1], noise_mode="const")
    assert torch.equal(a, G(ws=ws[:1], noise_mode="const"))
    assert not torch.equal(a, G(ws=ws[:1], noise_mode="random"))


def test_mapping_updates_w_avg_only_in_training_mode(tiny_stylegan2):
    G = Generator(tiny_stylegan2())
    G.train()
    G.mapping(torch.randn(4, 16))
    moved = G.mapping_network.w_avg.clone()
    assert moved.abs().sum() > 0
    G.eval()
    G.mapping(torch.randn(4, 16))
    assert torch.equal(moved, G.mapping_network.w_avg)


def test_generator_rejects_both_or_neither_latent(tiny_stylegan2):
    G = Generator(tiny_stylegan2())
    with pytest.raises(ValueError, match="exactly one"):
        G()
    with pytest.raises(ValueError, match="ws must have shape"):
        G.synthesis(torch.randn(1, 3, 16))
