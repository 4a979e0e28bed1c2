"""``python -m ganbook upscale --checkpoint CKPT INPUT OUTPUT``: apply a trained SR model to your own file.

One command for every super-resolution notebook. The checkpoint's model card (``ganbook.sr.export``)
says which network to rebuild, how raw values map to its [0, 1] input and what it was trained on:

* DICOM in → DICOM out: a new series of the same study (new UIDs), pixel spacing divided by the scale,
  the first pixel re-positioned so the image covers the same patch of the patient, values in the
  source's units (HU for CT). Multi-frame files need ``--frame``.
* NIfTI in → NIfTI out with the scaled affine: a 3-D model (``spatial_dims == 3``) runs on the volume;
  a 2-D model runs on every slice along the last axis and upscales the first two. The new origin puts
  each input voxel where the model was trained to expect it in its block (the card's ``sample_offset``,
  e.g. ``scale // 2`` for notebook 03's nearest-decimated LR; block centres when it has none).
* PNG / JPEG / TIFF in → picture out (PNG 8- or 16-bit like the input; TIFF keeps float values).

Inference is tiled (``ganbook.sr.tiling.tiled_apply``), so memory stays bounded on large inputs. The
command warns when the input's pixel spacing or value range lies outside what the card records from
training — the model may still run, but its measured quality does not carry over.

Card fields read here: ``trained_lr_spacing`` — the spacing of the *low-resolution* images the model was
trained to take (the HR ``trained_spacing`` × ``scale`` unless the card says otherwise), since an input
is an LR image: a native-resolution scan given as input is warned about, naming both spacings. Each is
either one nominal spacing per axis (``[2.0, 2.0, 2.0]``; warn beyond a factor 1.5 either way) or a
``[min, max]`` range per axis (warn outside it, 10 % slack);
``trained_range`` is ``[low, high]`` raw values (warn when more than 1 % of the input lies outside;
for a fixed-window card, values below the window — air, scanner padding — are ignored: they all map to 0).
"""
from __future__ import annotations

import argparse
import io
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .data.intensity import from_unit, to_unit

__all__ = ["register", "upscale_file", "upscale_array", "card_window", "check_input", "InputWarning"]


class InputWarning(UserWarning):
    """The input lies outside what the model was trained on."""


# ------------------------------------------------------------------------------------ intensity maps
def card_window(card, array: np.ndarray) -> tuple[float, float]:
    """The (low, high) window the card maps to [0, 1] for this input (fixed, or the input's percentiles)."""
    spec = card.intensity
    if spec["kind"] == "percentile":
        lo, hi = np.percentile(array, [spec["low"], spec["high"]])
    else:
        lo, hi = spec["low"], spec["high"]
    lo, hi = float(lo), float(hi)
    return lo, (hi if hi > lo else lo + 1e-6)


def check_input(card, array: np.ndarray, spacing, path) -> list[str]:
    """Warnings (also issued as :class:`InputWarning`) when spacing or values lie outside the training data."""
    messages = []
    if spacing is not None and card.trained_lr_spacing:
        for axis, (s, t) in enumerate(zip(spacing, card.trained_lr_spacing)):
            lo, hi = (t[0] / 1.1, t[1] * 1.1) if isinstance(t, (list, tuple)) else (t / 1.5, t * 1.5)
            if not lo <= float(s) <= hi:
                hr = card.trained_spacing[axis] if card.trained_spacing else None
                hr_text = "" if hr is None else f" (its HR images: {_spacing_text(hr)} mm)"
                messages.append(f"{path}: pixel spacing {float(s):.4g} mm along axis {axis} is outside the "
                                f"LR spacing the model was trained to take, {lo:.3g}..{hi:.3g} mm{hr_text}; "
                                f"results may not match the card's metrics")
    if card.trained_range:
        lo, hi = card.trained_range
        values = np.asarray(array)
        if card.intensity.get("kind") == "window":  # below the window all values become 0 (air, padding)
            values = values[values > card.intensity["low"]]
        outside = float(np.mean((values < lo) | (values > hi))) if values.size else 0.0
        if outside > 0.01:
            messages.append(f"{path}: {100 * outside:.1f}% of the values lie outside the training range "
                            f"{lo:g}..{hi:g}; is this the modality the model was trained on ({card.modality})?")
    for m in messages:
        warnings.warn(m, InputWarning, stacklevel=3)
    return messages


