"""The committed demo-profile results still show what the issues promise, in every measured run.

These read the reports that ``make reproduce`` writes (and the README quotes), so a regression that
is re-measured and committed fails here, not silently in prose. Each claim is checked on the
committed run *and* on every run of ``reports/spread/demo_seeds.json`` (other seeds, the stand-in
for other hosts): a claim that holds for one seed only is not a result.
"""
import json

import pytest

from ganbook.paths import repo_root

REPORTS = repo_root() / "reports"
METRICS = REPORTS / "metrics"
SPREAD = REPORTS / "spread" / "demo_seeds.json"
INTERPOLATION = ("bicubic", "trilinear", "tricubic", "zero-filled")
NOTEBOOKS = ("00_gan_fundamentals", "01_medsrgan", "02_retinal_esrgan", "03_brain_mri_3d", "04_draggan")


def _committed():
    runs = {}
    for notebook in NOTEBOOKS:
        path = METRICS / f"{notebook}.json"
        if not path.exists():
            pytest.fail(f"{path} is missing: run `make reproduce` and commit reports/")
        data = json.loads(path.read_text())
        assert data["profile"] == "demo", f"{path} holds profile {data['profile']!r}; reports/ must be the demo run"
        runs[notebook] = data["rows"]
    return runs


def _spread_runs():
    if not SPREAD.exists():
        pytest.fail(f"{SPREAD} is missing: measure it with `python -m ganbook spread` (README, Reproducibility)")
    doc = json.loads(SPREAD.read_text())
    assert doc["profile"] == "demo" and len(doc["runs"]) >= 3, "the spread needs at least three demo runs"
    return doc["per_run"]


def _every_run():
    return {"committed": _committed(), **_spread_runs()}


