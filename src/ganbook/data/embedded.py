"""Real medical images that ship inside installed PyPI packages, with fixed leak-free splits.

=================  ======================================================================================
name               what (train / test)
=================  ======================================================================================
ct_slices          pydicom CT slices in HU. train: J2K_pixelrep_mismatch (head, 512^2), eCT_Supplemental
                   frames 0-1 (perfusion brain CT, 512^2); test: 693_UNCR (head, CQ500, 512^2),
                   explicit_VR-UN (abdomen, 512^2), CT_small (chest, 128^2: the one real slice with lung).
                   Five different patients; the other copies of 693 (UNCI, J2KI, J2KR) are never used.
mr_slices          pydicom MR slices. train: MR2_UNCR (shoulder, 1024^2), MR_small (64^2), emri_small
                   frames 0-9 (64^2); test: MR-SIEMENS-DICOM-WithOverlays (abdomen, 484^2). Its cropped
                   twin examples_overlay.dcm is never used.
mni152_t1          nilearn's ICBM 2009a symmetric T1 template (197x233x189, 1 mm) + brain mask. The
                   template mirrors left/right, so the split is along the inferior-superior axis (k):
                   train k < 96, test 104 <= k < 160, an 8-slice gap in between.
anatomical_t1      nibabel's anatomical.nii, one real subject (33x41x25, 2 mm): test only, an
                   out-of-distribution check for models trained on the template.
retina             scikit-image's fundus photo at 1/2 scale (704^2, see WORKING_SCALE): train = rows
                   [0, 336), test = rows [368, 704); the 32-row band between them is in neither.
microaneurysms     scikit-image's 102^2 green-channel fundus crop, cropped to 100^2: test only.
=================  ======================================================================================
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io import sha256_file
from .errors import DataError
from .dataset import Dataset
from .masks import body_mask

__all__ = ["CT_SPLIT", "MR_SPLIT", "MNI_SLABS", "RETINA_ROWS", "WORKING_SCALE", "SOURCES", "NOTES", "pydicom_file",
           "load_ct_slices", "load_mr_slices", "load_mni152_t1", "load_anatomical_t1", "load_retina",
           "load_microaneurysms"]

CT_SPLIT = {"train": [("J2K_pixelrep_mismatch.dcm", None), ("eCT_Supplemental.dcm", 0),
                      ("eCT_Supplemental.dcm", 1)],
            "test": [("693_UNCR.dcm", None), ("explicit_VR-UN.dcm", None), ("CT_small.dcm", None)]}
MR_SPLIT = {"train": [("MR2_UNCR.dcm", None), ("MR_small.dcm", None)] + [("emri_small.dcm", f) for f in range(10)],
            "test": [("MR-SIEMENS-DICOM-WithOverlays.dcm", None)]}
MNI_SLABS = {"train": (0, 96), "test": (104, 160), "all": (0, 189)}  # along k (inferior -> superior)
WORKING_SCALE = 2  # retina at 1/2 size: 704 px, where bicubic x4 leaves something to recover
RETINA_ROWS = {"train": (0, 336), "test": (368, 704), "all": (0, 704)}  # at the working scale 2

_PYDICOM = ("pydicom / pydicom-data test files (see pydicom's test_files/README.txt for each file's origin)",
            "MIT (the packages); files redistributed there with their donors' permission")
SOURCES = {
    "ct_slices": _PYDICOM, "mr_slices": _PYDICOM,
    "mni152_t1": ("nilearn: ICBM 2009a nonlinear symmetric T1 template, McConnell Brain Imaging Centre",
                  "ICBM template terms: free use with the copyright notice (see nilearn's documentation)"),
    "anatomical_t1": ("nibabel test data: a real single-subject T1 volume", "MIT (nibabel)"),
    "retina": ("scikit-image data: fundus photograph of a normal left eye (M. Haggstrom, Wikimedia Commons)",
               "CC0 1.0 (public domain dedication)"),
    "microaneurysms": ("scikit-image data: crop of image 07_dr of the HRF database (Budai et al. 2013), green "
                       "channel", "CC0 (given by the owner, A. Maier)"),
}


def pydicom_file(name: str) -> Path:
    """A test file shipped by pydicom or pydicom-data, found on disk (pydicom's own lookup may download)."""
    import importlib.util

    for package, sub in (("pydicom", ("data", "test_files")), ("data_store", ("data",))):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin is not None:
            path = Path(spec.origin).parent.joinpath(*sub, name)
            if path.is_file():
                return path
    raise DataError(name, "is not installed", "pip install pydicom pydicom-data (both are workbook requirements)")


def _dicom_split(name: str, modality: str, table: dict, split: str, window_fn) -> Dataset:
    from .dicom import read_dicom

    items = table["train"] + table["test"] if split == "all" else table[split]
    images, masks, ids, spacing, windows, sha = [], [], [], [], [], {}
    for file, frame in items:
        path = pydicom_file(file)
        image = read_dicom(path, frame=frame)
        array = image.array[0] if image.layout == "FHW" else image.array
        lo, hi = window_fn(array)
        images.append(array)
        masks.append(body_mask(array, lo + 0.1 * (hi - lo) if modality == "MR" else -500.0))
        ids.append(file if frame is None else f"{file}#frame{frame}")
        spacing.append(image.spacing)
        windows.append((lo, hi))
        sha[file] = sha256_file(path)
    units = "HU" if modality == "CT" else "a.u."
    return Dataset(name, split, modality, 2, images, masks, ids, spacing, units, windows, *SOURCES[name], sha,
                   NOTES[name])


def _mr_window(array: np.ndarray) -> tuple[float, float]:
    # MR has no absolute scale: per image, 0 .. the 99.5th percentile (MedSRGAN normalises per scan).
    return 0.0, float(max(np.percentile(array, 99.5), 1e-6))


def load_ct_slices(split: str) -> Dataset:
    """Real CT slices in HU (split by patient; see the module table)."""
    return _dicom_split("ct_slices", "CT", CT_SPLIT, split, lambda a: (-1024.0, 1024.0))


def load_mr_slices(split: str) -> Dataset:
    """Real MR slices, each with a 0 .. 99.5th-percentile window (split by subject)."""
    return _dicom_split("mr_slices", "MR", MR_SPLIT, split, _mr_window)


def _nilearn_file(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec("nilearn")
    if spec is None or spec.origin is None:
        raise DataError(name, "needs nilearn's packaged MNI152 template", "pip install nilearn")
    return Path(spec.origin).parent / "datasets" / "data" / name


def load_mni152_t1(split: str) -> Dataset:
    """The MNI152 T1 template slab for ``split`` along k, with nilearn's brain mask and the slab's affine."""
    from .nifti import read_volume

    path = _nilearn_file("mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz")
    volume = read_volume(path)
    k0, k1 = MNI_SLABS[split]
    array = np.ascontiguousarray(volume.array[:, :, k0:k1])
    brain = (volume.array / volume.array.max() > 0.2)[:, :, k0:k1]  # nilearn's load_mni152_brain_mask rule
    affine = volume.affine.copy()
    affine[:3, 3] += affine[:3, 2] * k0  # the slab starts k0 voxels up
    return Dataset("mni152_t1", split, "MR", 3, [array], [brain], [f"mni152_t1[k={k0}:{k1}]"], [volume.spacing],
                   "a.u.", [(0.0, 255.0)], *SOURCES["mni152_t1"], {path.name: sha256_file(path)},
                   NOTES["mni152_t1"],
                   {"slab_k": (k0, k1), "axis": 2, "affine": affine})


def load_anatomical_t1(split: str) -> Dataset:
    """nibabel's anatomical.nii (test only), with a head-foreground mask."""
    import nibabel

    from .nifti import read_volume

    path = Path(nibabel.__file__).parent / "tests" / "data" / "anatomical.nii"
    volume = read_volume(path)
    hi = float(np.percentile(volume.array, 99.5))
    head = body_mask(volume.array, 0.15 * hi)
    return Dataset("anatomical_t1", split, "MR", 3, [volume.array], [head], ["anatomical.nii"], [volume.spacing],
                   "a.u.", [(0.0, hi)], *SOURCES["anatomical_t1"], {path.name: sha256_file(path)},
                   NOTES["anatomical_t1"],
                   {"affine": volume.affine})


def _skimage_file(name: str) -> Path:
    import skimage

    return Path(skimage.__file__).parent / "data" / name


def load_retina(split: str, working_scale: int = WORKING_SCALE) -> Dataset:
    """The fundus photo at 1/``working_scale`` (1, 2 or 4), split into disjoint row bands."""
    from PIL import Image

    from .degrade import bicubic_down, crop_to_multiple

    if working_scale not in (1, 2, 4):
        raise DataError(None, f"retina: working_scale={working_scale!r} is not 1, 2 or 4", "use 2 (default)")
    path = _skimage_file("retina.jpg")
    rgb = np.moveaxis(np.asarray(Image.open(path), dtype=np.float32) / 255.0, -1, 0)  # (3, 1411, 1411)
    rgb = crop_to_multiple(rgb, 4 * working_scale)  # 1408: every working scale still tiles by x4
    if working_scale > 1:
        rgb = np.clip(bicubic_down(rgb, working_scale), 0.0, 1.0)
    size = rgb.shape[-1]
    r0, r1 = (int(round(v * size / 704)) for v in RETINA_ROWS[split])
    image = np.ascontiguousarray(rgb[:, r0:r1])
    fov = image.mean(0) > 0.05  # the black border is not retina: keep it out of every metric
    return Dataset("retina", split, "fundus", 2, [image], [fov], [f"retina.jpg[rows {r0}:{r1}]"], [None], "[0,1]",
                   [(0.0, 1.0)], *SOURCES["retina"], {path.name: sha256_file(path)},
                   NOTES["retina"], {"rows": (r0, r1), "working_scale": working_scale})


def load_microaneurysms(split: str) -> Dataset:
    """scikit-image's microaneurysms crop (test only), 100 x 100 in [0, 1]."""
    from PIL import Image

    path = _skimage_file("microaneurysms.png")
    image = np.asarray(Image.open(path), dtype=np.float32)[:100, :100] / 255.0
    return Dataset("microaneurysms", split, "fundus", 2, [image], [np.ones(image.shape, bool)],
                   ["microaneurysms.png[:100,:100]"], [None], "[0,1]", [(0.0, 1.0)], *SOURCES["microaneurysms"],
                   {path.name: sha256_file(path)},
                   NOTES["microaneurysms"])


NOTES = {
    "ct_slices": "Split by patient: train and test slices come from five different patients and scanners. "
                 "Values are HU; windows are MedSRGAN's [-1024, 1024]. Masks: body outline (HU > -500).",
    "mr_slices": "Split by patient. MR intensities are arbitrary: each image's window is 0 .. its 99.5th "
                 "percentile. Masks: the largest region above a tenth of that window.",
    "mni152_t1": "A population template, not a subject: smooth, noise-free. Left and right mirror each other, "
                 "so the train and test slabs are cut along k (inferior-superior) with an 8-slice gap wider "
                 "than 3-D patch context at x2. Mask: template > 0.2 of max (nilearn's brain mask).",
    "anatomical_t1": "Test only: a different subject, scanner and resolution from the template.",
    "retina": f"Working scale 1/{WORKING_SCALE} by default (704 px): at native size the photo is so smooth that "
              "bicubic x4 already reaches 42 dB in the FOV. Train = upper band, test = lower band, a 32-row gap "
              "(x4: 8 LR rows) between them; patches are cut inside one band, so no test pixel is ever seen in "
              "training. Mask: field of view (mean > 0.05).",
    "microaneurysms": "Test only (a different eye and camera than 'retina'); cropped to 100 px so x2 and x4 tile.",
}
