"""Sizes and schedules of notebook 03: :class:`Brain3DConfig`, its smoke / demo / paper ``PROFILES``,
and the names of the two ``DEGRADATIONS`` (see :mod:`ganbook.brain3d.data`)."""
from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["DEGRADATIONS", "Brain3DConfig", "PROFILES"]

DEGRADATIONS = ("blur_nearest", "kspace")


@dataclass(frozen=True)
class Brain3DConfig:
    """Sizes and schedule for notebook 03 (paper values: Sánchez & Vilaplana, MIDL 2018, unless marked "ours").

    Attributes:
        dataset: registry name of the volume(s) to train and test on ("mni152_t1"; paper: "ixi_t1" or
            "adni_t1" from your local copy).
        ood_dataset: a test-only out-of-distribution volume ("anatomical_t1"), or "" for none.
        scale: ×2 or ×4.
        sigma: Gaussian blur of the blur+nearest degradation, in HR voxels (paper: 1).
        hr_patch: HR training patch (paper: 128×128×92); the LR patch is ``hr_patch / scale``.
        batch_size: patches per step (paper: 2).
        num_features, num_blocks: generator width and depth (paper: 32, 6).
        residual_interp: the generator predicts a correction to interpolation (``residual_base``) (ours, for CPU
            budgets; ``paper``: False, the paper's SRResNet).
        residual_base: "linear" (trilinear) or "cubic" (tricubic): the interpolation ``residual_interp`` adds
            (ours: "cubic" — the stronger baseline, whose error has less of a fixed 2×2×2 pattern to undo).
        upsample: the generator's ×2 stages (:data:`ganbook.models.layers.UPSAMPLERS`; paper code: sub-pixel,
            which we ICNR-initialise; ours for the CPU profiles: "subpixel_blur", which in 160-step runs left
            a 2×2×2 pattern at or below tricubic's where plain ICNR sub-pixel stages left 1.5–1.7× it).
        pretrain_steps: SRResNet3D(P) steps (pixel loss) on the blur+nearest degradation.
        gan_steps: SRGAN3D steps continuing from the pixel stage (0: skip).
        adversarial_sweep: further LSGAN weights for which the GAN stage is rerun from SRResNet3D(P) with the same
            steps — the perception–distortion curve (the paper's 0.1 is SRGAN3D itself; 0 = no D).
        kspace_pretrain_steps: SRResNet3D(P) steps (pixel loss) of a second generator trained on the
            k-space degradation (0: skip that model).
        learning_rate: Adam learning rate of the pixel stage (paper 1e-4; ours is higher to fit a CPU budget).
        gan_learning_rate: Adam learning rate of both networks in the GAN stage (paper 1e-4).
        learning_rate_decay_steps: inverse-time decay, rate / (1 + 0.5·step / learning_rate_decay_steps)
            (paper: 4920).
        pixel_loss: "mse+gdl" or "mse" for the pixel stage.
        reduction: "sum" (paper code) or "mean" for MSE and GDL.
        d_features, d_dense: discriminator width and dense layer (paper: 32, 1024).
        foreground: fraction of patches centred inside the brain (ours).
        tile, overlap, tile_batch: sliding-window inference (LR voxels; tiles per model call).
        amp: bf16 autocast; channels_last: channels-last memory (both ours, for CPU speed).
        eval_train_slab: also report metrics on the training slab (for the generalisation gap).
        log_every: loss-history resolution.
    """

    dataset: str = "mni152_t1"
    ood_dataset: str = "anatomical_t1"
    scale: int = 2
    sigma: float = 1.0
    hr_patch: tuple = (32, 32, 32)
    batch_size: int = 2
    num_features: int = 32
    num_blocks: int = 6
    residual_interp: bool = True
    residual_base: str = "cubic"
    upsample: str = "subpixel_blur"
    pretrain_steps: int = 140
    gan_steps: int = 100
    adversarial_sweep: tuple = (0.0, 10.0, 100.0)
    kspace_pretrain_steps: int = 100
    learning_rate: float = 1e-3
    gan_learning_rate: float = 1e-4
    learning_rate_decay_steps: int = 4920
    pixel_loss: str = "mse+gdl"
    reduction: str = "sum"
    d_features: int = 32
    d_dense: int = 1024
    foreground: float = 0.9
    tile: int = 64
    overlap: int = 8
    tile_batch: int = 1
    amp: bool = True
    channels_last: bool = True
    eval_train_slab: bool = False
    log_every: int = 10

    def __post_init__(self):
        if self.scale not in (2, 4):
            raise ValueError(f"Brain3DConfig.scale must be 2 or 4, got {self.scale!r}")
        if len(self.hr_patch) != 3 or any(p % self.scale for p in self.hr_patch):
            raise ValueError(f"Brain3DConfig.hr_patch must be 3 sizes divisible by scale {self.scale}, "
                             f"got {self.hr_patch!r}")
        if self.pixel_loss not in ("mse+gdl", "mse"):
            raise ValueError(f"Brain3DConfig.pixel_loss must be 'mse+gdl' or 'mse', got {self.pixel_loss!r}")
        if self.reduction not in ("sum", "mean"):
            raise ValueError(f"Brain3DConfig.reduction must be 'sum' or 'mean', got {self.reduction!r}")


PROFILES = {
    "smoke": Brain3DConfig(hr_patch=(16, 16, 16), num_features=8, num_blocks=1, pretrain_steps=6, gan_steps=3,
                           adversarial_sweep=(0.0,),
                           kspace_pretrain_steps=3, d_features=4, d_dense=16, tile=40, overlap=4, log_every=1,
                           amp=False),
    "demo": Brain3DConfig(),
    "paper": Brain3DConfig(dataset="ixi_t1", hr_patch=(128, 128, 92), residual_interp=False, upsample="subpixel",
                           pretrain_steps=20000,
                           gan_steps=50000, adversarial_sweep=(), kspace_pretrain_steps=20000, learning_rate=1e-4,
                           tile=64, overlap=16,
                           tile_batch=2, eval_train_slab=True, log_every=100),
}


def _fmt(cfg: Brain3DConfig):
    """Memory format of networks and batches: channels-last 3-D when ``cfg.channels_last`` (ours, CPU speed)."""
    return torch.channels_last_3d if cfg.channels_last else torch.contiguous_format
