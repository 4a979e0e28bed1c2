"""StyleGAN2 maths checked against the paper's definitions, computed by hand (not via the model's helpers).

Covers what ``test_stylegan2.py`` does not: equalized learning rate, the mapping network's 0.01
learning-rate multiplier and pixel norm, the skip-ToRGB image sum, the constant input, noise inputs
and the discriminator's minibatch standard deviation.
"""
import math

import pytest
import torch
import torch.nn.functional as F

from ganbook.models.stylegan2 import Discriminator, EqualConv2d, EqualLinear, Generator, StyleGAN2Config

Z = W = 16  # z_dim and w_dim of the tiny_stylegan2 fixture


def lrelu(x):
    return F.leaky_relu(x, 0.2) * math.sqrt(2)


def reference_upsample2x(x):
    """upfirdn2d(up=2) with the [1, 3, 3, 1] filter: insert zeros, pad (2, 1), convolve with gain 4."""
    b, c, h, w = x.shape
    up = x.new_zeros(b, c, 2 * h, 2 * w)
    up[:, :, ::2, ::2] = x
    f1 = torch.tensor([1.0, 3.0, 3.0, 1.0], dtype=x.dtype)
    f2 = torch.outer(f1, f1) / 64.0 * 4.0  # normalised to sum 1, then gain up**2 = 4
    up = F.pad(up, (2, 1, 2, 1))
    return F.conv2d(up, f2.expand(c, 1, 4, 4), groups=c)


def reference_torgb(torgb, x, w):
    """Paper's ToRGB: 1x1 modulated conv (no demodulation) + bias, with equalized-LR affine and weight."""
    aff = torgb.conv.affine
    s = F.linear(w, aff.weight / math.sqrt(w.shape[1]), aff.bias)  # affine layer, lr_mul 1: (B, Cin)
    c_in = x.shape[1]
    wt = torgb.conv.weight[:, :, 0, 0] / math.sqrt(c_in * 1 * 1)  # (3, Cin)
    return torch.einsum("oc,bc,bchw->bohw", wt, s, x) + torgb.bias[None, :, None, None]


# ---------------------------------------------------------------- 1. equalized learning rate
def test_equal_linear_stores_unit_gaussian_over_lr_mul_and_scales_by_lr_mul_over_sqrt_fan_in():
    torch.manual_seed(0)
    lr_mul, fan_in = 0.01, 256
    layer = EqualLinear(fan_in, 64, lr_mul=lr_mul)
    # storage: N(0, 1) / lr_mul
    assert abs(layer.weight.std().item() - 1 / lr_mul) < 0.03 / lr_mul
    assert abs(layer.weight.mean().item()) < 0.03 / lr_mul
    # runtime scale
    assert layer.scale == pytest.approx(lr_mul / math.sqrt(fan_in), rel=1e-12)
    with torch.no_grad():
        layer.bias.normal_()
    x = torch.randn(5, fan_in)
    ref = F.linear(x, layer.weight * (0.01 / 16.0), layer.bias * 0.01)  # sqrt(256) = 16
    torch.testing.assert_close(layer(x), ref, rtol=1e-5, atol=1e-6)
    # effective weight has He-init variance 1/fan_in whatever lr_mul is
    assert abs((layer.weight * layer.scale).std().item() - 1 / 16.0) < 0.03 / 16.0


