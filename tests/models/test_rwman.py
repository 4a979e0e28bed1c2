"""RWMAN (MedSRGAN's generator): shapes, paper-size parameter count, whole-map attention, residual base."""
import dataclasses

import pytest
import torch
import torch.nn.functional as F

from ganbook.models import MODELS, RWMAN, RWMANConfig, build_model, count_parameters
from ganbook.models.rwman import RWMAB


def conv(cin, cout, k):
    return cin * cout * k * k + cout


def tiny(**kw):
    return RWMAN(num_groups=1, num_blocks=2, num_features=8, **kw)


def test_rwman_upscales_by_four_and_by_two():
    torch.manual_seed(0)
    x = torch.rand(2, 1, 12, 10)
    assert tiny()(x).shape == (2, 1, 48, 40)
    assert tiny(scale=2)(x).shape == (2, 1, 24, 20)


def test_rwman_paper_size_parameter_count_matches_layer_arithmetic():
    c = 64
    rwmab = 2 * conv(c, c, 3) + conv(c, c, 1)
    group = 16 * rwmab + conv(c, c, 3)
    expected = conv(1, c, 3) + 8 * group + conv(c, c, 3) + 2 * conv(c, 4 * c, 3) + conv(c, 1, 3)
    assert count_parameters(RWMAN()) == expected
    # MedSRGAN+ adds one input channel to the head conv only
    assert count_parameters(RWMAN(noise_channel=True)) == expected + c * 9


def test_rwmab_attention_is_one_weight_per_pixel_per_channel_in_unit_interval():
    block = RWMAB(6)
    y = torch.randn(2, 6, 5, 7)
    a = block.attention(y)
    assert a.shape == y.shape  # whole map, unlike RCAB's (N, C, 1, 1) channel attention
    assert (a > 0).all() and (a < 1).all()
    x = torch.randn(2, 6, 5, 7)
    body = block.body(x)
    assert torch.allclose(block(x), x + body * block.attention(body))


def test_untrained_residual_rwman_reproduces_bicubic_exactly():
    x = torch.rand(1, 1, 9, 11)
    ref = F.interpolate(x, scale_factor=4, mode="bicubic", align_corners=False)
    assert torch.equal(tiny()(x), ref)
    assert not torch.allclose(tiny(residual_interp=False)(x), ref, atol=1e-3)


def test_noise_channel_is_reproducible_from_an_rng_and_varies_between_draws():
    torch.manual_seed(0)
    model = tiny(noise_channel=True, residual_interp=False)
    x = torch.rand(1, 1, 8, 8)
    a = model(x, rng=torch.Generator().manual_seed(1))
    b = model(x, rng=torch.Generator().manual_seed(1))
    c = model(x, rng=torch.Generator().manual_seed(2))
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


def test_rwman_rejects_wrong_channels_and_bad_config_with_named_field():
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        tiny()(torch.rand(1, 3, 8, 8))
    with pytest.raises(ValueError, match="RWMANConfig.scale"):
        RWMANConfig(scale=3)
    with pytest.raises(ValueError, match="RWMANConfig.num_blocks"):
        RWMANConfig(num_blocks=0)
    with pytest.raises(TypeError, match="no field"):
        RWMAN(num_layers=3)


def test_build_model_rebuilds_rwman_from_a_stored_config_dict():
    model = tiny(noise_channel=True)
    clone = build_model("rwman", dataclasses.asdict(model.config))
    assert MODELS["rwman"] is RWMAN
    assert clone.config == model.config
    assert clone.load_state_dict(model.state_dict()) is not None
    with pytest.raises(ValueError, match="unknown model"):
        build_model("rcan")


def test_rwman_trains_under_bf16_autocast_and_returns_float32(monkeypatch):
    from ganbook.runtime import autocast

    monkeypatch.setenv("GANBOOK_CPU_BF16", "1")  # bf16 even where the CPU only emulates it

    model = tiny()
    x, y = torch.rand(2, 1, 8, 8), torch.rand(2, 1, 32, 32)
    with autocast("cpu"):
        out = model(x)
        loss = F.mse_loss(out, y)
    loss.backward()
    assert out.dtype == torch.float32
    assert model.head.weight.grad is not None and torch.isfinite(model.head.weight.grad).all()
