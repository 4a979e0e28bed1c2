"""Many independent DragGAN edits in one batch, for benchmarks.

Every edit follows :class:`ganbook.drag.draggan.DragSession` step for step (render, track, stop rule,
motion supervision, one Adam step), but the edits still running are synthesised together, so the
generator's convolutions run on a batch (on 2 cores, 32 edits of the 64-px generator take ~12 ms per
edit-step against ~34 ms one at a time). The edits do not interact: the generator is frozen and has
no batch statistics, each edit's loss reaches only its own latent, and Adam is elementwise; an edit
that has finished is taken out of the batch and its latent is held fixed from then on.

No movable-region mask here (the benchmark has none); the interactive editor uses ``DragSession``.
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F

from .draggan import (DragConfig, DragResult, _points, drag_radii, draggan_layers, image_to_numpy,
                      motion_supervision_loss, next_points, stop_distance, to_wplus, upsample_features)

__all__ = ["drag_many"]


def drag_many(generator, ws, handles, targets, *, max_steps: int | None = None, track: bool | None = None,
              config: DragConfig | None = None, batch_size: int = 32) -> list[DragResult]:
    """Run one DragGAN edit per (w, handles, targets), ``batch_size`` edits at a time.

    Args:
        generator: a StyleGAN2 :class:`Generator` (kept frozen).
        ws: starting W or W+ codes, one per edit (each as :func:`to_wplus` accepts).
        handles, targets: per edit, (N_i, 2) (x, y) pixels.
        max_steps, track, config: as :func:`ganbook.drag.draggan.drag`.
        batch_size: edits synthesised together.

    Returns:
        One :class:`DragResult` per edit, in order. ``seconds`` is the edit's share of each batched
        step it took part in (the batch's time divided by the edits running), so it is the amortised
        cost, not the latency of a single edit.
    """
    if not (len(ws) == len(handles) == len(targets)):
        raise ValueError(f"ws, handles and targets must have one entry per edit, got {len(ws)}, {len(handles)}, "
                         f"{len(targets)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    cfg = config or DragConfig()
    changes = {**({} if track is None else {"track": track}), **({} if max_steps is None else {"max_steps": max_steps})}
    cfg = DragConfig(**{**cfg.__dict__, **changes})
    results = []
    for lo in range(0, len(ws), batch_size):
        hi = lo + batch_size
        results += _drag_batch(generator, ws[lo:hi], handles[lo:hi], targets[lo:hi], cfg)
    return results


def _drag_batch(G, ws, handles, targets, cfg: DragConfig) -> list[DragResult]:
    G.requires_grad_(False)
    res, n = G.resolution, len(ws)
    H = [_points(h, "handles", res) for h in handles]
    T = [_points(t, "targets", res) for t in targets]
    for i, (h, t) in enumerate(zip(H, T)):
        if len(h) != len(t) or len(h) == 0:
            raise ValueError(f"edit {i}: need as many targets as handles (>= 1), got {len(h)} and {len(t)}")
    layers = draggan_layers(res, G.num_ws)
    k = cfg.num_optimised_ws or layers.num_optimised_ws
    block = layers.feature_block if cfg.feature_block is None else cfg.feature_block
    r1, r2 = drag_radii(res, cfg)
    stop_at = [stop_distance(len(h), cfg) for h in H]
    device = next(G.parameters()).device
    w0 = torch.cat([to_wplus(w, G.num_ws) for w in ws]).to(device)  # (n, num_ws, w_dim)
    w = (w0[:, :k] if cfg.space == "w+" else w0[:, :1]).clone().requires_grad_(True)
    optimizer = torch.optim.Adam([w], lr=cfg.learning_rate)

    points = [h.clone() for h in H]
    refs: list = [None] * n
    trajectory: list[list] = [[] for _ in range(n)]
    images: list = [None] * n
    starts: list = [None] * n
    steps, seconds, done = [0] * n, [0.0] * n, [False] * n
    while not all(done):
        t0 = time.perf_counter()
        active = [i for i in range(n) if not done[i]]
        rows = torch.tensor(active, device=device)
        head = w[rows] if cfg.space == "w+" else w[rows].expand(-1, k, -1)
        full = torch.cat([head, w0[rows, k:]], dim=1)  # (A, num_ws, w_dim)
        img, feats = G.synthesis(full, noise_mode=cfg.noise_mode, return_features=True)
        feat = upsample_features(feats[block], res)  # (A, C, H, W)
        loss, moving = feat.new_zeros(()), []
        per_edit = feat.unbind(0)  # one view per edit; its backward stacks the grads (slices would each add a full-batch zero tensor)
        for j, i in enumerate(active):
            f = per_edit[j][None]
            if refs[i] is None:  # first render: reference features at the (rounded) handles
                hx, hy = H[i].round().long().unbind(1)
                refs[i] = f.detach()[0][:, hy, hx].T.contiguous()  # (N, C)
                if cfg.track:
                    points[i] = H[i].round()
            else:
                points[i] = next_points(f, refs[i], points[i], T[i], r2, cfg)
            images[i] = image_to_numpy(img[j:j + 1])
            starts[i] = images[i] if starts[i] is None else starts[i]
            trajectory[i].append(points[i].numpy().copy())
            if bool(((T[i] - points[i]).norm(dim=1) <= stop_at[i]).all()) or steps[i] >= cfg.max_steps:
                done[i] = True
                continue
            loss = loss + motion_supervision_loss(f, points[i], T[i], r1)
            if cfg.latent_reg:
                loss = loss + cfg.latent_reg * F.l1_loss(full[j:j + 1], w0[i:i + 1])
            moving.append(i)
        if moving:
            still = [i for i in range(n) if i not in moving]
            held = w.detach()[still].clone()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            with torch.no_grad():  # Adam's momentum would still move a finished edit's latent
                w[still] = held
            for i in moving:
                steps[i] += 1
        share = (time.perf_counter() - t0) / len(active)
        for i in active:
            seconds[i] += share

    out = []
    for i in range(n):
        head = w[i:i + 1] if cfg.space == "w+" else w[i:i + 1].expand(-1, k, -1)
        dist = (T[i] - points[i]).norm(dim=1).numpy()
        out.append(DragResult(images[i], points[i].numpy().copy(), np.stack(trajectory[i]), steps[i], seconds[i],
                              1000 * seconds[i] / max(len(trajectory[i]), 1),
                              torch.cat([head, w0[i:i + 1, k:]], dim=1).detach().clone(),
                              bool((dist <= stop_at[i]).all()), starts[i]))
    return out
