"""Procedural colour fundus photographs with sharp vessels, a field-of-view mask and vessel ground truth.

The real fundus image that ships with scikit-image is very smooth (bicubic x4 of its native size
already reaches 42 dB inside the field of view), so it cannot
teach a network what a sharp vessel edge looks like. This generator draws vessel trees that grow
from the optic disc — four arcades that branch, thin (about 0.7x per branch) and bend around the
macula — over an orange-red background whose colours, vignetting and disc brightness were measured
on ``skimage.data.retina()``. Vessels darken green and blue more than red, as haemoglobin does.

Coordinates are in units of the FOV radius around the image centre (x right, y down).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .patches import as_numpy_rng

__all__ = ["FundusPhantom", "fundus_phantom"]

_BACKGROUND = np.array([0.84, 0.33, 0.23], np.float32)  # median RGB inside the FOV of skimage's retina
_DISC = np.array([1.0, 0.72, 0.50], np.float32)
_ABSORPTION = np.array([0.28, 0.62, 0.50], np.float32)  # fraction of R, G, B a wide vein removes


@dataclass
class FundusPhantom:
    """One synthetic fundus photograph.

    Attributes:
        image: (3, H, W) float32 RGB in [0, 1], black outside the FOV.
        fov_mask: (H, W) bool field of view.
        vessel_mask: (H, W) bool, true where a vessel covers more than half the pixel.
    """

    image: np.ndarray
    fov_mask: np.ndarray
    vessel_mask: np.ndarray


def fundus_phantom(size: int = 512, rng: int | np.random.Generator = 0, *, vessel_width: float = 0.022,
                   noise: float = 0.008, blur: float = 0.4) -> FundusPhantom:
    """Draw one fundus photograph.

    Args:
        size: image side in pixels.
        rng: seed or generator.
        vessel_width: width of the main veins at the disc, as a fraction of the FOV radius.
        noise: standard deviation of the sensor noise (on [0, 1] values).
        blur: Gaussian sigma of the camera optics, pixels at 512 px (scaled with size).
    """
    g = as_numpy_rng(rng)
    radius_px = size / 2.0 * g.uniform(0.93, 0.98)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    x, y = (xx + 0.5 - size / 2) / radius_px, (yy + 0.5 - size / 2) / radius_px
    rho = np.hypot(x, y)
    fov = rho <= 1.0
    side = -1.0 if g.random() < 0.5 else 1.0  # optic disc on the left or the right
    disc = np.array([side * g.uniform(0.55, 0.65), g.uniform(-0.08, 0.08)])
    macula = np.array([-side * g.uniform(0.0, 0.1), disc[1] + g.uniform(0.0, 0.08)])

    # Background: measured colour, vignetting, macula, optic disc, choroidal texture.
    shade = 1.04 - 0.18 * rho**2.5
    shade *= 1.0 - 0.22 * np.exp(-(((x - macula[0]) ** 2 + (y - macula[1]) ** 2) / (2 * 0.12**2)))
    texture = ndimage.gaussian_filter(g.standard_normal((size, size)).astype(np.float32), size * 0.02)
    texture *= 0.015 / max(float(texture.std()), 1e-6)
    colour = _BACKGROUND * g.uniform(0.93, 1.07, size=3).astype(np.float32)
    image = colour[:, None, None] * (shade * (1 + texture))[None]
    d_disc = np.hypot(x - disc[0], y - disc[1])
    disc_r = g.uniform(0.085, 0.1)
    disc_w = np.clip((disc_r - d_disc) / 0.015 + 0.5, 0, 1) * (0.8 + 0.2 * np.exp(-(d_disc / (0.5 * disc_r)) ** 2))
    image = image * (1 - disc_w) + _DISC[:, None, None] * disc_w

    # Vessels: four arcades from the disc, each a branching random walk.
    opacity, coverage = np.zeros((size, size), np.float32), np.zeros((size, size), np.float32)
    to_macula = np.arctan2(macula[1] - disc[1], macula[0] - disc[0])
    for up in (-1.0, 1.0):
        for temporal, width in ((True, vessel_width), (False, vessel_width * 0.7)):
            for vein, w in ((True, width), (False, width * 0.75)):
                angle = to_macula + up * (g.uniform(0.9, 1.2) if temporal else g.uniform(2.0, 2.5))
                bend = -up * (g.uniform(1.2, 1.8) if temporal else g.uniform(0.0, 0.6))
                start = disc + 0.02 * g.standard_normal(2)
                _grow((opacity, coverage), g, start, angle + 0.1 * g.standard_normal(), bend, w, 1.0 if vein else 0.7,
                      radius_px, size, depth=0)
    opacity = np.minimum(opacity, 1.0)
    image = image * (1 - _ABSORPTION[:, None, None] * opacity[None])
    sigma = blur * size / 512.0
    if sigma > 0:
        image = ndimage.gaussian_filter(image, (0, sigma, sigma))
    image = image + noise * g.standard_normal(image.shape).astype(np.float32)
    image = np.clip(image, 0, 1) * fov[None]
    return FundusPhantom(image.astype(np.float32), fov, (coverage > 0.5) & fov)


def _grow(canvas, g, point, angle, bend, width, strength, radius_px, size, depth) -> None:
    """Random-walk one vessel, branching into thinner children; render it as it goes."""
    step = max(1.5 / radius_px, width * 0.6)
    points, widths = [np.array(point, np.float64)], [width]
    length = g.uniform(1.0, 1.6) if depth == 0 else g.uniform(0.25, 0.7) * 0.8**depth
    travelled = 0.0
    while travelled < length and width * radius_px > 0.6:
        angle += bend * step + g.normal(0, 0.12)
        nxt = points[-1] + step * np.array([np.cos(angle), np.sin(angle)])
        if np.hypot(*nxt) > 1.02:
            break
        points.append(nxt)
        widths.append(width)
        travelled += step
        if depth < 4 and g.random() < step / 0.22:  # a branch every ~0.22 FOV radii; child thinner
            child = width * g.uniform(0.55, 0.75)
            turn = (1 if g.random() < 0.5 else -1) * g.uniform(0.4, 1.0)
            _grow(canvas, g, nxt, angle + turn, g.normal(0, 1.0), child, strength, radius_px, size, depth + 1)
            width *= 0.92
    _render(canvas, np.array(points), np.array(widths), strength, radius_px, size)


def _render(canvas, points, widths, strength, radius_px, size) -> None:
    """Paint a polyline of capsules with a cylindrical absorption profile and ~1 px anti-aliased edges."""
    if len(points) < 2:
        return
    pix = points * radius_px + size / 2.0 - 0.5  # (x, y) in pixel coordinates
    half = widths * radius_px / 2.0
    for k in range(0, len(pix) - 1, 12):  # chunks keep each bounding box small
        a, b, r = pix[k:k + 13][:-1], pix[k:k + 13][1:], half[k:k + 13][:-1]
        if len(a) == 0:
            continue
        lo = np.floor(np.minimum(a.min(0), b.min(0)) - r.max() - 2).astype(int).clip(0, size - 1)
        hi = np.ceil(np.maximum(a.max(0), b.max(0)) + r.max() + 2).astype(int).clip(0, size - 1)
        gy, gx = np.mgrid[lo[1]:hi[1] + 1, lo[0]:hi[0] + 1]
        p = np.stack([gx, gy], -1).reshape(-1, 1, 2).astype(np.float64)  # (P, 1, 2)
        ab = (b - a)[None]  # (1, S, 2)
        t = np.clip(((p - a[None]) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-9), 0, 1)
        dist = np.linalg.norm(p - (a[None] + t[..., None] * ab), axis=-1)  # (P, S)
        cover = np.clip(r[None] - dist + 0.5, 0, 1)  # fraction of the pixel inside the vessel
        profile = 0.55 + 0.45 * np.sqrt(np.clip(1 - (dist / r[None]) ** 2, 0, 1))  # thicker blood in the middle
        box = (slice(lo[1], hi[1] + 1), slice(lo[0], hi[0] + 1))
        for target, value in zip(canvas, (strength * (cover * profile).max(1), cover.max(1))):
            np.maximum(target[box], value.reshape(gy.shape).astype(np.float32), out=target[box])
