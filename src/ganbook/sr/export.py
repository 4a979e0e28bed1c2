"""Trained super-resolution models as files a user can apply: weights + a model card.

A model card says what the network expects and what it was measured to do, so the ``upscale`` CLI can
rebuild the network, map a new file's intensities the same way, and warn when the input lies outside
what the model was trained on. Stored with the one checkpoint format (``ganbook.checkpoint``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..checkpoint import CheckpointError, load_checkpoint, save_checkpoint

__all__ = ["ModelCard", "save_sr_model", "load_sr_model"]


@dataclass
class ModelCard:
    """What a super-resolution checkpoint is.

    Attributes:
        model: key of ``ganbook.models.MODELS`` (e.g. "rwman", "rrdbnet", "srresnet").
        config: the model's config fields (``dataclasses.asdict(model.config)``).
        method: the name used in the metrics ("RWMAN(P)", "MedSRGAN", "RRDB(P)", "SRGAN3D", ...).
        scale: upscaling factor per spatial axis.
        spatial_dims: 2 (slices, photographs) or 3 (volumes).
        modality: "ct", "mr" or "fundus".
        intensity: how raw values become the network's [0, 1] input, one of
            ``{"kind": "window", "low": -1024, "high": 1024}`` (fixed window, e.g. HU),
            ``{"kind": "percentile", "low": 0.5, "high": 99.5}`` (per image),
            ``{"kind": "range", "low": 0, "high": 1}`` (already scaled, e.g. RGB in [0, 1]).
        degradation: the LR model it was trained for ("average_pool", "bicubic", "blur_nearest", ...).
        trained_spacing: HR voxel/pixel spacing (mm) of the training data, per axis, if known: one value
            per axis or a ``[min, max]`` range per axis.
        trained_lr_spacing: the spacing of the LR images the model was trained to take as input, same
            shape; defaults to ``trained_spacing`` × ``scale`` (every axis the model upscales). This is
            what ``upscale`` compares an input with.
        trained_range: raw value range seen in training (e.g. HU min/max), if known.
        data: what it was trained on, in words.
        metrics: held-out results, e.g. ``{"psnr": 33.1, "ssim": 0.91, "bicubic_psnr": 31.2}``.
        notebook, profile: where it came from.
    """

    model: str
    config: dict
    method: str
    scale: int
    spatial_dims: int
    modality: str
    intensity: dict
    degradation: str
    trained_spacing: list | None = None
    trained_range: list | None = None
    trained_lr_spacing: list | None = None
    data: str = ""
    metrics: dict = field(default_factory=dict)
    notebook: str = ""
    profile: str = ""

    def __post_init__(self):
        if self.spatial_dims not in (2, 3):
            raise ValueError(f"spatial_dims must be 2 or 3, got {self.spatial_dims}")
        if self.intensity.get("kind") not in ("window", "percentile", "range"):
            raise ValueError(f"intensity kind must be window, percentile or range, got {self.intensity!r}")
        if self.trained_lr_spacing is None and self.trained_spacing:
            s = self.scale
            self.trained_lr_spacing = [[float(v) * s for v in t] if isinstance(t, (list, tuple)) else float(t) * s
                                       for t in self.trained_spacing]


def save_sr_model(path: str | Path, model: nn.Module, card: ModelCard) -> Path:
    """Save weights + card (atomically; see ``ganbook.checkpoint``). Returns the JSON path."""
    state = {k: v for k, v in model.state_dict().items()}
    return save_checkpoint(path, state, {"kind": "sr_model", "card": dataclasses.asdict(card)})


def load_sr_model(path: str | Path, device: Any = "cpu") -> tuple[nn.Module, ModelCard]:
    """Rebuild the network a card describes and load its weights (eval mode, on ``device``).

    Raises:
        CheckpointError: the file is not a super-resolution model checkpoint (names the file).
    """
    from ..models import build_model

    tensors, meta = load_checkpoint(path)
    if meta.get("kind") != "sr_model" or "card" not in meta:
        raise CheckpointError(f"{path}: not a super-resolution model checkpoint (no model card); use one saved by "
                              f"a notebook under reports/checkpoints/")
    card = ModelCard(**meta["card"])
    model = build_model(card.model, card.config)
    model.load_state_dict(tensors)
    return model.to(device).eval(), card
