"""What the notebook shows: data and training figures, crops, hallucination, perception–distortion and lesion
figures, the before/after widget, the worded conclusion."""
from __future__ import annotations

from typing import Mapping

import numpy as np

from ..data.degrade import average_pool
from ..data.dicom import WINDOWS
from .config import HU_WINDOW, METHODS, to_hu
from .data import TrainingData
from .lesions import LesionStudy
from ..sr.common import sweep_summary as common_sweep_summary
from .training import TrainedMedSRGAN, modality_weights


# ------------------------------------------------------------------------------------------- widget
BANNER = "Research and teaching only — not for diagnosis"


def comparison_widget(images: Mapping[str, np.ndarray], reference: str = "bicubic", hu: bool = True):
    """Before/after split view: drag the split between ``reference`` and a chosen method, pick a window.

    Args:
        images: name → HR-sized image in [0, 1] (e.g. {"HR", "bicubic", "RWMAN(P)", "MedSRGAN"}).
        reference: shown left of the split.
        hu: images are CT ([0, 1] = [−1024, 1024] HU) and get the lung / soft-tissue window presets.

    Returns:
        An ``ipywidgets.VBox`` (display it).
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    names = [n for n in images if n != reference]
    windows = {"brain [0, 80]": WINDOWS["brain"], "soft tissue [-160, 240]": WINDOWS["soft_tissue"],
               "lung [-1200, 0]": WINDOWS["lung"], "full [-1024, 1024]": HU_WINDOW}
    if not hu:
        windows = {"full [0, 1]": (0.0, 1.0)}
    method = w.Dropdown(options=names, value=names[-1], description="right")
    window = w.Dropdown(options=list(windows), description="window")
    split = w.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, description="split", continuous_update=False)
    out = w.Output()

    def render(change=None):
        with out:
            out.clear_output(wait=True)
            fig = split_view(images[reference], images[method.value], split.value, windows[window.value], hu,
                             f"{reference} | {method.value}")
            plt.show()

    for control in (method, window, split):
        control.observe(render, names="value")
    render()
    return w.VBox([w.HTML(f"<b style='color:#b00'>{BANNER}</b>"), w.HBox([method, window]), split, out])


def split_view(left: np.ndarray, right: np.ndarray, position: float, window, hu: bool, title: str = ""):
    """One figure: ``left`` up to ``position`` of the width, ``right`` after it, in ``window``."""
    import matplotlib.pyplot as plt

    conv = to_hu if hu else (lambda x: x)
    a, b = conv(left), conv(right)
    cut = int(round(position * a.shape[1]))
    img = np.concatenate([a[:, :cut], b[:, cut:]], axis=1)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(img, cmap="gray", vmin=window[0], vmax=window[1])
    ax.axvline(cut - 0.5, color="y", lw=0.8)
    ax.set_title(f"{title}\n{BANNER}", fontsize=8)
    ax.axis("off")
    return fig


# ------------------------------------------------------------------------------------------ figures
def ct_data_figure(data: TrainingData):
    """The first real and the last (phantom) CT training slice and the first two held-out slices, soft-tissue window."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
    panels = [(data.train[0], "train: real slice"), (data.train[-1], "train: phantom"),
              (data.test[0], f"test: {data.test_ids[0]}"), (data.test[1], f"test: {data.test_ids[1]}")]
    for ax, (img, title) in zip(axes, panels):
        ax.imshow(to_hu(img), cmap="gray", vmin=WINDOWS["soft_tissue"][0], vmax=WINDOWS["soft_tissue"][1])
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    return fig


def training_figure(trained: Mapping[str, TrainedMedSRGAN]):
    """Per modality: the pixel / content loss (log scale), the adversarial losses, and D's accuracy on its
    own training batches (0.5 = chance: D cannot tell; 1 = D wins outright) with its mean logits."""
    import matplotlib.pyplot as plt

    from ..plotting import loss_curves

    fig, axes = plt.subplots(len(trained), 3, figsize=(13, 2.8 * len(trained)), squeeze=False, layout="constrained")
    for row, (name, r) in zip(axes, trained.items()):
        loss_curves(row[0], r.history, ["pretrain", "content"], title=f"{name}: pixel / content loss")
        row[0].set_yscale("log")
        loss_curves(row[1], r.history, ["loss_d", "adv"], title=f"{name}: adversarial losses (GAN phase)")
        ax = row[2]
        loss_curves(ax, r.history, ["d_acc"], title=f"{name}: D's accuracy (GAN phase)")
        ax.axhline(0.5, ls="--", lw=0.8, color="gray")
        ax.set_ylim(0.3, 1.02)
        twin = ax.twinx()
        steps = r.history["step"]
        for key, style in (("logit_real", ":"), ("logit_fake", "-.")):
            vals = [np.nan if v is None else v for v in r.history.get(key, [])]
            if vals:
                twin.plot(steps[:len(vals)], vals, style, lw=0.8, color="gray", label=key)
        twin.set_ylabel("mean logit", fontsize=7)
        twin.legend(fontsize=6, frameon=False, loc="lower right")
    return fig


