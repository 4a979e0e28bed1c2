"""Notebook 01's own checkpoint through ``python -m ganbook upscale``: train → save_models → CLI on a held-out CT.

The issue's acceptance: ``upscale`` on a held-out real CT DICOM with notebook 01's RWMAN(P) checkpoint
writes a DICOM that pydicom reads back at 4× the matrix and ¼ the pixel spacing. ``tests/upscale`` checks
the command with a hand-built card; here the checkpoint comes from the notebook's code path
(``medsrgan.training_data`` → ``medsrgan.train`` → ``medsrgan.evaluate`` → ``medsrgan.save_models``) at the
smoke profile.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from ganbook import medsrgan
from ganbook.data import load
from ganbook.data.dicom import read_dicom
from ganbook.data.embedded import CT_SPLIT, pydicom_file
from ganbook.sr.export import load_sr_model


@pytest.mark.slow
def test_notebook_rwman_p_checkpoint_upscales_a_held_out_ct_dicom_via_the_cli(tmp_path):
    import pydicom

    # --- notebook 01, §2 and §9, at the smoke profile (the notebook's own calls, in its order)
    cfg = medsrgan.PROFILES["smoke"]
    ct = medsrgan.training_data("ct", cfg, seed=0)
    with torch.random.fork_rng():
        trained = medsrgan.train(ct, cfg, seed=0, device="cpu", features=medsrgan.content_features(None).model)
    scores = medsrgan.evaluate(trained, ct, cfg, device="cpu")
    saved = medsrgan.save_models(tmp_path / "checkpoints" / "01_medsrgan" / "smoke", trained, ct, scores,
                                 profile="smoke")
    ckpt = saved[0]
    assert ckpt.name == "ct_rwman_p.json"  # the name the notebook's `upscale` example uses

    # the card says what the acceptance needs, and the file holds the RWMAN(P) snapshot, not MedSRGAN
    model, card = load_sr_model(ckpt)
    assert (card.method, card.modality, card.scale, card.spatial_dims) == ("RWMAN(P)", "ct", 4, 2)
    assert card.intensity == {"kind": "window", "low": medsrgan.HU_WINDOW[0], "high": medsrgan.HU_WINDOW[1]}
    assert card.notebook == "01_medsrgan" and card.degradation == "average_pool"
    assert card.metrics["psnr"] == pytest.approx(scores["RWMAN(P)"]["psnr"], abs=1e-4)
    saved_state, psnr_state = model.state_dict(), trained.psnr_model.state_dict()
    assert all(torch.equal(saved_state[k], psnr_state[k]) for k in psnr_state)
    assert not torch.equal(saved_state["tail.weight"], trained.gan_model.state_dict()["tail.weight"])

    # --- the held-out slice: the first CT test-split file the notebook evaluates on (another patient)
    test_split = load("ct_slices", "test")
    assert list(ct.test_ids) == list(test_split.ids)
    name = ct.test_ids[0]
    assert name not in {f for f, _ in CT_SPLIT["train"]}
    src_path = pydicom_file(name)

    out = tmp_path / "sr.dcm"
    proc = subprocess.run([sys.executable, "-m", "ganbook", "upscale", "--checkpoint", str(ckpt), str(src_path),
                           str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "RWMAN(P) x4" in proc.stdout and "not for diagnosis" in proc.stdout

    # --- geometry and identity of the written DICOM
    src, sr = pydicom.dcmread(src_path), pydicom.dcmread(out)
    assert (sr.Rows, sr.Columns) == (4 * src.Rows, 4 * src.Columns)
    np.testing.assert_allclose([float(v) for v in sr.PixelSpacing], [float(v) / 4 for v in src.PixelSpacing],
                               rtol=1e-5)
    assert sr.SeriesInstanceUID != src.SeriesInstanceUID and sr.SOPInstanceUID != src.SOPInstanceUID
    assert sr.StudyInstanceUID == src.StudyInstanceUID and sr.Modality == "CT"

    # --- values: the CLI's HU equal the in-process prediction on the same window-normalised slice
    hu_src = read_dicom(src_path).array
    x = np.clip((hu_src - medsrgan.HU_WINDOW[0]) / (medsrgan.HU_WINDOW[1] - medsrgan.HU_WINDOW[0]), 0, 1).astype(np.float32)
    np.testing.assert_allclose(x, ct.test[0], atol=1e-6)  # the very input the notebook's evaluation used
    expected = medsrgan.to_hu(medsrgan.super_resolve(trained.psnr_model, x, cfg))
    hu_sr = sr.pixel_array * float(sr.RescaleSlope) + float(sr.RescaleIntercept)
    assert hu_sr.shape == expected.shape
    err = np.abs(hu_sr - expected)
    # int16 storage rounds to 1 HU (error <= 0.5); tiling (128 LR px, overlap 16) is exact for this network
    assert np.median(err) < 1.0 and err.max() < 1.5, (np.median(err), err.max())
    # ... and the trained weights matter: where RWMAN(P) departs from its bicubic base by > 2 HU, the file
    # follows the model (an untrained residual RWMAN would be exactly bicubic)
    bicubic = medsrgan.to_hu(np.clip(torch.nn.functional.interpolate(torch.from_numpy(x)[None, None], scale_factor=4,
                                                              mode="bicubic", align_corners=False)[0, 0].numpy(), 0, 1))
    moved = np.abs(expected - bicubic) > 2.0
    assert moved.mean() > 0.01
    assert np.all(err[moved] < np.abs(hu_sr - bicubic)[moved])
