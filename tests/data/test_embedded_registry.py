"""The registry: embedded loaders work offline, return the documented shapes, and their splits are disjoint."""
import hashlib
import socket

import numpy as np
import pytest

from ganbook.data import DATASETS, DataError, load
from ganbook.data.embedded import CT_SPLIT, MNI_SLABS, MR_SPLIT, RETINA_ROWS

EMBEDDED = [name for name, entry in DATASETS.items() if entry.kind == "embedded"]


@pytest.fixture
def offline(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_registry_lists_the_embedded_and_local_datasets():
    assert set(EMBEDDED) == {"ct_slices", "mr_slices", "mni152_t1", "anatomical_t1", "retina", "microaneurysms"}
    assert {"drive", "luna16", "ixi_t1"} <= set(DATASETS)


@pytest.mark.parametrize("name, split, shapes", [
    ("ct_slices", "train", [(512, 512), (512, 512), (512, 512)]),
    ("ct_slices", "test", [(512, 512), (512, 512), (128, 128)]),
    ("mr_slices", "train", [(1024, 1024)] + [(64, 64)] * 11),
    ("mr_slices", "test", [(484, 484)]),
    ("mni152_t1", "train", [(197, 233, 96)]),
    ("mni152_t1", "test", [(197, 233, 56)]),
    ("anatomical_t1", "test", [(33, 41, 25)]),
    ("retina", "train", [(3, 336, 704)]),
    ("retina", "test", [(3, 336, 704)]),
    ("microaneurysms", "test", [(100, 100)]),
])
def test_embedded_loaders_work_offline_with_the_documented_shapes(offline, name, split, shapes):
    ds = load(name, split)
    assert [tuple(x.shape) for x in ds.images] == shapes
    assert len(ds.masks) == len(ds.ids) == len(ds.spacing) == len(ds.windows) == len(shapes)
    for image, mask in zip(ds.images, ds.masks):
        assert image.dtype == np.float32 and np.isfinite(image).all()
        assert mask.dtype == bool and mask.shape == image.shape[-mask.ndim:] and 0.05 < mask.mean() <= 1.0
    assert ds.source and ds.licence and all(len(h) == 64 for h in ds.sha256.values()) and ds.sha256
    assert 0.0 <= ds.normalised(0).min() and ds.normalised(0).max() <= 1.0


def test_ct_slices_are_in_hounsfield_units():
    ds = load("ct_slices", "test")
    assert ds.units == "HU" and ds.windows[0] == (-1024.0, 1024.0)
    body = ds.images[0][ds.masks[0]]
    assert -200 < np.median(body) < 200 and ds.images[0].min() <= -1000


def _pixel_hashes(ds):
    return {hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest() for x in ds.images}


@pytest.mark.parametrize("name, table", [("ct_slices", CT_SPLIT), ("mr_slices", MR_SPLIT)])
def test_dicom_splits_share_no_file_no_patient_and_no_pixels(name, table):
    train, test = load(name, "train"), load(name, "test")
    assert {f for f, _ in table["train"]}.isdisjoint({f for f, _ in table["test"]})
    assert _pixel_hashes(train).isdisjoint(_pixel_hashes(test))
    import pydicom
    from pydicom.data import get_testdata_file

    def patients(split):
        return {pydicom.dcmread(get_testdata_file(f), stop_before_pixels=True).get("PatientID")
                for f, _ in table[split]}

    assert patients("train").isdisjoint(patients("test"))


def test_copies_of_the_ct_test_slice_are_not_used_in_training():
    used = {f for f, _ in CT_SPLIT["train"]}
    assert not used & {"693_UNCI.dcm", "693_J2KI.dcm", "693_J2KR.dcm"}
    assert "examples_overlay.dcm" not in {f for f, _ in MR_SPLIT["train"]}


def test_mni_slabs_are_split_along_the_inferior_superior_axis_with_a_gap():
    (a0, a1), (b0, b1) = MNI_SLABS["train"], MNI_SLABS["test"]
    assert a1 <= b0 - 8
    train, test = load("mni152_t1", "train"), load("mni152_t1", "test")
    whole = load("mni152_t1", "all").images[0]
    np.testing.assert_array_equal(train.images[0], whole[:, :, a0:a1])
    np.testing.assert_array_equal(test.images[0], whole[:, :, b0:b1])
    assert train.extra["axis"] == 2 and test.masks[0].mean() > 0.1  # the test slab holds brain
    np.testing.assert_allclose(test.extra["affine"][:3, 3] - train.extra["affine"][:3, 3], [0, 0, b0 - a0])


def test_retina_bands_are_disjoint_and_separated():
    (a0, a1), (b0, b1) = RETINA_ROWS["train"], RETINA_ROWS["test"]
    assert a1 <= b0 - 32
    whole = load("retina", "all").images[0]
    np.testing.assert_array_equal(load("retina", "test").images[0], whole[:, b0:b1])
    assert load("retina", "test", working_scale=4).images[0].shape == (3, 168, 352)


def test_test_only_datasets_and_unknown_names_give_clear_errors():
    with pytest.raises(DataError, match="no split 'train'"):
        load("anatomical_t1", "train")
    with pytest.raises(DataError, match="unknown dataset"):
        load("imagenet")


def test_local_datasets_say_how_to_import_them(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="data import drive"):
        load("drive", "train")
