"""Procedural cartoon faces with ground-truth landmarks: DragGAN's training and benchmark data.

A face is drawn from a handful of interpretable parameters (head shape, size, position, tilt and
yaw; skin, hair and background colours; eye position, size, openness and gaze; nose; mouth width,
openness and smile; ear tips; hairline) with the painter's algorithm on a 4x supersampled grid and
box-filtered down (antialiasing). Every feature is placed in a head-centred frame (u, v), where the
head outline is u^2 + v^2 = 1, then rotated by the tilt and moved to the head centre, so the
landmarks are exact: they are computed with the same transform, not detected.

Coordinates: (x, y) in output pixels, x to the right, y down, pixel centres at integers (the first
pixel's centre is (0, 0)), the convention DragGAN's grid_sample(align_corners=True) uses.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

__all__ = ["LANDMARK_NAMES", "FIVE_POINTS", "FaceParams", "sample_face_params", "render_face", "make_faces",
           "make_face_pool"]

LANDMARK_NAMES = ("left_eye", "right_eye", "nose_tip", "mouth_left", "mouth_right", "chin",
                  "left_ear_tip", "right_ear_tip")
FIVE_POINTS = (0, 1, 2, 3, 4)  # the usual 5-point face layout (eyes, nose, mouth corners)

_SKIN = np.array([[0.96, 0.80, 0.69], [0.87, 0.67, 0.52], [0.68, 0.48, 0.34], [0.45, 0.30, 0.21],
                  [0.98, 0.88, 0.75], [0.80, 0.85, 0.60], [0.70, 0.80, 0.95]])  # + two cartoon tones
_HAIR = np.array([[0.10, 0.07, 0.05], [0.35, 0.20, 0.10], [0.75, 0.55, 0.25], [0.55, 0.15, 0.08],
                  [0.85, 0.85, 0.80], [0.20, 0.25, 0.55], [0.45, 0.45, 0.45]])


@dataclass
class FaceParams:
    """One face. Lengths of the head are fractions of the image size; features are in head units."""

    cx: float; cy: float; rx: float; ry: float; tilt: float; yaw: float  # noqa: E702
    skin: tuple; hair: tuple; bg_top: tuple; bg_bottom: tuple; iris: tuple  # noqa: E702
    eye_dx: float; eye_y: float; eye_r: float; eye_open: float; gaze_x: float; gaze_y: float  # noqa: E702
    nose_y: float; nose_r: float  # noqa: E702
    mouth_y: float; mouth_w: float; mouth_open: float; smile: float  # noqa: E702
    ear_angle: float; ear_len: float; ear_width: float; hairline: float; hair_wave: float  # noqa: E702


def sample_face_params(rng: np.random.Generator) -> FaceParams:
    """Draw a random face (all ranges chosen so faces stay inside the frame)."""
    u = rng.uniform

    def jitter(base, amount=0.06):
        return tuple(np.clip(base + rng.normal(0, amount, 3), 0, 1).round(4).tolist())

    hue = u(0, 1)
    bg = np.array([0.5 + 0.35 * np.cos(2 * np.pi * (hue + k / 3)) for k in range(3)])  # pastel hue wheel
    return FaceParams(
        cx=u(0.42, 0.58), cy=u(0.50, 0.58), rx=u(0.23, 0.31), ry=u(0.27, 0.34), tilt=u(-0.3, 0.3),
        yaw=u(-0.35, 0.35),
        skin=jitter(_SKIN[rng.integers(len(_SKIN))]), hair=jitter(_HAIR[rng.integers(len(_HAIR))]),
        bg_top=jitter(bg, 0.08), bg_bottom=jitter(bg * 0.7, 0.08), iris=jitter(rng.uniform(0.05, 0.6, 3), 0.0),
        eye_dx=u(0.30, 0.45), eye_y=u(-0.25, -0.05), eye_r=u(0.13, 0.21), eye_open=u(0.5, 1.0),
        gaze_x=u(-1, 1), gaze_y=u(-0.6, 0.6), nose_y=u(0.12, 0.30), nose_r=u(0.06, 0.11),
        mouth_y=u(0.45, 0.62), mouth_w=u(0.20, 0.45), mouth_open=u(0.0, 0.18), smile=u(-0.06, 0.12),
        ear_angle=u(0.45, 0.80), ear_len=u(0.25, 0.55), ear_width=u(0.20, 0.32), hairline=u(-0.6, -0.25),
        hair_wave=u(0.0, 0.12),
    )


def _feature_points(p: FaceParams) -> dict[str, tuple[float, float]]:
    """Landmarks and feature centres in the head frame (u, v); yaw slides features sideways."""
    shift, nose_shift = 0.30 * p.yaw, 0.45 * p.yaw
    ear_tip = 1.0 + p.ear_len
    return {
        "left_eye": (-p.eye_dx + shift, p.eye_y), "right_eye": (p.eye_dx + shift, p.eye_y),
        "nose_tip": (nose_shift, p.nose_y),
        "mouth_left": (-p.mouth_w + shift, p.mouth_y), "mouth_right": (p.mouth_w + shift, p.mouth_y),
        "chin": (0.0, 1.0),
        "left_ear_tip": (-np.sin(p.ear_angle) * ear_tip, -np.cos(p.ear_angle) * ear_tip),
        "right_ear_tip": (np.sin(p.ear_angle) * ear_tip, -np.cos(p.ear_angle) * ear_tip),
    }


def _to_image(p: FaceParams, size: int, u, v):
    """Head frame -> image pixels (rotate by tilt, scale by the head radii, move to the centre)."""
    x, y = u * p.rx * size, v * p.ry * size
    c, s = np.cos(p.tilt), np.sin(p.tilt)
    return p.cx * size - 0.5 + c * x - s * y, p.cy * size - 0.5 + s * x + c * y


def _in_triangle(u, v, a, b, c):
    def edge(p0, p1):
        return (p1[0] - p0[0]) * (v - p0[1]) - (p1[1] - p0[1]) * (u - p0[0])
    e0, e1, e2 = edge(a, b), edge(b, c), edge(c, a)
    return ((e0 >= 0) & (e1 >= 0) & (e2 >= 0)) | ((e0 <= 0) & (e1 <= 0) & (e2 <= 0))


def render_face(p: FaceParams, size: int = 64, supersample: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Draw one face.

    Args:
        p: the face's parameters.
        size: output height = width in pixels (64-128 for DragGAN here; any size works).
        supersample: render at ``size * supersample`` and box-filter down (antialiasing).

    Returns:
        image (size, size, 3) float32 in [0, 1], landmarks (K, 2) float32 as (x, y) pixels in the
        order of :data:`LANDMARK_NAMES`.
    """
    n = size * supersample
    coords = (np.arange(n, dtype=np.float32) + 0.5) / supersample - 0.5  # pixel-centre convention
    X, Y = np.meshgrid(coords, coords)
    # Inverse transform of every sample into the head frame.
    c, s = float(np.cos(p.tilt)), float(np.sin(p.tilt))
    dx, dy = X - (p.cx * size - 0.5), Y - (p.cy * size - 0.5)
    U = (c * dx + s * dy) / (p.rx * size)
    V = (-s * dx + c * dy) / (p.ry * size)
    t = (Y / (size - 1))[..., None]
    img = np.asarray(p.bg_top, np.float32) * (1 - t) + np.asarray(p.bg_bottom, np.float32) * t  # (n, n, 3)

    def region(u0, u1, v0, v1):
        """Views (u, v, img) of the supersampled grid covering the head-frame box [u0,u1]x[v0,v1]."""
        xs, ys = _to_image(p, size, np.array([u0, u1, u0, u1]), np.array([v0, v0, v1, v1]))
        lo = lambda a: int(np.clip(np.floor((a.min() + 0.5) * supersample), 0, n))  # noqa: E731
        hi = lambda a: int(np.clip(np.ceil((a.max() + 0.5) * supersample) + 1, 0, n))  # noqa: E731
        sl = (slice(lo(ys), hi(ys)), slice(lo(xs), hi(xs)))
        return U[sl], V[sl], img[sl]

    def paint(view, mask, colour, shade=None):
        col = np.asarray(colour, np.float32)
        view[mask] = col if shade is None else col * shade[mask][:, None]

    skin, hair = np.asarray(p.skin), np.asarray(p.hair)
    pts = _feature_points(p)
    for side in (-1, 1):  # ears: outer triangle in hair colour, inner in a pinker skin tone
        base0 = (side * np.sin(p.ear_angle - p.ear_width), -np.cos(p.ear_angle - p.ear_width))
        base1 = (side * np.sin(p.ear_angle + p.ear_width), -np.cos(p.ear_angle + p.ear_width))
        tip = pts["right_ear_tip" if side > 0 else "left_ear_tip"]
        tri = np.array([base0, base1, tip])
        u, v, im = region(tri[:, 0].min(), tri[:, 0].max(), tri[:, 1].min(), tri[:, 1].max())
        paint(im, _in_triangle(u, v, base0, base1, tip), hair)
        mid = np.add(base0, base1) / 2
        inner = [tuple(mid + 0.55 * (np.asarray(q) - mid)) for q in (base0, base1, tip)]  # shrunk towards mid
        paint(im, _in_triangle(u, v, *inner), 0.6 * skin + 0.4 * np.array([0.95, 0.55, 0.6]))
    u, v, im = region(-1, 1, -1, 1)
    r2 = u ** 2 + v ** 2
    head = r2 <= 1
    paint(im, head, skin, shade=1.0 - 0.18 * np.clip(r2, 0, 1))  # soft radial shading
    hairline = p.hairline + p.hair_wave * np.cos(6 * u) + 0.25 * u ** 2
    paint(im, head & (v < hairline), hair, shade=1.0 - 0.1 * np.clip(r2, 0, 1))
    for name, sign in (("left_eye", -1), ("right_eye", 1)):
        eu, ev = pts[name]
        er = p.eye_r * (1 + 0.25 * sign * p.yaw)  # the eye on the turned-towards side looks bigger
        brow_v = ev - er * p.eye_open - 0.12
        u, v, im = region(eu - 1.2 * er, eu + 1.2 * er, brow_v - 0.1, ev + er)
        du, dv = (u - eu) / er, (v - ev) / (er * p.eye_open)
        eye = du ** 2 + dv ** 2 <= 1
        paint(im, eye, (0.97, 0.97, 0.95))
        iu, iv = eu + 0.4 * p.gaze_x * er, ev + 0.4 * p.gaze_y * er * p.eye_open
        d_iris = ((u - iu) ** 2 + (v - iv) ** 2) / (0.55 * er) ** 2
        paint(im, eye & (d_iris <= 1), p.iris)
        paint(im, eye & (d_iris <= 0.3), (0.03, 0.03, 0.04))
        paint(im, ((u - iu + 0.2 * er) ** 2 + (v - iv + 0.2 * er) ** 2) <= (0.12 * er) ** 2, (1.0, 1.0, 1.0))
        paint(im, (np.abs(u - eu) < er * 1.1) & (np.abs(v - brow_v + 0.15 * (u - eu) ** 2) < 0.035), hair * 0.8)
    nu, nv, nr = *pts["nose_tip"], p.nose_r
    u, v, im = region(nu - nr, nu + nr, nv - 2 * nr, nv)
    paint(im, _in_triangle(u, v, (nu - nr, nv - 2 * nr), (nu + nr, nv - 2 * nr), (nu, nv)), skin * 0.72)
    (ml, my), (mr, _) = pts["mouth_left"], pts["mouth_right"]
    u, v, im = region(ml, mr, my - 0.1, my + 0.35)
    tm = (u - (ml + mr) / 2) / ((mr - ml) / 2)
    bow = np.clip(1 - tm ** 2, 0, None)
    upper = my + p.smile * bow - 0.02
    lower = my + (p.smile + p.mouth_open) * bow + 0.02
    paint(im, (np.abs(tm) <= 1) & (v >= upper) & (v <= lower), (0.45, 0.08, 0.12))
    image = img.reshape(size, supersample, size, supersample, 3).mean(axis=(1, 3))  # box-filter down
    lm = np.array([_to_image(p, size, *pts[k]) for k in LANDMARK_NAMES], dtype=np.float32)
    return np.clip(image, 0, 1).astype(np.float32), lm


