"""The cross-run spread of headline metrics: numbers, refusals, and where it is reported."""
import json
import statistics
import subprocess
import sys

import pytest

from ganbook.reproduce import build_index, readme_spread
from ganbook.spread import measure, write


def _run(folder, psnr, modes, profile="demo"):
    (folder / "metrics").mkdir(parents=True)
    rows = [{"task": "sr", "dataset": "ct", "split": "test", "method": "RWMAN(P)", "metric": "psnr", "value": psnr},
            {"task": "sr", "dataset": "ct", "split": "test", "method": "RWMAN(P)", "metric": "hf_ratio", "value": 1.0}]
    (folder / "metrics" / "01_x.json").write_text(json.dumps({"notebook": "01_x", "profile": profile, "rows": rows}))
    rows = [{"task": "modes", "dataset": "ring8", "split": "g", "method": "ns", "metric": "modes_std_rule",
             "value": modes}]
    (folder / "metrics" / "00_y.json").write_text(json.dumps({"notebook": "00_y", "profile": profile, "rows": rows}))
    return folder


def test_spread_gives_mean_sd_min_max_per_headline_row_and_keeps_every_run(tmp_path):
    runs = {f"seed={i}": _run(tmp_path / str(i), p, m) for i, (p, m) in enumerate([(30.0, 8), (30.4, 7), (29.9, 8)])}
    doc = measure(runs, "demo_seeds")
    psnr = next(r for r in doc["rows"] if r["metric"] == "psnr")
    assert psnr["n"] == 3 and psnr["min"] == 29.9 and psnr["max"] == 30.4
    assert psnr["mean"] == pytest.approx(statistics.fmean([30.0, 30.4, 29.9]))
    assert psnr["sd"] == pytest.approx(statistics.stdev([30.0, 30.4, 29.9]))
    assert not [r for r in doc["rows"] if r["metric"] == "hf_ratio"]  # headline metrics only
    assert set(doc["per_run"]) == set(runs) and doc["per_run"]["seed=1"]["00_y"][0]["value"] == 7


def test_spread_refuses_one_run_mixed_profiles_and_folders_without_metrics(tmp_path):
    a, b = _run(tmp_path / "a", 30, 8), _run(tmp_path / "b", 30, 8, profile="smoke")
    with pytest.raises(ValueError, match="at least two"):
        measure({"a": a}, "x")
    with pytest.raises(ValueError, match="different profiles"):
        measure({"a": a, "b": b}, "x")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no notebook metrics"):
        measure({"a": a, "e": tmp_path / "empty"}, "x")


def test_spread_cli_writes_the_file_and_a_bad_argument_exits_2(tmp_path):
    a, b = _run(tmp_path / "a", 30, 8), _run(tmp_path / "b", 31, 8)
    out = tmp_path / "s.json"
    proc = subprocess.run([sys.executable, "-m", "ganbook", "spread", f"s0={a}", f"s1={b}", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["runs"] == ["s0", "s1"] and "30.500 ± 0.707" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "ganbook", "spread", str(a), f"b={b}"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and "NAME=DIR" in proc.stderr and "Traceback" not in proc.stderr


def test_index_and_readme_block_state_reproducibility_with_the_measured_spread(tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    runs = {f"seed={i}": _run(tmp_path / str(i), p, 8) for i, p in enumerate([30.0, 30.2, 30.1])}
    monkeypatch.setenv("GANBOOK_REPORTS_DIR", str(reports))
    write(measure(runs, "demo_seeds"))
    md, page = build_index(reports)
    text = md.read_text()
    assert "## Reproducibility" in text and "byte for byte" in text and "30.100 ± 0.100" in text
    assert "30.100 ± 0.100" in page.read_text()
    assert "3 runs (seed=0, seed=1, seed=2)" in readme_spread(reports)


def test_rows_whose_split_names_the_seed_are_matched_across_runs(tmp_path):
    runs = {}
    for i, v in enumerate([2.0, 2.4, 2.2]):
        folder = tmp_path / str(i)
        (folder / "metrics").mkdir(parents=True)
        rows = [{"task": "lm", "dataset": "faces", "split": f"12 pairs (seed {i})", "method": "DragGAN",
                 "metric": "mean_distance_px", "value": v}]
        (folder / "metrics" / "04_z.json").write_text(json.dumps({"notebook": "04_z", "profile": "demo", "rows": rows}))
        runs[f"seed={i}"] = folder
    doc = measure(runs, "x")
    assert len(doc["rows"]) == 1 and doc["rows"][0]["n"] == 3 and doc["rows"][0]["max"] == 2.4


def test_a_spread_note_replaces_the_one_machine_claim(tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    runs = {f"seed={i}": _run(tmp_path / str(i), p, 8) for i, p in enumerate([30.0, 30.2, 30.1])}
    monkeypatch.setenv("GANBOOK_REPORTS_DIR", str(reports))
    write(measure(runs, "demo_seeds", note="on two hosts (seed 0 here, seeds 1-2 earlier)"))
    text = readme_spread(reports)
    assert "on two hosts (seed 0 here, seeds 1-2 earlier)" in text and "on one machine" not in text