def _spacing_text(t) -> str:
    return f"{t[0]:.3g}..{t[1]:.3g}" if isinstance(t, (list, tuple)) else f"{float(t):.3g}"


# ----------------------------------------------------------------------------------------- inference
def upscale_array(model: torch.nn.Module, card, x: np.ndarray, *, tile: int | None = None, overlap: int | None = None,
                  batch_size: int = 4, device: Any = "cpu") -> np.ndarray:
    """Super-resolve a [0, 1] array with tiling.

    Args:
        model: the network (eval mode), e.g. from ``load_sr_model``.
        card: its model card.
        x: (H, W) or (C, H, W) for 2-D models; (I, J, K) or (C, I, J, K) for 3-D models. Channels are
            fed together when the model takes that many, else one at a time.
        tile, overlap: LR tile and overlap (defaults: 128 / 16 in 2-D, 32 / 8 in 3-D).
        batch_size: tiles per forward pass.
        device: where the model runs.

    Returns:
        The upscaled array, float32, same layout.
    """
    from .sr.tiling import tiled_apply

    d = card.spatial_dims
    tile = tile or (128 if d == 2 else 32)
    overlap = overlap if overlap is not None else (16 if d == 2 else 8)
    tile = max(tile, 2 * overlap + 1)
    x = np.asarray(x, np.float32)
    single = x.ndim == d
    chans = x[None] if single else x  # (C, *spatial)
    in_ch = int(card.config.get("in_channels", 1))
    batch = chans[None] if chans.shape[0] == in_ch else chans[:, None]  # (N, in_ch, *spatial)
    if batch.shape[1] != in_ch:
        raise ValueError(f"the model takes {in_ch} channel(s); the input has {chans.shape[0]}")
    t = torch.from_numpy(np.ascontiguousarray(batch))
    y = tiled_apply(model, t, card.scale, tile, overlap, d, batch_size=batch_size, device=device).numpy()
    y = y[0] if chans.shape[0] == in_ch else y[:, 0]  # back to (C, *spatial)
    return y[0] if single else y


def _device(name: str):
    from .runtime import select_device

    return select_device(name)


