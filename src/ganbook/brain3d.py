"""3-D brain-MRI super-resolution (notebook 03): Sánchez & Vilaplana's 3-D SRGAN on patches of a T1 volume.

The method (methods.md §4(c), §8.4): a 3-D SRResNet generator (32 filters, 6 residual blocks, sub-pixel
×2 stages), a least-squares discriminator, and the generator loss MSE + 0.1·LSGAN + gradient
difference (GDL), all summed over voxels as in the paper's code. Two stages share one training run:

* ``"SRResNet3D(P)"`` — the pixel-loss stage (MSE + GDL, or MSE alone), no discriminator;
* ``"SRGAN3D"`` — the same generator continued with the full loss against the discriminator, with
  soft, noisy LSGAN labels drawn afresh every step (the paper's intent; its TF code fixed the label
  swap at graph-build time — a bug not copied here). The generator's LSGAN target is a plain 1 (ours;
  the code also smoothed it).

Two degradations (methods.md §7: results are not comparable across them):

* ``"blur_nearest"`` (Sánchez & Vilaplana): Gaussian blur σ = 1 voxel, keep every s-th voxel
  (voxel ``i·s + s//2`` of each block, see ``ganbook.data.degrade``);
* ``"kspace"`` (Chen et al.): keep the central 1/s of k-space along all three axes. Chen feed the
  zero-filled volume (HR grid) to a network without upsampling; its spectrum is band-limited below
  the LR Nyquist frequency, so keeping every s-th voxel of it loses nothing, and the same ×s
  SRResNet3D sees the same information on the LR grid (our choice: one architecture, one comparison).

Our choices where the papers are silent (also stated in the notebook): intensities are mapped per
volume from the LR input's 0.5th–99.5th percentiles to [0, 1] (the paper scaled each patch by its
max); the generator predicts a residual over trilinear interpolation from the true sample positions
(``residual_interp``, ``sample_offset = s//2``), so it starts at the baseline; bf16 autocast and
channels-last memory on CPU; no flip augmentation (flips move nearest-decimated samples at even scales).
Metrics: PSNR and SSIM inside the brain mask, in raw intensity units with the dataset window (0–255
for the MNI template) as the data range.
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .data import load
from .data.degrade import blur_nearest, crop_to_multiple, kspace_truncate, upsample
from .data.nifti import write_nifti
from .data.patches import PairedPatchSampler
from .losses.sr import SVWeights, gradient_difference_loss, sv_discriminator_loss, sv_generator_loss, sv_soft_labels
from .metrics import gradient_magnitude_ratio, psnr, ssim
from .models import LSDiscriminator, SRResNet
from .models.layers import interpolation_base
from .runtime import autocast
from .sr.export import ModelCard, save_sr_model
from .sr.tiling import tiled_apply
from .train import TrainConfig, Trainer

__all__ = ["Brain3DConfig", "PROFILES", "DEGRADATIONS", "Case", "degrade_volume", "intensity_window", "load_case",
           "lr_affine", "sr_affine", "build_generator", "build_discriminator", "make_sampler", "TrainedModels",
           "train_models", "super_resolve", "baselines", "evaluate", "save_model", "save_volume",
           "orthogonal_figure", "slice_viewer", "describe"]

DEGRADATIONS = ("blur_nearest", "kspace")


@dataclass(frozen=True)
class Brain3DConfig:
    """Sizes and schedule for notebook 03 (paper values from methods.md §4(c) unless marked "ours").

    Attributes:
        dataset: registry name of the volume(s) to train and test on ("mni152_t1"; paper: "ixi_t1" or
            "adni_t1" from your local copy).
        ood_dataset: a test-only out-of-distribution volume ("anatomical_t1"), or "" for none.
        scale: ×2 or ×4.
        sigma: Gaussian blur of the blur+nearest degradation, in HR voxels (paper: 1).
        hr_patch: HR training patch (paper: 128×128×92); the LR patch is ``hr_patch / scale``.
        batch_size: patches per step (paper: 2).
        num_features, num_blocks: generator width and depth (paper: 32, 6).
        pixel_steps: SRResNet3D(P) steps (pixel loss).
        gan_steps: SRGAN3D steps continuing from the pixel stage (0: skip).
        kspace_steps: SRResNet3D(P) steps for the k-space degradation (0: skip that model).
        lr: Adam learning rate of the pixel stage (paper 1e-4; ours is higher to fit a CPU budget).
        gan_lr: Adam learning rate of both networks in the GAN stage (paper 1e-4).
        lr_decay_steps: inverse-time decay lr / (1 + 0.5·step / lr_decay_steps) (paper: 4920).
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
    pixel_steps: int = 140
    gan_steps: int = 20
    kspace_steps: int = 100
    lr: float = 1e-3
    gan_lr: float = 1e-4
    lr_decay_steps: int = 4920
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
    "smoke": Brain3DConfig(hr_patch=(16, 16, 16), num_features=8, num_blocks=1, pixel_steps=6, gan_steps=3,
                           kspace_steps=3, d_features=4, d_dense=16, tile=40, overlap=4, log_every=1),
    "demo": Brain3DConfig(),
    "paper": Brain3DConfig(dataset="ixi_t1", hr_patch=(128, 128, 92), pixel_steps=20000, gan_steps=50000,
                           kspace_steps=20000, lr=1e-4, tile=64, overlap=16, tile_batch=2, eval_train_slab=True,
                           log_every=100),
}


