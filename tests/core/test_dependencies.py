"""The dependency lists of pyproject.toml, environment.yml and binder/ stay in step."""
import re
import tomllib

import yaml

from ganbook.paths import repo_root

ROOT = repo_root()


def names(reqs):
    out = set()
    for r in reqs:
        if not isinstance(r, str) or r.startswith(("-", "--")):
            continue
        out.add(re.split(r"[<>=!~\[ ]", r.strip(), maxsplit=1)[0].lower())
    return out


def pip_section(path):
    doc = yaml.safe_load(path.read_text())
    for dep in doc["dependencies"]:
        if isinstance(dep, dict) and "pip" in dep:
            return dep["pip"]
    raise AssertionError(f"{path} has no pip section")


def test_environment_files_install_the_same_runtime_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = names(project["dependencies"])
    test = names(project["optional-dependencies"]["test"])
    local = names(pip_section(ROOT / "environment.yml"))
    binder = names(pip_section(ROOT / "binder" / "environment.yml"))
    assert runtime <= local, f"environment.yml lacks {runtime - local}"
    assert runtime <= binder, f"binder/environment.yml lacks {runtime - binder}"
    assert test <= local, f"environment.yml lacks test packages {test - local}"
    assert local - runtime - test == set(), f"environment.yml has extra {local - runtime - test}"
    assert binder - runtime == set(), f"binder/environment.yml has extra {binder - runtime}"


def test_torch_is_pinned_to_the_cpu_build_everywhere():
    constraints = (ROOT / "constraints.txt").read_text()
    assert re.search(r"^torch==2\.13\.0$", constraints, re.M), "the local/CI path must pin torch==2.13.0"
    assert "torch==2.13.0" in pip_section(ROOT / "environment.yml")
    binder = pip_section(ROOT / "binder" / "environment.yml")
    assert "torch==2.13.0+cpu" in binder and any("download.pytorch.org/whl/cpu" in b for b in binder)
    # Only binder/ may name the PyTorch index: CI reaches PyPI only.
    for path in ("constraints.txt", "pyproject.toml", "environment.yml", "Makefile", ".ci/run"):
        assert "download.pytorch.org" not in (ROOT / path).read_text(), path
