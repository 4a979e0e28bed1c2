"""`python -m ganbook data fetch` of archive datasets (`extract: true`): verified, then safely unpacked.

Reuses the local 127.0.0.1 HTTP server, the `workspace` fixture and the toy-manifest helper of
test_fetch_and_import.py. An archive must be checksum-verified before it is opened, every member must
be checked before anything is written, and a dataset root is recorded only for a complete layout.
"""
import io
import os
import subprocess
import sys
import tarfile
import uuid
import zipfile

import pytest

from ganbook.data import DataError
from ganbook.data.cli import main as data_main
from ganbook.data.fetch import dataset_root, fetch, location
from test_fetch_and_import import _manifest, _sha, server, workspace  # noqa: F401  (pytest fixtures)

GOOD = {"toyset/images/a.bin": b"\x00\x01" * 500, "toyset/images/b.bin": b"\x02" * 700,
        "toyset/labels/a.txt": b"vessel\n", "toyset/README.txt": b"toy archive\n"}
REQUIRED = ("images/*.bin", "labels/*.txt")


def _zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _tar_gz_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)  # addfile keeps the name as given (no stripping of "/" or "..")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _serve_archive(server, workspace, filename, payload, *, sha256=None):
    url, handler = server
    handler.files[f"/{filename}"] = payload
    _manifest(workspace, "toy", f"  - {{name: {filename}, url: '{url}/{filename}', "
                                f"sha256: {sha256 or _sha(payload)}, extract: true}}", required=REQUIRED)


def _files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _assert_nothing_usable_recorded(data):
    assert location("toy") is None
    with pytest.raises(DataError, match="has not been imported"):
        dataset_root("toy")
    assert not (data / "toy" / "extracted").exists()
    assert not [p for p in (data / "toy").glob(".extracted.*")]  # safe_extract's temporary folder is gone


@pytest.mark.slow
def test_fetched_zip_is_verified_extracted_layout_checked_and_its_root_recorded(server, workspace, tmp_path):
    payload = _zip_bytes(GOOD)
    _serve_archive(server, workspace, "toy.zip", payload)
    # the real command line, in its own process, as a user runs it
    run = subprocess.run([sys.executable, "-m", "ganbook", "data", "fetch", "toy"], capture_output=True,
                         text=True, timeout=120, env=os.environ.copy())
    assert run.returncode == 0, run.stderr
    data = tmp_path / "data"
    expected_root = data / "toy" / "extracted" / "toyset"
    assert run.stdout.splitlines()[-1] == f"toy: downloaded and verified; recorded at {expected_root.resolve()}"
    assert location("toy") == dataset_root("toy") == expected_root.resolve()
    for name, content in GOOD.items():
        assert (data / "toy" / "extracted" / name).read_bytes() == content
    assert (data / "toy" / "toy.zip").read_bytes() == payload  # the verified archive is kept
    assert not list((data / "toy" / ".partial").iterdir()) and not list((data / "toy").glob(".extracted.*"))
    assert server[1].ranges == [None]  # one plain download
    assert data_main(["verify", "toy"]) == 0
    # fetching again re-uses the verified archive (no second download) and gives the same root
    assert fetch("toy", progress=False) == expected_root.resolve() and server[1].ranges == [None]


def test_fetched_zip_with_a_path_traversal_member_is_refused_and_nothing_is_written(server, workspace, tmp_path,
                                                                                     capsys):
    # a harmless member first: it must not be written either, because every member is checked before extraction
    members = {"toyset/images/a.bin": b"1", "toyset/labels/a.txt": b"2", "../evil.txt": b"pwned"}
    _serve_archive(server, workspace, "evil.zip", _zip_bytes(members))
    with pytest.raises(DataError, match=r"evil\.zip.*'\.\./evil\.txt'.*outside"):
        fetch("toy", progress=False)
    assert data_main(["fetch", "toy"]) == 2  # the command line: one clear error line, no traceback
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "evil.zip" in err and "../evil.txt" in err and "Traceback" not in err
    data = tmp_path / "data"
    assert not list(tmp_path.rglob("evil.txt")) and not list(tmp_path.rglob("a.bin"))
    assert _files_under(data) == ["toy/evil.zip"]  # only the (verified) download itself
    _assert_nothing_usable_recorded(data)


@pytest.mark.parametrize("bad", ["../evil.txt", "toyset/../../evil.txt", "ABSOLUTE"])
def test_fetched_tar_gz_with_a_member_escaping_the_folder_is_refused_and_nothing_is_written(
        server, workspace, tmp_path, capsys, bad):
    absolute = f"/tmp/ganbook_evil_abs_{uuid.uuid4().hex}.txt"
    bad = absolute if bad == "ABSOLUTE" else bad
    members = {"toyset/images/a.bin": b"1", "toyset/labels/a.txt": b"2", bad: b"pwned"}
    _serve_archive(server, workspace, "evil.tar.gz", _tar_gz_bytes(members))
    try:
        with pytest.raises(DataError, match="outside the extraction folder") as caught:
            fetch("toy", progress=False)
        assert "evil.tar.gz" in str(caught.value) and repr(bad) in str(caught.value)
        assert data_main(["fetch", "toy"]) == 2
        assert bad in capsys.readouterr().err
        assert not os.path.lexists(absolute)
        data = tmp_path / "data"
        assert not list(tmp_path.rglob("evil.txt")) and not list(tmp_path.rglob("a.bin"))
        assert _files_under(data) == ["toy/evil.tar.gz"]
        _assert_nothing_usable_recorded(data)
    finally:
        if os.path.lexists(absolute):  # never leave the probe behind, even when the test fails
            os.unlink(absolute)


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_archive_with_a_wrong_checksum_is_refused_before_extraction_and_left_nowhere_usable(
        server, workspace, tmp_path, capsys, kind):
    # a well-formed archive with the right layout: only the checksum stops it from being extracted and recorded
    served = _zip_bytes(GOOD) if kind == "zip" else _tar_gz_bytes(GOOD)
    expected = _sha(b"the archive the manifest describes")
    _serve_archive(server, workspace, f"toy.{kind}", served, sha256=expected)
    with pytest.raises(DataError, match="refused and deleted"):
        fetch("toy", progress=False)
    assert data_main(["fetch", "toy"]) == 2
    err = capsys.readouterr().err
    assert f"toy.{kind}" in err and expected in err and "refused and deleted" in err
    data = tmp_path / "data"
    assert _files_under(data) == []  # neither the archive nor any member, nor a partial download
    assert not list(tmp_path.rglob("a.bin"))
    _assert_nothing_usable_recorded(data)
