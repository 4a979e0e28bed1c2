"""Sliced Wasserstein distance between Laplacian-pyramid patch distributions (Karras et al., "Progressive
Growing of GANs", ICLR 2018, §5.1 and App. D): a weight-free distance between the local structure of SR
outputs and of their HR originals at several scales — the perception axis of a perception–distortion plot
(Blau & Michaeli, CVPR 2018). Lower is more realistic; ProGAN's ×10³ scale.

* :func:`sliced_wasserstein` — the distance between two descriptor sets.
* :func:`swd`, :func:`swd_floor` — per level and their mean, with a bootstrap CI; the floor compares two
  disjoint halves of the HR patches. Patches come from :func:`ganbook.laplacian.paired_patches`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .laplacian import as_image_list, paired_patches

__all__ = ["sliced_wasserstein", "swd", "swd_floor", "SWDResult"]

IMAGE_BOOTSTRAP_MIN = 10  # fewer images than this: resample patches instead of images
PATCH_GROUPS = 32         # patches are resampled in this many random groups of tiles
TILE = 16                 # tile side (pixels of each level's grid): > twice the 7-px patch


def _standardise(x: np.ndarray, mean: np.ndarray, std: np.ndarray, channels: int) -> np.ndarray:
    n = len(x)
    return ((x.reshape(n, channels, -1) - mean[:, None]) / std[:, None]).reshape(n, -1).astype(np.float32)


def _channel_stats(ref: np.ndarray, channels: int) -> tuple[np.ndarray, np.ndarray]:
    per_channel = ref.reshape(len(ref), channels, -1).transpose(1, 0, 2).reshape(channels, -1).astype(np.float64)
    std = per_channel.std(axis=1)
    return per_channel.mean(axis=1), np.where(std > 0, std, 1.0)  # a flat reference level is left unscaled


def _positive(**values) -> None:
    for name, v in values.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")


def _directions(features: int, count: int, rng: np.random.Generator) -> np.ndarray:
    d = rng.standard_normal((features, count))
    return (d / np.linalg.norm(d, axis=0)).astype(np.float32)  # (F, count) unit columns


def _w1_weighted(va: np.ndarray, vb: np.ndarray, ua: np.ndarray, ub: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Exact W1 = ∫ |F_a − F_b| dx, averaged over directions, for each of K weightings of the points.

    va (D, n_a), vb (D, n_b): projections; ua, ub: each point's unit in [0, U); weights (U, K): e.g. how often a
    bootstrap draw picked each unit. Both CDFs are step functions, constant between merged points, so after
    one sort the cumulative per-unit counts (D, N, U) turn every weighting into one matrix product — any set
    sizes, no quantile interpolation, and no re-sorting per bootstrap draw.
    """
    units, k = weights.shape
    count_a, count_b = np.bincount(ua, minlength=units), np.bincount(ub, minlength=units)
    tot_a, tot_b = count_a @ weights, count_b @ weights  # (K,) total weight per side
    ok = (tot_a > 0) & (tot_b > 0)  # a draw of only patch-less units is undefined
    wa = weights / np.where(ok, tot_a, 1.0)
    if np.array_equal(count_a, count_b):  # paired sets: F_a − F_b = (cum_a − cum_b) @ w / total
        label, sign, w = np.concatenate([ua, ub]), np.repeat([1.0, -1.0], [len(ua), len(ub)]), wa
    else:
        label, sign = np.concatenate([ua, ub + units]), np.ones(len(ua) + len(ub))
        w = np.concatenate([wa, -weights / np.where(ok, tot_b, 1.0)])
    w, n, width = w.astype(np.float32), len(label), w.shape[0]
    chunk = max(1, min(len(va), 2 ** 22 // (n * max(width, k))))  # bounds the (c, N, ·) temporaries
    total = np.zeros(k)
    for j in range(0, len(va), chunk):
        v = np.concatenate([va[j:j + chunk], vb[j:j + chunk]], axis=1)  # (c, N)
        order = np.argsort(v, axis=1)
        gaps = np.diff(np.take_along_axis(v, order, axis=1), axis=1)[:, None, :]  # (c, 1, N − 1)
        cum = np.zeros((len(v), n, width), dtype=np.float32)
        np.put_along_axis(cum, label[order][..., None], sign[order][..., None].astype(np.float32), axis=2)
        diff = np.cumsum(cum, axis=1)[:, :-1] @ w  # (c, N − 1, K): F_a − F_b between merged points
        total += (gaps @ np.abs(diff, out=diff))[:, 0].sum(axis=0)
    return np.where(ok, total / len(va), np.nan)


def _w1_mean(a: np.ndarray, b: np.ndarray, dirs: np.ndarray, chunk: int = 512) -> float:
    """Mean over the columns of dirs of W1 between the projections of a (n_a, F) and b (n_b, F)."""
    total = 0.0
    for j in range(0, dirs.shape[1], chunk):
        va, vb = dirs[:, j:j + chunk].T @ a.T, dirs[:, j:j + chunk].T @ b.T  # (c, n_a), (c, n_b)
        if len(a) == len(b):  # equal sizes: mean |difference| of the sorted projections
            total += float(np.abs(np.sort(va, axis=1) - np.sort(vb, axis=1)).sum(dtype=np.float64)) / len(a)
        else:
            one = np.zeros(len(a), dtype=int), np.zeros(len(b), dtype=int)
            total += float(_w1_weighted(va, vb, *one, np.ones((1, 1)))[0]) * va.shape[0]
    return total / dirs.shape[1]


def sliced_wasserstein(a, b, directions: int = 512, repeats: int = 4, seed: int = 0, *, channels: int = 1) -> float:
    """Sliced Wasserstein-1 distance ×10³ between descriptor sets ``a`` (n_a, F) and reference ``b`` (n_b, F).

    Both are normalised by ``b``'s mean and std per channel (features channel-major, F = channels · k), projected
    on ``directions × repeats`` random unit directions (ProGAN: 512, 4 times), and the exact 1-D W1 of each
    projection (mean |difference| of the sorted values for equal sizes) is averaged. Row order is irrelevant.
    """
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or not len(a) or not len(b):
        raise ValueError(f"a and b must be non-empty (n, F) arrays with the same F, got {a.shape} and {b.shape}")
    _positive(directions=directions, repeats=repeats, channels=channels)
    if a.shape[1] % channels:
        raise ValueError(f"channels={channels} does not divide the descriptor length {a.shape[1]}")
    mean, std = _channel_stats(b, channels)
    dirs = _directions(a.shape[1], directions * repeats, np.random.default_rng(seed))
    return 1e3 * _w1_mean(_standardise(a, mean, std, channels), _standardise(b, mean, std, channels), dirs)


@dataclass(frozen=True)
class SWDResult:
    """SWD ×10³, the mean over levels, with its bootstrap CI; ``levels`` holds the same keys per level."""
    swd: float
    swd_ci_low: float
    swd_ci_high: float
    levels: tuple[dict, ...]  # {"level", "swd", "swd_ci_low", "swd_ci_high", "patches"}
    resample: str             # what the bootstrap resampled: "images" or "patches"

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "levels": [dict(x) for x in self.levels]}


def _rescale(ref: np.ndarray, unit: np.ndarray, channels: int, weights: np.ndarray) -> np.ndarray:
    """(K,) factor by which W1 changes when the normalisation is recomputed from the re-weighted reference set.

    Both sets share the normalisation, so with one channel a new std s' multiplies every projection, and W1,
    by 1/s' (a new mean only shifts both); exact for one channel, the mean over channels for several."""
    x = ref.reshape(len(ref), channels, -1).astype(np.float64)  # normalised: mean 0, std 1 (or flat)
    units = weights.shape[0]
    n = np.bincount(unit, minlength=units) * x.shape[2] @ weights  # (K,) values per channel in the draw
    alpha = []
    for c in range(channels):
        s1 = np.bincount(unit, x[:, c].sum(axis=1), units) @ weights / n
        s2 = np.bincount(unit, (x[:, c] ** 2).sum(axis=1), units) @ weights / n
        var = s2 - s1 ** 2
        alpha.append(np.where(var > 0, 1 / np.sqrt(np.maximum(var, 1e-300)), 1.0))
    return np.mean(alpha, axis=0)


def _score(pairs, seed: int, bootstrap: int, ci: float, directions: int, repeats: int, resample: str,
           bootstrap_directions: int, n_images: int, channels: int) -> SWDResult:
    """pairs: per level (a, b, unit_a, unit_b, units, reference patches, their units), a and b normalised by the
    reference patches (the whole reference set of the level). Draw k of every level makes draw k
    of the mean over levels; resampling images, one draw is shared by all levels."""
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), e.g. 0.95, got {ci!r}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise ValueError(f"bootstrap must be a number of draws >= 0, got {bootstrap!r}")
    _positive(directions=directions, repeats=repeats, bootstrap_directions=bootstrap_directions)
    draw = lambda rng, n: rng.multinomial(n, np.full(n, 1 / n), bootstrap).T  # (n, B) times each unit is drawn
    image_counts = draw(np.random.default_rng([seed, 2]), n_images)
    values, spreads = [], []
    for level, (a, b, ua, ub, units, ref, uref) in enumerate(pairs):
        dirs = _directions(a.shape[1], directions * repeats, np.random.default_rng([seed, 1, level]))
        values.append(_w1_mean(a, b, dirs))
        counts = image_counts if resample == "images" else draw(np.random.default_rng([seed, 2, level]), units)
        # Draws re-weight the first bootstrap_directions directions (a random subset): a mean over fewer
        # directions spreads at least as much, so the interval can only err wide.
        sub = dirs[:, :bootstrap_directions]
        stars = []
        if bootstrap:  # a draw also re-estimates the normalisation, as a fresh set of test images would
            w = counts.astype(np.float64)
            stars = _w1_weighted(sub.T @ a.T, sub.T @ b.T, ua, ub, w) * _rescale(ref, uref, channels, w)
        spreads.append(np.asarray(stars))
    q = [(1 - ci) / 2, (1 + ci) / 2]

    def summary(value: float, spread: np.ndarray) -> tuple[float, float, float]:
        if not bootstrap:
            return 1e3 * value, np.nan, np.nan
        # Resampling duplicates some units and drops others, which adds sampling noise and biases a distance
        # upwards: the draws give the interval's width and shape, centred on the estimate by their median.
        lo, hi = np.nanquantile(spread - np.nanmedian(spread), q)
        return 1e3 * value, 1e3 * max(value + float(lo), 0.0), 1e3 * (value + float(hi))

    rows = tuple({"level": level, **dict(zip(("swd", "swd_ci_low", "swd_ci_high"), summary(v, d))),
                  "patches": len(p[0])} for level, (v, d, p) in enumerate(zip(values, spreads, pairs)))
    total = summary(float(np.mean(values)), np.mean(spreads, axis=0))
    return SWDResult(*(float(x) for x in total), levels=rows, resample=resample)


