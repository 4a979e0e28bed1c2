"""Procedural thoracic CT phantoms with ground truth: unlimited, seeded CT training slices.

A phantom is an axial chest slice drawn from ellipses with textbook Hounsfield values — air -1000,
lung about -850, fat about -100, soft tissue and blood +40, cancellous bone about +250 and cortical
bone +700..+1000 — plus lung vessels, ribs, spine, optional nodules with exact masks, correlated
tissue texture, the scanner's blur and quantum noise. It is not anatomy; it gives a network sharp
HU edges and realistic value statistics, and the real slices in :mod:`ganbook.data.embedded` test
whether what it learnt transfers.

Coordinates are in units of half the field of view (x right, y down), so a phantom looks the same
at every size; ``spacing`` says how many millimetres a pixel is.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from .patches import as_numpy_rng

__all__ = ["CTPhantom", "ct_phantom", "ct_phantoms", "LABELS"]

LABELS = {"air": 0, "fat": 1, "soft_tissue": 2, "lung": 3, "bone": 4, "vessel": 5, "nodule": 6}


@dataclass
class CTPhantom:
    """One phantom slice.

    Attributes:
        image: (H, W) float32 in HU.
        labels: (H, W) uint8 tissue classes (see :data:`LABELS`), before blur and noise.
        nodule_mask: (H, W) bool, true inside any nodule.
        body_mask: (H, W) bool, true inside the body outline.
        nodules: one dict per nodule: centre (row, col) in pixels, radius_mm, hu, kind (solid / ground-glass).
        spacing: (row, col) pixel spacing in mm.
    """

    image: np.ndarray
    labels: np.ndarray
    nodule_mask: np.ndarray
    body_mask: np.ndarray
    nodules: list[dict] = field(default_factory=list)
    spacing: tuple[float, float] = (1.0, 1.0)


class _Canvas:
    """Paints ellipses into HU and label maps, touching only each shape's bounding box."""

    def __init__(self, size: int):
        self.size, self.half = size, size / 2.0
        self.hu = np.full((size, size), -1000.0, np.float32)
        self.labels = np.zeros((size, size), np.uint8)

    def ellipse(self, cx, cy, a, b, theta=0.0, hu=None, label=None, where=None):
        """Fill the ellipse centred (cx, cy) with semi-axes (a, b), rotated by theta; return its mask."""
        r = max(a, b) * self.half + 2
        x0, y0 = (cx + 1) * self.half - 0.5, (cy + 1) * self.half - 0.5  # pixel-centre convention
        rows = slice(max(int(y0 - r), 0), min(int(y0 + r) + 2, self.size))
        cols = slice(max(int(x0 - r), 0), min(int(x0 + r) + 2, self.size))
        yy = (np.arange(rows.start, rows.stop)[:, None] + 0.5) / self.half - 1 - cy
        xx = (np.arange(cols.start, cols.stop)[None, :] + 0.5) / self.half - 1 - cx
        c, s = np.cos(theta), np.sin(theta)
        inside = ((xx * c + yy * s) / a) ** 2 + ((-xx * s + yy * c) / b) ** 2 <= 1.0
        if where is not None:
            inside &= where[rows, cols]
        if hu is not None:
            self.hu[rows, cols][inside] = hu
        if label is not None:
            self.labels[rows, cols][inside] = label
        return (rows, cols), inside

    def full_mask(self, box, inside) -> np.ndarray:
        mask = np.zeros((self.size, self.size), bool)
        mask[box] = inside
        return mask


