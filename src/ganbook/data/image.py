"""What every reader returns: pixels plus the physical facts needed to use them.

Array conventions (all readers): ``float32``, native byte order, channels first.

=========  =====================================================================
layout     meaning
=========  =====================================================================
``HW``     one grey slice or picture (rows, columns)
``CHW``    one colour picture (channels, rows, columns)
``FHW``    grey frames of a multi-frame DICOM (frames, rows, columns)
``FCHW``   colour frames
``ZHW``    a DICOM series stacked along the slice normal (slices, rows, columns)
``IJK``    a NIfTI/MetaImage volume in the file's voxel order; ``affine`` maps (i, j, k) to mm
=========  =====================================================================
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ImageData", "spatial_axes"]


@dataclass
class ImageData:
    """Pixels and metadata read from one file (or one DICOM series).

    Attributes:
        array: the values, float32 (see the module docstring for ``layout``).
        path: where they came from.
        format: e.g. ``"DICOM (JPEG 2000 Lossless)"``, ``"NIfTI-1"``, ``"PNG"``.
        modality: ``"CT"``, ``"MR"``, ``"CR"``, ``"fundus"``... or ``None`` when unknown.
        spacing: millimetres between samples along each spatial axis of ``array`` (``None`` if unknown).
        units: ``"HU"`` for CT after rescale, ``"[0,1]"`` for 8/16-bit pictures, else ``"a.u."``.
        layout: one of HW, CHW, FHW, FCHW, ZHW, IJK.
        affine: 4x4 voxel-to-world (RAS for NIfTI, LPS for DICOM) matrix when the format has one.
        meta: everything else worth showing (transfer syntax, rescale, windows, orientation...).
        header: the format's own header object (pydicom Dataset without pixels, nibabel header), kept
            for writers that derive a new file from this one; never printed.
    """

    array: np.ndarray
    path: str
    format: str
    modality: str | None = None
    spacing: tuple[float, ...] | None = None
    units: str = "a.u."
    layout: str = "HW"
    affine: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    header: Any = field(default=None, repr=False, compare=False)

    @property
    def frames(self) -> int:
        """Number of frames/slices (1 for a single picture)."""
        return int(self.array.shape[0]) if self.layout[0] in "FZ" else 1

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) rows for ``ganbook data inspect``."""
        a = self.array
        rows = [("file", self.path), ("format", self.format), ("modality", self.modality or "unknown"),
                ("shape", " x ".join(map(str, a.shape)) + f"  ({self.layout})"), ("frames", str(self.frames))]
        if self.spacing is not None:
            rows.append(("spacing", " x ".join(f"{s:.4g}" for s in self.spacing) + " mm"))
        if a.size:
            rows.append(("values", f"{float(a.min()):.6g} .. {float(a.max()):.6g} {self.units}"
                                   f"  (mean {float(a.mean(dtype=np.float64)):.4g})"))
        for key, value in self.meta.items():
            rows.append((key, str(value)))
        return rows


def spatial_axes(layout: str) -> tuple[int, ...]:
    """Indices of the spatial axes of an array with the given layout (e.g. ``CHW`` -> (1, 2))."""
    return tuple(i for i, c in enumerate(layout) if c in "HWZIJK")
