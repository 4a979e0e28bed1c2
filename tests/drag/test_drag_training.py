"""Faces-GAN recipe through the project's training loop, the export, and the shipped checkpoint."""
import json

import pytest
import torch

from ganbook.checkpoint import load_checkpoint
from ganbook.drag.training import (FacesGANConfig, TrainedFacesGAN, build_trainer, load_generator, save_generator,
                                   shipped_checkpoint, train)


@pytest.fixture
def tiny_cfg(tiny_stylegan2):
    """``make(**overrides)``: a FacesGANConfig of a 32-px StyleGAN2 on a pool of 16 faces, batch 4."""
    def make(**kw):
        return FacesGANConfig(model=tiny_stylegan2(32), batch_size=4, pool_size=16, **kw)
    return make


def test_trainer_steps_update_g_d_and_the_ema_with_lazy_r1(tiny_cfg):
    tr = build_trainer(tiny_cfg(r1_every=2), steps=4, log_every=1)
    g0 = [p.clone() for p in tr.G.parameters()]
    d0 = [p.clone() for p in tr.D.parameters()]
    hist = tr.fit()
    assert all(v is not None for v in hist["loss_d"]) and all(v is not None for v in hist["loss_g"])
    assert [v is not None for v in hist["r1"]] == [True, False, True, False]  # steps 0 and 2 (lazy, every 2)
    assert any(not torch.equal(a, b) for a, b in zip(g0, tr.G.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, tr.D.parameters()))
    ema, g = dict(tr.G_ema.named_parameters()), dict(tr.G.named_parameters())
    assert not all(torch.equal(ema[k], g[k]) for k in g)  # an average, not a copy
    assert not any(p.requires_grad for p in tr.G_ema.parameters())
    assert torch.equal(tr.G_ema.mapping_network.w_avg, tr.G.mapping_network.w_avg)


def test_adam_betas_are_floats_and_lazy_regularisation_corrects_d(tiny_cfg):
    tr = build_trainer(tiny_cfg(), steps=0)
    assert tr.opt_g.param_groups[0]["betas"] == (0.0, 0.99)
    c = 16 / 17
    assert tr.opt_d.param_groups[0]["lr"] == pytest.approx(2e-3 * c)
    assert tr.opt_d.param_groups[0]["betas"][1] == pytest.approx(0.99 ** c)


def test_chunked_training_exports_each_chunk_and_resumes(tmp_path, tiny_cfg):
    exported = []

    def export(t):
        exported.append(save_generator(tmp_path / "g", t.G_ema, {"step": t.step}))

    tr = train(tiny_cfg(), steps=4, work_dir=tmp_path / "w", chunk=2, on_chunk=export)
    assert isinstance(tr, TrainedFacesGAN) and tr.G_ema is tr.trainer.G_ema and tr.G is tr.trainer.G
    assert tr.steps == 4 and len(exported) == 2
    G = load_generator(tmp_path / "g")
    assert G.meta["step"] == 4 and G(z=torch.randn(1, 16)).shape == (1, 3, 32, 32)
    more = train(tiny_cfg(), steps=6, work_dir=tmp_path / "w", chunk=2, resume=True)
    assert more.steps == 6 and more.history["step"] == [2, 4, 6]  # the resumed run continues the history


def test_config_round_trips_through_json(tiny_cfg):
    cfg = tiny_cfg()
    assert FacesGANConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_shipped_checkpoint_loads_verifies_and_draws_faces():
    path = shipped_checkpoint()
    if not path.exists():
        pytest.fail("src/ganbook/assets/faces64 is missing (it is committed): restore it, or retrain with "
                    "scripts/train_faces_gan.py --steps 4200 --threads 1")
    tensors, meta = load_checkpoint(path)  # verifies the sha256 recorded in the JSON
    assert meta["kind"] == "stylegan2-generator" and "scripts/train_faces_gan.py" in meta["command"]
    assert sum(t.numel() for t in tensors.values()) * 4 < 8e6  # a few MB
    G = load_generator()
    assert G.resolution == 64
    with torch.no_grad():
        img = G(z=torch.randn(4, G.cfg.z_dim, generator=torch.Generator().manual_seed(0)), truncation_psi=0.7,
                noise_mode="const")
    assert img.shape == (4, 3, 64, 64) and img.std() > 0.1 and (img[0] - img[1]).abs().mean() > 0.02


def test_ema_follows_stylegan2_ada_half_life_with_ramp_up(tiny_cfg):
    cfg = tiny_cfg(ema_kimg=0.1, ema_rampup=0.05)  # half-life 100 images; ramp: 5 % of the images seen
    tr = build_trainer(cfg, steps=0)
    for step in (1, 10, 100, 1000):
        nimg = min(cfg.ema_kimg * 1000, step * cfg.batch_size * cfg.ema_rampup)
        assert tr.ema_decay(step) == pytest.approx(0.5 ** (cfg.batch_size / nimg), rel=1e-12)
    assert tr.ema_decay(1000) == pytest.approx(0.5 ** (4 / 100))
    g = tr.G.state_dict()
    assert all(torch.equal(v, g[k]) for k, v in tr.G_ema.state_dict().items())  # starts as a copy of G
