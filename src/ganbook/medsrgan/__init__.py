"""MedSRGAN on CT and MRI (notebook 01): data, training, evaluation, lesion detectability, hallucination checks.

Gu et al., "MedSRGAN", Multimedia Tools and Applications 79 (2020); the paper's protocol and our choices
where it is silent are written out in :mod:`.config`. Built bottom-up, one concern per file:
:mod:`.config` (profiles, CT window, compared methods) → :mod:`.data` (training / test slices) →
:mod:`.training` (RWMAN(P) → MedSRGAN, export with model cards) → :mod:`.evaluation` (inference, per-slice
outputs, PSNR / SSIM and sharpness) → :mod:`.lesions` (detectability, false lesions) → :mod:`.figures`
(figures, widget, conclusion).
"""
from .config import HU_WINDOW, METHODS, PROFILES, MedSRGANConfig, to_hu
from .data import TrainingData, training_data
from .evaluation import evaluate, method_table, predictions, super_resolve
from .figures import (BANNER, comparison_widget, conclusion, crop_box, crops_figure, ct_data_figure,
                      hallucination_figure, lesion_figure, perception_distortion_figure, reading_window, split_view,
                      sweep_curve, training_figure)
from .lesions import (LesionStudy, cho_detectability, count_blobs, false_lesions, insert_lesions,
                      laguerre_gauss_channels, lesion_sites, lesion_study)
from .training import (TrainedMedSRGAN, adversarial_stage, adversarial_sweep, content_features, modality_weights,
                       save_models, sweep_name, train, use_threads)

__all__ = [
    # config
    "MedSRGANConfig", "PROFILES", "HU_WINDOW", "METHODS", "to_hu",
    # data
    "TrainingData", "training_data",
    # training
    "TrainedMedSRGAN", "train", "adversarial_stage", "adversarial_sweep", "modality_weights", "sweep_name",
    "content_features", "use_threads", "save_models",
    # evaluation
    "super_resolve", "method_table", "predictions", "evaluate",
    # lesions
    "LesionStudy", "lesion_study", "insert_lesions", "lesion_sites", "laguerre_gauss_channels",
    "cho_detectability", "count_blobs", "false_lesions",
    # figures
    "BANNER", "ct_data_figure", "training_figure", "crop_box", "reading_window", "crops_figure", "hallucination_figure",
    "perception_distortion_figure", "sweep_curve", "lesion_figure", "split_view", "comparison_widget", "conclusion",
]
