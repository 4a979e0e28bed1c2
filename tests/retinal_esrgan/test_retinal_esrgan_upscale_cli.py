"""A notebook-02 checkpoint works with ``python -m ganbook upscale`` on RGB fundus PNG, JPEG and TIFF files."""
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from ganbook import retinal_esrgan
from ganbook.models import RRDBNet


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif"])
def test_upscale_cli_applies_a_saved_rrdb_checkpoint_to_a_fundus_picture_tiled(tmp_path, suffix):
    torch.manual_seed(0)
    model = RRDBNet(num_features=8, num_blocks=1, growth=4).eval()
    torch.nn.init.normal_(model.conv_last.weight, std=0.02)  # a model that differs from bicubic
    cfg = retinal_esrgan.PROFILES["smoke"]
    trained = retinal_esrgan.TrainedESRGAN(model, {}, gan_model=model)
    ckpt = retinal_esrgan.save_models(tmp_path, trained, cfg, profile="smoke", data="test")[0]  # RRDB(P)
    assert ckpt.name == "rrdb_p.json"
    rgb = (np.random.default_rng(0).random((20, 24, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / f"fundus{suffix}")
    rgb = np.asarray(Image.open(tmp_path / f"fundus{suffix}").convert("RGB"))  # what the file holds (JPEG is lossy)
    proc = subprocess.run([sys.executable, "-m", "ganbook", "upscale", "--checkpoint", str(ckpt),
                           str(tmp_path / f"fundus{suffix}"), str(tmp_path / "sr.png"), "--tile", "12", "--overlap", "4"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = np.asarray(Image.open(tmp_path / "sr.png"))
    assert out.shape == (80, 96, 3)
    lr = np.moveaxis(rgb, -1, 0).astype(np.float32) / 255
    expected = retinal_esrgan.super_resolve(model, lr, cfg)  # one-shot, in-process
    assert np.abs(np.moveaxis(out, -1, 0) / 255.0 - expected).max() <= retinal_esrgan.TILED_TOLERANCE + 1 / 255
