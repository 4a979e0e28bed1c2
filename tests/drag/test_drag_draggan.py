"""DragGAN: motion supervision, point tracking, stop rule, W+ layer freezing, the no-tracking ablation."""
import numpy as np
import pytest
import torch

from ganbook.drag.draggan import (DragConfig, DragSession, drag, drag_radii, mask_loss, motion_supervision_loss,
                                  stop_distance, to_wplus, track_points)


def ramp_features(h=32, w=32):
    """Channel 0 = x, channel 1 = 2 y: a feature map whose shifts are known exactly."""
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    return torch.stack([xs, 2 * ys])[None]  # (1, 2, H, W)


def test_motion_loss_is_zero_when_target_is_the_handle_or_within_one_pixel():
    feat = torch.randn(1, 8, 32, 32)
    assert motion_supervision_loss(feat, torch.tensor([[10.0, 12.0]]), torch.tensor([[10.0, 12.0]]), 2) == 0
    assert motion_supervision_loss(feat, torch.tensor([[10.0, 12.0]]), torch.tensor([[10.7, 12.7]]), 2) == 0


def test_motion_loss_reads_the_feature_one_pixel_towards_the_target_in_xy_order():
    feat = ramp_features()
    # d = (1, 0): F(q + d) - F(q) = (1, 0) -> mean over 2 channels = 0.5
    right = motion_supervision_loss(feat, torch.tensor([[10.0, 10.0]]), torch.tensor([[20.0, 10.0]]), 2)
    # d = (0, 1): (0, 2) -> 1.0 ; the official code stores (row, col), a swap would exchange these
    down = motion_supervision_loss(feat, torch.tensor([[10.0, 10.0]]), torch.tensor([[10.0, 20.0]]), 2)
    assert float(right) == pytest.approx(0.5, abs=1e-5)
    assert float(down) == pytest.approx(1.0, abs=1e-5)


def test_motion_loss_gradient_stays_near_the_handle_and_not_through_the_detached_side():
    feat = torch.randn(1, 4, 32, 32, requires_grad=True)
    motion_supervision_loss(feat, torch.tensor([[16.0, 16.0]]), torch.tensor([[26.0, 16.0]]), 2).backward()
    ys, xs = torch.nonzero(feat.grad.abs().sum(1)[0], as_tuple=True)
    # Disk |q - p| < 2 shifted one pixel right and sampled bilinearly: columns 15..18, rows 15..17.
    assert xs.min() >= 15 and xs.max() <= 18 and ys.min() >= 15 and ys.max() <= 17
    assert feat.grad[0, :, 16, 18].abs().sum() > 0


def test_tracker_finds_a_feature_map_shifted_by_a_known_offset_exactly():
    torch.manual_seed(0)
    feat0 = torch.randn(1, 16, 40, 40)
    points = torch.tensor([[12.0, 20.0], [30.0, 9.0]])
    refs = feat0[0][:, points[:, 1].long(), points[:, 0].long()].T
    for dx, dy in [(3, -2), (0, 0), (-3, 3), (2, 1)]:
        shifted = torch.roll(feat0, shifts=(dy, dx), dims=(2, 3))
        found = track_points(shifted, refs, points, r2=3)
        assert torch.equal(found, points + torch.tensor([dx, dy], dtype=torch.float32)), (dx, dy)


def test_tracker_window_is_clipped_to_the_image_and_bounded_by_r2():
    torch.manual_seed(0)
    feat0 = torch.randn(1, 8, 20, 20)
    points = torch.tensor([[0.0, 19.0]])  # bottom-left corner
    refs = feat0[0][:, 19, 0][None]
    assert torch.equal(track_points(feat0, refs, points, r2=3), points)
    far = torch.roll(feat0, shifts=(0, 6), dims=(2, 3))  # moved beyond the window: stays within +-r2
    found = track_points(far, refs, torch.tensor([[5.0, 5.0]]), r2=2)
    assert (found - torch.tensor([[5.0, 5.0]])).abs().max() <= 2


def test_l1_tracking_norm_also_finds_exact_shifts():
    torch.manual_seed(1)
    feat0 = torch.randn(1, 8, 24, 24)
    p = torch.tensor([[10.0, 10.0]])
    refs = feat0[0][:, 10, 10][None]
    found = track_points(torch.roll(feat0, (1, -2), (2, 3)), refs, p, r2=3, norm="l1")
    assert torch.equal(found, torch.tensor([[8.0, 11.0]]))


def test_stop_rule_one_pixel_up_to_five_handles_two_beyond():
    assert stop_distance(1) == 1 and stop_distance(5) == 1 and stop_distance(6) == 2
    assert stop_distance(3, DragConfig(stop_distance=4.0)) == 4.0


def test_session_stops_at_once_when_handles_already_sit_on_targets(G, w):
    s = DragSession(G, w, [[10, 10]], [[10.6, 10.6]])
    s.step()
    assert s.done and s.steps == 0 and len(s.trajectory) == 1