def _value(rows, **match):
    found = [r["value"] for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, f"expected one row for {match}, found {len(found)}"
    return found[0]


def _holds_everywhere(claim):
    failures = {}
    for name, run in _every_run().items():
        try:
            claim(run)
        except AssertionError as exc:
            failures[name] = str(exc)
    assert not failures, f"the claim fails in these runs: {failures}"


def _results(run):
    """Headline rows without timings, as comparable tuples."""
    from ganbook.spread import HEADLINE_METRICS

    return {nb: sorted((r["task"], r["dataset"], r["method"], r["metric"], r["value"]) for r in rows
                       if r["metric"] in HEADLINE_METRICS and r["metric"] != "ms_per_step")
            for nb, rows in run.items()}


def test_the_spread_includes_the_committed_run_so_it_measures_the_committed_code():
    committed = _results(_committed())
    assert committed in [_results(run) for run in _spread_runs().values()], (
        "no run of reports/spread/demo_seeds.json equals the committed reports: re-measure the spread "
        "after `make reproduce`")


@pytest.mark.parametrize("notebook", ["01_medsrgan", "02_retinal_esrgan", "03_brain_mri_3d"])
def test_every_super_resolution_result_has_a_learned_model_beating_every_interpolation_in_psnr(notebook):
    def claim(run):
        rows = [r for r in run[notebook] if r["metric"] == "psnr"]
        groups = {(r["task"], r["dataset"], r["split"]) for r in rows}
        assert groups
        for group in groups:
            sel = {r["method"]: r["value"] for r in rows if (r["task"], r["dataset"], r["split"]) == group}
            base = {m: v for m, v in sel.items() if m in INTERPOLATION}
            learned = {m: v for m, v in sel.items() if m not in INTERPOLATION and "[" not in m}  # "[...]": mismatch
            assert base and learned, f"{notebook} {group}: needs interpolation and learned rows, has {sorted(sel)}"
            assert max(learned.values()) > max(base.values()), f"{notebook} {group}: {sel}"
    _holds_everywhere(claim)


def test_non_saturating_gan_covers_at_least_seven_of_eight_ring_modes_on_average_over_seeds():
    _holds_everywhere(lambda run: _check(_value(run["00_gan_fundamentals"], task="mode_coverage", dataset="ring8",
                                                method="nonsaturating", metric="modes_std_rule") >= 7))


def test_a_plain_gan_collapses_in_four_of_five_seeds_and_packing_recovers_the_modes_in_four():
    def claim(run):
        rows = run["00_gan_fundamentals"]
        plain = _value(rows, task="mode_collapse", method="plain D", metric="seeds_at_most_half")
        packed = _value(rows, task="mode_collapse", method="pack", metric="seeds_at_least_90pct")
        assert plain >= 4 and packed >= 4, (plain, packed)
    _holds_everywhere(claim)


def _check(ok, msg=""):
    assert ok, msg


def _gain(rows, task_match, method, baseline):
    return _value(rows, method=method, **task_match) - _value(rows, method=baseline, **task_match)


def test_rwman_psnr_model_beats_bicubic_by_one_and_a_half_db_on_held_out_ct():
    task = dict(task="super_resolution", dataset="ct", metric="psnr")
    _holds_everywhere(lambda run: _check(_gain(run["01_medsrgan"], task, "RWMAN(P)", "bicubic") >= 1.5))


def test_srresnet3d_psnr_model_beats_tricubic_by_one_and_a_half_db_on_the_held_out_slab():
    task = dict(task="sr_x2_blur_nearest", dataset="mni152_t1", metric="psnr")
    _holds_everywhere(lambda run: _check(_gain(run["03_brain_mri_3d"], task, "SRResNet3D(P)", "tricubic") >= 1.5))


def test_retinal_rrdb_psnr_model_beats_bicubic_by_half_a_db_on_held_out_fundus():
    task = dict(dataset="retina", metric="psnr")
    _holds_everywhere(lambda run: _check(_gain(run["02_retinal_esrgan"], task, "RRDB(P)", "bicubic") >= 0.5))


# (notebook, task, dataset, interpolation baseline, PSNR-oriented models) for the upsampler-grid claim.
# Not claimed for notebook 03: SRResNet3D(P)'s 2x2x2 pattern measured 1.25, 0.51 and 1.53 x tricubic's in the
# three runs of the spread (seed 2 run with one thread), so "within 1.5x" does not hold in every run.
GRID_CASES = [("01_medsrgan", "super_resolution", "ct", "bicubic", ("RWMAN(P)",)),
              ("01_medsrgan", "super_resolution", "mr", "bicubic", ("RWMAN(P)",)),
              ("02_retinal_esrgan", "fundus_sr_x4", "retina", "bicubic", ("RRDB(P)", "SRResNet"))]


@pytest.mark.parametrize("notebook, task, dataset, baseline, models", GRID_CASES)
def test_psnr_models_stamp_no_upsampler_grid_beyond_one_and_a_half_times_interpolation(notebook, task, dataset,
                                                                                        baseline, models):
    def claim(run):
        rows = [r for r in run[notebook] if r["split"] == "test"]
        base = _value(rows, task=task, dataset=dataset, method=baseline, metric="periodic_artifact_rms")
        for m in models:
            grid = _value(rows, task=task, dataset=dataset, method=m, metric="periodic_artifact_rms")
            assert grid <= 1.5 * base, f"{notebook} {dataset} {m}: periodic RMS {grid:.2e} vs {baseline} {base:.2e}"
    _holds_everywhere(claim)


def test_notebook_02_compares_srgan_with_esrgan_on_the_same_held_out_fundus():
    rows = _committed()["02_retinal_esrgan"]
    for method in ("bicubic", "SRResNet", "SRGAN", "RRDB(P)", "ESRGAN"):
        for metric in ("psnr", "ssim", "swd", "swd_ci_low", "swd_ci_high", "periodic_artifact_rms"):
            _value(rows, task="fundus_sr_x4", dataset="retina", method=method, metric=metric)


# (notebook, task, dataset, the sweep's method rows) of the adversarial-weight sweeps.
SWEEPS = [("01_medsrgan", "super_resolution", "ct", ("GAN(lambda=0)", "GAN(lambda=0.001)", "GAN(lambda=0.1)")),
          ("02_retinal_esrgan", "fundus_sr_x4", "retina", ("GAN(lambda=0)", "GAN(lambda=0.001)", "GAN(lambda=0.02)")),
          ("03_brain_mri_3d", "sr_x2_blur_nearest", "mni152_t1", ("GAN(lambda=0)", "GAN(lambda=10)", "GAN(lambda=100)"))]


@pytest.mark.parametrize("notebook, task, dataset, methods", SWEEPS)
def test_adversarial_weight_sweeps_are_reported_with_psnr_and_swd_intervals(notebook, task, dataset, methods):
    def claim(run):
        rows = [r for r in run[notebook] if r["split"] == "test"]
        for m in methods:
            assert _value(rows, task=task, dataset=dataset, method=m, metric="swd") > 0
            assert _value(rows, task=task, dataset=dataset, method=m, metric="psnr") > 0
    _holds_everywhere(claim)
    rows = _committed()[notebook]  # the intervals are in the committed run's full rows
    for m in methods:
        low, swd, high = (_value(rows, task=task, dataset=dataset, method=m, metric=k)
                          for k in ("swd_ci_low", "swd", "swd_ci_high"))
        assert low <= swd <= high


def _distances(run, points):
    rows = run["04_draggan"]
    return {m: _value(rows, task=f"landmarks_{points}pt", method=m, metric="mean_distance_px")
            for m in ("no edit", "DragGAN (no tracking)", "DragGAN")}


def test_draggan_halves_the_five_point_landmark_distance_and_tracking_beats_no_tracking():
    def claim(run):
        md = _distances(run, 5)
        assert md["DragGAN"] <= 0.5 * md["no edit"], md
        assert md["DragGAN"] < md["DragGAN (no tracking)"], md
    _holds_everywhere(claim)


def test_draggan_cuts_the_single_point_landmark_distance_by_at_least_a_third():
    # Measured over three seeds with 32 pairs: DragGAN / no edit = 0.48, 0.49, 0.44 (halving holds, but
    # narrowly) and DragGAN minus no tracking = -0.36, +0.35, -0.32 px, so for one point "tracking beats
    # no tracking" is inside the spread and is not claimed; the claim is a cut of at least a third.
    _holds_everywhere(lambda run: _check(_distances(run, 1)["DragGAN"] <= 2 / 3 * _distances(run, 1)["no edit"],
                                         _distances(run, 1)))


def test_tracking_beats_the_open_loop_pair_by_pair_for_five_points():
    # DragGAN minus no tracking on the same pairs, with its bootstrap 95 % CI: below zero in every run.
    # (For one point the paired interval straddles zero in some runs, so no such claim is made there.)
    _holds_everywhere(lambda run: _check(_value(run["04_draggan"], task="landmarks_5pt_paired",
                                                method="DragGAN − no tracking", metric="ci_high") < 0))


@pytest.mark.parametrize("points", [1, 5])
def test_a_drag_step_takes_at_most_60_ms_on_two_cores(points):
    _holds_everywhere(lambda run: _check(_value(run["04_draggan"], task=f"landmarks_{points}pt", method="DragGAN",
                                                metric="ms_per_step") <= 60))


def test_committed_reports_come_from_one_run_of_one_clean_commit():
    sidecars = [p for p in (REPORTS / "figures").glob("*/*.json") if p.name != "browser_test.json"]  # the browser test's record
    states = {(d.get("git_sha"), d.get("git_dirty")) for d in (json.loads(p.read_text()) for p in sidecars)}
    states |= {(json.loads((METRICS / f"{n}.json").read_text())["provenance"].get("git_sha"),
                json.loads((METRICS / f"{n}.json").read_text())["provenance"].get("git_dirty")) for n in NOTEBOOKS}
    assert len(sidecars) > 20 and len(states) == 1, f"reports/ mixes runs: {sorted(map(str, states))}"
    sha, dirty = states.pop()
    assert sha and dirty is False, "regenerate reports/ with `make reproduce` from a clean, committed tree"
