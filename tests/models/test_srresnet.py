"""SRResNet in 2-D and 3-D (Sánchez & Vilaplana's generator) and the N-D pixel shuffle."""
import pytest
import torch
import torch.nn.functional as F

from ganbook.models import SRResNet, count_parameters, pixel_shuffle_nd


def test_pixel_shuffle_nd_equals_torch_in_2d():
    x = torch.randn(2, 12, 3, 5)
    assert torch.equal(pixel_shuffle_nd(x, 2, 2), F.pixel_shuffle(x, 2))


def test_pixel_shuffle_3d_places_channel_offsets_at_subvoxels():
    r = 2
    x = torch.randn(1, 2 * r ** 3, 3, 4, 5)
    y = pixel_shuffle_nd(x, r, 3)
    assert y.shape == (1, 2, 6, 8, 10)
    for c in range(2):
        for i in range(r):
            for j in range(r):
                for k in range(r):
                    src = x[0, c * r ** 3 + i * r * r + j * r + k]
                    assert torch.equal(y[0, c, i::r, j::r, k::r], src)


@pytest.mark.parametrize("upsample", ["subpixel", "nearest"])
@pytest.mark.parametrize("scale", [2, 4])
def test_srresnet_3d_and_2d_shapes(upsample, scale):
    m3 = SRResNet(num_features=4, num_blocks=1, upsample=upsample, scale=scale, upsample_features=16)
    assert m3(torch.rand(2, 1, 4, 5, 3)).shape == (2, 1, 4 * scale, 5 * scale, 3 * scale)
    m2 = SRResNet(num_features=4, num_blocks=1, upsample=upsample, scale=scale, spatial_dims=2)
    assert m2(torch.rand(2, 1, 5, 6)).shape == (2, 1, 5 * scale, 6 * scale)


def test_srresnet_3d_default_parameter_count_matches_layer_arithmetic():
    k, f, u = 27, 32, 64  # 3×3×3 kernels, 32 filters, 64-channel upsampling convs
    bn = 2 * f
    trunk = (1 * f * k + bn) + 6 * 2 * (f * f * k + bn) + (f * f * k + bn)  # head, 6 blocks, pre-skip conv
    stage1 = f * u * k + u  # conv 32 → 64, then shuffle to 64 / 8 = 8 channels
    stage2 = (u // 8) * u * k + u  # conv 8 → 64 (×4 only)
    tail = (u // 8) * 1 * k + 1
    assert count_parameters(SRResNet()) == trunk + stage1 + tail
    assert count_parameters(SRResNet(scale=4)) == trunk + stage1 + stage2 + tail


def test_untrained_residual_srresnet_is_trilinear_interpolation():
    x = torch.rand(1, 1, 5, 4, 6)
    m = SRResNet(num_features=4, num_blocks=1).eval()
    assert torch.equal(m(x), F.interpolate(x, scale_factor=2, mode="trilinear", align_corners=False))


def test_srresnet_rejects_2d_input_for_3d_model_and_bad_options():
    with pytest.raises(ValueError, match="spatial_dims=3"):
        SRResNet(num_features=4, num_blocks=1)(torch.rand(1, 1, 8, 8))
    with pytest.raises(ValueError, match="upsample"):
        SRResNet(upsample="deconv")
    with pytest.raises(ValueError, match="divisible by 8"):
        SRResNet(upsample_features=12)


def test_linear_upsample_at_block_centre_equals_torch_trilinear():
    from ganbook.models.layers import linear_upsample

    x = torch.rand(1, 2, 5, 4, 6, dtype=torch.float64)
    ref = F.interpolate(x, scale_factor=2, mode="trilinear", align_corners=False)
    assert torch.allclose(linear_upsample(x, 2, 3, 0.5), ref, atol=1e-12)


def test_residual_base_follows_decimation_offset_of_blur_nearest():
    # HR ramp; decimation keeps HR pixel i·s + s//2. An offset-aware linear base reproduces the ramp
    # exactly away from the edges; the block-centre base is shifted by half an HR pixel.
    s = 2
    hr = torch.arange(32.0).view(1, 1, 1, 32).expand(1, 1, 8, 32).contiguous()
    lr = hr[..., s // 2::s][..., ::s, :]  # (1, 1, 4, 16), keeps pixel i·2 + 1 on both axes
    model = SRResNet(num_features=4, num_blocks=1, spatial_dims=2, sample_offset=s // 2).eval()
    out = model(lr)
    assert torch.allclose(out[0, 0, :, 2:-2], hr[0, 0, :, 2:-2])
    centred = SRResNet(num_features=4, num_blocks=1, spatial_dims=2).eval()(lr)
    assert torch.allclose(centred[0, 0, :, 2:-2], hr[0, 0, :, 2:-2] + 0.5)  # reads half a pixel ahead
    with pytest.raises(ValueError, match="sample_offset"):
        SRResNet(sample_offset=3)
