"""Generic helpers shared by the super-resolution notebooks (01 MedSRGAN, 02 Retinal-ESRGAN, 03 brain MRI).

Append-only: each notebook's helper adds what more than one notebook can use; nothing here knows a
modality. Figures are returned, never saved (the notebook saves them with ``run.save_figure``).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = ["perception_distortion_plot", "comparison_crops", "peak_rss_increase"]


def perception_distortion_plot(ax, points: Mapping[str, tuple[float, float]], *, marked: Sequence[str] = (),
                               curve: Sequence[str] = (), xlabel: str = "sharpness", ylabel: str = "PSNR (dB)",
                               reference_x: float | None = None, title: str = "") -> None:
    """Distortion (y) against a perception / sharpness measure (x), one point per method.

    Args:
        ax: matplotlib axes.
        points: method name -> (x, y).
        marked: methods drawn as big labelled markers (baselines such as "bicubic", "RRDB(P)").
        curve: methods joined by a line in this order (e.g. a network-interpolation sweep).
        xlabel, ylabel: axis labels.
        reference_x: where the HR reference sits on x (e.g. 1 for a ratio to HR), drawn dashed.
        title: axes title.
    """
    if curve:
        xs, ys = zip(*(points[m] for m in curve))
        ax.plot(xs, ys, "-o", color="tab:blue", ms=4, lw=1, zorder=2)
    for name, (x, y) in points.items():
        big = name in marked
        ax.scatter([x], [y], s=60 if big else 14, marker="*" if big else "o",
                   color="tab:red" if big else "tab:blue", zorder=3)
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(4, 4 if big else -9), fontsize=7)
    if reference_x is not None:
        ax.axvline(reference_x, ls="--", lw=0.8, color="gray")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=9)


def comparison_crops(images: Mapping[str, np.ndarray], boxes: Sequence[tuple[int, int, int]], *,
                     scale_text: Mapping[str, str] | None = None, panel: float = 1.6, vmin: float = 0.0,
                     vmax: float = 1.0, cmap: str = "gray"):
    """A grid of zoomed crops: one row per box, one column per image (all on the same HR grid).

    Args:
        images: title -> (H, W) grey or (3, H, W) / (H, W, 3) RGB image in [vmin, vmax].
        boxes: (row, col, size) squares to cut from every image.
        scale_text: optional per-title subtitle (e.g. "31.2 dB").
        panel: inches per crop.
        vmin, vmax, cmap: display range and colour map for grey images.

    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    names = list(images)
    fig, axes = plt.subplots(len(boxes), len(names), figsize=(panel * len(names), panel * len(boxes) + 0.3),
                             squeeze=False)
    for i, (r, c, size) in enumerate(boxes):
        for j, name in enumerate(names):
            im = np.asarray(images[name])
            if im.ndim == 3 and im.shape[0] in (3, 4):
                im = np.moveaxis(im, 0, -1)  # (3, H, W) -> (H, W, 3) for imshow
            crop = im[r:r + size, c:c + size]
            ax = axes[i, j]
            if crop.ndim == 3:
                ax.imshow(np.clip((crop - vmin) / (vmax - vmin), 0, 1))
            else:
                ax.imshow(crop, cmap=cmap, vmin=vmin, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                sub = (scale_text or {}).get(name)
                ax.set_title(name + (f"\n{sub}" if sub else ""), fontsize=7)
    fig.tight_layout()
    return fig


def peak_rss_increase(fn: Callable[[], Any], interval: float = 0.002) -> tuple[Any, float]:
    """Run ``fn()`` and return (its result, the peak rise of this process's resident memory in MiB).

    A background thread samples the RSS every ``interval`` seconds while ``fn`` runs (``ru_maxrss``
    cannot be reset, so it cannot isolate one call). The rise is measured from the RSS just before
    the call, so memory the allocator kept from earlier work can make it an underestimate; run the
    largest call last, or in a fresh process, for a clean figure.
    """
    import psutil

    proc = psutil.Process()
    start = proc.memory_info().rss
    peak = [start]
    done = threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(interval)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        result = fn()
    finally:
        done.set()
        thread.join()
    peak[0] = max(peak[0], proc.memory_info().rss)
    return result, (peak[0] - start) / 2**20


# --- scores of one SR output -----------------------------------------------------------------------
__all__ += ["sr_scores"]


def sr_scores(sr, hr, lr, mask=None, *, scale: int, degrade: Callable[[np.ndarray], np.ndarray],
              data_range: float = 1.0) -> dict[str, float]:
    """The standard per-image scores of one SR output against its HR reference.

    ``psnr`` and ``ssim`` inside ``mask`` (MedSRGAN's definitions with MAX = ``data_range``);
    ``grad_ratio`` = mean gradient magnitude relative to HR and ``hf_ratio`` = spectral energy above the
    LR Nyquist limit (cutoff 1/scale) relative to HR — the sharpness axis of a perception–distortion
    plot; ``consistency_rms`` = RMS of degrade(SR) − LR over the whole image (0 = fully consistent
    with its input).

    Args:
        sr, hr: single-channel images or volumes, same shape, on the intensity scale of ``data_range``.
        lr: the LR input ``sr`` was made from.
        mask: region for psnr / ssim / sharpness (body, FOV, brain); None = everything.
        scale: the SR factor (sets the high-frequency cutoff).
        degrade: the degradation that made ``lr`` from ``hr``.
        data_range: the intensity span (1.0 for images scaled to [0, 1]).
    """
    from ..metrics import consistency_residual, gradient_magnitude_ratio, high_frequency_energy_ratio, psnr, ssim

    residual = consistency_residual(sr, lr, degrade)
    return {"psnr": psnr(hr, sr, data_range, mask), "ssim": ssim(hr, sr, data_range, mask),
            "grad_ratio": gradient_magnitude_ratio(sr, hr, mask),
            "hf_ratio": high_frequency_energy_ratio(sr, hr, cutoff=1.0 / scale, mask=mask),
            "consistency_rms": float(np.sqrt(np.mean(residual ** 2)))}
