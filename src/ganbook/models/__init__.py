"""The networks, one file per family, in each paper's vocabulary.

Super-resolution generators and discriminators are listed in ``MODELS`` below; VGG-19 features
(:mod:`.vgg`) serve the perceptual losses; StyleGAN2 (:mod:`.stylegan2`, with the reader of official
checkpoints in :mod:`.stylegan2_official`) is imported from its own module by DragGAN.

``MODELS`` maps the name a checkpoint records to the class; every class takes its dataclass config
(``cls(config)`` or ``cls(**fields)``) and keeps it as ``model.config``, so a checkpoint that stores
``{"model": name, "config": dataclasses.asdict(model.config)}`` can be rebuilt with :func:`build_model`.
"""
from __future__ import annotations

from typing import Any, Mapping

from torch import nn

from .layers import count_parameters, pixel_shuffle_nd
from .ls_discriminator import LSDiscriminator, LSDiscriminatorConfig
from .pairwise_discriminator import PairwiseDiscriminator, PairwiseDiscriminatorConfig
from .rrdbnet import RRDBNet, RRDBNetConfig, interpolate_networks
from .rwman import RWMAN, RWMANConfig
from .srresnet import SRResNet, SRResNetConfig, srgan_config
from .vgg import VGG19Features, perceptual_backbone
from .vgg_discriminator import VGGDiscriminatorConfig, VGGStyleDiscriminator

__all__ = [
    "MODELS", "build_model", "count_parameters", "pixel_shuffle_nd",
    "RWMAN", "RWMANConfig", "PairwiseDiscriminator", "PairwiseDiscriminatorConfig",
    "RRDBNet", "RRDBNetConfig", "interpolate_networks", "VGGStyleDiscriminator", "VGGDiscriminatorConfig",
    "SRResNet", "SRResNetConfig", "srgan_config", "LSDiscriminator", "LSDiscriminatorConfig",
    "VGG19Features", "perceptual_backbone",
]

MODELS: dict[str, type[nn.Module]] = {
    "rwman": RWMAN,
    "pairwise_discriminator": PairwiseDiscriminator,
    "rrdbnet": RRDBNet,
    "vgg_discriminator": VGGStyleDiscriminator,
    "srresnet": SRResNet,
    "ls_discriminator": LSDiscriminator,
}


def build_model(name: str, config: Mapping[str, Any] | None = None) -> nn.Module:
    """Instantiate ``MODELS[name]`` from a plain dict of config fields (as stored in a checkpoint).

    Args:
        name: a key of :data:`MODELS`.
        config: config fields; missing fields take their defaults.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(MODELS)}")
    return MODELS[name](**dict(config or {}))