def upscale_file(checkpoint, input_path, output_path, *, tile: int | None = None, overlap: int | None = None,
                 device: str = "cpu", frame: int | None = None, force: bool = False) -> dict:
    """Upscale one DICOM / NIfTI / picture file with a saved SR model and write the same format.

    Args:
        checkpoint: an SR model checkpoint (``reports/checkpoints/...``; JSON, safetensors or stem).
        input_path: the file to upscale.
        output_path: where to write it (DICOM ``.dcm``; NIfTI ``.nii`` / ``.nii.gz``; ``.png`` / ``.tif``).
        tile, overlap: LR tile size and overlap for tiled inference.
        device: "cpu", "cuda", "mps" or "auto".
        frame: the frame of a multi-frame DICOM.
        force: read DICOM files without the 128-byte preamble.

    Returns:
        A summary: input/output shapes and spacings, the card's method, the warnings issued.

    Raises:
        DataError: unreadable input or an output format that does not match the input (names the file).
        CheckpointError: the checkpoint is missing or not an SR model.
    """
    from .data.describe import VOLUME_SUFFIXES
    from .data.dicom import is_dicom_file, read_dicom
    from .data.errors import DataError
    from .data.images import IMAGE_SUFFIXES, read_image
    from .sr.export import load_sr_model

    dev = _device(device)
    model, card = load_sr_model(checkpoint, device=dev)
    inp, out = Path(input_path), Path(output_path)
    name, oname = inp.name.lower(), out.name.lower()
    s = card.scale
    if not inp.is_file():
        raise DataError(inp, "does not exist or is not a file", "check the path")
    if force or is_dicom_file(inp) or name.endswith((".dcm", ".dicom")):
        if oname.endswith(VOLUME_SUFFIXES + IMAGE_SUFFIXES):
            raise DataError(out, "must be a DICOM file (the input is DICOM)", "name the output e.g. out.dcm")
        if card.spatial_dims != 2:
            raise DataError(inp, "is a DICOM slice but the model is 3-D", "convert the series to NIfTI first")
        src = read_dicom(inp, force=force, frame=frame)
        if src.layout not in ("HW", "FHW"):
            raise DataError(inp, f"has layout {src.layout}; only grey slices are supported", "use a grey CT/MR slice")
        if src.layout == "FHW" and src.array.shape[0] > 1:
            raise DataError(inp, f"has {src.array.shape[0]} frames", "pick one with --frame N")
        raw = src.array[0] if src.layout == "FHW" else src.array
        warns = check_input(card, raw, src.spacing, inp)
        window = card_window(card, raw)
        y = from_unit(upscale_array(model, card, to_unit(raw, window), tile=tile, overlap=overlap, device=dev),
                      window, clip=True)
        from .data.dicom_writer import write_dicom_slice

        write_dicom_slice(out, y, src, scale=s, frame=frame or 0,
                          description=f"ganbook {card.method} x{s} (research only, not for diagnosis)")
        spacing_out = None if src.spacing is None else tuple(v / s for v in src.spacing[-2:])
        return _summary(card, raw.shape, y.shape, src.spacing, spacing_out, out, warns)
    if name.endswith(VOLUME_SUFFIXES):
        from .data.nifti import read_volume, upsampled_affine, write_nifti

        if not oname.endswith((".nii", ".nii.gz")):
            raise DataError(out, "must be a NIfTI file (.nii or .nii.gz) for a volume input", "rename the output")
        src = read_volume(inp)
        warns = check_input(card, src.array, src.spacing, inp)
        window = card_window(card, src.array)
        x = to_unit(src.array, window)
        if card.spatial_dims == 3:
            y, factors = upscale_array(model, card, x, tile=tile, overlap=overlap, device=dev), (s, s, s)
        else:  # a 2-D model: every slice along the last axis, in-plane upscaling only
            slices = np.moveaxis(x, -1, 0)  # (K, I, J)
            y = np.stack([upscale_array(model, card, sl, tile=tile, overlap=overlap, device=dev) for sl in slices], -1)
            factors = (s, s, 1)
        y = from_unit(y, window, clip=True)
        # The output grid follows where the model assumes each LR voxel sits in its HR block.
        offset = card.config.get("sample_offset")
        offsets = None if offset is None else tuple(float(offset) if f > 1 else 0.0 for f in factors)
        src_affine = src.affine if src.affine is not None else np.eye(4)
        write_nifti(out, y, src, scale=factors, affine=upsampled_affine(src_affine, factors, offsets),
                    description=f"ganbook {card.method} x{s}")
        spacing_out = None if src.spacing is None else tuple(v / f for v, f in zip(src.spacing, factors))
        return _summary(card, src.array.shape, y.shape, src.spacing, spacing_out, out, warns)
    if name.endswith(IMAGE_SUFFIXES):
        if card.spatial_dims != 2:
            raise DataError(inp, "is a 2-D picture but the model is 3-D", "use a NIfTI volume")
        if not oname.endswith((".png", ".tif", ".tiff")):
            raise DataError(out, "must be .png, .tif or .tiff for a picture input", "rename the output")
        src = read_image(inp)
        warns = check_input(card, src.array, None, inp)
        window = card_window(card, src.array)
        y = from_unit(upscale_array(model, card, to_unit(src.array, window), tile=tile, overlap=overlap, device=dev),
                      window, clip=True)
        _write_picture(out, y, sixteen_bit=src.meta.get("mode", "").startswith("I;16") or src.meta.get("mode") == "I")
        return _summary(card, src.array.shape, y.shape, None, None, out, warns)
    raise DataError(inp, "is not DICOM, NIfTI or a PNG/JPEG/TIFF picture", "convert it, or add --force for old DICOM")


