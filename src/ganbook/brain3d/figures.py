"""Orthogonal slice figures (papermill-safe) and an ipywidgets slice viewer for notebook 03's volumes."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = ["VIEWS", "orthogonal_figure", "slice_viewer"]

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
