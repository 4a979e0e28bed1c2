"""Tiny MedSRGAN fixtures: three smooth 64² "CT" slices (two for training, one held out) and a 3 + 2 step run."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from scipy import ndimage

from ganbook import medsrgan


@pytest.fixture
def tiny_data() -> medsrgan.TrainingData:
    rng = np.random.default_rng(0)
    imgs = [np.clip(ndimage.gaussian_filter(rng.random((64, 64)), 2) * 2 - 0.5, 0, 1).astype(np.float32)
            for _ in range(3)]
    masks = [np.ones((64, 64), bool)] * 3
    return medsrgan.TrainingData("ct", imgs[:2], masks[:2], imgs[2:], masks[2:], ["t"], [(0.5, 0.5)],
                                 medsrgan.HU_WINDOW, {}, "synthetic", [(0.5, 0.5), (0.7, 0.7)], (-1024.0, 1024.0))


@pytest.fixture
def tiny_cfg() -> medsrgan.MedSRGANConfig:
    return dataclasses.replace(medsrgan.PROFILES["smoke"], lr_patch=8, ct_pretrain_steps=3, ct_gan_steps=2, amp=False)


@pytest.fixture
def tiny_trained(tiny_data, tiny_cfg) -> medsrgan.TrainedMedSRGAN:
    with torch.random.fork_rng():
        return medsrgan.train(tiny_data, tiny_cfg, seed=0, features=medsrgan.content_features(None).model)
