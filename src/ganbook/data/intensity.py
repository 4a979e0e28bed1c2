"""The one intensity map between raw values and a network's [0, 1] scale.

Every model here works on intensities mapped linearly from a window ``(low, high)`` — a CT window
in HU, an MR slice's percentiles, a fundus photo's 0–255 — to [0, 1]. Training data, inference and
the ``upscale`` CLI all go through these two functions, so a model sees at inference exactly the
scale it was trained on.
"""
from __future__ import annotations

import numpy as np

__all__ = ["to_unit", "from_unit"]


def to_unit(x, window, *, clip: bool = True) -> np.ndarray:
    """``(x - low) / (high - low)`` in float32, clipped to [0, 1] unless ``clip=False``.

    Args:
        x: raw values (any shape).
        window: ``(low, high)`` with ``high > low``.
        clip: clip to [0, 1]; patches for 3-D training keep values outside the window
            (``clip=False``) so that bright vessels are not flattened.
    """
    lo, hi = window
    if not hi > lo:
        raise ValueError(f"intensity window must have high > low, got {tuple(window)}")
    y = (np.asarray(x, np.float32) - lo) / (hi - lo)
    return np.clip(y, 0.0, 1.0) if clip else y.astype(np.float32, copy=False)


def from_unit(y, window, *, clip: bool = False) -> np.ndarray:
    """The inverse map, ``y · (high - low) + low`` (``clip=True`` clips ``y`` to [0, 1] first)."""
    lo, hi = window
    y = np.clip(y, 0.0, 1.0) if clip else y
    return y * (hi - lo) + lo
