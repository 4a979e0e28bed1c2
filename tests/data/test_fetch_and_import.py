"""fetch/import against a local HTTP server and small archives: resumable, verified, never writing outside."""
import hashlib
import http.server
import tarfile
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganbook.data import DataError, load
from ganbook.data.cli import main as data_main
from ganbook.data.fetch import dataset_root, fetch, import_dataset, location, safe_extract, weights_file

PAYLOAD = bytes(range(256)) * 400  # 102,400 bytes


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict = {}
    drop_after: dict = {}  # path -> bytes to send before dropping the connection (once)
    ranges: list = []

    def do_GET(self):
        data = self.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        start = 0
        header = self.headers.get("Range")
        type(self).ranges.append(header)
        if header:
            start = int(header.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = self.drop_after.pop(self.path, None)
        self.wfile.write(body if cut is None else body[:cut])
        if cut is not None:
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.files, _Handler.drop_after, _Handler.ranges = {}, {}, []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    (root / "data_manifests").mkdir(parents=True)
    monkeypatch.setenv("GANBOOK_ROOT", str(root))
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GANBOOK_PROGRESS", "0")
    return root


def _manifest(root, name, files_yaml, *, kind="dataset", access="open", required=("*.bin",), loader="x"):
    required_yaml = ", ".join(f'"{r}"' for r in required)
    (root / "data_manifests" / f"{name}.yaml").write_text(
        f"name: {name}\ntitle: Test {name}\nkind: {kind}\nhomepage: http://example.invalid\nlicence: CC0\n"
        f"citation: none\naccess: {access}\nhow_to_get: |\n  1. ask nicely\n  2. import it\n"
        f"files:\n{files_yaml}\nlayout:\n  description: test layout\n  required: [{required_yaml}]\n"
        f"loader: {loader}\n")


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def test_fetch_downloads_verifies_and_records(server, workspace, tmp_path):
    url, handler = server
    handler.files["/a.bin"] = PAYLOAD
    _manifest(workspace, "toy", f"  - {{name: a.bin, url: '{url}/a.bin', sha256: {_sha(PAYLOAD)}}}")
    root = fetch("toy", progress=False)
    assert (root / "a.bin").read_bytes() == PAYLOAD and location("toy") == root
    assert not list((tmp_path / "data" / "toy" / ".partial").iterdir())
    fetch("toy", progress=False)  # already there and verified: no second download
    assert handler.ranges == [None]


def test_interrupted_download_resumes_with_a_range_request(server, workspace, tmp_path):
    url, handler = server
    handler.files["/a.bin"] = PAYLOAD
    handler.drop_after["/a.bin"] = 30000
    _manifest(workspace, "toy", f"  - {{name: a.bin, url: '{url}/a.bin', sha256: {_sha(PAYLOAD)}, "
                                f"size_bytes: {len(PAYLOAD)}}}")
    with pytest.raises(DataError, match="resume"):
        fetch("toy", progress=False)
    part = tmp_path / "data" / "toy" / ".partial" / "a.bin.part"
    assert part.stat().st_size == 30000 and not (tmp_path / "data" / "toy" / "a.bin").exists()
    root = fetch("toy", progress=False)
    assert handler.ranges[-1] == "bytes=30000-"
    assert (root / "a.bin").read_bytes() == PAYLOAD


def test_corrupted_download_is_refused_and_left_nowhere_usable(server, workspace, tmp_path):
    url, handler = server
    handler.files["/a.bin"] = PAYLOAD[:-1] + b"X"
    _manifest(workspace, "toy", f"  - {{name: a.bin, url: '{url}/a.bin', sha256: {_sha(PAYLOAD)}}}")
    with pytest.raises(DataError, match="refused and deleted"):
        fetch("toy", progress=False)
    leftovers = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert leftovers == [] and location("toy") is None


def test_files_without_checksum_need_explicit_consent(server, workspace):
    url, handler = server
    handler.files["/a.bin"] = PAYLOAD
    _manifest(workspace, "toy", f"  - {{name: a.bin, url: '{url}/a.bin'}}")
    with pytest.raises(DataError, match="allow-unverified"):
        fetch("toy", progress=False)
    assert (fetch("toy", allow_unverified=True, progress=False) / "a.bin").read_bytes() == PAYLOAD


def test_weights_are_checked_by_size_and_sha256_prefix(server, workspace):
    url, handler = server
    handler.files["/w-x.pth"] = PAYLOAD
    spec = (f"  - {{name: w-x.pth, url: '{url}/w-x.pth', size_bytes: {len(PAYLOAD)}, "
            f"sha256_prefix: {_sha(PAYLOAD)[:8]}}}")
    _manifest(workspace, "w", spec, kind="weights", required=())
    fetch("w", progress=False)
    assert weights_file("w").read_bytes() == PAYLOAD


def test_registration_only_dataset_prints_the_steps_with_exit_code_2(workspace, capsys):
    _manifest(workspace, "closed", "  []", access="registration")
    assert data_main(["fetch", "closed"]) == 2
    out = capsys.readouterr().out
    assert "ask nicely" in out and "data import closed" in out


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_archive_with_path_traversal_member_is_refused_and_nothing_is_written(workspace, tmp_path):
    _manifest(workspace, "toy", "  []")
    archive = _zip(tmp_path / "evil.zip", {"good/a.bin": b"1", "../../escaped.txt": b"pwned"})
    with pytest.raises(DataError, match="outside"):
        import_dataset("toy", archive)
    assert not list(tmp_path.rglob("escaped.txt"))
    assert not (tmp_path / "data" / "toy" / "extracted").exists()
    absolute = _zip(tmp_path / "abs.zip", {"/etc/ganbook_evil": b"x"})
    with pytest.raises(DataError, match="outside"):
        safe_extract(absolute, tmp_path / "out")


def test_tar_with_a_symlink_member_is_refused(workspace, tmp_path):
    archive = tmp_path / "link.tar"
    with tarfile.open(archive, "w") as tf:
        info = tarfile.TarInfo("data/link")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(info)
    with pytest.raises(DataError, match="link"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def _fake_chase(folder):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for child in range(1, 15):
        for eye in "LR":
            stem = f"Image_{child:02d}{eye}"
            Image.fromarray((rng.random((24, 25, 3)) * 255).astype(np.uint8)).save(folder / f"{stem}.jpg")
            for observer in ("1stHO", "2ndHO"):
                Image.fromarray(((rng.random((24, 25)) > 0.8) * 255).astype(np.uint8)).save(
                    folder / f"{stem}_{observer}.png")


def test_import_of_an_archive_verifies_the_layout_and_the_loader_reads_it(workspace, tmp_path):
    import shutil

    shutil.copy(Path(__file__).resolve().parents[2] / "data_manifests" / "chase_db1.yaml", workspace / "data_manifests")
    _fake_chase(tmp_path / "src" / "CHASEDB1")
    archive = tmp_path / "CHASEDB1.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted((tmp_path / "src").rglob("*.*")):
            zf.write(p, p.relative_to(tmp_path / "src"))
    root = import_dataset("chase_db1", archive)
    assert root == dataset_root("chase_db1") and root.name == "CHASEDB1"
    test = load("chase_db1", "test")
    assert len(test) == 8 and test.images[0].shape == (3, 24, 25) and test.extra["labels"][0].dtype == bool
    assert {i[:8] for i in test.ids} == {"Image_11", "Image_12", "Image_13", "Image_14"}
    assert data_main(["verify", "chase_db1"]) == 0


def test_import_of_a_folder_with_the_wrong_layout_is_refused(workspace, tmp_path):
    _manifest(workspace, "toy", "  []", required=("images/*.tif",))
    (tmp_path / "wrong").mkdir()
    (tmp_path / "wrong" / "x.png").write_bytes(b"")
    with pytest.raises(DataError, match="layout"):
        import_dataset("toy", tmp_path / "wrong")
    assert location("toy") is None


def test_cli_fetch_records_the_copy_and_prints_the_sha256_of_unverified_files(server, workspace, capsys):
    url, handler = server
    handler.files["/a.bin"] = PAYLOAD
    _manifest(workspace, "toy", f"  - {{name: a.bin, url: '{url}/a.bin'}}")
    assert data_main(["fetch", "toy"]) == 2  # no checksum and no consent
    assert "allow-unverified" in capsys.readouterr().err
    assert data_main(["fetch", "toy", "--allow-unverified"]) == 0
    out = capsys.readouterr().out
    assert _sha(PAYLOAD) in out and "recorded at" in out
    assert data_main(["verify", "toy"]) == 0


def _use_real_manifest(workspace, name):
    import shutil

    shutil.copy(Path(__file__).resolve().parents[2] / "data_manifests" / f"{name}.yaml", workspace / "data_manifests")


def test_drive_layout_of_tiff_images_and_gif_masks_loads_with_the_official_split(workspace, tmp_path):
    _use_real_manifest(workspace, "drive")
    rng = np.random.default_rng(0)
    for part, numbers in (("training", range(21, 41)), ("test", range(1, 21))):
        for sub in ("images", "mask", "1st_manual"):
            (tmp_path / "DRIVE" / part / sub).mkdir(parents=True)
        for n in numbers:
            stem = f"{n:02d}_{part}"
            Image.fromarray((rng.random((12, 10, 3)) * 255).astype(np.uint8)).save(
                tmp_path / "DRIVE" / part / "images" / f"{stem}.tif")
            fov = np.zeros((12, 10), np.uint8)
            fov[2:10, 2:8] = 255
            Image.fromarray(fov).convert("P").save(tmp_path / "DRIVE" / part / "mask" / f"{stem}_mask.gif")
            Image.fromarray(fov[::-1].copy()).convert("P").save(
                tmp_path / "DRIVE" / part / "1st_manual" / f"{n:02d}_manual1.gif")
    import_dataset("drive", tmp_path / "DRIVE")
    train, test = load("drive", "train"), load("drive", "test")
    assert len(train) == len(test) == 20 and set(train.ids).isdisjoint(test.ids)
    assert train.images[0].shape == (3, 12, 10) and train.masks[0].sum() == 48
    assert train.extra["labels"][0].shape == (12, 10) and train.ids[0] == "21_training.tif"


def test_chase_db1_layout_loads_split_by_child_with_both_eyes_together(workspace, tmp_path):
    _use_real_manifest(workspace, "chase_db1")
    folder = tmp_path / "CHASEDB1"
    _fake_chase(folder)
    import_dataset("chase_db1", folder)
    train, test = load("chase_db1", "train"), load("chase_db1", "test")
    assert len(train) == 20 and len(test) == 8 and set(train.ids).isdisjoint(test.ids)
    assert test.ids[:2] == ["Image_11L.jpg", "Image_11R.jpg"]
    assert train.images[0].shape == (3, 24, 25) and train.extra["labels"][0].shape == (24, 25)


def test_stare_layout_splits_the_labelled_images_and_never_loads_a_label_as_an_image(workspace, tmp_path):
    import gzip
    import io

    _use_real_manifest(workspace, "stare")
    rng = np.random.default_rng(0)
    folder = tmp_path / "stare"
    folder.mkdir()

    def ppm_gz(path, array):
        buf = io.BytesIO()
        Image.fromarray(array).save(buf, format="PPM")
        path.write_bytes(gzip.compress(buf.getvalue()))

    for n in range(1, 9):  # 8 images, the first 4 labelled by both observers (as the real archive: 20 of 397)
        ppm_gz(folder / f"im{n:04d}.ppm.gz", (rng.random((12, 10, 3)) * 255).astype(np.uint8))
        if n <= 4:
            for observer in ("ah", "vk"):
                ppm_gz(folder / f"im{n:04d}.{observer}.ppm.gz", ((rng.random((12, 10)) > 0.8) * 255).astype(np.uint8))
    import_dataset("stare", folder)
    train, test, everything = load("stare", "train"), load("stare", "test"), load("stare", "all")
    assert train.ids == ["im0001.ppm.gz", "im0002.ppm.gz"] and test.ids == ["im0003.ppm.gz", "im0004.ppm.gz"]
    assert len(everything) == 8 and not any(".ah." in i or ".vk." in i for i in everything.ids)
    assert train.images[0].shape == (3, 12, 10) and train.extra["labels"][0].shape == (12, 10)


def test_luna16_subsets_of_metaimage_scans_load_with_subset9_as_test(workspace, tmp_path):
    _use_real_manifest(workspace, "luna16")
    for subset in ("subset0", "subset9"):
        folder = tmp_path / "luna" / subset
        folder.mkdir(parents=True)
        volume = np.full((4, 6, 5), -1000, np.int16)
        volume[:, 1:5, 1:4] = 40
        (folder / f"1.2.{subset}.raw").write_bytes(volume.tobytes())
        (folder / f"1.2.{subset}.mhd").write_text(
            "ObjectType = Image\nNDims = 3\nElementSpacing = 0.7 0.7 2.5\nDimSize = 5 6 4\n"
            f"ElementType = MET_SHORT\nElementDataFile = 1.2.{subset}.raw\n")
    import_dataset("luna16", tmp_path / "luna")
    test = load("luna16", "test")
    assert test.ids == ["1.2.subset9.mhd"] and test.units == "HU"
    assert test.images[0].shape == (4, 6, 5) and test.spacing[0] == (2.5, 0.7, 0.7) and test.masks[0].sum() == 48
    assert load("luna16", "train").ids == ["1.2.subset0.mhd"]


def test_ixi_volumes_are_split_by_subject(workspace, tmp_path):
    import nibabel

    from ganbook.data.local import is_test_subject

    _use_real_manifest(workspace, "ixi_t1")
    folder = tmp_path / "IXI"
    folder.mkdir()
    subjects = [f"IXI{k:03d}" for k in range(2, 22)]
    for s in subjects:
        nibabel.save(nibabel.Nifti1Image(np.random.default_rng(0).random((6, 7, 8)).astype(np.float32), np.eye(4)),
                     folder / f"{s}-Guys-0001-T1.nii.gz")
    import_dataset("ixi_t1", folder)
    test, train = load("ixi_t1", "test"), load("ixi_t1", "train")
    assert len(test) + len(train) == 20 and 0 < len(test) < 20
    assert 0.17 < np.mean([is_test_subject(f"IXI{k:03d}") for k in range(2000)]) < 0.23  # ~20 % overall
    assert {i.split("-")[0] for i in test.ids} == {s for s in subjects if is_test_subject(s)}
    assert test.images[0].shape == (6, 7, 8) and test.windows[0][1] > 0
