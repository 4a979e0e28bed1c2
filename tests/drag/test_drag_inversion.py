"""GAN inversion of a rendered (never generated) face: the loss falls and PTI leaves the original alone."""
import numpy as np
import pytest
import torch

from ganbook.drag.data import make_faces
from ganbook.drag.inversion import InversionConfig, invert
from ganbook.metrics import psnr


def test_inversion_reduces_the_loss_in_w_then_wplus_then_pivotal_tuning(G):
    target = make_faces(1, seed=0, size=32)[0][0]
    before = {k: v.clone() for k, v in G.state_dict().items()}
    res = invert(G, target, InversionConfig(steps_w=25, steps_wplus=25, learning_rate=0.05, pivotal_steps=25,
                                            pivotal_learning_rate=1e-3))
    assert res.losses["w"][-1] < res.losses["w"][0]
    assert res.losses["w+"][-1] <= res.losses["w+"][0]
    assert res.losses["pivotal"][-1] < res.losses["pivotal"][0]
    assert res.psnr_stages["pivotal"] > res.psnr_stages["w"]
    assert res.w.shape == (1, G.num_ws, 16) and res.image.shape == (32, 32, 3)
    assert res.generator is not G
    assert all(torch.equal(before[k], v) for k, v in G.state_dict().items())
    assert res.psnr == pytest.approx(psnr(res.image, target, data_range=1.0))


def test_inversion_accepts_channel_first_and_rejects_wrong_sizes(G):
    target = make_faces(1, seed=1, size=32, chw=True)[0][0]
    res = invert(G, target, InversionConfig(steps_w=2, steps_wplus=0))
    assert res.generator is G and "w+" not in res.losses
    with pytest.raises(ValueError, match="image must be"):
        invert(G, np.zeros((64, 64, 3), np.float32))


def test_psnr_of_identical_images_is_infinite_and_of_known_error_is_exact():
    a = np.zeros((4, 4, 3))
    assert psnr(a, a, data_range=1.0) == float("inf")
    assert psnr(a, a + 0.1, data_range=1.0) == pytest.approx(20.0)
