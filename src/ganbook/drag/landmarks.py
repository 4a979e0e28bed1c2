"""A small landmark regressor for the procedural faces: where did the landmarks end up after an edit?

DragGAN's landmark benchmark needs a detector; ours is a tiny U-Net that predicts one heatmap per
landmark at half resolution and reads the (x, y) position off it with a soft-argmax (differentiable,
sub-pixel), trained with an L1 loss in pixels on rendered faces whose landmarks are exact.
Augmentations (noise, blur, colour and brightness jitter, small shifts) make it usable on
generated images, which are blurrier than renders. It reports its own held-out error.

    python -m ganbook.drag.landmarks --out src/ganbook/assets/landmarks64   # ~1 minute on 2 cores
"""
from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..checkpoint import load_checkpoint, save_checkpoint
from .data import LANDMARK_NAMES, make_faces

__all__ = ["LandmarkConfig", "LandmarkNet", "train_landmark_regressor", "detect_landmarks", "landmark_error",
           "save_regressor", "load_regressor", "shipped_regressor"]


@dataclass
class LandmarkConfig:
    """Regressor size and training budget.

    Attributes:
        size: image size in pixels.
        width: channels of the first stage (doubling twice going down).
        num_train, num_test: rendered faces for training / held-out testing.
        steps: Adam steps (batch ``batch_size``), one-cycle schedule peaking at ``learning_rate``.
        seed: seeds data (train faces use ``seed``, test faces ``seed + 1``) and initialisation.
    """

    size: int = 64
    width: int = 16
    num_train: int = 2000
    num_test: int = 500
    steps: int = 800
    batch_size: int = 32
    learning_rate: float = 3e-3
    seed: int = 0


def _conv(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.ReLU(inplace=True))


class LandmarkNet(nn.Module):
    """Image (B, 3, S, S) in [0, 1] -> landmarks (B, K, 2) as (x, y) pixels."""

    def __init__(self, num_landmarks: int = len(LANDMARK_NAMES), width: int = 16):
        super().__init__()
        c = width
        self.enc1 = nn.Sequential(_conv(3, c, 2), _conv(c, c))  # S/2
        self.enc2 = nn.Sequential(_conv(c, 2 * c, 2), _conv(2 * c, 2 * c))  # S/4
        self.enc3 = nn.Sequential(_conv(2 * c, 4 * c, 2), _conv(4 * c, 4 * c))  # S/8: sees the whole face
        self.dec2 = _conv(6 * c, 2 * c)
        self.dec1 = _conv(3 * c, c)
        self.head = nn.Conv2d(c, num_landmarks, 1)

    def heatmaps(self, x):
        e1 = self.enc1(x * 2 - 1)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        d2 = self.dec2(torch.cat([F.interpolate(e3, scale_factor=2.0), e2], 1))
        d1 = self.dec1(torch.cat([F.interpolate(d2, scale_factor=2.0), e1], 1))
        return self.head(d1)  # (B, K, S/2, S/2) logits

    def forward(self, x):
        logits = self.heatmaps(x)
        b, k, h, w = logits.shape
        prob = logits.flatten(2).softmax(-1).view(b, k, h, w)
        scale = x.shape[-1] / w
        # Heatmap cell j covers image pixels [j*scale, (j+1)*scale): its centre is (j + 0.5) * scale - 0.5.
        cx = (torch.arange(w, device=x.device, dtype=prob.dtype) + 0.5) * scale - 0.5
        cy = (torch.arange(h, device=x.device, dtype=prob.dtype) + 0.5) * scale - 0.5
        return torch.stack([(prob.sum(2) * cx).sum(-1), (prob.sum(3) * cy).sum(-1)], dim=-1)  # (B, K, 2)


def _augment(img: torch.Tensor, lm: torch.Tensor, g: torch.Generator):
    """Noise, blur, colour/brightness jitter and integer shifts (landmarks shifted with the image)."""
    b = img.shape[0]
    gain = 1 + 0.15 * (torch.rand(b, 3, 1, 1, generator=g) - 0.5) * 2
    img = img * gain + 0.08 * (torch.rand(b, 1, 1, 1, generator=g) - 0.5)
    if torch.rand((), generator=g) < 0.5:  # GAN samples are softer than renders
        k = torch.tensor([1.0, 2.0, 1.0])
        k = (torch.outer(k, k) / 16).expand(3, 1, 3, 3)
        img = F.conv2d(F.pad(img, (1, 1, 1, 1), mode="replicate"), k, groups=3)
    img = img + 0.03 * torch.rand((), generator=g) * torch.randn(img.shape, generator=g)
    sx, sy = (int(v) for v in torch.randint(-3, 4, (2,), generator=g))
    img = torch.roll(img, shifts=(sy, sx), dims=(2, 3))
    return img.clamp(0, 1), lm + torch.tensor([sx, sy], dtype=lm.dtype)


