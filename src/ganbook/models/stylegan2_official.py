"""Official StyleGAN2-ADA / DragGAN checkpoints as ganbook generators, read without running their code.

NVIDIA's ``.pkl`` files are pickles of "persistent" objects: each network carries the Python source
of its module (``module_src``), and the official loader *executes* it. :class:`SafeUnpickler` reads
the same file but resolves only a fixed list of globals (:data:`ALLOWED`), each to a function that
builds data: a persistent object becomes a :class:`PersistentRecord` holding its stored ``state``
(parameters, buffers, child modules, init kwargs) with ``module_src`` kept as inert text; tensor
storages are rebuilt by ``torch.load(..., weights_only=True)``. Any other global is refused.

One key mapping (:func:`official_to_ours` / :func:`ours_to_official`) translates NVIDIA's parameter
names (``mapping.fc0.weight``, ``synthesis.b8.conv0.affine.bias``, …) to ours and back, and
:func:`infer_config` reads the sizes from the stored init kwargs or, failing that, from the shapes.
"""
from __future__ import annotations

import collections
import io
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from .stylegan2 import Generator, StyleGAN2Config, _blur_kernel

__all__ = ["PretrainedError", "SafeUnpickler", "PersistentRecord", "ALLOWED", "read_official_pickle",
           "official_to_ours", "ours_to_official", "infer_config", "load_pretrained",
           "read_generator_checkpoint"]


class PretrainedError(ValueError):
    """A file is not a StyleGAN2 checkpoint ganbook can read; the message names the file and why."""


class RefusedGlobal(pickle.UnpicklingError):
    """The pickle names a global outside :data:`ALLOWED`."""


@dataclass
class PersistentRecord:
    """What the official ``_reconstruct_persistent_obj(meta)`` would have instantiated, as plain data."""

    class_name: str
    state: dict
    module_src: str = field(repr=False, default="")  # kept as text, never executed

    def tensors(self, prefix: str = "") -> dict[str, torch.Tensor]:
        """Every parameter and buffer below this module, with official dotted names."""
        out = {}
        for group in ("_parameters", "_buffers"):
            for name, t in (self.state.get(group) or {}).items():
                if t is not None:
                    out[prefix + name] = t.detach() if isinstance(t, torch.Tensor) else torch.as_tensor(t)
        for name, child in (self.state.get("_modules") or {}).items():
            if isinstance(child, PersistentRecord):
                out.update(child.tensors(f"{prefix}{name}."))
        return out

    @property
    def init_kwargs(self) -> dict:
        return dict(self.state.get("_init_kwargs") or {})


def _reconstruct_persistent_obj(meta: Mapping[str, Any]) -> PersistentRecord:
    if not isinstance(meta, Mapping) or meta.get("type") != "class" or not isinstance(meta.get("state"), Mapping):
        raise pickle.UnpicklingError("a persistent object without the official meta layout")
    return PersistentRecord(str(meta.get("class_name")), dict(meta["state"]), str(meta.get("module_src", "")))


def _storage_from_bytes(data: bytes):
    return torch.load(io.BytesIO(data), weights_only=True)


class _EasyDict(dict):
    """dnnlib's attribute dict, as a plain dict (its pickle stores only items)."""


def _numpy_scalar(dtype, data=None):
    return np.frombuffer(data, dtype=dtype)[0] if data is not None else np.zeros((), dtype)[()]


# (module, name) -> the safe callable it resolves to. Nothing else is importable from the file.
ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
    ("torch.storage", "_load_from_bytes"): _storage_from_bytes,
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent_obj,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
    ("dnnlib.util", "EasyDict"): _EasyDict,
}


class SafeUnpickler(pickle.Unpickler):
    """Unpickles only :data:`ALLOWED` globals; anything else raises, naming the file and the global."""

    def __init__(self, file, source: str = "<bytes>"):
        super().__init__(file)
        self.source = source

    def find_class(self, module: str, name: str):
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise RefusedGlobal(
                f"{self.source}: refused global {module}.{name} (only StyleGAN2 network state may be loaded; "
                f"nothing from the file is executed)") from None

    def persistent_load(self, pid):
        raise pickle.UnpicklingError(f"{self.source}: persistent ids are not used by StyleGAN2 pickles ({pid!r})")


