"""Many toy GANs trained as one batched run stay independent GANs."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from ganbook.fundamentals.ensemble import EnsembleConfig, EnsembleDiscriminator, EnsembleGenerator, train_ensemble

TINY = EnsembleConfig(steps=15, batch_size=16, hidden=8, g_depth=2, d_depth=2)


@pytest.mark.parametrize("cfg", [TINY, dataclasses.replace(TINY, pack=2), dataclasses.replace(TINY, minibatch_std=4)],
                         ids=["plain", "pack2", "mbstd4"])
def test_a_member_trains_the_same_whatever_its_neighbours_are(cfg):
    a = train_ensemble("ring8", ["nonsaturating", "nonsaturating"], [0, 1], cfg)
    b = train_ensemble("ring8", ["nonsaturating", "ragan"], [0, 7], cfg)
    for p, q in zip(list(a.G.parameters()) + list(a.D.parameters()), list(b.G.parameters()) + list(b.D.parameters())):
        torch.testing.assert_close(p[0], q[0], rtol=1e-5, atol=1e-6)
        assert not torch.allclose(p[1], q[1])
    np.testing.assert_allclose(a.samples(50)[0], b.samples(50)[0], rtol=1e-5, atol=1e-6)


def test_initial_weights_depend_on_the_member_seed_only():
    g1, g2 = EnsembleGenerator([3, 5], 4, 8, 2), EnsembleGenerator([9, 3], 4, 8, 2)
    for p, q in zip(g1.parameters(), g2.parameters()):
        torch.testing.assert_close(p[0], q[1])


def test_discriminator_packs_samples_and_appends_the_minibatch_std():
    x = torch.randn(3, 16, 2)
    assert EnsembleDiscriminator([0, 1, 2], 8, 2, pack=4)(x).shape == (3, 4)
    d = EnsembleDiscriminator([0, 1, 2], 8, 2, minibatch_std=4)
    assert d(x).shape == (3, 16)
    same = x.clone()
    same[:, :4] = x[:, :1]  # a group of identical samples has zero std: D sees it
    assert not torch.allclose(d(x)[:, :4], d(same)[:, :4])


def test_batch_must_divide_into_packs_and_groups():
    with pytest.raises(ValueError, match="multiple of pack"):
        train_ensemble("ring8", ["nonsaturating"], [0], dataclasses.replace(TINY, batch_size=10, pack=4))
    with pytest.raises(ValueError, match="pair up"):
        train_ensemble("ring8", ["nonsaturating"], [0, 1], TINY)
