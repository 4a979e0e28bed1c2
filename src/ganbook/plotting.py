"""Small plotting helpers shared by the notebooks (matplotlib only; no global state changed)."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = ["loss_curves", "image_grid", "points"]


def loss_curves(ax, history: Mapping[str, Sequence], keys: Sequence[str] | None = None, title: str = "") -> None:
    """Plot the trainer's history (``step`` on x) for ``keys`` (default: every loss column)."""
    steps = history["step"]
    keys = keys or [k for k in history if k not in ("step", "phase")]
    for k in keys:
        vals = [np.nan if v is None else v for v in history.get(k, [])]
        if vals:
            ax.plot(steps[: len(vals)], vals, label=k, lw=1)
    ax.set_xlabel("step")
    ax.set_title(title)
    ax.legend(fontsize=7, frameon=False)


def image_grid(ax, images: np.ndarray, ncol: int, cmap: str = "gray", vmin=None, vmax=None, pad: int = 1) -> None:
    """Tile (N, H, W) or (N, H, W, 3) images into one picture on ``ax``."""
    n, h, w = images.shape[:3]
    nrow = int(np.ceil(n / ncol))
    fill = np.nanmin(images) if vmin is None else vmin
    canvas = np.full((nrow * (h + pad) - pad, ncol * (w + pad) - pad, *images.shape[3:]), fill, dtype=float)
    for i, im in enumerate(images):
        r, c = divmod(i, ncol)
        canvas[r * (h + pad): r * (h + pad) + h, c * (w + pad): c * (w + pad) + w] = im
    ax.imshow(canvas, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_axis_off()


def points(ax, xy: np.ndarray, reference: np.ndarray | None = None, extent: float | None = None, title: str = "",
           s: float = 2.0) -> None:
    """Scatter 2-D samples (blue) over reference modes or data (orange)."""
    if reference is not None:
        ax.scatter(reference[:, 0], reference[:, 1], s=12, c="tab:orange", marker="x", lw=1, label="data modes")
    ax.scatter(xy[:, 0], xy[:, 1], s=s, c="tab:blue", alpha=0.4, lw=0)
    if extent:
        ax.set_xlim(-extent, extent)
        ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
