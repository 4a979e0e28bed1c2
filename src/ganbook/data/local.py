"""Loaders for the real datasets a researcher imports (``python -m ganbook data import NAME PATH``).

Items are read when indexed (a LUNA16 scan is 100+ MB), one kept in memory. Splits:

* DRIVE: the official 20 training / 20 test images.
* CHASE_DB1: by child — subjects 01-10 train, 11-14 test (both eyes of a child stay together).
* STARE: by image number — the first 10 of the 20 labelled images train, the last 10 test.
* LUNA16: by the official subsets — subset0-8 train, subset9 test (MedSRGAN's own 219/23 split
  of 242 scans was not published).
* LIDC-IDRI, IXI, HCP, ADNI, BrainWeb: by subject, test = subjects whose id hashes to 0 mod 5 — a
  stable ~20 % that does not change when more subjects are added.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .dataset import Dataset
from .masks import body_mask

__all__ = ["is_test_subject", "LazyItems", "load_drive", "load_chase_db1", "load_stare", "load_luna16",
           "load_lidc_idri", "load_ixi_t1", "load_hcp_t1", "load_adni_t1", "load_brainweb"]


def is_test_subject(subject: str) -> bool:
    """The stable subject-level split: test when sha256(subject id) is 0 mod 5."""
    return int(hashlib.sha256(subject.encode("utf-8")).hexdigest(), 16) % 5 == 0


class LazyItems:
    """Reads item ``i`` on demand with ``read(path) -> dict`` (the last item is cached)."""

    def __init__(self, paths: Sequence[Path], read: Callable[[Path], dict[str, Any]]):
        self.paths, self.read, self._last = list(paths), read, (None, None)

    def get(self, i: int) -> dict[str, Any]:
        if self._last[0] != i:
            self._last = (i, self.read(self.paths[i]))
        return self._last[1]

    def view(self, key: str) -> "_View":
        return _View(self, key)


class _View(Sequence):
    def __init__(self, items: LazyItems, key: str):
        self.items, self.key = items, key

    def __len__(self) -> int:
        return len(self.items.paths)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.items.get(range(len(self))[i])[self.key]


def _dataset(name: str, split: str, modality: str, dims: int, paths: list[Path], read, units: str) -> Dataset:
    from .manifests import load_manifest

    manifest = load_manifest(name)
    items = LazyItems(paths, read)
    ids = [str(p.name) for p in paths]
    return Dataset(name, split, modality, dims, items.view("image"), items.view("mask"), ids, items.view("spacing"),
                   units, items.view("window"), manifest.title + f" ({manifest.homepage})", manifest.licence, {},
                   "Checksums: `python -m ganbook data verify " + name + "`. " + " ".join(manifest.notes.split()),
                   {"lazy": True, "paths": paths, "labels": items.view("label")})


def _root(name: str) -> Path:
    from .fetch import dataset_root

    return dataset_root(name)


def _fundus_item(image_path: Path, mask_path: Path | None, label_path: Path | None) -> dict[str, Any]:
    from .images import read_image, read_mask

    image = read_image(image_path).array
    mask = read_mask(mask_path) if mask_path else image.mean(0) > 0.1  # no FOV file: threshold the dark border
    return {"image": image, "mask": mask, "spacing": None, "window": (0.0, 1.0),
            "label": read_mask(label_path) if label_path and label_path.exists() else None}


def load_drive(split: str) -> Dataset:
    """DRIVE: RGB (3, 584, 565) in [0, 1], FOV masks, 1st-observer vessel labels in extra["labels"]."""
    root = _root("drive")
    folders = {"train": ["training"], "test": ["test"], "all": ["training", "test"]}[split]
    paths = [p for f in folders for p in sorted((root / f / "images").glob("*.tif"))]

    def read(p: Path):
        number, part = p.stem.split("_")[0], p.parent.parent
        return _fundus_item(p, part / "mask" / f"{p.stem}_mask.gif", part / "1st_manual" / f"{number}_manual1.gif")

    return _dataset("drive", split, "fundus", 2, paths, read, "[0,1]")


def load_chase_db1(split: str) -> Dataset:
    """CHASE_DB1: RGB (3, 960, 999), thresholded FOV masks, 1st-observer labels; split by child."""
    root = _root("chase_db1")
    paths = sorted(root.glob("Image_*.jpg"))
    keep = {"train": lambda s: s <= 10, "test": lambda s: s > 10, "all": lambda s: True}[split]
    paths = [p for p in paths if keep(int(re.findall(r"\d+", p.stem)[0]))]
    return _dataset("chase_db1", split, "fundus", 2, paths,
                    lambda p: _fundus_item(p, None, p.with_name(p.stem + "_1stHO.png")), "[0,1]")


def load_stare(split: str) -> Dataset:
    """STARE: RGB (3, 605, 700), thresholded FOV masks, observer "ah" labels; split by image number.

    The split is over the labelled images (those with an ``imNNNN.ah.ppm(.gz)`` file; the full
    archive has 397 images, 20 of them labelled): the first half by number trains, the second half
    tests. A folder without any labels is split in halves by number.
    """
    root = _root("stare")
    paths = sorted(p for p in root.glob("im*.ppm*") if re.fullmatch(r"im\d+\.ppm(\.gz)?", p.name))

    def label_of(p: Path) -> Path | None:
        stem = p.name.split(".")[0]
        labels = [q for q in (root / f"{stem}.ah.ppm", root / f"{stem}.ah.ppm.gz") if q.exists()]
        return labels[0] if labels else None

    labelled = [p for p in paths if label_of(p) is not None] or paths
    half = len(labelled) // 2
    paths = {"train": labelled[:half], "test": labelled[half:], "all": paths}[split]
    return _dataset("stare", split, "fundus", 2, paths, lambda p: _fundus_item(p, None, label_of(p)), "[0,1]")


def _ct_item(image) -> dict[str, Any]:
    return {"image": image.array, "mask": body_mask(image.array, -500.0), "spacing": image.spacing,
            "window": (-1024.0, 1024.0), "label": None}


def load_luna16(split: str) -> Dataset:
    """LUNA16: CT volumes (Z, Y, X) in HU with body masks; subset9 is the test split."""
    from .metaimage import read_metaimage

    root = _root("luna16")
    paths = sorted(root.glob("subset*/*.mhd"))
    keep = {"train": lambda s: s != "subset9", "test": lambda s: s == "subset9", "all": lambda s: True}[split]
    paths = [p for p in paths if keep(p.parent.name)]
    return _dataset("luna16", split, "CT", 3, paths, lambda p: _ct_item(read_metaimage(p)), "HU")


def load_lidc_idri(split: str) -> Dataset:
    """LIDC-IDRI: CT series (Z, H, W) in HU with body masks; split by patient hash."""
    from .dicom_series import read_dicom_series

    root = _root("lidc_idri")
    series = sorted({p.parent for p in root.glob("LIDC-IDRI-*/**/*.dcm")})
    series = [s for s in series if len(list(s.glob("*.dcm"))) >= 16]  # CT series; skips DX/CR/SEG folders
    paths = _subject_split(series, lambda p: p.relative_to(root).parts[0], split)
    return _dataset("lidc_idri", split, "CT", 3, paths, lambda p: _ct_item(read_dicom_series(p)), "HU")


def _mr_item(path: Path) -> dict[str, Any]:
    from .nifti import read_volume

    volume = read_volume(path)
    hi = float(max(np.percentile(volume.array, 99.5), 1e-6))
    return {"image": volume.array, "mask": body_mask(volume.array, 0.15 * hi), "spacing": volume.spacing,
            "window": (0.0, hi), "label": None}


def _subject_split(paths: list[Path], subject: Callable[[Path], str], split: str) -> list[Path]:
    if split == "all":
        return paths
    return [p for p in paths if is_test_subject(subject(p)) == (split == "test")]


def _volume_loader(name: str, patterns: tuple[str, ...], subject: Callable[[Path, Path], str]):
    def load(split: str) -> Dataset:
        root = _root(name)
        paths = sorted({p for pattern in patterns for p in root.glob(pattern)})
        return _dataset(name, split, "MR", 3, _subject_split(paths, lambda p: subject(root, p), split), _mr_item,
                        "a.u.")

    return load


def _first_folder(root: Path, path: Path) -> str:
    return path.relative_to(root).parts[0]


load_ixi_t1 = _volume_loader("ixi_t1", ("IXI*-T1.nii.gz",), lambda root, p: p.name.split("-")[0])
load_hcp_t1 = _volume_loader("hcp_t1", ("*/T1w/T1w_acpc_dc_restore.nii.gz",
                                        "*/unprocessed/3T/T1w_MPR1/*_3T_T1w_MPR1.nii.gz"), _first_folder)
load_adni_t1 = _volume_loader("adni_t1", ("*/**/*.nii", "*/**/*.nii.gz"), _first_folder)
load_brainweb = _volume_loader("brainweb", ("*.mnc",), lambda root, p: p.stem)