def make_faces(n: int, seed: int = 0, size: int = 64, supersample: int = 4, chw: bool = False, offset: int = 0):
    """Render ``n`` seeded faces.

    Args:
        n: number of faces.
        seed: the same seed gives the same faces (face i depends only on (seed, offset + i)).
        size: pixels (64-128 recommended).
        supersample: antialiasing factor.
        chw: return images as (n, 3, H, W) instead of (n, H, W, 3).
        offset: index of the first face (render a long sequence in chunks).

    Returns:
        images float32 in [0, 1], landmarks (n, K, 2) float32 (x, y), and the list of parameter dicts.
    """
    if n < 0 or size < 16:
        raise ValueError(f"make_faces needs n >= 0 and size >= 16, got n={n}, size={size}")
    images = np.empty((n, size, size, 3), np.float32)
    landmarks = np.empty((n, len(LANDMARK_NAMES), 2), np.float32)
    params = []
    for i in range(n):
        p = sample_face_params(np.random.default_rng([seed, offset + i]))
        images[i], landmarks[i] = render_face(p, size, supersample)
        params.append(asdict(p))
    if chw:
        images = np.ascontiguousarray(images.transpose(0, 3, 1, 2))  # (n, 3, H, W)
    return images, landmarks, params


def make_face_pool(n: int, seed: int, size: int) -> torch.Tensor:
    """Render ``n`` seeded faces once, as uint8 (n, 3, size, size): 12 KiB per face at 64 px."""
    pool = torch.empty(n, 3, size, size, dtype=torch.uint8)
    for start in range(0, n, 1024):  # in chunks: the float32 renders of the whole pool would be 4x larger
        images, _, _ = make_faces(min(1024, n - start), seed=seed, size=size, chw=True, offset=start)
        pool[start:start + len(images)] = torch.from_numpy(np.round(images * 255).astype(np.uint8))
    return pool
