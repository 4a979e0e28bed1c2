"""Every notebook package has the same files and verbs, and no helper is written twice."""
import dataclasses
import importlib
import inspect
import re
from pathlib import Path

import pytest

import ganbook

SRC = Path(ganbook.__file__).resolve().parent
README = SRC.parents[1] / "README.md"
PACKAGES = ("fundamentals", "medsrgan", "retinal_esrgan", "brain3d", "drag")
SR_PACKAGES = ("medsrgan", "retinal_esrgan", "brain3d")
FILES = ("config.py", "data.py", "training.py", "evaluation.py", "figures.py")


@pytest.mark.parametrize("name", PACKAGES)
def test_notebook_package_has_config_data_training_evaluation_figures(name):
    assert all((SRC / name / f).is_file() for f in FILES), sorted(p.name for p in (SRC / name).glob("*.py"))
    config = importlib.import_module(f"ganbook.{name}.config")
    assert set(config.PROFILES) == {"smoke", "demo", "paper"}
    assert all(dataclasses.is_dataclass(c) for c in config.PROFILES.values())
    assert callable(importlib.import_module(f"ganbook.{name}.training").train)
    assert callable(importlib.import_module(f"ganbook.{name}.evaluation").evaluate)


@pytest.mark.parametrize("name", SR_PACKAGES)
def test_sr_packages_share_super_resolve_and_save_models_signatures(name):
    sr = inspect.signature(importlib.import_module(f"ganbook.{name}.evaluation").super_resolve).parameters
    assert list(sr)[:3] == ["model", "lr", "cfg"]
    assert sr["device"].kind is inspect.Parameter.KEYWORD_ONLY and sr["device"].default == "cpu"
    assert sr["tile"].kind is inspect.Parameter.KEYWORD_ONLY and sr["tile"].default is None
    save = inspect.signature(importlib.import_module(f"ganbook.{name}.training").save_models).parameters
    assert list(save)[:2] == ["folder", "trained"]


def test_config_fields_use_one_vocabulary():
    for name in PACKAGES:
        for cfg in importlib.import_module(f"ganbook.{name}.config").PROFILES.values():
            fields = {f.name for f in dataclasses.fields(cfg)}
            assert not {"lr", "gan_lr", "lr_gan", "lr_psnr", "pixel_steps"} & fields, (name, fields)


def _definitions(pattern: str) -> list[str]:
    rx = re.compile(pattern, re.M)
    return sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if rx.search(p.read_text()))


def test_each_helper_is_defined_once():
    assert _definitions(r"^def psnr\(") == ["metrics.py"]
    assert _definitions(r"^def to_unit\(") == ["data/intensity.py"]
    assert _definitions(r"^def vgg19_weights\(") == ["models/vgg.py"]
    assert _definitions(r"^def make_config\(") == ["params.py"]
    assert _definitions(r"^def (predict|train_toy|train_medsrgan|train_models|train_faces_gan)\(") == []
    assert _definitions(r"^class GeneratorWithEMA\b|def _normalise\(|def update_ema\(") == []
    assert _definitions(r"\"gm_ratio\"|\"average\"") == []


def test_readme_path_for_adding_a_notebook_names_the_package_files_and_verbs():
    text = README.read_text()
    section = text.split("## Adding a notebook", 1)[1].split("\n## ", 1)[0]
    for word in (*FILES, "PROFILES", "train(", "evaluate(", "run.configure(", "run.record(", "conftest.py",
                 "DATASETS"):
        assert word in section, word
