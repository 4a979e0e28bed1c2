"""``python -m ganbook data ...``: list, info, verify, fetch, import and inspect datasets and files.

Every handler returns an exit code: 0 success, 1 verification found problems, 2 a clear error
(printed as one ``error:`` line on stderr — never a traceback).
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from .errors import DataError

__all__ = ["register", "main"]


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``data`` command to ``python -m ganbook``'s subparsers."""
    data = subparsers.add_parser("data", help="list, inspect, verify, fetch and import datasets",
                                 description="List, inspect, verify, fetch and import datasets and files. "
                                 "Exit codes: 0 success, 1 verification problems, 2 a clear error.")
    sub = data.add_subparsers(dest="data_command", required=True)
    sub.add_parser("list", help="every dataset and weight file, and whether it is available").set_defaults(func=_list)
    info = sub.add_parser("info", help="source, licence, splits, files and layout of one dataset")
    info.add_argument("name")
    info.set_defaults(func=_info)
    verify = sub.add_parser("verify", help="check a dataset's local copy (layout and checksums)")
    verify.add_argument("name")
    verify.set_defaults(func=_verify)
    fetch = sub.add_parser("fetch", help="download an openly available dataset or weight file (resumable)")
    fetch.add_argument("name")
    fetch.add_argument("--file", action="append", dest="files", metavar="FILE",
                       help="only this file of the manifest (repeatable), e.g. subset0.zip")
    fetch.add_argument("--allow-unverified", action="store_true",
                       help="accept files for which the manifest has no checksum (prints the sha256)")
    fetch.set_defaults(func=_fetch)
    imp = sub.add_parser("import", help="record your local copy (folder, archive or file) after checking it")
    imp.add_argument("name")
    imp.add_argument("path")
    imp.set_defaults(func=_import)
    inspect = sub.add_parser("inspect", help="what the readers see in a file or DICOM folder")
    inspect.add_argument("path")
    inspect.add_argument("--force", action="store_true", help="read DICOM files that lack the 128-byte preamble")
    inspect.add_argument("--volume", type=int, help="pick one volume of a 4-D file")
    inspect.add_argument("--frame", type=int, help="pick one frame of a multi-frame DICOM")
    inspect.add_argument("--series", help="pick one series (UID) of a DICOM folder")
    inspect.set_defaults(func=_inspect)
    return data


def main(argv: list[str] | None = None) -> int:
    """Run ``ganbook data`` with ``argv`` (for tests and scripts)."""
    parser = argparse.ArgumentParser(prog="ganbook")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["data", *(argv if argv is not None else sys.argv[1:])])
    return int(args.func(args))


