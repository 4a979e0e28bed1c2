"""Procedural faces: deterministic, antialiased, fast, and with landmarks where the features are drawn."""
import time

import numpy as np
import pytest

from ganbook.drag.data import FIVE_POINTS, LANDMARK_NAMES, make_faces, render_face, sample_face_params


def test_same_seed_gives_identical_faces_and_other_seeds_differ():
    a, la, pa = make_faces(6, seed=3)
    b, lb, pb = make_faces(6, seed=3)
    c, _, _ = make_faces(6, seed=4)
    assert np.array_equal(a, b) and np.array_equal(la, lb) and pa == pb
    assert not np.array_equal(a, c)
    # face i depends only on (seed, i): a shorter run reproduces the prefix
    assert np.array_equal(make_faces(2, seed=3)[0], a[:2])


def test_shapes_ranges_and_channel_first_option():
    img, lm, params = make_faces(3, seed=0, size=96)
    assert img.shape == (3, 96, 96, 3) and img.dtype == np.float32 and 0 <= img.min() and img.max() <= 1
    assert lm.shape == (3, len(LANDMARK_NAMES), 2) and len(params) == 3 and len(LANDMARK_NAMES) >= 5
    assert make_faces(2, seed=0, chw=True)[0].shape == (2, 3, 64, 64)


def test_landmarks_are_inside_the_image_and_in_anatomical_order():
    _, lm, _ = make_faces(200, seed=1)
    assert lm.min() >= 0 and lm.max() <= 63
    eye_l, eye_r, nose, mouth_l, mouth_r, chin = (lm[:, i] for i in range(6))
    assert (eye_l[:, 0] < eye_r[:, 0]).all() and (mouth_l[:, 0] < mouth_r[:, 0]).all()
    eyes_y = (eye_l[:, 1] + eye_r[:, 1]) / 2
    mouth_y = (mouth_l[:, 1] + mouth_r[:, 1]) / 2
    assert (eyes_y < nose[:, 1]).mean() > 0.95 and (nose[:, 1] < mouth_y).mean() > 0.95
    assert (mouth_y < chin[:, 1]).all()
    assert FIVE_POINTS == (0, 1, 2, 3, 4)


def test_eye_landmark_pixels_show_the_eye_not_the_skin():
    rng = np.random.default_rng(0)
    for _ in range(10):
        p = sample_face_params(rng)
        img, lm = render_face(p, size=128)
        skin = np.asarray(p.skin)
        for k in (0, 1):
            x, y = np.round(lm[k]).astype(int)
            assert np.abs(img[y, x] - skin).max() > 0.1


def test_antialiasing_is_the_box_filtered_high_resolution_rendering():
    p = sample_face_params(np.random.default_rng(5))
    small, _ = render_face(p, size=64, supersample=4)
    big, _ = render_face(p, size=256, supersample=1)
    boxed = big.reshape(64, 4, 64, 4, 3).mean(axis=(1, 3))
    assert np.abs(boxed - small).max() < 0.01  # same samples (only the background ramp differs slightly)
    aliased, _ = render_face(p, size=64, supersample=1)
    assert np.abs(aliased - small).max() > 0.2  # without supersampling, edges are hard


def test_landmarks_scale_with_image_size():
    p = sample_face_params(np.random.default_rng(2))
    _, lm64 = render_face(p, size=64)
    _, lm128 = render_face(p, size=128)
    np.testing.assert_allclose((lm128 + 0.5) / 128, (lm64 + 0.5) / 64, atol=1e-5)


def test_rendering_is_fast_enough_for_on_the_fly_datasets():
    t0 = time.perf_counter()
    make_faces(100, seed=0)
    assert time.perf_counter() - t0 < 5.0  # ~4 ms per face on one core


def test_bad_size_is_rejected():
    with pytest.raises(ValueError, match="size"):
        make_faces(1, size=8)


def test_rendering_in_chunks_with_an_offset_gives_the_same_sequence():
    whole = make_faces(5, seed=9)[0]
    parts = np.concatenate([make_faces(2, seed=9)[0], make_faces(3, seed=9, offset=2)[0]])
    assert np.array_equal(whole, parts)
