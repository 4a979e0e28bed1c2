"""MedSRGAN on CT and MRI (notebook 01): data, training, evaluation, lesion detectability, hallucination checks.

Gu et al., "MedSRGAN", Multimedia Tools and Applications 79 (2020); the paper's protocol and our choices
where it is silent are written out in :mod:`.config`. Built bottom-up, one concern per file:
:mod:`.config` (profiles, CT window) → :mod:`.data` (training / test slices) → :mod:`.training`
(RWMAN(P) → MedSRGAN, evaluation, export) → :mod:`.lesions` (detectability, false lesions) →
:mod:`.figures` (widget, figures, conclusion).
"""
from ..losses import MEDSRGAN_CT, MEDSRGAN_MRI  # noqa: F401  (the notebook prints the loss presets as M.*)
from .config import HU_WINDOW, METHODS, PROFILES, MedSRGANConfig, to_hu
from .data import TrainingData, training_data
from .figures import (BANNER, comparison_widget, conclusion, crop_box, hallucination_figure, lesion_figure,
                      split_view)
from .lesions import (LesionStudy, cho_detectability, count_blobs, false_lesions, insert_lesions,
                      laguerre_gauss_channels, lesion_sites, lesion_study)
from .training import SRRun, content_features, evaluate, predict, save_models, train_medsrgan, use_threads

__all__ = ["MedSRGANConfig", "PROFILES", "HU_WINDOW", "TrainingData", "training_data", "content_features",
           "SRRun", "train_medsrgan", "predict", "evaluate", "LesionStudy", "lesion_study", "insert_lesions",
           "lesion_sites", "laguerre_gauss_channels", "cho_detectability", "count_blobs", "false_lesions",
           "to_hu", "use_threads", "comparison_widget", "split_view", "save_models", "BANNER", "METHODS",
           "crop_box", "hallucination_figure", "lesion_figure", "conclusion"]
