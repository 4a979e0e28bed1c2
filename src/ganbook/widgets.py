"""ipywidgets helpers: interactive where a person looks, a no-op path for papermill.

Widgets never produce report figures: every notebook saves its figures with ``run.save_figure``
whether or not a frontend is attached (callbacks never fire under papermill).
"""
from __future__ import annotations

from typing import Callable, Sequence

__all__ = ["scrubber"]


def scrubber(frames: Sequence, draw: Callable, *, labels: Sequence[str] | None = None, description: str = "frame",
             figsize=(8, 2.6)):
    """A slider that redraws a figure for each frame (training snapshots, α sweeps, slices ...).

    Args:
        frames: anything ``draw`` understands, one per slider position.
        draw: ``draw(fig, frame)`` fills a fresh matplotlib figure.
        labels: text shown for each position (default: the index).
        description: the slider's label.
        figsize: size of the redrawn figure.

    Returns:
        An ``ipywidgets.VBox`` to display.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    if not frames:
        raise ValueError("scrubber needs at least one frame")
    labels = list(labels) if labels is not None else [str(i) for i in range(len(frames))]
    slider = w.IntSlider(value=len(frames) - 1, min=0, max=len(frames) - 1, description=description,
                         continuous_update=False, readout=False)
    caption = w.Label()
    out = w.Output()

    def render(change=None):
        i = slider.value
        caption.value = labels[i]
        with out:
            out.clear_output(wait=True)
            fig = plt.figure(figsize=figsize)
            draw(fig, frames[i])
            plt.show()

    slider.observe(render, names="value")
    render()
    return w.VBox([w.HBox([slider, caption]), out])
