"""Tiled inference equals one-shot inference (2-D and 3-D), blends seamlessly and bounds the batch."""
import pytest
import torch
from torch import nn

from ganbook.models import RWMAN
from ganbook.sr import blend_weights, tile_starts, tiled_apply

TOL = 1e-5  # float32 rounding: tiles and the whole image may take different conv code paths


def net2d(scale=2):
    """Receptive-field radius 2 LR px + 1 HR px, i.e. ≤ 3 LR px."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4 * scale * scale, 3, padding=1),
                         nn.PixelShuffle(scale), nn.Conv2d(4, 2, 3, padding=1)).eval()


def net3d():
    """Receptive-field radius 1 LR px."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv3d(1, 3, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
                         nn.Conv3d(3, 1, 1)).eval()


def test_tile_starts_cover_the_axis_and_end_at_its_end():
    assert tile_starts(10, 20, 4) == [0]
    assert tile_starts(61, 28, 12) == [0, 11, 22, 33]  # 3 tiles of step 16 would end at 60
    assert tile_starts(21, 20, 4) == [0, 1]


@pytest.mark.parametrize("length,tile,overlap,scale", [(61, 28, 12, 2), (21, 20, 4, 4), (40, 9, 4, 1), (17, 5, 1, 3)])
def test_blend_weights_sum_to_one_and_vanish_next_to_cuts(length, tile, overlap, scale):
    starts, weights = blend_weights(length, tile, overlap, scale)
    total = torch.zeros(length * scale, dtype=torch.float64)
    for s, w in zip(starts, weights):
        total[s * scale:s * scale + len(w)] += w
        margin = (overlap // 4) * scale
        if s > 0 and margin:
            assert torch.all(w[:margin] == 0)
        if s + tile < length and margin:
            assert torch.all(w[-margin:] == 0)
        assert torch.all(w >= 0)
    assert torch.allclose(total, torch.ones_like(total), atol=1e-12)


def test_tiled_equals_untiled_in_2d_with_odd_sizes_and_batches():
    model = net2d(scale=2)
    x = torch.rand(2, 1, 61, 45)
    with torch.no_grad():
        ref = model(x)
    out = tiled_apply(model, x, scale=2, tile=28, overlap=12, spatial_dims=2, batch_size=3)
    assert out.shape == ref.shape == (2, 2, 122, 90)
    assert (out - ref).abs().max().item() <= TOL


def test_tiled_equals_untiled_in_3d_on_a_small_volume():
    model = net3d()
    x = torch.rand(1, 1, 19, 17, 23)
    with torch.no_grad():
        ref = model(x)
    out = tiled_apply(model, x, scale=2, tile=(9, 9, 10), overlap=4, spatial_dims=3, batch_size=5)
    assert (out - ref).abs().max().item() <= TOL


def test_tiled_rwman_with_bicubic_base_matches_untiled_when_overlap_covers_its_receptive_field():
    torch.manual_seed(0)
    model = RWMAN(num_groups=1, num_blocks=1, num_features=8).eval()
    with torch.no_grad():  # give the zero-initialised tail some weight so the network part matters
        model.tail.weight.normal_(0, 0.1)
    x = torch.rand(1, 1, 70, 64)
    with torch.no_grad():
        ref = model(x)
    # receptive field ≈ 7 LR px (convs + bicubic support) → overlap 28 (zero margin 7)
    out = tiled_apply(model, x, scale=4, tile=57, overlap=28, spatial_dims=2, batch_size=4)
    assert (out - ref).abs().max().item() <= TOL


def test_tile_larger_than_the_image_is_one_shot_inference():
    model = net2d()
    x = torch.rand(1, 1, 13, 17)
    with torch.no_grad():
        ref = model(x)
    assert torch.equal(tiled_apply(model, x, scale=2, tile=100, overlap=8, spatial_dims=2), ref)


def test_model_sees_at_most_batch_size_tiles_of_tile_size():
    seen = []
    model = net2d()

    def spy(t):
        seen.append(tuple(t.shape))
        return model(t)

    tiled_apply(spy, torch.rand(1, 1, 50, 50), scale=2, tile=20, overlap=8, spatial_dims=2, batch_size=2)
    assert len(seen) == 8  # 4 × 4 tiles in batches of 2
    assert all(s[0] <= 2 and s[2:] == (20, 20) for s in seen)


def test_blending_hides_seams_when_tiles_disagree():
    def tile_mean(t):  # a maximally non-local "model": each tile becomes its own mean
        m = t.mean(dim=(2, 3), keepdim=True)
        return m.expand(-1, -1, t.shape[2] * 2, t.shape[3] * 2)

    x = torch.linspace(0, 1, 64).view(1, 1, 1, 64).expand(1, 1, 16, 64).contiguous()
    out = tiled_apply(tile_mean, x, scale=2, tile=(16, 24), overlap=(0, 8), spatial_dims=2)
    jumps = out[0, 0, 0].diff().abs()
    step = 16 / 63  # tile means differ by the ramp's rise over one tile step (16 px)
    assert jumps.max().item() < 0.25 * step  # a hard seam would jump by the whole step


def test_tiled_apply_rejects_bad_arguments_clearly():
    model = net2d()
    with pytest.raises(ValueError, match="2·overlap"):
        tiled_apply(model, torch.rand(1, 1, 40, 40), scale=2, tile=10, overlap=6, spatial_dims=2)
    with pytest.raises(ValueError, match="spatial_dims=3"):
        tiled_apply(model, torch.rand(1, 1, 40, 40), scale=2, tile=10, overlap=2, spatial_dims=3)
    with pytest.raises(ValueError, match="check scale=4"):
        tiled_apply(model, torch.rand(1, 1, 40, 40), scale=4, tile=20, overlap=4, spatial_dims=2)


def test_tiled_apply_warns_when_the_model_is_in_training_mode():
    model = net2d().train()
    with pytest.warns(UserWarning, match="eval"):
        tiled_apply(model, torch.rand(1, 1, 8, 8), scale=2, tile=8, overlap=2, spatial_dims=2)
