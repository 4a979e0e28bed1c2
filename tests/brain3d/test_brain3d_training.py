"""Both training stages run at tiny sizes; models round-trip through ganbook.sr.export."""
import dataclasses
import math

import numpy as np
import pytest
import torch

from ganbook import brain3d
from ganbook.sr.export import load_sr_model

TINY = dataclasses.replace(brain3d.PROFILES["smoke"], hr_patch=(8, 8, 8), num_features=4, num_blocks=1, d_features=2,
                           d_dense=4, batch_size=2, tile=16, overlap=2, amp=False, channels_last=False)


def _case(kind="blur_nearest", shape=(24, 20, 16)):
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(0)
    hr = (200 * gaussian_filter(rng.random(shape), 1.0)).astype(np.float32)
    lr = brain3d.degrade_volume(hr, kind, 2)
    mask = hr > np.percentile(hr, 30)
    return brain3d.Case("toy", hr, lr, mask, np.eye(4), 255.0, brain3d.intensity_window(lr))


def _weights(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.slow
def test_pixel_then_gan_stage_train_and_log_their_terms():
    out = brain3d.train(_case(), TINY, pretrain_steps=3, gan_steps=2, seed=0)
    assert out.gan is not None and not out.pixel.training and not out.gan.training
    assert {"mse", "gdl", "adv", "loss_d", "pretrain", "loss_g"} <= set(out.history)
    assert out.history["phase"] == ["pretrain"] * 3 + ["gan"] * 2
    assert all(math.isfinite(v) for k, col in out.history.items() if k not in ("step", "phase") for v in col
               if v is not None)
    assert not torch.equal(_weights(out.pixel), _weights(out.gan)), "the GAN stage must change the generator"


def test_the_pixel_snapshot_is_the_generator_at_the_end_of_the_pixel_stage():
    both = brain3d.train(_case(), TINY, pretrain_steps=3, gan_steps=2, seed=0)
    pixel_only = brain3d.train(_case(), TINY, pretrain_steps=3, gan_steps=0, seed=0)
    assert pixel_only.gan is None
    torch.testing.assert_close(_weights(both.pixel), _weights(pixel_only.pixel))


def test_pixel_training_lowers_the_patch_loss_on_the_training_volume():
    cfg = dataclasses.replace(TINY, learning_rate=3e-3)
    out = brain3d.train(_case(), cfg, pretrain_steps=40, gan_steps=0, seed=0)
    mse = out.history["mse"]
    assert np.mean(mse[-10:]) < np.mean(mse[:10])


def test_saved_models_reload_with_their_card_and_give_the_same_output(tmp_path):
    case = _case()
    out = brain3d.train(case, TINY, pretrain_steps=2, gan_steps=1, seed=0)
    paths = brain3d.save_models(tmp_path, out, TINY, degradation="blur_nearest",
                          metrics={"SRResNet3D(P)": {"psnr": 29.0}, "SRGAN3D": {"psnr": 30.0, "ssim": 0.9}},
                          train_affine=np.diag([0.9, 0.9, 1.2, 1.0]), profile="smoke")
    assert [p.name for p in paths] == ["srresnet3d_p.json", "srgan3d.json"]  # every stage, in training order
    path = paths[1]
    model, card = load_sr_model(path)
    assert (card.model, card.spatial_dims, card.modality, card.scale) == ("srresnet", 3, "mr", 2)
    assert card.degradation == "blur_nearest" and card.trained_spacing == [0.9, 0.9, 1.2]  # the training voxels
    assert card.trained_range is None  # percentile-normalised MR: raw units mean nothing
    assert card.intensity == {"kind": "percentile", "low": 0.5, "high": 99.5}
    assert card.config["sample_offset"] == 1 and card.method == "SRGAN3D"
    x = torch.rand(1, 1, 6, 5, 4)
    with torch.no_grad():
        torch.testing.assert_close(model(x), out.gan.eval()(x))


def test_train_takes_its_step_counts_from_the_config_and_names_its_models_by_stage():
    cfg = dataclasses.replace(TINY, pretrain_steps=2, gan_steps=0)
    out = brain3d.train(_case(), cfg, seed=0)
    assert isinstance(out, brain3d.TrainedBrain3D) and out.history["phase"] == ["pretrain"] * 2
    assert list(out.models) == ["SRResNet3D(P)"] and out.models["SRResNet3D(P)"] is out.pixel
    both = brain3d.train(_case(), TINY, pretrain_steps=1, gan_steps=1, seed=0)
    assert list(both.models) == list(brain3d.METHODS) and both.models["SRGAN3D"] is both.gan


def test_save_models_names_files_by_method_and_suffix_and_needs_metrics_for_every_model(tmp_path):
    out = brain3d.train(_case(), TINY, pretrain_steps=1, gan_steps=0, seed=0)
    (path,) = brain3d.save_models(tmp_path, out, TINY, degradation="kspace",
                                  metrics={"SRResNet3D(P)": {"psnr": 29.123456}, "other": {}}, suffix="_kspace")
    assert path.name == "srresnet3d_p_kspace.json"
    _, card = load_sr_model(path)
    assert card.degradation == "kspace" and card.metrics == {"psnr": 29.1235} and card.trained_spacing is None
    with pytest.raises(KeyError, match="SRResNet3D"):
        brain3d.save_models(tmp_path, out, TINY, degradation="kspace", metrics={})


def test_kspace_lr_is_the_zero_filled_volume_sampled_every_second_voxel():
    case = _case("kspace")
    from ganbook.data.degrade import kspace_truncate

    zero_filled = kspace_truncate(case.hr, 2, axes=(-3, -2, -1))
    np.testing.assert_allclose(case.lr, zero_filled[1::2, 1::2, 1::2], atol=1e-5)
    with pytest.raises(ValueError, match="blur_nearest, kspace"):
        brain3d.degrade_volume(case.hr, "bicubic", 2)


def test_bad_config_values_are_refused_with_the_field_name():
    with pytest.raises(ValueError, match="hr_patch"):
        dataclasses.replace(TINY, hr_patch=(9, 8, 8))
    with pytest.raises(ValueError, match="scale"):
        dataclasses.replace(TINY, scale=3)


def test_paper_profile_has_the_papers_patch_network_and_schedule_and_no_interpolation_base():
    p, demo = brain3d.PROFILES["paper"], brain3d.PROFILES["demo"]
    assert p.hr_patch == (128, 128, 92) and (p.num_features, p.num_blocks) == (32, 6) and p.learning_rate == 1e-4
    assert p.dataset == "ixi_t1" and p.batch_size == 2
    g = brain3d.build_generator(p)
    assert not g.config.residual_interp and g.config.sample_offset == p.scale // 2
    assert brain3d.build_generator(demo).config.residual_interp  # ours, for the CPU profiles


def test_adversarial_sweep_reruns_the_gan_stage_from_the_pixel_model_and_logs_d_accuracy():
    cfg = dataclasses.replace(TINY, gan_steps=2, adversarial_sweep=(0.0, 100.0))
    trained = brain3d.train(_case(), cfg, pretrain_steps=3, seed=0)
    assert all(0.0 <= a <= 1.0 for a in trained.history["d_acc"] if a is not None)
    sweep = brain3d.adversarial_sweep(trained, _case(), cfg, seed=0)
    assert list(sweep) == ["GAN(lambda=0)", "GAN(lambda=100)"]
    for run in sweep.values():
        assert run.history["phase"] == ["gan"] * 2 and "d_acc" in run.history
        assert not torch.equal(_weights(run.gan), _weights(trained.pixel))
    assert not torch.equal(_weights(sweep["GAN(lambda=0)"].gan), _weights(sweep["GAN(lambda=100)"].gan))
    assert brain3d.adversarial_sweep(trained, _case(), dataclasses.replace(cfg, gan_steps=0)) == {}
    fig = brain3d.training_figure(trained, sweep)
    assert [ax.get_title() for ax in fig.axes][2] == "D's accuracy (GAN stage)"
