"""Notebook 02's two training stages run through the project's Trainer and save loadable model cards."""
import dataclasses
import math

import numpy as np
import pytest
import torch

from ganbook import retinal_esrgan as R
from ganbook.data import DataError
from ganbook.models.vgg import IdentityFeatures
from ganbook.sr.export import load_sr_model

TINY = dataclasses.replace(R.PROFILES["smoke"], pretrain_steps=3, gan_steps=2, lr_patch=8, batch_size=2,
                           phantoms=0, amp=True)


def _phantom_pool():
    from ganbook.data.fundus_phantom import fundus_phantom

    p = fundus_phantom(64, 0)
    return [R.FundusImage("phantom", p.image, p.fov_mask)]


def _finite(history):
    return all(math.isfinite(v) for k, vals in history.items() if k not in ("step", "phase") for v in vals
               if v is not None)


def test_stage1_then_stage2_train_and_stage2_leaves_the_psnr_model_untouched():
    sample = R.make_sampler(_phantom_pool(), TINY)
    g_psnr, h1 = R.train_psnr(sample, TINY, seed=0)
    before = {k: v.clone() for k, v in g_psnr.state_dict().items()}
    g_gan, d, h2 = R.train_gan(g_psnr, sample, TINY, IdentityFeatures(), seed=0)
    assert _finite(h1) and _finite(h2)
    assert h1["phase"][-1] == "pretrain" and {"loss_d", "adv", "percep", "l1"} <= set(h2)
    assert all(torch.equal(before[k], v) for k, v in g_psnr.state_dict().items())
    assert any(not torch.equal(before[k], v) for k, v in g_gan.state_dict().items())
    assert d.config.patch_size == TINY.lr_patch * TINY.scale
    assert not g_psnr.training and not g_gan.training


def test_l1_stage_lowers_the_loss_on_phantom_patches():
    cfg = dataclasses.replace(TINY, pretrain_steps=40, lr_psnr=1e-3, batch_size=4)
    _, hist = R.train_psnr(R.make_sampler(_phantom_pool(), cfg), cfg, seed=0)
    losses = [v for v in hist["pretrain"] if v is not None]
    assert np.mean(losses[-2:]) < losses[0]


def test_saved_checkpoint_reloads_with_a_fundus_model_card_and_identical_output(tmp_path):
    torch.manual_seed(0)
    model = R.build_generator(TINY).eval()
    torch.nn.init.normal_(model.conv_last.weight, std=0.05)  # not the zero-initialised bicubic identity
    path = R.save_model(tmp_path, model, "ESRGAN(alpha=0.2)", data="test", metrics={"psnr": 30.0}, profile="smoke")
    assert path.name == "esrgan_alpha02.json"
    loaded, card = load_sr_model(path)
    assert (card.modality, card.degradation, card.spatial_dims, card.scale) == ("fundus", "bicubic", 2, 4)
    assert card.intensity == {"kind": "range", "low": 0, "high": 1}
    assert card.method == "ESRGAN(alpha=0.2)" and card.model == "rrdbnet" and card.metrics == {"psnr": 30.0}
    x = torch.rand(1, 3, 12, 12)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))


def test_profiles_match_the_issue_and_paper_sizes():
    demo, paper = R.PROFILES["demo"], R.PROFILES["paper"]
    assert (paper.num_features, paper.num_blocks, paper.growth) == (64, 23, 32)
    assert (paper.lr_patch * paper.scale, paper.batch_size) == (128, 16)
    assert (paper.lr_psnr, paper.lr_gan, paper.ema, paper.schedule) == (2e-4, 1e-4, 0.999, "paper")
    assert set(paper.train_sets.split(",")) == {"drive", "stare", "chase_db1"}
    assert demo.scale == 4 and demo.amp and "retina" in demo.train_sets
    assert demo.residual_interp and not paper.residual_interp  # paper: ESRGAN's generator, no bicubic skip
    assert not R.build_generator(paper).config.residual_interp and R.build_generator(demo).config.residual_interp


def test_paper_profile_without_drive_says_how_to_import_it():
    with pytest.raises(DataError, match="data import drive"):
        R.training_images(R.PROFILES["paper"])


def test_training_pool_is_the_upper_band_plus_phantoms_and_tests_never_overlap_it():
    cfg = dataclasses.replace(R.PROFILES["smoke"], phantoms=2, phantom_size=64)
    pool, held = R.training_images(cfg, seed=3), R.test_images(cfg)
    assert [p.name.split(":")[0] for p in pool] == ["retina", "fundus_phantom", "fundus_phantom"]
    assert "rows 0:336" in pool[0].name and "rows 368:704" in held[0].name
    assert held[-1].name.startswith("microaneurysms") and held[-1].image.ndim == 2
    assert all(p.image.min() >= 0 and p.image.max() <= 1 for p in pool + held)
