"""ESRGAN's VGG-style discriminator sized to the patch."""
import pytest
import torch

from ganbook.models import VGGStyleDiscriminator, count_parameters
from ganbook.models.vgg_discriminator import num_stages


def test_number_of_stride_two_stages_follows_patch_size():
    assert [num_stages(p) for p in (128, 64, 32, 96, 8)] == [5, 4, 3, 4, 1]


@pytest.mark.parametrize("patch", [32, 64, 128])
def test_vgg_discriminator_gives_one_logit_per_patch(patch):
    d = VGGStyleDiscriminator(num_features=4, patch_size=patch)
    assert d(torch.rand(2, 3, patch, patch)).shape == (2,)
    assert d.final_size == 4


def test_vgg_discriminator_paper_size_parameter_count():
    widths = [64, 128, 256, 512, 512]
    n = 3 * 64 * 9 + 64  # conv0_0 with bias
    c_in = 64
    for k, c in enumerate(widths):
        if k > 0:
            n += c_in * c * 9 + 2 * c  # 3×3 conv (no bias) + BN
        n += c * c * 16 + 2 * c  # 4×4 stride-2 conv + BN
        c_in = c
    n += 512 * 4 * 4 * 100 + 100 + 100 + 1
    assert count_parameters(VGGStyleDiscriminator()) == n


def test_vgg_discriminator_names_patch_size_on_wrong_input():
    with pytest.raises(ValueError, match="patch_size=64"):
        VGGStyleDiscriminator(num_features=4, patch_size=64)(torch.rand(1, 3, 32, 32))