# ----------------------------------------------------------------------------------------- data
def intensity_window(volume: np.ndarray, low: float = 0.5, high: float = 99.5) -> tuple[float, float]:
    """The (low, high) percentiles of a volume: the map to [0, 1] (a ModelCard "percentile" intensity)."""
    lo, hi = (float(v) for v in np.percentile(volume, [low, high]))
    return lo, (hi if hi > lo else lo + 1.0)


def degrade_volume(hr: np.ndarray, kind: str, scale: int, sigma: float = 1.0) -> np.ndarray:
    """LR volume on the LR grid: LR voxel ``i`` is HR voxel ``i·s + s//2`` of the degraded volume.

    Args:
        hr: (I, J, K) volume, sizes divisible by ``scale``.
        kind: "blur_nearest" (Sánchez & Vilaplana) or "kspace" (Chen et al., all three axes).
        scale: resolution loss per axis.
        sigma: blur in HR voxels (blur_nearest only).
    """
    if kind == "blur_nearest":
        return blur_nearest(hr, scale, sigma, spatial_dims=3)
    if kind == "kspace":  # band-limited below the LR Nyquist: decimation keeps all of it
        return _decimate(kspace_truncate(hr, scale, axes=(-3, -2, -1)), scale)
    raise ValueError(f"degradation {kind!r} is not one of {', '.join(DEGRADATIONS)}")


