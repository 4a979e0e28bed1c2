"""DragGAN on the shipped 64-px generator, judged by the landmark detector, not by its own tracker."""
import numpy as np
import pytest
import torch

from ganbook import drag

NOSE = 2


@pytest.fixture(scope="module")
def shipped():
    torch.manual_seed(0)
    G = drag.load_generator(device="cpu")
    regressor, _ = drag.load_regressor()
    return G, regressor


def _pairs_far_apart(G, regressor, count, min_px=3.0):
    """The first ``count`` seeded pairs whose noses are at least ``min_px`` apart (as the benchmark redraws)."""
    pairs = []
    for seed in range(100):
        w1, _, img1, img2 = drag.sample_pair(G, seed, truncation_psi=1.0)
        lm1, lm2 = drag.detect_landmarks(regressor, np.stack([img1, img2]))
        if np.linalg.norm(lm1[NOSE] - lm2[NOSE]) >= min_px:
            pairs.append((w1, np.clip(lm1[NOSE], 0, 63), np.clip(lm2[NOSE], 0, 63)))
            if len(pairs) == count:
                return pairs
    pytest.fail(f"fewer than {count} pairs with noses {min_px} px apart in 100 seeds")


@pytest.mark.slow
def test_dragging_noses_onto_other_faces_noses_moves_the_detected_noses_a_good_part_of_the_way(shipped):
    G, regressor = shipped
    before, after = [], []
    for w1, handle, target in _pairs_far_apart(G, regressor, 3):
        result = drag.drag(G, w1, [handle], [target], config=drag.DragConfig(max_steps=300))
        found = drag.detect_landmarks(regressor, result.image[None])[0][NOSE]
        before.append(np.linalg.norm(handle - target))
        after.append(np.linalg.norm(found - target))
    # measured here: 4.58 -> 2.91 px (0.64x); without a working edit the ratio is ~1 (the benchmark, all five
    # landmarks over 12 pairs, halves it: reports/metrics/04_draggan.json)
    assert np.mean(after) <= 0.75 * np.mean(before), f"detected noses {before} -> {after} px from their targets"


@pytest.mark.slow
def test_the_mask_keeps_the_fixed_region_closer_to_the_start_image(shipped):
    G, regressor = shipped
    w = G.mapping(torch.randn(1, G.cfg.z_dim, generator=torch.Generator().manual_seed(3)), 0.7).detach()
    start = drag.image_to_numpy(G.synthesis(w, noise_mode="const"))
    nose = drag.detect_landmarks(regressor, start[None])[0][NOSE]
    target = nose + (6.0, 0.0)
    ys, xs = np.mgrid[:64, :64]
    movable = ((xs - nose[0] - 3) ** 2 + (ys - nose[1]) ** 2 < 10 ** 2).astype(np.float32)
    cfg = drag.DragConfig(max_steps=40)
    free = drag.drag(G, w, [nose], [target], config=cfg).image
    held = drag.drag(G, w, [nose], [target], mask=movable, config=cfg).image
    fixed = movable == 0
    change_free = np.abs(free - start)[fixed].mean()
    change_held = np.abs(held - start)[fixed].mean()
    assert change_held < 0.7 * change_free, (change_free, change_held)


@pytest.mark.slow
def test_the_widget_run_to_the_end_brings_the_handle_to_the_target_and_moves_the_nose(shipped):
    G, regressor = shipped
    w = G.mapping(torch.randn(1, G.cfg.z_dim, generator=torch.Generator().manual_seed(0)), 0.7).detach()
    wd = drag.DragWidget(G, w, scale=4, runner="manual", config=drag.DragConfig(), events_path=None)
    nose = np.round(drag.detect_landmarks(regressor, wd.image[None])[0][NOSE])
    target = nose + (6.0, 0.0)
    for x, y in (nose, target):
        wd.add_point(float(x), float(y))
    wd.start()
    while wd.tick():
        pass
    tracked = np.linalg.norm(np.subtract(wd.pairs[0][0], target))
    detected = np.linalg.norm(drag.detect_landmarks(regressor, wd.image[None])[0][NOSE] - target)
    assert tracked <= 1.0 and detected <= 6.0 - 1.0, (tracked, detected)  # the nose really moved (>= 1 px)
