"""3-D brain-MRI super-resolution (notebook 03): Sánchez & Vilaplana's 3-D SRGAN on patches of a T1 volume.

Our choices where the papers are silent (also stated in the notebook): intensities are mapped per
volume from the LR input's 0.5th–99.5th percentiles to [0, 1] (the paper scaled each patch by its
max); the generator predicts a residual over tricubic interpolation from the true sample positions
(``residual_interp``, ``sample_offset = s//2``), so it starts at the baseline; bf16 autocast and
channels-last memory on CPU; no flip augmentation (flips move nearest-decimated samples at even scales).
Metrics: PSNR and SSIM inside the brain mask, in raw intensity units with the dataset window (0–255
for the MNI template) as the data range, and the gradient-magnitude ratio to HR inside the mask.

Submodules, bottom-up (every name below is re-exported here, ``from ganbook import brain3d``):

* :mod:`~ganbook.brain3d.config` — :class:`Brain3DConfig`, ``PROFILES`` (smoke / demo / paper), ``DEGRADATIONS``;
* :mod:`~ganbook.brain3d.data` — the two degradations (Gaussian blur + nearest decimation, and central
  k-space truncation), the percentile intensity window, LR / SR grid affines, :class:`Case` and
  :func:`load_case`, the paired patch sampler;
* :mod:`~ganbook.brain3d.training` — the method: 3-D SRResNet generator, least-squares discriminator,
  one run of the pixel stage SRResNet3D(P) continued as SRGAN3D (:func:`train` →
  :class:`TrainedBrain3D`), :func:`save_models` (model cards for ``upscale``), :func:`describe`;
* :mod:`~ganbook.brain3d.evaluation` — tiled whole-volume inference :func:`super_resolve`, interpolation
  baselines, masked metrics (:func:`evaluate`), NIfTI output;
* :mod:`~ganbook.brain3d.figures` — orthogonal slice figures and the ipywidgets slice viewer.
"""
from __future__ import annotations

from .config import DEGRADATIONS, PROFILES, Brain3DConfig
from .data import Case, degrade_volume, intensity_window, load_case, lr_affine, make_sampler, sr_affine
from .evaluation import baselines, evaluate, save_volume, super_resolve, swd_noise_floor
from .figures import VIEWS, orthogonal_figure, perception_distortion_figure, slice_viewer, training_figure
from .training import (METHODS, TrainedBrain3D, adversarial_sweep, build_discriminator, build_generator, describe,
                       save_models, sweep_name, train)

__all__ = ["Brain3DConfig", "PROFILES", "DEGRADATIONS", "Case", "degrade_volume", "intensity_window", "load_case",
           "lr_affine", "sr_affine", "make_sampler", "METHODS", "build_generator", "build_discriminator",
           "TrainedBrain3D", "train", "adversarial_sweep", "sweep_name", "save_models", "describe", "super_resolve",
           "baselines", "evaluate",
           "swd_noise_floor", "save_volume", "VIEWS", "orthogonal_figure", "slice_viewer",
           "training_figure", "perception_distortion_figure"]
