"""Shared fixtures of notebook 02's tests: the smoke config and a one-phantom training pool."""
import pytest

from ganbook import retinal_esrgan


@pytest.fixture
def smoke_cfg():
    """The smoke profile (``super_resolve`` reads the tile overlap from it)."""
    return retinal_esrgan.PROFILES["smoke"]


@pytest.fixture
def phantom_pool():
    """One 64² fundus phantom as the training pool."""
    from ganbook.data.fundus_phantom import fundus_phantom

    p = fundus_phantom(64, 0)
    return [retinal_esrgan.FundusImage("phantom", p.image, p.fov_mask)]
