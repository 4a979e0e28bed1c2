"""`ganbook data inspect` on every file of pydicom's, pydicom-data's and nibabel's test data: a description
(exit 0) or one `error:` line naming the file (exit 2) — never a traceback."""
import os
import subprocess
import sys
import warnings
from pathlib import Path

import nibabel
import pydicom
import pytest

from ganbook.__main__ import main

try:
    import data_store  # pydicom-data's package
    PYDICOM_DATA = [Path(data_store.__file__).parent / "data"]
except ImportError:  # pragma: no cover - pydicom-data is a core requirement
    PYDICOM_DATA = []

ROOTS = [Path(pydicom.__file__).parent / "data", *PYDICOM_DATA, Path(nibabel.__file__).parent / "tests" / "data"]


def _all_files():
    files = []
    for root in ROOTS:
        files += sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return files


def test_the_test_data_is_there():
    files = _all_files()
    assert len(files) > 300 and any(p.name == "bad_sequence.dcm" for p in files)


@pytest.mark.slow
def test_inspect_every_shipped_test_file_gives_a_description_or_a_one_line_error(capsys, caplog):
    described, refused = 0, 0
    for path in _all_files():
        caplog.clear()
        with warnings.catch_warnings(record=True) as caught:  # a real shell would print them on stderr
            warnings.simplefilter("always")
            warnings.simplefilter("ignore", ResourceWarning)  # Python hides these by default
            code = main(["data", "inspect", str(path)])
        assert not caught, (path, [str(w.message) for w in caught])
        assert not [r for r in caplog.records if r.levelno >= 30], (path, caplog.text)
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err, path
        if code == 0:
            assert out.startswith("file:") and "shape:" in out and err.strip() == "", path
            described += 1
        else:
            assert code == 2, path
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: ") and path.name in lines[0], (path, err)
            refused += 1
    assert described > 150 and refused > 50


def test_inspect_a_dicom_series_folder(capsys):
    folder = Path(pydicom.__file__).parent / "data" / "test_files" / "dicomdirtests" / "77654033" / "CT2"
    assert main(["data", "inspect", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "4 x 16 x 16" in out and "(ZHW)" in out


@pytest.mark.slow
def test_real_command_line_prints_a_clear_error_and_exit_code_2():
    from pydicom.data import get_testdata_file

    env = dict(os.environ, OMP_NUM_THREADS="1")
    good = subprocess.run([sys.executable, "-m", "ganbook", "data", "inspect", get_testdata_file("CT_small.dcm")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert good.returncode == 0 and "HU" in good.stdout
    bad = subprocess.run([sys.executable, "-m", "ganbook", "data", "inspect",
                          get_testdata_file("emri_small_jpeg_2k_lossless_too_short.dcm")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("error: ") and "truncated" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["list"], ["info", "ct_slices"], ["info", "luna16"], ["info", "vgg19"],
                                  ["verify", "microaneurysms"]])
def test_data_commands_succeed(args, capsys):
    assert main(["data", *args]) == 0
    assert capsys.readouterr().out.strip()


def test_unknown_dataset_is_a_one_line_error(capsys):
    assert main(["data", "info", "imagenet"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown dataset")
