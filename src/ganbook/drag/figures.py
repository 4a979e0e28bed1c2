"""Notebook 04's figures: generator samples, the scripted-edit gallery, an inverted and dragged face,
and the landmark benchmark.

:func:`scripted_edits` runs the gallery's edits (detect a landmark, drag it by a fixed offset,
detect it again) and :meth:`ScriptedEdit.scores` gives each edit's distances for the metrics table;
the ``plot_*`` functions draw and return a matplotlib figure. Points are (x, y) pixels; red is a
handle and its tracked trajectory, blue its target.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .draggan import DragConfig, DragResult, drag, image_to_numpy
from .evaluation import METHODS
from .landmarks import detect_landmarks

__all__ = ["SCRIPTED_EDITS", "ScriptedEdit", "scripted_edits", "plot_samples", "plot_gallery", "plot_inversion",
           "plot_benchmark"]

HANDLE, TARGET = "#ff2020", "#2060ff"

# (landmark index, (dx, dy) in pixels, description); edit i uses entry i modulo the list's length.
SCRIPTED_EDITS = (
    (2, (6, 0), "nose tip → right"),
    (4, (3, 5), "mouth corner → down"),
    (0, (-5, -4), "left eye → up-left"),
    (1, (5, 3), "right eye → down-right"),
    (3, (-4, 4), "mouth corner → down-left"),
    (2, (-5, 4), "nose tip → down-left"),
)


@dataclass
class ScriptedEdit:
    """One gallery edit.

    Attributes:
        what: the edit's description (its method label in the metrics table).
        start: (H, W, 3) image before the edit, in [0, 1].
        result: the :class:`DragResult`.
        handle, target: (x, y) of the detected landmark before the edit and of its target.
        after: (x, y) where the detector finds that landmark in the edited image.
    """

    what: str
    start: np.ndarray
    result: DragResult
    handle: np.ndarray
    target: np.ndarray
    after: np.ndarray

    def scores(self) -> dict[str, dict[str, float]]:
        """``{what: {metric: value}}``: the tracker's and the detector's end distance to the target, the
        start distance and the number of steps."""
        return {self.what: {"tracked_distance_px": float(np.linalg.norm(self.result.points[0] - self.target)),
                            "detected_distance_px": float(np.linalg.norm(self.after - self.target)),
                            "start_distance_px": float(np.linalg.norm(self.handle - self.target)),
                            "steps": float(self.result.steps)}}


def scripted_edits(G, regressor, ws: torch.Tensor, config: DragConfig | None = None,
                   edits=SCRIPTED_EDITS) -> list[ScriptedEdit]:
    """Drag one detected landmark of each face by a fixed offset.

    Args:
        G: the generator (frozen).
        regressor: a :class:`ganbook.drag.landmarks.LandmarkNet`.
        ws: (N, num_ws, w_dim) W+ codes, one face per edit.
        config: the :class:`DragConfig` of every edit.
        edits: (landmark index, (dx, dy), description) entries, cycled through.
    """
    out = []
    for i in range(len(ws)):
        lm_idx, (dx, dy), what = edits[i % len(edits)]
        w = ws[i:i + 1]
        with torch.no_grad():
            start = image_to_numpy(G.synthesis(w, noise_mode="const"))
        handle = detect_landmarks(regressor, start[None])[0][lm_idx]
        target = np.clip(handle + (dx, dy), 0, G.resolution - 1)
        result = drag(G, w, [handle], [target], config=config)
        after = detect_landmarks(regressor, result.image[None])[0][lm_idx]
        out.append(ScriptedEdit(what, start, result, handle, target, after))
    return out


def _mark(ax, trajectory, handle, target) -> None:
    ax.plot(trajectory[:, 0], trajectory[:, 1], "-", color=HANDLE, lw=1.2)
    ax.plot(*handle, "o", color=HANDLE, ms=4)
    ax.plot(*target, "o", color=TARGET, ms=4)


def plot_samples(samples: torch.Tensor, tiny_samples: torch.Tensor, tiny_steps: int):
    """Two rows of generator outputs ((N, 3, H, W) in [-1, 1]): the shipped generator and the tiny one."""
    import matplotlib.pyplot as plt

    n = len(samples)
    fig, axes = plt.subplots(2, n, figsize=(10, 2.8))
    for i in range(n):
        axes[0, i].imshow(image_to_numpy(samples[i:i + 1]))
        axes[1, i].imshow(image_to_numpy(tiny_samples[i:i + 1]))
    for ax in axes.ravel():
        ax.axis("off")
    axes[0, 0].set_title("shipped generator (ψ = 0.7)", fontsize=8, loc="left")
    axes[1, 0].set_title(f"tiny generator after {tiny_steps} steps", fontsize=8, loc="left")
    return fig


def plot_gallery(gallery: list[ScriptedEdit]):
    """Before (top) and after (bottom) each scripted edit, with the tracked trajectory and the target."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(gallery), figsize=(2.4 * len(gallery), 5), squeeze=False)
    for col, edit in enumerate(gallery):
        axes[0, col].imshow(edit.start)
        axes[0, col].set_title(f"before: {edit.what}", fontsize=8)
        axes[1, col].imshow(edit.result.image)
        axes[1, col].set_title(f"after {edit.result.steps} steps", fontsize=8)
        for ax in axes[:, col]:
            _mark(ax, edit.result.trajectory[:, 0], edit.handle, edit.target)
            ax.axis("off")
    return fig


