"""Time super-resolution train steps and tiled inference, to size the ``demo`` profiles on a machine.

    python -m ganbook.sr.benchmark            # the demo-ish sizes below, 2 threads
    python -m ganbook.sr.benchmark --volume   # + tiled ×2 inference of an MNI-sized LR volume

Numbers depend on the machine and on what else runs on it: run it alone. Each line reports wall
time and process CPU time (CPU time / threads approximates the uncontended wall time when other jobs
compete for the cores).
"""
from __future__ import annotations

import argparse
import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..runtime import autocast, peak_rss_mb

__all__ = ["time_train_step", "time_tiled_inference"]


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def time_train_step(model: nn.Module, lr: torch.Tensor, hr: torch.Tensor, *, amp: bool = True,
                    channels_last: bool = True, steps: int = 3) -> dict[str, float]:
    """Median wall and CPU seconds of one L1 train step (forward, backward, Adam), after one warm-up.

    Args:
        model: the generator (modified in place: memory format).
        lr, hr: one batch.
        amp: bf16 autocast (``ganbook.runtime.autocast``).
        channels_last: channels-last memory format for model and input (``channels_last_3d`` for volumes).
        steps: timed steps.
    """
    if channels_last:
        fmt = torch.channels_last if lr.ndim == 4 else torch.channels_last_3d
        model, lr = model.to(memory_format=fmt), lr.contiguous(memory_format=fmt)
    opt = torch.optim.Adam(model.parameters(), 1e-4)
    walls, cpus = [], []
    for _ in range(steps + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        with autocast(lr.device, enabled=amp):
            loss = F.l1_loss(model(lr), hr)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return {"wall_s": _median(walls[1:]), "cpu_s": _median(cpus[1:])}


def time_tiled_inference(model_fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, scale: int, tile: int,
                         overlap: int, spatial_dims: int, batch_size: int) -> dict[str, float]:
    """Wall and CPU seconds and peak RSS (MiB, whole process) of one :func:`tiled_apply` call."""
    from .tiling import tiled_apply

    t0, c0 = time.perf_counter(), time.process_time()
    tiled_apply(model_fn, x, scale, tile, overlap, spatial_dims, batch_size=batch_size)
    return {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> None:
    from ..models import RRDBNet, RWMAN, SRResNet

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--volume", action="store_true", help="also time tiled ×2 inference of a 99×117×95 volume")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cases = [
        ("RWMAN 2 groups × 4 blocks × 32, batch 8, 32² → 128²",
         lambda: RWMAN(num_groups=2, num_blocks=4, num_features=32), (8, 1, 32, 32), 4),
        ("RRDBNet nf32 nb4 (RGB), batch 16, 32² → 128²",
         lambda: RRDBNet(num_features=32, num_blocks=4), (16, 3, 32, 32), 4),
        ("SRResNet3D 32 filters × 6 blocks, batch 2, 16³ → 32³", lambda: SRResNet(), (2, 1, 16, 16, 16), 2),
        ("SRResNet3D 32 filters × 6 blocks, batch 2, 32³ → 64³", lambda: SRResNet(), (2, 1, 32, 32, 32), 2),
    ]
    for name, make, shape, scale in cases:
        lr = torch.rand(shape)
        hr = torch.rand(*shape[:2], *(scale * n for n in shape[2:]))
        for amp, cl in ((False, False), (True, False), (True, True)):
            r = time_train_step(make(), lr, hr, amp=amp, channels_last=cl)
            print(f"{name} | bf16={amp} channels_last={cl}: wall {r['wall_s']:.3f} s, cpu {r['cpu_s']:.3f} s",
                  flush=True)
    if args.volume:
        model = SRResNet().eval()
        for amp in (False, True):
            def fn(t, amp=amp):
                with autocast("cpu", enabled=amp):
                    return model(t)
            r = time_tiled_inference(fn, torch.rand(1, 1, 99, 117, 95), 2, 48, 8, 3, 2)
            print(f"tiled SRResNet3D ×2, LR 99×117×95 → 198×234×190, tile 48 overlap 8 batch 2 | bf16={amp}: "
                  f"wall {r['wall_s']:.1f} s, cpu {r['cpu_s']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MiB", flush=True)
    print(f"peak RSS {peak_rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
