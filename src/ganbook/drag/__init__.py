"""DragGAN on a CPU: procedural faces with landmarks, StyleGAN2 training, drag editing, GAN inversion,
a landmark benchmark and an ipycanvas editor.

Submodules and their main names load on first use, so ``import ganbook.drag`` stays cheap::

    from ganbook.drag import load_generator, drag, DragSession, DragWidget
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "faces": ("LANDMARK_NAMES", "FIVE_POINTS", "FaceParams", "sample_face_params", "render_face", "make_faces"),
    "training": ("FacesGANConfig", "build_trainer", "train_faces_gan", "save_generator", "load_generator",
                 "shipped_checkpoint"),
    "draggan": ("DragLayers", "draggan_layers", "DragConfig", "DragSession", "DragResult", "drag", "drag_radii",
                "stop_distance",
                "motion_supervision_loss", "mask_loss", "track_points", "image_to_numpy"),
    "inversion": ("InversionConfig", "InversionResult", "invert", "psnr"),
    "landmarks": ("LandmarkConfig", "LandmarkNet", "train_landmark_regressor", "detect_landmarks", "load_regressor",
                  "save_regressor", "landmark_error"),
    "benchmark": ("BenchmarkConfig", "METHODS", "PAPER_TABLE1", "run_landmark_benchmark", "sample_pair",
                  "compare_with_paper"),
    "widget": ("DragWidget",),
    "profiles": ("DragNotebookConfig", "PROFILES"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE) + list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
