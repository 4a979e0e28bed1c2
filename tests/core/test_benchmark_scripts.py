"""The benchmark scripts run and write their measurements as JSON (tiny settings; the real runs are in reports/)."""
import pytest
import importlib.util
import json

from ganbook.paths import repo_root


def _script(name):
    spec = importlib.util.spec_from_file_location(name, repo_root() / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_drag_times_steps_and_edits_and_writes_json(tmp_path):
    out = tmp_path / "drag.json"
    assert _script("bench_drag").main(["--threads", "1", "--steps", "3", "--edits", "1", "--move", "3",
                                       "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["resolution"] == 64 and 0 < result["ms_per_step_median"] < 1000
    assert len(result["edit_seconds"]) == 1 and result["edit_steps"][0] >= 1


def test_committed_benchmarks_meet_the_issue_targets():
    bench = repo_root() / "reports" / "benchmarks"
    drag = json.loads((bench / "drag_64px.json").read_text())
    assert drag["ms_per_step_median"] <= 60 and drag["edit_seconds_mean"] <= 5
    for name in ("volume_sr_x2_lr_input.json", "volume_sr_x2_hr_input.json"):
        vol = json.loads((bench / name).read_text())
        assert vol["finite"] and vol["wall_s"] <= 90 and vol["peak_rss_mb"] <= 3 * 1024


@pytest.mark.slow
def test_bench_drag_times_an_official_size_generator(tmp_path):
    out = tmp_path / "drag256.json"
    assert _script("bench_drag").main(["--official-size", "256", "--steps", "1", "--threads", "2",
                                       "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["resolution"] == 256 and result["feature_block"] == 5 and result["ms_per_step_median"] > 0


def test_committed_official_size_drag_timings_are_recorded_for_256_and_512_px():
    bench = repo_root() / "reports" / "benchmarks"
    for res, params in ((256, 24_767_458), (512, 30_276_583)):
        doc = json.loads((bench / f"drag_official_{res}px.json").read_text())
        assert doc["resolution"] == res and doc["generator_parameters"] == params and doc["feature_resolution"] == 128
        assert doc["steps_timed"] >= 5 and doc["ms_per_step_median"] > 0
