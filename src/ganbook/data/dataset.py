"""What a loader returns (:class:`Dataset`) and what the registry lists (:class:`DatasetEntry`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["Dataset", "DatasetEntry"]


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
