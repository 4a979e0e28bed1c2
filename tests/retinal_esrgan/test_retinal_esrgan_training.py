"""Notebook 02's two training stages run through the project's Trainer and save loadable model cards."""
import dataclasses
import math

import numpy as np
import pytest
import torch

from ganbook import retinal_esrgan
from ganbook.data import DataError
from ganbook.models.vgg import IdentityFeatures
from ganbook.sr.export import load_sr_model

TINY = dataclasses.replace(retinal_esrgan.PROFILES["smoke"], pretrain_steps=3, gan_steps=2, lr_patch=8, batch_size=2,
                           phantoms=0, amp=True)


def _finite(history):
    return all(math.isfinite(v) for k, vals in history.items() if k not in ("step", "phase") for v in vals
               if v is not None)


def test_stage1_then_stage2_train_and_stage2_leaves_the_psnr_model_untouched(phantom_pool):
    sample = retinal_esrgan.make_sampler(phantom_pool, TINY)
    stage1 = retinal_esrgan.train_psnr(sample, TINY, seed=0)
    g_psnr, h1 = stage1.psnr_model, stage1.psnr_history
    assert stage1.gan_model is None and stage1.seconds > 0
    before = {k: v.clone() for k, v in g_psnr.state_dict().items()}
    trained = retinal_esrgan.train_gan(stage1, sample, TINY, IdentityFeatures(), seed=0)
    g_gan, d, h2 = trained.gan_model, trained.discriminator, trained.gan_history
    assert trained.psnr_model is g_psnr and trained.seconds > stage1.seconds
    assert _finite(h1) and _finite(h2)
    assert h1["phase"][-1] == "pretrain" and {"loss_d", "adv", "percep", "l1", "d_acc"} <= set(h2)
    assert all(0.0 <= a <= 1.0 for a in h2["d_acc"] if a is not None)
    # the raw generator is "ESRGAN"; the weight average started at stage 2 is kept beside it
    ema = trained.gan_ema
    assert ema is not None and any(not torch.equal(v, ema.state_dict()[k]) for k, v in g_gan.state_dict().items()
                                   if v.is_floating_point())
    assert all(torch.equal(before[k], v) for k, v in g_psnr.state_dict().items())
    assert any(not torch.equal(before[k], v) for k, v in g_gan.state_dict().items())
    assert d.config.patch_size == TINY.lr_patch * TINY.scale
    assert not g_psnr.training and not g_gan.training


def test_train_runs_both_stages_as_the_stage_functions_do(phantom_pool):
    sample = retinal_esrgan.make_sampler(phantom_pool, TINY)
    both = retinal_esrgan.train(sample, TINY, IdentityFeatures(), seed=0)
    staged = retinal_esrgan.train_gan(retinal_esrgan.train_psnr(sample, TINY, seed=0), sample, TINY,
                                      IdentityFeatures(), seed=0)
    for a, b in ((both.psnr_model, staged.psnr_model), (both.gan_model, staged.gan_model)):
        assert all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())
    assert both.gan_history["l1"] == staged.gan_history["l1"]
    models = retinal_esrgan.generators(both, (0.25, 0.5))
    assert list(models) == ["RRDB(P)", "ESRGAN", "ESRGAN (EMA)", "ESRGAN(alpha=0.25)", "ESRGAN(alpha=0.5)"]
    assert models["RRDB(P)"] is both.psnr_model and models["ESRGAN"] is both.gan_model
    assert models["ESRGAN (EMA)"] is both.gan_ema


