"""Masks shared by the loaders: the region metrics are computed in and patches are drawn from."""
from __future__ import annotations

import numpy as np

__all__ = ["body_mask"]


def body_mask(image: np.ndarray, threshold: float) -> np.ndarray:
    """The largest connected region above ``threshold``, holes filled (body outline for masked metrics)."""
    from scipy import ndimage

    labels, count = ndimage.label(image > threshold)
    if count == 0:
        return np.zeros(image.shape, bool)
    sizes = ndimage.sum_labels(np.ones_like(labels), labels, index=np.arange(1, count + 1))
    return ndimage.binary_fill_holes(labels == 1 + int(np.argmax(sizes)))
