"""MedSRGAN's pairwise discriminator: (LR, HR) pairs in, logit and five feature taps out."""
import pytest
import torch

from ganbook.models import PairwiseDiscriminator, count_parameters


def conv(cin, cout, k=3):
    return cin * cout * k * k + cout


def test_pairwise_discriminator_returns_logit_and_five_taps_at_halving_sizes():
    torch.manual_seed(0)
    d = PairwiseDiscriminator(num_features=8)
    logit, feats = d(torch.rand(3, 1, 16, 16), torch.rand(3, 1, 64, 64))
    assert logit.shape == (3,)
    assert [tuple(f.shape) for f in feats] == [(3, 8, 32, 32), (3, 16, 16, 16), (3, 32, 8, 8), (3, 64, 4, 4),
                                               (3, 64, 2, 2)]


def test_pairwise_discriminator_at_scale_two_and_odd_lr_size():
    d = PairwiseDiscriminator(num_features=4, scale=2, in_channels=3)
    logit, feats = d(torch.rand(2, 3, 9, 7), torch.rand(2, 3, 18, 14))
    assert logit.shape == (2,) and feats[1].shape[2:] == (9, 7)


def test_pairwise_discriminator_depends_on_the_lr_image():
    torch.manual_seed(0)
    d = PairwiseDiscriminator(num_features=4)
    hr = torch.rand(1, 1, 32, 32)
    a, fa = d(torch.rand(1, 1, 8, 8), hr)
    b, fb = d(torch.rand(1, 1, 8, 8), hr)
    assert not torch.allclose(a, b)
    assert torch.equal(fa[0], fb[0]) and not torch.allclose(fa[2], fb[2])  # LR enters at the fusion


def test_pairwise_discriminator_parameter_count_matches_our_layer_choice():
    c = 64
    block = lambda i, o: conv(i, o) + conv(o, o)  # noqa: E731
    expected = (block(1, c) + block(c, 2 * c) + conv(1, c) + conv(c, 2 * c)
                + block(4 * c, 4 * c) + block(4 * c, 8 * c) + block(8 * c, 8 * c)
                + (8 * c * 100 + 100) + (100 + 1))
    assert count_parameters(PairwiseDiscriminator()) == expected


def test_pairwise_discriminator_rejects_mismatched_pair():
    with pytest.raises(ValueError, match="hr"):
        PairwiseDiscriminator(num_features=4)(torch.rand(1, 1, 8, 8), torch.rand(1, 1, 30, 32))
