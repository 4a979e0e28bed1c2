"""Benchmark: whole-head ×2 super-resolution with notebook 03's sliding-window inference.

    python scripts/bench_volume_sr.py                      # 2 threads, demo tiles, untrained 32x6 SRResNet3D
    python scripts/bench_volume_sr.py --checkpoint reports/checkpoints/03_brain_mri_3d/demo/srresnet3d_p.json
    python scripts/bench_volume_sr.py --input hr           # the 197x233x189 volume itself as the LR input

By default the LR input is the blur+nearest ×2 degradation of nilearn's whole 1 mm MNI152 template
(98x116x94), super-resolved back to its 196x232x188 grid (the template is 197x233x189; one voxel per
axis is cropped so that ×2 tiles it). ``--input hr`` feeds the 197x233x189 volume itself (output
394x466x378, 8x the work). Timing does not depend on the weights, so without ``--checkpoint`` a
randomly initialised generator of the demo size is used. Prints one JSON line: wall seconds of the
inference, process CPU seconds, and peak resident memory of the whole process (MiB). Run it alone,
under the shared CPU lock: ``flock /tmp/ganbook_cpu.lock python scripts/bench_volume_sr.py``.
Targets: <= 90 s and <= 3 GB on 2 cores (a Binder-sized machine).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time

import numpy as np
import torch


def main(argv: list[str] | None = None) -> dict:
    from ganbook import brain3d
    from ganbook.data import load
    from ganbook.data.degrade import crop_to_multiple
    from ganbook.runtime import peak_rss_mb
    from ganbook.sr.export import load_sr_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    parser.add_argument("--checkpoint", default=None, help="a 3-D SR model saved by notebook 03 (ModelCard JSON)")
    parser.add_argument("--input", choices=("lr", "hr"), default="lr",
                        help="lr: ×2-degraded template (output 196x232x188); hr: the 197x233x189 volume itself")
    parser.add_argument("--tile", type=int, default=None, help="LR tile edge (default: the demo profile's)")
    parser.add_argument("--overlap", type=int, default=None, help="LR tile overlap (default: the demo profile's)")
    parser.add_argument("--tile-batch", type=int, default=None, help="tiles per model call")
    parser.add_argument("--fp32", action="store_true", help="disable bf16 autocast")
    parser.add_argument("--out", default=None, help="also write the result as JSON here (atomic)")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = brain3d.PROFILES["demo"]
    cfg = dataclasses.replace(cfg, tile=args.tile or cfg.tile, overlap=args.overlap if args.overlap is not None
                              else cfg.overlap, tile_batch=args.tile_batch or cfg.tile_batch, amp=not args.fp32)
    if args.checkpoint:
        model, card = load_sr_model(args.checkpoint)
        if card.spatial_dims != 3:
            raise SystemExit(f"{args.checkpoint}: a {card.spatial_dims}-D model; this benchmark needs a 3-D one")
        cfg = dataclasses.replace(cfg, scale=card.scale)
    else:
        model = brain3d.build_generator(cfg).eval()
    volume = np.asarray(load("mni152_t1", "all").images[0], np.float32)  # 197x233x189
    lr = volume if args.input == "hr" else brain3d.degrade_volume(crop_to_multiple(volume, cfg.scale, 3), "blur_nearest",
                                                            cfg.scale, cfg.sigma)
    rss_before = peak_rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    sr = brain3d.super_resolve(model, lr, cfg)  # window: the percentiles of lr
    result = {"lr_shape": list(lr.shape), "sr_shape": list(sr.shape), "threads": args.threads,
              "tile": cfg.tile, "overlap": cfg.overlap, "tile_batch": cfg.tile_batch, "bf16": cfg.amp,
              "wall_s": round(time.perf_counter() - t0, 1), "cpu_s": round(time.process_time() - c0, 1),
              "peak_rss_mb": peak_rss_mb(), "peak_rss_mb_before_inference": rss_before,
              "finite": bool(np.isfinite(sr).all())}
    print(json.dumps(result))
    if args.out:
        from ganbook.io import atomic_write_json

        atomic_write_json(args.out, result)
    return result


if __name__ == "__main__":
    main()
