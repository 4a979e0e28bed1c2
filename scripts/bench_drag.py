"""Time DragGAN on the CPU: milliseconds per step, seconds per single-point edit, and optionally the
landmark benchmark (paper Table 1 protocol).

Acceptance for the workbook: <= 60 ms per step at 64 px on 2 cores, a typical single-point edit <= 5 s.

Examples:
    python scripts/bench_drag.py                      # shipped 64-px generator, 2 threads
    python scripts/bench_drag.py --threads 1 --edits 8
    python scripts/bench_drag.py --landmarks --pairs 16
    python scripts/bench_drag.py --official-size 512 --steps 8   # ms/step of an official-size generator
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default=None, help="generator checkpoint (default: the shipped faces64)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=60, help="steps timed for ms/step")
    ap.add_argument("--edits", type=int, default=6, help="single-point edits timed")
    ap.add_argument("--move", type=float, default=8.0, help="handle-target distance of the timed edits (px)")
    ap.add_argument("--landmarks", action="store_true", help="also run the landmark benchmark")
    ap.add_argument("--pairs", type=int, default=16, help="pairs per setting for --landmarks")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="also write the measurements as JSON here (atomic)")
    ap.add_argument("--official-size", type=int, choices=(256, 512, 1024), default=None,
                    help="time only drag steps of a random-weight generator of the official size at this "
                         "resolution (z = w = 512, 8 mapping layers, StyleGAN2-ADA's channel_base / 512 max)")
    args = ap.parse_args(argv)
    if args.official_size:
        return official_size_timing(args)

    import numpy as np
    import torch

    from ganbook.drag.draggan import drag
    from ganbook.drag.landmarks import detect_landmarks, load_regressor
    from ganbook.drag.training import load_generator

    torch.set_num_threads(args.threads)
    G = load_generator(args.checkpoint)
    res = G.resolution
    print(f"generator {res}px, num_ws {G.num_ws}, threads {torch.get_num_threads()}")
    gen = torch.Generator().manual_seed(args.seed)
    with torch.no_grad():
        w = G.mapping(torch.randn(1, G.cfg.z_dim, generator=gen), truncation_psi=0.7)

    times = step_times(G, w, args.steps, warmup=5)
    ms = 1000 * statistics.median(times)
    print(f"drag step: median {ms:.1f} ms, mean {1000 * statistics.mean(times):.1f} ms over {args.steps} steps")

    # typical single-point edits: move a detected landmark by --move px
    regressor, meta = load_regressor()
    secs, steps, dists = [], [], []
    for i in range(args.edits):
        with torch.no_grad():
            w = G.mapping(torch.randn(1, G.cfg.z_dim, generator=gen), truncation_psi=0.7)
            img = G.synthesis(w, noise_mode="const")
        lm = detect_landmarks(regressor, ((img + 1) / 2).clamp(0, 1))[0]
        handle = lm[i % 5]
        angle = 2 * np.pi * i / max(args.edits, 1)
        target = np.clip(handle + args.move * np.array([np.cos(angle), np.sin(angle)]), 0, res - 1)
        r = drag(G, w, [handle], [target])
        secs.append(r.seconds)
        steps.append(r.steps)
        dists.append(float(np.linalg.norm(r.points[0] - target)))
        print(f"  edit {i}: {args.move:.0f} px, {r.steps} steps, {r.seconds:.2f} s, final distance {dists[-1]:.1f} px, "
              f"converged={r.converged}")
    print(f"single-point edit: mean {statistics.mean(secs):.2f} s, max {max(secs):.2f} s, "
          f"mean {statistics.mean(steps):.0f} steps")
    ok = ms <= 60 and statistics.mean(secs) <= 5
    print(f"acceptance (<= 60 ms/step, typical edit <= 5 s): {'PASS' if ok else 'FAIL'}")
    summary = {"resolution": res, "threads": torch.get_num_threads(), "ms_per_step_median": round(ms, 2),
               "edit_move_px": args.move, "edit_seconds": [round(x, 3) for x in secs], "edit_steps": steps,
               "edit_final_distance_px": [round(x, 3) for x in dists],
               "edit_seconds_mean": round(statistics.mean(secs), 3), "acceptance_pass": ok}

    if args.landmarks:
        from ganbook.drag.evaluation import BenchmarkConfig, run_landmark_benchmark

        t0 = time.perf_counter()
        out = run_landmark_benchmark(G, regressor, BenchmarkConfig(num_pairs=args.pairs, seed=args.seed))
        print(f"landmark benchmark ({args.pairs} pairs per setting, {time.perf_counter() - t0:.0f} s; "
              f"regressor test error {meta['report']['test_error_px']:.2f} px):")
        for row in out["rows"]:
            print(f"  {row['task']:<26} {row['method']:<24} {row['metric']:<18} {row['value']:.3f}")
        summary["landmark_benchmark"] = out["rows"]
    if args.out:
        from ganbook.io import atomic_write_json

        print(f"written {atomic_write_json(args.out, summary)}")
    return 0


def step_times(G, w, steps: int, warmup: int) -> list[float]:
    """Seconds per DragSession step of one long edit (it cannot converge within the timed steps),
    after ``warmup`` untimed steps."""
    from ganbook.drag.draggan import DragConfig, DragSession

    res = G.resolution
    s = DragSession(G, w, [[res * 0.3, res * 0.5]], [[res * 0.7, res * 0.5]],
                    config=DragConfig(max_steps=steps + warmup))
    for _ in range(warmup):
        s.step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        s.step()
        times.append(time.perf_counter() - t0)
    return times


def official_size_timing(args) -> int:
    """ms per DragGAN step (motion supervision + tracking, DragGAN's settings at that resolution) of an
    official-size StyleGAN2 generator; random weights time the same as trained ones."""
    import torch

    from ganbook.drag.draggan import draggan_layers
    from ganbook.models.stylegan2 import Generator, StyleGAN2Config

    torch.set_num_threads(args.threads)
    res = args.official_size
    # StyleGAN2-ADA's cfg "paper256" (channel_base 16384) and config-f / "paper512" (32768), channel_max 512.
    cfg = StyleGAN2Config(resolution=res, z_dim=512, w_dim=512, mapping_layers=8,
                          channel_base=16384 if res == 256 else 32768, channel_max=512)
    torch.manual_seed(args.seed)
    G = Generator(cfg).eval().requires_grad_(False)
    params = sum(p.numel() for p in G.parameters())
    layers = draggan_layers(res)
    with torch.no_grad():
        w = G.mapping(torch.randn(1, 512), truncation_psi=0.7)
    times = step_times(G, w, args.steps, warmup=2)
    ms = 1000 * statistics.median(times)
    print(f"official-size generator {res}px ({params:,} parameters, features of block {layers.feature_block} "
          f"at {layers.feature_resolution} px), {torch.get_num_threads()} threads: median {ms:.0f} ms per drag step "
          f"over {args.steps} steps")
    if args.out:
        from ganbook.io import atomic_write_json

        summary = {"resolution": res, "generator_parameters": params, "threads": torch.get_num_threads(),
                   "feature_block": layers.feature_block, "feature_resolution": layers.feature_resolution,
                   "steps_timed": args.steps, "ms_per_step_median": round(ms, 1),
                   "ms_per_step": [round(1000 * t, 1) for t in times], "weights": "random (timing only)"}
        print(f"written {atomic_write_json(args.out, summary)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
