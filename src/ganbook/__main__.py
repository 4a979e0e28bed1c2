"""Command line: ``python -m ganbook <command>`` (also installed as ``ganbook``).

Commands:
  reproduce   run notebooks as papermill jobs and build reports/index.md
  index       rebuild reports/index.md and index.html from what is in reports/
  store-outputs  re-execute notebooks at smoke and save their outputs in the .ipynb (what nbval checks)
  data        list, inspect, verify, fetch and import datasets (see ``ganbook data -h``)
  upscale     super-resolve a DICOM / NIfTI / image file with a trained checkpoint
  drag        DragGAN helpers: import-weights converts an official StyleGAN2 checkpoint (read safely)
  spread      how far headline metrics move over several reproduce runs (seeds, threads, hosts)
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .params import PROFILES, ParameterError

# Subcommands provided by other modules: name -> "module:register" (register(subparsers) adds the parser).
PLUGINS = {"data": "ganbook.data.cli:register", "upscale": "ganbook.upscale:register",
           "spread": "ganbook.spread:register", "drag": "ganbook.drag.cli:register"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganbook", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("reproduce", help="run notebooks with papermill and write reports/")
    rep.add_argument("--profile", default="demo", choices=PROFILES, help="smoke | demo (default) | paper")
    rep.add_argument("--only", nargs="+", metavar="NAME", help="notebooks to run, e.g. 00 or 00_gan_fundamentals")
    rep.add_argument("--jobs", type=int, default=1, help="notebooks at once, in processes (default 1)")
    rep.add_argument("-p", dest="params", action="append", default=[], metavar="NAME=VALUE",
                     help="set a notebook parameter (YAML value); repeatable")
    rep.set_defaults(func=_reproduce)

    idx = sub.add_parser("index", help="rebuild reports/index.md and index.html")
    idx.set_defaults(func=_index)

    sto = sub.add_parser("store-outputs", help="re-execute notebooks at smoke and store outputs in the .ipynb (nbval)")
    sto.add_argument("--only", nargs="+", metavar="NAME", help="notebooks to refresh")
    sto.add_argument("--profile", default="smoke", choices=PROFILES)
    sto.set_defaults(func=_store_outputs)

    for name, target in PLUGINS.items():
        module, _, func = target.partition(":")
        try:
            getattr(importlib.import_module(module), func)(sub)
        except ModuleNotFoundError as exc:
            if exc.name and not module.startswith(exc.name):
                raise
    return parser


def _reproduce(args) -> int:
    from .reproduce import NotebookFailed, parse_assignments, reproduce

    try:
        reproduce(profile=args.profile, only=args.only, jobs=args.jobs, params=parse_assignments(args.params))
    except NotebookFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from .paths import reports_dir

    print(f"report: {reports_dir() / 'index.md'}")
    return 0


def _store_outputs(args) -> int:
    from .reproduce import store_outputs

    store_outputs(only=args.only, profile=args.profile)
    return 0


def _index(args) -> int:
    from .reproduce import build_index

    md, _ = build_index()
    print(md)
    from .reproduce import update_readme

    if update_readme():
        print("README.md results block updated")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
