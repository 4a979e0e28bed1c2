"""VGG-19 feature extractor for perceptual losses, with torchvision's state-dict layout.

MedSRGAN's content loss and ESRGAN's perceptual loss compare SR and HR images in the feature space of
an ImageNet-trained VGG-19 (Simonyan & Zisserman 2015), taken **before** the ReLU (ESRGAN §3.3:
post-activation features are sparse and lose brightness information). Only the convolutional part
up to conv5_4 is needed. The layers sit at torchvision's indices (``features.0`` = conv1_1, …,
``features.34`` = conv5_4), so the standard ImageNet file ``vgg19-dcbb9e9d.pth`` — or a safetensors
copy of it — loads straight from a local path. Nothing is downloaded: the data manifest tells the
user where to get the file, and :func:`perceptual_backbone` says plainly when it is absent.

Our choices where the papers are silent: single-channel CT/MRI slices are replicated to three
channels; inputs are expected in [0, 1] and normalised with ImageNet's mean and std, like the
weights' training data.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping, NamedTuple, Sequence

import torch
from torch import nn

from ..io import sha256_file

__all__ = ["VGG19_CONVS", "VGG19Features", "IdentityFeatures", "PerceptualBackbone", "perceptual_backbone",
           "VGG19_FILE", "vgg19_weights"]

VGG19_FILE = "vgg19-dcbb9e9d.pth"  # torchvision's name; "dcbb9e9d" is the start of its sha256

# VGG-19 ("configuration E"): channels per conv, "M" = 2×2 max-pool.
_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]


def _conv_indices() -> dict[str, int]:
    """``{"conv1_1": 0, "conv1_2": 2, …, "conv5_4": 34}`` — each conv is followed by its ReLU."""
    names, index, block, k = {}, 0, 1, 1
    for v in _CFG:
        if v == "M":
            index, block, k = index + 1, block + 1, 1
        else:
            names[f"conv{block}_{k}"] = index
            index, k = index + 2, k + 1
    return names


VGG19_CONVS: dict[str, int] = _conv_indices()
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class VGG19Features(nn.Module):
    """Frozen VGG-19 returning pre-ReLU features at named layers.

    Build it with :meth:`from_file` to get ImageNet weights; the bare constructor leaves random
    weights (only for tests — a random VGG is not a perceptual loss).

    Args:
        layers: names from :data:`VGG19_CONVS`, e.g. ``("conv5_4",)``; the network is cut after the
            deepest one.
        normalize: apply ImageNet mean/std to [0, 1] inputs.
    """

    def __init__(self, layers: Sequence[str] = ("conv5_4",), normalize: bool = True):
        super().__init__()
        unknown = [n for n in layers if n not in VGG19_CONVS]
        if unknown or not layers:
            raise ValueError(f"unknown VGG-19 layer(s) {unknown or layers}; choose from {', '.join(VGG19_CONVS)}")
        self.layers = tuple(layers)
        self.normalize = normalize
        last = max(VGG19_CONVS[n] for n in self.layers)
        modules: list[nn.Module] = []
        c_in = 3
        for v in _CFG:
            if len(modules) > last:
                break
            if v == "M":
                modules.append(nn.MaxPool2d(2, 2))
            else:
                modules += [nn.Conv2d(c_in, v, 3, padding=1), nn.ReLU(inplace=False)]
                c_in = v
        self.features = nn.Sequential(*modules[: last + 1])  # keys features.{i}.weight as in torchvision
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "VGG19Features":
        """Stays in eval mode: the extractor is frozen whatever the surrounding model does."""
        return super().train(False)

    @classmethod
    def from_file(cls, path: str | os.PathLike, layers: Sequence[str] = ("conv5_4",), *, sha256: str | None = None,
                  normalize: bool = True) -> "VGG19Features":
        """Load ImageNet weights from a local torchvision ``.pth`` or ``.safetensors`` file.

        Args:
            path: the weights file (e.g. ``vgg19-dcbb9e9d.pth``); extra keys such as ``classifier.*``
                are ignored.
            layers: feature layers to return.
            sha256: expected checksum of the file (from the data manifest); verified when given.
                Without it, a torch.hub-style name such as ``vgg19-dcbb9e9d.pth`` is checked against
                the hash prefix it carries.
            normalize: apply ImageNet normalisation.

        Raises:
            FileNotFoundError: the file does not exist.
            ValueError: checksum mismatch, unreadable file, or missing / mis-shaped ``features.*`` keys.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"VGG-19 weights file {path} does not exist; download torchvision's "
                                    f"{VGG19_FILE} (see data_manifests/) and pass its local path")
        # torch.hub names files NAME-<leading hex digits of the sha256>.pth: without a full checksum,
        # check the prefix such a name carries.
        hub = re.search(r"-([0-9a-f]{8,64})\.pth$", path.name)
        expected = sha256.lower() if sha256 is not None else hub.group(1) if hub else None
        if expected is not None:
            actual = sha256_file(path)
            if not (actual == expected if sha256 is not None else actual.startswith(expected)):
                raise ValueError(f"checksum mismatch for VGG-19 weights file {path}: expected sha256 "
                                 f"{expected}{'' if sha256 is not None else '…'}, got {actual}; the file is "
                                 "corrupt or a different file — fetch it again")
        state = _read_state_dict(path)
        model = cls(layers, normalize=normalize)
        model.load_vgg_state_dict(state, source=str(path))
        return model

    def load_vgg_state_dict(self, state: Mapping[str, torch.Tensor], source: str = "state dict") -> None:
        """Copy the ``features.{i}.weight/bias`` entries this (possibly truncated) network needs.

        Args:
            state: a torchvision-layout VGG-19 state dict.
            source: name used in error messages (the file path).
        """
        own = self.state_dict()
        missing = [k for k in own if k not in state]
        if missing:
            raise ValueError(f"{source} is not a torchvision VGG-19 state dict: missing {', '.join(missing[:4])}"
                             f"{' …' if len(missing) > 4 else ''}")
        for key, target in own.items():
            if tuple(state[key].shape) != tuple(target.shape):
                raise ValueError(f"{source}: {key} has shape {tuple(state[key].shape)}, VGG-19 needs "
                                 f"{tuple(target.shape)}")
        self.load_state_dict({k: state[k].to(torch.float32) for k in own})

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Features of ``x`` (N, 1 or 3, H, W) in [0, 1] at each requested layer, before ReLU."""
        if x.ndim != 4 or x.shape[1] not in (1, 3):
            raise ValueError(f"VGG19Features expects (N, 1 or 3, H, W) images, got shape {tuple(x.shape)}")
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)  # grayscale → three identical channels (our choice)
        if self.normalize:
            x = (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)
        wanted = {VGG19_CONVS[n]: n for n in self.layers}
        out = {}
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in wanted:
                out[wanted[i]] = x
        return out


def _read_state_dict(path: Path) -> Mapping[str, torch.Tensor]:
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip and safetensors errors all mean "not a readable weights file"
        raise ValueError(f"cannot read VGG-19 weights from {path}: {exc}") from exc
    if not isinstance(state, Mapping):
        raise ValueError(f"{path} holds a {type(state).__name__}, not a state dict of tensors")
    return state


class IdentityFeatures(nn.Module):
    """Fallback "feature extractor" returning the image itself under every layer name.

    With it, MedSRGAN's multi-layer content loss becomes plain pixel MSE (its weights sum to one) and
    ESRGAN's perceptual loss becomes pixel L1 — honest pixel losses, not a perceptual loss pretending
    to be one (a randomly initialised VGG would be).
    """

    def __init__(self, layers: Sequence[str] = ("conv5_4",)):
        super().__init__()
        self.layers = tuple(layers)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {name: x for name in self.layers}


class PerceptualBackbone(NamedTuple):
    model: nn.Module
    is_pretrained: bool
    message: str


def perceptual_backbone(path: str | os.PathLike | None, layers: Sequence[str] = ("conv5_4",), *,
                        sha256: str | None = None) -> PerceptualBackbone:
    """The VGG-19 extractor when its weights file is present, else the documented pixel fallback.

    Args:
        path: local weights file, or None when the user has none.
        layers: feature layers the loss needs.
        sha256: expected checksum, verified when given (a present but wrong file is an error, never a
            silent fallback).

    Returns:
        ``(model, is_pretrained, message)``; print ``message`` — it says which loss is really used.
    """
    if path is not None and Path(path).is_file():
        model = VGG19Features.from_file(path, layers, sha256=sha256)
        return PerceptualBackbone(model, True, f"VGG-19 ImageNet weights loaded from {path}; perceptual "
                                               f"features at {', '.join(layers)} (pre-ReLU).")
    where = f"{path} is not a file" if path is not None else "no weights file was given"
    return PerceptualBackbone(
        IdentityFeatures(layers), False,
        f"VGG-19 weights unavailable ({where}). The perceptual/content loss is REPLACED by the same loss on "
        f"pixels (MSE for MedSRGAN, L1 for ESRGAN): results show the adversarial terms without a perceptual "
        f"loss, not the papers' full objective. Put torchvision's {VGG19_FILE} at the path the data manifest "
        f"names to use the real one.")


def vgg19_weights(path: str | os.PathLike | None = None, *, required: bool = False) -> str | None:
    """The VGG-19 weights file to use: ``path`` if given, else the copy registered with
    ``python -m ganbook data import vgg19 PATH``, else None (the documented pixel fallback).

    Args:
        path: a weights file, or None to look for the registered copy.
        required: no fallback (the ``paper`` profiles: a long run must train the papers' perceptual
            objective, not the pixel stand-in); call it before any training so a run fails at once.

    Raises:
        DataError: a copy was registered but is missing or fails its checksum — never a silent
            fallback; or ``required`` and none was given or registered. The message says what to do.
    """
    from ..data.errors import DataError

    if path is not None:
        return str(path)
    from ..data.fetch import location, weights_file

    found = None if location("vgg19") is None else str(weights_file("vgg19"))
    if found is None and required:
        raise DataError(None, "this run needs VGG-19 ImageNet weights for its perceptual loss and none were given "
                              "or registered",
                        f"download torchvision's {VGG19_FILE} and run `python -m ganbook data import vgg19 PATH` "
                        "(checked against its checksum), or pass the file as the vgg19_weights parameter")
    return found
