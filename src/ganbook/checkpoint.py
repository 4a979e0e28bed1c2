"""The one checkpoint format: ``NAME.safetensors`` (tensors) + ``NAME.json`` (everything else).

The JSON records the sha256 of the tensor file and is written last, so a checkpoint exists only once
both files are complete; a crash mid-write leaves the previous checkpoint intact and loadable.
Model cards (data, degradation, scale, metrics) for the ``upscale`` CLI live in the same JSON.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from .io import atomic_write_bytes, atomic_write_json, sha256_bytes

__all__ = [
    "CheckpointError", "save_checkpoint", "load_checkpoint", "latest_checkpoint",
    "flatten_state", "unflatten_state",
]

FORMAT = "ganbook-checkpoint/1"


class CheckpointError(RuntimeError):
    """A checkpoint is missing, incomplete or corrupted."""


def save_checkpoint(path: str | os.PathLike, tensors: Mapping[str, torch.Tensor], meta: Mapping[str, Any]) -> Path:
    """Atomically write a checkpoint.

    Args:
        path: destination without suffix (``.../step_000100``); ``.safetensors`` and ``.json`` are added.
        tensors: flat ``{name: tensor}``; tensors are copied to contiguous CPU memory.
        meta: JSON-serialisable metadata (config, step, history, model card, ...).

    Returns:
        The path of the JSON file, which is what :func:`load_checkpoint` takes.
    """
    stem = _stem(path)
    blob = st_save({k: v.detach().to("cpu").contiguous() for k, v in tensors.items()})
    atomic_write_bytes(_with(stem, ".safetensors"), blob)
    record = {"format": FORMAT, "tensors_file": stem.name + ".safetensors", "tensors_sha256": sha256_bytes(blob),
              "meta": dict(meta)}
    return atomic_write_json(_with(stem, ".json"), record)


def load_checkpoint(path: str | os.PathLike, *, verify: bool = True) -> tuple[dict[str, torch.Tensor], dict]:
    """Read a checkpoint written by :func:`save_checkpoint`.

    Args:
        path: the ``.json`` or ``.safetensors`` file, or the stem.
        verify: check the tensor file's sha256 against the JSON record.

    Raises:
        CheckpointError: naming the file, when it is missing, not ours, incomplete or corrupted.
    """
    stem = _stem(path)
    json_path = _with(stem, ".json")
    if not json_path.exists():
        raise CheckpointError(f"{json_path}: no such checkpoint (expected NAME.json next to NAME.safetensors)")
    try:
        record = json.loads(json_path.read_text())
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{json_path}: not valid JSON ({exc}); the checkpoint is damaged") from None
    if record.get("format") != FORMAT:
        raise CheckpointError(f"{json_path}: not a ganbook checkpoint (format={record.get('format')!r})")
    tensor_path = json_path.parent / record["tensors_file"]
    if not tensor_path.exists():
        raise CheckpointError(f"{tensor_path}: tensor file missing; the checkpoint is incomplete")
    blob = tensor_path.read_bytes()
    if verify and sha256_bytes(blob) != record["tensors_sha256"]:
        raise CheckpointError(f"{tensor_path}: sha256 does not match {json_path.name}; the file is corrupted")
    return st_load(blob), record["meta"]


def latest_checkpoint(folder: str | os.PathLike, prefix: str = "step_") -> Path | None:
    """The newest complete ``prefix*.json`` checkpoint in ``folder`` (by name), or None."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    found = sorted(p for p in folder.glob(f"{prefix}*.json") if _with(_stem(p), ".safetensors").exists())
    return found[-1] if found else None


def flatten_state(state: Any, prefix: str, tensors: dict[str, torch.Tensor]) -> Any:
    """Split a nested state (e.g. an optimizer ``state_dict``) into tensors and a JSON skeleton.

    Tensors are moved into ``tensors`` under dotted keys; the returned skeleton holds ``{"__tensor__": key}``
    in their place, so :func:`unflatten_state` can rebuild the original structure exactly.
    """
    if isinstance(state, torch.Tensor):
        tensors[prefix] = state
        return {"__tensor__": prefix}
    if isinstance(state, Mapping):
        # JSON keys are strings; remember int keys (optimizer param ids).
        return {"__dict__": [[k, flatten_state(v, f"{prefix}.{k}", tensors)] for k, v in state.items()]}
    if isinstance(state, (list, tuple)):
        return {"__list__": [flatten_state(v, f"{prefix}.{i}", tensors) for i, v in enumerate(state)],
                "__tuple__": isinstance(state, tuple)}
    return state


def unflatten_state(skeleton: Any, tensors: Mapping[str, torch.Tensor]) -> Any:
    """Inverse of :func:`flatten_state`."""
    if isinstance(skeleton, dict):
        if "__tensor__" in skeleton:
            return tensors[skeleton["__tensor__"]]
        if "__dict__" in skeleton:
            return {k: unflatten_state(v, tensors) for k, v in skeleton["__dict__"]}
        if "__list__" in skeleton:
            items = [unflatten_state(v, tensors) for v in skeleton["__list__"]]
            return tuple(items) if skeleton.get("__tuple__") else items
        return {k: unflatten_state(v, tensors) for k, v in skeleton.items()}
    return skeleton


def _stem(path: str | os.PathLike) -> Path:
    p = Path(path)
    return p.with_suffix("") if p.suffix in (".json", ".safetensors") else p


def _with(stem: Path, suffix: str) -> Path:
    # Not Path.with_suffix: a stem such as "rwman.demo" must keep its dot.
    return stem.parent / (stem.name + suffix)
