"""Notebook 02's figures: the data, the two stages' losses, the perception–distortion sweep over α,
zoomed vessel and microaneurysm crops, and the α slider. Figures are returned, never saved.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from ..plotting import loss_curves
from ..losses import ESRGAN
from ..sr.common import comparison_crops, perception_distortion_plot, sweep_curve
from ..sr.common import sweep_summary as common_sweep_summary
from .data import FundusImage
from .evaluation import Prediction
from .training import TrainedESRGAN, alpha_name


def sweep(alphas: Sequence[float]) -> list[str]:
    """The network-interpolation sweep from RRDB(P) (α = 0) through ``alphas`` to ESRGAN (α = 1)."""
    return ["RRDB(P)", *[alpha_name(a) for a in alphas], "ESRGAN"]


def _shown(pred: Prediction, alphas: Sequence[float]) -> list[str]:
    """Crop columns: bicubic, the α sweep, then SRGAN's two models when they were run."""
    return ["bicubic", *sweep(alphas), *(m for m in ("SRResNet", "SRGAN") if m in pred.sr)]


def data_overview(train_images: Sequence[FundusImage], held_out: Sequence[FundusImage]):
    """First and last training image beside first and last held-out image (photo band, phantom, crop)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(11, 2.8))
    for ax, item, title in zip(axes, [train_images[0], train_images[-1], held_out[0], held_out[-1]],
                               ["train: photo, upper band", "train: phantom", "test: photo, lower band",
                                "test: microaneurysms (green)"]):
        im = item.image
        ax.imshow(np.moveaxis(im, 0, -1) if im.ndim == 3 else im, cmap="gray")
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    return fig


def psnr_stage_losses(trained: TrainedESRGAN):
    """Stage 1's L1 loss."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 2.6))
    loss_curves(ax, trained.psnr_history, ["pretrain"], title="stage 1: L1 loss")
    return fig


def gan_stage_losses(trained: TrainedESRGAN):
    """Stage 2: D's loss and G's adversarial term, the content terms, and D's accuracy on its training batches
    (relativistic for ESRGAN: C(real) − E C(fake) > 0 counts as right; 0.5 = chance, 1 = D wins outright)."""
    import matplotlib.pyplot as plt

    name = "SRGAN" if trained.family == "srgan" else "ESRGAN"
    fig, axes = plt.subplots(1, 3, figsize=(13, 2.8), layout="constrained")
    loss_curves(axes[0], trained.gan_history, ["loss_d", "adv"], title=f"{name} stage 2: D loss and G's adversarial term")
    loss_curves(axes[1], trained.gan_history, ["percep", "l1", "content"], title="stage 2: content terms")
    loss_curves(axes[2], trained.gan_history, ["d_acc"], title=f"{name} stage 2: D's accuracy")
    axes[2].axhline(0.5, ls="--", lw=0.8, color="gray")
    axes[2].set_ylim(0.3, 1.02)
    return fig


def perception_distortion(scores: Mapping[str, Mapping[str, Mapping[str, float]]], alphas: Sequence[float]):
    """PSNR against SWD to HR per dataset (bootstrap 95 % CIs as bars, HR's floor dashed): bicubic, and the α
    sweep joined by a line.

    Args:
        scores: dataset -> :func:`evaluate`'s ``{method: {metric: value}}`` (with "HR": the SWD floor).
        alphas: the interpolation weights between RRDB(P) and ESRGAN.
    """
    import matplotlib.pyplot as plt

    curve = sweep(alphas)
    fig, axes = plt.subplots(1, len(scores), figsize=(5 * len(scores), 3.4), squeeze=False, layout="constrained")
    for ax, (dataset, methods) in zip(axes[0], scores.items()):
        shown = [m for m in methods if m != "HR"]
        hr = methods.get("HR", {})
        perception_distortion_plot(ax, {m: (methods[m]["swd"], methods[m]["psnr"]) for m in shown},
                                   marked=("bicubic", "RRDB(P)"), curve=curve,
                                   x_ci={m: (methods[m]["swd_ci_low"], methods[m]["swd_ci_high"]) for m in shown},
                                   floor=hr.get("swd_floor"),
                                   xlabel="SWD to HR ×10³ (lower = more HR-like)",
                                   title=f"{dataset}: over alpha (blue) and lambda (green)")
        lam = sweep_curve(shown, {"ESRGAN": ESRGAN.adversarial})
        if lam:
            ax.plot([methods[m]["swd"] for m in lam], [methods[m]["psnr"] for m in lam], "-", color="tab:green",
                    lw=1, zorder=1)
    return fig


