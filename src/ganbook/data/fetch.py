"""Getting real data into the data dir: resumable checksum-verified downloads, safe imports, locations.

* ``fetch`` downloads a manifest's openly available files into ``data_dir()/<name>/``. Bytes go to
  ``.partial/<file>.part`` first; an interrupted download resumes with an HTTP Range request; a file
  whose size or checksum is wrong is deleted, so nothing unverified is ever left where loaders look.
* ``import_dataset`` takes a user's local copy (folder, archive or single file), checks its layout
  and records where it is in ``data_dir()/<name>/location.json`` (written atomically).
* Archives are extracted only after every member has been checked: absolute paths, ``..``, links
  and device files are refused, so nothing is ever written outside the data dir.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

from ..io import atomic_write_json
from ..paths import data_dir
from .errors import DataError
from .manifests import Manifest, ManifestFile, load_manifest, verify_file, verify_layout

__all__ = ["download", "fetch", "import_dataset", "safe_extract", "location", "dataset_root", "weights_file",
           "ARCHIVE_SUFFIXES"]

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


def _dataset_dir(name: str) -> Path:
    return data_dir() / name


def location(name: str) -> Path | None:
    """Where the local copy of ``name`` was recorded by import/fetch, or ``None``."""
    record = _dataset_dir(name) / "location.json"
    if not record.is_file():
        return None
    try:
        return Path(json.loads(record.read_text(encoding="utf-8"))["path"])
    except (ValueError, KeyError, OSError):
        raise DataError(record, "is not a valid location record", f"run `python -m ganbook data import {name} PATH` "
                        "again") from None


def _record(name: str, path: Path, how: str) -> Path:
    return atomic_write_json(_dataset_dir(name) / "location.json",
                             {"name": name, "path": str(path.resolve()), "how": how,
                              "recorded": time.strftime("%Y-%m-%dT%H:%M:%S")})


def dataset_root(name: str) -> Path:
    """The recorded root of a local dataset, or a DataError saying how to get it."""
    root = location(name)
    if root is None or not root.exists():
        manifest = load_manifest(name)
        how = (f"run `python -m ganbook data fetch {name}`" if manifest.fetchable else
               f"get it from {manifest.homepage} ({manifest.access}), then run `python -m ganbook data import "
               f"{name} PATH`")
        state = "has not been imported" if root is None else f"was recorded at {root}, which no longer exists"
        raise DataError(None, f"dataset {name!r} {state}", how)
    return root


def weights_file(name: str) -> Path:
    """The verified local path of a weights manifest's file (e.g. ``weights_file("vgg19")``)."""
    root = dataset_root(name)
    spec = load_manifest(name).files[0]
    path = root if root.is_file() else root / spec.name
    problems = verify_file(path, spec)
    if problems:
        raise DataError(path, "does not match its manifest: " + "; ".join(problems),
                        f"fetch or import the right file (`python -m ganbook data info {name}`)")
    return path


def download(url: str, dest: str | os.PathLike, spec: ManifestFile, *, allow_unverified: bool = False,
             timeout: float = 30.0, progress: bool = True) -> Path:
    """Download ``url`` to ``dest``, resuming a previous partial download, and verify it.

    Args:
        url: http(s) URL.
        dest: final path; it appears only after the size/checksum check passed.
        spec: the manifest entry with the expected size and checksums.
        allow_unverified: accept a file for which the manifest gives no checksum.
        timeout: seconds without data before giving up (the partial file is kept for resuming).
        progress: show a progress bar.

    Raises:
        DataError: when the download fails (resume by running again) or the file does not verify
            (the bad bytes are deleted).
    """
    dest = Path(dest)
    if not spec.verifiable and not allow_unverified:
        raise DataError(dest, "its manifest gives no checksum, so a download could not be verified",
                        "pass --allow-unverified (the computed sha256 is then printed for your records)")
    part = dest.parent / ".partial" / (dest.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if have and response.status != 206:  # server ignored the range: start again
                have = 0
            total = response.headers.get("Content-Length")
            total = have + int(total) if total is not None else None
            with open(part, "ab" if have else "wb") as fh, _bar(total, have, dest.name, progress) as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    fh.write(block)
                    bar.update(len(block))
        if total is not None and part.stat().st_size < total:
            raise OSError("the server closed the connection early")
    except urllib.error.HTTPError as exc:
        if exc.code != 416:  # 416: nothing left to send, the partial file is already complete
            raise DataError(url, f"download failed: HTTP {exc.code} {exc.reason}", "check the URL or try later") \
                from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, TimeoutError) as exc:
        got = part.stat().st_size if part.exists() else 0
        raise DataError(url, f"download interrupted after {got:,} bytes ({exc})",
                        "run the same command again to resume") from None
    problems = verify_file(part, spec)
    if problems:
        part.unlink(missing_ok=True)
        raise DataError(dest, "download refused and deleted: " + "; ".join(problems),
                        "the server sent different bytes than the manifest expects; check the URL and try again")
    os.replace(part, dest)
    return dest


