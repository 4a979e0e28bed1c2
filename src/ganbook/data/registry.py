"""The one data registry: every dataset the workbook can load, embedded or local, by name.

``load(name, split)`` returns a :class:`Dataset`: the arrays plus what is needed to use them honestly
(spacing, modality, units, the intensity window that maps them to [0, 1], masks for masked metrics,
source, licence and the sha256 of every source file). Each entry documents its split and why the
split cannot leak.

Embedded datasets come from files inside installed PyPI packages and always work offline. Local
datasets (LUNA16, DRIVE, IXI, ...) read a user's copy recorded by ``python -m ganbook data import``;
their manifests live in ``data_manifests/``.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .errors import DataError

__all__ = ["Dataset", "DatasetEntry", "DATASETS", "SPLITS", "load", "register"]

SPLITS = ("train", "test", "all")


@dataclass
class Dataset:
    """Arrays and metadata returned by :func:`load`.

    Attributes:
        name, split: what was asked for.
        modality: ``"CT"``, ``"MR"`` or ``"fundus"``.
        spatial_dims: 2 (slices, photographs) or 3 (volumes).
        images: float32 arrays, channels first ((H, W), (3, H, W) or (I, J, K)); local datasets load
            each item when it is indexed.
        masks: per image, a bool mask for masked metrics and foreground sampling (body, FOV, brain),
            or ``None``.
        ids: a name per image (file and frame).
        spacing: per image, mm per spatial axis (``None`` where unknown).
        units: ``"HU"``, ``"[0,1]"`` or ``"a.u."``.
        windows: per image, the (low, high) value range mapped to [0, 1] for training and metrics.
        source, licence: where it comes from and under which terms.
        sha256: sha256 of every source file, by file name.
        notes: how the split was made and what to watch out for.
        extra: anything else (vessel labels, slab bounds, affine, nodules...).
    """

    name: str
    split: str
    modality: str
    spatial_dims: int
    images: Sequence[np.ndarray]
    masks: Sequence[np.ndarray | None]
    ids: list[str]
    spacing: list[tuple[float, ...] | None]
    units: str
    windows: list[tuple[float, float]]
    source: str
    licence: str
    sha256: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.images)

    def normalised(self, index: int) -> np.ndarray:
        """Image ``index`` mapped linearly from its window to [0, 1] and clipped (float32)."""
        from .intensity import to_unit

        return to_unit(self.images[index], self.windows[index])

    def summary(self) -> str:
        """One line per image: id, shape, spacing."""
        lines = [f"{self.name} [{self.split}] {self.modality}, {len(self)} image(s), units {self.units}"]
        for i, ident in enumerate(self.ids):
            shape = "x".join(map(str, np.shape(self.images[i]))) if not self.extra.get("lazy") else "(lazy)"
            lines.append(f"  {ident}: {shape}, spacing {self.spacing[i]}")
        return "\n".join(lines)


@dataclass(frozen=True)
class DatasetEntry:
    """One registered dataset.

    Attributes:
        name: registry key.
        title: human name.
        modality, spatial_dims: as in :class:`Dataset`.
        kind: ``"embedded"`` (ships with installed packages) or ``"local"`` (a user's imported copy).
        splits: split name -> what it contains; a split missing here does not exist.
        source, licence: provenance.
        loader: ``loader(split, **options) -> Dataset``.
        shapes: the documented shapes, for ``data info``.
        notes: leakage argument and caveats.
    """

    name: str
    title: str
    modality: str
    spatial_dims: int
    kind: str
    splits: dict[str, str]
    source: str
    licence: str
    loader: Callable[..., Dataset]
    shapes: str = ""
    notes: str = ""


DATASETS: dict[str, DatasetEntry] = {}


def register(entry: DatasetEntry) -> DatasetEntry:
    """Add an entry to :data:`DATASETS` (names are unique)."""
    if entry.name in DATASETS and DATASETS[entry.name] is not entry:
        raise ValueError(f"dataset {entry.name!r} is already registered")
    DATASETS[entry.name] = entry
    return entry


def load(name: str, split: str = "train", **options) -> Dataset:
    """Load a registered dataset split.

    Args:
        name: a key of :data:`DATASETS` (``python -m ganbook data list`` shows them).
        split: ``"train"``, ``"test"`` or ``"all"`` (only splits the entry documents exist).
        options: loader-specific options (e.g. ``working_scale`` for ``retina``).

    Raises:
        DataError: for an unknown name or split, or a local dataset that has not been imported.
    """
    _ensure_registered()
    if name not in DATASETS:
        raise DataError(None, f"unknown dataset {name!r}", f"choose one of: {', '.join(sorted(DATASETS))}")
    entry = DATASETS[name]
    if split not in SPLITS or (split != "all" and split not in entry.splits):
        raise DataError(None, f"dataset {name!r} has no split {split!r}",
                        f"its splits are: {', '.join(list(entry.splits) + ['all'])}")
    accepted = set(inspect.signature(entry.loader).parameters) - {"split"}
    unknown = set(options) - accepted
    if unknown:
        raise DataError(None, f"dataset {name!r} has no option(s) {', '.join(sorted(unknown))}",
                        f"its options are: {', '.join(sorted(accepted)) or 'none'}")
    return entry.loader(split, **options)


def _ensure_registered() -> None:
    # The entries live next to their loaders; importing those modules registers them.
    from . import embedded, local  # noqa: F401
