"""DragGAN's face-landmark benchmark (paper Table 1), adapted to the procedural-faces generator.

Protocol (Pan et al. 2023, §4.2): generate two random images, detect their landmarks, drag the
landmarks of image 1 to those of image 2, detect the landmarks of the edited image and report the
mean distance (MD, pixels) to the targets, for 1 point (one landmark drawn at random per pair) and
for 5 points (eyes, nose tip, mouth corners). Rows: "no edit" (image 1 as it is), "DragGAN (no
tracking)" (the open-loop ablation, see :mod:`ganbook.drag.draggan`) and "DragGAN"; plus seconds per
edit and milliseconds per step. Our detector is :mod:`ganbook.drag.landmarks` (its own test error
bounds how small MD can be measured); the paper used a face-landmark detector on FFHQ.

:func:`landmark_edits` runs the edits (every edit's handles, targets and detected points, what the
figures draw); :func:`evaluate` averages them into ``{method: {metric: value}}`` for one point count;
:func:`run_landmark_benchmark` does both for every point count.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..metrics import bootstrap_mean_ci
from .batch import drag_many
from .draggan import DragConfig, image_to_numpy
from .data import FIVE_POINTS
from .landmarks import detect_landmarks

__all__ = ["BenchmarkConfig", "METHODS", "PAPER_TABLE1", "sample_pair", "landmark_edits", "evaluate",
           "run_landmark_benchmark", "compare_with_paper", "paired_difference"]

METHODS = ("no edit", "DragGAN (no tracking)", "DragGAN")

# Pan et al. 2023, Table 1: mean landmark distance (px) on FFHQ at 512 px, by number of dragged points.
PAPER_TABLE1 = {"resolution": 512, 1: {"no edit": 12.93, "DragGAN": 2.44}, 5: {"no edit": 11.66, "DragGAN": 3.18}}


def compare_with_paper(rows, resolution: int) -> list[dict]:
    """Our mean distances beside the paper's, in pixels and as a percentage of the image width.

    Args:
        rows: metric rows (dicts) with tasks ``landmarks_1pt`` / ``landmarks_5pt`` and metric
            ``mean_distance_px``, as the notebook records them.
        resolution: our generator's output size.
    """
    ours = {(r["task"], r["method"]): r["value"] for r in rows if r["metric"] == "mean_distance_px"}
    out = []
    for points in (1, 5):
        paper = PAPER_TABLE1[points]
        for method in ("no edit", "DragGAN"):
            mine = ours[(f"landmarks_{points}pt", method)]
            ours_pct, paper_pct = 100 * mine / resolution, 100 * paper[method] / PAPER_TABLE1["resolution"]
            out.append({"points": points, "method": method, "ours_px": mine, "paper_px": paper[method],
                        "paper_over_ours_px": paper[method] / mine, "ours_pct_width": ours_pct,
                        "paper_pct_width": paper_pct, "ours_over_paper_pct": ours_pct / paper_pct})
    return out


@dataclass
class BenchmarkConfig:
    """Benchmark size.

    Attributes:
        num_pairs: image pairs per setting.
        point_counts: settings (the paper: 1, 5 and 68 points; we have 5 facial landmarks + 3 more).
        truncation_psi: for sampling both images (1.0: the full distribution; the GUI's 0.7 shrinks
            the already small pose differences of 64-px faces).
        min_distance_px: redraw a pair (up to ``max_tries`` times, then keep the farthest) until the
            dragged landmarks are at least this far apart on average. Our adaptation: two random
            64-px faces differ by only ~2-3 px, close to the detector's ~1 px error, while the paper's
            512-px pairs differ by ~13 px, many times its detector's error.
        max_steps: cap per edit (paper: 300).
        seed: seeds the pairs and the 1-point landmark choice.
        drag: the :class:`DragConfig` of both DragGAN rows (``track`` is set per row).
        batch_size: edits synthesised together (:func:`ganbook.drag.batch.drag_many`; the results do not
            depend on it beyond float rounding).
    """

    num_pairs: int = 32
    point_counts: tuple[int, ...] = (1, 5)
    truncation_psi: float = 1.0
    min_distance_px: float = 3.0
    max_tries: int = 50
    max_steps: int = 300
    seed: int = 0
    drag: DragConfig = field(default_factory=DragConfig)
    batch_size: int = 32


@torch.no_grad()
def sample_pair(G, seed: int, truncation_psi: float = 0.7):
    """Two W+ codes and their images ((H, W, 3) in [0, 1]) from one seed."""
    z = torch.randn(2, G.cfg.z_dim, generator=torch.Generator().manual_seed(seed))
    ws = G.mapping(z.to(G.mapping_network.w_avg.device), truncation_psi)
    images = [image_to_numpy(G.synthesis(ws[i:i + 1], noise_mode="const")) for i in range(2)]
    return ws[0:1].clone(), ws[1:2].clone(), images[0], images[1]


def landmark_edits(G, regressor, config: BenchmarkConfig | None = None, progress=None) -> list[dict]:
    """Run every edit of the benchmark.

    Args:
        G: the generator (frozen).
        regressor: a :class:`ganbook.drag.landmarks.LandmarkNet`.
        config: a :class:`BenchmarkConfig`.
        progress: optional ``fn(done, total)`` after each DragGAN row (of two).

    Returns:
        One record per edit, point counts in the order of ``config.point_counts``: ``points``, ``pair``,
        ``landmarks`` (indices), ``handles``, ``targets``, and per method of :data:`METHODS` a dict with
        ``distance`` (px) and, for the DragGAN rows, ``seconds``, ``steps``, ``ms_per_step``,
        ``detected`` and ``converged``.
    """
    cfg = config or BenchmarkConfig()
    rng = np.random.default_rng(cfg.seed)
    res = G.resolution
    edits, starts = [], []
    for n in cfg.point_counts:
        if n > len(FIVE_POINTS) and n != 1:
            raise ValueError(f"point_counts may hold 1 and up to {len(FIVE_POINTS)} points, got {n}")
        for pair in range(cfg.num_pairs):
            idx = [int(rng.choice(FIVE_POINTS))] if n == 1 else list(FIVE_POINTS[:n])
            best = None
            for attempt in range(max(cfg.max_tries, 1)):
                w1, _, img1, img2 = sample_pair(G, cfg.seed * 100003 + pair * 1009 + attempt, cfg.truncation_psi)
                lm1, lm2 = detect_landmarks(regressor, np.stack([img1, img2]))
                gap = float(np.linalg.norm(lm1[idx] - lm2[idx], axis=1).mean())
                if best is None or gap > best[0]:
                    best = (gap, w1, lm1, lm2)
                if gap >= cfg.min_distance_px:
                    break
            _, w1, lm1, lm2 = best
            targets = np.clip(lm2[idx], 0, res - 1)
            edits.append({"points": n, "pair": pair, "landmarks": idx, "handles": np.clip(lm1[idx], 0, res - 1).tolist(),
                          "targets": targets.tolist(),
                          "no edit": {"distance": float(np.linalg.norm(lm1[idx] - targets, axis=1).mean())}})
            starts.append(w1)
    for m, (method, track) in enumerate((("DragGAN (no tracking)", False), ("DragGAN", True))):
        results = drag_many(G, starts, [e["handles"] for e in edits], [e["targets"] for e in edits], track=track,
                            max_steps=cfg.max_steps, config=cfg.drag, batch_size=cfg.batch_size)
        found = detect_landmarks(regressor, np.stack([r.image for r in results]))
        for e, r, f in zip(edits, results, found):
            f = f[e["landmarks"]]
            e[method] = {"distance": float(np.linalg.norm(f - np.asarray(e["targets"]), axis=1).mean()),
                         "seconds": r.seconds, "steps": r.steps, "ms_per_step": r.ms_per_step,
                         "detected": f.tolist(), "converged": r.converged}
        if progress is not None:
            progress(m + 1, 2)
    return edits


def _with_points(edits: list[dict], points: int) -> list[dict]:
    sel = [e for e in edits if e["points"] == points]
    if not sel:
        raise ValueError(f"no edit drags {points} points; the edits have {sorted({e['points'] for e in edits})}")
    return sel


def evaluate(edits: list[dict], points: int) -> dict[str, dict[str, float]]:
    """Mean scores of the edits with ``points`` dragged points: ``{method: {metric: value}}``.

    Methods in the order of :data:`METHODS`; every method has ``mean_distance_px`` with its bootstrap
    95 % CI over the edits (``ci_low``, ``ci_high``), the DragGAN rows also ``time_per_edit_s``,
    ``ms_per_step`` and ``steps`` (means over the edits; times amortised over the batch).

    Raises:
        ValueError: no edit has that many points.
    """
    sel = _with_points(edits, points)
    scores = {}
    for method in METHODS:
        distances = [e[method]["distance"] for e in sel]
        low, high = bootstrap_mean_ci(distances, seed=points)
        scores[method] = {"mean_distance_px": float(np.mean(distances)), "ci_low": low, "ci_high": high}
        if method != "no edit":
            for metric, key in (("time_per_edit_s", "seconds"), ("ms_per_step", "ms_per_step"), ("steps", "steps")):
                scores[method][metric] = float(np.mean([e[method][key] for e in sel]))
    return scores


def paired_difference(edits: list[dict], points: int, method: str = "DragGAN",
                      baseline: str = "DragGAN (no tracking)") -> dict[str, float]:
    """Mean per-pair difference ``method − baseline`` of the distance (px) with its bootstrap 95 % CI.

    Both rows edit the same pairs, so the pairs' own difficulty cancels in the difference: the paired
    interval is the fair test of "below the baseline" (two separate intervals overlap far more often).
    """
    sel = _with_points(edits, points)
    diff = [e[method]["distance"] - e[baseline]["distance"] for e in sel]
    low, high = bootstrap_mean_ci(diff, seed=points)
    return {"mean_difference_px": float(np.mean(diff)), "ci_low": low, "ci_high": high}


def run_landmark_benchmark(G, regressor, config: BenchmarkConfig | None = None, progress=None,
                           dataset: str = "faces64") -> dict:
    """Run the benchmark for every point count of the config.

    Args:
        G: the generator (frozen).
        regressor: a :class:`ganbook.drag.landmarks.LandmarkNet`.
        config: a :class:`BenchmarkConfig`.
        progress: optional ``fn(done, total)`` after each DragGAN row (of two).
        dataset: the name put in the rows.

    Returns:
        ``{"scores", "split", "rows", "edits"}``: ``scores[points]`` is :func:`evaluate`'s
        ``{method: {metric: value}}`` for each point count; ``split`` names the pairs; rows are the same
        numbers as dicts with task, dataset, split, method, metric, value (metrics "mean_distance_px",
        "ci_low", "ci_high", "time_per_edit_s", "ms_per_step", "steps"); edits are :func:`landmark_edits`' records.
    """
    cfg = config or BenchmarkConfig()
    edits = landmark_edits(G, regressor, cfg, progress)
    split = f"{cfg.num_pairs} generated pairs (seed {cfg.seed})"
    scores = {n: evaluate(edits, n) for n in cfg.point_counts}
    rows = [{"task": f"landmark drag, {n} point{'s' if n > 1 else ''}", "dataset": dataset, "split": split,
             "method": method, "metric": metric, "value": value}
            for n, by_method in scores.items() for method, values in by_method.items()
            for metric, value in values.items()]
    return {"scores": scores, "split": split, "rows": rows, "edits": edits}
