"""Tiny notebook-00 runs shared by the fundamentals tests (seconds on one CPU thread)."""
from __future__ import annotations

import pytest

from ganbook import fundamentals


@pytest.fixture(scope="session")
def tiny_cfg():
    """A :class:`FundamentalsConfig` small enough to train every loss in well under a second."""
    return fundamentals.FundamentalsConfig(steps=20, seeds=2, batch_size=32, hidden=16, snapshot_every=10,
                                           n_eval=300, frozen_steps=8, collapse_steps=20, collapse_hidden=16,
                                           collapse_batch_size=32, digits_steps=10, digits_batch=16)


@pytest.fixture(scope="session")
def tiny_ring8(tiny_cfg):
    """``{loss: TrainedToy}`` on Ring8 for two of the four losses."""
    return {loss: fundamentals.train("ring8", loss, tiny_cfg, seed=0) for loss in ("minimax", "nonsaturating")}
