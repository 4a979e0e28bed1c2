"""The papermill runner on tiny throw-away notebooks: parallel jobs, index, and failures named by cell."""
from __future__ import annotations

import json

import pytest

from ganbook.reproduce import NotebookFailed, reproduce

HEADER = """# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---
"""

BODY = """
# %% tags=["parameters"]
profile: str = "demo"  # profile
seed: int = 0  # seed
device: str = "cpu"  # device
interactive: bool = True  # widgets
fail: bool = False  # raise in the second cell

# %%
import ganbook
run = ganbook.start("{name}", profile=profile, seed=seed, device=device, interactive=interactive)
run.metric("t", "d", "test", "m", "psnr", 30.0 + seed)

# %%
if fail:
    raise RuntimeError("planted failure")
run.save_metrics()
"""


@pytest.fixture
def tiny_root(tmp_path, monkeypatch):
    nb = tmp_path / "notebooks"
    nb.mkdir()
    for name in ("01_alpha", "02_beta"):
        (nb / f"{name}.py").write_text(HEADER + BODY.replace("{name}", name))
    monkeypatch.setenv("GANBOOK_ROOT", str(tmp_path))
    monkeypatch.setenv("GANBOOK_REPORTS_DIR", str(tmp_path / "reports"))
    return tmp_path


@pytest.mark.slow
def test_parallel_jobs_run_every_notebook_and_index_lists_them(tiny_root):
    results = reproduce(profile="smoke", jobs=2, params={"seed": 2}, log=lambda *a: None)
    assert [r.ok for r in results] == [True, True]
    for name in ("01_alpha", "02_beta"):
        doc = json.loads((tiny_root / "reports" / "metrics" / f"{name}.json").read_text())
        assert doc["profile"] == "smoke" and doc["rows"][0]["value"] == 32.0
        assert (tiny_root / "reports" / "executed" / f"{name}.ipynb").exists()
    index = (tiny_root / "reports" / "index.md").read_text()
    assert "## 01_alpha" in index and "## 02_beta" in index


@pytest.mark.slow
def test_a_failing_notebook_is_named_with_its_cell(tiny_root):
    with pytest.raises(NotebookFailed) as err:
        reproduce(profile="smoke", only=["02"], params={"fail": True}, log=lambda *a: None)
    msg = str(err.value)
    assert "02_beta failed in cell" in msg and "RuntimeError: planted failure" in msg
    runs = json.loads((tiny_root / "reports" / "runs.json").read_text())
    assert runs["02_beta"]["ok"] is False


def _git(root, *args):
    import subprocess

    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"})


@pytest.mark.slow
def test_one_run_from_a_clean_commit_records_one_sha_not_dirty_and_a_dirty_tree_is_warned_and_recorded(tiny_root):
    # reports/ is tracked, as in the real repository: the run's own writes must not make it "dirty".
    (tiny_root / "reports" / "metrics").mkdir(parents=True)
    (tiny_root / "reports" / "metrics" / "01_alpha.json").write_text("{}")
    _git(tiny_root, "init", "-q")
    _git(tiny_root, "add", ".")
    _git(tiny_root, "commit", "-q", "-m", "start")
    lines = []
    reproduce(profile="smoke", log=lines.append)
    provs = [json.loads((tiny_root / "reports" / "metrics" / f"{n}.json").read_text())["provenance"]
             for n in ("01_alpha", "02_beta")]
    assert len({p["git_sha"] for p in provs}) == 1 and provs[0]["git_sha"]
    assert all(p["git_dirty"] is False for p in provs), provs
    assert not [ln for ln in lines if "WARNING" in ln]

    with open(tiny_root / "notebooks" / "01_alpha.py", "a") as fh:
        fh.write("\n# an uncommitted edit\n")
    lines.clear()
    reproduce(profile="smoke", only=["01"], log=lines.append)
    assert any("WARNING" in ln and "uncommitted" in ln for ln in lines), lines
    prov = json.loads((tiny_root / "reports" / "metrics" / "01_alpha.json").read_text())["provenance"]
    assert prov["git_dirty"] is True
