"""Report writer: deterministic PNG bytes, provenance sidecars, the one metrics shape, the index."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ganbook.report import Row, format_table, load_metrics, save_figure, save_metrics  # noqa: E402
from ganbook.reproduce import build_index  # noqa: E402
from ganbook.session import start  # noqa: E402


def draw():
    fig, ax = plt.subplots(figsize=(3, 2))
    x = np.linspace(0, 6, 50)
    ax.plot(x, np.sin(x), label="sin")
    ax.legend()
    ax.set_title("deterministic")
    return fig


def test_same_figure_twice_gives_identical_png_bytes_without_software_or_time_tags(tmp_path):
    a = save_figure(draw(), "99_test", "curve").read_bytes()
    b = save_figure(draw(), "99_test", "curve").read_bytes()
    assert a == b
    assert b"matplotlib" not in a.lower() and b"Software" not in a
    plt.close("all")


def test_figure_sidecar_records_provenance(tmp_path):
    run = start("99_test", profile="smoke", seed=3, device="cpu", interactive=False, steps=7)
    run.add_data("toy", "ab" * 32)
    path = run.save_figure(draw(), "curve")
    side = json.loads(path.with_suffix(".json").read_text())
    for key in ("git_sha", "git_dirty", "packages", "parameters", "profile", "seed", "device", "data", "wall_time_s"):
        assert key in side
    assert side["parameters"]["steps"] == 7 and side["seed"] == 3 and side["data"] == {"toy": "ab" * 32}
    assert side["packages"]["torch"]
    plt.close("all")


def test_metrics_file_has_the_one_tidy_shape():
    save_metrics("99_test", "smoke", [Row("sr", "ct", "test", "bicubic", "psnr", 30.5)], wall_time_s=1.234,
                 peak_rss_mb=100.0)
    doc = load_metrics("99_test")
    assert {"notebook", "profile", "wall_time_s", "peak_rss_mb", "rows"} <= set(doc)
    assert doc["rows"] == [{"task": "sr", "dataset": "ct", "split": "test", "method": "bicubic", "metric": "psnr",
                            "value": 30.5}]
    with pytest.raises(ValueError, match="exactly the fields"):
        save_metrics("99_test", "smoke", [{"method": "x", "value": 1}], wall_time_s=0, peak_rss_mb=0)


def test_table_pivots_metrics_into_columns():
    rows = [Row("sr", "ct", "test", m, k, v).as_dict()
            for m, k, v in [("bicubic", "psnr", 30), ("bicubic", "ssim", 0.8), ("RWMAN(P)", "psnr", 32)]]
    table = format_table(rows)
    assert table.splitlines()[0] == "| dataset | method | psnr | ssim |"
    assert "| ct | RWMAN(P) | 32 |  |" in table and "| ct | bicubic | 30 | 0.800 |" in table


def test_index_lists_every_notebook_with_metrics_figures_and_provenance():
    run = start("99_test", profile="smoke", seed=0, device="cpu", interactive=False)
    run.metric("modes", "ring8", "samples", "nonsaturating", "modes_recovered", 8)
    run.save_figure(draw(), "curve")
    run.save_metrics()
    md, html = build_index()
    text = md.read_text()
    assert "## 99_test" in text and "modes_recovered" in text and "figures/99_test/curve.png" in text
    assert "<img src='figures/99_test/curve.png'" in html.read_text()
    plt.close("all")


def test_sr_model_round_trips_through_its_model_card(tmp_path):
    import torch

    from ganbook.models import RWMAN
    from ganbook.sr.export import ModelCard, load_sr_model, save_sr_model

    net = RWMAN(num_features=8, num_groups=1, num_blocks=1)
    card = ModelCard(model="rwman", config=__import__("dataclasses").asdict(net.config), method="RWMAN(P)", scale=4,
                     spatial_dims=2, modality="ct", intensity={"kind": "window", "low": -1024, "high": 1024},
                     degradation="average_pool", trained_spacing=[0.7, 0.7], metrics={"psnr": 30.0})
    path = save_sr_model(tmp_path / "rwman_p", net, card)
    back, card2 = load_sr_model(path)
    assert card2 == card
    x = torch.rand(1, 1, 8, 8)
    assert torch.equal(back(x), net.eval()(x))


def test_record_adds_one_row_per_method_and_metric_in_the_order_asked():
    run = start("99_test", profile="smoke", seed=0, device="cpu", interactive=False)
    scores = {"bicubic": {"psnr": 30.0, "ssim": 0.8, "extra": 1.0}, "GAN": {"psnr": 31.0, "ssim": 0.9, "extra": 2.0}}
    run.record("sr", "ct", "test", scores, metrics=("ssim", "psnr"))
    assert [(r.method, r.metric, r.value) for r in run.rows] == [
        ("bicubic", "ssim", 0.8), ("bicubic", "psnr", 30.0), ("GAN", "ssim", 0.9), ("GAN", "psnr", 31.0)]
    run.record("sr", "mr", "test", {"GAN": {"psnr": 29.0}})
    assert run.rows[-1].dataset == "mr" and run.rows[-1].value == 29.0
    with pytest.raises(KeyError, match="'bicubic' has no metric 'lpips'"):
        run.record("sr", "ct", "test", scores, metrics=("lpips",))


def test_configure_takes_overrides_from_the_parameters_given_to_start_once():
    from dataclasses import dataclass

    @dataclass
    class Cfg:
        steps: int = 5
        width: int = 8

    profiles = {"smoke": Cfg(), "demo": Cfg(steps=50), "paper": Cfg(steps=500)}
    run = start("99_test", profile="smoke", seed=0, device="cpu", interactive=False, steps=7, width=None)
    assert run.configure(profiles) == Cfg(steps=7, width=8)
    assert run.configure(profiles, width=3) == Cfg(steps=7, width=3)
