"""Train the StyleGAN2 demo generator on procedural faces and export its EMA weights.

Regenerates the checkpoint shipped in ``src/ganbook/assets/faces64`` (safetensors + JSON with the
config, sha256 and the exact command). Every chunk of steps ends with a resumable loop checkpoint
in ``--work-dir`` and an atomic export of G_ema to ``--out``, so stopping the run never loses more
than one chunk; ``--resume`` continues it.

Examples:
    python scripts/train_faces_gan.py --steps 4200 --threads 1 --out src/ganbook/assets/faces64   # the shipped one (~2 h)
    python scripts/train_faces_gan.py --minutes 70 --out src/ganbook/assets/faces64   # a time budget instead
    python scripts/train_faces_gan.py --smoke --out /tmp/faces_smoke                  # seconds
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="src/ganbook/assets/faces64", help="checkpoint stem for the EMA generator")
    ap.add_argument("--minutes", type=float, default=None, help="training-time budget (stops at a chunk boundary)")
    ap.add_argument("--steps", type=int, default=None, help="number of G steps (deterministic length)")
    ap.add_argument("--work-dir", default=None, help="resumable loop checkpoints (default: .cache/faces_gan_<res>)")
    ap.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --work-dir")
    ap.add_argument("--chunk", type=int, default=200, help="steps between checkpoints/exports")
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--pool-size", type=int, default=16384)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: $OMP_NUM_THREADS or torch's)")
    ap.add_argument("--smoke", action="store_true", help="tiny model, 32 px, a few steps (for tests)")
    args = ap.parse_args(argv)
    if args.steps is None and args.minutes is None:
        args.minutes = 0.5 if args.smoke else 70.0
    return args


def save_preview(G, path: Path, n: int = 32, seed: int = 0) -> None:
    """A grid of EMA samples (truncation 0.7, constant noise) to watch training from the log folder."""
    import numpy as np
    import torch
    from PIL import Image

    with torch.no_grad():
        z = torch.randn(n, G.cfg.z_dim, generator=torch.Generator().manual_seed(seed))
        img = G(z=z, truncation_psi=0.7, noise_mode="const").clamp(-1, 1)
    img = ((img + 1) * 127.5).round().byte().numpy()  # (n, 3, R, R)
    r = G.resolution
    grid = img.reshape(4, n // 4, 3, r, r).transpose(0, 3, 1, 4, 2).reshape(4 * r, n // 4 * r, 3)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(grid)).save(path)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("GANBOOK_PROGRESS", "0")  # one log line per chunk instead of a bar in the log file
    import torch

    from ganbook.drag.training import FacesGANConfig, save_generator, train
    from ganbook.models.stylegan2 import StyleGAN2Config
    from ganbook.paths import cache_dir, repo_root
    from ganbook.runtime import seed_everything

    if args.threads:
        torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    if args.smoke:
        model = StyleGAN2Config(resolution=32, z_dim=32, w_dim=32, mapping_layers=2, channel_base=256,
                                channel_max=32)
        cfg = FacesGANConfig(model=model, batch_size=8, pool_size=256, seed=args.seed)
        if args.steps is None:
            args.steps = 20
        args.chunk = min(args.chunk, 10)
    else:
        model = StyleGAN2Config(resolution=args.resolution)
        cfg = FacesGANConfig(model=model, batch_size=args.batch_size, pool_size=args.pool_size, seed=args.seed,
                             r1_gamma=round(0.0002 * args.resolution ** 2 / args.batch_size, 6))
    out = Path(args.out)
    out = out if out.is_absolute() else repo_root() / out
    work = Path(args.work_dir) if args.work_dir else cache_dir() / f"faces_gan_{model.resolution}"
    t_start = time.time()

    def export(trainer):
        hist = trainer.history
        last = {k: v[-1] for k, v in hist.items() if k not in ("step", "phase") and v and v[-1] is not None}
        # The command that regenerates exactly this checkpoint: the same flags with the step count fixed.
        regen = ["python", "scripts/train_faces_gan.py", "--steps", str(trainer.step), "--out", str(args.out)]
        for flag in ("resolution", "batch_size", "pool_size", "seed"):
            default = parse_args([]).__dict__[flag]
            if getattr(args, flag) != default:
                regen += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
        if args.smoke:
            regen.append("--smoke")
        meta = {"trained_steps": trainer.step, "images_seen": trainer.step * cfg.batch_size,
                "train_seconds": round(trainer.seconds, 1), "train_config": cfg.to_dict(),
                "dataset": "ganbook.drag.data procedural faces (pool of %d, seed %d)" % (cfg.pool_size, cfg.data_seed),
                "command": shlex.join(regen), "invoked_as": shlex.join(["python", *sys.argv]),
                "torch": torch.__version__, "last_losses": last, "note": "weights are G_ema (EMA of G)"}
        path = save_generator(out, trainer.G_ema, meta)
        save_preview(trainer.G_ema, work / f"preview_{trainer.step:08d}.png")
        per_step = trainer.seconds / max(trainer.step, 1)
        print(f"[{time.strftime('%H:%M:%S')}] step {trainer.step} ({per_step:.2f} s/step, "
              f"{(time.time() - t_start) / 60:.1f} min wall) {' '.join(f'{k}={v:.3f}' for k, v in last.items())} "
              f"-> {path}", flush=True)

    print(f"training faces GAN {model.resolution}px, batch {cfg.batch_size}, threads {torch.get_num_threads()}, "
          f"budget steps={args.steps} minutes={args.minutes}; loop checkpoints in {work}", flush=True)
    train(cfg, steps=args.steps, minutes=args.minutes, work_dir=work, chunk=args.chunk,
          resume=args.resume, on_chunk=export)
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