def sweep_summary(scores: Mapping[str, Mapping[str, float]]) -> str:
    """The adversarial-weight sweep against RRDB(P) (:func:`ganbook.sr.common.sweep_summary`), ESRGAN at 5e-3."""
    return common_sweep_summary(scores, "RRDB(P)", {"ESRGAN": ESRGAN.adversarial})


def vessel_crops(pred: Prediction, scores: Mapping[str, Mapping[str, float]], alphas: Sequence[float],
                 box: tuple[int, int, int], *, seed: int = 0):
    """HR, bicubic, the α sweep (and SRGAN) in one ``(row, col, size)`` window; under each crop its own PSNR and SWD.

    Args:
        pred: :func:`predictions` of the held-out photo.
        scores: that dataset's ``{method: {metric: value}}`` (titles: the image's mean PSNR).
        alphas: the interpolation weights.
        box: the window (e.g. at :func:`vessel_box`).
        seed: SWD's patches and directions.
    """
    from ..sr.common import crop_scores

    shown = _shown(pred, alphas)
    local = crop_scores({m: pred.sr[m] for m in shown}, pred.hr, box, pred.mask, seed=seed)
    return comparison_crops({"HR": pred.hr, **{m: pred.sr[m] for m in shown}}, [box],
                            scale_text={m: f"{scores[m]['psnr']:.2f} dB (image)" for m in shown},
                            cell_text=[{m: f"{local[m]['psnr']:.2f} dB · SWD {local[m]['swd']:.0f}" for m in shown}],
                            title="Held-out fundus, vessel-rich window; under each crop: its own PSNR and SWD ×10³")


def lesion_boxes(shape: tuple[int, int], blobs: np.ndarray, size: int = 32) -> list[tuple[int, int, int]]:
    """``(row, col, size)`` windows centred on each blob ``(row, col, sigma)`` of an image of ``shape`` (kept
    inside it); the whole image's largest square when there are none."""
    h, w = shape
    half = size // 2
    return [(int(np.clip(r - half, 0, h - size)), int(np.clip(c - half, 0, w - size)), size)
            for r, c, _ in blobs] or [(0, 0, min(h, w))]


def microaneurysm_crops(pred: Prediction, scores: Mapping[str, Mapping[str, float]], alphas: Sequence[float],
                        size: int = 32, *, seed: int = 0):
    """HR, bicubic, the α sweep (and SRGAN) in a ``size``² window around each detected microaneurysm (the
    whole image when none was found); titles give each method's microaneurysm contrast ratio, and under each
    crop its own PSNR and SWD.

    Args:
        pred: :func:`predictions` of the microaneurysm crop.
        scores: that dataset's ``{method: {metric: value}}``.
        alphas: the interpolation weights.
        size: the window side in HR pixels.
        seed: SWD's patches and directions.
    """
    from ..sr.common import crop_scores

    shown = _shown(pred, alphas)
    boxes = lesion_boxes(pred.hr.shape[-2:], pred.blobs, size)
    local = [crop_scores({m: pred.sr[m] for m in shown}, pred.hr, box, pred.mask, seed=seed) for box in boxes]
    return comparison_crops({"HR": pred.hr, **{m: pred.sr[m] for m in shown}}, boxes,
                            scale_text={m: f"MA contrast x{scores[m].get('ma_contrast_ratio', math.nan):.2f}"
                                        for m in shown},
                            cell_text=[{m: f"{sc[m]['psnr']:.2f} dB · SWD {sc[m]['swd']:.0f}" for m in shown}
                                       for sc in local],
                            title="Held-out microaneurysms (HRF, green channel); under each crop: its own PSNR "
                                  "and SWD ×10³")


def alpha_slider(pred: Prediction, alphas: Sequence[float], box: tuple[int, int, int]):
    """A widget: HR beside the SR output at α = 0, ``alphas``…, 1, in one ``(row, col, size)`` window."""
    from ..widgets import scrubber

    r0, c0, size = box
    steps = [0.0, *alphas, 1.0]
    frames = [pred.sr[m] for m in sweep(alphas)]

    def draw(fig, sr):
        ax = fig.subplots(1, 2)
        for a, im, title in ((ax[0], pred.hr, "HR"), (ax[1], sr, "SR")):
            a.imshow(np.moveaxis(im, 0, -1)[r0:r0 + size, c0:c0 + size])
            a.set_title(title, fontsize=8)
            a.axis("off")

    return scrubber(frames, draw, labels=[f"alpha = {a:g}" for a in steps], description="alpha", figsize=(6, 3))