def _guarded(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except DataError as exc:
            print(f"error: {exc.one_line()}", file=sys.stderr)
            return 2
        except Exception as exc:  # a reader bug must still not print a traceback at a user
            target = getattr(args, "path", None) or getattr(args, "name", "")
            print(f"error: {target}: unexpected {type(exc).__name__}: {' '.join(str(exc).split())[:300]} — "
                  "please report this file", file=sys.stderr)
            return 2

    run.__name__ = fn.__name__
    return run


@_guarded
def _list(args) -> int:
    from .fetch import location
    from .manifests import list_manifests
    from .registry import DATASETS

    print(f"{'name':<16} {'kind':<9} {'modality':<8} {'splits':<22} status")
    for name, entry in DATASETS.items():
        status = "available offline" if entry.kind == "embedded" else \
            (f"imported: {location(name)}" if location(name) else "not imported (see `data info`)")
        print(f"{name:<16} {entry.kind:<9} {entry.modality:<8} {', '.join(entry.splits):<22} {status}")
    for manifest in list_manifests():
        if manifest.kind == "weights":
            where = location(manifest.name)
            status = f"imported: {where}" if where else f"not present ({manifest.access}; `data fetch {manifest.name}`)"
            print(f"{manifest.name:<16} {'weights':<9} {'-':<8} {'-':<22} {status}")
    return 0


@_guarded
def _info(args) -> int:
    from .fetch import location
    from .manifests import load_manifest, list_manifests
    from .registry import DATASETS

    names = set(DATASETS) | {m.name for m in list_manifests()}
    if args.name not in names:
        raise DataError(None, f"unknown dataset {args.name!r}", f"choose one of: {', '.join(sorted(names))}")
    entry = DATASETS.get(args.name)
    if entry is not None:
        print(f"{entry.name}: {entry.title}\n  kind: {entry.kind}   modality: {entry.modality}   "
              f"spatial dims: {entry.spatial_dims}")
        for split, what in entry.splits.items():
            print(f"  split {split}: {what}")
        print(f"  shapes: {entry.shapes}\n  source: {entry.source}\n  licence: {entry.licence}")
        print("  notes: " + " ".join(entry.notes.split()))
    if entry is None or entry.kind == "local":
        m = load_manifest(args.name)
        print(f"{m.name}: {m.title}\n  homepage: {m.homepage}\n  access: {m.access}\n  licence: {m.licence}")
        for label, text in (("terms", m.terms), ("citation", m.citation), ("format", m.format),
                            ("how to get it", m.how_to_get), ("layout", m.layout.get("description", ""))):
            if text:
                print(f"  {label}: {' '.join(str(text).split())}")
        for f in m.files:
            known = (("sha256", f.sha256), ("sha256 prefix", f.sha256_prefix), ("md5", f.md5), ("bytes", f.size_bytes))
            checks = ", ".join(f"{k} {v}" for k, v in known if v) or "no checksum known"
            print(f"  file {f.name}: {f.url or '(no direct URL)'} [{checks}]")
        for item in m.unknowns:
            print(f"  unknown: {item}")
        where = location(m.name)
        print(f"  loader: {m.loader}\n  local copy: {where or 'none recorded'}")
    return 0


@_guarded
def _verify(args) -> int:
    from .fetch import dataset_root
    from .manifests import load_manifest, verify_file, verify_layout
    from .registry import DATASETS, load

    entry = DATASETS.get(args.name)
    if entry is not None and entry.kind == "embedded":
        for split in entry.splits:
            ds = load(args.name, split)
            print(f"ok  {args.name} [{split}]: {len(ds)} image(s), " +
                  ", ".join(f"{k} sha256 {v[:12]}..." for k, v in ds.sha256.items()))
        return 0
    manifest = load_manifest(args.name)
    root = dataset_root(args.name)
    problems = [] if manifest.kind == "weights" else verify_layout(root, manifest)
    for spec in manifest.files:
        candidates = [root] if root.is_file() else [root / spec.name, root.parent / spec.name]
        present = [c for c in candidates if c.is_file() and c.name == spec.name]
        if present:
            found = verify_file(present[0], spec)
            problems += found
            print(f"{'BAD' if found else 'ok '} {present[0]}")
    for p in problems:
        print(f"problem: {p}")
    print(f"{args.name}: {'verified' if not problems else f'{len(problems)} problem(s)'} at {root}")
    return 0 if not problems else 1


@_guarded
def _fetch(args) -> int:
    from ..io import sha256_file
    from ..paths import data_dir
    from .fetch import fetch, location
    from .manifests import load_manifest

    manifest = load_manifest(args.name)
    if not manifest.fetchable:  # registration or terms: tell the user the steps instead
        print(f"{manifest.title} is not openly downloadable (access: {manifest.access}). To get it:")
        print(manifest.how_to_get.rstrip() or f"  see {manifest.homepage}")
        print(f"Then: python -m ganbook data import {manifest.name} PATH")
        return 2
    root = fetch(args.name, files=args.files, allow_unverified=args.allow_unverified)
    for spec in manifest.fetchable:
        path = data_dir() / args.name / spec.name
        if not spec.verifiable and path.is_file() and (args.files is None or spec.name in args.files):
            print(f"{spec.name}: no published checksum; its sha256 is {sha256_file(path)} (keep it for your records)")
    if location(args.name) == root.resolve():
        print(f"{args.name}: downloaded and verified; recorded at {root}")
    else:
        print(f"{args.name}: downloaded and verified into {root}; not yet a complete copy (see `data info "
              f"{args.name}`), so nothing was recorded")
    return 0


@_guarded
def _import(args) -> int:
    from .fetch import import_dataset

    root = import_dataset(args.name, args.path)
    print(f"{args.name}: verified; recorded at {root}")
    return 0


@_guarded
def _inspect(args) -> int:
    from .describe import read_any

    image = read_any(args.path, force=args.force, volume=args.volume, series_uid=args.series, frame=args.frame)
    for label, value in image.describe():
        print(f"{label + ':':<16} {value}")
    return 0
