"""Notebook 02's sizes and schedules: :class:`RetinalESRGANConfig`, the ``smoke`` / ``demo`` / ``paper``
:data:`PROFILES`, and the tiled-inference tolerance we test against.
"""
from __future__ import annotations

from dataclasses import dataclass

# Tiled vs one-shot inference of a trained RRDB (receptive field beyond the overlap, so the cross-fade
# is not bit-exact): max |Δ| on [0, 1] values measured 1.9e-5 for the demo model on the full photo
# (overlap 16 LR px) and up to ~1e-3 for small overlaps in the unit tests; this is the bound we test.
TILED_TOLERANCE = 1e-2


@dataclass(frozen=True)
class RetinalESRGANConfig:
    """Sizes and schedules for notebook 02 (ESRGAN's values in ``paper``; see the package doc)."""

    scale: int = 4
    num_features: int = 32          # RRDBNet nf (paper 64)
    num_blocks: int = 4             # RRDBs nb (paper 23)
    growth: int = 32                # dense growth gc (paper 32)
    residual_interp: bool = True    # predict a correction to bicubic (ours, for CPU budgets); ESRGAN: False
    residual_base: str = "cubic"    # that bicubic: Keys a = -0.5, the degradation's kernel (torch's is a = -0.75)
    d_features: int = 32            # VGG discriminator width (paper 64)
    lr_patch: int = 32              # LR patch; the HR patch is lr_patch·scale (paper 128 HR)
    batch_size: int = 16            # paper 16
    pretrain_steps: int = 400       # stage 1 (L1)
    gan_steps: int = 40             # stage 2 (perceptual + RaGAN + L1)
    learning_rate: float = 2e-4     # stage 1, paper 2e-4
    gan_learning_rate: float = 1e-4  # stage 2, paper 1e-4 (G and D)
    beta2: float = 0.99             # BasicSR 0.99 (paper text 0.999)
    schedule: str = "constant"      # cosine (anneal to 0) | constant | paper (halve: stage 1 every 200k,
    #                                 stage 2 at 50k/100k/200k/300k)
    ema: float = 0.99               # EMA decay of G's weights (BasicSR 0.999: too slow for a few hundred steps)
    phantoms: int = 2               # procedural fundus phantoms added to the training pool
    phantom_size: int = 256         # 2 x 256² phantoms: about a third of the patches, the rest real
    foreground: float = 0.9         # fraction of patches centred in the field of view
    train_sets: str = "retina"      # comma-separated registry names (paper: drive,stare,chase_db1)
    max_test_images: int = 4        # per local test set (the embedded retina band is one image)
    alphas: tuple = (0.2, 0.4, 0.6, 0.8)
    adversarial_sweep: tuple = (0.0, 1e-3, 2e-2)  # stage 2 rerun with these RaGAN weights (ESRGAN's 5e-3 is "ESRGAN")
    tile: int = 64                  # LR tile for tiled full-image inference
    overlap: int = 16               # LR overlap between tiles
    amp: bool = True                # bf16 autocast + channels_last for training
    checkpoint_every: int = 0       # trainer checkpoints (resume) every this many steps; 0 = none
    srgan_features: int = 32        # SRGAN's SRResNet width, the comparison row (Ledig et al.: 64)
    srgan_blocks: int = 8           # its residual blocks (Ledig et al.: 16)
    srgan_upsample: str = "subpixel_blur"  # its x2 stages: ICNR sub-pixel + fixed blur (ours); paper: "subpixel"

    def __post_init__(self):
        if self.schedule not in ("cosine", "constant", "paper"):
            raise ValueError(f"RetinalESRGANConfig.schedule must be cosine, constant or paper, got {self.schedule!r}")
        if any(not 0.0 < a < 1.0 for a in self.alphas):
            raise ValueError(f"RetinalESRGANConfig.alphas must lie strictly between 0 and 1, got {self.alphas!r}")


PROFILES = {
    "smoke": RetinalESRGANConfig(num_features=8, num_blocks=1, growth=8, d_features=8, lr_patch=16, batch_size=4,
                                 srgan_features=8, srgan_blocks=1,
                                 pretrain_steps=12, gan_steps=4, phantoms=1, phantom_size=256, alphas=(0.5,),
                                 adversarial_sweep=(0.0,),
                                 tile=32, overlap=8, amp=False),
    "demo": RetinalESRGANConfig(),
    "paper": RetinalESRGANConfig(num_features=64, num_blocks=23, residual_interp=False, d_features=64,
                                 srgan_features=64, srgan_blocks=16, srgan_upsample="subpixel",
                                 pretrain_steps=1_000_000,
                                 gan_steps=400_000, beta2=0.999, schedule="paper", ema=0.999, phantoms=0,
                                 train_sets="drive,stare,chase_db1", max_test_images=20, tile=128, overlap=32,
                                 checkpoint_every=5000, alphas=(0.2, 0.4, 0.6, 0.8), adversarial_sweep=()),
}