def sweep_curve(methods, modality: str) -> list[str]:
    """The adversarial-weight sweep in order of λ1: the ``GAN(lambda=…)`` methods present, with MedSRGAN placed
    at the paper's λ1 for ``modality``."""
    from ..sr.common import sweep_curve as ordered

    return ordered(list(methods), {"MedSRGAN": modality_weights(modality).adversarial})


def reading_window(hr: np.ndarray, mask: np.ndarray | None = None) -> str:
    """The CT reading window (a :data:`~ganbook.data.dicom.WINDOWS` name) for this slice's anatomy.

    Lung where ≥ 10 % of the slice is aerated lung (−900 … −500 HU; counted over the whole slice, since a
    body mask drawn by thresholding leaves the lungs out; air around the body reads −1000 … −900), else
    brain where ≥ 50 % of the body lies in
    0 … 80 HU (a head slice: the 400-HU soft-tissue window would show the brain as flat grey), else soft tissue.

    Args:
        hr: the HR slice in [0, 1] (the paper's [−1024, 1024] HU window).
        mask: the body mask (None: everything).
    """
    hu = to_hu(hr)
    if ((hu > -900) & (hu < -500)).mean() >= 0.10:
        return "lung"
    hu = hu[np.ones(hr.shape, bool) if mask is None else np.asarray(mask, bool)]
    if hu.size and ((hu >= 0) & (hu <= 80)).mean() >= 0.5:
        return "brain"
    return "soft_tissue"


