"""Landmark regressor: soft-argmax geometry, learning, and the shipped detector's own error."""
import numpy as np
import pytest
import torch

from ganbook.drag.data import LANDMARK_NAMES, make_faces
from ganbook.drag.landmarks import (LandmarkConfig, LandmarkNet, detect_landmarks, landmark_error, load_regressor,
                                    save_regressor, shipped_regressor, train_landmark_regressor)


def test_soft_argmax_of_a_peaked_heatmap_is_the_cell_centre_in_image_pixels(monkeypatch):
    net = LandmarkNet(num_landmarks=2, width=4)
    logits = torch.full((1, 2, 32, 32), -1e4)
    logits[0, 0, 5, 7] = 0  # row 5, col 7 of the half-resolution map
    logits[0, 1, 31, 0] = 0
    monkeypatch.setattr(net, "heatmaps", lambda x: logits)
    xy = net(torch.zeros(1, 3, 64, 64))[0]
    torch.testing.assert_close(xy, torch.tensor([[7 * 2 + 0.5, 5 * 2 + 0.5], [0.5, 31 * 2 + 0.5]]))


def test_detect_accepts_channels_last_numpy_and_returns_k_points():
    net = LandmarkNet(width=4)
    images = make_faces(3, seed=0)[0]
    out = detect_landmarks(net, images)
    assert out.shape == (3, len(LANDMARK_NAMES), 2)
    np.testing.assert_allclose(detect_landmarks(net, images.transpose(0, 3, 1, 2)), out, atol=1e-5)


@pytest.mark.slow
def test_a_short_training_cuts_the_untrained_error_and_round_trips(tmp_path):
    cfg = LandmarkConfig(width=8, num_train=200, num_test=50, steps=60, batch_size=16, learning_rate=5e-3)
    test_x, test_y, _ = make_faces(50, seed=cfg.seed + 1, chw=True)
    torch.manual_seed(cfg.seed)
    untrained = landmark_error(detect_landmarks(LandmarkNet(width=8), test_x), test_y).mean()
    model, report = train_landmark_regressor(cfg)
    assert report["test_error_px"] < 0.5 * untrained  # ~15 px -> ~4 px after 60 steps
    path = save_regressor(tmp_path / "lm", model, cfg, report)
    again, meta = load_regressor(path)
    np.testing.assert_allclose(detect_landmarks(again, test_x[:4]), detect_landmarks(model, test_x[:4]), atol=1e-5)
    assert meta["report"]["test_error_px"] == pytest.approx(report["test_error_px"])


def test_shipped_regressor_is_accurate_on_fresh_faces():
    if not shipped_regressor().exists():
        pytest.fail("src/ganbook/assets/landmarks64 is missing (it is committed): restore it, or rebuild with "
                    "python -m ganbook.drag.landmarks --out src/ganbook/assets/landmarks64")
    model, meta = load_regressor()
    images, truth, _ = make_faces(64, seed=777)
    err = landmark_error(detect_landmarks(model, images), truth)
    assert err.mean() < 1.5 and err.max() < 2.5