def test_session_respects_max_steps_and_renders_the_final_latent(G, w):
    res = drag(G, w, [[8, 8]], [[24, 20]], max_steps=4)
    assert res.steps == 4 and not res.converged
    assert res.trajectory.shape == (5, 1, 2)  # 4 updates + the final render
    assert res.image.shape == (32, 32, 3) and 0 <= res.image.min() and res.image.max() <= 1


def test_wplus_layers_from_k_on_stay_frozen_and_first_k_change(G, w):
    s = DragSession(G, w, [[8, 8]], [[24, 20]], config=DragConfig(max_steps=5))
    while not s.done:
        s.step()
    ws, w0 = s.ws.detach(), to_wplus(w, G.num_ws)
    assert s.k == 6
    assert torch.equal(ws[:, 6:], w0[:, 6:])
    # At 32 px the drag features come from the 8x8 block, which reads ws 0-2: exactly those moved.
    assert (ws[:, :3] - w0[:, :3]).abs().sum(-1).gt(0).all()


def test_w_space_edits_share_one_vector_across_the_optimised_layers(G, w):
    s = DragSession(G, w, [[8, 8]], [[24, 20]], config=DragConfig(space="w", max_steps=3))
    while not s.done:
        s.step()
    ws = s.ws.detach()
    assert s.w.shape == (1, 1, 16)
    assert torch.equal(ws[:, 0], ws[:, 5]) and not torch.equal(ws[:, 0], to_wplus(w, G.num_ws)[:, 0])


def test_no_tracking_advances_handles_open_loop_along_the_drag_direction(G, w):
    cfg = DragConfig(untracked_speed=2.0, max_steps=3)
    res = drag(G, w, [[4.0, 4.0]], [[16.0, 4.0]], track=False, config=cfg)
    np.testing.assert_allclose(res.trajectory[:, 0, 0], [4.0, 6.0, 8.0, 10.0], atol=1e-5)
    np.testing.assert_allclose(res.trajectory[:, 0, 1], 4.0, atol=1e-5)


def test_track_false_in_the_config_alone_runs_the_open_loop_ablation(G, w):
    cfg = DragConfig(untracked_speed=2.0, max_steps=3, track=False)
    res = drag(G, w, [[4.0, 4.0]], [[16.0, 4.0]], config=cfg)
    np.testing.assert_allclose(res.trajectory[:, 0, 0], [4.0, 6.0, 8.0, 10.0], atol=1e-5)
    tracked = drag(G, w, [[4.0, 4.0]], [[16.0, 4.0]], config=cfg, track=True)  # an explicit argument still wins
    assert np.array_equal(tracked.trajectory, np.round(tracked.trajectory))


def test_tracked_points_are_integer_pixels_inside_the_image(G, w):
    res = drag(G, w, [[5.3, 7.6], [20, 20]], [[15, 7], [25, 28]], max_steps=5)
    assert np.array_equal(res.trajectory, np.round(res.trajectory))
    assert res.trajectory.min() >= 0 and res.trajectory.max() <= 31


def test_mask_loss_only_with_both_values_and_only_on_the_fixed_region():
    feat0 = torch.zeros(1, 3, 8, 8)
    feat = torch.ones(1, 3, 8, 8, requires_grad=True)
    assert mask_loss(feat, feat0, None) == 0
    assert mask_loss(feat, feat0, torch.ones(8, 8)) == 0  # all movable: no fixed region
    movable = torch.zeros(8, 8)
    movable[:, :4] = 1
    loss = mask_loss(feat, feat0, movable)
    assert float(loss.detach()) == pytest.approx(0.5)
    loss.backward()
    assert feat.grad[..., :4].abs().sum() == 0 and feat.grad[..., 4:].abs().sum() > 0


def test_radii_scale_with_resolution_and_have_floors():
    assert drag_radii(512) == (3, 12)
    assert drag_radii(1024) == (6, 24)
    assert drag_radii(64) == (2, 3)
    assert drag_radii(64, DragConfig(min_r1=1, min_r2=1)) == (1, 2)


def test_bad_inputs_name_the_parameter(G, w):
    with pytest.raises(ValueError, match="handles"):
        DragSession(G, w, [[40, 3]], [[3, 3]])
    with pytest.raises(ValueError, match="as many targets"):
        DragSession(G, w, [[4, 3], [5, 5]], [[3, 3]])
    with pytest.raises(ValueError, match="mask"):
        DragSession(G, w, [[4, 3]], [[3, 3]], mask=np.ones((5, 5)))
    with pytest.raises(ValueError, match="space"):
        DragConfig(space="z")


@pytest.mark.parametrize("h, size", [(16, 64), (4, 64), (5, 17), (64, 64)])
def test_feature_upsampling_is_torch_bilinear_without_corner_alignment(h, size):
    from ganbook.drag.draggan import upsample_features

    x = torch.randn(2, 3, h, h, generator=torch.Generator().manual_seed(h))
    want = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    torch.testing.assert_close(upsample_features(x, size), want, atol=2e-6, rtol=1e-5)