def test_adversarial_sweep_reruns_stage_2_from_stage_1_per_weight(phantom_pool):
    cfg = dataclasses.replace(TINY, adversarial_sweep=(0.0, 0.05))
    sample = retinal_esrgan.make_sampler(phantom_pool, cfg)
    stage1 = retinal_esrgan.train_psnr(sample, cfg, seed=0)
    sweep = retinal_esrgan.adversarial_sweep(stage1, sample, cfg, IdentityFeatures(), seed=0)
    assert list(sweep) == ["GAN(lambda=0)", "GAN(lambda=0.05)"]
    a, b = (sweep[k].state_dict() for k in sweep)
    assert any(not torch.equal(v, b[k]) for k, v in a.items())  # the weight changed what G learned
    scores = {"RRDB(P)": {"psnr": 30.0, "swd": 50.0, "swd_ci_low": 45.0, "swd_ci_high": 55.0},
              "ESRGAN": {"psnr": 29.0, "swd": 40.0, "swd_ci_low": 38.0, "swd_ci_high": 42.0},
              "GAN(lambda=0)": {"psnr": 30.1, "swd": 49.0, "swd_ci_low": 44.0, "swd_ci_high": 54.0},
              "GAN(lambda=0.05)": {"psnr": 28.0, "swd": 35.0, "swd_ci_low": 33.0, "swd_ci_high": 37.0}}
    line = retinal_esrgan.sweep_summary(scores)
    assert line.index("GAN(lambda=0)") < line.index("ESRGAN") < line.index("GAN(lambda=0.05)")  # ordered by weight
    assert line.endswith("wholly below RRDB(P)'s: ESRGAN (-1.00 dB), GAN(lambda=0.05) (-2.00 dB)")
    del scores["ESRGAN"], scores["GAN(lambda=0.05)"]
    assert retinal_esrgan.sweep_summary(scores).endswith("no setting's SWD interval lies wholly below RRDB(P)'s")


def test_l1_stage_lowers_the_loss_on_phantom_patches(phantom_pool):
    cfg = dataclasses.replace(TINY, pretrain_steps=40, learning_rate=1e-3, batch_size=4)
    hist = retinal_esrgan.train_psnr(retinal_esrgan.make_sampler(phantom_pool, cfg), cfg, seed=0).psnr_history
    losses = [v for v in hist["pretrain"] if v is not None]
    assert np.mean(losses[-2:]) < losses[0]


def test_saved_checkpoint_reloads_with_a_fundus_model_card_and_identical_output(tmp_path):
    torch.manual_seed(0)
    model = retinal_esrgan.build_generator(TINY).eval()
    torch.nn.init.normal_(model.conv_last.weight, std=0.05)  # not the zero-initialised bicubic identity
    gan = retinal_esrgan.build_generator(TINY).eval()
    torch.nn.init.normal_(gan.conv_last.weight, std=0.05)
    trained = retinal_esrgan.TrainedESRGAN(model, {}, gan_model=gan)
    cfg = dataclasses.replace(TINY, alphas=(0.2,))
    model = retinal_esrgan.generators(trained, cfg.alphas)["ESRGAN(alpha=0.2)"]  # the model saved as below
    scores = {"bicubic": {"psnr": 28.0}, "RRDB(P)": {"psnr": 29.0, "ssim": 0.8}, "ESRGAN": {"psnr": 29.5, "ssim": 0.8},
              "ESRGAN(alpha=0.2)": {"psnr": 30.0, "ssim": 0.9}}
    paths = retinal_esrgan.save_models(tmp_path, trained, cfg, scores=scores, profile="smoke", data="test")
    assert [p.name for p in paths] == ["rrdb_p.json", "esrgan.json", "esrgan_alpha02.json"]
    path = paths[2]
    assert path.name == "esrgan_alpha02.json"
    loaded, card = load_sr_model(path)
    assert (card.modality, card.degradation, card.spatial_dims, card.scale) == ("fundus", "bicubic", 2, 4)
    assert card.intensity == {"kind": "range", "low": 0, "high": 1}
    assert card.method == "ESRGAN(alpha=0.2)" and card.model == "rrdbnet"
    assert card.metrics == {"psnr": 30.0, "ssim": 0.9, "bicubic_psnr": 28.0} and card.data == "test"
    x = torch.rand(1, 3, 12, 12)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))


