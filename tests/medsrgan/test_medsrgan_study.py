"""Notebook 01's library: profiles, lesion insertion, the CHO observer, false-lesion counts, training, export."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from ganbook import medsrgan as M


def test_paper_profile_sets_the_papers_sizes_schedule_and_luna16():
    p = M.PROFILES["paper"]
    assert (p.num_groups, p.num_blocks, p.num_features) == (8, 16, 64)
    assert p.lr == 1e-4 and (p.ct_halve_every, p.mr_halve_every) == (50_000, 20_000)
    assert p.ct_data == "luna16" and p.threads == 0
    assert set(M.PROFILES) == {"smoke", "demo", "paper"}
    assert not p.residual_interp and M.PROFILES["demo"].residual_interp  # paper: the paper's RWMAN, no bicubic base


def test_inserted_lesion_is_a_disc_of_exactly_the_requested_contrast():
    img = np.zeros((40, 40), np.float32)
    out = M.insert_lesions(img, [(20, 20)], radius=3.0, contrast=0.05)
    assert out[20, 20] == pytest.approx(0.05) and out[0, 0] == 0 and out[20, 26] == 0
    assert out.sum() / 0.05 == pytest.approx(np.pi * 9, rel=0.05)  # area of the anti-aliased disc
    assert img.sum() == 0  # the input is not modified


def test_cho_sees_a_visible_lesion_and_is_at_chance_without_one():
    rng = np.random.default_rng(0)
    ch = M.laguerre_gauss_channels(25, 7.5)
    noise = lambda n: rng.normal(0, 10, (n, 25, 25))  # noqa: E731
    signal = M.insert_lesions(np.zeros((25, 25)), [(12, 12)], 2.5, 15.0)
    seen = M.cho_detectability(noise(200) + signal, noise(200), ch)
    blind = M.cho_detectability(noise(200), noise(200), ch)
    assert seen["auc"] > 0.95 and seen["dprime"] > 2.5 and 0 <= seen["auc_se"] < 0.02
    assert 0.35 < blind["auc"] < 0.65 and abs(blind["dprime"]) < 0.5
    assert 0.03 < blind["auc_se"] < 0.06  # Hanley-McNeil at AUC 0.5 with 100 + 100 test patches: 0.041


def test_false_lesion_count_finds_a_planted_blob_and_nothing_in_an_identical_image():
    rng = np.random.default_rng(1)
    hr = rng.normal(40, 5, (96, 96))
    region = np.ones_like(hr, bool)
    assert M.false_lesions(hr, hr, region, 2.5, 40.0)["invented"] == 0
    sr = M.insert_lesions(hr, [(48, 48)], 2.5, 100.0)
    counts = M.false_lesions(sr, hr, region, 2.5, 40.0)
    assert counts["invented"] == 1 and counts["lost"] == 0


def test_lesion_sites_lie_in_the_eligible_region_and_keep_their_distance():
    eligible = np.zeros((100, 100), bool)
    eligible[20:80, 30:90] = True
    sites = M.lesion_sites(eligible, 6, np.random.default_rng(0), min_distance=15)
    assert len(sites) == 6 and all(eligible[r, c] for r, c in sites)
    d = [np.hypot(a[0] - b[0], a[1] - b[1]) for i, a in enumerate(sites) for b in sites[i + 1:]]
    assert min(d) >= 15


def _tiny_data():
    rng = np.random.default_rng(0)
    from scipy import ndimage

    imgs = [np.clip(ndimage.gaussian_filter(rng.random((64, 64)), 2) * 2 - 0.5, 0, 1).astype(np.float32)
            for _ in range(3)]
    masks = [np.ones((64, 64), bool)] * 3
    return M.TrainingData("ct", imgs[:2], masks[:2], imgs[2:], masks[2:], ["t"], [(0.5, 0.5)], M.HU_WINDOW, {},
                          "synthetic", [(0.5, 0.5), (0.7, 0.7)], (-1024.0, 1024.0))


def test_one_trainer_run_gives_the_psnr_model_snapshot_and_the_gan_model(tmp_path):
    cfg = dataclasses.replace(M.PROFILES["smoke"], lr_patch=8, ct_psnr_steps=3, ct_gan_steps=2, amp=False)
    data = _tiny_data()
    with torch.random.fork_rng():
        run = M.train_medsrgan(data, cfg, seed=0, features=M.content_features(None).model)
    h = run.history
    assert {"pretrain", "loss_d", "content", "adv", "adv_feat"} <= set(h) and h["step"][-1] == 5
    p_w, g_w = run.psnr_model.tail.weight, run.gan_model.tail.weight
    assert not torch.equal(p_w, g_w), "the GAN phase must continue from, not overwrite, the RWMAN(P) snapshot"
    assert p_w.abs().sum() > 0, "RWMAN(P) was trained (its zero-initialised tail moved)"
    scores, outputs = M.evaluate(run, data)
    assert set(scores) == set(M.METHODS) and outputs[0]["MedSRGAN"].shape == (64, 64)
    paths = M.save_models(run, data, scores, tmp_path, "smoke")
    from ganbook.sr.export import load_sr_model

    model, card = load_sr_model(paths["RWMAN(P)"])
    assert card.method == "RWMAN(P)" and card.intensity == {"kind": "window", "low": -1024.0, "high": 1024.0}
    assert card.trained_spacing == [[0.5, 0.7], [0.5, 0.7]] and card.degradation == "average_pool"
    assert torch.equal(model.tail.weight, p_w)


def test_ct_training_data_keeps_the_held_out_patients_out_and_maps_hu_to_unit_range():
    cfg = dataclasses.replace(M.PROFILES["smoke"], n_phantoms=1)
    data = M.training_data("ct", cfg)
    assert data.test_ids == ["693_UNCR.dcm", "explicit_VR-UN.dcm"]
    assert len(data.train) == 4 + 1 and "phantom" in data.description
    for img in data.train + data.test:
        assert img.min() >= 0 and img.max() <= 1 and img.shape[0] % 4 == 0 and img.shape[1] % 4 == 0
    with pytest.raises(ValueError, match="modality"):
        M.training_data("xray", cfg)


def test_split_view_cuts_where_asked_and_the_widget_carries_the_banner():
    a, b = np.zeros((16, 16), np.float32), np.ones((16, 16), np.float32)
    fig = M.split_view(a, b, 0.25, (0.0, 1.0), hu=False)
    shown = fig.axes[0].images[0].get_array()
    assert shown[:, :4].max() == 0 and shown[:, 4:].min() == 1 and M.BANNER in fig.axes[0].get_title()
    widget = M.comparison_widget({"bicubic": a, "MedSRGAN": b}, hu=False)
    assert M.BANNER in widget.children[0].value


def test_conclusion_reports_ties_and_invented_blobs_from_the_numbers():
    s = {m: {"psnr": v} for m, v in zip(M.METHODS, (30.0, 32.0, 31.5))}
    study = M.LesionStudy((20.0,), {"HR": {20.0: {"auc": 0.99}}, "bicubic": {20.0: {"auc": 0.8}},
                                    "RWMAN(P)": {20.0: {"auc": 0.9}}, "MedSRGAN": {20.0: {"auc": 0.898}}},
                          {m: {"invented": k, "lost": 0} for m, k in (("bicubic", 2), ("RWMAN(P)", 2), ("MedSRGAN", 5))},
                          {}, 10, 40.0)
    text = M.conclusion({"ct": s}, study)
    assert "highest PSNR inside the body: RWMAN(P)" in text
    assert "RWMAN(P) and MedSRGAN preserved the inserted nodules equally well" in text
    assert "MedSRGAN made 3 more than bicubic" in text and "RWMAN(P) made" not in text
