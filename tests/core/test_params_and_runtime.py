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


def _python(code: str, **env: str) -> str:
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()


def test_smoke_profile_runs_in_portable_mode_one_thread_no_onednn_deterministic():
    out = _python("import torch, ganbook; ganbook.start('x', profile='smoke', device='cpu'); "
                  "print(torch.get_num_threads(), torch.backends.mkldnn.enabled, "
                  "torch.are_deterministic_algorithms_enabled())", OMP_NUM_THREADS="2")
    assert out == "1 False True"
    out = _python("import torch, ganbook; ganbook.start('x', profile='demo', device='cpu'); "
                  "print(torch.backends.mkldnn.enabled)")
    assert out == "True"  # demo keeps oneDNN's speed


def test_smoke_configs_run_in_float32():
    from ganbook import brain3d, medsrgan, retinal_esrgan
    from ganbook.drag.config import PROFILES as DRAG
    from ganbook.fundamentals import PROFILES as TOY

    for profiles in (brain3d.PROFILES, medsrgan.PROFILES, retinal_esrgan.PROFILES, DRAG, TOY):
        assert profiles["smoke"].amp is False


def test_the_portable_environment_reaches_smoke_kernels_of_the_runner(monkeypatch):
    import os

    import papermill

    import ganbook.reproduce as rp
    from ganbook.runtime import PORTABLE_ENV

    seen = {}
    monkeypatch.setattr(papermill, "execute_notebook",
                        lambda *a, **k: seen.update({key: os.environ.get(key) for key in PORTABLE_ENV}))
    monkeypatch.setattr("jupytext.read", lambda path: None)
    for key in PORTABLE_ENV:
        monkeypatch.delenv(key, raising=False)
    assert rp._execute("00_x.py", "/dev/null", {"profile": "smoke"}, 2).ok
    assert seen == PORTABLE_ENV
    seen.clear()
    assert rp._execute("00_x.py", "/dev/null", {"profile": "demo"}, 2).ok
    assert not any(seen.values())  # demo keeps the host's threads and kernels
    assert all(key not in os.environ for key in PORTABLE_ENV)  # restored afterwards


def test_paper_runs_release_deterministic_kernels_and_autotune_cudnn_while_demo_keeps_them(monkeypatch):
    import torch

    from ganbook.session import start

    monkeypatch.delenv("GANBOOK_PROFILE", raising=False)
    try:
        run = start("99_test", profile="paper", seed=0, device="cpu", interactive=False)
        assert not torch.are_deterministic_algorithms_enabled() and torch.backends.cudnn.benchmark
        assert run.parameters["deterministic"] is False
        run = start("99_test", profile="paper", seed=0, device="cpu", interactive=False, deterministic=True)
        assert torch.are_deterministic_algorithms_enabled() and not torch.backends.cudnn.benchmark
    finally:
        run = start("99_test", profile="demo", seed=0, device="cpu", interactive=False)
    assert torch.are_deterministic_algorithms_enabled() and not torch.backends.cudnn.benchmark
    assert run.parameters["deterministic"] is True


@pytest.mark.parametrize("flag, dtype", [("1", "bfloat16"), ("0", "float32")])
def test_cpu_autocast_runs_bf16_only_where_the_cpu_has_it(monkeypatch, flag, dtype):
    import torch

    from ganbook.runtime import autocast, cpu_bf16_supported

    monkeypatch.setenv("GANBOOK_CPU_BF16", flag)
    assert cpu_bf16_supported() is (flag == "1")
    with autocast("cpu"):
        out = torch.ones(2, 3) @ torch.ones(3, 2)
    assert str(out.dtype) == f"torch.{dtype}"


def test_cpu_bf16_probe_answers_from_the_hardware_when_not_overridden(monkeypatch):
    import torch

    from ganbook.runtime import cpu_bf16_supported

    monkeypatch.delenv("GANBOOK_CPU_BF16", raising=False)
    expected = bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    assert cpu_bf16_supported() is expected
