"""DragGAN on a CPU: procedural faces with landmarks, StyleGAN2 training, drag editing, GAN inversion,
a landmark benchmark and an ipycanvas editor.

Files, bottom-up:

* ``config.py`` — :class:`DragNotebookConfig` and ``PROFILES`` (notebook 04's run sizes);
* ``data.py`` — procedural faces with exact landmarks, and the uint8 training pool;
* ``training.py`` — :func:`train` the faces StyleGAN2 (the training loop's EMA generator), save / load generators;
* ``draggan.py`` — DragGAN: motion supervision, point tracking, :func:`drag` and :class:`DragSession`;
* ``batch.py`` — :func:`drag_many`, independent edits synthesised together (the benchmark's driver);
* ``inversion.py`` — GAN inversion in W, W+ and pivotal tuning, so a real image can be dragged;
* ``landmarks.py`` — the landmark regressor that measures edits;
* ``evaluation.py`` — the landmark benchmark (paper Table 1): :func:`landmark_edits`, :func:`evaluate`;
* ``figures.py`` — the notebook's scripted-edit gallery and plots;
* ``widget.py`` — the interactive drag editor;
* ``cli.py`` — ``python -m ganbook drag import-weights`` (official StyleGAN2 checkpoints).

Submodules and their names load on first use, so ``import ganbook.drag`` stays cheap::

    from ganbook.drag import load_generator, drag, DragSession, DragWidget
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "config": ("DragNotebookConfig", "PROFILES"),
    "data": ("LANDMARK_NAMES", "FIVE_POINTS", "FaceParams", "sample_face_params", "render_face", "make_faces",
             "make_face_pool"),
    "training": ("FacesGANConfig", "TrainedFacesGAN", "build_trainer", "train", "save_generator", "load_generator",
                 "shipped_checkpoint", "SHIPPED_NAME"),
    "draggan": ("DragLayers", "draggan_layers", "DragConfig", "DragSession", "DragResult", "drag", "drag_radii",
                "stop_distance", "motion_supervision_loss", "mask_loss", "track_points", "to_wplus", "image_to_numpy",
                "upsample_features", "next_points"),
    "batch": ("drag_many",),
    "inversion": ("InversionConfig", "InversionResult", "invert"),
    "landmarks": ("LandmarkConfig", "LandmarkNet", "train_landmark_regressor", "detect_landmarks", "load_regressor",
                  "save_regressor", "shipped_regressor", "landmark_error"),
    "evaluation": ("BenchmarkConfig", "METHODS", "PAPER_TABLE1", "sample_pair", "landmark_edits", "evaluate",
                   "run_landmark_benchmark", "compare_with_paper", "paired_difference"),
    "figures": ("SCRIPTED_EDITS", "ScriptedEdit", "scripted_edits", "plot_samples", "plot_gallery", "plot_inversion",
                "plot_benchmark"),
    "widget": ("DragWidget", "EVENTS_ENV"),
    "cli": ("import_weights",),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE) + list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
