"""Notebook-level guarantees: pairing, parameters, the runner's validation, nbval sensitivity."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from ganbook.paths import repo_root
from ganbook.reproduce import declared_parameters, discover
from ganbook.runtime import PORTABLE_ENV

ROOT = repo_root()
NOTEBOOKS = discover()


def test_there_is_at_least_the_fundamentals_notebook():
    assert "00_gan_fundamentals" in [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_py_and_ipynb_of_each_pair_say_the_same(py: Path):
    ipynb = py.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb} is missing: run `make notebooks`"
    from_ipynb = jupytext.writes(jupytext.read(ipynb), fmt="py:percent")
    assert from_ipynb == py.read_text(), f"{py.name} and {ipynb.name} differ: edit the .py, then `make notebooks`"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_declares_the_common_typed_parameters(py: Path):
    declared = declared_parameters(py)
    for name, type_name in (("profile", "str"), ("seed", "int"), ("device", "str"), ("interactive", "bool")):
        assert declared[name]["inferred_type_name"] == type_name, name
    assert declared["profile"]["default"] == '"demo"'
    assert all(p["help"] for p in declared.values()), "every parameter needs a '# help' comment"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_come_from_an_error_free_smoke_run(py: Path):
    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "store outputs with `make notebooks`"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for c in code for o in c.outputs if o.output_type == "stream")
    assert "profile=smoke" in text


@pytest.mark.slow
def test_a_parameter_typo_fails_before_any_kernel_starts_and_lists_valid_parameters(tmp_path):
    env = {**os.environ, "GANBOOK_REPORTS_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "ganbook", "reproduce", "--only", "00_gan_fundamentals",
                           "-p", "lr_typo=1"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2
    assert "unknown parameter 'lr_typo'" in proc.stderr
    for name in ("profile: str", "seed: int", "device: str", "interactive: bool", "steps: Optional[int]"):
        assert name in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "executed").exists(), "nothing may run when a parameter is wrong"


@pytest.mark.slow
def test_a_wrongly_typed_parameter_is_refused(tmp_path):
    env = {**os.environ, "GANBOOK_REPORTS_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "ganbook", "reproduce", "--only", "00", "-p", "steps=many"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2 and "'steps' expects int | None, got 'many'" in proc.stderr


def _nbval_alone(notebook: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """nbval on one notebook copy with the suite's flags, outside this test session."""
    env = {**os.environ, **PORTABLE_ENV, "GANBOOK_PROFILE": "smoke", "GANBOOK_REPORTS_DIR": str(tmp_path / "reports"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tests"), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "nbval_numbers", "--rootdir",
                           str(tmp_path), "-c", os.devnull, "--nbval", "--nbval-current-env",
                           "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), "--noconftest",
                           str(notebook)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)


@pytest.mark.slow
def test_nbval_fails_when_library_behaviour_changes(tmp_path):
    """Plant a sign flip in the generator loss the notebook uses; its stored outputs must then disagree."""
    nb = nbformat.read(ROOT / "notebooks" / "00_gan_fundamentals.ipynb", as_version=4)
    control = tmp_path / "control.ipynb"
    nbformat.write(nb, control)
    proc = _nbval_alone(control, tmp_path)  # the same copy and flags without the bug pass
    assert proc.returncode == 0, proc.stdout[-2000:]
    plant = nbformat.v4.new_code_cell(
        "import ganbook.fundamentals.ensemble as _f\n"
        "_orig = _f.generator_loss\n"
        "_f.generator_loss = lambda *a, **k: -_orig(*a, **k)  # planted bug\n")
    nb.cells.insert(1, plant)
    target = tmp_path / "planted.ipynb"
    nbformat.write(nb, target)
    proc = _nbval_alone(target, tmp_path)
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert re.search(r"1 failed", proc.stdout)
    assert 'print(run.table("mode_coverage"))' in proc.stdout  # caught at the four-loss protocol table


def _collected(*args: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode in (0, 5), proc.stdout[-2000:] + proc.stderr[-2000:]
    return [ln for ln in proc.stdout.splitlines() if "::" in ln]


def test_make_test_fast_selection_collects_no_notebook_and_no_browser_item():
    makefile = (ROOT / "Makefile").read_text()
    line = next(ln for ln in makefile.splitlines() if ln.strip().startswith("$(PY) -m pytest") and "not slow" in ln)
    args = line.split("pytest", 1)[1].replace('"', "").split()
    marker = args[args.index("-m") + 1:args.index("tests")]
    items = _collected("-m", " ".join(marker), *args[args.index("tests"):])
    assert items, "test-fast selects nothing"
    assert not [i for i in items if ".ipynb" in i or "tests/browser" in i]


def test_notebook_cells_are_marked_slow_so_a_marker_filter_drops_them_too():
    nb = str(NOTEBOOKS[0].with_suffix(".ipynb"))
    assert _collected(nb), "nbval collects the notebook's cells"
    assert not _collected("-m", "not slow", nb)
