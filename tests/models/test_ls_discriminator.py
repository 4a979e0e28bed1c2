"""Sánchez & Vilaplana's least-squares discriminator in 2-D and 3-D."""
import math

import pytest
import torch

from ganbook.models import LSDiscriminator, count_parameters


def test_ls_discriminator_3d_and_2d_give_one_raw_score_per_patch():
    d3 = LSDiscriminator(num_features=4, patch_size=16, dense_features=8)
    out = d3(torch.rand(2, 1, 16, 16, 16))
    assert out.shape == (2,)
    d2 = LSDiscriminator(num_features=4, patch_size=(24, 20), spatial_dims=2, dense_features=8)
    assert d2(torch.rand(3, 1, 24, 20)).shape == (3,)
    assert d2.final_sizes == (2, 2)


def test_ls_discriminator_dense_input_follows_patch_size():
    d = LSDiscriminator(num_features=4, patch_size=(32, 32, 23), dense_features=8)
    assert d.final_sizes == (2, 2, 2)  # ceil(23/16) = 2
    assert d.head[0].in_features == 32 * 2 * 2 * 2


def test_ls_discriminator_paper_widths_parameter_count():
    k = 27
    widths = [32, 32, 64, 64, 128, 128, 256, 256]
    n, c_in = 0, 1
    for i, c in enumerate(widths):
        n += c_in * c * k + (c if i == 0 else 2 * c)  # first conv has a bias; the rest BN (γ, β)
        c_in = c
    patch = 32
    n += 256 * math.ceil(patch / 16) ** 3 * 1024 + 1024 + 1024 + 1
    assert count_parameters(LSDiscriminator(patch_size=patch)) == n


def test_ls_discriminator_names_the_patch_size_on_wrong_input():
    with pytest.raises(ValueError, match="patch_size"):
        LSDiscriminator(num_features=4, patch_size=16, dense_features=8)(torch.rand(1, 1, 16, 16, 8))
    with pytest.raises(ValueError, match="LSDiscriminatorConfig.patch_size"):
        LSDiscriminator(patch_size=(16, 16))
