"""A tiny random StyleGAN2 generator (32 px) and one W code of it, for the DragGAN tests."""
from __future__ import annotations

import pytest
import torch

from ganbook.models.stylegan2 import Generator


@pytest.fixture(scope="module")
def G(tiny_stylegan2):
    torch.manual_seed(0)
    return Generator(tiny_stylegan2(32, channel_base=256, channel_max=32)).eval()


@pytest.fixture
def w(G):
    return G.mapping(torch.randn(1, 16, generator=torch.Generator().manual_seed(1))).detach()
