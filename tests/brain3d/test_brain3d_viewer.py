"""The orthogonal slice viewer: a figure path for papermill and a widget with sliders and a toggle."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from ganbook import brain3d  # noqa: E402


def _vols():
    hr = np.random.default_rng(0).random((12, 10, 8)).astype(np.float32)
    return {"HR": hr, "LR": hr[1::2, 1::2, 1::2], "SR": hr + 0.1}


def test_orthogonal_figure_has_one_row_per_volume_and_three_views():
    import matplotlib.pyplot as plt

    fig = brain3d.orthogonal_figure(_vols(), (6, 5, 4))
    assert np.asarray(fig.axes).size == 9
    assert [ax.get_title() for ax in fig.axes[:3]] == ["axial (k=4)", "coronal (j=5)", "sagittal (i=6)"]
    # the LR volume is drawn on the HR grid: its axial slice has the HR in-plane shape (transposed)
    assert fig.axes[3].images[0].get_array().shape == (10, 12)
    plt.close(fig)


def test_slice_viewer_offers_every_volume_plus_the_error_and_one_slider_per_orientation():
    import ipywidgets as w

    box = brain3d.slice_viewer(_vols(), reference="HR", error_of="SR")
    toggle, sliders = box.children[0], box.children[1].children
    assert isinstance(toggle, w.ToggleButtons)
    assert list(toggle.options) == ["HR", "LR", "SR", "error"]
    assert [s.description for s in sliders] == ["axial", "coronal", "sagittal"]
    assert [s.max for s in sliders] == [7, 9, 11]
    sliders[0].value = 2  # redraws without error
    toggle.value = "LR"
