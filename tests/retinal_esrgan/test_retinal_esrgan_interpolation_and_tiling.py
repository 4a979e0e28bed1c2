"""Network interpolation endpoints and tiled inference through notebook 02's code path."""
import numpy as np
import pytest
import torch

from ganbook import retinal_esrgan
from ganbook.models import RRDBNet


def _pair():
    torch.manual_seed(0)
    a, b = (RRDBNet(num_features=8, num_blocks=1, growth=4).eval() for _ in range(2))
    for m in (a, b):
        torch.nn.init.normal_(m.conv_last.weight, std=0.2)
    return a, b


def test_alpha_zero_and_one_reproduce_the_two_models_exactly(smoke_cfg):
    a, b = _pair()
    lr = np.random.default_rng(0).random((3, 10, 12)).astype(np.float32)
    for alpha, ref in ((0.0, a), (1.0, b)):
        assert np.array_equal(retinal_esrgan.super_resolve(retinal_esrgan.interpolated(a, b, alpha), lr, smoke_cfg),
                              retinal_esrgan.super_resolve(ref, lr, smoke_cfg))
    mid = retinal_esrgan.interpolated(a, b, 0.5)
    w = mid.conv_first.weight
    assert torch.allclose(w, 0.5 * (a.conv_first.weight + b.conv_first.weight))
    assert not torch.equal(w, a.conv_first.weight)
    assert retinal_esrgan.alpha_name(0.2) == "ESRGAN(alpha=0.2)"
    with pytest.raises(ValueError, match="alpha"):
        retinal_esrgan.interpolated(a, b, 1.5)


def test_tiled_inference_matches_one_shot_within_the_stated_tolerance(smoke_cfg):
    a, _ = _pair()
    lr = np.random.default_rng(1).random((3, 48, 40)).astype(np.float32)
    one = retinal_esrgan.super_resolve(a, lr, smoke_cfg)
    tiled = retinal_esrgan.super_resolve(a, lr, smoke_cfg, tile=20, overlap=8, tiles_per_call=2)
    assert one.shape == tiled.shape == (3, 192, 160)
    # the model is not just bicubic
    assert np.abs(one - retinal_esrgan.bicubic(lr, 4)).max() > 10 * retinal_esrgan.TILED_TOLERANCE
    assert np.abs(tiled - one).max() <= retinal_esrgan.TILED_TOLERANCE


def test_grey_input_is_replicated_and_the_output_is_grey(smoke_cfg):
    a, _ = _pair()
    lr = np.random.default_rng(2).random((9, 9)).astype(np.float32)
    out = retinal_esrgan.super_resolve(a, lr, smoke_cfg)
    assert out.shape == (36, 36) and 0.0 <= out.min() and out.max() <= 1.0


@pytest.mark.slow
def test_tiled_inference_memory_stays_far_below_one_shot():
    # Measured in a fresh process: inside a long pytest run the allocator reuses freed memory and hides peaks.
    import subprocess
    import sys

    script = """
import numpy as np, torch
from ganbook.models import RRDBNet
from ganbook import retinal_esrgan
from ganbook.sr.common import peak_rss_increase
torch.manual_seed(0)
model = RRDBNet(num_features=16, num_blocks=1, growth=8).eval()
lr = np.random.default_rng(3).random((3, 160, 160)).astype(np.float32)
cfg = retinal_esrgan.PROFILES['smoke']
_, tiled = peak_rss_increase(lambda: retinal_esrgan.super_resolve(model, lr, cfg, tile=32, overlap=8, tiles_per_call=1))
_, one_shot = peak_rss_increase(lambda: retinal_esrgan.super_resolve(model, lr, cfg))
print(tiled, one_shot)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    tiled, one_shot = map(float, out.stdout.split()[-2:])
    # MiB: one 640² activation of 16 channels is 26 MiB and the one-shot path keeps several alive (91–120 MiB
    # measured across hosts; allocators differ), so 50 still proves full-size activations were materialised.
    assert one_shot > 50
    assert tiled < 0.5 * one_shot


def test_tiles_default_to_the_configs_overlap(smoke_cfg):
    import dataclasses

    a, _ = _pair()
    lr = np.random.default_rng(4).random((3, 40, 40)).astype(np.float32)
    wide = dataclasses.replace(smoke_cfg, overlap=12)
    assert np.array_equal(retinal_esrgan.super_resolve(a, lr, wide, tile=28),
                          retinal_esrgan.super_resolve(a, lr, smoke_cfg, tile=28, overlap=12))
    assert not np.array_equal(retinal_esrgan.super_resolve(a, lr, wide, tile=28),
                              retinal_esrgan.super_resolve(a, lr, smoke_cfg, tile=28))