def fetch(name: str, *, files: list[str] | None = None, allow_unverified: bool = False,
          progress: bool = True) -> Path:
    """Download the openly available files of manifest ``name`` into the data dir, then record it.

    Returns:
        The recorded root, or the download folder when the files fetched do not yet form the
        manifest's layout (nothing is recorded then).

    Args:
        name: the manifest.
        files: only these file names (e.g. one LUNA16 subset); default all.
        allow_unverified: accept files the manifest has no checksum for.
        progress: show progress bars.

    Raises:
        DataError: when the dataset needs registration (the message has the steps) or a download fails.
    """
    manifest = load_manifest(name)
    if not manifest.fetchable:
        raise DataError(None, f"{manifest.title} cannot be downloaded automatically (access: {manifest.access})",
                        " ".join(manifest.how_to_get.split()) or f"see {manifest.homepage}")
    chosen = [f for f in manifest.fetchable if files is None or f.name in files]
    unknown = set(files or ()) - {f.name for f in manifest.fetchable}
    if unknown or not chosen:
        raise DataError(None, f"{name} has no downloadable file(s) {', '.join(sorted(unknown)) or ''}",
                        f"choose from: {', '.join(f.name for f in manifest.fetchable)}")
    target = _dataset_dir(name)
    for spec in chosen:
        dest = target / spec.name
        if not (dest.is_file() and not verify_file(dest, spec)):
            download(spec.url, dest, spec, allow_unverified=allow_unverified, progress=progress)
        if spec.extract:
            safe_extract(dest, target / "extracted")
    if manifest.kind == "weights":
        root = target / manifest.files[0].name
    else:
        try:
            root = _find_root(target / "extracted" if (target / "extracted").is_dir() else target, manifest)
        except DataError:
            return target  # verified files are there, but not yet a complete layout (e.g. only annotations.csv)
    _record(name, root, "fetch")
    return root


def import_dataset(name: str, path: str | os.PathLike) -> Path:
    """Verify a user's copy (folder, archive or single weights file) and record where it is.

    Archives are extracted into ``data_dir()/<name>/extracted`` (safely); folders and files are used
    where they are.

    Returns:
        The recorded root.
    """
    manifest = load_manifest(name)
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(path, "does not exist", "give the folder, archive or file you downloaded")
    if path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES):
        path = safe_extract(path, _dataset_dir(name) / "extracted")
    if manifest.kind == "weights":
        file = path if path.is_file() else path / manifest.files[0].name
        problems = verify_file(file, manifest.files[0])
        if problems:
            raise DataError(file, "is not the expected weights file: " + "; ".join(problems),
                            f"download it from {manifest.files[0].url or manifest.homepage}")
        _record(name, file, "import")
        return file
    root = _find_root(path, manifest)
    _record(name, root, "import")
    return root


def _find_root(path: Path, manifest: Manifest) -> Path:
    """``path`` or the sub-folder (up to two levels down) where the manifest's layout matches."""
    candidates = [path] + [p for p in sorted(path.glob("*")) if p.is_dir()] + \
        [p for p in sorted(path.glob("*/*")) if p.is_dir()]
    for candidate in candidates:
        if not verify_layout(candidate, manifest):
            return candidate
    raise DataError(path, "does not have the expected layout: " + "; ".join(verify_layout(path, manifest)[:3]),
                    f"expected: {' '.join(str(manifest.layout.get('description', '')).split())}")


def safe_extract(archive: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Extract a zip or tar archive into ``dest`` after checking every member; return ``dest``.

    Refused (before anything is written): absolute member paths, ``..`` components, symbolic and
    hard links, device files and FIFOs. Extraction goes to a temporary sibling folder; only when it
    is complete are its top-level entries moved into ``dest`` (replacing same-named ones, keeping others).

    Raises:
        DataError: naming the archive and the offending member.
    """
    archive, dest = Path(archive), Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    _check_member(archive, info.filename, is_link=(info.external_attr >> 16) & 0o170000 == 0o120000)
                zf.extractall(tmp)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                members = tf.getmembers()
                for m in members:
                    _check_member(archive, m.name, is_link=m.issym() or m.islnk(),
                                  is_special=not (m.isfile() or m.isdir()) and not (m.issym() or m.islnk()))
                tf.extractall(tmp, members=members, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        else:
            raise DataError(archive, "is not a zip or tar archive", f"use one of {', '.join(ARCHIVE_SUFFIXES)}")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataError(archive, f"is a damaged archive ({exc})", "download it again") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    dest.mkdir(parents=True, exist_ok=True)  # merge: several archives (LUNA16 subsets) share one folder
    for entry in sorted(tmp.iterdir()):
        target = dest / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        os.replace(entry, target)
    shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _check_member(archive: Path, name: str, *, is_link: bool = False, is_special: bool = False) -> None:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (pure.parts and pure.parts[0].endswith(":")) or ".." in pure.parts:
        raise DataError(archive, f"member {name!r} would be written outside the extraction folder",
                        "refusing the whole archive; get it from the official source")
    if is_link or is_special:
        raise DataError(archive, f"member {name!r} is a link or device file", "refusing the whole archive")


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n):
        pass


def _bar(total, initial, desc, progress):
    from ..runtime import progress_enabled

    if not (progress and progress_enabled()):
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, desc=desc, leave=False)
