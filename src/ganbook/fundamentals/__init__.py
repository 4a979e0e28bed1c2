"""GAN fundamentals (notebook 00): 2-D Gaussian mixtures, MLP GANs under four losses, mode coverage,
mode collapse and an 8×8-digits GAN.

Submodules, bottom-up (every public name is re-exported here: ``from ganbook import fundamentals``):

* :mod:`~ganbook.fundamentals.config` — :class:`FundamentalsConfig`, ``PROFILES`` (smoke / demo / paper);
* :mod:`~ganbook.fundamentals.data` — Ring8 and Grid25 at VEEGAN / PacGAN sizes (:class:`Mixture`,
  ``MIXTURES``) and scikit-learn's 8×8 digits (:func:`digits_file`, :func:`load_digits_split`);
* :mod:`~ganbook.fundamentals.ensemble` — many toy GANs in one batched run (:func:`train_ensemble`, one
  member per (loss, seed); PacGAN packing and minibatch-std discriminators), a member taken out as a
  :class:`TrainedToy`;
* :mod:`~ganbook.fundamentals.training` — :func:`train` (one GAN on a mixture: a one-member ensemble), the MLP
  generator and discriminator of :func:`train_digits` (:class:`TrainedDigits`), the frozen-D drift
  :func:`collapse_against_frozen_d` and the saturation demo :func:`generator_gradient_at_rejection`;
* :mod:`~ganbook.fundamentals.evaluation` — :func:`mode_coverage` (the VEEGAN / PacGAN protocol and ours),
  :func:`per_seed` / :func:`summarise_seeds` (mean ± sd over seeds), ``PUBLISHED`` (PacGAN Table 1),
  :func:`histogram_jsd`, :func:`evaluate`, :func:`optimal_discriminator` (same-kernel D*),
  :func:`generator_push`, :func:`digits_scores`, :func:`evaluate_digits`;
* :mod:`~ganbook.fundamentals.figures` — the notebook's figures and its snapshot slider.
"""
from __future__ import annotations

from .config import PROFILES, REMEDIES, FundamentalsConfig
from .data import MIXTURES, Mixture, digits_file, load_digits_split
from .ensemble import EnsembleConfig, TrainedEnsemble, TrainedToy, train_ensemble
from .evaluation import (PROTOCOL_METRICS, PUBLISHED, collapse_summary, digits_scores, discriminator_output, evaluate,
                         evaluate_digits, gaussian_kde, generator_push, histogram_jsd, mode_coverage,
                         optimal_discriminator, per_seed, summarise_seeds)
from .figures import (collapse_figure, collapse_regime_figure, digits_figure, draw_frame, generator_push_figure,
                      loss_curves_figure, mixtures_figure, optimal_discriminator_figure, protocol_figure,
                      samples_by_loss, saturation_figure, snapshot_frames, snapshot_scrubber, snapshots_figure)
from .training import (MLPDiscriminator, MLPGenerator, TrainedDigits, collapse_against_frozen_d,
                       generator_gradient_at_rejection, train, train_digits)

__all__ = ["FundamentalsConfig", "PROFILES", "REMEDIES",
           "Mixture", "MIXTURES", "digits_file", "load_digits_split",
           "MLPGenerator", "MLPDiscriminator", "TrainedToy", "train", "TrainedDigits", "train_digits",
           "collapse_against_frozen_d", "generator_gradient_at_rejection",
           "EnsembleConfig", "TrainedEnsemble", "train_ensemble",
           "mode_coverage", "PROTOCOL_METRICS", "PUBLISHED", "per_seed", "summarise_seeds", "collapse_summary",
           "histogram_jsd",
           "evaluate", "gaussian_kde", "optimal_discriminator", "discriminator_output", "generator_push",
           "digits_scores", "evaluate_digits",
           "mixtures_figure", "saturation_figure", "samples_by_loss", "protocol_figure", "collapse_regime_figure",
           "loss_curves_figure", "optimal_discriminator_figure", "generator_push_figure", "collapse_figure",
           "snapshot_frames", "draw_frame", "snapshots_figure", "snapshot_scrubber", "digits_figure"]
