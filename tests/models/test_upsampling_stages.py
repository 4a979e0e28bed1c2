"""×2 upsampling stages: ICNR starts a sub-pixel conv without a checkerboard; the blur neither shifts nor scales."""
import pytest
import torch

from ganbook.models import RWMAN, SRResNet
from ganbook.models.layers import Blur, icnr_, upsample_stage


@pytest.mark.parametrize("spatial_dims", [2, 3])
def test_icnr_subpixel_stage_starts_as_nearest_upsampling(spatial_dims):
    torch.manual_seed(0)
    modules, out_channels = upsample_stage(spatial_dims, 3, 4 * 2 ** spatial_dims, "subpixel")
    stage = torch.nn.Sequential(*modules)
    x = torch.randn(2, 3, *([5] * spatial_dims))
    y = stage(x)  # (2, 4, 10, 10[, 10])
    assert out_channels == 4 and y.shape == (2, 4, *([10] * spatial_dims))
    # every 2^d block of the output holds one value: the phases share their filter and bias
    first = y[(..., *([slice(0, None, 2)] * spatial_dims))]
    nearest = torch.nn.functional.interpolate(first, scale_factor=2, mode="nearest")
    torch.testing.assert_close(y, nearest)


def test_default_init_subpixel_conv_is_a_checkerboard_icnr_is_not():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(8, 16, 3, padding=1)
    x = torch.randn(1, 8, 12, 12)
    phases = lambda y: torch.stack([y[..., i::2, j::2] for i in (0, 1) for j in (0, 1)])  # noqa: E731
    spread = lambda: phases(torch.nn.functional.pixel_shuffle(conv(x), 2)).std(0).mean().item()  # noqa: E731
    before = spread()
    icnr_(conv.weight, 2, 2)
    conv.bias.data = conv.bias.data[::4].repeat_interleave(4)
    assert before > 0.1 and spread() < 1e-6


def test_icnr_refuses_channels_not_divisible_by_the_block():
    with pytest.raises(ValueError, match="divisible by 4"):
        icnr_(torch.empty(6, 2, 3, 3), 2, 2)
    with pytest.raises(ValueError, match="upsample must be one of"):
        upsample_stage(2, 4, 16, "bilinear")


@pytest.mark.parametrize("spatial_dims", [1, 2, 3])
def test_blur_keeps_constants_and_does_not_shift(spatial_dims):
    blur = Blur(spatial_dims)
    const = torch.full((1, 2, *([7] * spatial_dims)), 3.0)
    torch.testing.assert_close(blur(const), const)
    delta = torch.zeros(1, 1, *([9] * spatial_dims))
    delta[(0, 0, *([4] * spatial_dims))] = 1.0
    out = blur(delta)
    assert out.sum().item() == pytest.approx(1.0)
    coords = torch.stack(torch.meshgrid(*[torch.arange(9.0)] * spatial_dims, indexing="ij"))
    centre = (coords * out[0, 0]).flatten(1).sum(1)
    torch.testing.assert_close(centre, torch.full((spatial_dims,), 4.0))
    assert out[(0, 0, *([4] * spatial_dims))].item() == pytest.approx(0.5 ** spatial_dims)


@pytest.mark.parametrize("upsample", ["subpixel", "subpixel_blur", "nearest"])
def test_every_upsampler_builds_both_generators_at_the_right_size(upsample):
    torch.manual_seed(0)
    rwman = RWMAN(num_groups=1, num_blocks=1, num_features=8, upsample=upsample, residual_interp=False)
    assert rwman(torch.rand(1, 1, 6, 6)).shape == (1, 1, 24, 24)
    srresnet = SRResNet(num_features=8, num_blocks=1, upsample_features=16, upsample=upsample, spatial_dims=3)
    assert srresnet(torch.rand(1, 1, 4, 4, 4)).shape == (1, 1, 8, 8, 8)
    with pytest.raises(ValueError, match="RWMANConfig.upsample"):
        RWMAN(upsample="deconv")
