"""The 3-D SRGAN of Sánchez & Vilaplana: networks, the two-stage training run, export and a summary line.

The method (Sánchez & Vilaplana, MIDL 2018): a 3-D SRResNet generator (32 filters, 6 residual blocks, sub-pixel
×2 stages), a least-squares discriminator, and the generator loss MSE + 0.1·LSGAN + gradient
difference (GDL), all summed over voxels as in the paper's code. Two stages share one training run:

* ``"SRResNet3D(P)"`` — the pixel-loss stage (MSE + GDL, or MSE alone), no discriminator;
* ``"SRGAN3D"`` — the same generator continued with the full loss against the discriminator, with
  soft, noisy LSGAN labels drawn afresh every step (the paper's intent; its TF code fixed the label
  swap at graph-build time — a bug not copied here). The generator's LSGAN target is a plain 1 (ours;
  the code also smoothed it).
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..losses.gan import discriminator_accuracy
from ..losses.sr import SVWeights, gradient_difference_loss, sv_discriminator_loss, sv_generator_loss
from ..models import LSDiscriminator, SRResNet
from ..sr.export import ModelCard, save_sr_model
from ..sr.common import sweep_name
from ..train import TrainConfig, Trainer
from .config import Brain3DConfig, _fmt
from .data import Case, make_sampler

__all__ = ["METHODS", "build_generator", "build_discriminator", "TrainedBrain3D", "train", "adversarial_sweep",
           "sweep_name", "save_models", "describe"]


def build_generator(cfg: Brain3DConfig) -> SRResNet:
    """The 3-D SRResNet; with ``cfg.residual_interp`` a correction to ``cfg.residual_base`` interpolation
    from the sampled positions (``s//2``, also what the output grid assumes)."""
    return SRResNet(num_features=cfg.num_features, num_blocks=cfg.num_blocks, scale=cfg.scale, spatial_dims=3,
                    residual_interp=cfg.residual_interp, sample_offset=cfg.scale // 2, upsample=cfg.upsample,
                    residual_base=cfg.residual_base)


def build_discriminator(cfg: Brain3DConfig) -> LSDiscriminator:
    """The least-squares discriminator sized for the HR patch."""
    return LSDiscriminator(num_features=cfg.d_features, patch_size=tuple(cfg.hr_patch), spatial_dims=3,
                           dense_features=cfg.d_dense)


METHODS = ("SRResNet3D(P)", "SRGAN3D")  # the two stages' names, as tables and model cards call them


@dataclass
class TrainedBrain3D:
    """Result of :func:`train`: the pixel-stage and GAN-stage generators (eval mode, CPU layout).

    Attributes:
        pixel: SRResNet3D(P), the generator at the end of the pixel stage.
        gan: SRGAN3D, the same generator after the GAN stage (None when ``gan_steps=0``).
        history: the Trainer's loss history (both stages).
        seconds: training wall time.
    """

    pixel: SRResNet
    gan: SRResNet | None
    history: dict
    seconds: float

    @property
    def models(self) -> dict[str, SRResNet]:
        """``{method: generator}`` for the stages that were trained, in training order."""
        return {name: m for name, m in zip(METHODS, (self.pixel, self.gan)) if m is not None}


def train(case: Case | Sequence[Case], cfg: Brain3DConfig, *, pretrain_steps: int | None = None,
          gan_steps: int | None = None, seed: int = 0, device: Any = "cpu", checkpoint_dir: str | Path | None = None,
          desc: str = "3-D SR", generator: SRResNet | None = None, adversarial: float | None = None) -> TrainedBrain3D:
    """Train SRResNet3D(P) for ``pretrain_steps``, then continue as SRGAN3D for ``gan_steps`` (one Trainer).

    Args:
        case: the training volume(s), LR made by one degradation.
        cfg: sizes, losses and learning rates.
        pretrain_steps, gan_steps: steps of the two stages (None: ``cfg.pretrain_steps`` / ``cfg.gan_steps``;
            ``gan_steps=0``: pixel stage only).
        seed: initialisation and patch sampling.
        device: torch device.
        checkpoint_dir: Trainer checkpoints for resume (None: none).
        desc: progress-bar label.
        generator: start from a copy of this generator instead of a fresh one (e.g. SRResNet3D(P) for a GAN
            stage alone, ``pretrain_steps=0``).
        adversarial: the LSGAN weight of the generator loss (None: the paper's 0.1).
    """
    pretrain_steps = cfg.pretrain_steps if pretrain_steps is None else pretrain_steps
    gan_steps = cfg.gan_steps if gan_steps is None else gan_steps
    torch.manual_seed(seed)
    fmt = _fmt(cfg)
    G = (build_generator(cfg) if generator is None else copy.deepcopy(generator).train()).to(device, memory_format=fmt)
    D = build_discriminator(cfg).to(device, memory_format=fmt) if gan_steps else None
    gdl_weight = 1.0 if cfg.pixel_loss == "mse+gdl" else 0.0
    weights = SVWeights(gdl=gdl_weight, reduction=cfg.reduction,
                        **({} if adversarial is None else {"adversarial": float(adversarial)}))

    def pixel_loss(batch):
        lr, hr, _ = batch
        sr = G(lr).float()
        mse = F.mse_loss(sr, hr, reduction=cfg.reduction)
        gdl = gradient_difference_loss(sr, hr, reduction=cfg.reduction)
        return mse + gdl_weight * gdl, {"mse": float(mse.detach()), "gdl": float(gdl.detach())}

    def g_loss(batch):
        lr, hr, _ = batch
        sr = G(lr)
        return sv_generator_loss(weights, sr, hr, D(sr))

    def d_loss(batch):
        lr, hr, labels = batch
        with torch.no_grad():
            sr = G(lr)
        real, fake = D(hr), D(sr.to(memory_format=fmt))
        return sv_discriminator_loss(real, fake, labels), discriminator_accuracy("lsgan", real, fake)

    def decay(step: int) -> float:  # inverse-time decay (paper); G switches to gan_learning_rate for the GAN stage
        return 1.0 / (1.0 + 0.5 * step / cfg.learning_rate_decay_steps)

    def g_schedule(step: int) -> float:
        return decay(step) * (1.0 if step < pretrain_steps else cfg.gan_learning_rate / cfg.learning_rate)

    opt_g = torch.optim.Adam(G.parameters(), cfg.learning_rate)
    opt_d = torch.optim.Adam(D.parameters(), cfg.gan_learning_rate) if D is not None else None
    snapshot = {}

    def keep_pixel_stage(trainer, step, logs):
        if step == pretrain_steps:
            snapshot["pixel"] = copy.deepcopy(trainer.G)

    trainer = Trainer(G, make_sampler(case, cfg, device),
                      TrainConfig(steps=gan_steps, pretrain_steps=pretrain_steps, log_every=cfg.log_every,
                                  amp=cfg.amp, seed=seed, desc=desc,
                                  checkpoint_dir=str(checkpoint_dir) if checkpoint_dir else None),
                      opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss if D is not None else None,
                      d_loss=d_loss if D is not None else None, pretrain_loss=pixel_loss,
                      sched_g=torch.optim.lr_scheduler.LambdaLR(opt_g, g_schedule),
                      sched_d=torch.optim.lr_scheduler.LambdaLR(opt_d, decay) if opt_d is not None else None,
                      callbacks=[keep_pixel_stage], device=device)
    history = trainer.fit()
    pixel = snapshot.get("pixel", G)
    gan = G if gan_steps else None
    finish = [m.to(memory_format=torch.contiguous_format).eval() for m in (pixel, gan) if m is not None]
    return TrainedBrain3D(finish[0], finish[1] if gan is not None else None, history, trainer.seconds)


def adversarial_sweep(trained: TrainedBrain3D, case: Case | Sequence[Case], cfg: Brain3DConfig, *, seed: int = 0,
                      device: Any = "cpu") -> dict[str, TrainedBrain3D]:
    """The GAN stage rerun from SRResNet3D(P) for each LSGAN weight in ``cfg.adversarial_sweep`` (same steps and
    seed as SRGAN3D; 0 = the same steps with MSE + GDL alone): ``{"GAN(lambda=…)": TrainedBrain3D}`` whose
    ``gan`` is that setting's generator ({} when ``cfg.gan_steps`` is 0)."""
    if not cfg.gan_steps:
        return {}
    return {sweep_name(lam): train(case, cfg, pretrain_steps=0, gan_steps=cfg.gan_steps, seed=seed, device=device,
                                   generator=trained.pixel, adversarial=lam, desc=f"GAN lambda={lam:g}")
            for lam in cfg.adversarial_sweep}


def _model_stem(method: str, suffix: str = "") -> str:
    """File name (without extension) of a saved model: "SRResNet3D(P)" -> "srresnet3d_p", "SRGAN3D" -> "srgan3d"."""
    return method.lower().replace("(", "_").replace(")", "") + suffix


def save_models(folder: str | Path, trained: TrainedBrain3D, cfg: Brain3DConfig, *, degradation: str,
                metrics: Mapping[str, Mapping[str, float]], train_affine=None, suffix: str = "",
                notebook: str = "03_brain_mri_3d", profile: str = "") -> list[Path]:
    """Save every generator of ``trained`` with its ModelCard (``ganbook.sr.export``) for the ``upscale`` CLI.

    One checkpoint per trained stage (``.json`` card + ``.safetensors`` weights), named after the method
    plus ``suffix``: ``srresnet3d_p.json`` and ``srgan3d.json``; a ``suffix`` such as ``"_kspace"`` keeps
    models trained on another degradation apart (``srresnet3d_p_kspace.json``).

    Args:
        folder: where the checkpoints go.
        trained: the result of :func:`train`.
        cfg: its notebook config (scale, dataset).
        degradation: the LR model the generators were trained on (recorded on the cards).
        metrics: ``{method: {metric: value}}``, the held-out scores recorded on each model's card (every
            trained method needs an entry).
        train_affine: HR affine of the training volume; its voxel size becomes the cards'
            ``trained_spacing`` (``upscale`` warns about inputs far from it). None: unknown, no warning.
        suffix: appended to every file name.
        notebook, profile: provenance.

    Returns:
        The card paths, in training order.
    """
    spacing = None if train_affine is None else [round(float(v), 4) for v in
                                                 np.linalg.norm(np.asarray(train_affine)[:3, :3], axis=0)]
    paths = []
    for method, model in trained.models.items():
        if method not in metrics:
            raise KeyError(f"save_models: no metrics for {method!r}; got {', '.join(metrics) or 'none'}")
        # No trained_range: inputs are normalised per volume by percentiles, so raw MR units carry no meaning.
        card = ModelCard(model="srresnet", config=dataclasses.asdict(model.config), method=method, scale=cfg.scale,
                         spatial_dims=3, modality="mr", intensity={"kind": "percentile", "low": 0.5, "high": 99.5},
                         degradation=degradation, trained_spacing=spacing,
                         data=f"{cfg.dataset} training slab, {degradation} x{cfg.scale}",
                         metrics={k: round(float(v), 4) for k, v in metrics[method].items()}, notebook=notebook,
                         profile=profile)
        paths.append(save_sr_model(Path(folder) / _model_stem(method, suffix), model, card))
    return paths


def describe(cfg: Brain3DConfig) -> str:
    """One line on the network and patch sizes (deterministic, for the notebook)."""
    lr_patch = "x".join(str(p // cfg.scale) for p in cfg.hr_patch)
    return (f"SRResNet3D F={cfg.num_features} blocks={cfg.num_blocks} x{cfg.scale} | LR patch {lr_patch} -> HR "
            f"{'x'.join(map(str, cfg.hr_patch))} | batch {cfg.batch_size} | steps P={cfg.pretrain_steps} "
            f"GAN={cfg.gan_steps} kspace={cfg.kspace_pretrain_steps} | "
            f"params {sum(p.numel() for p in build_generator(cfg).parameters()):,}")
