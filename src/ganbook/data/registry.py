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

from . import embedded, local
from .dataset import Dataset, DatasetEntry
from .errors import DataError

__all__ = ["Dataset", "DatasetEntry", "DATASETS", "SPLITS", "load"]

SPLITS = ("train", "test", "all")


def _embedded(name: str, title: str, modality: str, spatial_dims: int, splits: dict[str, str], loader,
              shapes: str) -> DatasetEntry:
    return DatasetEntry(name, title, modality, spatial_dims, "embedded", splits, *embedded.SOURCES[name], loader,
                        shapes, embedded.NOTES[name])


_SUBJECT_SPLIT = {"train": "~80 % of subjects (stable hash split)", "test": "~20 % of subjects"}


def _local(name: str, title: str, modality: str, spatial_dims: int, splits: dict[str, str], loader) -> DatasetEntry:
    return DatasetEntry(name, title, modality, spatial_dims, "local", splits,
                        f"your copy; see data_manifests/{name}.yaml", f"see data_manifests/{name}.yaml", loader,
                        "as in your copy (items load when indexed)",
                        "Split: " + "; ".join(f"{k} = {v}" for k, v in splits.items()) + ". Import it first: "
                        f"python -m ganbook data import {name} PATH.")


DATASETS: dict[str, DatasetEntry] = {entry.name: entry for entry in (
    # embedded: files inside installed PyPI packages
    _embedded("ct_slices", "Real CT slices in HU (pydicom, pydicom-data)", "CT", 2,
              {"train": "4 slices, 3 patients", "test": "2 slices, 2 other patients"}, embedded.load_ct_slices,
              "train 512^2, 512^2, 512^2, 128^2; test 512^2, 512^2"),
    _embedded("mr_slices", "Real MR slices (pydicom, pydicom-data)", "MR", 2,
              {"train": "12 slices, 3 subjects", "test": "1 slice, another subject"}, embedded.load_mr_slices,
              "train 1024^2, 64^2, 10 x 64^2; test 484^2"),
    _embedded("mni152_t1", "MNI152 T1 template + brain mask (nilearn)", "MR", 3,
              {"train": "slab k in [0, 96)", "test": "slab k in [104, 160)"}, embedded.load_mni152_t1,
              "train 197x233x96, test 197x233x56, all 197x233x189 (1 mm)"),
    _embedded("anatomical_t1", "Single-subject T1 (nibabel anatomical.nii)", "MR", 3, {"test": "the whole volume"},
              embedded.load_anatomical_t1, "33x41x25 (2 mm)"),
    _embedded("retina", "Fundus photograph (scikit-image retina)", "fundus", 2,
              {"train": "rows [0, 336) at 704 px", "test": "rows [368, 704) at 704 px"}, embedded.load_retina,
              "train 3x336x704, test 3x336x704 (working_scale=2)"),
    _embedded("microaneurysms", "Fundus crop with microaneurysms (scikit-image)", "fundus", 2,
              {"test": "100x100 crop"}, embedded.load_microaneurysms, "100x100"),
    # local: a user's copy, recorded by `python -m ganbook data import NAME PATH`
    _local("drive", "DRIVE fundus images (local copy)", "fundus", 2,
           {"train": "official 20 training images", "test": "official 20 test images"}, local.load_drive),
    _local("chase_db1", "CHASE_DB1 fundus images (local copy)", "fundus", 2,
           {"train": "children 01-10 (20 images)", "test": "children 11-14 (8 images)"}, local.load_chase_db1),
    _local("stare", "STARE fundus images (local copy)", "fundus", 2,
           {"train": "first half of the labelled images", "test": "second half"}, local.load_stare),
    _local("luna16", "LUNA16 chest CT (local copy)", "CT", 3, {"train": "subset0-8", "test": "subset9"},
           local.load_luna16),
    _local("lidc_idri", "LIDC-IDRI chest CT (local copy)", "CT", 3, _SUBJECT_SPLIT, local.load_lidc_idri),
    _local("ixi_t1", "IXI T1 brain MRI (local copy)", "MR", 3, _SUBJECT_SPLIT, local.load_ixi_t1),
    _local("hcp_t1", "HCP Young Adult T1w (local copy)", "MR", 3, _SUBJECT_SPLIT, local.load_hcp_t1),
    _local("adni_t1", "ADNI T1 (local copy)", "MR", 3, _SUBJECT_SPLIT, local.load_adni_t1),
    _local("brainweb", "BrainWeb simulated MRI (local copy)", "MR", 3, _SUBJECT_SPLIT, local.load_brainweb),
)}


def load(name: str, split: str = "train", **options) -> Dataset:
    """Load a registered dataset split.

    Args:
        name: a key of :data:`DATASETS` (``python -m ganbook data list`` shows them).
        split: ``"train"``, ``"test"`` or ``"all"`` (only splits the entry documents exist).
        options: loader-specific options (e.g. ``working_scale`` for ``retina``).

    Raises:
        DataError: for an unknown name or split, or a local dataset that has not been imported.
    """
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
