"""How far demo results move from run to run: the spread of the headline metrics over several runs.

``python -m ganbook spread NAME=DIR [NAME=DIR ...] [--label L] [--out FILE]`` reads the
``metrics/*.json`` of complete ``reproduce`` runs (e.g. ``seed=0=reports seed=1=/tmp/s1``) and writes
``reports/spread/<label>.json``: every headline row of every run, and per row the mean, sample
standard deviation, minimum and maximum.

Why seeds: a short GAN or SR training run is chaotic, so a last-bit difference in one kernel (another
host's instruction set, cache sizes or thread timing) sends it down another trajectory, and its final
numbers scatter about as much as those of another seed. The seed spread is therefore the honest size
of "what moves across hosts" for the demo profile; the smoke profile does not move at all
(:data:`ganbook.runtime.PORTABLE_ENV`).
"""
from __future__ import annotations

import collections
import json
import statistics
from pathlib import Path
from typing import Mapping

from .io import atomic_write_json
from .paths import reports_dir
from .report import Table, markdown_table

__all__ = ["HEADLINE_METRICS", "measure", "write", "load", "spread_rows", "spread_table"]

HEADLINE_METRICS = ("modes_std_rule", "seeds_at_most_half", "seeds_at_least_90pct", "psnr", "ssim", "swd",
                    "periodic_artifact_rms", "mean_distance_px", "mean_difference_px", "ci_high", "ms_per_step")
KEY = ("notebook", "task", "dataset", "split", "method", "metric")


def _headline_rows(folder: Path) -> dict[str, list[dict]]:
    found = sorted((folder / "metrics").glob("[0-9][0-9]_*.json"))
    if not found:
        raise FileNotFoundError(f"{folder / 'metrics'} holds no notebook metrics: point at a `reproduce` output")
    out = {}
    for path in found:
        doc = json.loads(path.read_text())
        out[doc["notebook"]] = [r for r in doc["rows"] if r["metric"] in HEADLINE_METRICS]
    return out


def measure(runs: Mapping[str, Path], label: str, note: str | None = None) -> dict:
    """The spread document for ``runs`` (``{name: reports folder}``), every run of one profile; ``note``
    says where the runs come from when not all from one machine and one commit (shown with the table)."""
    if len(runs) < 2:
        raise ValueError("a spread needs at least two runs")
    per_run = {name: _headline_rows(Path(folder)) for name, folder in runs.items()}
    profiles = {name: json.loads(next((Path(f) / "metrics").glob("[0-9][0-9]_*.json")).read_text())["profile"]
                for name, f in runs.items()}
    if len(set(profiles.values())) != 1:
        raise ValueError(f"runs of different profiles cannot be compared: {profiles}")
    values: dict[tuple, dict[str, float]] = {}
    splits: dict[tuple, str] = {}
    for name, notebooks in per_run.items():
        for notebook, rows in notebooks.items():
            # A split may name the run's seed ("12 generated pairs (seed 1)"): rows are matched without it
            # wherever task, dataset, method and metric alone identify them.
            counts = collections.Counter((r["task"], r["dataset"], r["method"], r["metric"]) for r in rows)
            for r in rows:
                short = (r["task"], r["dataset"], r["method"], r["metric"])
                key = (notebook, short[0], short[1], "" if counts[short] == 1 else r["split"], *short[2:])
                values.setdefault(key, {})[name] = r["value"]
                splits.setdefault(key, r["split"])
    rows = []
    for key, by_run in values.items():
        v = list(by_run.values())
        row = dict(zip(KEY, key))
        row["split"] = splits[key]
        row.update({"n": len(v), "mean": statistics.fmean(v), "sd": statistics.stdev(v) if len(v) > 1 else 0.0,
                    "min": min(v), "max": max(v), "runs": by_run})
        rows.append(row)
    doc = {"label": label, "profile": next(iter(profiles.values())), "runs": list(runs),
           "rows": rows, "per_run": per_run}
    return {**doc, "note": note} if note else doc


def write(doc: dict, out: Path | None = None) -> Path:
    return atomic_write_json(out or reports_dir() / "spread" / f"{doc['label']}.json", doc)


def load(label: str, folder: Path | None = None) -> dict | None:
    path = (folder or reports_dir()) / "spread" / f"{label}.json"
    return json.loads(path.read_text()) if path.exists() else None


def spread_rows(doc: dict, metrics: tuple = ("modes_std_rule", "psnr", "mean_distance_px", "mean_difference_px"),
                moving_only: bool = False) -> Table:
    """One line per headline row, mean ± sd and [min, max] over the runs (``moving_only``: leave out
    rows identical in every run, e.g. interpolation baselines)."""
    header = ["notebook", "task", "dataset", "method", "metric", f"mean ± sd over {len(doc['runs'])} runs", "min", "max"]
    rows = []
    for r in doc["rows"]:
        if r["metric"] not in metrics or (moving_only and r["min"] == r["max"]):
            continue
        d = 1 if r["metric"] == "modes_std_rule" else 2
        rows.append([r["notebook"], r["task"], r["dataset"], r["method"], r["metric"],
                     f"{r['mean']:.{d + 1}f} ± {r['sd']:.{d + 1}f}", f"{r['min']:.{d}f}", f"{r['max']:.{d}f}"])
    return Table(header, [False] * 5 + [True] * 3, rows)


def spread_table(doc: dict, metrics: tuple = ("modes_std_rule", "psnr", "mean_distance_px", "mean_difference_px"),
                 moving_only: bool = False) -> str:
    """:func:`spread_rows` as Markdown."""
    return markdown_table(spread_rows(doc, metrics, moving_only))


def register(sub) -> None:
    p = sub.add_parser("spread", help="the spread of headline metrics over several reproduce runs")
    p.add_argument("runs", nargs="+", metavar="NAME=DIR", help="a run's name and its reports folder")
    p.add_argument("--label", default="demo_seeds", help="file name under reports/spread/ (default demo_seeds)")
    p.add_argument("--out", type=Path, help="write here instead")
    p.add_argument("--note", help="where the runs come from, if not one machine and one commit (shown in README)")
    p.set_defaults(func=_cli)


def _cli(args) -> int:
    import sys

    runs = {}
    for item in args.runs:
        name, sep, folder = item.rpartition("=")
        if not sep or not name:
            print(f"error: expected NAME=DIR, got {item!r}", file=sys.stderr)
            return 2
        runs[name] = Path(folder)
    try:
        doc = measure(runs, args.label, args.note)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(write(doc, args.out))
    print(spread_table(doc))
    return 0