def _units(resample: str, n_images: int, patches, rng: np.random.Generator) -> tuple[str, np.ndarray, int]:
    """(resample, unit of each patch, number of units) for the bootstrap.

    "patches" resamples blocks: the patches centred in one TILE-wide tile of one image (overlapping patches are
    not independent; resampled singly they narrow the interval by about half in the unit tests' check), the
    tiles merged into at most PATCH_GROUPS random groups so that a draw stays one matrix product."""
    if resample == "auto":
        resample = "images" if n_images >= IMAGE_BOOTSTRAP_MIN else "patches"
    if resample == "images":
        return resample, patches.image, n_images
    if resample != "patches":
        raise ValueError(f"resample must be 'auto', 'images' or 'patches', got {resample!r}")
    _, tile = np.unique(np.column_stack([patches.image, patches.centres // TILE]), axis=0, return_inverse=True)
    tiles = int(tile.max()) + 1
    groups = min(PATCH_GROUPS, tiles)
    return resample, (rng.permutation(tiles) % groups)[tile.ravel()], groups


def swd(outputs, references, masks=None, *, levels: int = 3, patches_per_image: int = 512, seed: int = 0,
        bootstrap: int = 100, ci: float = 0.95, directions: int = 512, repeats: int = 4, resample: str = "auto",
        bootstrap_directions: int = 64, spatial_dims: int = 2) -> SWDResult:
    """SWD ×10³ between the patch distributions of ``outputs`` (SR) and ``references`` (their HR originals).

    Per level: :func:`paired_patches`, both sets normalised by the reference patches' per-channel mean/std,
    ``directions × repeats`` random directions (seeded per level), exact 1-D W1 averaged; overall = mean over
    levels. Same references, masks and seed → same patches and directions for every method, so differences
    between methods are paired.

    The ``ci`` interval comes from ``bootstrap`` draws (0: none, NaN bounds) that resample, with replacement,
    the test images when there are at least 10 (patches of one image share its anatomy and noise: the image
    is the sampling unit), else blocks of patches — those centred in one 16-px tile of a level — which keeps
    the dependence of overlapping patches but not that between distant parts of one image, so with few
    images the interval describes these images, not the population they came from. ``resample`` ("images",
    "patches") overrides the choice, which the result records. Each draw re-weights the sorted projections
    exactly (no re-sorting) and re-estimates the normalisation; the interval is the draws' percentiles,
    centred on the estimate by their median (resampling biases a distance upwards).

    Args:
        outputs, references, masks, levels, patches_per_image, spatial_dims: as for :func:`paired_patches`.
        directions, repeats: ProGAN's 512 random directions, drawn 4 times (2048 in all).
        bootstrap_directions: how many of those directions each draw re-weights (cost ∝ this × patches).
    """
    sets = paired_patches(outputs, references, masks, levels=levels, patches_per_image=patches_per_image,
                          seed=seed, spatial_dims=spatial_dims)
    n_images = len(as_image_list(references, spatial_dims, "references"))
    pairs = []
    for level, s in enumerate(sets):
        mean, std = _channel_stats(s.references, s.channels)
        how, unit, units = _units(resample, n_images, s, np.random.default_rng([seed, 4, level]))
        b = _standardise(s.references, mean, std, s.channels)
        pairs.append((_standardise(s.outputs, mean, std, s.channels), b, unit, unit, units, b, unit))
    resample = how
    return _score(pairs, seed, bootstrap, ci, directions, repeats, resample, bootstrap_directions, n_images,
                  sets[0].channels)


def swd_floor(references, masks=None, *, levels: int = 3, patches_per_image: int = 512, seed: int = 0,
              bootstrap: int = 100, ci: float = 0.95, directions: int = 512, repeats: int = 4,
              resample: str = "auto", bootstrap_directions: int = 64, spatial_dims: int = 2) -> SWDResult:
    """The noise floor of :func:`swd`: the same statistic between two disjoint random halves of the HR patches
    (the positions :func:`swd` uses with the same arguments; normalised by all of them; same directions).

    Each half holds half the patches (split by 16-px tiles of each level), so this is the distance two
    independent HR samples of that size show — a value a method cannot be told apart from, and somewhat above
    the floor of full-size sets (the sampling part of W1 shrinks like 1/sqrt(patches)). A method is scored at
    the same positions as HR, so an exact copy of HR scores 0, below the floor.
    """
    refs = as_image_list(references, spatial_dims, "references")
    sets = paired_patches(refs, refs, masks, levels=levels, patches_per_image=patches_per_image, seed=seed,
                          spatial_dims=spatial_dims)
    pairs = []
    for level, s in enumerate(sets):
        if len(s.image) < 4:
            raise ValueError(f"level {level} has {len(s.image)} patches: too few to split in halves")
        mean, std = _channel_stats(s.references, s.channels)
        x = _standardise(s.references, mean, std, s.channels)
        # Halves by whole tiles (random order, cut at half the patches), so that overlapping patches — nearly
        # copies of each other — do not land in both halves and pull the floor down; one patch is dropped if odd.
        _, tile = np.unique(np.column_stack([s.image, s.centres // TILE]), axis=0, return_inverse=True)
        rank = np.random.default_rng([seed, 3, level]).permutation(int(tile.max()) + 1)[tile.ravel()]
        perm, half = np.argsort(rank, kind="stable"), len(x) // 2
        first, second = perm[:half], perm[half:2 * half]
        how, unit, units = _units(resample, len(refs), s, np.random.default_rng([seed, 4, level]))
        pairs.append((x[first], x[second], unit[first], unit[second], units, x, unit))
    resample = how
    return _score(pairs, seed, bootstrap, ci, directions, repeats, resample, bootstrap_directions, len(refs),
                  sets[0].channels)
