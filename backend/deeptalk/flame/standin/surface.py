"""The stand-in's large forms: an implicit surface (cranium, face, jaw, neck) and its meridians.

The surface is the zero set of a smooth union of ellipsoids and a capped neck. Rays from
`layout.CENTRE` at azimuth theta (0 = +Z, +pi/2 = +X) and polar angle phi (0 = +Y) hit
it once each; a column of the head's grid is a fine table of such hits (a meridian),
interpolated by the grid builder. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeptalk.flame.standin import layout as L

RAY_LENGTH = 0.32
SAMPLES = 480


@dataclass(frozen=True)
class Meridians:
    """Surface points along each column: phi (S,), points (C, S, 3), arc length (C, S)."""

    theta: np.ndarray  # (C,)
    phi: np.ndarray  # (S,)
    points: np.ndarray  # (C, S, 3)
    arc: np.ndarray  # (C, S) cumulative arc length from the crown


def ellipsoid_sdf(p: np.ndarray, centre: tuple[float, float, float], radii: tuple[float, float, float]) -> np.ndarray:
    """Approximate signed distance (exact sign) of (N, 3) points to an ellipsoid."""
    q = (p - np.asarray(centre)) / np.asarray(radii)  # (N, 3)
    return (np.linalg.norm(q, axis=-1) - 1.0) * min(radii)


def smooth_min(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth minimum (smooth union of two distance fields)."""
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b * (1 - h) + a * h - k * h * (1 - h)


def neck_sdf(p: np.ndarray) -> np.ndarray:
    """Elliptic neck column from under the skull down to a rounded bottom."""
    top, bottom = -0.06, L.NECK_BOTTOM_Y + 0.03
    y = np.clip(p[..., 1], bottom, top)
    q = np.stack([p[..., 0] / 0.05, (p[..., 1] - y) / 0.047, (p[..., 2] + 0.02) / 0.047], axis=-1)
    return (np.linalg.norm(q, axis=-1) - 1.0) * 0.047


def base_sdf(p: np.ndarray) -> np.ndarray:
    """Signed distance-like field of the head without facial features, (..., 3) -> (...)."""
    cranium = ellipsoid_sdf(p, (0.0, 0.024, -0.010), (0.0755, 0.093, 0.098))
    face = ellipsoid_sdf(p, (0.0, -0.022, 0.020), (0.064, 0.072, 0.066))
    jaw = ellipsoid_sdf(p, (0.0, -0.066, 0.026), (0.052, 0.042, 0.064))
    cheeks = np.minimum(ellipsoid_sdf(p, (0.041, -0.012, 0.042), (0.026, 0.030, 0.030)),
                        ellipsoid_sdf(p, (-0.041, -0.012, 0.042), (0.026, 0.030, 0.030)))
    head = smooth_min(smooth_min(cranium, face, 0.03), jaw, 0.02)
    head = smooth_min(head, cheeks, 0.015)
    return smooth_min(head, neck_sdf(p), 0.028)


def directions(theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Unit rays (..., 3) for azimuth theta and polar angle phi (broadcast)."""
    return np.stack([np.sin(phi) * np.sin(theta), np.cos(phi) * np.ones_like(theta),
                     np.sin(phi) * np.cos(theta)], axis=-1)


def cast(theta: np.ndarray, phi: np.ndarray, *, steps: int = 40, refine: int = 22) -> np.ndarray:
    """Outermost surface hit along each ray, (N,) angles -> (N, 3) points."""
    centre = np.asarray(L.CENTRE)
    d = directions(theta, phi)  # (N, 3)
    t = np.full(theta.shape, RAY_LENGTH)
    step = RAY_LENGTH / steps
    outside = np.ones(theta.shape, bool)
    for _ in range(steps):  # march inward until the first inside point
        t_next = np.where(outside, t - step, t)
        inside = base_sdf(centre + t_next[:, None] * d) < 0
        t = np.where(outside, t_next, t)
        outside &= ~inside
    lo, hi = t, t + step
    for _ in range(refine):
        mid = 0.5 * (lo + hi)
        inside = base_sdf(centre + mid[:, None] * d) < 0
        lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
    return centre + (0.5 * (lo + hi))[:, None] * d


def meridians(theta: np.ndarray, samples: int = SAMPLES) -> Meridians:
    """Fine surface tables for each column azimuth (C,)."""
    phi = np.linspace(0.0, np.pi, samples)
    tt, pp = np.meshgrid(theta, phi, indexing="ij")  # (C, S)
    points = cast(tt.reshape(-1), pp.reshape(-1)).reshape(len(theta), samples, 3)  # (C, S, 3)
    seg = np.linalg.norm(np.diff(points, axis=1), axis=2)  # (C, S-1)
    arc = np.concatenate([np.zeros((len(theta), 1)), np.cumsum(seg, axis=1)], axis=1)  # (C, S)
    return Meridians(theta=np.asarray(theta, float), phi=phi, points=points, arc=arc)
