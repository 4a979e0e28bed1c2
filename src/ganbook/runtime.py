"""Seeds, device choice, CPU speed switches, memory readings and progress-bar policy.

Nothing here runs at import time: no hardware probing, no thread changes.
"""
from __future__ import annotations

import contextlib
import os
import random
import resource
import sys
from typing import Iterator

import numpy as np

__all__ = [
    "seed_everything", "select_device", "autocast", "peak_rss_mb", "progress_enabled", "torch_threads", "DEVICES",
    "PORTABLE_ENV", "portable_cpu", "cpu_bf16_supported",
]

DEVICES = ("auto", "cpu", "cuda", "mps")

# Environment that makes CPU float results the same on every x86-64 host, whatever its vendor, load,
# core count or newer instruction sets: one thread (no reduction order that depends on scheduling),
# MKL's conditional numerical reproducibility in its COMPATIBLE mode (MKL otherwise dispatches on the
# host's CPUID; a named ISA such as AVX2 binds on Intel processors only and is ignored on AMD ones,
# while COMPATIBLE runs the same SSE2 code path on both; STRICT drops the alignment condition), and
# ATen's own vectorised kernels at a fixed width. These are read when the libraries initialise, so
# they must be in the environment *before* the Python process starts (the test harness and the
# reproduction runner do that for the smoke profile); :func:`portable_cpu` does the in-process part.
PORTABLE_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_CBWR": "COMPATIBLE,STRICT",
    "ATEN_CPU_CAPABILITY": "avx2",
}


def seed_everything(seed: int, *, deterministic: bool = True) -> np.random.Generator:
    """Seed Python, NumPy and torch, and ask torch for deterministic kernels.

    Args:
        seed: any non-negative integer.
        deterministic: also call ``torch.use_deterministic_algorithms`` (warn-only, so ops without a
            deterministic kernel still run) and disable cuDNN autotuning; False releases both and turns
            cuDNN autotuning on (fast 3-D convolutions on a GPU, run-to-run differences in the last bits).

    Returns:
        A fresh ``numpy.random.Generator`` seeded with ``seed`` for code that prefers explicit RNGs.
    """
    import torch

    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
        # cuBLAS needs this for deterministic matmuls; harmless elsewhere.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    else:
        torch.use_deterministic_algorithms(False)
        torch.backends.cudnn.benchmark = True
    return np.random.default_rng(seed)


def select_device(prefer: str = "auto"):
    """Pick the torch device: cuda > mps > cpu, unless forced.

    Args:
        prefer: "auto", "cpu", "cuda", "cuda:N" or "mps". ``$GANBOOK_DEVICE`` overrides "auto".

    Raises:
        ValueError: for an unknown name, or when a forced accelerator is not available (the message
            says which devices are).
    """
    import torch

    choice = prefer or "auto"
    if choice == "auto":
        choice = os.environ.get("GANBOOK_DEVICE", "auto") or "auto"
    kind = choice.split(":")[0]
    if kind not in DEVICES:
        raise ValueError(f"device={prefer!r} is not one of {', '.join(DEVICES)} (or cuda:N)")
    has_cuda = torch.cuda.is_available()
    has_mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if kind == "auto":
        return torch.device("cuda" if has_cuda else "mps" if has_mps else "cpu")
    available = ["cpu"] + (["cuda"] if has_cuda else []) + (["mps"] if has_mps else [])
    if kind not in available:
        raise ValueError(
            f"device={choice!r} was requested but is not available here; available: "
            f"{', '.join(available)}. Use device='auto' to pick the best one."
        )
    return torch.device(choice)


def portable_cpu() -> None:
    """Make this process's torch CPU results host-independent (used by the smoke profile).

    One intra- and inter-op thread, deterministic algorithms, and oneDNN (mkldnn) switched off: its
    JIT kernels choose blocking from the host's ISA and cache sizes, so a convolution can sum in a
    different order on a machine of the same model; without it torch convolves through im2col and
    MKL's GEMM, which ``MKL_CBWR`` pins. Mixed precision is a per-config choice (``amp``); the smoke
    configs run in float32.
    """
    import torch

    torch.set_num_threads(1)
    with contextlib.suppress(RuntimeError):  # can only be set before the first parallel region
        torch.set_num_interop_threads(1)
    torch.backends.mkldnn.enabled = False
    torch.use_deterministic_algorithms(True, warn_only=True)
    for name, value in PORTABLE_ENV.items():  # child processes (data workers, CLIs) inherit it
        os.environ.setdefault(name, value)


def cpu_bf16_supported() -> bool:
    """Whether this CPU does bfloat16 arithmetic natively (AVX512-BF16 or AMX tiles).

    Without it torch emulates bf16 through float32 conversions: measured on an AVX2-only AMD EPYC
    host, four 3x3 convolutions (64 channels, 8x64x64, forward and backward) took 0.24 s in float32
    and 10.0 s under bf16 autocast, 42x slower. ``$GANBOOK_CPU_BF16`` = 1 / 0 overrides the probe.
    """
    flag = os.environ.get("GANBOOK_CPU_BF16")
    if flag is not None:
        return flag.strip().lower() in ("1", "true", "yes", "on")
    import torch

    probes = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return any(bool(probe()) for probe in probes if probe is not None)


@contextlib.contextmanager
def autocast(device, enabled: bool = True) -> Iterator[None]:
    """bfloat16 autocast on CUDA, and on a CPU with native bf16 (2.6x faster RRDB steps with AVX-512
    bf16); a no-op elsewhere, including CPUs that would only emulate bf16 (:func:`cpu_bf16_supported`).

    Args:
        device: the torch device the model runs on.
        enabled: turn mixed precision off entirely (e.g. for exactness tests).
    """
    import torch

    dev_type = getattr(device, "type", str(device))
    if not enabled or dev_type not in ("cpu", "cuda") or (dev_type == "cpu" and not cpu_bf16_supported()):
        yield
        return
    with torch.autocast(device_type=dev_type, dtype=torch.bfloat16):
        yield


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (what Binder's 2 GB limit is about)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def progress_enabled() -> bool:
    """Whether to draw tqdm bars: off in CI, under the reproduction runner and when GANBOOK_PROGRESS=0."""
    flag = os.environ.get("GANBOOK_PROGRESS")
    if flag is not None:
        return flag.strip().lower() not in ("0", "false", "no", "off", "")
    return not os.environ.get("CI")


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Temporarily set torch's intra-op threads (restored on exit).

    Tiny models (the MLPs of notebook 00) run fastest on one thread: synchronising OpenMP workers
    costs more than a 128-wide matmul, and far more when another process holds a core.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    try:
        yield
    finally:
        torch.set_num_threads(before)
