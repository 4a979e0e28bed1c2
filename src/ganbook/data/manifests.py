"""Data manifests: one YAML file per real dataset or weight file in ``data_manifests/``.

A manifest says where the data comes from (homepage, licence, citation, access), which files to
expect with which checksums, how a local copy is laid out, and which loader reads it. The schema is
documented in ``data_manifests/README.md``; :func:`load_manifest` checks it.
"""
from __future__ import annotations

import glob
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..paths import manifests_dir
from .errors import DataError

__all__ = ["Manifest", "ManifestFile", "load_manifest", "list_manifests", "verify_file", "verify_layout", "ACCESS"]

ACCESS = ("open", "registration", "application")
_REQUIRED = ("name", "title", "kind", "homepage", "licence", "citation", "access", "files", "layout", "loader")


@dataclass
class ManifestFile:
    """One expected file. Checksums are ``None`` when no trustworthy published value is known."""

    name: str
    url: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    sha256_prefix: str | None = None
    md5: str | None = None
    extract: bool = False
    notes: str = ""

    @property
    def verifiable(self) -> bool:
        return bool(self.sha256 or self.sha256_prefix or self.md5)


@dataclass
class Manifest:
    """A parsed manifest (see ``data_manifests/README.md`` for the meaning of each field)."""

    name: str
    title: str
    kind: str
    homepage: str
    licence: str
    citation: str
    access: str
    files: list[ManifestFile]
    layout: dict[str, Any]
    loader: str
    terms: str = ""
    how_to_get: str = ""
    modality: str = ""
    format: str = ""
    used_by: list[str] = field(default_factory=list)
    splits: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    unknowns: list[str] = field(default_factory=list)
    path: str = ""

    @property
    def fetchable(self) -> list[ManifestFile]:
        """The files that can be downloaded without registration."""
        return [f for f in self.files if f.url] if self.access == "open" else []


def _parse(path: Path) -> Manifest:
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(path, f"is not valid YAML ({' '.join(str(exc).split())[:200]})", "fix the manifest") from None
    if not isinstance(raw, dict):
        raise DataError(path, "must be a YAML mapping", "see data_manifests/README.md")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise DataError(path, f"lacks the required field(s) {', '.join(missing)}", "see data_manifests/README.md")
    if raw["access"] not in ACCESS:
        raise DataError(path, f"access must be one of {', '.join(ACCESS)}, not {raw['access']!r}", None)
    unknown = set(raw) - set(Manifest.__dataclass_fields__)
    if unknown:
        raise DataError(path, f"has unknown field(s) {', '.join(sorted(unknown))}", "see data_manifests/README.md")
    files = []
    for item in raw.get("files") or []:
        extra = set(item) - set(ManifestFile.__dataclass_fields__)
        if extra or "name" not in item:
            raise DataError(path, f"file entry {item!r} needs a name and only known keys", "see the README")
        files.append(ManifestFile(**item))
    return Manifest(**{**raw, "files": files, "path": str(path)})


def list_manifests() -> list[Manifest]:
    """All manifests, sorted by name."""
    return sorted((_parse(p) for p in sorted(manifests_dir().glob("*.yaml"))), key=lambda m: m.name)


def load_manifest(name: str) -> Manifest:
    """The manifest called ``name`` (file ``data_manifests/<name>.yaml``)."""
    path = manifests_dir() / f"{name}.yaml"
    if not path.is_file():
        names = ", ".join(m.name for m in list_manifests())
        raise DataError(None, f"no manifest named {name!r}", f"choose one of: {names}")
    manifest = _parse(path)
    if manifest.name != name:
        raise DataError(path, f"declares name {manifest.name!r}, but its file name says {name!r}", "make them agree")
    return manifest


def verify_file(path: str | os.PathLike, spec: ManifestFile) -> list[str]:
    """Problems with one file against its manifest entry (empty list: it matches).

    Size is checked first (cheap), then whichever checksums the manifest gives.
    """
    path = Path(path)
    if not path.is_file():
        return [f"{path}: missing"]
    problems = []
    size = path.stat().st_size
    if spec.size_bytes is not None and size != spec.size_bytes:
        problems.append(f"{path}: {size:,} bytes, expected {spec.size_bytes:,}")
        return problems
    sha, md5 = hashlib.sha256(), hashlib.md5()
    if spec.verifiable:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                sha.update(block)
                if spec.md5:
                    md5.update(block)
    if spec.sha256 and sha.hexdigest() != spec.sha256.lower():
        problems.append(f"{path}: sha256 {sha.hexdigest()} != expected {spec.sha256}")
    if spec.sha256_prefix and not sha.hexdigest().startswith(spec.sha256_prefix.lower()):
        problems.append(f"{path}: sha256 {sha.hexdigest()[:16]}... does not start with {spec.sha256_prefix}")
    if spec.md5 and md5.hexdigest() != spec.md5.lower():
        problems.append(f"{path}: md5 {md5.hexdigest()} != expected {spec.md5}")
    return problems


def verify_layout(root: str | os.PathLike, manifest: Manifest) -> list[str]:
    """Problems with a local copy's folder layout (empty list: every required pattern is there).

    ``layout.required`` lists glob patterns relative to the root that must match at least one file;
    ``layout.counts`` maps patterns to the exact number of files expected.
    """
    root = Path(root)
    if not root.exists():
        return [f"{root}: does not exist"]
    problems = []
    for pattern in manifest.layout.get("required") or []:
        if not glob.glob(os.path.join(glob.escape(str(root)), pattern), recursive=True):
            problems.append(f"{root}: nothing matches {pattern}")
    for pattern, count in (manifest.layout.get("counts") or {}).items():
        found = len(glob.glob(os.path.join(glob.escape(str(root)), pattern), recursive=True))
        if found != int(count):
            problems.append(f"{root}: {found} file(s) match {pattern}, expected {count}")
    return problems
