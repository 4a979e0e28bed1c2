"""GAN fundamentals (notebook 00): 2-D Gaussian mixtures, MLP GANs under four losses, mode coverage.

Submodules, bottom-up (every name below is re-exported here, ``from ganbook import fundamentals as F``):

* :mod:`~ganbook.fundamentals.config` — :class:`FundamentalsConfig`, ``PROFILES`` (smoke / demo / paper);
* :mod:`~ganbook.fundamentals.mixtures` — Ring8 and Grid25 (``MIXTURES``, methods.md §8.1) and the
  mode-coverage metrics :func:`mode_coverage`, :func:`histogram_jsd`;
* :mod:`~ganbook.fundamentals.training` — the MLP generator and discriminator, :func:`train_toy` under the
  four losses, the frozen-D collapse, :func:`optimal_discriminator` and the saturation demo
  :func:`generator_gradient_at_rejection` (all on one CPU thread);
* :mod:`~ganbook.fundamentals.digits` — the 8×8 digits GAN and its classifier judge.
"""
from __future__ import annotations

# collapse_against_frozen_d and load_digits_split are outside __all__ (as before the split) but the notebook uses them
from .config import PROFILES, FundamentalsConfig
from .digits import DigitsGAN, digits_file, digits_scores, load_digits_split, train_digits  # noqa: F401
from .mixtures import MIXTURES, Mixture, histogram_jsd, mode_coverage
from .training import (MLPDiscriminator, MLPGenerator, ToyRun, collapse_against_frozen_d,  # noqa: F401
                       generator_gradient_at_rejection, optimal_discriminator, train_toy)

__all__ = ["FundamentalsConfig", "PROFILES", "Mixture", "MIXTURES", "MLPGenerator", "MLPDiscriminator",
           "ToyRun", "train_toy", "mode_coverage", "histogram_jsd", "optimal_discriminator", "DigitsGAN",
           "train_digits", "digits_scores", "digits_file", "generator_gradient_at_rejection"]
