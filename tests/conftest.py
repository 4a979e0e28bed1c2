"""Fixtures shared by several test folders."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_stylegan2():
    """``make(res=32, **overrides)``: a StyleGAN2Config small enough for CPU tests (z = w = 16, two mapping
    layers, 16 channels at most)."""
    from ganbook.models.stylegan2 import StyleGAN2Config

    def make(res: int = 32, **overrides) -> StyleGAN2Config:
        return StyleGAN2Config(**{"resolution": res, "z_dim": 16, "w_dim": 16, "mapping_layers": 2,
                                  "channel_base": 4 * res, "channel_max": 16, **overrides})

    return make
