"""Retinal-ESRGAN (notebook 02): ESRGAN adapted to colour fundus photographs.

The Retinal-ESRGAN paper (Deepthi & Shastry, IEEE Access 2023) was not available to us, so this is
ESRGAN (Wang et al. 2018) applied to fundus images. What is ESRGAN:

* generator RRDBNet (``ganbook.models``), VGG-style discriminator sized to the HR patch;
* stage 1 "RRDB(P)": L1 only (PSNR-oriented); stage 2 "ESRGAN": from stage 1 with
  L_percep + 5e-3·RaGAN + 1e-2·L1 (``ganbook.losses.ESRGAN``); Adam β1 0.9;
* network interpolation θ = (1 − α)·θ_PSNR + α·θ_GAN.

Our adaptations (each a choice, stated in the notebook):

* ×4 at the data layer's working scale (the photo at 1/2 size, 704 px): at native size it is so
  smooth that bicubic already reaches 42 dB and there is nothing to learn;
* training on the upper band of the photo plus procedural fundus phantoms with sharp vessels
  (``ganbook.data.fundus_phantom``); testing on the lower band and on the microaneurysm crop;
* residual generator (``residual_interp=True``): it predicts the correction to bicubic, because a
  plain RRDBNet trained for minutes on a CPU stays below bicubic;
* patches centred on the field of view 90 % of the time; metrics inside the FOV mask;
* ``demo``: nf32 nb4, a few hundred steps at a constant learning rate with an EMA of the weights
  (decay 0.99), BasicSR's β2 = 0.99.

Submodules, bottom-up (every public name is re-exported here: ``from ganbook import retinal_esrgan``):

* ``config``: :class:`RetinalESRGANConfig`, ``PROFILES``, ``TILED_TOLERANCE``;
* ``data``: fundus images (training pool, held-out images grouped by dataset), patch pairs, the
  bicubic degradation and baseline;
* ``training``: the two stages (:func:`train`, or :func:`train_psnr` then :func:`train_gan`) giving a
  :class:`TrainedESRGAN`, network interpolation (:func:`generators`), export (:func:`save_models`);
* ``evaluation``: (tiled) inference :func:`super_resolve`, vessel-aware metrics in the FOV
  (:func:`evaluate`), one image's outputs for figures (:func:`predictions`);
* ``figures``: the notebook's figures and the α slider.
"""
from __future__ import annotations

from .config import PROFILES, TILED_TOLERANCE, RetinalESRGANConfig
from .data import (FundusImage, bicubic, by_dataset, data_sources, degrade, make_sampler, test_images,
                   training_images)
from .evaluation import (Prediction, evaluate, find_microaneurysms, image_scores, microaneurysm_contrast, predictions,
                         srgan_comparison, super_resolve, vessel_box)
from .figures import (alpha_slider, data_overview, gan_stage_losses, lesion_boxes, microaneurysm_crops,
                      perception_distortion, psnr_stage_losses, sweep, sweep_summary, vessel_crops)
from .training import (TrainedESRGAN, adversarial_sweep, alpha_name, build_generator, generators, interpolated,
                       model_card, save_models, train, train_gan, train_psnr)

__all__ = ["RetinalESRGANConfig", "PROFILES", "TILED_TOLERANCE",
           "FundusImage", "training_images", "test_images", "by_dataset", "data_sources", "make_sampler", "degrade",
           "bicubic",
           "build_generator", "TrainedESRGAN", "train", "train_psnr", "train_gan", "adversarial_sweep", "interpolated",
           "alpha_name",
           "generators", "model_card", "save_models", "srgan_comparison",
           "super_resolve", "image_scores", "Prediction", "predictions", "evaluate", "find_microaneurysms",
           "microaneurysm_contrast", "vessel_box",
           "sweep", "data_overview", "psnr_stage_losses", "gan_stage_losses", "perception_distortion", "vessel_crops",
           "lesion_boxes", "microaneurysm_crops", "alpha_slider", "sweep_summary"]
