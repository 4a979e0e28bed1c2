"""Notebook 03's figures: orthogonal slices (papermill-safe), an ipywidgets slice viewer, the training curves with
D's accuracy, and the perception–distortion plane of the adversarial-weight sweep."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["VIEWS", "orthogonal_figure", "slice_viewer", "training_figure", "perception_distortion_figure"]

VIEWS = (("axial", 2), ("coronal", 1), ("sagittal", 0))  # (name, axis held fixed) for an RAS-like IJK volume


def _slice(volume: np.ndarray, axis: int, index: int) -> np.ndarray:
    plane = np.take(volume, index, axis=axis)
    return plane.T  # rows = the later axis, so "up" is superior / anterior with origin="lower"


def _on_hr_grid(volume: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """Show an LR volume on the HR grid (nearest, blocks visible)."""
    if tuple(volume.shape) == tuple(shape):
        return volume
    reps = [n // m for n, m in zip(shape, volume.shape)]
    return np.repeat(np.repeat(np.repeat(volume, reps[0], 0), reps[1], 1), reps[2], 2)


def orthogonal_figure(volumes: Mapping[str, np.ndarray], point: Sequence[int], *, reference: str = "HR",
                      vmax: float | None = None, error_max: float | None = None, figsize_per: float = 2.2):
    """Rows = volumes, columns = axial / coronal / sagittal through ``point`` (HR voxel indices).

    A volume named "error" (or starting with "|") is drawn with a hot colour map from 0 to ``error_max``.
    """
    import matplotlib.pyplot as plt

    shape = volumes[reference].shape
    vmax = float(np.percentile(volumes[reference], 99.5)) if vmax is None else vmax
    fig, axes = plt.subplots(len(volumes), 3, figsize=(3 * figsize_per, len(volumes) * figsize_per * 0.85),
                             squeeze=False)
    for r, (name, vol) in enumerate(volumes.items()):
        vol = _on_hr_grid(np.asarray(vol), shape)
        is_err = name.startswith("|") or name.startswith("error")
        for c, (view, axis) in enumerate(VIEWS):
            ax = axes[r, c]
            ax.imshow(_slice(vol, axis, int(point[axis])), origin="lower", cmap="magma" if is_err else "gray",
                      vmin=0, vmax=(error_max or 0.2 * vmax) if is_err else vmax, aspect="equal")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"{view} ({'ijk'[axis]}={point[axis]})", fontsize=8)
            if c == 0:
                ax.set_ylabel(name, fontsize=8)
    fig.tight_layout()
    return fig


def slice_viewer(volumes: Mapping[str, np.ndarray], *, reference: str = "HR", error_of: str | None = None):
    """An ipywidgets orthogonal viewer: axial / coronal / sagittal sliders and a volume toggle.

    Args:
        volumes: name -> volume (LR volumes are shown on the HR grid, nearest).
        reference: the HR volume (sets the grid and the grey scale).
        error_of: also offer "error" = |volume − reference| for this volume (e.g. the SR output).

    Returns:
        An ``ipywidgets.VBox``; for papermill use :func:`orthogonal_figure` instead.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    vols = dict(volumes)
    if error_of is not None:
        vols["error"] = np.abs(np.asarray(vols[error_of], np.float32) - vols[reference])
    shape = vols[reference].shape
    toggle = w.ToggleButtons(options=list(vols), value=error_of or reference, description="volume")
    sliders = {axis: w.IntSlider(value=n // 2, min=0, max=n - 1, description=view, continuous_update=False)
               for (view, axis), n in zip(VIEWS, (shape[2], shape[1], shape[0]))}
    out = w.Output()
    vmax = float(np.percentile(vols[reference], 99.5))

    def render(change=None):
        point = [0, 0, 0]
        for axis, slider in sliders.items():
            point[axis] = slider.value
        with out:
            out.clear_output(wait=True)
            fig = orthogonal_figure({toggle.value: vols[toggle.value]} | ({reference: vols[reference]}
                                    if toggle.value != reference else {}), point, reference=reference, vmax=vmax)
            plt.show()

    for widget in (toggle, *sliders.values()):
        widget.observe(render, names="value")
    render()
    return w.VBox([toggle, w.HBox(list(sliders.values())), out])


def training_figure(trained, sweep: Mapping[str, Any] | None = None):
    """The content terms of both stages, the adversarial terms, and D's accuracy on its training batches (LSGAN:
    D(x) > 0.5 counts as "real"; 0.5 = chance) for SRGAN3D and each sweep setting (``{name: TrainedBrain3D}``)."""
    import matplotlib.pyplot as plt

    from ..plotting import loss_curves

    fig, axes = plt.subplots(1, 3, figsize=(13, 2.8), layout="constrained")
    loss_curves(axes[0], trained.history, ["mse", "gdl"], title="content terms (sum over voxels)")
    loss_curves(axes[1], trained.history, ["adv", "loss_d"], title="adversarial terms (SRGAN3D stage)")
    ax = axes[2]
    runs = {"SRGAN3D (lambda=0.1)": trained.history,
            **{name: run.history for name, run in (sweep or {}).items() if not name.endswith("=0)")}}
    for name, hist in runs.items():
        acc = [(s, a) for s, a in zip(hist["step"], hist.get("d_acc", [])) if a is not None]
        if acc:
            ax.plot(*zip(*acc), lw=1, label=name)
    ax.axhline(0.5, ls="--", lw=0.8, color="gray")
    ax.set_ylim(0.3, 1.02)
    ax.set_xlabel("step")
    ax.set_title("D's accuracy (GAN stage)")
    ax.legend(fontsize=7, frameon=False)
    return fig


def perception_distortion_figure(scores: Mapping[str, Mapping[str, float]], floor: Mapping[str, float] | None = None,
                                 *, placed: Mapping[str, float] | None = None, title: str = ""):
    """PSNR against SWD (bootstrap 95 % CIs as bars, the HR floor dashed); the ``GAN(lambda=…)`` sweep joined in
    order of weight, with ``placed`` models (e.g. ``{"SRGAN3D": 0.1}``) at theirs."""
    import matplotlib.pyplot as plt

    from ..sr.common import perception_distortion_plot, sweep_curve

    shown = [m for m in scores if "swd" in scores[m]]
    fig, ax = plt.subplots(figsize=(5.6, 3.8), layout="constrained")
    perception_distortion_plot(ax, {m: (scores[m]["swd"], scores[m]["psnr"]) for m in shown},
                               marked=[m for m in ("trilinear", "tricubic", "SRResNet3D(P)", "SRGAN3D") if m in shown],
                               curve=sweep_curve(shown, placed),
                               x_ci={m: (scores[m]["swd_ci_low"], scores[m]["swd_ci_high"]) for m in shown},
                               floor=(floor or {}).get("swd_floor"), xlabel="SWD to HR ×10³ (lower = more HR-like)",
                               title=title)
    return fig