def crops_figure(outputs, masks, ids, size: int = 96, *, seed: int = 0):
    """One zoomed crop per held-out CT slice (rows) for HR and every method (columns), each row in the
    reading window of its anatomy (:func:`reading_window`) and placed where that window shows the most
    detail (:func:`~ganbook.sr.common.detail_box`); under each crop its own PSNR and SWD. Crops are ``size``
    px, at most half the slice's side (shown at one panel size, so a small slice is zoomed more).

    Returns:
        (figure, [{"id", "window", "box", "scores": {method: {"psnr", "swd"}}}] per row).
    """
    from ..sr.common import comparison_crops, crop_scores

    rows, boxes, windows, text, labels, info = [], [], [], [], [], []
    for out, mask, name in zip(outputs, masks, ids):
        window = reading_window(out["HR"], mask)
        lo, hi = WINDOWS[window]
        box = crop_box(out, mask, min(size, max(32, min(out["HR"].shape) // 2)))  # a 128² slice: 64 px
        scores = crop_scores({m: out[m] for m in METHODS}, out["HR"], box, mask, seed=seed)
        rows.append({k: to_hu(out[k]) for k in ("HR", *METHODS)})
        boxes.append(box)
        windows.append((lo, hi))
        text.append({m: f"{scores[m]['psnr']:.2f} dB · SWD {scores[m]['swd']:.0f}" for m in METHODS})
        labels.append(f"{name}\n{window.replace('_', ' ')} [{lo:g}, {hi:g}] HU")
        info.append({"id": name, "window": window, "box": box, "scores": scores})
    fig = comparison_crops(rows[0], boxes, rows=rows, windows=windows, cell_text=text, row_labels=labels,
                           panel=2.0, title=f"Held-out CT, crops of up to {size} px; per crop: PSNR in the body, "
                                            f"SWD ×10³ to HR\n{BANNER}")
    return fig, info


def perception_distortion_figure(scores: Mapping[str, Mapping[str, Mapping[str, float]]]):
    """PSNR against SWD (bootstrap 95 % CIs as bars, HR's floor dashed) per method, one panel per dataset; an
    adversarial-weight sweep (``GAN(lambda=…)`` rows) is joined in order of λ1 through MedSRGAN."""
    import matplotlib.pyplot as plt

    from ..sr.common import perception_distortion_plot

    fig, axes = plt.subplots(1, len(scores), figsize=(4.8 * len(scores), 3.6), squeeze=False, layout="constrained")
    for ax, (ds, s) in zip(axes[0], scores.items()):
        hr = s.get("HR", {})
        shown = [m for m in s if m != "HR"]
        curve = sweep_curve(shown, ds)
        perception_distortion_plot(ax, {m: (s[m]["swd"], s[m]["psnr"]) for m in shown},
                                   marked=("bicubic", "RWMAN(P)", "MedSRGAN"), curve=curve,
                                   x_ci={m: (s[m]["swd_ci_low"], s[m]["swd_ci_high"]) for m in shown},
                                   floor=hr.get("swd_floor"), xlabel="SWD to HR ×10³ (lower = more HR-like)",
                                   title=ds.upper() + (": line = adversarial weight λ1, rising" if curve else ""))
    return fig


def crop_box(out: Mapping[str, np.ndarray], mask: np.ndarray | None, size: int, hu: bool = True) -> tuple[int, int, int]:
    """(row, col, size) of the square with the most HR detail in the slice's reading window (CT) or in [0, 1]."""
    from ..sr.common import detail_box

    if hu:
        window = reading_window(out["HR"], mask)
        # lungs touching the border fall outside a thresholded body mask: search the whole slice for them
        return detail_box(to_hu(out["HR"]), None if window == "lung" else mask, size, WINDOWS[window])
    return detail_box(out["HR"], mask, size, (0.0, 1.0))


def hallucination_figure(out: Mapping[str, np.ndarray], box: tuple[int, int, int], hu: bool = True,
                         mask: np.ndarray | None = None):
    """Per SR method: the crop, |SR − HR|, the consistency residual avgpool(SR) − LR, and SR − RWMAN(P).

    A faithful model keeps the consistency residual near zero; structure in "SR − RWMAN(P)" that is
    absent from "|SR − HR|"'s counterpart for RWMAN(P) is what the GAN added beyond the PSNR model.
    CT crops are shown in the slice's :func:`reading_window` (``mask``: its body mask).
    """
    import matplotlib.pyplot as plt

    conv = to_hu if hu else (lambda x: x)
    unit = 2048.0 if hu else 1.0
    r, c, s = box
    cut = (slice(r, r + s), slice(c, c + s))
    lr_cut = (slice(r // 4, (r + s) // 4), slice(c // 4, (c + s) // 4))
    fig, axes = plt.subplots(len(METHODS), 4, figsize=(8.4, 2.3 * len(METHODS) + 0.6), squeeze=False,
                             layout="constrained")
    window = reading_window(out["HR"], mask) if hu else None
    win = WINDOWS[window] if hu else (0.0, 1.0)
    err_max = 0.05 * unit
    for i, m in enumerate(METHODS):
        sr = out[m]
        residual = (average_pool(sr, 4) - out["LR"])[lr_cut] * unit
        diff = (sr - out["RWMAN(P)"])[cut] * unit
        label = f"{m} ({window.replace('_', ' ')} window)" if hu else m
        panels = [(conv(sr)[cut], "gray", *win, label),
                  (np.abs(sr - out["HR"])[cut] * unit, "magma", 0, err_max, "|SR − HR|"),
                  (residual, "RdBu_r", -err_max / 2, err_max / 2, "avgpool(SR) − LR"),
                  (diff, "RdBu_r", -err_max / 2, err_max / 2, "SR − RWMAN(P)")]
        for j, (ax, (img, cmap, lo, hi, title)) in enumerate(zip(axes[i], panels)):
            im = ax.imshow(img, cmap=cmap, vmin=lo, vmax=hi)
            ax.set_title(title, fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == len(METHODS) - 1 and cmap != "gray":
                fig.colorbar(im, ax=axes[:, j], location="bottom",
                             shrink=0.8, label="HU" if hu else "[0, 1] units")
    fig.suptitle(BANNER, color="#b00", fontsize=9)
    return fig


def lesion_figure(study: LesionStudy):
    """AUC and d′ against lesion contrast per method, and one lesion patch per method and contrast."""
    import matplotlib.pyplot as plt

    methods = list(study.scores)
    fig = plt.figure(figsize=(9, 3.2 + 1.1 * len(methods)))
    top = fig.add_gridspec(2, 2, height_ratios=[3.0, 1.1 * len(methods)], hspace=0.35)
    for k, key in enumerate(("auc", "dprime")):
        ax = fig.add_subplot(top[0, k])
        for m in methods:
            ax.plot(study.contrasts, [study.scores[m][c][key] for c in study.contrasts], "-o", ms=3, label=m)
        ax.set_xlabel("nodule contrast (HU)")
        ax.set_ylabel({"auc": "AUC (CHO)", "dprime": "d′ (CHO)"}[key])
        if key == "auc":
            ax.axhline(0.5, ls=":", color="gray", lw=0.8)
            ax.legend(fontsize=7, frameon=False)
    grid = top[1, :].subgridspec(len(methods), len(study.contrasts), hspace=0.05, wspace=0.05)
    for i, m in enumerate(methods):
        for j, c in enumerate(study.contrasts):
            ax = fig.add_subplot(grid[i, j])
            if j < len(study.examples[m]):
                ax.imshow(study.examples[m][j], cmap="gray", vmin=-160, vmax=240)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(m, fontsize=7)
            if i == 0:
                ax.set_title(f"+{c:g} HU", fontsize=7)
    fig.suptitle(f"Lesion detectability on held-out CT ({study.n_present} lesion-present and as many lesion-absent "
                 f"sites per contrast) — {BANNER}", fontsize=8)
    return fig


def conclusion(scores: Mapping[str, Mapping[str, Mapping[str, float]]], study: LesionStudy) -> str:
    """Plain-language findings computed from the measured numbers (no claim without its number)."""
    lines = []
    for ds, s in scores.items():
        best = max(METHODS, key=lambda m: s[m]["psnr"])
        lines.append(f"{ds.upper()}: highest PSNR inside the body: {best} ({s[best]['psnr']:.2f} dB; bicubic "
                     f"{s['bicubic']['psnr']:.2f} dB, RWMAN(P) {s['RWMAN(P)']['psnr']:.2f} dB, MedSRGAN "
                     f"{s['MedSRGAN']['psnr']:.2f} dB).")
        if all("swd" in s[m] for m in METHODS) and "swd_floor" in s.get("HR", {}):
            near = min(METHODS, key=lambda m: s[m]["swd"])
            ci = {m: (s[m]["swd_ci_low"], s[m]["swd_ci_high"]) for m in METHODS}
            apart = all(ci[near][1] < ci[m][0] for m in METHODS if m != near)
            lines.append(f"{ds.upper()}: SWD to HR (×10³, 95 % CI): "
                         + ", ".join(f"{m} {s[m]['swd']:.0f} [{ci[m][0]:.0f}, {ci[m][1]:.0f}]" for m in METHODS)
                         + f"; two halves of HR itself {s['HR']['swd_floor']:.0f}. Closest to HR: {near}"
                         + (", its interval clear of the others'." if apart else
                            ", but its interval overlaps another method's: no clear winner on this measure."))
        if sweep_curve(list(s), ds):
            lines.append(f"{ds.upper()}: adversarial-weight sweep (same steps from RWMAN(P)): "
                         + common_sweep_summary(s, "RWMAN(P)", {"MedSRGAN": modality_weights(ds).adversarial}))
    sr = [m for m in study.scores if m != "HR"]
    mean_auc = {m: float(np.mean([study.scores[m][c]["auc"] for c in study.contrasts])) for m in study.scores}
    top = max(mean_auc[m] for m in sr)
    # differences below the AUC's standard error (Hanley & McNeil, averaged over contrasts) are ties
    margin = max(0.005, float(np.mean([study.scores[m][c].get("auc_se", 0.0) for m in sr for c in study.contrasts])))
    best = [m for m in sr if mean_auc[m] >= top - margin]
    lines.append(f"Lesions: mean CHO AUC over {', '.join(f'{c:g}' for c in study.contrasts)} HU — "
                 + ", ".join(f"{m} {mean_auc[m]:.3f}" for m in study.scores)
                 + f" (standard error about {margin:.3f}). Of the super-resolved images, {' and '.join(best)} "
                 + ("preserved the inserted nodules best" if len(best) == 1 else
                    "preserved the inserted nodules equally well within that error")
                 + (f"; all stay below HR itself ({mean_auc['HR']:.3f}): none recovers what 4x4 pooling removed."
                    if "HR" in mean_auc and top < mean_auc["HR"] - margin else "."))
    inv = {m: study.false[m]["invented"] for m in study.false}
    ref = inv.get("bicubic", 0)
    extra = {m: inv[m] - ref for m in inv if m != "bicubic" and inv[m] > ref}
    lines.append(f"False lesions (blobs ≥ {study.threshold_hu:g} HU centre-surround contrast in SR of lesion-free "
                 "slices with no HR blob within 4 px): " + ", ".join(f"{m} {v}" for m, v in inv.items()) + ". "
                 + ("; ".join(f"{m} made {d} more than bicubic interpolation" for m, d in extra.items())
                    + " — lesion-like structure that is not in the HR slice, i.e. invented." if extra else
                    "No network produced more such blobs than bicubic interpolation: no invented lesions at "
                    "this threshold.")
                 + " HR blobs lost: " + ", ".join(f"{m} {study.false[m]['lost']}" for m in study.false) + ".")
    return "\n".join(lines)