def _decimate(volume: np.ndarray, scale: int) -> np.ndarray:
    return np.ascontiguousarray(volume[(slice(scale // 2, None, scale),) * 3])


def lr_affine(hr_affine: np.ndarray, scale: int, offset: float) -> np.ndarray:
    """Affine of the LR grid whose voxel ``i`` sits at HR voxel ``i·scale + offset``."""
    out = np.array(hr_affine, dtype=np.float64)
    out[:3, 3] = out[:3, :3] @ np.full(3, float(offset)) + out[:3, 3]
    out[:3, :3] = out[:3, :3] * scale
    return out


def sr_affine(lr_affine_: np.ndarray, scale: int, offset: float) -> np.ndarray:
    """Affine of the SR output of a model whose LR voxel ``i`` maps to HR voxel ``i·scale + offset``.

    The voxel size is divided by ``scale``. With ``offset = (scale-1)/2`` (block centres) this equals
    ``ganbook.data.nifti.upsampled_affine``; nearest-decimated LR at even scales needs ``scale // 2``.
    """
    out = np.array(lr_affine_, dtype=np.float64)
    out[:3, :3] = out[:3, :3] / scale
    out[:3, 3] = out[:3, 3] - out[:3, :3] @ np.full(3, float(offset))
    return out


@dataclass
class Case:
    """One evaluation (or training) volume: raw HR, its LR, mask and geometry.

    Attributes:
        name: "dataset[split]".
        hr: raw HR volume cropped to multiples of the scale.
        lr: raw LR volume (LR grid).
        mask: brain (or head) mask on the HR grid.
        affine: HR affine (world coordinates of this slab / volume).
        data_range: intensity span for PSNR/SSIM (the dataset window).
        window: the LR input's percentile window (network input map).
        zero_filled: the k-space degraded volume on the HR grid (kspace only).
        sha256: source-file checksums.
    """

    name: str
    hr: np.ndarray
    lr: np.ndarray
    mask: np.ndarray
    affine: np.ndarray
    data_range: float
    window: tuple
    zero_filled: np.ndarray | None = None
    sha256: dict = field(default_factory=dict)


def load_case(dataset: str, split: str, kind: str, cfg: Brain3DConfig, index: int = 0) -> Case:
    """Load volume ``index`` of ``dataset[split]`` and degrade it (see :func:`degrade_volume`)."""
    data = load(dataset, split)
    s = cfg.scale
    hr = np.asarray(crop_to_multiple(np.asarray(data.images[index], np.float32), s, 3))
    mask = np.asarray(crop_to_multiple(np.asarray(data.masks[index], bool), s, 3))
    zero_filled = kspace_truncate(hr, s, axes=(-3, -2, -1)) if kind == "kspace" else None
    lr = _decimate(zero_filled, s) if kind == "kspace" else degrade_volume(hr, kind, s, cfg.sigma)
    affine = data.extra.get("affine") if not data.extra.get("lazy") else None
    if affine is None:
        affine = np.diag([*(data.spacing[index] or (1.0, 1.0, 1.0)), 1.0])
    lo, hi = data.windows[index]
    return Case(f"{dataset}[{split}]", hr, lr, mask, np.asarray(affine, np.float64), float(hi - lo),
                intensity_window(lr), zero_filled, dict(data.sha256))


def _normalise(x: np.ndarray, window) -> np.ndarray:
    lo, hi = window
    return ((np.asarray(x, np.float32) - lo) / (hi - lo)).astype(np.float32)


def _denormalise(x: np.ndarray, window) -> np.ndarray:
    lo, hi = window
    return x * (hi - lo) + lo


# ---------------------------------------------------------------------------------------- models
def build_generator(cfg: Brain3DConfig) -> SRResNet:
    """The 3-D SRResNet: residual over trilinear interpolation from the sampled positions (``s//2``)."""
    return SRResNet(num_features=cfg.num_features, num_blocks=cfg.num_blocks, scale=cfg.scale, spatial_dims=3,
                    residual_interp=True, sample_offset=cfg.scale // 2)


def build_discriminator(cfg: Brain3DConfig) -> LSDiscriminator:
    """The least-squares discriminator sized for the HR patch."""
    return LSDiscriminator(num_features=cfg.d_features, patch_size=tuple(cfg.hr_patch), spatial_dims=3,
                           dense_features=cfg.d_dense)


def _fmt(cfg: Brain3DConfig):
    return torch.channels_last_3d if cfg.channels_last else torch.contiguous_format


def make_sampler(cases: Case | Sequence[Case], cfg: Brain3DConfig, device: Any = "cpu"):
    """``sample(generator) -> (lr, hr, (y_real, y_fake))``: normalised patches + fresh soft labels.

    Args:
        cases: one training volume or several (patches are drawn in proportion to their sizes).
        cfg: patch and batch sizes.
        device: where batches go.
    """
    cases = [cases] if isinstance(cases, Case) else list(cases)
    sampler = PairedPatchSampler([_normalise(c.hr, c.window) for c in cases],
                                 lr_images=[_normalise(c.lr, c.window) for c in cases], scale=cfg.scale,
                                 lr_size=tuple(p // cfg.scale for p in cfg.hr_patch), batch_size=cfg.batch_size,
                                 masks=[c.mask for c in cases], foreground=cfg.foreground, spatial_dims=3,
                                 augment=False)
    fmt = _fmt(cfg)

    def sample(generator: torch.Generator):
        lr, hr = sampler(generator)
        labels = sv_soft_labels(cfg.batch_size, generator, device=device)
        return lr.to(device, memory_format=fmt), hr.to(device, memory_format=fmt), labels

    return sample


@dataclass
class TrainedModels:
    """Result of :func:`train_models`: the pixel-stage and GAN-stage generators (eval mode, CPU layout)."""

    pixel: SRResNet
    gan: SRResNet | None
    history: dict
    seconds: float


def train_models(case: Case | Sequence[Case], cfg: Brain3DConfig, *, pixel_steps: int, gan_steps: int, seed: int = 0,
                 device: Any = "cpu", checkpoint_dir: str | Path | None = None, desc: str = "3-D SR") -> TrainedModels:
    """Train SRResNet3D(P) for ``pixel_steps``, then continue as SRGAN3D for ``gan_steps`` (one Trainer).

    Args:
        case: the training volume(s), LR made by one degradation.
        cfg: sizes and losses.
        pixel_steps, gan_steps: steps of the two stages (``gan_steps=0``: pixel stage only).
        seed: initialisation and patch sampling.
        device: torch device.
        checkpoint_dir: Trainer checkpoints for resume (None: none).
        desc: progress-bar label.
    """
    torch.manual_seed(seed)
    fmt = _fmt(cfg)
    G = build_generator(cfg).to(device, memory_format=fmt)
    D = build_discriminator(cfg).to(device, memory_format=fmt) if gan_steps else None
    gdl_weight = 1.0 if cfg.pixel_loss == "mse+gdl" else 0.0
    weights = SVWeights(gdl=gdl_weight, reduction=cfg.reduction)

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
        return sv_discriminator_loss(D(hr), D(sr.to(memory_format=fmt)), labels)

    def decay(step: int) -> float:  # inverse-time decay (paper); G switches to gan_lr for the GAN stage
        return 1.0 / (1.0 + 0.5 * step / cfg.lr_decay_steps)

    def g_schedule(step: int) -> float:
        return decay(step) * (1.0 if step < pixel_steps else cfg.gan_lr / cfg.lr)

    opt_g = torch.optim.Adam(G.parameters(), cfg.lr)
    opt_d = torch.optim.Adam(D.parameters(), cfg.gan_lr) if D is not None else None
    snapshot = {}

    def keep_pixel_stage(trainer, step, logs):
        if step == pixel_steps:
            snapshot["pixel"] = copy.deepcopy(trainer.G)

    trainer = Trainer(G, make_sampler(case, cfg, device),
                      TrainConfig(steps=gan_steps, pretrain_steps=pixel_steps, log_every=cfg.log_every, amp=cfg.amp,
                                  seed=seed, desc=desc, checkpoint_dir=str(checkpoint_dir) if checkpoint_dir else None),
                      opt_g=opt_g, discriminator=D, opt_d=opt_d, g_loss=g_loss if D is not None else None,
                      d_loss=d_loss if D is not None else None, pretrain_loss=pixel_loss,
                      sched_g=torch.optim.lr_scheduler.LambdaLR(opt_g, g_schedule),
                      sched_d=torch.optim.lr_scheduler.LambdaLR(opt_d, decay) if opt_d is not None else None,
                      callbacks=[keep_pixel_stage], device=device)
    history = trainer.fit()
    pixel = snapshot.get("pixel", G)
    gan = G if gan_steps else None
    finish = [m.to(memory_format=torch.contiguous_format).eval() for m in (pixel, gan) if m is not None]
    return TrainedModels(finish[0], finish[1] if gan is not None else None, history, trainer.seconds)


# ------------------------------------------------------------------------------------- inference
def super_resolve(model: SRResNet, lr: np.ndarray, window, cfg: Brain3DConfig, device: Any = "cpu") -> np.ndarray:
    """Whole-volume SR with overlapping tiles blended smoothly (``tiled_apply``); raw units in and out.

    Args:
        model: a trained generator (put in eval mode here).
        lr: raw LR volume (I, J, K).
        window: the percentile window mapping ``lr`` to the network's input scale.
        cfg: tile, overlap, tile batch and precision.
        device: where the model runs.
    """
    model = model.eval().to(device, memory_format=_fmt(cfg))
    fmt = _fmt(cfg)

    def run(x: torch.Tensor) -> torch.Tensor:
        with autocast(device, enabled=cfg.amp):
            return model(x.contiguous(memory_format=fmt)).float()

    x = torch.from_numpy(_normalise(lr, window))[None, None]  # (1, 1, I, J, K)
    out = tiled_apply(run, x, cfg.scale, cfg.tile, cfg.overlap, 3, batch_size=cfg.tile_batch, device=device)
    model.to(memory_format=torch.contiguous_format)
    return _denormalise(out[0, 0].numpy(), window)


def baselines(case: Case, scale: int) -> dict[str, np.ndarray]:
    """Interpolation from the LR samples' true positions (``i·s + s//2``): trilinear, tricubic (+ zero-filled)."""
    x = torch.from_numpy(np.asarray(case.lr, np.float32))[None, None]
    out = {"trilinear": interpolation_base(x, scale, 3, "linear", scale // 2)[0, 0].numpy(),
           "tricubic": upsample(case.lr, scale, "bicubic", spatial_dims=3, offset=scale // 2)}
    if case.zero_filled is not None:
        out["zero-filled"] = np.asarray(case.zero_filled, np.float32)
    return out


def evaluate(case: Case, volumes: Mapping[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Per method, inside the mask: PSNR (dB) and SSIM with the dataset window as data range, and
    ``grad_ratio`` = mean gradient magnitude relative to HR (sharpness; < 1 blurred, ≈ 1 as sharp as HR)."""
    return {name: {"psnr": psnr(case.hr, v, case.data_range, case.mask),
                   "ssim": ssim(case.hr, v, case.data_range, case.mask),
                   "grad_ratio": gradient_magnitude_ratio(v, case.hr, case.mask)} for name, v in volumes.items()}


def save_model(path: str | Path, model: SRResNet, cfg: Brain3DConfig, *, method: str, degradation: str,
               metrics: Mapping[str, float], notebook: str = "03_brain_mri_3d", profile: str = "") -> Path:
    """Save a generator with its ModelCard (``ganbook.sr.export``) so the ``upscale`` CLI can apply it."""
    card = ModelCard(model="srresnet", config=dataclasses.asdict(model.config), method=method, scale=cfg.scale,
                     spatial_dims=3, modality="mr", intensity={"kind": "percentile", "low": 0.5, "high": 99.5},
                     degradation=degradation, trained_spacing=[1.0, 1.0, 1.0],
                     data=f"{cfg.dataset} training slab, {degradation} x{cfg.scale}",
                     metrics={k: round(float(v), 4) for k, v in metrics.items()}, notebook=notebook, profile=profile)
    return save_sr_model(path, model, card)


def save_volume(path: str | Path, volume: np.ndarray, case: Case, *, grid: str = "hr", scale: int = 2) -> Path:
    """Write a volume of ``case`` as NIfTI: ``grid="hr"`` (SR, baselines, HR) or ``"lr"`` (the LR input).

    The SR output's affine is the LR affine with voxel size / scale and the origin moved to the HR
    voxel the first LR sample was taken from (:func:`sr_affine`), i.e. exactly the HR slab's affine.
    """
    lr_aff = lr_affine(case.affine, scale, scale // 2)
    affine = lr_aff if grid == "lr" else sr_affine(lr_aff, scale, scale // 2)
    return write_nifti(path, np.asarray(volume, np.float32), affine=affine, description=f"ganbook 03 {case.name}")


# ---------------------------------------------------------------------------------- slice viewer
VIEWS = (("axial", 2), ("coronal", 1), ("sagittal", 0))  # (name, axis held fixed) for an RAS-like IJK volume


def _slice(volume: np.ndarray, axis: int, index: int) -> np.ndarray:
    plane = np.take(volume, index, axis=axis)
    return plane.T  # rows = the later axis, so "up" is superior / anterior with origin="lower"


def _on_hr_grid(volume: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """Show an LR volume on the HR grid (nearest, blocks visible)."""
    if tuple(volume.shape) == tuple(shape):
        return volume
    reps = [n // m for n, m in zip(shape, volume.shape)]
    return np.repeat(np.repeat(np.repeat(volume, reps[0], 0), reps[1], 1), reps[2], 2)


def orthogonal_figure(volumes: Mapping[str, np.ndarray], point: Sequence[int], *, reference: str = "HR",
                      vmax: float | None = None, error_max: float | None = None, figsize_per: float = 2.2):
    """Rows = volumes, columns = axial / coronal / sagittal through ``point`` (HR voxel indices).

    A volume named "error" (or starting with "|") is drawn with a hot colour map from 0 to ``error_max``.
    """
    import matplotlib.pyplot as plt

    shape = volumes[reference].shape
    vmax = float(np.percentile(volumes[reference], 99.5)) if vmax is None else vmax
    fig, axes = plt.subplots(len(volumes), 3, figsize=(3 * figsize_per, len(volumes) * figsize_per * 0.85),
                             squeeze=False)
    for r, (name, vol) in enumerate(volumes.items()):
        vol = _on_hr_grid(np.asarray(vol), shape)
        is_err = name.startswith("|") or name.startswith("error")
        for c, (view, axis) in enumerate(VIEWS):
            ax = axes[r, c]
            ax.imshow(_slice(vol, axis, int(point[axis])), origin="lower", cmap="magma" if is_err else "gray",
                      vmin=0, vmax=(error_max or 0.2 * vmax) if is_err else vmax, aspect="equal")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"{view} ({'ijk'[axis]}={point[axis]})", fontsize=8)
            if c == 0:
                ax.set_ylabel(name, fontsize=8)
    fig.tight_layout()
    return fig


def slice_viewer(volumes: Mapping[str, np.ndarray], *, reference: str = "HR", error_of: str | None = None):
    """An ipywidgets orthogonal viewer: axial / coronal / sagittal sliders and a volume toggle.

    Args:
        volumes: name -> volume (LR volumes are shown on the HR grid, nearest).
        reference: the HR volume (sets the grid and the grey scale).
        error_of: also offer "error" = |volume − reference| for this volume (e.g. the SR output).

    Returns:
        An ``ipywidgets.VBox``; for papermill use :func:`orthogonal_figure` instead.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    vols = dict(volumes)
    if error_of is not None:
        vols["error"] = np.abs(np.asarray(vols[error_of], np.float32) - vols[reference])
    shape = vols[reference].shape
    toggle = w.ToggleButtons(options=list(vols), value=error_of or reference, description="volume")
    sliders = {axis: w.IntSlider(value=n // 2, min=0, max=n - 1, description=view, continuous_update=False)
               for (view, axis), n in zip(VIEWS, (shape[2], shape[1], shape[0]))}
    out = w.Output()
    vmax = float(np.percentile(vols[reference], 99.5))

    def render(change=None):
        point = [0, 0, 0]
        for axis, slider in sliders.items():
            point[axis] = slider.value
        with out:
            out.clear_output(wait=True)
            fig = orthogonal_figure({toggle.value: vols[toggle.value]} | ({reference: vols[reference]}
                                    if toggle.value != reference else {}), point, reference=reference, vmax=vmax)
            plt.show()

    for widget in (toggle, *sliders.values()):
        widget.observe(render, names="value")
    render()
    return w.VBox([toggle, w.HBox(list(sliders.values())), out])


def describe(cfg: Brain3DConfig) -> str:
    """One line on the network and patch sizes (deterministic, for the notebook)."""
    lr_patch = "x".join(str(p // cfg.scale) for p in cfg.hr_patch)
    return (f"SRResNet3D F={cfg.num_features} blocks={cfg.num_blocks} x{cfg.scale} | LR patch {lr_patch} -> HR "
            f"{'x'.join(map(str, cfg.hr_patch))} | batch {cfg.batch_size} | steps P={cfg.pixel_steps} "
            f"GAN={cfg.gan_steps} kspace={cfg.kspace_steps} | params {sum(p.numel() for p in build_generator(cfg).parameters()):,}")