def test_profiles_match_esrgans_sizes():
    demo, paper = retinal_esrgan.PROFILES["demo"], retinal_esrgan.PROFILES["paper"]
    assert (paper.num_features, paper.num_blocks, paper.growth) == (64, 23, 32)
    assert (paper.lr_patch * paper.scale, paper.batch_size) == (128, 16)
    assert (paper.learning_rate, paper.gan_learning_rate, paper.ema, paper.schedule) == (2e-4, 1e-4, 0.999, "paper")
    assert set(paper.train_sets.split(",")) == {"drive", "stare", "chase_db1"}
    assert demo.scale == 4 and demo.amp and "retina" in demo.train_sets
    assert demo.residual_interp and not paper.residual_interp  # paper: ESRGAN's generator, no bicubic skip
    assert not retinal_esrgan.build_generator(paper).config.residual_interp
    assert retinal_esrgan.build_generator(demo).config.residual_interp


def test_paper_profile_without_drive_says_how_to_import_it():
    with pytest.raises(DataError, match="data import drive"):
        retinal_esrgan.training_images(retinal_esrgan.PROFILES["paper"])


def test_training_pool_is_the_upper_band_plus_phantoms_and_tests_never_overlap_it():
    cfg = dataclasses.replace(retinal_esrgan.PROFILES["smoke"], phantoms=2, phantom_size=64)
    pool, held = retinal_esrgan.training_images(cfg, seed=3), retinal_esrgan.test_images(cfg)
    assert [p.name.split(":")[0] for p in pool] == ["retina", "fundus_phantom", "fundus_phantom"]
    assert "rows 0:336" in pool[0].name and "rows 368:704" in held[0].name
    assert held[-1].name.startswith("microaneurysms") and held[-1].image.ndim == 2
    assert all(p.image.min() >= 0 and p.image.max() <= 1 for p in pool + held)


def test_the_srgan_family_trains_srresnet_with_mse_then_srgan_with_its_own_losses(phantom_pool):
    sample = retinal_esrgan.make_sampler(phantom_pool, TINY)
    stage1 = retinal_esrgan.train_psnr(sample, TINY, seed=0, family="srgan")
    before = {k: v.clone() for k, v in stage1.psnr_model.state_dict().items()}
    trained = retinal_esrgan.train_gan(stage1, sample, TINY, IdentityFeatures(), seed=0)
    g = trained.gan_model
    assert trained.family == "srgan" and type(g).__name__ == "SRResNet"
    assert g.config.activation == "prelu" and g.config.outer_kernel == 9 and not g.config.head_norm
    assert {"loss_d", "adv", "content"} <= set(trained.gan_history) and "percep" not in trained.gan_history
    assert _finite(trained.psnr_history) and _finite(trained.gan_history)
    assert all(torch.equal(before[k], v) for k, v in trained.psnr_model.state_dict().items())
    assert any(not torch.equal(before[k], v) for k, v in g.state_dict().items())
    assert list(retinal_esrgan.generators(trained)) == ["SRResNet", "SRGAN"]
    with pytest.raises(ValueError, match="family must be one of"):
        retinal_esrgan.build_generator(TINY, "edsr")


def test_srgan_generator_at_paper_size_has_the_published_size():
    from ganbook.models import count_parameters

    g = retinal_esrgan.build_generator(retinal_esrgan.PROFILES["paper"], "srgan")
    assert not g.config.residual_interp and g.config.upsample == "subpixel"
    assert 1.5e6 <= count_parameters(g) <= 1.6e6  # Ledig et al.: about 1.5 M (ours: 1,548,547)


def test_srgan_loss_is_mse_plus_a_thousandth_of_the_bce_with_the_pixel_fallback():
    from ganbook.losses import SRGAN, srgan_discriminator_loss, srgan_generator_loss

    torch.manual_seed(0)
    sr, hr, logit = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8), torch.randn(2, 1)
    total, logs = srgan_generator_loss(SRGAN, IdentityFeatures(), sr, hr, logit)
    expected = torch.mean((sr - hr) ** 2) + 1e-3 * torch.nn.functional.softplus(-logit).mean()
    assert torch.allclose(total, expected) and logs["adv"] == pytest.approx(float(torch.nn.functional.softplus(-logit).mean()))
    d = srgan_discriminator_loss(torch.tensor([[20.0]]), torch.tensor([[-20.0]]))
    assert float(d) < 1e-6  # D sure and right: no loss
