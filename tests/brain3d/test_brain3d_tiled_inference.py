"""Sliding-window inference through notebook 03's code path equals one-shot inference."""
import dataclasses

import numpy as np
import pytest
import torch

from ganbook import brain3d


def _model(cfg, seed=0):
    torch.manual_seed(seed)
    model = brain3d.build_generator(cfg)
    with torch.no_grad():  # the zero-initialised tail would make the model plain trilinear
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model.eval()


def _volume(shape, seed=0):
    rng = np.random.default_rng(seed)
    from scipy.ndimage import gaussian_filter

    return (100.0 * gaussian_filter(rng.random(shape), 1.5) + 5.0 * rng.random(shape)).astype(np.float32)


def test_tiled_equals_one_shot_exactly_when_the_overlap_covers_the_receptive_field():
    # F=4, one block: receptive-field radius 6 LR voxels -> overlap // 4 >= 6 makes tiling exact.
    cfg = dataclasses.replace(brain3d.PROFILES["smoke"], num_features=4, num_blocks=1, amp=False, channels_last=False)
    model, lr = _model(cfg), _volume((60, 10, 9))
    window = brain3d.intensity_window(lr)
    one_shot = brain3d.super_resolve(model, lr, dataclasses.replace(cfg, tile=64, overlap=0), window=window)
    tiled = brain3d.super_resolve(model, lr, dataclasses.replace(cfg, tile=49, overlap=24), window=window)
    assert one_shot.shape == tiled.shape == (120, 20, 18)
    assert np.abs(tiled - one_shot).max() < 1e-3  # raw units (data ~0..100)


def test_tiled_stays_close_to_one_shot_with_a_deep_model_and_small_tiles():
    # Deeper than the overlap can cover: tiles differ near cuts, the cross-fade keeps it small.
    cfg = dataclasses.replace(brain3d.PROFILES["smoke"], num_features=8, num_blocks=2, amp=False, channels_last=False)
    model, lr = _model(cfg, seed=1), _volume((36, 30, 12), seed=1)
    window = brain3d.intensity_window(lr)
    one_shot = brain3d.super_resolve(model, lr, dataclasses.replace(cfg, tile=64, overlap=0), window=window)
    tiled = brain3d.super_resolve(model, lr, dataclasses.replace(cfg, tile=18, overlap=8), window=window)
    span = float(one_shot.max() - one_shot.min())
    assert np.abs(tiled - one_shot).mean() < 2e-3 * span  # without overlap: 1.1e-2
    assert np.abs(tiled - one_shot).max() < 4e-2 * span  # without overlap: 0.35
    # and the comparison is not vacuous: the model is far from its trilinear base
    base = brain3d.baselines(brain3d.Case("v", np.zeros((72, 60, 24)), lr, np.ones((72, 60, 24), bool), np.eye(4), 1.0,
                              window), cfg.scale)["trilinear"]
    assert np.abs(one_shot - base).mean() > 1e-2 * span


@pytest.mark.parametrize("base, baseline", [("linear", "trilinear"), ("cubic", "tricubic")])
def test_an_untrained_generator_equals_its_interpolation_baseline_from_the_sampled_positions(base, baseline):
    cfg = dataclasses.replace(brain3d.PROFILES["smoke"], amp=False, channels_last=False, residual_base=base)
    torch.manual_seed(0)
    model = brain3d.build_generator(cfg).eval()
    lr = _volume((12, 10, 8))
    sr = brain3d.super_resolve(model, lr, cfg, window=brain3d.intensity_window(lr))
    case = brain3d.Case("v", np.zeros(sr.shape), lr, np.ones(sr.shape, bool), np.eye(4), 1.0, (0.0, 1.0))
    np.testing.assert_allclose(sr, brain3d.baselines(case, cfg.scale)[baseline], atol=1e-3)


def test_super_resolve_rejects_a_model_with_the_wrong_scale():
    cfg = dataclasses.replace(brain3d.PROFILES["smoke"], amp=False, channels_last=False)
    model = brain3d.build_generator(dataclasses.replace(cfg, scale=4)).eval()
    with pytest.raises(ValueError, match="scale"):
        brain3d.super_resolve(model, _volume((8, 8, 8)), cfg, window=(0.0, 1.0))


def test_without_a_window_super_resolve_uses_the_cases_percentile_window_and_tile_overrides_the_config():
    cfg = dataclasses.replace(brain3d.PROFILES["smoke"], num_features=4, num_blocks=1, amp=False, channels_last=False)
    model, hr = _model(cfg), _volume((24, 20, 16))
    lr = brain3d.degrade_volume(hr, "blur_nearest", cfg.scale)
    case = brain3d.Case("v", hr, lr, np.ones(hr.shape, bool), np.eye(4), 1.0, brain3d.intensity_window(lr))
    np.testing.assert_array_equal(brain3d.super_resolve(model, case.lr, cfg),
                                  brain3d.super_resolve(model, case.lr, cfg, window=case.window))
    np.testing.assert_array_equal(brain3d.super_resolve(model, lr, cfg, tile=9),
                                  brain3d.super_resolve(model, lr, dataclasses.replace(cfg, tile=9)))
    assert not np.array_equal(brain3d.super_resolve(model, lr, cfg, tile=9), brain3d.super_resolve(model, lr, cfg))