def test_equal_linear_with_activation_is_leaky_relu_times_sqrt2_of_the_scaled_affine_map():
    torch.manual_seed(1)
    layer = EqualLinear(12, 7, lr_mul=0.5, activation=True)
    with torch.no_grad():
        layer.bias.normal_()
    x = torch.randn(4, 12)
    pre = x @ (layer.weight * 0.5 / math.sqrt(12)).T + layer.bias * 0.5
    ref = torch.where(pre > 0, pre, 0.2 * pre) * math.sqrt(2)
    torch.testing.assert_close(layer(x), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("c_in,k,stride", [(3, 3, 1), (5, 1, 1), (4, 3, 2)])
def test_equal_conv2d_scales_weight_by_one_over_sqrt_in_channels_times_k_squared(c_in, k, stride):
    torch.manual_seed(2)
    layer = EqualConv2d(c_in, 6, k, stride=stride)
    fan_in = c_in * k * k
    assert layer.scale == pytest.approx(1 / math.sqrt(fan_in), rel=1e-12)
    with torch.no_grad():
        layer.bias.normal_()
    x = torch.randn(2, c_in, 8, 8)
    ref = F.conv2d(x, layer.weight / math.sqrt(fan_in), layer.bias, stride=stride, padding=k // 2)
    torch.testing.assert_close(layer(x), ref, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- 2. mapping network
def test_mapping_network_dense_layers_use_lr_mul_0_01_by_default(tiny_stylegan2):
    assert StyleGAN2Config().mapping_lr_mul == 0.01
    G = Generator(tiny_stylegan2())
    dense = [m for m in G.mapping_network.modules() if isinstance(m, EqualLinear)]
    assert len(dense) == 2
    for layer in dense:
        fan_in = layer.weight.shape[1]
        assert layer.lr_mul == 0.01
        assert layer.scale == pytest.approx(0.01 / math.sqrt(fan_in), rel=1e-12)


def test_mapping_network_is_pixel_norm_then_lrelu_mlp_by_hand(tiny_stylegan2):
    torch.manual_seed(3)
    G = Generator(tiny_stylegan2()).eval()
    layers = [m for m in G.mapping_network.modules() if isinstance(m, EqualLinear)]
    with torch.no_grad():
        for layer in layers:
            layer.bias.normal_(std=50.0)  # stored bias is scaled by lr_mul = 0.01 at run time
    z = torch.randn(4, Z) * 3.0
    h = z / z.square().mean(dim=1, keepdim=True).sqrt()  # unit second moment
    for layer in layers:
        fan_in = layer.weight.shape[1]
        h = lrelu(F.linear(h, layer.weight * 0.01 / math.sqrt(fan_in), layer.bias * 0.01))
    torch.testing.assert_close(G.mapping_network(z), h, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("c", [0.25, 3.0, 40.0])
def test_mapping_output_is_invariant_to_positive_rescaling_of_z(c, tiny_stylegan2):
    torch.manual_seed(4)
    G = Generator(tiny_stylegan2()).eval()
    z = torch.randn(3, Z)
    w = G.mapping_network(z)
    torch.testing.assert_close(G.mapping_network(c * z), w, rtol=1e-5, atol=1e-6)
    assert not torch.allclose(G.mapping_network(torch.randn(3, Z)), w)  # w does depend on z's direction


# ---------------------------------------------------------------- 3. skip ToRGB
def _double_generator_with_random_torgb_biases(seed, tiny_stylegan2):
    torch.manual_seed(seed)
    G = Generator(tiny_stylegan2()).double().eval()
    with torch.no_grad():
        for block in G.blocks:
            block.torgb.bias.normal_()
    ws = torch.randn(2, G.num_ws, W, dtype=torch.float64)  # a different w per layer: checks the indices
    return G, ws


def test_generator_image_is_sum_of_upsampled_torgb_outputs_over_resolutions(tiny_stylegan2):
    G, ws = _double_generator_with_random_torgb_biases(5, tiny_stylegan2)
    with torch.no_grad():
        img, feats = G.synthesis(ws, noise_mode="const", return_features=True)
        expected = torch.zeros_like(img)
        n = len(G.blocks)
        for b, (block, x) in enumerate(zip(G.blocks, feats)):
            rgb = reference_torgb(block.torgb, x, ws[:, 2 * b + 1])  # ToRGB of block b reads ws[2b + 1]
            for _ in range(n - 1 - b):
                rgb = reference_upsample2x(rgb)
            expected += rgb
    torch.testing.assert_close(img, expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("keep", [0, 1, 3])
def test_with_one_torgb_left_the_image_is_its_output_upsampled_to_full_size(keep, tiny_stylegan2):
    G, ws = _double_generator_with_random_torgb_biases(6, tiny_stylegan2)
    with torch.no_grad():
        for b, block in enumerate(G.blocks):
            if b != keep:
                block.torgb.conv.weight.zero_()
                block.torgb.bias.zero_()
        img, feats = G.synthesis(ws, noise_mode="const", return_features=True)
        rgb = reference_torgb(G.blocks[keep].torgb, feats[keep], ws[:, 2 * keep + 1])
        assert rgb.shape[-1] == 4 * 2 ** keep
        for _ in range(len(G.blocks) - 1 - keep):
            rgb = reference_upsample2x(rgb)
    assert rgb.abs().max() > 0.1
    torch.testing.assert_close(img, rgb, rtol=1e-9, atol=1e-9)


def test_reference_upsampler_is_the_bilinear_like_3_4_1_4_stencil():
    # sanity check of the test's own upfirdn2d reference: out[2i] = 3/4 x[i] + 1/4 x[i-1], out[2i+1] = 3/4 x[i] + 1/4 x[i+1]
    x = torch.arange(4.0, dtype=torch.float64).reshape(1, 1, 1, 4).expand(1, 1, 4, 4)
    row = reference_upsample2x(x)[0, 0, 3]  # an interior row (vertical part is exact for constant columns)
    expected = [0.75 * 0, 0.75 * 0 + 0.25 * 1, 0.75 * 1 + 0.25 * 0, 0.75 * 1 + 0.25 * 2, 0.75 * 2 + 0.25 * 1,
                0.75 * 2 + 0.25 * 3, 0.75 * 3 + 0.25 * 2, 0.75 * 3]
    torch.testing.assert_close(row, torch.tensor(expected, dtype=torch.float64))


# ---------------------------------------------------------------- 4. constant input
def test_constant_input_is_one_learned_tensor_shared_by_every_sample_and_independent_of_w(tiny_stylegan2):
    torch.manual_seed(7)
    G = Generator(tiny_stylegan2()).eval()
    first = G.blocks[0]
    const = first.input.const
    assert isinstance(const, torch.nn.Parameter) and const.requires_grad
    assert any(p is const for p in G.parameters())
    assert const.shape == (1, G.cfg.channels(4), 4, 4)
    seen = []
    handle = first.conv1.register_forward_pre_hook(lambda mod, args: seen.append(args[0].detach().clone()))
    try:
        with torch.no_grad():
            G(z=torch.randn(3, Z), noise_mode="const")
            G(ws=torch.randn(5, G.num_ws, W) * 4.0, noise_mode="const")
    finally:
        handle.remove()
    assert [s.shape[0] for s in seen] == [3, 5]
    for s in seen:
        for i in range(s.shape[0]):
            assert torch.equal(s[i], const[0].detach())
    # and it is what gets trained: gradient of the image reaches it
    G.zero_grad()
    G(z=torch.randn(2, Z), noise_mode="const").square().sum().backward()
    assert const.grad is not None and const.grad.abs().sum() > 0


# ---------------------------------------------------------------- 5. noise inputs
def _noise_layers(G):
    return [m for m in G.modules() if type(m).__name__ == "NoiseInjection"]


def test_noise_injection_adds_strength_times_one_single_channel_map_broadcast_over_channels(tiny_stylegan2):
    torch.manual_seed(8)
    G = Generator(tiny_stylegan2())
    layer = _noise_layers(G)[-1]
    with torch.no_grad():
        layer.strength.fill_(0.7)
    r = layer.noise_const.shape[-1]
    x = torch.randn(3, 5, r, r)
    d_const = layer(x, "const") - x
    torch.testing.assert_close(d_const, (0.7 * layer.noise_const).expand(3, 5, r, r))
    d_rand = layer(x, "random") - x
    assert torch.allclose(d_rand, d_rand[:, :1].expand_as(d_rand), atol=1e-6)  # same map for every channel
    assert not torch.allclose(d_rand[0], d_rand[1])  # fresh per sample
    assert abs(d_rand.std().item() / 0.7 - 1) < 0.2  # N(0, 1) noise scaled by the strength
    assert torch.equal(layer(x, "none"), x)


def test_noise_random_calls_differ_const_calls_match_and_zero_strength_removes_the_difference(tiny_stylegan2):
    torch.manual_seed(9)
    G = Generator(tiny_stylegan2()).eval()
    layers = _noise_layers(G)
    assert len(layers) == 2 * len(G.blocks) - 1  # one per StyledConv
    with torch.no_grad():
        for layer in layers:
            layer.strength.fill_(0.5)
        ws = G.mapping(torch.randn(2, Z))
        r1, r2 = G(ws=ws, noise_mode="random"), G(ws=ws, noise_mode="random")
        c1, c2 = G(ws=ws, noise_mode="const"), G(ws=ws, noise_mode="const")
        g1 = G(ws=ws, noise_mode="random", rng=torch.Generator().manual_seed(1))
        g2 = G(ws=ws, noise_mode="random", rng=torch.Generator().manual_seed(1))
        assert not torch.allclose(r1, r2)
        assert torch.equal(c1, c2)
        assert torch.equal(g1, g2)  # seeded noise is reproducible
        assert not torch.allclose(c1, G(ws=ws, noise_mode="none"))
        for layer in layers:
            layer.strength.zero_()
        r1, r2 = G(ws=ws, noise_mode="random"), G(ws=ws, noise_mode="random")
        base = G(ws=ws, noise_mode="none")
    assert torch.equal(r1, r2)
    torch.testing.assert_close(r1, base, rtol=0, atol=0)
    torch.testing.assert_close(G(ws=ws, noise_mode="const").detach(), base, rtol=0, atol=0)


def test_each_layer_noise_strength_acts_on_its_own(tiny_stylegan2):
    torch.manual_seed(10)
    G = Generator(tiny_stylegan2()).eval()
    ws = G.mapping(torch.randn(1, Z)).detach()
    with torch.no_grad():
        base = G(ws=ws, noise_mode="const")
        for layer in _noise_layers(G):
            layer.strength.fill_(0.5)
            assert not torch.allclose(G(ws=ws, noise_mode="const"), base)
            layer.strength.zero_()
        assert torch.equal(G(ws=ws, noise_mode="const"), base)


# ---------------------------------------------------------------- 6. minibatch standard deviation
def _mbstd_channel(D, img):
    """The D.conv input is the mbstd output; also capture the block output it was computed from."""
    seen = {}
    h1 = D.blocks.register_forward_hook(lambda m, a, out: seen.__setitem__("feats", out.detach().clone()))
    h2 = D.conv.register_forward_pre_hook(lambda m, a: seen.__setitem__("mbstd_in", a[0].detach().clone()))
    try:
        with torch.no_grad():
            D(img)
    finally:
        h1.remove()
        h2.remove()
    feats, cat = seen["feats"], seen["mbstd_in"]
    assert cat.shape == (img.shape[0], feats.shape[1] + 1, 4, 4)
    assert torch.equal(cat[:, :-1], feats)  # features pass through, one stddev channel appended
    return feats, cat[:, -1]


@pytest.mark.parametrize("batch", [4, 8])
def test_minibatch_stddev_channel_is_zero_for_a_batch_of_identical_images(batch, tiny_stylegan2):
    torch.manual_seed(11)
    D = Discriminator(tiny_stylegan2(), mbstd_group=4).eval()
    img = torch.randn(1, 3, 32, 32).expand(batch, -1, -1, -1).contiguous()
    _, sd = _mbstd_channel(D, img)
    assert sd.abs().max() < 1e-3  # only the sqrt(1e-8) epsilon is left


def test_minibatch_stddev_channel_is_positive_and_equals_the_mean_feature_std_over_the_group(tiny_stylegan2):
    torch.manual_seed(12)
    D = Discriminator(tiny_stylegan2(), mbstd_group=4).eval()
    feats, sd = _mbstd_channel(D, torch.randn(4, 3, 32, 32))
    assert (sd > 0.01).all()
    # paper (ProGAN sec. 3): std of each feature at each location over the group, averaged over both
    expected = (feats.var(dim=0, unbiased=False) + 1e-8).sqrt().mean()
    torch.testing.assert_close(sd, expected.expand(4, 4, 4), rtol=1e-5, atol=1e-6)


def test_discriminator_block_main_and_skip_branches_sample_the_same_input_positions():
    from ganbook.models.stylegan2 import DiscriminatorBlock, blur

    block = DiscriminatorBlock(1, 1)
    with torch.no_grad():  # effective weights: conv0 and conv1 centre taps, skip 1 (equalized-lr scale undone)
        for conv, k in ((block.conv0, 3), (block.conv1, 3)):
            conv.weight.zero_()
            conv.weight[0, 0, k // 2, k // 2] = 1 / conv.scale
            conv.bias.zero_()
        block.skip.weight.fill_(1 / block.skip.scale)
    x = torch.zeros(1, 1, 16, 16)
    x[..., :, 7] = 1.0  # a vertical line: positive everywhere it is not zero, so lrelu is x * sqrt 2 there
    with torch.no_grad():
        skip = block.skip(blur(x, (1, 1)))
        main = block(x) * math.sqrt(2) - skip  # main = 2 * (blurred, subsampled x) when the branches align
    torch.testing.assert_close(main, 2 * skip, atol=1e-6, rtol=0)