def _write_picture(path: Path, y: np.ndarray, sixteen_bit: bool) -> None:
    from PIL import Image

    from .io import atomic_write_bytes

    buffer = io.BytesIO()
    if path.name.lower().endswith((".tif", ".tiff")) and y.ndim == 2:
        Image.fromarray(y.astype(np.float32), mode="F").save(buffer, format="TIFF")
    elif y.ndim == 3:
        Image.fromarray(np.rint(np.clip(np.moveaxis(y, 0, -1), 0, 1) * 255).astype(np.uint8)).save(
            buffer, format="TIFF" if path.suffix.lower() in (".tif", ".tiff") else "PNG")
    elif sixteen_bit:
        Image.fromarray(np.rint(np.clip(y, 0, 1) * 65535).astype(np.uint16)).save(buffer, format="PNG")
    else:
        Image.fromarray(np.rint(np.clip(y, 0, 1) * 255).astype(np.uint8)).save(buffer, format="PNG")
    atomic_write_bytes(path, buffer.getvalue())


def _summary(card, shape_in, shape_out, spacing_in, spacing_out, out, warns) -> dict:
    return {"method": card.method, "scale": card.scale, "input_shape": tuple(shape_in),
            "output_shape": tuple(shape_out), "input_spacing": spacing_in, "output_spacing": spacing_out,
            "output": str(out), "warnings": warns}


# -------------------------------------------------------------------------------------------------- CLI
def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``upscale`` subcommand to ``python -m ganbook``."""
    p = subparsers.add_parser("upscale", help="super-resolve a DICOM / NIfTI / PNG-JPEG-TIFF file with a checkpoint",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", required=True, help="an SR model checkpoint saved by a notebook "
                                                       "(reports/checkpoints/<notebook>/<profile>/NAME.json)")
    p.add_argument("input", help="DICOM slice, NIfTI volume or PNG/JPEG/TIFF picture")
    p.add_argument("output", help="where to write the result, same format (.dcm, .nii/.nii.gz, .png/.tif)")
    p.add_argument("--tile", type=int, default=None, help="LR tile size (default 128 in 2-D, 32 in 3-D)")
    p.add_argument("--overlap", type=int, default=None, help="LR overlap between tiles (default 16 / 8)")
    p.add_argument("--device", default="cpu", help="cpu (default) | cuda | mps | auto")
    p.add_argument("--frame", type=int, default=None, help="frame of a multi-frame DICOM")
    p.add_argument("--force", action="store_true", help="read DICOM files without the 128-byte preamble")
    p.set_defaults(func=_main)
    return p


def _main(args) -> int:
    from .checkpoint import CheckpointError
    from .data.errors import DataError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        try:
            info = upscale_file(args.checkpoint, args.input, args.output, tile=args.tile, overlap=args.overlap,
                                device=args.device, frame=args.frame, force=args.force)
        except (DataError, CheckpointError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    for w in caught:
        if issubclass(w.category, InputWarning):
            print(f"warning: {w.message}", file=sys.stderr)
    fmt = lambda sp: "unknown" if sp is None else " x ".join(f"{v:.4g}" for v in sp) + " mm"  # noqa: E731
    print(f"{info['method']} x{info['scale']}: {args.input} {'x'.join(map(str, info['input_shape']))} "
          f"({fmt(info['input_spacing'])}) -> {info['output']} {'x'.join(map(str, info['output_shape']))} "
          f"({fmt(info['output_spacing'])}). Research and teaching only - not for diagnosis.")
    return 0
