"""The committed demo-profile results in reports/metrics/ still show what the issues promise.

These read the reports that ``make reproduce`` writes (and the README quotes), so a regression
that is re-measured and committed fails here, not silently in prose.
"""
import json

import pytest

from ganbook.paths import repo_root

METRICS = repo_root() / "reports" / "metrics"
INTERPOLATION = ("bicubic", "trilinear", "tricubic", "zero-filled")


def _rows(notebook):
    path = METRICS / f"{notebook}.json"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make reproduce` and commit reports/")
    data = json.loads(path.read_text())
    assert data["profile"] == "demo", f"{path} holds profile {data['profile']!r}; reports/ must be the demo run"
    return data["rows"]


def _value(rows, **match):
    found = [r["value"] for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, f"expected one row for {match}, found {len(found)}"
    return found[0]


@pytest.mark.parametrize("notebook", ["01_medsrgan", "02_retinal_esrgan", "03_brain_mri_3d"])
def test_every_super_resolution_result_has_a_learned_model_beating_every_interpolation_in_psnr(notebook):
    rows = [r for r in _rows(notebook) if r["metric"] == "psnr"]
    groups = {(r["task"], r["dataset"], r["split"]) for r in rows}
    assert groups
    for group in groups:
        sel = {r["method"]: r["value"] for r in rows if (r["task"], r["dataset"], r["split"]) == group}
        base = {m: v for m, v in sel.items() if m in INTERPOLATION}
        learned = {m: v for m, v in sel.items() if m not in INTERPOLATION and "[" not in m}  # "[...]": mismatch demos
        assert base and learned, f"{notebook} {group}: needs interpolation and learned rows, has {sorted(sel)}"
        assert max(learned.values()) > max(base.values()), f"{notebook} {group}: {sel}"


def test_non_saturating_gan_recovers_at_least_seven_of_eight_ring_modes():
    rows = _rows("00_gan_fundamentals")
    assert _value(rows, task="mode_coverage", dataset="ring8", method="nonsaturating", metric="modes_recovered") >= 7


def test_rwman_psnr_model_beats_bicubic_by_one_and_a_half_db_on_held_out_ct():
    rows = _rows("01_medsrgan")
    rwman = _value(rows, task="super_resolution", dataset="ct", method="RWMAN(P)", metric="psnr")
    assert rwman - _value(rows, task="super_resolution", dataset="ct", method="bicubic", metric="psnr") >= 1.5


def test_srresnet3d_psnr_model_beats_tricubic_by_one_and_a_half_db_on_the_held_out_slab():
    rows = _rows("03_brain_mri_3d")
    task = dict(task="sr_x2_blur_nearest", dataset="mni152_t1", metric="psnr")
    assert _value(rows, method="SRResNet3D(P)", **task) - _value(rows, method="tricubic", **task) >= 1.5


def test_retinal_rrdb_psnr_model_beats_bicubic_by_half_a_db_on_held_out_fundus():
    rows = _rows("02_retinal_esrgan")
    rrdb = _value(rows, dataset="retina", method="RRDB(P)", metric="psnr")
    bicubic = _value(rows, dataset="retina", method="bicubic", metric="psnr")
    assert rrdb - bicubic >= 0.5


@pytest.mark.parametrize("points", [1, 5])
def test_draggan_halves_the_landmark_distance_and_tracking_beats_no_tracking(points):
    rows = _rows("04_draggan")
    md = {m: _value(rows, task=f"landmarks_{points}pt", method=m, metric="mean_distance_px")
          for m in ("no edit", "DragGAN (no tracking)", "DragGAN")}
    assert md["DragGAN"] <= 0.5 * md["no edit"], md
    assert md["DragGAN"] < md["DragGAN (no tracking)"], md
    assert _value(rows, task=f"landmarks_{points}pt", method="DragGAN", metric="ms_per_step") <= 60
