"""Generic helpers shared by the super-resolution notebooks (01 MedSRGAN, 02 Retinal-ESRGAN, 03 brain MRI).

Append-only: each notebook's helper adds what more than one notebook can use; nothing here knows a
modality. Figures are returned, never saved (the notebook saves them with ``run.save_figure``).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = ["perception_distortion_plot", "comparison_crops", "detail_box", "crop_scores", "peak_rss_increase"]


def perception_distortion_plot(ax, points: Mapping[str, tuple[float, float]], *, marked: Sequence[str] = (),
                               curve: Sequence[str] = (), xlabel: str = "sharpness", ylabel: str = "PSNR (dB)",
                               reference_x: float | None = None, title: str = "",
                               x_ci: Mapping[str, tuple[float, float]] | None = None,
                               floor: float | None = None) -> None:
    """Distortion (y) against a perception / sharpness measure (x), one point per method.

    Args:
        ax: matplotlib axes.
        points: method name -> (x, y).
        marked: methods drawn as big labelled markers (baselines such as "bicubic", "RRDB(P)").
        curve: methods joined by a line in this order (e.g. a network-interpolation sweep).
        xlabel, ylabel: axis labels.
        reference_x: where the HR reference sits on x (e.g. 1 for a ratio to HR), drawn dashed.
        title: axes title.
        x_ci: method -> (low, high) interval on x, drawn as a horizontal error bar (e.g. SWD's bootstrap CI).
        floor: the x between two disjoint halves of HR's own samples (SWD's floor), a dashed line: the distance
            between two *different* HR samples, a yardstick; methods scored paired with HR can lie below it.
    """
    if curve:
        xs, ys = zip(*(points[m] for m in curve))
        ax.plot(xs, ys, "-o", color="tab:blue", ms=4, lw=1, zorder=2)
    if floor is not None:
        ax.axvline(floor, ls="--", lw=0.8, color="gray")
        ax.annotate("HR floor (unpaired halves)", (floor, 1), xycoords=("data", "axes fraction"), xytext=(2, -10),
                    textcoords="offset points", fontsize=7, color="gray")
    for name, (lo, hi) in (x_ci or {}).items():
        x, y = points[name]
        ax.plot([lo, hi], [y, y], "-", color="tab:red" if name in marked else "tab:blue", lw=1, alpha=0.6, zorder=2)
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
                     vmax: float = 1.0, cmap: str = "gray", rows: Sequence[Mapping[str, np.ndarray]] | None = None,
                     windows: Sequence[tuple[float, float]] | None = None,
                     cell_text: Sequence[Mapping[str, str]] | None = None, row_labels: Sequence[str] | None = None,
                     title: str = ""):
    """A grid of zoomed crops: one row per box, one column per image (all on the same HR grid).

    Args:
        images: title -> (H, W) grey or (3, H, W) / (H, W, 3) RGB image in [vmin, vmax] (every row).
        boxes: (row, col, size) squares to cut, one per row.
        scale_text: optional per-title subtitle of the first row (e.g. "31.2 dB").
        panel: inches per crop.
        vmin, vmax, cmap: display range and colour map for grey images.
        rows: per row its own ``images`` mapping (same titles), e.g. one test image per row.
        windows: per row its own (vmin, vmax) display window (e.g. a reading window per anatomy).
        cell_text: per row, title -> text under that crop (e.g. the crop's own PSNR and SWD).
        row_labels: text left of each row.
        title: the figure's title (laid out with the panels, never over them).

    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    rows = list(rows) if rows is not None else [images] * len(boxes)
    names = list(rows[0])
    fig, axes = plt.subplots(len(boxes), len(names), figsize=(panel * len(names), panel * len(boxes) + 0.6),
                             squeeze=False, layout="constrained")
    for i, (r, c, size) in enumerate(boxes):
        lo, hi = windows[i] if windows is not None else (vmin, vmax)
        for j, name in enumerate(names):
            im = np.asarray(rows[i][name])
            if im.ndim == 3 and im.shape[0] in (3, 4):
                im = np.moveaxis(im, 0, -1)  # (3, H, W) -> (H, W, 3) for imshow
            crop = im[r:r + size, c:c + size]
            ax = axes[i, j]
            if crop.ndim == 3:
                ax.imshow(np.clip((crop - lo) / (hi - lo), 0, 1))
            else:
                ax.imshow(crop, cmap=cmap, vmin=lo, vmax=hi)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                sub = (scale_text or {}).get(name)
                ax.set_title(name + (f"\n{sub}" if sub else ""), fontsize=7)
            if cell_text is not None and cell_text[i].get(name):
                ax.set_xlabel(cell_text[i][name], fontsize=6.5)
            if j == 0 and row_labels is not None:
                ax.set_ylabel(row_labels[i], fontsize=7)
    if title:
        fig.suptitle(title, fontsize=8)
    return fig


def detail_box(image: np.ndarray, mask: np.ndarray | None, size: int,
               window: tuple[float, float] | None = None) -> tuple[int, int, int]:
    """The (row, col, size) square with the most visible detail: the largest mean gradient magnitude of
    ``image`` mapped through ``window``, counting only pixels inside ``mask`` whose value the window does not
    clip (a skull or skin edge that jumps from black to white is not detail the window shows; flat grey has
    no gradient). For zoomed crops that show structure, not flat or saturated areas."""
    from scipy.ndimage import uniform_filter

    x = np.asarray(image, np.float64)
    size = int(min(size, *x.shape))
    keep = np.ones(x.shape, bool) if mask is None else np.asarray(mask, bool)
    if window is not None:
        x = (x - window[0]) / (window[1] - window[0])
        keep = keep & (x > 0) & (x < 1)
        x = np.clip(x, 0, 1)
    gy, gx = np.gradient(x)
    detail = np.hypot(gy, gx) * keep
    score = uniform_filter(detail, size, mode="constant")  # mean over the square centred at each pixel
    h = size // 2
    valid = np.zeros_like(score, bool)
    valid[h:x.shape[0] - (size - h) + 1, h:x.shape[1] - (size - h) + 1] = True
    r, c = np.unravel_index(int(np.argmax(np.where(valid, score, -np.inf))), score.shape)
    return int(r - h), int(c - h), size


def crop_scores(outputs: Mapping[str, np.ndarray], hr: np.ndarray, box: tuple[int, int, int], mask=None, *,
                data_range: float = 1.0, seed: int = 0) -> dict[str, dict[str, float]]:
    """PSNR and SWD (×10³, :func:`swd_scores` without interval) of each method inside one crop.

    Images are (H, W) or channels-first (C, H, W); ``mask`` is (H, W) (the crop's region for both scores)."""
    from ..metrics import psnr

    r, c, s = box
    cut = (Ellipsis, slice(r, r + s), slice(c, c + s))
    m = None if mask is None else np.asarray(mask, bool)[cut]
    ref = np.asarray(hr)[cut]
    full = None if m is None else np.broadcast_to(m, ref.shape)
    realism, _ = swd_scores({name: [np.asarray(sr)[cut]] for name, sr in outputs.items()}, [ref],
                            None if m is None else [m], seed=seed, bootstrap=0, floor=False)
    return {name: {"psnr": psnr(ref, np.asarray(sr)[cut], data_range, full), "swd": realism[name]["swd"]}
            for name, sr in outputs.items()}


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
    LR Nyquist limit (cutoff 1/scale) relative to HR — secondary sharpness columns (energy ratios also
    reward noise and artefacts; :func:`swd_scores` is the realism measure); ``consistency_rms`` = RMS of
    degrade(SR) − LR over the whole image (0 = fully consistent with its input);
    ``periodic_artifact_rms`` = RMS of the fixed scale-periodic pattern in SR − HR inside ``mask``
    (an upsampler's grid; :func:`ganbook.metrics.periodic_artifact_rms`), in the images' intensity units.

    Args:
        sr, hr: single-channel images or volumes, same shape, on the intensity scale of ``data_range``.
        lr: the LR input ``sr`` was made from.
        mask: region for psnr / ssim / sharpness (body, FOV, brain); None = everything.
        scale: the SR factor (sets the high-frequency cutoff).
        degrade: the degradation that made ``lr`` from ``hr``.
        data_range: the intensity span (1.0 for images scaled to [0, 1]).
    """
    from ..metrics import (consistency_residual, gradient_magnitude_ratio, high_frequency_energy_ratio,
                           periodic_artifact_rms, psnr, ssim)

    residual = consistency_residual(sr, lr, degrade)
    return {"psnr": psnr(hr, sr, data_range, mask), "ssim": ssim(hr, sr, data_range, mask),
            "grad_ratio": gradient_magnitude_ratio(sr, hr, mask),
            "hf_ratio": high_frequency_energy_ratio(sr, hr, cutoff=1.0 / scale, mask=mask),
            "consistency_rms": float(np.sqrt(np.mean(residual ** 2))),
            "periodic_artifact_rms": periodic_artifact_rms(sr, hr, scale, mask)}


# --- adversarial-weight sweeps ----------------------------------------------------------------------
__all__ += ["sweep_name", "sweep_curve", "sweep_summary"]


def sweep_name(adversarial: float) -> str:
    """The method name of one adversarial-weight setting of a sweep, e.g. ``GAN(lambda=0.001)``."""
    return f"GAN(lambda={adversarial:g})"


def sweep_curve(methods: Sequence[str], placed: Mapping[str, float] | None = None) -> list[str]:
    """The ``GAN(lambda=…)`` methods among ``methods`` in order of their weight, with the named models of
    ``placed`` (e.g. ``{"MedSRGAN": 1e-2}``: the paper's own weight) put in at theirs; [] without a sweep."""
    lam = {m: float(m[len("GAN(lambda="):-1]) for m in methods if m.startswith("GAN(lambda=") and m.endswith(")")}
    if not lam:
        return []
    lam.update({m: float(v) for m, v in (placed or {}).items() if m in methods})
    return sorted(lam, key=lam.get)


def sweep_summary(scores: Mapping[str, Mapping[str, float]], reference: str,
                  placed: Mapping[str, float] | None = None) -> str:
    """One line on an adversarial-weight sweep: each setting (:func:`sweep_curve` order) with its PSNR and SWD
    [95 % CI] beside ``reference`` (the PSNR model), and which settings' SWD intervals lie wholly below the
    reference's, at what PSNR cost."""
    curve = sweep_curve(list(scores), placed)
    if not curve:
        return "no adversarial-weight sweep in this run"
    ref = scores[reference]

    def point(m):
        v = scores[m]
        return f"{m} {v['psnr']:.2f} dB / SWD {v['swd']:.0f} [{v['swd_ci_low']:.0f}, {v['swd_ci_high']:.0f}]"

    clear = [m for m in curve if scores[m]["swd_ci_high"] < ref["swd_ci_low"]]
    verdict = (f"SWD interval wholly below {reference}'s: "
               + ", ".join(f"{m} ({scores[m]['psnr'] - ref['psnr']:+.2f} dB)" for m in clear) if clear else
               f"no setting's SWD interval lies wholly below {reference}'s")
    return "; ".join(point(m) for m in [reference, *curve]) + ". " + verdict


# --- realism of a method's outputs ------------------------------------------------------------------
__all__ += ["swd_scores", "SWD_KEYS"]

SWD_KEYS = ("swd", "swd_ci_low", "swd_ci_high")


def swd_scores(outputs: Mapping[str, Sequence[np.ndarray]], references: Sequence[np.ndarray], masks=None, *,
               spatial_dims: int = 2, seed: int = 0, floor: bool = True,
               **kwargs) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Sliced Wasserstein distance (×10³) of every method's outputs to the HR references, and the HR floor.

    One call per dataset: the same patch positions and directions for every method (paired), a bootstrap
    95 % CI each (:func:`ganbook.metrics.swd`), and the floor — two disjoint halves of the HR patches
    (:func:`ganbook.metrics.swd_floor`): the distance between two *different* HR samples, a yardstick (methods,
    scored at HR's own positions, can lie below it).

    Args:
        outputs: method -> its SR outputs, one per reference, in the same order.
        references: the HR images (or volumes).
        masks: one boolean region per reference (body, FOV, brain), or None.
        spatial_dims: 2 for images, 3 for volumes.
        seed: patch positions, directions and bootstrap draws.
        floor: also compute the floor (else the second result is empty).
        **kwargs: passed to :func:`ganbook.metrics.swd` (patches_per_image, bootstrap, …; ``levels``: by default
            3, fewer where the smallest reference cannot keep 16 px at the coarsest level).

    Returns:
        ({method: {"swd", "swd_ci_low", "swd_ci_high"}}, {"swd_floor", "swd_floor_ci_low", "swd_floor_ci_high"}).
    """
    from ..laplacian import max_levels
    from ..metrics import swd, swd_floor

    if "levels" not in kwargs:  # ProGAN's 3 levels where every image allows them
        kwargs["levels"] = min(max_levels(np.shape(r)[-spatial_dims:]) for r in references)
    scores = {}
    for method, outs in outputs.items():
        r = swd(list(outs), list(references), masks, spatial_dims=spatial_dims, seed=seed, **kwargs)
        scores[method] = {k: float(getattr(r, k)) for k in SWD_KEYS}
    if not floor:
        return scores, {}
    f = swd_floor(list(references), masks, spatial_dims=spatial_dims, seed=seed, **kwargs)
    return scores, {k.replace("swd", "swd_floor"): float(getattr(f, k)) for k in SWD_KEYS}


# --- the upsampler's grid in the frequency domain ---------------------------------------------------
__all__ += ["spectrum_figure"]


def spectrum_figure(outputs: Mapping[str, np.ndarray], hr: np.ndarray, scale: int, *, title: str = ""):
    """Radially averaged log power spectra (:func:`ganbook.metrics.radial_power_spectrum`): left, each image
    and HR; right, each method's error SR − HR. An upsampler's fixed grid of period ``scale`` shows as spikes
    at multiples of 1/scale cycles/pixel (dotted), above interpolation's smooth curve.

    Args:
        outputs: method -> 2-D image on HR's grid (grey; for RGB pass one channel).
        hr: the HR image.
        scale: the SR factor.
        title: the figure's title.
    """
    import matplotlib.pyplot as plt

    from ..metrics import radial_power_spectrum

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    f, p = radial_power_spectrum(hr)
    axes[0].plot(f, p, color="black", lw=1.2, label="HR")
    for name, sr in outputs.items():
        f, p = radial_power_spectrum(sr)
        axes[0].plot(f, p, lw=0.9, label=name)
        f, p = radial_power_spectrum(np.asarray(sr, np.float64) - np.asarray(hr, np.float64))
        axes[1].plot(f, p, lw=0.9, label=name)
    for ax, what in zip(axes, ("image", "error SR − HR")):
        for k in range(1, scale):
            if k / scale <= 0.5:
                ax.axvline(k / scale, ls=":", lw=0.8, color="gray")
        ax.set_xlabel("spatial frequency (cycles / pixel)")
        ax.set_ylabel("log₁₀ power")
        ax.set_title(what, fontsize=9)
    axes[0].legend(fontsize=7, frameon=False)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig
