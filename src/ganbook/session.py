"""``ganbook.start(...)``: the one call at the top of every notebook.

It resolves the profile, seeds everything, picks the device, starts the clock, and gives the
notebook a :class:`Run` that saves figures and metrics with full provenance.
"""
from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from . import report
from .params import coerce, make_config, resolve_profile
from .paths import reports_dir
from .runtime import cpu_bf16_supported, peak_rss_mb, portable_cpu, seed_everything, select_device

__all__ = ["Run", "start"]


@dataclass
class Run:
    """A notebook's run: who it is, how it was parameterised, and what it produced.

    Attributes:
        notebook: the notebook's name (``"00_gan_fundamentals"``).
        profile: smoke / demo / paper.
        seed: the global seed.
        device: the torch device chosen.
        interactive: whether widgets are shown (False under papermill: figures are saved instead).
        parameters: every notebook parameter, for provenance.
        rng: a NumPy generator seeded with ``seed``.
    """

    notebook: str
    profile: str
    seed: int
    device: Any
    interactive: bool
    parameters: dict
    rng: np.random.Generator
    config: Any = None
    data: dict = field(default_factory=dict)
    rows: list = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def configure(self, profiles: Mapping[str, Any], **overrides: Any):
        """The profile's dataclass config with overrides (``None`` = profile default); recorded.

        Every notebook parameter named like a config field overrides it, so a notebook passes its
        parameters once, to :func:`start`; explicit ``overrides`` win over those.
        """
        fields = {f.name for f in dataclasses.fields(profiles[self.profile])} if self.profile in profiles else set()
        from_parameters = {k: v for k, v in self.parameters.items() if k in fields}
        self.config = make_config(profiles, self.profile, **{**from_parameters, **overrides})
        return self.config

    def add_data(self, name: str, sha256: str | None) -> None:
        """Record a data source and its checksum in the provenance of everything saved after."""
        self.data[name] = sha256

    def info(self, **extra: Any) -> dict:
        """Provenance for a saved artefact."""
        cfg = dataclasses.asdict(self.config) if dataclasses.is_dataclass(self.config) else self.config
        return report.provenance(notebook=self.notebook, profile=self.profile, seed=self.seed,
                                 device=str(self.device), parameters=self.parameters, config=cfg,
                                 cpu_bf16=cpu_bf16_supported(), data=self.data, wall_time_s=round(self.elapsed, 2),
                                 **extra)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def save_figure(self, fig, name: str, **extra: Any) -> Path:
        """Save a report figure (PNG + provenance JSON) under ``reports/figures/<notebook>/``."""
        return report.save_figure(fig, self.notebook, name, self.info(**extra))

    def metric(self, task: str, dataset: str, split: str, method: str, metric: str, value: float) -> None:
        """Add one row to this notebook's metrics table."""
        self.rows.append(report.Row(task, dataset, split, method, metric, float(value)))

    def record(self, task: str, dataset: str, split: str, scores: Mapping[str, Mapping[str, float]],
               metrics: Sequence[str] | None = None) -> None:
        """Add ``scores[method][metric]`` (what every ``evaluate`` returns) as rows of one task.

        Args:
            task, dataset, split: the rows' labels.
            scores: ``{method: {metric: value}}``.
            metrics: the metrics to keep, in this order (None: every metric of each method, as given).

        Raises:
            KeyError: a requested metric is missing for a method (named with the method).
        """
        for method, values in scores.items():
            for name in values if metrics is None else metrics:
                if name not in values:
                    raise KeyError(f"record({task!r}): method {method!r} has no metric {name!r}; "
                                   f"it has {', '.join(values)}")
                self.metric(task, dataset, split, method, name, values[name])

    def save_metrics(self) -> Path:
        """Write ``reports/metrics/<notebook>.json`` with every row added so far."""
        return report.save_metrics(self.notebook, self.profile, self.rows, wall_time_s=self.elapsed,
                                   peak_rss_mb=peak_rss_mb(), info=self.info())

    def table(self, task: str | None = None, **kwargs: Any) -> str:
        """The metrics so far as a markdown table (optionally one task only)."""
        rows = [r.as_dict() for r in self.rows if task is None or r.task == task]
        return report.format_table(rows, **kwargs)

    @property
    def checkpoint_dir(self) -> Path:
        """``reports/checkpoints/<notebook>/<profile>/``: where this run's models are saved."""
        return reports_dir() / "checkpoints" / self.notebook / self.profile

    def __repr__(self) -> str:
        return (f"ganbook run: {self.notebook} | profile={self.profile} | seed={self.seed} | "
                f"device={self.device} | interactive={self.interactive}")


def start(notebook: str, *, profile: str = "demo", seed: int = 0, device: str = "auto", interactive: bool = True,
          deterministic: bool | None = None, **parameters: Any) -> Run:
    """Begin a notebook run.

    Args:
        notebook: the notebook's name.
        profile: smoke / demo / paper (``$GANBOOK_PROFILE`` overrides; the tests set it to smoke).
            ``smoke`` runs in portable mode (:func:`ganbook.runtime.portable_cpu`): one thread, no
            oneDNN, deterministic kernels, so its printed numbers do not depend on the host.
        seed: global seed for Python, NumPy and torch.
        device: "auto" (cuda > mps > cpu), "cpu", "cuda" or "mps".
        interactive: show widgets; papermill runs pass False and get saved figures instead.
        deterministic: deterministic kernels and no cuDNN autotuning; None = on at smoke and demo (results
            repeat exactly on one host), off at paper (GPU speed: cuDNN picks its fastest 3-D kernels).
        **parameters: the notebook's other parameters, recorded in every provenance sidecar.

    Raises:
        ParameterError: bad profile or parameter types.
    """
    profile = resolve_profile(profile)
    seed = coerce("seed", seed, "int")
    interactive = coerce("interactive", interactive, "bool") and os.environ.get("GANBOOK_INTERACTIVE", "1") != "0"
    threads = os.environ.get("GANBOOK_THREADS")  # set by parallel reproduction jobs to share the cores
    if profile == "smoke":  # the tests compare smoke outputs: the same numbers on every host
        portable_cpu()
    elif threads:
        import torch

        torch.set_num_threads(max(1, int(threads)))
    deterministic = profile != "paper" if deterministic is None else coerce("deterministic", deterministic, "bool")
    rng = seed_everything(seed, deterministic=deterministic)
    dev = select_device(device)
    _plot_style()
    params = {"profile": profile, "seed": seed, "device": device, "interactive": interactive,
              "deterministic": deterministic, **parameters}
    return Run(notebook=notebook, profile=profile, seed=seed, device=dev, interactive=interactive,
               parameters=params, rng=rng)


def _plot_style() -> None:
    import matplotlib as mpl

    mpl.rcParams.update({"figure.dpi": 90, "savefig.dpi": 110, "axes.spines.top": False,
                         "axes.spines.right": False, "image.interpolation": "nearest", "font.size": 9})