def ct_phantom(size: int = 256, rng: int | np.random.Generator = 0, *, nodules: int | tuple[int, int] = (0, 3),
               fov_mm: float = 360.0, noise_hu: float = 10.0, blur: float = 0.5,
               contrast: bool | None = None) -> CTPhantom:
    """Draw one random chest CT slice.

    Args:
        size: image side in pixels.
        rng: seed or generator (also accepts the training loop's torch.Generator via ``as_numpy_rng``).
        nodules: how many lung nodules, or an inclusive (low, high) range to draw from.
        fov_mm: reconstruction field of view; spacing = fov_mm / size.
        noise_hu: standard deviation of the white quantum noise, HU.
        blur: Gaussian sigma of the scanner's point spread, in pixels at 256 px (scaled with size).
        contrast: contrast-enhanced blood (+200 HU) or not (+40); ``None`` picks at random (30 %).

    Returns:
        A :class:`CTPhantom`.
    """
    g = as_numpy_rng(rng)
    cv = _Canvas(int(size))
    u = lambda lo, hi: float(g.uniform(lo, hi))  # noqa: E731
    # Body: subcutaneous fat shell around muscle.
    bx, by, ba, bb, bt = u(-0.03, 0.03), u(0.0, 0.08), u(0.76, 0.9), u(0.52, 0.66), u(-0.05, 0.05)
    body_box, body_in = cv.ellipse(bx, by, ba, bb, bt, hu=u(-115, -85), label=LABELS["fat"])
    body = cv.full_mask(body_box, body_in)
    fat = u(0.03, 0.08)
    ma, mb = ba - fat, bb - fat
    cv.ellipse(bx, by, ma, mb, bt, hu=u(35, 55), label=LABELS["soft_tissue"])
    # Lungs, then the heart cutting into them; vessels inside the lungs.
    lungs = np.zeros_like(body)
    for side in (-1, 1):
        box, inside = cv.ellipse(bx + side * ma * u(0.42, 0.5), by - mb * u(0.0, 0.1), ma * u(0.32, 0.4),
                                 mb * u(0.62, 0.75), side * u(0.0, 0.2), hu=u(-880, -820), label=LABELS["lung"])
        lungs |= cv.full_mask(box, inside)
    blood = 200.0 if (contrast if contrast is not None else g.random() < 0.3) else u(35, 50)
    hx, hy = bx + ma * u(0.02, 0.12), by - mb * u(0.05, 0.15)  # anterior (up), slightly to the left
    ha, hb = ma * u(0.22, 0.3), mb * u(0.3, 0.38)
    cv.ellipse(hx, hy, ha * 1.12, hb * 1.12, 0.4, hu=u(-100, -80), label=LABELS["fat"])  # pericardial fat
    cv.ellipse(hx, hy, ha, hb, 0.4, hu=blood, label=LABELS["vessel"])
    cv.ellipse(bx - ma * 0.08, by - mb * u(0.35, 0.45), 0.055, 0.055, hu=blood, label=LABELS["vessel"])  # aorta
    lungs &= cv.labels == LABELS["lung"]
    _lung_vessels(cv, g, lungs, blood)
    # Spine (cortical shell, cancellous core, canal), sternum and ribs.
    k = mb / 0.6  # spine size follows the body so the spinous process stays inside
    sx, sy = bx, by + mb * u(0.5, 0.56)
    cv.ellipse(sx + 0.13 * k, sy - 0.07 * k, 0.045 * k, 0.045 * k, hu=blood, label=LABELS["vessel"])  # descending aorta
    cv.ellipse(sx, sy, 0.1 * k, 0.085 * k, hu=u(750, 1000), label=LABELS["bone"])
    cv.ellipse(sx, sy, 0.08 * k, 0.067 * k, hu=u(180, 300), label=LABELS["bone"])
    cv.ellipse(sx, sy + 0.13 * k, 0.04 * k, 0.035 * k, hu=u(10, 30), label=LABELS["soft_tissue"])
    cv.ellipse(sx, sy + 0.2 * k, 0.025 * k, 0.045 * k, hu=u(500, 800), label=LABELS["bone"])
    cv.ellipse(bx, by - mb + 0.06, 0.05, 0.025, hu=u(300, 600), label=LABELS["bone"])
    for phi in np.linspace(0.15, np.pi - 0.15, int(g.integers(4, 7))):
        for side in (-1, 1):
            t = phi + u(-0.08, 0.08)
            px, py = bx + side * (ma - 0.035) * np.sin(t), by - (mb - 0.035) * np.cos(t)
            cv.ellipse(px, py, 0.04, 0.018, side * (np.pi / 2 - t), hu=u(600, 950), label=LABELS["bone"])
    # Nodules: fully inside the lung, with exact masks.
    count = nodules if isinstance(nodules, int) else int(g.integers(nodules[0], nodules[1] + 1))
    spacing = fov_mm / size
    found, nodule_mask = _nodules(cv, g, lungs, count, spacing)
    labels = cv.labels.copy()
    image = _texture_blur_noise(cv, g, labels, blur * size / 256.0, noise_hu)
    return CTPhantom(image, labels, nodule_mask, body, found, (spacing, spacing))


