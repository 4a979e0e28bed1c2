"""Evaluating RWMAN(P) and MedSRGAN: inference, the compared methods, per-slice outputs, body-masked scores."""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from ..data.degrade import average_pool, baseline_upsample
from ..sr.common import sr_scores, swd_scores
from ..sr.tiling import tiled_apply
from .config import MedSRGANConfig
from .data import TrainingData
from .training import TrainedMedSRGAN


def super_resolve(model: torch.nn.Module, lr: np.ndarray, cfg: MedSRGANConfig, *, device="cpu",
                  tile: int | None = None, overlap: int = 16, batch_size: int = 4) -> np.ndarray:
    """Super-resolve one normalised LR slice (H, W) → (4H, 4W), clipped to [0, 1], float32.

    Args:
        model: a trained RWMAN in eval mode.
        lr: the LR slice in [0, 1].
        cfg: the run's config (MedSRGAN has no tiling setting: the slice goes through whole).
        device: where the model runs.
        tile: LR tile size for :func:`ganbook.sr.tiling.tiled_apply` (None: the whole slice at once).
        overlap: LR overlap between tiles.
        batch_size: tiles per model call.
    """
    x = torch.from_numpy(np.ascontiguousarray(lr, np.float32))[None, None]
    if tile is None:
        with torch.no_grad():
            y = model(x.to(device))
    else:
        y = tiled_apply(model, x, 4, max(tile, 2 * overlap + 1), overlap, 2, batch_size=batch_size, device=device)
    return y[0, 0].float().clamp(0, 1).cpu().numpy()


def method_table(trained: TrainedMedSRGAN, cfg: MedSRGANConfig, *, device="cpu",
                 sweep: Mapping[str, TrainedMedSRGAN] | None = None) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """The compared methods (:data:`METHODS`, then the sweep's), each as LR slice → HR-sized slice in [0, 1].

    bicubic interpolation (from the pooled samples' positions), RWMAN(P), MedSRGAN and each
    :func:`~ganbook.medsrgan.adversarial_sweep` generator under its ``GAN(lambda=…)`` name.
    """
    table = {"bicubic": lambda lr: np.clip(baseline_upsample(lr, "average_pool", 4), 0, 1).astype(np.float32),
             "RWMAN(P)": lambda lr: super_resolve(trained.psnr_model, lr, cfg, device=device),
             "MedSRGAN": lambda lr: super_resolve(trained.gan_model, lr, cfg, device=device)}
    for name, run in (sweep or {}).items():
        table[name] = lambda lr, g=run.gan_model: super_resolve(g, lr, cfg, device=device)
    return table


def predictions(trained: TrainedMedSRGAN, data: TrainingData, cfg: MedSRGANConfig, *, device="cpu",
                sweep: Mapping[str, TrainedMedSRGAN] | None = None) -> list[dict[str, np.ndarray]]:
    """Every method's output on the held-out slices: ``[{"HR", "LR", method: SR image}]``, one per test slice.

    LR is the 4×4 average pool of HR, the paper's degradation.
    """
    methods = method_table(trained, cfg, device=device, sweep=sweep)
    outputs = []
    for hr in data.test:
        lr = average_pool(hr, 4)
        outputs.append({"HR": hr, "LR": lr, **{m: fn(lr) for m, fn in methods.items()}})
    return outputs


def evaluate(trained: TrainedMedSRGAN, data: TrainingData, cfg: MedSRGANConfig, *, device="cpu",
             outputs: Sequence[dict[str, np.ndarray]] | None = None,
             sweep: Mapping[str, TrainedMedSRGAN] | None = None) -> dict[str, dict[str, float]]:
    """PSNR / SSIM inside the body, sharpness and consistency of every method on the held-out slices.

    Args:
        trained: from :func:`~ganbook.medsrgan.train`.
        data: the held-out slices and body masks.
        cfg: the run's config.
        device: where the models run.
        outputs: :func:`predictions` of the same models on ``data``, if already computed (saves the inference).
        sweep: the :func:`~ganbook.medsrgan.adversarial_sweep` generators, scored too (unless ``outputs`` is given:
            then every method in it is scored).

    Returns:
        scores[method][metric] = mean over the test slices (metrics of :func:`ganbook.sr.common.sr_scores`),
        plus ``swd`` with its CI over all test slices' body patches (:func:`ganbook.sr.common.swd_scores`);
        scores["HR"] holds the SWD noise floor (``swd_floor``, ``swd_floor_ci_low``, ``swd_floor_ci_high``).
    """
    if outputs is None:
        outputs = predictions(trained, data, cfg, device=device, sweep=sweep)
    methods = [m for m in outputs[0] if m not in ("HR", "LR")]
    scores = {m: {} for m in methods}
    for out, mask in zip(outputs, data.test_masks):
        for m in methods:
            for k, v in sr_scores(out[m], out["HR"], out["LR"], mask, scale=4,
                                  degrade=lambda x: average_pool(x, 4)).items():
                scores[m].setdefault(k, []).append(v)
    result = {m: {k: float(np.mean(v)) for k, v in s.items()} for m, s in scores.items()}
    realism, floor = swd_scores({m: [o[m] for o in outputs] for m in methods}, [o["HR"] for o in outputs],
                                list(data.test_masks))
    for m in methods:
        result[m].update(realism[m])
    return {**result, "HR": floor}
