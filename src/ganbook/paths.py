"""Absolute paths anchored at the repository root — never the current directory.

Notebooks run under nbval (kernel in ``notebooks/``), papermill (kernel in the repo root) and
plain JupyterLab (anywhere), so every path the library writes or reads is computed from this file.
Environment variables let a user or a test move the writable places elsewhere.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ROOT", "repo_root", "notebooks_dir", "reports_dir", "data_dir", "cache_dir", "manifests_dir"]

# src/ganbook/paths.py -> parents[2] is the repository root for the (editable) source install.
ROOT = Path(os.environ.get("GANBOOK_ROOT") or Path(__file__).resolve().parents[2])


def repo_root() -> Path:
    """The repository root (``$GANBOOK_ROOT`` overrides)."""
    return Path(os.environ.get("GANBOOK_ROOT") or ROOT)


def notebooks_dir() -> Path:
    """Where the jupytext-paired notebooks live."""
    return repo_root() / "notebooks"


def reports_dir() -> Path:
    """Where figures, metrics, executed notebooks and checkpoints go (``$GANBOOK_REPORTS_DIR``)."""
    return Path(os.environ.get("GANBOOK_REPORTS_DIR") or repo_root() / "reports")


def data_dir() -> Path:
    """Where imported or fetched real datasets live (``$GANBOOK_DATA_DIR``, default ``<root>/data``)."""
    return Path(os.environ.get("GANBOOK_DATA_DIR") or repo_root() / "data")


def cache_dir() -> Path:
    """Scratch space for derived files (``$GANBOOK_CACHE_DIR``, default ``<root>/.cache``)."""
    return Path(os.environ.get("GANBOOK_CACHE_DIR") or repo_root() / ".cache")


def manifests_dir() -> Path:
    """The YAML manifests describing real datasets and weight files."""
    return repo_root() / "data_manifests"
