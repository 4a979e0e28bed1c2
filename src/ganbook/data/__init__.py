"""The medical data layer: embedded real images, phantoms, degradations, patches, readers and writers.

Start here::

    from ganbook.data import DATASETS, load
    ct = load("ct_slices", split="test")        # real CT slices in HU, with body masks and metadata

    from ganbook.data.phantoms import ct_phantom          # unlimited CT training slices with ground truth
    from ganbook.data.fundus_phantom import fundus_phantom
    from ganbook.data.degrade import average_pool, bicubic_down, blur_nearest, kspace_truncate, add_noise
    from ganbook.data.patches import PairedPatchSampler    # sample(generator) -> (lr, hr) batches
    from ganbook.data.dicom import read_dicom, apply_window
    from ganbook.data.dicom_series import read_dicom_series
    from ganbook.data.dicom_writer import write_dicom_slice
    from ganbook.data.nifti import read_nifti, write_nifti

Importing this package loads the registry only; pydicom, nibabel and Pillow load on first use.
Every failure is a :class:`DataError` that names the file, the cause and the fix.
"""
from __future__ import annotations

from .errors import DataError
from .image import ImageData
from .registry import DATASETS, Dataset, DatasetEntry, load

__all__ = ["DATASETS", "Dataset", "DatasetEntry", "DataError", "ImageData", "load"]
