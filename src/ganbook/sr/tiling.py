"""Tiled (sliding-window) super-resolution of images and volumes larger than memory allows at once.

The LR input is cut into overlapping tiles, the model runs on batches of tiles under ``no_grad``,
and the upscaled tiles are blended with separable windows that sum to exactly one everywhere:

* along each axis, next to a cut (not at the image border) a tile's weight is 0 over the outer
  quarter of the overlap, rises as a raised cosine over the middle half, and is 1 inside;
* windows are normalised per axis, and the tile grid is a Cartesian product of per-axis positions,
  so the N-D weights (outer products) sum to one without a weight volume in memory.

Exactness: a tile's output is exact wherever the network does not "see" the cut. If the
receptive-field radius of the model is at most ``overlap // 4`` LR pixels, every pixel with non-zero
weight is exact, and tiled equals untiled inference up to float rounding (≤ 1e-5 max abs in float32
in our tests). Deep models (RRDB, RWMAN at paper size) see much further; then tiles differ slightly
near cuts and the cross-fade hides the seams — the larger the overlap, the smaller the difference.

Memory: one batch of tiles (input, activations, output) plus the HR output itself — independent of
the image size apart from the output it must return. Put the model in ``eval()`` first (batch norm
in training mode would normalise each tile batch differently).
"""
from __future__ import annotations

import itertools
import math
import warnings
from typing import Callable, Sequence

import torch