def read_official_pickle(path: str | Path) -> dict[str, Any]:
    """The top-level dict of an NVIDIA pickle, networks as :class:`PersistentRecord`."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = SafeUnpickler(fh, str(path)).load()
    except RefusedGlobal as exc:
        raise PretrainedError(str(exc)) from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            RuntimeError) as exc:
        raise PretrainedError(f"{path}: not a readable StyleGAN2 pickle ({type(exc).__name__}: {exc})") from None
    if not isinstance(data, dict):
        raise PretrainedError(f"{path}: expected a dict of networks (G, D, G_ema), got {type(data).__name__}")
    return data


# ------------------------------------------------------------------------------------- key mapping
_LAYER = {"weight": "conv.weight", "bias": "bias", "noise_strength": "noise.strength",
          "noise_const": "noise.noise_const", "affine.weight": "conv.affine.weight",
          "affine.bias": "conv.affine.bias"}
_TORGB = {"weight": "conv.weight", "bias": "bias", "affine.weight": "conv.affine.weight",
          "affine.bias": "conv.affine.bias"}


def official_to_ours(state: Mapping[str, torch.Tensor], cfg: StyleGAN2Config) -> dict[str, torch.Tensor]:
    """NVIDIA ``G.state_dict()`` keys -> ours. FIR ``resample_filter`` buffers are checked, then dropped."""
    res = cfg.block_resolutions
    out = {}
    for key, v in state.items():
        if m := re.fullmatch(r"mapping\.fc(\d+)\.(weight|bias)", key):
            out[f"mapping_network.layers.{m[1]}.{m[2]}"] = v
        elif key == "mapping.w_avg":
            out["mapping_network.w_avg"] = v
        elif m := re.fullmatch(r"synthesis\.b(\d+)\.(.+)", key):
            r, rest = int(m[1]), m[2]
            if r not in res:
                raise KeyError(f"{key}: block {r} is not in {res}")
            b = res.index(r)
            if rest.endswith("resample_filter"):
                _check_filter(key, v)
            elif rest == "const":
                out[f"blocks.{b}.input.const"] = v[None]  # (C, 4, 4) -> (1, C, 4, 4)
            elif (m2 := re.fullmatch(r"(conv0|conv1)\.(.+)", rest)) and m2[2] in _LAYER:
                out[f"blocks.{b}.{m2[1]}.{_LAYER[m2[2]]}"] = v[None, None] if m2[2] == "noise_const" else v
            elif (m2 := re.fullmatch(r"torgb\.(.+)", rest)) and m2[1] in _TORGB:
                out[f"blocks.{b}.torgb.{_TORGB[m2[1]]}"] = v
            else:
                raise KeyError(f"{key}: not a StyleGAN2 synthesis parameter")
        else:
            raise KeyError(f"{key}: not a StyleGAN2 generator parameter (c_dim > 0 and other variants are not supported)")
    return out


def ours_to_official(G: Generator) -> dict[str, torch.Tensor]:
    """Our generator's weights under NVIDIA's names (with the [1, 3, 3, 1] filters), for export."""
    inv_layer = {v: k for k, v in _LAYER.items()}
    inv_rgb = {v: k for k, v in _TORGB.items()}
    f = _fir()
    out = {}
    res = G.cfg.block_resolutions
    for key, v in G.state_dict().items():
        if m := re.fullmatch(r"mapping_network\.layers\.(\d+)\.(weight|bias)", key):
            out[f"mapping.fc{m[1]}.{m[2]}"] = v
        elif key == "mapping_network.w_avg":
            out["mapping.w_avg"] = v
        elif m := re.fullmatch(r"blocks\.(\d+)\.(.+)", key):
            r, rest = res[int(m[1])], m[2]
            if rest == "input.const":
                out[f"synthesis.b{r}.const"] = v[0]
            elif m2 := re.fullmatch(r"(conv0|conv1)\.(.+)", rest):
                name = inv_layer[m2[2]]
                out[f"synthesis.b{r}.{m2[1]}.{name}"] = v[0, 0] if name == "noise_const" else v
                out[f"synthesis.b{r}.{m2[1]}.resample_filter"] = f
            elif m2 := re.fullmatch(r"torgb\.(.+)", rest):
                out[f"synthesis.b{r}.torgb.{inv_rgb[m2[1]]}"] = v
            out[f"synthesis.b{r}.resample_filter"] = f
    return out


def _fir() -> torch.Tensor:
    return _blur_kernel(1, 1.0)[0, 0]  # the model's own [1, 3, 3, 1] filter, (4, 4), sum 1


def _check_filter(key: str, v: torch.Tensor) -> None:
    if tuple(v.shape) != (4, 4) or not torch.allclose(v.float(), _fir(), atol=1e-6):
        raise KeyError(f"{key}: ganbook's StyleGAN2 uses the [1, 3, 3, 1] FIR filter, this one differs")


def infer_config(state: Mapping[str, torch.Tensor], init_kwargs: Mapping[str, Any] | None = None) -> StyleGAN2Config:
    """Sizes from the official init kwargs when stored, else from tensor shapes (official key layout)."""
    kw = dict(init_kwargs or {})
    fcs = sorted(int(m[1]) for k in state if (m := re.fullmatch(r"mapping\.fc(\d+)\.weight", k)))
    blocks = sorted({int(m[1]) for k in state if (m := re.fullmatch(r"synthesis\.b(\d+)\..*", k))})
    if not fcs or not blocks or "synthesis.b4.const" not in state:
        raise KeyError("no mapping.fc*/synthesis.b* tensors: not an official StyleGAN2 generator")
    if kw.get("c_dim"):
        raise KeyError(f"conditional generators (c_dim={kw['c_dim']}) are not supported")
    chans = {r: int(state[f"synthesis.b{r}.conv1.weight"].shape[0]) for r in blocks}
    channel_max = max(chans.values())
    below = [c * r for r, c in chans.items() if c < channel_max]
    syn = dict(kw.get("synthesis_kwargs") or {})
    mapping_kw = dict(kw.get("mapping_kwargs") or {})
    cfg = StyleGAN2Config(
        resolution=int(kw.get("img_resolution", max(blocks))),
        z_dim=int(kw.get("z_dim", state["mapping.fc0.weight"].shape[1])),
        w_dim=int(kw.get("w_dim", state[f"mapping.fc{fcs[-1]}.weight"].shape[0])),
        mapping_layers=int(mapping_kw.get("num_layers", len(fcs))),
        channel_base=int(syn.get("channel_base", min(below) if below else channel_max * max(blocks))),
        channel_max=int(syn.get("channel_max", channel_max)),
        img_channels=int(kw.get("img_channels", state[f"synthesis.b{max(blocks)}.torgb.weight"].shape[0])),
        mapping_lr_mul=float(mapping_kw.get("lr_multiplier", 0.01)))
    got = {r: cfg.channels(r) for r in blocks}
    if got != chans or cfg.block_resolutions != blocks:
        raise KeyError(f"channel widths {chans} do not follow min(channel_max, channel_base // res)")
    return cfg


def load_pretrained(path: str | Path, device: Any = "cpu", network: str = "G_ema") -> Generator:
    """A ganbook :class:`Generator` (eval mode; ``G.w_avg`` is the truncation centre) from:

    * an NVIDIA StyleGAN2-ADA / DragGAN ``.pkl`` (read by :class:`SafeUnpickler`; ``network`` picks
      ``G_ema`` (default), ``G`` …);
    * a state dict in the official key layout: ``.pt`` / ``.pth`` (``torch.load(weights_only=True)``)
      or ``.safetensors``;
    * ganbook's own checkpoint (``NAME.json`` + ``NAME.safetensors``, e.g. from ``drag import-weights``).

    Raises:
        PretrainedError: naming the file, when it is none of these (or a pickle holds a refused global).
    """
    from safetensors.torch import load_file

    from ..checkpoint import FORMAT

    path = Path(path)
    if not path.exists():
        raise PretrainedError(f"{path}: no such file")
    suffix = path.suffix.lower()
    kwargs: dict = {}
    try:
        if suffix == ".json" or (suffix == ".safetensors" and _is_ganbook(path.with_suffix(".json"), FORMAT)):
            return read_generator_checkpoint(path.with_suffix(".json"), device=device)
        if suffix == ".pkl":
            data = read_official_pickle(path)
            record = data.get(network)
            if not isinstance(record, PersistentRecord):
                raise PretrainedError(f"{path}: no network {network!r} in the pickle (keys: {sorted(data)})")
            state, kwargs = record.tensors(), record.init_kwargs
        elif suffix in (".pt", ".pth"):
            state = torch.load(path, map_location="cpu", weights_only=True)
            state = state.get(network, state) if isinstance(state, dict) else state
        elif suffix == ".safetensors":
            state = load_file(str(path))
        else:
            raise PretrainedError(f"{path}: unknown checkpoint type {suffix!r} (expected .pkl, .pt, .pth, "
                                  ".safetensors or a ganbook .json)")
        if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise PretrainedError(f"{path}: expected a dict of tensors")
        cfg = infer_config(state, kwargs)
        G = Generator(cfg)
        G.load_state_dict(official_to_ours(state, cfg))
    except (KeyError, RuntimeError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        raise PretrainedError(f"{path}: not a StyleGAN2 generator ganbook can load: {msg}") from None
    return G.eval().to(device)


def read_generator_checkpoint(path: str | Path, device: Any = "cpu") -> Generator:
    """A generator from a ganbook checkpoint (``kind: stylegan2-generator``), float32, eval mode, frozen.

    Raises:
        ValueError: the checkpoint holds something else.
    """
    from ..checkpoint import load_checkpoint

    tensors, meta = load_checkpoint(path)
    if meta.get("kind") != "stylegan2-generator":
        raise ValueError(f"{path}: not a StyleGAN2 generator checkpoint (kind={meta.get('kind')!r})")
    G = Generator(StyleGAN2Config(**meta["model"]))
    G.load_state_dict({k: v.float() for k, v in tensors.items()})
    G.meta = meta
    return G.eval().requires_grad_(False).to(device)


def _is_ganbook(json_path: Path, fmt: str) -> bool:
    import json

    try:
        return json_path.exists() and json.loads(json_path.read_text()).get("format") == fmt
    except (OSError, ValueError):
        return False
