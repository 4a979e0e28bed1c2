"""Image-quality measures for the super-resolution notebooks: numpy arrays in, floats out.

* :func:`psnr`, :func:`ssim` — full-reference distortion, inside an optional mask (body, field of view,
  brain), in 2-D or 3-D.
* :func:`gradient_magnitude_ratio`, :func:`high_frequency_energy_ratio` — sharpness for the
  perception–distortion plot (see their docstrings for why these two).
* :func:`vessel_correlation` — does the SR image keep the vessel tree? (fundus)
* :func:`consistency_residual` — degrade(SR) − LR: what a faithful model keeps near zero.
* :func:`periodic_artifact_rms`, :func:`radial_power_spectrum` — the fixed grid an upsampler stamps on its outputs.
* :func:`swd`, :func:`swd_floor`, :func:`sliced_wasserstein`, :func:`laplacian_pyramid` — the realism distance
  between patch distributions (defined in :mod:`ganbook.swd` and :mod:`ganbook.laplacian`, importable here).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

__all__ = ["psnr", "ssim", "gradient_magnitude_ratio", "high_frequency_energy_ratio", "vessel_correlation",
           "consistency_residual", "periodic_artifact_rms", "radial_power_spectrum", "laplacian_pyramid",
           "paired_patches", "sliced_wasserstein", "swd", "swd_floor", "bootstrap_mean_ci"]


def _pair(x, y, mask=None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"images must have the same shape, got {x.shape} and {y.shape}")
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != x.shape:
            raise ValueError(f"mask shape {mask.shape} does not match the image shape {x.shape}")
        if not mask.any():
            raise ValueError("mask selects no pixels; check the mask (e.g. the body / field-of-view threshold)")
    return x, y, mask


def _check_range(data_range: float) -> float:
    if not data_range or not np.isfinite(data_range) or data_range <= 0:
        raise ValueError(f"data_range must be a positive number (the intensity span, e.g. 1.0), got {data_range!r}")
    return float(data_range)


def psnr(x, y, data_range: float, mask=None) -> float:
    """Peak signal-to-noise ratio 10·log10(MAX² / MSE) in dB, MSE over ``mask`` (all pixels if None).

    Args:
        x, y: images or volumes of the same shape (reference and test; symmetric).
        data_range: MAX, the span of the intensity scale (1.0 for the [−1024, 1024] HU window mapped to
            [0, 1], as MedSRGAN uses).
        mask: boolean array of the same shape; only True pixels count.

    Returns:
        PSNR in dB; ``inf`` for identical images.
    """
    x, y, mask = _pair(x, y, mask)
    r = _check_range(data_range)
    err = (x - y) ** 2
    mse = float(err[mask].mean() if mask is not None else err.mean())
    return math.inf if mse == 0 else 10.0 * math.log10(r * r / mse)


def ssim(x, y, data_range: float, mask=None, *, channel_axis: int | None = None) -> float:
    """Mean structural similarity inside ``mask``, 2-D or 3-D.

    scikit-image's ``structural_similarity`` (7-wide uniform window, sample covariance) with
    ``full=True`` gives the SSIM map; we average it over ``mask`` minus the 3-pixel border that
    scikit-image itself leaves out of its mean — so ``mask=None`` returns exactly scikit-image's value.
    Its constants C1 = (0.01·MAX)², C2 = (0.03·MAX)² with ``data_range=MAX`` are MedSRGAN's.

    Args:
        x, y: images or volumes of the same shape; every spatial size must be at least 7.
        data_range: MAX, the span of the intensity scale.
        mask: boolean array of the spatial shape; only True pixels count.
        channel_axis: axis of colour channels, if any (the map is averaged over channels too).
    """
    from skimage.metrics import structural_similarity

    x, y, _ = _pair(x, y)
    r = _check_range(data_range)
    spatial = [n for i, n in enumerate(x.shape) if channel_axis is None or i != channel_axis % x.ndim]
    if min(spatial) < 7:
        raise ValueError(f"ssim needs every spatial size to be at least 7 (the SSIM window), got shape {x.shape}")
    value, smap = structural_similarity(x, y, data_range=r, full=True, channel_axis=channel_axis)
    if mask is None:
        return float(value)
    if channel_axis is not None:
        smap = np.moveaxis(smap, channel_axis, -1).mean(axis=-1)  # spatial map, channels averaged
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != smap.shape:
        raise ValueError(f"mask shape {mask.shape} does not match the spatial shape {smap.shape}")
    pad = 3  # (7 - 1) // 2: border where the window leaves the image
    inner = np.zeros_like(mask)
    inner[tuple(slice(pad, n - pad) for n in mask.shape)] = True
    sel = mask & inner
    if not sel.any():
        raise ValueError("mask selects no pixels at least 3 pixels inside the image border")
    return float(smap[sel].mean())


def gradient_magnitude_ratio(sr, ref, mask=None) -> float:
    """Mean gradient magnitude of ``sr`` divided by that of ``ref`` (inside ``mask``).

    Why: pixel-loss SR regresses to the conditional mean, which blurs edges and texture, so its mean
    gradient magnitude falls below the reference's (ratio < 1); bicubic lower still; a GAN restores edge
    energy (ratio → 1, or > 1 when it over-sharpens or invents texture). The ratio compares image
    *statistics*, not pixels, so it does not reward pixel alignment — it is the "naturalness" axis
    against which PSNR (the distortion axis) trades off (Blau & Michaeli 2018), and needs no
    pretrained network (NIQE/PI/LPIPS weights are unavailable offline).

    Args:
        sr: image or volume under test (2-D or 3-D, single channel).
        ref: the HR reference, same shape (only its statistic is used).
        mask: boolean region to average over.
    """
    sr, ref, mask = _pair(sr, ref, mask)

    def mean_grad(a: np.ndarray) -> float:
        g = np.sqrt(sum(d ** 2 for d in np.gradient(a)))  # central differences on every axis
        return float(g[mask].mean() if mask is not None else g.mean())

    denom = mean_grad(ref)
    if denom == 0:
        raise ValueError("the reference is constant (zero gradient); the ratio is undefined")
    return mean_grad(sr) / denom


def high_frequency_energy_ratio(sr, ref, cutoff: float = 0.25, mask=None) -> float:
    """Spectral energy above ``cutoff`` (fraction of Nyquist) in ``sr`` relative to ``ref``.

    Why: frequencies above the LR image's Nyquist limit — ``cutoff = 1/scale`` — are exactly what
    degradation removed and what the model must restore. Interpolation leaves almost none (ratio ≪ 1),
    a pixel-loss network some, a GAN about as much as the reference (≈ 1) — real or invented, which
    is why it is plotted against PSNR rather than read alone. Discriminator-free and weight-free.

    Args:
        sr: image or volume under test (2-D or 3-D, single channel).
        ref: the HR reference, same shape.
        cutoff: radial frequency threshold as a fraction of Nyquist, in (0, 1); use ``1 / scale``.
        mask: region to analyse: both images are mean-centred inside it and zeroed outside (the same
            mask edge then adds the same energy to both).
    """
    sr, ref, mask = _pair(sr, ref, mask)
    if not 0.0 < cutoff < 1.0:
        raise ValueError(f"cutoff must be in (0, 1) (a fraction of the Nyquist frequency), got {cutoff!r}")
    # Real FFT (half the memory of a full one on a whole head volume): along the last axis only
    # non-negative frequencies are stored, so the others count twice (Hermitian symmetry).
    axes = [np.fft.fftfreq(n) / 0.5 for n in sr.shape[:-1]] + [np.fft.rfftfreq(sr.shape[-1]) / 0.5]  # 1 = Nyquist
    freqs = np.meshgrid(*axes, indexing="ij")
    high = np.sqrt(sum(f ** 2 for f in freqs)) > cutoff
    n_last = sr.shape[-1]
    twice = np.full(n_last // 2 + 1, 2.0)
    twice[0] = 1.0
    if n_last % 2 == 0:
        twice[-1] = 1.0
    weight = np.where(high, twice, 0.0)

    def energy(a: np.ndarray) -> float:
        if mask is not None:
            a = np.where(mask, a - a[mask].mean(), 0.0)
        else:
            a = a - a.mean()
        return float((np.abs(np.fft.rfftn(a)) ** 2 * weight).sum())

    denom = energy(ref)
    if denom == 0:
        raise ValueError("the reference has no energy above the cutoff; the ratio is undefined")
    return energy(sr) / denom


def vessel_correlation(hr, sr, mask=None, *, sigmas=(1, 2, 3), black_ridges: bool = True) -> float:
    """Pearson correlation of Frangi vesselness responses of HR and SR inside ``mask``.

    Frangi's filter (Hessian eigenvalues over ``sigmas``) responds to tubular structures; if SR keeps
    the vessel tree — widths, contrast, thin branches — its vesselness map correlates with the HR one.
    Blur weakens thin-vessel responses, invented texture adds spurious ones; both lower the score.
    The mask is eroded by 3·max(sigma) pixels first, because the field-of-view edge itself looks like a
    ridge to the filter and would inflate the correlation.

    Args:
        hr, sr: single-channel images (e.g. the green channel of a fundus photo), same shape.
        mask: boolean region (e.g. the field of view).
        sigmas: Frangi scales in pixels (vessel radii of interest).
        black_ridges: True for dark vessels on a bright background (fundus green channel).

    Returns:
        Correlation in [−1, 1]; NaN when either response is constant inside the mask.
    """
    from scipy.ndimage import binary_erosion
    from skimage.filters import frangi

    hr, sr, mask = _pair(hr, sr, mask)
    if mask is None:
        mask = np.ones(hr.shape, dtype=bool)
    margin = int(math.ceil(3 * max(sigmas)))
    inner = binary_erosion(mask, iterations=margin, border_value=0)
    if not inner.any():
        raise ValueError(f"mask has no pixels left after eroding {margin} pixels off its edge; use a larger region")
    v_hr = frangi(hr, sigmas=sigmas, black_ridges=black_ridges)[inner]
    v_sr = frangi(sr, sigmas=sigmas, black_ridges=black_ridges)[inner]
    if v_hr.std() == 0 or v_sr.std() == 0:
        return math.nan
    return float(np.corrcoef(v_hr, v_sr)[0, 1])


def consistency_residual(sr, lr, degrade: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """degrade(SR) − LR: the part of the SR image its own LR input does not explain.

    A model that only adds detail the LR image is consistent with keeps this near zero; a structure
    that appears here (e.g. a "lesion" bright in SR but absent from LR) was invented. Returns the map,
    to show beside the SR image; summarise it with e.g. its RMS.

    Args:
        sr: the super-resolved image or volume.
        lr: the LR input it came from.
        degrade: the degradation that made LR from HR (the data layer's, e.g. 4×4 average pooling).
    """
    d = np.asarray(degrade(np.asarray(sr)), dtype=np.float64)
    lr = np.asarray(lr, dtype=np.float64)
    if d.shape != lr.shape:
        raise ValueError(f"degrade(sr) has shape {d.shape} but lr has {lr.shape}; pass the degradation that "
                         "produced this LR image")
    return d - lr


def periodic_artifact_rms(sr, hr, scale: int, mask=None) -> float:
    """RMS of the fixed s×s (3-D: s×s×s) pattern that SR − HR repeats on the LR grid, s = ``scale``.

    SR − HR is averaged over all pixels with the same phase (y mod s, x mod s) — (z, y, x) mod s in 3-D — so
    only what repeats with the LR grid survives (a sub-pixel upsampler's checkerboard); the pattern's mean (a
    global offset, no grid) is removed. Error that does not repeat averages out: white noise of std σ leaves
    ≈ σ·sqrt(s^d / N) for N pixels. A clean model is at the level of bicubic.

    Args:
        sr, hr: images or volumes of the same shape, every side at least ``scale``.
        scale: the SR factor (an integer >= 2).
        mask: boolean array of the same shape; only True pixels contribute.
    """
    sr, hr, mask = _pair(sr, hr, mask)
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 2:
        raise ValueError(f"scale must be an integer >= 2 (the SR factor), got {scale!r}")
    if min(sr.shape) < scale:
        raise ValueError(f"every side must be at least scale={scale}, got shape {sr.shape}")
    phase = np.zeros((1,) * sr.ndim, dtype=np.int64)
    for axis, n in enumerate(sr.shape):  # phase index Σ (i_axis mod s)·s^k, built by broadcasting
        phase = phase * scale + (np.arange(n) % scale).reshape([-1 if a == axis else 1 for a in range(sr.ndim)])
    phase = np.broadcast_to(phase, sr.shape)
    phase, diff = (phase[mask], (sr - hr)[mask]) if mask is not None else (phase.ravel(), (sr - hr).ravel())
    counts = np.bincount(phase, minlength=scale ** sr.ndim)
    if (counts == 0).any():
        raise ValueError(f"mask leaves {int((counts == 0).sum())} of the {scale ** sr.ndim} grid phases without a "
                         "pixel; use a larger mask")
    pattern = np.bincount(phase, weights=diff, minlength=scale ** sr.ndim) / counts
    return float(np.sqrt(np.mean((pattern - pattern.mean()) ** 2)))


def radial_power_spectrum(image, *, window: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Radially averaged log10 power spectrum of a 2-D image (e.g. SR − HR, or SR and HR side by side).

    The mean is removed and, with ``window``, a Hann window keeps the image edges from leaking into every
    frequency. Power is averaged over rings |f| = sqrt(fx² + fy²) one frequency step (1 / the shorter side)
    wide, out to the corner 1/√2. A period-p grid puts spikes at k/p along the axes and at their diagonal
    combinations: a 4-px sub-pixel pattern at 1/4, 1/2 (and √2/4, …); a one-pixel alternation in x at 1/2,
    a one-pixel checkerboard (−1)^(x+y) at 1/√2. Over-smoothing shows as a high-frequency drop.

    Returns:
        (frequencies in cycles/pixel, without 0; log10 of the mean power per ring).
    """
    x = np.asarray(image, dtype=np.float64)
    if x.ndim != 2 or min(x.shape) < 8:
        raise ValueError(f"image must be 2-D with every side >= 8, got shape {x.shape}")
    w = np.outer(np.hanning(x.shape[0]), np.hanning(x.shape[1])) if window else np.ones(x.shape)
    power = np.abs(np.fft.fft2((x - np.average(x, weights=w)) * w)) ** 2 / (w ** 2).sum()
    step = 1.0 / min(x.shape)
    ring = np.rint(np.hypot(*np.meshgrid(np.fft.fftfreq(x.shape[0]), np.fft.fftfreq(x.shape[1]),
                                          indexing="ij")) / step).astype(np.int64).ravel()
    counts = np.bincount(ring)
    keep = np.flatnonzero(counts[1:]) + 1
    mean = np.bincount(ring, power.ravel())[keep] / counts[keep]
    return keep * step, np.log10(np.maximum(mean, np.finfo(np.float64).tiny))


def bootstrap_mean_ci(values, ci: float = 0.95, draws: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (resampling them with replacement).

    Args:
        values: one number per independent unit (an image pair, a seed).
        ci: coverage of the interval.
        draws: bootstrap resamples.
        seed: the resampling RNG's seed (the interval is reproducible).
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0 or not np.isfinite(v).all():
        raise ValueError(f"bootstrap_mean_ci needs finite values, got {v.size} values")
    if not 0 < ci < 1 or draws < 1:
        raise ValueError(f"bootstrap_mean_ci needs 0 < ci < 1 and draws >= 1, got ci={ci}, draws={draws}")
    idx = np.random.default_rng(seed).integers(0, v.size, size=(draws, v.size))
    means = v[idx].mean(1)
    tail = 100 * (1 - ci) / 2
    return float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))


# The realism distance lives in its own modules (pyramid and patches; the distance and its bootstrap); its
# public functions are importable from here with the other measures.
from .laplacian import laplacian_pyramid, paired_patches  # noqa: E402
from .swd import sliced_wasserstein, swd, swd_floor  # noqa: E402