__all__ = ["tiled_apply", "tile_starts", "blend_weights"]


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start positions of tiles of size ``min(tile, length)`` covering ``[0, length)``.

    The fewest tiles whose neighbours share at least ``overlap`` pixels, spread evenly from 0 to
    ``length - tile`` (so the extra overlap is shared out instead of piling up at the end).
    """
    if length <= tile:
        return [0]
    n = math.ceil((length - tile) / (tile - overlap)) + 1
    return [round(i * (length - tile) / (n - 1)) for i in range(n)]


def _ramp(overlap_hr: int, margin_hr: int) -> torch.Tensor:
    """Raised cosine rising over ``overlap_hr`` pixels: 0 on the first ``margin_hr``, 1 on the last ones.

    ``r[d] + r[overlap_hr - 1 - d] == 1``, so two tiles overlapping by exactly the overlap sum to one.
    """
    width = overlap_hr - 2 * margin_hr
    t = ((torch.arange(overlap_hr, dtype=torch.float64) + 0.5 - margin_hr) / width).clamp(0.0, 1.0)
    return 0.5 - 0.5 * torch.cos(math.pi * t)


def blend_weights(length: int, tile: int, overlap: int, scale: int) -> tuple[list[int], list[torch.Tensor]]:
    """Tile starts (LR) and each tile's HR weight vector along one axis, normalised to sum to one.

    Args:
        length: LR size of the axis.
        tile: LR tile size (clipped to ``length``).
        overlap: LR overlap between neighbouring tiles.
        scale: upscaling factor.
    """
    tile = min(tile, length)
    starts = tile_starts(length, tile, overlap)
    o_hr, m_hr = overlap * scale, (overlap // 4) * scale
    ramp = _ramp(o_hr, m_hr) if o_hr else torch.ones(0, dtype=torch.float64)
    weights = []
    for s in starts:
        w = torch.ones(tile * scale, dtype=torch.float64)
        if s > 0:  # cut on the left
            w[:o_hr] *= ramp
        if s + tile < length:  # cut on the right
            w[tile * scale - o_hr:] *= ramp.flip(0)
        weights.append(w)
    total = torch.zeros(length * scale, dtype=torch.float64)
    for s, w in zip(starts, weights):
        total[s * scale:(s + tile) * scale] += w
    weights = [w / total[s * scale:(s + tile) * scale] for s, w in zip(starts, weights)]
    return starts, weights


def _per_axis(value: int | Sequence[int], dims: int, name: str) -> tuple[int, ...]:
    values = (value,) * dims if isinstance(value, int) else tuple(value)
    if len(values) != dims or any(not isinstance(v, int) or v < 0 for v in values):
        raise ValueError(f"{name} must be a non-negative int or {dims} of them, got {value!r}")
    return values


def tiled_apply(model_fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, scale: int,
                tile: int | Sequence[int], overlap: int | Sequence[int], spatial_dims: int, *,
                batch_size: int = 4, device: torch.device | str | None = None,
                progress: bool = False) -> torch.Tensor:
    """Apply an SR model to ``x`` tile by tile and blend the results seamlessly.

    Args:
        model_fn: maps an LR batch (B, C, *tile) to (B, C_out, *(scale·tile)), e.g. ``model`` in eval mode.
        x: LR input (N, C, *spatial); stays where it is, only tiles move to ``device``.
        scale: the model's upscaling factor.
        tile: LR tile size per axis (int or one per axis); clipped to the image, so a tile larger
            than the image means one-shot inference.
        overlap: LR pixels shared by neighbouring tiles; needs ``tile >= 2·overlap + 1``.
            Exact (see module doc) when the model's receptive-field radius ≤ ``overlap // 4``.
        spatial_dims: 2 for images, 3 for volumes.
        batch_size: tiles per model call — with ``tile`` this bounds the memory.
        device: where the model runs (default: where ``x`` is).
        progress: show a tqdm bar (also subject to ``GANBOOK_PROGRESS`` / CI).

    Returns:
        (N, C_out, *(scale·spatial)) float tensor on ``x``'s device.
    """
    d = spatial_dims
    if d not in (2, 3) or x.ndim != d + 2:
        raise ValueError(f"x must be (N, C, {d} spatial sizes) for spatial_dims={spatial_dims}, got {tuple(x.shape)}")
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a positive int, got {scale!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if isinstance(model_fn, torch.nn.Module) and model_fn.training:
        warnings.warn("tiled_apply got a model in training mode; call model.eval() first (batch norm and "
                      "dropout would make every tile batch different)", stacklevel=2)
    tiles, overlaps = _per_axis(tile, d, "tile"), _per_axis(overlap, d, "overlap")
    spatial = x.shape[2:]
    for t, o, n in zip(tiles, overlaps, spatial):
        if n > t and t < 2 * o + 1:
            raise ValueError(f"tile ({t}) must be at least 2·overlap + 1 ({2 * o + 1}); lower overlap or raise tile")
    plans = [blend_weights(n, t, o, scale) for n, t, o in zip(spatial, tiles, overlaps)]
    sizes = [min(t, n) for t, n in zip(tiles, spatial)]
    jobs = [(i, combo) for i in range(x.shape[0]) for combo in itertools.product(*(range(len(p[0])) for p in plans))]
    device = torch.device(device) if device is not None else x.device
    out_dtype = torch.promote_types(x.dtype, torch.float32)
    out = None

    from tqdm.auto import tqdm

    from ..runtime import progress_enabled

    batches = [jobs[k:k + batch_size] for k in range(0, len(jobs), batch_size)]
    with torch.no_grad():
        for batch in tqdm(batches, desc="tiles", disable=not (progress and progress_enabled()), leave=False):
            lr_slices = [tuple(slice(plans[a][0][j], plans[a][0][j] + sizes[a]) for a, j in enumerate(combo))
                         for _, combo in batch]
            inp = torch.stack([x[i][(slice(None), *sl)] for (i, _), sl in zip(batch, lr_slices)]).to(device)
            y = model_fn(inp)
            expected = tuple(scale * s for s in sizes)
            if y.ndim != d + 2 or tuple(y.shape[2:]) != expected or y.shape[0] != len(batch):
                raise ValueError(f"model_fn returned shape {tuple(y.shape)} for tiles {tuple(inp.shape)}; expected "
                                 f"({len(batch)}, C_out, *{expected}) — check scale={scale}")
            y = y.to(x.device, out_dtype)
            if out is None:
                out = torch.zeros((x.shape[0], y.shape[1], *(scale * n for n in spatial)), dtype=out_dtype,
                                  device=x.device)
            for k, ((i, combo), sl) in enumerate(zip(batch, lr_slices)):
                w = None
                for a, j in enumerate(combo):  # outer product of the per-axis windows
                    wa = plans[a][1][j].to(x.device, out_dtype).reshape([-1 if b == a else 1 for b in range(d)])
                    w = wa if w is None else w * wa
                hr = tuple(slice(s.start * scale, s.stop * scale) for s in sl)
                out[i][(slice(None), *hr)] += y[k] * w
    return out
