"""``python -m ganbook drag import-weights FILE``: convert an official StyleGAN2 checkpoint once.

The file (NVIDIA ``.pkl``, or a state dict in the official layout as ``.pt`` / ``.safetensors``) is
read safely (:mod:`ganbook.models.stylegan2_official`: nothing from it is executed) and written as a
ganbook checkpoint, ``NAME.safetensors`` + ``NAME.json``, whose model card records where it came
from, the licence as you state it, and the source file's sha256. Notebook 04 and
``load_pretrained`` then read the converted copy.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register", "import_weights"]


def import_weights(source: Path, out: Path, *, licence: str = "", origin: str = "", network: str = "G_ema") -> Path:
    """Convert ``source`` to a ganbook checkpoint at ``out`` (a stem); returns the JSON path."""
    from ..io import sha256_file
    from ..models.stylegan2_official import load_pretrained
    from .training import save_generator

    G = load_pretrained(source, network=network)
    card = {"source_file": source.name, "source_sha256": sha256_file(source), "network": network,
            "licence": licence or "not stated (check the checkpoint's licence before use)",
            "origin": origin, "converted_by": "python -m ganbook drag import-weights",
            "trained_steps": None}
    return save_generator(out, G, card)


def register(sub) -> None:
    drag = sub.add_parser("drag", help="DragGAN helpers (see `ganbook drag -h`)")
    verbs = drag.add_subparsers(dest="drag_command", required=True)
    imp = verbs.add_parser("import-weights", help="convert an official StyleGAN2 .pkl/.pt/.safetensors to ganbook's format")
    imp.add_argument("file", type=Path, help="the checkpoint to convert")
    imp.add_argument("--out", type=Path, help="destination stem (default: <data dir>/stylegan2/<file stem>)")
    imp.add_argument("--network", default="G_ema", help="which network of a .pkl (default G_ema)")
    imp.add_argument("--licence", default="", help="the checkpoint's licence, as you know it (recorded in the card)")
    imp.add_argument("--origin", default="", help="where the file came from (recorded in the card)")
    imp.set_defaults(func=_import)


def _import(args: argparse.Namespace) -> int:
    from ..models.stylegan2_official import PretrainedError
    from ..paths import data_dir

    out = args.out or data_dir() / "stylegan2" / args.file.stem
    try:
        path = import_weights(args.file, out, licence=args.licence, origin=args.origin, network=args.network)
    except PretrainedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path} (and {path.with_suffix('.safetensors').name})")
    return 0