def plot_inversion(real: np.ndarray, inverted, dragged: DragResult, handle, target):
    """The rendered face, its inversion (an :class:`~ganbook.drag.inversion.InversionResult`) and the dragged
    inversion with the handle's trajectory."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(7.5, 2.8))
    for ax, img, title in ((axes[0], real, "rendered ('real') face"),
                           (axes[1], inverted.image, f"inverted: {inverted.psnr:.1f} dB"),
                           (axes[2], dragged.image, f"dragged ({dragged.steps} steps)")):
        ax.imshow(img)
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    _mark(axes[2], dragged.trajectory[:, 0], handle, target)
    return fig


def plot_benchmark(edits: list[dict], regressor_error: float, resolution: int):
    """Distance per pair, method and point count with the mean and its bootstrap 95 % CI (left), and the
    first edit with the most points (right).

    Args:
        edits: :func:`ganbook.drag.evaluation.landmark_edits` records.
        regressor_error: the detector's mean error in px (drawn as a dashed line).
        resolution: the image size, for the right panel's axes.
    """
    import matplotlib.pyplot as plt

    from ..metrics import bootstrap_mean_ci

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    points_per = sorted({e["points"] for e in edits})
    x = np.arange(len(points_per))
    jitter = np.random.default_rng(0)
    for k, method in enumerate(METHODS):
        colour = f"C{k}"
        for xi, n in zip(x + (k - 1) * 0.27, points_per):
            d = np.array([e[method]["distance"] for e in edits if e["points"] == n])
            axes[0].scatter(xi + jitter.uniform(-0.08, 0.08, len(d)), d, s=6, color=colour, alpha=0.45, lw=0)
            low, high = bootstrap_mean_ci(d, seed=n)  # the interval evaluate() reports
            axes[0].errorbar(xi, d.mean(), yerr=[[d.mean() - low], [high - d.mean()]], fmt="o", color="k",
                             ms=4, capsize=3, lw=1)
        axes[0].scatter([], [], s=12, color=colour, label=method)
    axes[0].set_xticks(x, [f"{n} point{'s' if n > 1 else ''}" for n in points_per])
    axes[0].set_ylabel("distance to targets (px)")
    axes[0].set_title("dots: pairs; black: mean and bootstrap 95 % CI", fontsize=7)
    axes[0].axhline(regressor_error, color="k", lw=0.8, ls="--", label="regressor error")
    axes[0].legend(fontsize=7, frameon=False)
    e = next(e for e in edits if e["points"] == points_per[-1])
    axes[1].set_title(f"pair 0, {points_per[-1]} points: handles (red) → targets (blue), DragGAN (green)", fontsize=7)
    h, t, d = np.array(e["handles"]), np.array(e["targets"]), np.array(e["DragGAN"]["detected"])
    axes[1].scatter(*h.T, c=HANDLE, s=14)
    axes[1].scatter(*t.T, c=TARGET, s=14)
    axes[1].scatter(*d.T, c="tab:green", s=14, marker="x")
    for a, b in zip(h, t):
        axes[1].annotate("", b, a, arrowprops=dict(arrowstyle="->", color="0.5", lw=0.8))
    axes[1].set_xlim(0, resolution - 1)
    axes[1].set_ylim(resolution - 1, 0)
    axes[1].set_aspect("equal")
    return fig
