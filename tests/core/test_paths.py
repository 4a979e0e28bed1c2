"""One path anchor at the repository root, never the current directory; every directory can be moved by env."""
import subprocess
import sys

from ganbook import paths
from ganbook.paths import repo_root


def test_paths_are_anchored_at_the_repo_root_whatever_the_working_directory(tmp_path):
    code = "from ganbook import paths; print(paths.repo_root()); print(paths.notebooks_dir())"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("GANBOOK_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [str(repo_root()), str(repo_root() / "notebooks")]


def test_reports_data_and_cache_dirs_follow_their_environment_variables(tmp_path, monkeypatch):
    for var, fn in (("GANBOOK_REPORTS_DIR", paths.reports_dir), ("GANBOOK_DATA_DIR", paths.data_dir),
                    ("GANBOOK_CACHE_DIR", paths.cache_dir)):
        monkeypatch.setenv(var, str(tmp_path / var))
        assert fn() == tmp_path / var
