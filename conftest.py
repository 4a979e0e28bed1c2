"""Shared test setup (repo root, so it also governs nbval runs of notebooks/*.ipynb): nothing a test
writes lands in the real reports/ or data/, and notebook kernels run at the smoke profile in the
portable CPU mode, so their outputs are the same on every host."""
from __future__ import annotations

import contextlib
import os
import tempfile

import pytest

from ganbook.runtime import PORTABLE_ENV

os.environ.setdefault("GANBOOK_PROGRESS", "0")

# Printed numbers agree up to last-digit rounding (tests/nbval_numbers.py says exactly how).
pytest_plugins = ("nbval_numbers",)


def pytest_configure(config):
    # nbval kernels inherit this environment: stored notebook outputs come from the smoke profile,
    # and a test run must never overwrite the real reports/.
    os.environ.setdefault("GANBOOK_PROFILE", "smoke")
    os.environ.setdefault("GANBOOK_REPORTS_DIR", tempfile.mkdtemp(prefix="ganbook-nbval-reports-"))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.pop("MPLBACKEND", None)  # notebook kernels need the inline backend for their figures


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBOOK_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GANBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GANBOOK_PROFILE", raising=False)
    monkeypatch.delenv("GANBOOK_DEVICE", raising=False)


@contextlib.contextmanager
def _environment(values):
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    # nbval starts a notebook's kernel while setting up its first cell: the kernel gets the portable
    # environment (read when torch loads); this pytest process keeps its own threads for unit tests.
    if item.path.suffix == ".ipynb":
        with _environment(PORTABLE_ENV):
            yield
    else:
        yield


def pytest_collection_modifyitems(config, items):
    # Notebook cells are long and need a kernel: never part of `make test-fast`.
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.notebook)


def pytest_collectstart(collector):
    # nbval: torch/numpy warnings on stderr are not behaviour; compare stdout and results only.
    if getattr(collector, "path", None) is not None and collector.path.suffix == ".ipynb":
        collector.skip_compare += ("stderr",)
