"""RRDBNet (ESRGAN's generator) and network interpolation."""
import pytest
import torch
import torch.nn.functional as F

from ganbook.models import RRDBNet, count_parameters, interpolate_networks
from ganbook.models.rrdbnet import RRDB, ResidualDenseBlock


def conv(cin, cout, k=3):
    return cin * cout * k * k + cout


def tiny(**kw):
    return RRDBNet(num_features=8, num_blocks=1, growth=4, **kw)


def test_rrdbnet_shapes_for_scales_two_four_eight():
    x = torch.rand(1, 3, 6, 5)
    for s in (2, 4, 8):
        assert tiny(scale=s)(x).shape == (1, 3, 6 * s, 5 * s)


def test_rrdbnet_paper_size_parameter_count_matches_layer_arithmetic():
    nf, gc = 64, 32
    rdb = sum(conv(nf + k * gc, gc) for k in range(4)) + conv(nf + 4 * gc, nf)
    expected = conv(3, nf) + 23 * 3 * rdb + conv(nf, nf) + 2 * conv(nf, nf) + conv(nf, nf) + conv(nf, 3)
    n = count_parameters(RRDBNet())
    assert n == expected
    assert 16.6e6 < n < 16.8e6  # ESRGAN's published "16.7 M"


def test_dense_block_sees_all_earlier_outputs_and_scales_its_residual():
    rdb = ResidualDenseBlock(8, 4)
    assert [c.in_channels for c in rdb.convs] == [8, 12, 16, 20, 24]
    assert [c.out_channels for c in rdb.convs] == [4, 4, 4, 4, 8]
    with torch.no_grad():
        for c in rdb.convs:
            c.weight.zero_()
        rdb.convs[4].bias.fill_(1.0)
    x = torch.randn(1, 8, 3, 3)
    assert torch.allclose(rdb(x), x + 0.2)  # conv5 outputs 1 → residual 0.2·1
    rrdb = RRDB(8, 4)
    assert len(rrdb.rdbs) == 3


def test_small_initialisation_scales_kaiming_by_a_tenth():
    torch.manual_seed(0)
    rdb = ResidualDenseBlock(64, 32)
    w = rdb.convs[0].weight
    kaiming_std = (2.0 / (w.shape[1] * 9)) ** 0.5
    assert abs(w.std().item() / kaiming_std - 0.1) < 0.01
    assert torch.count_nonzero(rdb.convs[0].bias) == 0


def test_untrained_residual_rrdbnet_is_its_bicubic_base():
    from ganbook.data.degrade import upsample

    x = torch.rand(2, 3, 7, 9)
    assert torch.equal(tiny()(x), upsample(x, 4))  # default base: Keys a = -0.5, the degradation's kernel
    assert torch.equal(tiny(residual_base="bicubic")(x), F.interpolate(x, scale_factor=4, mode="bicubic",
                                                                       align_corners=False))
    with pytest.raises(ValueError, match="residual_base"):
        tiny(residual_base="lanczos")


def test_network_interpolation_endpoints_reproduce_both_models_exactly():
    torch.manual_seed(0)
    psnr_model, gan_model = tiny(residual_interp=False), tiny(residual_interp=False)
    a, b = psnr_model.state_dict(), gan_model.state_dict()
    for alpha, ref in ((0.0, a), (1.0, b)):
        out = interpolate_networks(a, b, alpha)
        assert all(torch.equal(out[k], ref[k]) for k in ref)
    mid = interpolate_networks(a, b, 0.5)
    assert torch.allclose(mid["conv_first.weight"], (a["conv_first.weight"] + b["conv_first.weight"]) / 2)
    x = torch.rand(1, 3, 5, 5)
    m = tiny(residual_interp=False)
    m.load_state_dict(interpolate_networks(a, b, 1.0))
    assert torch.equal(m(x), gan_model(x))


def test_network_interpolation_rejects_bad_alpha_and_mismatched_models():
    a = tiny().state_dict()
    with pytest.raises(ValueError, match="alpha"):
        interpolate_networks(a, a, 1.5)
    with pytest.raises(ValueError, match="different architectures"):
        interpolate_networks(a, RRDBNet(num_features=8, num_blocks=2, growth=4).state_dict(), 0.5)
    with pytest.raises(ValueError, match="shape"):
        interpolate_networks(a, RRDBNet(num_features=8, num_blocks=1, growth=8).state_dict(), 0.5)


def test_network_interpolation_takes_integer_buffers_from_the_nearer_model():
    a = {"w": torch.zeros(2), "n": torch.tensor(3)}
    b = {"w": torch.ones(2), "n": torch.tensor(9)}
    assert interpolate_networks(a, b, 0.4)["n"] == 3 and interpolate_networks(a, b, 0.6)["n"] == 9
