"""The shared ``upscale`` CLI applies a 3-D checkpoint saved by notebook 03 to a NIfTI volume."""
import pytest
import dataclasses
import os
import subprocess
import sys

import numpy as np
import torch

from ganbook import brain3d
from ganbook.data.nifti import read_nifti, write_nifti

TINY = dataclasses.replace(brain3d.PROFILES["smoke"], num_features=4, num_blocks=1, amp=False, channels_last=False,
                           tile=64, overlap=0)


@pytest.mark.slow
def test_upscale_cli_super_resolves_a_nifti_with_a_notebook_03_checkpoint(tmp_path):
    torch.manual_seed(0)
    model = brain3d.build_generator(TINY).eval()
    with torch.no_grad():  # not plain trilinear: perturb the zero-initialised tail too
        for p in model.parameters():
            p.add_(0.02 * torch.randn_like(p))
    trained = brain3d.TrainedBrain3D(pixel=model, gan=None, history={}, seconds=0.0)
    (ckpt,) = brain3d.save_models(tmp_path, trained, TINY, degradation="blur_nearest",
                            metrics={"SRResNet3D(P)": {"psnr": 0.0}})
    from scipy.ndimage import gaussian_filter

    lr = (300 * gaussian_filter(np.random.default_rng(0).random((10, 12, 8)), 1.0)).astype(np.float32)
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    write_nifti(tmp_path / "in.nii", lr, affine=affine)
    proc = subprocess.run([sys.executable, "-m", "ganbook", "upscale", "--checkpoint", str(ckpt),
                           str(tmp_path / "in.nii"), str(tmp_path / "out.nii.gz")],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "GANBOOK_PROGRESS": "0"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "SRResNet3D(P) x2" in proc.stdout
    out = read_nifti(tmp_path / "out.nii.gz")
    assert out.array.shape == (20, 24, 16)
    assert tuple(out.spacing) == (1.0, 1.0, 1.0)
    # same network, same percentile map: the CLI agrees with the notebook's inference path (the CLI also
    # clips to [0, 1], which only touches the brightest 0.5 % of voxels)
    ours = brain3d.super_resolve(model, lr, TINY)
    assert np.median(np.abs(out.array - ours)) < 1e-3 * float(lr.max())
