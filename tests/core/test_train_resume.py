"""The training loop: exact resume, history, checkpoints that are never half-written."""
import json

import pytest
import torch
from torch import nn

from ganbook.checkpoint import CheckpointError, latest_checkpoint, load_checkpoint, save_checkpoint
from ganbook.losses.gan import discriminator_loss, generator_loss
from ganbook.train import TrainConfig, Trainer


def make_trainer(ckpt_dir, steps=12, pretrain=4, every=4, callbacks=None):
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 2))
    D = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.99))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.99))
    sched_g = torch.optim.lr_scheduler.StepLR(opt_g, step_size=5, gamma=0.5)

    def sample(gen):
        return {"real": torch.randn(32, 2, generator=gen) * 0.1 + 1.0, "z": torch.randn(32, 2, generator=gen)}

    def d_loss(b):
        with torch.no_grad():
            fake = G(b["z"])
        return discriminator_loss("nonsaturating", D(b["real"]), D(fake))

    def g_loss(b):
        return generator_loss("nonsaturating", D(G(b["z"]))), {"fake_mean": G(b["z"]).mean().item()}

    def pre_loss(b):
        return (G(b["z"]) - b["real"]).pow(2).mean()

    cfg = TrainConfig(steps=steps, pretrain_steps=pretrain, log_every=3, checkpoint_every=every,
                      checkpoint_dir=str(ckpt_dir), keep_checkpoints=3, seed=7)
    return Trainer(G, sample, cfg, opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss, d_loss=d_loss,
                   pretrain_loss=pre_loss, sched_g=sched_g, callbacks=callbacks)


class Interrupt(Exception):
    pass


def test_resumed_run_ends_with_weights_identical_to_an_uninterrupted_run(tmp_path):
    full = make_trainer(tmp_path / "full")
    full.fit()

    def crash(trainer, step, logs):
        if step == 10:  # after the checkpoint at step 8, mid-way through a log window
            raise Interrupt

    broken = make_trainer(tmp_path / "resumed", callbacks=[crash])
    with pytest.raises(Interrupt):
        broken.fit()
    assert latest_checkpoint(tmp_path / "resumed").name == "step_00000008.json"

    torch.manual_seed(123)  # a fresh process would not share the global RNG state
    resumed = make_trainer(tmp_path / "resumed")
    resumed.fit(resume=True)
    assert resumed.step == full.step == 16
    for a, b in zip(full.G.state_dict().values(), resumed.G.state_dict().values()):
        assert torch.equal(a, b)
    for a, b in zip(full.D.state_dict().values(), resumed.D.state_dict().values()):
        assert torch.equal(a, b)
    assert full.history == resumed.history


def test_history_has_pretrain_then_gan_phases_and_mean_losses(tmp_path):
    tr = make_trainer(tmp_path, steps=6, pretrain=3, every=0)
    hist = tr.fit()
    assert hist["step"] == [3, 6, 9]
    assert hist["phase"] == ["pretrain", "gan", "gan"]
    assert hist["pretrain"][0] is not None and hist["pretrain"][1] is None
    assert hist["loss_d"][0] is None and all(v is not None for v in hist["loss_d"][1:])
    assert len(hist["fake_mean"]) == 3


def test_only_the_newest_checkpoints_are_kept(tmp_path):
    tr = make_trainer(tmp_path, steps=16, pretrain=0, every=2)
    tr.config.keep_checkpoints = 2
    tr.fit()
    kept = sorted(p.name for p in tmp_path.glob("step_*.json"))
    assert kept == ["step_00000014.json", "step_00000016.json"]
    assert len(list(tmp_path.glob("step_*.safetensors"))) == 2


def test_corrupted_checkpoint_is_refused_with_the_file_named(tmp_path):
    path = save_checkpoint(tmp_path / "m.demo", {"w": torch.ones(3)}, {"card": {"scale": 4}})
    assert path.name == "m.demo.json"
    tensors, meta = load_checkpoint(path)
    assert torch.equal(tensors["w"], torch.ones(3)) and meta["card"]["scale"] == 4
    blob = (tmp_path / "m.demo.safetensors").read_bytes()
    (tmp_path / "m.demo.safetensors").write_bytes(blob[:-4] + b"\0\0\0\0")
    with pytest.raises(CheckpointError, match="m.demo.safetensors.*corrupted"):
        load_checkpoint(path)


def test_a_checkpoint_without_its_json_record_does_not_exist(tmp_path):
    save_checkpoint(tmp_path / "step_00000001", {"w": torch.ones(1)}, {})
    (tmp_path / "step_00000002.safetensors").write_bytes(b"partial")  # crash before the JSON was written
    assert latest_checkpoint(tmp_path).name == "step_00000001.json"
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "step_00000002")
    assert json.loads((tmp_path / "step_00000001.json").read_text())["format"].startswith("ganbook")


def test_non_finite_loss_stops_with_a_clear_message(tmp_path):
    tr = make_trainer(tmp_path, steps=2, pretrain=2, every=0)
    tr.pretrain_loss = lambda b: torch.tensor(float("nan"), requires_grad=True)
    with pytest.raises(FloatingPointError, match="learning rate"):
        tr.fit()


def test_config_rejects_negative_steps():
    with pytest.raises(ValueError, match="steps"):
        TrainConfig(steps=-1)


def test_ema_rampup_matches_stylegan2_ada_half_life_schedule():
    from ganbook.train import TrainConfig, Trainer

    bs, kimg, rampup = 8, 10.0, 0.05
    decay = 0.5 ** (bs / (kimg * 1000))
    tr = Trainer(torch.nn.Linear(2, 2), lambda g: None, TrainConfig(steps=1, ema=decay, ema_rampup=rampup, batch_size=bs),
                 opt_g=torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1), g_loss=lambda b: None)
    for step in (1, 10, 1000, 24_999, 25_000, 10**6):
        nimg = min(kimg * 1000, step * bs * rampup)
        assert tr.ema_decay(step) == pytest.approx(0.5 ** (bs / nimg), rel=1e-12)
    assert tr.ema_decay(10**6) == decay
    with pytest.raises(ValueError, match="ema_rampup needs ema > 0"):
        TrainConfig(steps=1, ema_rampup=0.05)