def _lung_vessels(cv: _Canvas, g: np.random.Generator, lungs: np.ndarray, hu: float) -> None:
    inside = np.flatnonzero(lungs)
    if not inside.size:
        return
    for idx in g.choice(inside, size=int(g.integers(25, 60))):
        r, c = divmod(int(idx), cv.size)
        radius = g.uniform(0.004, 0.012) * (1.0 + (g.random() < 0.1))
        cv.ellipse((c + 0.5) / cv.half - 1, (r + 0.5) / cv.half - 1, radius * g.uniform(1.0, 3.0), radius,
                   g.uniform(0, np.pi), hu=hu + g.uniform(-10, 10), label=LABELS["vessel"], where=lungs)


def _nodules(cv: _Canvas, g: np.random.Generator, lungs: np.ndarray, count: int, spacing: float):
    found, mask = [], np.zeros_like(lungs)
    inside = np.flatnonzero(lungs)
    for _ in range(count * 20):  # rejection sampling: keep nodules that lie entirely in the lung
        if len(found) == count or not inside.size:
            break
        r, c = divmod(int(g.choice(inside)), cv.size)
        radius_mm = g.uniform(3.0, 12.0)
        a = radius_mm / spacing / cv.half
        b = a * g.uniform(0.75, 1.0)
        cx, cy = (c + 0.5) / cv.half - 1, (r + 0.5) / cv.half - 1
        box, shape = cv.ellipse(cx, cy, a, b, g.uniform(0, np.pi))
        if not shape.any() or not lungs[box][shape].all() or mask[box][shape].any():
            continue
        solid = g.random() < 0.7
        hu = g.uniform(0, 80) if solid else g.uniform(-650, -350)
        cv.hu[box][shape], cv.labels[box][shape] = hu, LABELS["nodule"]
        mask[box] |= shape
        found.append({"centre": (r, c), "radius_mm": round(radius_mm, 2), "hu": round(hu, 1),
                      "kind": "solid" if solid else "ground-glass"})
    return found, mask


def _texture_blur_noise(cv: _Canvas, g: np.random.Generator, labels: np.ndarray, sigma: float,
                        noise_hu: float) -> np.ndarray:
    # Correlated texture, stronger in lung parenchyma and bone than in fat and muscle.
    amplitude = np.array([2, 6, 8, 25, 40, 6, 15], np.float32)[labels]
    texture = ndimage.gaussian_filter(g.standard_normal(labels.shape).astype(np.float32), 1.5) * 2.5
    image = cv.hu + amplitude * texture
    if sigma > 0:
        image = ndimage.gaussian_filter(image, sigma)
    image += noise_hu * g.standard_normal(image.shape).astype(np.float32)
    return np.clip(image, -1024.0, 3071.0).astype(np.float32)


def ct_phantoms(n: int, size: int = 256, seed: int = 0, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """``n`` phantoms as arrays: images (n, size, size) HU and nodule masks (n, size, size).

    Phantom ``k`` uses seed ``(seed, k)``, so any subset can be regenerated on its own.
    """
    images, masks = np.empty((n, size, size), np.float32), np.empty((n, size, size), bool)
    for k in range(n):
        p = ct_phantom(size, np.random.default_rng([seed, k]), **kwargs)
        images[k], masks[k] = p.image, p.nodule_mask
    return images, masks
