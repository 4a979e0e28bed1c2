"""Profiles, parameter validation, device choice, seeding."""
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from ganbook.params import ParameterError, check_parameters, coerce, make_config, resolve_profile
from ganbook.runtime import seed_everything, select_device


@dataclass(frozen=True)
class Cfg:
    steps: int = 100
    lr: float = 1e-3
    loss: str = "nonsaturating"
    width: int | None = None


PROFILES = {"smoke": Cfg(steps=5), "demo": Cfg(), "paper": Cfg(steps=10_000)}
DECLARED = {
    "profile": {"name": "profile", "inferred_type_name": "str", "default": '"demo"', "help": "smoke | demo | paper"},
    "seed": {"name": "seed", "inferred_type_name": "int", "default": "0", "help": "random seed"},
    "lr": {"name": "lr", "inferred_type_name": "float | None", "default": "None", "help": "learning rate"},
}


def test_profile_config_applies_overrides_and_keeps_none_as_default():
    cfg = make_config(PROFILES, "smoke", lr=2, width=None)
    assert cfg == Cfg(steps=5, lr=2.0)
    assert isinstance(cfg.lr, float)


def test_unknown_override_lists_every_valid_setting():
    with pytest.raises(ParameterError, match=r"unknown setting 'lr_typo'.*valid: loss, lr, steps, width"):
        make_config(PROFILES, "demo", lr_typo=1)


def test_wrong_type_names_the_parameter_and_expected_type():
    with pytest.raises(ParameterError, match=r"'steps' expects int, got '10'"):
        make_config(PROFILES, "demo", steps="10")
    with pytest.raises(ParameterError, match="expects bool"):
        coerce("interactive", 1, "bool")
    assert coerce("width", None, "int | None") is None
    assert coerce("width", 3, "Optional[int]") == 3


def test_unknown_profile_is_refused(monkeypatch):
    with pytest.raises(ParameterError, match="smoke, demo, paper"):
        make_config(PROFILES, "fast")
    with pytest.raises(ParameterError, match="not one of"):
        resolve_profile("quick")
    monkeypatch.setenv("GANBOOK_PROFILE", "smoke")
    assert resolve_profile("demo") == "smoke"


def test_notebook_parameter_typo_fails_listing_declared_parameters():
    with pytest.raises(ParameterError) as err:
        check_parameters("00_x", DECLARED, {"lr_typo": 1})
    msg = str(err.value)
    assert "unknown parameter 'lr_typo'" in msg
    for line in ("profile: str", "seed: int = 0  # random seed", "lr: float | None"):
        assert line in msg
    assert check_parameters("00_x", DECLARED, {"lr": 1, "seed": 3}) == {"lr": 1.0, "seed": 3}
    with pytest.raises(ParameterError, match="profile='fast'"):
        check_parameters("00_x", DECLARED, {"profile": "fast"})


def test_device_auto_picks_cpu_here_and_a_forced_missing_accelerator_is_explained(monkeypatch):
    assert select_device("auto").type == ("cuda" if torch.cuda.is_available() else
                                          "mps" if torch.backends.mps.is_available() else "cpu")
    assert select_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="not available here; available: cpu"):
            select_device("cuda")
    monkeypatch.setenv("GANBOOK_DEVICE", "cpu")
    assert select_device("auto").type == "cpu"
    with pytest.raises(ValueError, match="not one of"):
        select_device("tpu")


@pytest.mark.parametrize("cuda, mps, expected", [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")])
def test_auto_device_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.delenv("GANBOOK_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert select_device("auto").type == expected
    assert select_device("cpu").type == "cpu"  # forcing always wins


def test_same_seed_gives_same_numbers():
    rng = seed_everything(5)
    a = (torch.randn(3), np.random.rand(2), rng.normal(size=2))
    rng = seed_everything(5)
    b = (torch.randn(3), np.random.rand(2), rng.normal(size=2))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])
    with pytest.raises(ValueError):
        seed_everything(-1)
