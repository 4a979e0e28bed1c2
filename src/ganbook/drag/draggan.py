"""DragGAN (Pan et al., SIGGRAPH 2023): point-based editing by optimising the latent code.

Each step (the official order): synthesise from ws = [w[:, :k], w0[:, k:]], upsample the features of
the chosen block to the image size (bilinear), **track** every handle p_i to the pixel of the r2
window whose feature is nearest (L2 over channels, as the official code; the paper writes L1) to the
handle's feature in the first image, then take an Adam step on w[:, :k] for the **motion
supervision** loss

    L = sum_i mean_{q in disk(p_i, r1)} | sg(F(q)) - F(q + d_i) |  +  lambda * mean |(F - F0) * (1 - M)|

with d_i = (t_i - p_i) / ||t_i - p_i||, F(q + d_i) read by bilinear grid_sample (align_corners=True),
terms with ||t_i - p_i|| <= 1 skipped, and the mask term (lambda = 20) only when the mask M has both
0 and 1. Editing stops when every handle is within 1 px of its target (2 px with more than 5 handles)
or after ``max_steps`` updates.

Coordinates are (x, y) pixels at the API (pixel centres at integers); the official code stores
(row, col), so every index below is written out explicitly.

Radii at small resolutions: r1 = 3 and r2 = 12 are defined at 512 px and scaled by res / 512
(round-half-even as the official code), with floors ``min_r1`` and ``min_r2``. At 64 px the scaled
values are 0.375 -> 0 and 1.5 -> 2, so the floors decide: r1 = 2 (a disk of 5 pixels; r1 = 0 would be
empty and r1 = 1 a single pixel) and r2 = 3 (a 7x7 search window, i.e. +-3 px or ~0.75 feature cells
of the 16x16 block). Both are our choice, set with the shipped generator.

"No tracking" ablation (``track=False``): the handles are never re-located from features; each
step every handle advances along d_i by min(``untracked_speed``, ||t_i - p_i||) pixels (an open-loop
schedule), motion supervision is applied at these nominal points, and the stop rule uses them. The
speed is our choice, calibrated so the ablation is a fair open-loop baseline: with tracking, the shipped
64-px generator at the paper's lr 2e-3 moves a landmark ~5 px in ~90 steps, i.e. ~0.05 px per step,
which is the default. At 1 px/step (what the loss asks for each step) the nominal handles "arrive"
after a few steps while the image has hardly moved: a strawman, not an ablation.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F


__all__ = ["DragLayers", "draggan_layers", "DragConfig", "DragSession", "DragResult", "drag", "drag_radii",
           "stop_distance", "motion_supervision_loss", "mask_loss", "track_points", "to_wplus", "image_to_numpy",
           "upsample_features", "next_points"]


@dataclass(frozen=True)
class DragLayers:
    feature_block: int  # index into the feature list
    feature_resolution: int
    num_optimised_ws: int  # DragGAN optimises ws[:, :k], takes ws[:, k:] from w0


def draggan_layers(resolution: int, num_ws: int | None = None) -> DragLayers:
    """Which block's features DragGAN reads and how many W+ entries it optimises.

    The official code reads the 6th block (index 5, 128x128) for every model it ships, 256 to 1024 px,
    and optimises ws[:, :6], the entries of the 4, 8 and 16 px blocks; so do we from 256 px up. The
    official models stop at 256 px, so for smaller generators we choose a quarter of the output size
    (64 px -> the 16x16 block, index 2; 128 px -> 32x32) and keep k = 6: at 64 px these six entries
    are exactly the ones that drive the 16x16 feature block (ws 0-4) plus its ToRGB (ws 5, shared with
    the 32 px up-conv); ws 6-9 (the 32 and 64 px blocks: fine detail and colour) come from w0.

    Args:
        resolution: generator output size.
        num_ws: the generator's W+ length (defaults to 2 log2(res) - 2).
    """
    num_ws = num_ws or 2 * int(math.log2(resolution)) - 2
    feat_res = 128 if resolution >= 256 else max(4, resolution // 4)
    return DragLayers(int(math.log2(feat_res)) - 2, feat_res, min(6, num_ws))


@dataclass
class DragConfig:
    """DragGAN settings (defaults: the paper's, radii scaled to the resolution).

    Attributes:
        learning_rate: Adam step size on w (paper: 2e-3 for FFHQ-like models).
        space: "w+" (default; k separate vectors) or "w" (one vector shared by the first k layers).
        r1, r2: motion-supervision disk radius and tracking half-window, in pixels at 512 px.
        min_r1, min_r2: floors in pixels after scaling (see the module docstring for 64 px).
        lambda_mask: weight of the fixed-region term (paper 20).
        max_steps: cap on optimiser updates (paper's landmark benchmark: 300).
        stop_distance: override the paper's 1 px (<= 5 handles) / 2 px rule.
        track: point tracking on (DragGAN) or off (the open-loop ablation).
        untracked_speed: pixels per step the handles advance when ``track`` is False (0.05: the
            measured speed of tracked edits on the shipped generator; see the module docstring).
        tracking_norm: "l2" (official code) or "l1" (paper text).
        latent_reg: optional weight of L1(ws, w0) (official default 0).
        num_optimised_ws, feature_block: override :func:`draggan_layers`.
        noise_mode: the generator's noise ("const", as DragGAN).
    """

    learning_rate: float = 2e-3
    space: str = "w+"
    r1: float = 3.0
    r2: float = 12.0
    min_r1: int = 2
    min_r2: int = 3
    lambda_mask: float = 20.0
    max_steps: int = 300
    stop_distance: float | None = None
    track: bool = True
    untracked_speed: float = 0.05
    tracking_norm: str = "l2"
    latent_reg: float = 0.0
    num_optimised_ws: int | None = None
    feature_block: int | None = None
    noise_mode: str = "const"

    def __post_init__(self):
        if self.space not in ("w", "w+"):
            raise ValueError(f"DragConfig.space must be 'w' or 'w+', got {self.space!r}")
        if self.tracking_norm not in ("l1", "l2"):
            raise ValueError(f"DragConfig.tracking_norm must be 'l1' or 'l2', got {self.tracking_norm!r}")
        if self.learning_rate <= 0 or self.max_steps < 0 or self.untracked_speed <= 0:
            raise ValueError("DragConfig needs learning_rate > 0, max_steps >= 0 and untracked_speed > 0")


def drag_radii(resolution: int, cfg: DragConfig | None = None) -> tuple[int, int]:
    """(r1, r2) in pixels: the 512-px radii scaled by resolution / 512, with the configured floors."""
    cfg = cfg or DragConfig()
    return max(cfg.min_r1, round(cfg.r1 * resolution / 512)), max(cfg.min_r2, round(cfg.r2 * resolution / 512))


def stop_distance(num_handles: int, cfg: DragConfig | None = None) -> float:
    """The paper's stop threshold: 1 px with up to 5 handles, 2 px with more."""
    if cfg is not None and cfg.stop_distance is not None:
        return float(cfg.stop_distance)
    return 1.0 if num_handles <= 5 else 2.0


def motion_supervision_loss(feat: torch.Tensor, handles: torch.Tensor, targets: torch.Tensor,
                            r1: float) -> torch.Tensor:
    """Pull the features around each handle one pixel towards its target.

    Args:
        feat: (1, C, H, W) features at image resolution (with gradient).
        handles, targets: (N, 2) as (x, y) pixels.
        r1: disk radius; pixels q with ||q - p|| < r1 take part.
    """
    _, _, h, w = feat.shape
    ys, xs = torch.meshgrid(torch.arange(h, device=feat.device), torch.arange(w, device=feat.device), indexing="ij")
    loss = feat.new_zeros(())
    for p, t in zip(handles.tolist(), targets.tolist()):
        d = np.subtract(t, p)
        dist = float(np.hypot(*d))
        if dist <= 1.0:  # close enough: no term (official code)
            continue
        dx, dy = d / (dist + 1e-7)
        qy, qx = torch.where((xs - p[0]) ** 2 + (ys - p[1]) ** 2 < r1 ** 2)  # rows, cols of the disk
        if qy.numel() == 0:
            raise ValueError(f"motion supervision disk around {p} with r1={r1} is empty; raise DragConfig.min_r1")
        grid = torch.stack([(qx + dx) / (w - 1) * 2 - 1, (qy + dy) / (h - 1) * 2 - 1], dim=-1)  # (M, 2) as (x, y)
        shifted = F.grid_sample(feat, grid[None, None].to(feat.dtype), mode="bilinear",
                                align_corners=True)  # (1, C, 1, M)
        loss = loss + F.l1_loss(shifted[:, :, 0], feat[:, :, qy, qx].detach())
    return loss


def mask_loss(feat: torch.Tensor, feat0: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean |(F - F0) * (1 - M)|: keep the features of the fixed region (M = 0) as they were.

    Only applied when the movable-region mask M has both 0 and 1 (as the official GUI).
    """
    if mask is None or not (mask.min() == 0 and mask.max() == 1):
        return feat.new_zeros(())
    fixed = (1 - mask).to(feat)[None, None]  # (1, 1, H, W)
    return F.l1_loss(feat * fixed, feat0 * fixed)


@torch.no_grad()
def track_points(feat: torch.Tensor, refs: torch.Tensor, points: torch.Tensor, r2: int,
                 norm: str = "l2") -> torch.Tensor:
    """Move every point to the pixel of its (2 r2 + 1)^2 window (clipped to the image) nearest to its reference feature.

    Args:
        feat: (1, C, H, W) current features.
        refs: (N, C) features of the handles in the first image.
        points: (N, 2) current (x, y).
        r2: half-size of the square search window.
        norm: "l2" or "l1" over channels.

    Returns:
        (N, 2) integer-valued (x, y).
    """
    _, _, h, w = feat.shape
    out = torch.empty_like(points)
    for j, (x, y) in enumerate(points.round().long().tolist()):
        y0, y1, x0, x1 = max(y - r2, 0), min(y + r2 + 1, h), max(x - r2, 0), min(x + r2 + 1, w)
        diff = feat[0, :, y0:y1, x0:x1] - refs[j][:, None, None]  # (C, wh, ww)
        cost = diff.abs().sum(0) if norm == "l1" else diff.square().sum(0)
        idx = int(torch.argmin(cost))
        out[j, 0], out[j, 1] = x0 + idx % (x1 - x0), y0 + idx // (x1 - x0)
    return out


def next_points(feat: torch.Tensor, refs: torch.Tensor, points: torch.Tensor, targets: torch.Tensor, r2: int,
                cfg: DragConfig) -> torch.Tensor:
    """Where the handles are after a step: tracked in ``feat`` (1, C, H, W) when ``cfg.track``, else
    advanced open-loop by ``cfg.untracked_speed`` px along the drag direction (the ablation)."""
    if cfg.track:
        return track_points(feat.detach(), refs, points, r2, cfg.tracking_norm)
    d = targets - points
    dist = d.norm(dim=1, keepdim=True)
    return points + d / (dist + 1e-7) * dist.clamp(max=cfg.untracked_speed)


def _bilinear_weights(n_in: int, n_out: int, like: torch.Tensor) -> torch.Tensor:
    """(n_out, n_in) matrix of bilinear interpolation with align_corners=False (sources below 0 clamp to 0)."""
    src = ((torch.arange(n_out, dtype=torch.float64) + 0.5) * n_in / n_out - 0.5).clamp(min=0)
    lo = src.floor().long().clamp(max=n_in - 1)
    hi = (lo + 1).clamp(max=n_in - 1)
    frac = src - lo
    m = torch.zeros(n_out, n_in, dtype=torch.float64)
    m[torch.arange(n_out), lo] += 1 - frac
    m[torch.arange(n_out), hi] += frac
    return m.to(dtype=like.dtype, device=like.device)


def upsample_features(feat: torch.Tensor, size: int) -> torch.Tensor:
    """(N, C, h, w) -> (N, C, size, size), bilinear as ``F.interpolate(..., align_corners=False)``.

    Written as two small matrix products: bilinear resizing is separable, and on a CPU the products run
    several times faster than torch's upsampling kernel, forward and backward, for DragGAN's many channels.
    """
    _, _, h, w = feat.shape
    if (h, w) == (size, size):
        return feat
    rows, cols = _bilinear_weights(h, size, feat), _bilinear_weights(w, size, feat)
    return torch.matmul(rows, torch.matmul(feat, cols.T))  # (size, h) @ (N, C, h, size)


def to_wplus(w, num_ws: int) -> torch.Tensor:
    """Accept w as (w_dim,), (1, w_dim), (num_ws, w_dim) or (1, num_ws, w_dim); return (1, num_ws, w_dim)."""
    w = torch.as_tensor(np.asarray(w) if not isinstance(w, torch.Tensor) else w).float().detach()
    if w.ndim == 1:
        w = w[None]
    if w.ndim == 2:
        w = w[:, None].expand(-1, num_ws, -1) if w.shape[0] == 1 else w[None]
    if w.ndim != 3 or w.shape[:2] != (1, num_ws):
        raise ValueError(f"w must be a W code (w_dim,) / (1, w_dim) or a W+ code (1, {num_ws}, w_dim); "
                         f"got shape {tuple(w.shape)}")
    return w.contiguous().clone()


def image_to_numpy(img: torch.Tensor) -> np.ndarray:
    """(1, 3, H, W) in [-1, 1] -> (H, W, 3) float32 in [0, 1]."""
    return ((img[0].detach().float().clamp(-1, 1) + 1) / 2).permute(1, 2, 0).cpu().numpy()


def _points(arr, name: str, res: int) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(arr, dtype=np.float32)).reshape(-1, 2)
    if t.numel() and (t.min() < 0 or t.max() > res - 1):
        raise ValueError(f"{name} must be (x, y) pixels inside the {res}x{res} image, got {t.tolist()}")
    return t


class DragSession:
    """One DragGAN edit, advanced one optimisation step at a time (what an interactive editor needs).

    Args:
        generator: a :class:`ganbook.models.stylegan2.Generator` (kept frozen).
        w: the starting latent, W or W+ (see :func:`to_wplus`).
        handles, targets: (N, 2) (x, y) pixels.
        mask: optional (H, W) movable-region mask, 1 where the image may change (what the user paints).
        config: a :class:`DragConfig`.
    """

    def __init__(self, generator, w, handles, targets, mask=None, config: DragConfig | None = None):
        self.G, self.cfg = generator, config or DragConfig()
        self.G.requires_grad_(False)
        res = generator.resolution
        self.handles, self.targets = _points(handles, "handles", res), _points(targets, "targets", res)
        if len(self.handles) != len(self.targets) or len(self.handles) == 0:
            raise ValueError(f"need as many targets as handles (>= 1), got {len(self.handles)} and {len(self.targets)}")
        self.mask = None
        if mask is not None:
            self.mask = torch.as_tensor(np.asarray(mask, dtype=np.float32))
            if self.mask.shape != (res, res):
                raise ValueError(f"mask must have shape ({res}, {res}), got {tuple(self.mask.shape)}")
        layers = draggan_layers(res, generator.num_ws)
        self.k = self.cfg.num_optimised_ws or layers.num_optimised_ws
        self.feature_block = layers.feature_block if self.cfg.feature_block is None else self.cfg.feature_block
        self.r1, self.r2 = drag_radii(res, self.cfg)
        self.stop_at = stop_distance(len(self.handles), self.cfg)
        device = next(generator.parameters()).device
        self.w0 = to_wplus(w, generator.num_ws).to(device)  # (1, num_ws, w_dim)
        init = self.w0[:, :self.k] if self.cfg.space == "w+" else self.w0[:, :1]
        self.w = init.clone().requires_grad_(True)
        self.optimizer = torch.optim.Adam([self.w], lr=self.cfg.learning_rate)
        self.points = self.handles.clone()
        self.trajectory: list[np.ndarray] = []
        self.feat0 = self.refs = None
        self.steps, self.done, self.seconds = 0, False, 0.0
        self.image: np.ndarray | None = None
        self.losses: list[float] = []

    @property
    def ws(self) -> torch.Tensor:
        """The full W+ code: optimised first k layers, the rest from w0 (1, num_ws, w_dim)."""
        head = self.w if self.cfg.space == "w+" else self.w.expand(-1, self.k, -1)
        return torch.cat([head, self.w0[:, self.k:]], dim=1)

    def distances(self) -> np.ndarray:
        """Current ||t_i - p_i|| in pixels."""
        return (self.targets - self.points).norm(dim=1).numpy()

    @property
    def ms_per_step(self) -> float:
        return 1000 * self.seconds / max(len(self.trajectory), 1)

    def step(self) -> tuple[np.ndarray, np.ndarray]:
        """Render, track, and (unless finished) update w once.

        Returns:
            image (H, W, 3) float32 in [0, 1] of the current latent, and the (N, 2) (x, y) points
            located in it.
        """
        if self.done:
            return self.image, self.points.numpy().copy()
        t0 = time.perf_counter()
        img, feats = self.G.synthesis(self.ws, noise_mode=self.cfg.noise_mode, return_features=True)
        feat = upsample_features(feats[self.feature_block], self.G.resolution)  # bilinear to the image size
        if self.feat0 is None:  # first step: reference features at the (rounded) handles
            self.feat0 = feat.detach()
            hx, hy = self.handles.round().long().unbind(1)
            self.refs = self.feat0[0][:, hy, hx].T.contiguous()  # (N, C)
            if self.cfg.track:
                self.points = self.handles.round()
        else:
            self.points = next_points(feat, self.refs, self.points, self.targets, self.r2, self.cfg)
        self.image = image_to_numpy(img)
        self.trajectory.append(self.points.numpy().copy())
        if (self.distances() <= self.stop_at).all() or self.steps >= self.cfg.max_steps:
            self.done = True
        else:
            loss = motion_supervision_loss(feat, self.points, self.targets, self.r1)
            if self.cfg.lambda_mask:
                loss = loss + self.cfg.lambda_mask * mask_loss(feat, self.feat0, self.mask)
            if self.cfg.latent_reg:
                loss = loss + self.cfg.latent_reg * F.l1_loss(self.ws, self.w0)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            self.losses.append(float(loss.detach()))
            self.steps += 1
        self.seconds += time.perf_counter() - t0
        return self.image, self.points.numpy().copy()


@dataclass
class DragResult:
    image: np.ndarray  # (H, W, 3) float32 in [0, 1]
    points: np.ndarray  # (N, 2) final (x, y)
    trajectory: np.ndarray  # (T, N, 2) points after each render
    steps: int  # optimiser updates
    seconds: float
    ms_per_step: float
    ws: torch.Tensor  # final W+ code (1, num_ws, w_dim)
    converged: bool  # stop rule met (not the step cap)
    start_image: np.ndarray = field(repr=False, default=None)


def drag(generator, w, handles, targets, mask=None, max_steps: int | None = None, track: bool | None = None,
         config: DragConfig | None = None, callback=None) -> DragResult:
    """Run a DragGAN edit to completion (blocking).

    Args:
        generator: a StyleGAN2 :class:`Generator`.
        w: starting W or W+ code.
        handles, targets: (N, 2) (x, y) pixels.
        mask: optional (H, W) movable-region mask (1 = may change).
        max_steps: cap on updates (default: the config's, 300).
        track: False runs the open-loop "no tracking" ablation (None: the config's ``track``).
        config: a :class:`DragConfig` (``max_steps`` and ``track``, when given, override it).
        callback: ``fn(session, image, points)`` after every step.
    """
    cfg = config or DragConfig()
    changes = {**({} if track is None else {"track": track}), **({} if max_steps is None else {"max_steps": max_steps})}
    cfg = DragConfig(**{**cfg.__dict__, **changes})
    session = DragSession(generator, w, handles, targets, mask, cfg)
    start = None
    while not session.done:
        image, points = session.step()
        start = image if start is None else start
        if callback is not None:
            callback(session, image, points)
    dist = session.distances()
    return DragResult(session.image, session.points.numpy().copy(), np.stack(session.trajectory), session.steps,
                      session.seconds, session.ms_per_step, session.ws.detach().clone(),
                      bool((dist <= session.stop_at).all()), start)
