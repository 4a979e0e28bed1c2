"""The landmark benchmark returns the scores and rows the notebook reports, for both point counts and all methods."""
import pytest
import torch

from ganbook.drag.evaluation import (METHODS, BenchmarkConfig, evaluate, landmark_edits, paired_difference,
                                     run_landmark_benchmark, sample_pair)
from ganbook.drag.landmarks import LandmarkNet


def test_benchmark_rows_cover_methods_metrics_and_point_counts(G):
    out = run_landmark_benchmark(G, LandmarkNet(width=4), BenchmarkConfig(num_pairs=1, max_steps=2), dataset="tiny")
    rows = out["rows"]
    assert {r["method"] for r in rows} == set(METHODS)
    md = [r for r in rows if r["metric"] == "mean_distance_px"]
    assert len(md) == 6 and all(r["value"] >= 0 for r in md)
    assert {r["task"] for r in md} == {"landmark drag, 1 point", "landmark drag, 5 points"}
    assert all(set(r) == {"task", "dataset", "split", "method", "metric", "value"} for r in rows)
    assert {r["metric"] for r in rows if r["method"] == "DragGAN"} == {"mean_distance_px", "ci_low", "ci_high",
                                                                      "time_per_edit_s", "ms_per_step", "steps"}
    assert len(out["edits"]) == 2 and len(out["edits"][1]["handles"]) == 5
    assert all(e["DragGAN"]["steps"] <= 2 for e in out["edits"])


def test_scores_are_keyed_by_point_count_and_hold_the_rows_numbers(G):
    out = run_landmark_benchmark(G, LandmarkNet(width=4), BenchmarkConfig(num_pairs=1, max_steps=2), dataset="tiny")
    assert list(out["scores"]) == [1, 5] and out["split"] == "1 generated pairs (seed 0)"
    flat = [(method, metric, value) for by_method in out["scores"].values() for method, values in by_method.items()
            for metric, value in values.items()]
    assert flat == [(r["method"], r["metric"], r["value"]) for r in out["rows"]]  # same order: methods, then metrics
    assert list(out["scores"][5]) == list(METHODS)
    assert list(out["scores"][5]["no edit"]) == ["mean_distance_px", "ci_low", "ci_high"]


def test_evaluate_averages_the_edits_of_one_point_count(G):
    edits = landmark_edits(G, LandmarkNet(width=4), BenchmarkConfig(num_pairs=2, point_counts=(1,), max_steps=1))
    scores = evaluate(edits, 1)
    assert scores["no edit"]["mean_distance_px"] == pytest.approx(sum(e["no edit"]["distance"] for e in edits) / 2)
    assert scores["DragGAN"]["steps"] == pytest.approx(sum(e["DragGAN"]["steps"] for e in edits) / 2)
    assert set(scores["DragGAN (no tracking)"]) == {"mean_distance_px", "ci_low", "ci_high", "time_per_edit_s",
                                                    "ms_per_step", "steps"}
    for values in scores.values():
        assert values["ci_low"] <= values["mean_distance_px"] <= values["ci_high"]
    with pytest.raises(ValueError, match="no edit drags 5 points"):
        evaluate(edits, 5)


def test_pairs_are_reproducible_from_the_seed(G):
    a, b = sample_pair(G, 3), sample_pair(G, 3)
    assert torch.equal(a[0], b[0]) and (a[2] == b[2]).all() and not (a[2] == a[3]).all()


def test_more_than_five_points_is_rejected(G):
    with pytest.raises(ValueError, match="point_counts"):
        run_landmark_benchmark(G, LandmarkNet(width=4), BenchmarkConfig(point_counts=(8,)))


def test_pairs_too_close_are_redrawn_and_the_farthest_kept(G):
    reg = LandmarkNet(width=4)
    torch.manual_seed(1)
    for p in reg.parameters():  # a detector whose output depends on the image
        p.data.normal_(0, 0.5)
    base = dict(num_pairs=2, point_counts=(1,), max_steps=0)
    first = run_landmark_benchmark(G, reg, BenchmarkConfig(min_distance_px=0.0, **base))["edits"]
    far = run_landmark_benchmark(G, reg, BenchmarkConfig(min_distance_px=1e9, max_tries=4, **base))["edits"]
    gaps = [(a["no edit"]["distance"], b["no edit"]["distance"]) for a, b in zip(first, far)]
    assert all(g_far >= g_first for g_first, g_far in gaps) and any(g_far > g_first for g_first, g_far in gaps)


def test_comparison_with_the_paper_reports_pixels_and_share_of_width():
    from ganbook.drag.evaluation import compare_with_paper

    md = {(1, "no edit"): 4.0, (1, "DragGAN"): 2.0, (5, "no edit"): 4.0, (5, "DragGAN"): 1.0}
    recorded = [{"task": f"landmarks_{n}pt", "method": m, "metric": "mean_distance_px", "value": v}
                for (n, m), v in md.items()]
    recorded.append({"task": "landmarks_1pt", "method": "DragGAN", "metric": "ms_per_step", "value": 30.0})
    rows = compare_with_paper(recorded, 64)
    one = next(r for r in rows if r["points"] == 1 and r["method"] == "DragGAN")
    assert one["paper_px"] == 2.44 and abs(one["paper_over_ours_px"] - 1.22) < 1e-9
    assert abs(one["ours_pct_width"] - 100 * 2 / 64) < 1e-9 and abs(one["paper_pct_width"] - 100 * 2.44 / 512) < 1e-9
    assert one["ours_over_paper_pct"] > 6  # 8x narrower images: a larger share of the width
    assert {(r["points"], r["method"]) for r in rows} == {(1, "no edit"), (1, "DragGAN"), (5, "no edit"), (5, "DragGAN")}


def test_the_benchmark_gives_the_same_edits_whatever_the_batch_size(G):
    reg = LandmarkNet(width=4)
    base = dict(num_pairs=3, point_counts=(1,), max_steps=4)
    one = landmark_edits(G, reg, BenchmarkConfig(batch_size=1, **base))
    many = landmark_edits(G, reg, BenchmarkConfig(batch_size=3, **base))
    for a, b in zip(one, many):
        for method in METHODS:
            assert a[method]["distance"] == pytest.approx(b[method]["distance"], abs=1e-3)
        assert a["DragGAN"]["steps"] == b["DragGAN"]["steps"]


def test_paired_difference_is_the_mean_of_per_pair_differences_with_an_interval_around_it():
    edits = [{"points": 1, "DragGAN": {"distance": d}, "DragGAN (no tracking)": {"distance": d + 1.0 + 0.1 * i}}
             for i, d in enumerate([1.0, 2.0, 3.0, 4.0])]
    out = paired_difference(edits, 1)
    assert out["mean_difference_px"] == pytest.approx(-1.15)
    assert -1.3 <= out["ci_low"] <= out["mean_difference_px"] <= out["ci_high"] <= -1.0
    with pytest.raises(ValueError, match="no edit drags 5 points"):
        paired_difference(edits, 5)
