"""Notebook 01's library: profiles, lesion insertion, the CHO observer, false-lesion counts, training, export."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from ganbook import medsrgan


def test_paper_profile_sets_the_papers_sizes_schedule_and_luna16():
    p = medsrgan.PROFILES["paper"]
    assert (p.num_groups, p.num_blocks, p.num_features) == (8, 16, 64)
    assert p.learning_rate == 1e-4 and (p.ct_halve_every, p.mr_halve_every) == (50_000, 20_000)
    assert p.ct_data == "luna16" and p.threads == 0
    assert set(medsrgan.PROFILES) == {"smoke", "demo", "paper"}
    assert not p.residual_interp and medsrgan.PROFILES["demo"].residual_interp  # paper: the paper's RWMAN, no bicubic base


def test_inserted_lesion_is_a_disc_of_exactly_the_requested_contrast():
    img = np.zeros((40, 40), np.float32)
    out = medsrgan.insert_lesions(img, [(20, 20)], radius=3.0, contrast=0.05)
    assert out[20, 20] == pytest.approx(0.05) and out[0, 0] == 0 and out[20, 26] == 0
    assert out.sum() / 0.05 == pytest.approx(np.pi * 9, rel=0.05)  # area of the anti-aliased disc
    assert img.sum() == 0  # the input is not modified


def test_cho_sees_a_visible_lesion_and_is_at_chance_without_one():
    rng = np.random.default_rng(0)
    ch = medsrgan.laguerre_gauss_channels(25, 7.5)
    noise = lambda n: rng.normal(0, 10, (n, 25, 25))  # noqa: E731
    signal = medsrgan.insert_lesions(np.zeros((25, 25)), [(12, 12)], 2.5, 15.0)
    seen = medsrgan.cho_detectability(noise(200) + signal, noise(200), ch)
    blind = medsrgan.cho_detectability(noise(200), noise(200), ch)
    assert seen["auc"] > 0.95 and seen["dprime"] > 2.5 and 0 <= seen["auc_se"] < 0.02
    assert 0.35 < blind["auc"] < 0.65 and abs(blind["dprime"]) < 0.5
    assert 0.03 < blind["auc_se"] < 0.06  # Hanley-McNeil at AUC 0.5 with 100 + 100 test patches: 0.041


def test_false_lesion_count_finds_a_planted_blob_and_nothing_in_an_identical_image():
    rng = np.random.default_rng(1)
    hr = rng.normal(40, 5, (96, 96))
    region = np.ones_like(hr, bool)
    assert medsrgan.false_lesions(hr, hr, region, 2.5, 40.0)["invented"] == 0
    sr = medsrgan.insert_lesions(hr, [(48, 48)], 2.5, 100.0)
    counts = medsrgan.false_lesions(sr, hr, region, 2.5, 40.0)
    assert counts["invented"] == 1 and counts["lost"] == 0


def test_lesion_sites_lie_in_the_eligible_region_and_keep_their_distance():
    eligible = np.zeros((100, 100), bool)
    eligible[20:80, 30:90] = True
    sites = medsrgan.lesion_sites(eligible, 6, np.random.default_rng(0), min_distance=15)
    assert len(sites) == 6 and all(eligible[r, c] for r, c in sites)
    d = [np.hypot(a[0] - b[0], a[1] - b[1]) for i, a in enumerate(sites) for b in sites[i + 1:]]
    assert min(d) >= 15


def test_one_trainer_run_gives_the_psnr_model_snapshot_and_the_gan_model(tmp_path, tiny_data, tiny_cfg,
                                                                         tiny_trained):
    data, cfg, trained = tiny_data, tiny_cfg, tiny_trained
    h = trained.history
    assert {"pretrain", "loss_d", "content", "adv", "adv_feat"} <= set(h) and h["step"][-1] == 5
    p_w, g_w = trained.psnr_model.tail.weight, trained.gan_model.tail.weight
    assert not torch.equal(p_w, g_w), "the GAN phase must continue from, not overwrite, the RWMAN(P) snapshot"
    assert p_w.abs().sum() > 0, "RWMAN(P) was trained (its zero-initialised tail moved)"
    scores = medsrgan.evaluate(trained, data, cfg)
    outputs = medsrgan.predictions(trained, data, cfg)
    assert set(scores) == {*medsrgan.METHODS, "HR"} and outputs[0]["MedSRGAN"].shape == (64, 64)
    for m in medsrgan.METHODS:  # every method: realism with its interval, and the upsampler's grid
        assert scores[m]["swd_ci_low"] <= scores[m]["swd"] <= scores[m]["swd_ci_high"]
        assert scores[m]["periodic_artifact_rms"] >= 0
    assert set(scores["HR"]) == {"swd_floor", "swd_floor_ci_low", "swd_floor_ci_high"}
    paths = medsrgan.save_models(tmp_path, trained, data, scores, profile="smoke")
    assert [p.name for p in paths] == ["ct_rwman_p.json", "ct_medsrgan.json"]
    from ganbook.sr.export import load_sr_model

    model, card = load_sr_model(paths[0])
    assert card.method == "RWMAN(P)" and card.intensity == {"kind": "window", "low": -1024.0, "high": 1024.0}
    assert card.trained_spacing == [[0.5, 0.7], [0.5, 0.7]] and card.degradation == "average_pool"
    assert torch.equal(model.tail.weight, p_w)
    gan_model, gan_card = load_sr_model(paths[1])
    assert gan_card.method == "MedSRGAN" and gan_card.profile == "smoke"
    assert gan_card.metrics["psnr"] == pytest.approx(scores["MedSRGAN"]["psnr"], abs=1e-4)
    assert torch.equal(gan_model.tail.weight, g_w)


def test_evaluate_returns_only_scores_per_method_and_reuses_given_predictions(tiny_data, tiny_cfg, tiny_trained):
    outputs = medsrgan.predictions(tiny_trained, tiny_data, tiny_cfg)
    assert len(outputs) == len(tiny_data.test)
    assert set(outputs[0]) == {"HR", "LR", *medsrgan.METHODS} and outputs[0]["LR"].shape == (16, 16)
    scores = medsrgan.evaluate(tiny_trained, tiny_data, tiny_cfg)
    assert list(scores) == [*medsrgan.METHODS, "HR"]
    assert all(isinstance(v, float) for s in scores.values() for v in s.values())
    assert {"psnr", "ssim", "grad_ratio", "hf_ratio", "consistency_rms", "periodic_artifact_rms",
            "swd"} <= set(scores["bicubic"])
    assert medsrgan.evaluate(tiny_trained, tiny_data, tiny_cfg, outputs=outputs) == scores


def test_super_resolve_is_the_model_clipped_to_unit_range_whole_or_tiled(tiny_data, tiny_cfg, tiny_trained):
    lr = tiny_data.test[0][::4, ::4].copy()
    model = tiny_trained.psnr_model
    whole = medsrgan.super_resolve(model, lr, tiny_cfg)
    with torch.no_grad():
        direct = model(torch.from_numpy(lr)[None, None])[0, 0].clamp(0, 1).numpy()
    assert whole.dtype == np.float32 and whole.shape == (64, 64)
    np.testing.assert_array_equal(whole, direct)
    tiled = medsrgan.super_resolve(model, lr, tiny_cfg, tile=9, overlap=4)
    assert tiled.shape == whole.shape and tiled.min() >= 0 and tiled.max() <= 1
    assert np.abs(tiled - whole).max() < 0.05  # blended tiles: close to, not bit-equal with, whole-slice inference
    assert np.array_equal(medsrgan.method_table(tiny_trained, tiny_cfg)["RWMAN(P)"](lr), whole)


def test_ct_training_data_keeps_the_held_out_patients_out_and_maps_hu_to_unit_range():
    cfg = dataclasses.replace(medsrgan.PROFILES["smoke"], n_phantoms=1)
    data = medsrgan.training_data("ct", cfg)
    assert data.test_ids == ["693_UNCR.dcm", "explicit_VR-UN.dcm", "CT_small.dcm"]
    assert len(data.train) == 3 + 1 and "phantom" in data.description
    for img in data.train + data.test:
        assert img.min() >= 0 and img.max() <= 1 and img.shape[0] % 4 == 0 and img.shape[1] % 4 == 0
    with pytest.raises(ValueError, match="modality"):
        medsrgan.training_data("xray", cfg)


def test_split_view_cuts_where_asked_and_the_widget_carries_the_banner():
    a, b = np.zeros((16, 16), np.float32), np.ones((16, 16), np.float32)
    fig = medsrgan.split_view(a, b, 0.25, (0.0, 1.0), hu=False)
    shown = fig.axes[0].images[0].get_array()
    assert shown[:, :4].max() == 0 and shown[:, 4:].min() == 1 and medsrgan.BANNER in fig.axes[0].get_title()
    widget = medsrgan.comparison_widget({"bicubic": a, "MedSRGAN": b}, hu=False)
    assert medsrgan.BANNER in widget.children[0].value


def test_conclusion_reports_ties_and_invented_blobs_from_the_numbers():
    s = {m: {"psnr": v} for m, v in zip(medsrgan.METHODS, (30.0, 32.0, 31.5))}
    study = medsrgan.LesionStudy((20.0,), {"HR": {20.0: {"auc": 0.99}}, "bicubic": {20.0: {"auc": 0.8}},
                                    "RWMAN(P)": {20.0: {"auc": 0.9}}, "MedSRGAN": {20.0: {"auc": 0.898}}},
                          {m: {"invented": k, "lost": 0} for m, k in (("bicubic", 2), ("RWMAN(P)", 2), ("MedSRGAN", 5))},
                          {}, 10, 40.0)
    text = medsrgan.conclusion({"ct": s}, study)
    assert "highest PSNR inside the body: RWMAN(P)" in text
    assert "RWMAN(P) and MedSRGAN preserved the inserted nodules equally well" in text
    assert "MedSRGAN made 3 more than bicubic" in text and "RWMAN(P) made" not in text


def test_detectability_rows_are_per_contrast_auc_dprime_auc_se_then_the_mean_auc():
    study = medsrgan.LesionStudy((20.0, 40.0), {m: {20.0: {"auc": a, "dprime": 1.0, "auc_se": 0.04},
                                                    40.0: {"auc": a + 0.1, "dprime": 2.0, "auc_se": 0.03}}
                                                for m, a in (("HR", 0.8), ("bicubic", 0.6))}, {}, {}, 10, 40.0)
    table = study.detectability()
    assert list(table) == ["HR", "bicubic"]
    assert list(table["HR"]) == ["auc@20HU", "dprime@20HU", "auc_se@20HU", "auc@40HU", "dprime@40HU", "auc_se@40HU",
                                 "auc_mean"]
    assert table["bicubic"]["auc_mean"] == pytest.approx(0.65) and table["HR"]["dprime@40HU"] == 2.0


def test_the_notebooks_figures_draw_one_panel_per_image_dataset_and_loss(tiny_data, tiny_cfg, tiny_trained):
    import matplotlib.pyplot as plt

    data = dataclasses.replace(tiny_data, test=tiny_data.test * 2, test_ids=["a", "b"])
    fig = medsrgan.ct_data_figure(data)
    assert [ax.get_title() for ax in fig.axes] == ["train: real slice", "train: phantom", "test: a", "test: b"]
    fig = medsrgan.training_figure({"CT": tiny_trained, "MRI": tiny_trained})
    titles = [ax.get_title() for ax in fig.axes]
    assert fig.axes[0].get_yscale() == "log" and titles[:6:3] == ["CT: pixel / content loss", "MRI: pixel / content loss"]
    assert [t for t in titles if "accuracy" in t] == ["CT: D's accuracy (GAN phase)", "MRI: D's accuracy (GAN phase)"]
    outputs = medsrgan.predictions(tiny_trained, tiny_data, tiny_cfg)
    scores = medsrgan.evaluate(tiny_trained, tiny_data, tiny_cfg, outputs=outputs)
    fig, info = medsrgan.crops_figure(outputs, tiny_data.test_masks, ["t"] * len(outputs), 32)
    assert len(fig.axes) == len(outputs) * (1 + len(medsrgan.METHODS)) and medsrgan.BANNER in fig._suptitle.get_text()
    assert [i["box"][2] for i in info] == [32] * len(outputs)
    assert fig.axes[1].get_xlabel().endswith(f"SWD {info[0]['scores']['bicubic']['swd']:.0f}")
    fig = medsrgan.perception_distortion_figure({"ct": scores, "mr": scores})
    assert [ax.get_title() for ax in fig.axes] == ["CT", "MR"]
    plt.close("all")


def test_every_held_out_ct_crop_shows_structure_in_its_reading_window():
    """The crop figure's HR panels are neither blank nor flat: each slice gets its anatomy's window (head:
    brain, abdomen: soft tissue, chest: lung) and a crop where that window shows detail."""
    from ganbook.data.dicom import WINDOWS
    from ganbook.medsrgan.config import to_hu

    data = medsrgan.training_data("ct", dataclasses.replace(medsrgan.PROFILES["smoke"], n_phantoms=0))
    windows = []
    for hr, mask in zip(data.test, data.test_masks):
        window = medsrgan.reading_window(hr, mask)
        r, c, size = medsrgan.crop_box({"HR": hr}, mask, 96)
        lo, hi = WINDOWS[window]
        shown = np.clip((to_hu(hr)[r:r + size, c:c + size] - lo) / (hi - lo), 0, 1)
        assert shown.std() > 0.15, (window, shown.std())  # a real spread of grey levels ...
        assert ((shown == 0) | (shown == 1)).mean() < 0.6  # ... not mostly clipped to black or white
        windows.append(window)
    assert windows == ["brain", "soft_tissue", "lung"]


def test_adversarial_sweep_reruns_the_gan_stage_from_rwman_p_and_is_scored_and_ordered_by_weight(tiny_data, tiny_cfg,
                                                                                                tiny_trained):
    cfg = dataclasses.replace(tiny_cfg, adversarial_sweep=(0.0, 0.1))
    sweep = medsrgan.adversarial_sweep(tiny_trained, tiny_data, cfg, seed=0, features=medsrgan.content_features(None).model)
    assert list(sweep) == ["GAN(lambda=0)", "GAN(lambda=0.1)"]
    assert sweep["GAN(lambda=0)"].weights.adversarial == sweep["GAN(lambda=0)"].weights.adversarial_feature == 0.0
    w = sweep["GAN(lambda=0.1)"].weights  # lambda2 keeps the paper's CT ratio 1e-4 / 1e-2
    assert w.adversarial == 0.1 and w.adversarial_feature == pytest.approx(1e-3)
    for run in sweep.values():
        assert run.psnr_model is tiny_trained.psnr_model and "d_acc" in run.history
        assert not torch.equal(run.gan_model.tail.weight, tiny_trained.psnr_model.tail.weight)
    scores = medsrgan.evaluate(tiny_trained, tiny_data, cfg, sweep=sweep)
    assert list(scores) == [*medsrgan.METHODS, "GAN(lambda=0)", "GAN(lambda=0.1)", "HR"]
    assert all(k in scores["GAN(lambda=0.1)"] for k in ("psnr", "swd", "swd_ci_low", "swd_ci_high"))
    assert medsrgan.sweep_curve(list(scores), "ct") == ["GAN(lambda=0)", "MedSRGAN", "GAN(lambda=0.1)"]
    assert medsrgan.sweep_curve(list(scores), "mr") == ["GAN(lambda=0)", "MedSRGAN", "GAN(lambda=0.1)"]
    assert medsrgan.sweep_curve(list(medsrgan.METHODS), "ct") == []
    with pytest.raises(ValueError, match="adversarial weight"):
        medsrgan.modality_weights("ct", -1.0)


def test_pairwise_discriminator_leaves_chance_against_an_untrained_generator(tiny_data):
    """The adversarial stage logs D's accuracy, and D learns to tell bicubic-like SR from detailed HR within a
    smoke-sized budget (a D stuck at 0.5 would make the GAN stage plain content-loss training)."""
    rng = np.random.default_rng(1)
    detailed = [np.clip(im + 0.15 * rng.standard_normal(im.shape), 0, 1).astype(np.float32) for im in tiny_data.train]
    data = dataclasses.replace(tiny_data, train=detailed)
    cfg = dataclasses.replace(medsrgan.PROFILES["smoke"], lr_patch=8, batch_size=8, d_features=8, ct_gan_steps=100,
                              gan_learning_rate=3e-4, amp=False)
    from ganbook.models import RWMAN

    untrained = RWMAN(num_features=8, num_groups=1, num_blocks=1, scale=4, residual_interp=True).eval()
    with torch.random.fork_rng():
        _, _, history, _ = medsrgan.adversarial_stage(untrained, data, cfg, medsrgan.modality_weights("ct", 0.0),
                                                      seed=0, features=medsrgan.content_features(None).model)
    acc = [a for a in history["d_acc"] if a is not None]
    assert len(acc) >= 10 and all(0.0 <= a <= 1.0 for a in acc)
    assert acc[0] == pytest.approx(0.5, abs=0.1)  # starts at chance ...
    assert np.mean(acc[-5:]) > 0.75  # ... and learns to tell detailed HR from the smooth output
