"""Super-resolution inference helpers: tiled (sliding-window) application of a model.

Interpolation baselines live in :mod:`ganbook.data.degrade` (``upsample``, ``baseline_upsample``),
next to the degradations whose sampling grid they must match.
"""
from .tiling import blend_weights, tile_starts, tiled_apply

__all__ = ["tiled_apply", "tile_starts", "blend_weights"]