def landmark_error(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """Euclidean error per landmark, averaged over images: (K,) in pixels."""
    return np.linalg.norm(np.asarray(pred) - np.asarray(true), axis=-1).mean(0)


@torch.no_grad()
def detect_landmarks(model: LandmarkNet, images, batch_size: int = 64) -> np.ndarray:
    """Landmarks of images given as (N, H, W, 3) or (N, 3, H, W) float in [0, 1] (numpy or torch) -> (N, K, 2)."""
    if isinstance(images, torch.Tensor):
        x = images.detach().float().cpu()
    else:
        x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    if x.ndim == 3:
        x = x[None]
    if x.shape[-1] == 3 and x.shape[1] != 3:
        x = x.permute(0, 3, 1, 2)  # (N, 3, H, W)
    model.eval()
    return torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]).numpy()


def train_landmark_regressor(cfg: LandmarkConfig | None = None, progress=None) -> tuple[LandmarkNet, dict]:
    """Train on rendered faces and measure the held-out error.

    Args:
        cfg: a :class:`LandmarkConfig`.
        progress: optional ``fn(step, loss)`` every 50 steps.

    Returns:
        The model (eval mode) and a report: mean / per-landmark test error in px, seconds.
    """
    cfg = cfg or LandmarkConfig()
    t0 = time.perf_counter()
    torch.manual_seed(cfg.seed)
    train_x, train_y, _ = make_faces(cfg.num_train, seed=cfg.seed, size=cfg.size, chw=True)
    test_x, test_y, _ = make_faces(cfg.num_test, seed=cfg.seed + 1, size=cfg.size, chw=True)
    train_x, train_y = torch.from_numpy(train_x), torch.from_numpy(train_y)
    model = LandmarkNet(train_y.shape[1], cfg.width)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.learning_rate, total_steps=cfg.steps, pct_start=0.1)
    g = torch.Generator().manual_seed(cfg.seed)
    model.train()
    for step in range(cfg.steps):
        idx = torch.randint(len(train_x), (cfg.batch_size,), generator=g)
        x, y = _augment(train_x[idx], train_y[idx], g)
        loss = (model(x) - y).abs().mean()  # L1 in pixels: keeps pulling at sub-pixel errors
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if progress is not None and step % 50 == 0:
            progress(step, float(loss))
    model.eval()
    err = landmark_error(detect_landmarks(model, test_x), test_y)
    report = {"test_error_px": float(err.mean()), "per_landmark_px": dict(zip(LANDMARK_NAMES, err.round(3).tolist())),
              "train_seconds": round(time.perf_counter() - t0, 1), "config": asdict(cfg)}
    return model, report


def save_regressor(path, model: LandmarkNet, cfg: LandmarkConfig, report: dict) -> Path:
    return save_checkpoint(path, model.state_dict(), {"kind": "landmark-regressor", "config": asdict(cfg),
                                                      "report": report, "landmarks": list(LANDMARK_NAMES)})


def shipped_regressor() -> Path:
    """Path of the regressor shipped with the package (``ganbook/assets/landmarks64.json``)."""
    return Path(__file__).resolve().parents[1] / "assets" / "landmarks64.json"


def load_regressor(path=None) -> tuple[LandmarkNet, dict]:
    """Load a regressor written by :func:`save_regressor` (default: the shipped one) and its metadata."""
    path = shipped_regressor() if path is None else path
    tensors, meta = load_checkpoint(path)
    if meta.get("kind") != "landmark-regressor":
        raise ValueError(f"{path}: not a landmark-regressor checkpoint (kind={meta.get('kind')!r})")
    cfg = LandmarkConfig(**meta["config"])
    model = LandmarkNet(len(meta["landmarks"]), cfg.width)
    model.load_state_dict(tensors)
    return model.eval(), meta


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Train the faces landmark regressor and save it.")
    ap.add_argument("--out", required=True, help="checkpoint stem, e.g. src/ganbook/assets/landmarks64")
    ap.add_argument("--steps", type=int, default=LandmarkConfig.steps)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    cfg = LandmarkConfig(steps=args.steps, seed=args.seed)
    model, report = train_landmark_regressor(cfg, progress=lambda s, v: print(f"step {s} loss {v:.3f}", flush=True))
    report["command"] = f"python -m ganbook.drag.landmarks --out {args.out} --steps {args.steps} --seed {args.seed}"
    print(f"test error {report['test_error_px']:.3f} px in {report['train_seconds']} s -> "
          f"{save_regressor(args.out, model, cfg, report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
