"""The README's numbers come from reports/, and its two commands exist."""
from ganbook.paths import repo_root
from ganbook.reproduce import README_END, README_START, SPREAD_END, SPREAD_START, readme_results, readme_spread

ROOT = repo_root()


def test_readme_results_block_equals_what_reports_metrics_say():
    text = (ROOT / "README.md").read_text()
    block = text.split(README_START, 1)[1].split(README_END, 1)[0]
    assert block.strip() == readme_results(ROOT / "reports").strip(), (
        "README results differ from reports/metrics: run `python -m ganbook index` after `make reproduce`")


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    text = (ROOT / "README.md").read_text()
    assert "make reproduce" in text and "make test" in text
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_spread_block_equals_what_reports_spread_says():
    text = (ROOT / "README.md").read_text()
    block = text.split(SPREAD_START, 1)[1].split(SPREAD_END, 1)[0]
    assert block.strip() == readme_spread(ROOT / "reports", moving_only=True).strip(), (
        "README reproducibility table differs from reports/spread: run `python -m ganbook index`")


def test_readme_official_size_drag_timings_are_the_committed_benchmarks():
    import json

    text = (ROOT / "README.md").read_text()
    for res in (256, 512):
        ms = json.loads((ROOT / "reports" / "benchmarks" / f"drag_official_{res}px.json").read_text())["ms_per_step_median"]
        assert f"**{ms:.0f} ms at {res} px**" in text
