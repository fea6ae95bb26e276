"""Head v2's cranium: v1's ellipsoid widened above the temples into a fuller, less egg-like dome.

In the frontal plane the ellipsoid's outline is pushed out towards a superellipse (exponent
`CRANIUM_EXPONENT`): the sides above the temples fill out, the crown, forehead centre and the
profile keep their place. Only skin above `ROUNDING_START_Y` moves (brows, eyes, ears and
everything below them stay exactly where they were), faded in smoothly up to `ROUNDING_FULL_Y`.
Mirror-symmetric: x is scaled, y and z are kept.
"""

from __future__ import annotations

import numpy as np

from deeptalk.flame.standin.face import smoothstep

CRANIUM_CENTRE = (0.0, 0.024, -0.010)  # v1's cranium ellipsoid (`standin.surface.base_sdf`)
CRANIUM_RADII = (0.0755, 0.093, 0.098)
CRANIUM_EXPONENT = 3.0  # 2 = the ellipsoid; higher is boxier
ROUNDING_START_Y = 0.030  # the brows' top: nothing below moves
ROUNDING_FULL_Y = 0.085  # the hairline height


def superellipse_factor(direction: np.ndarray, exponent: float) -> np.ndarray:
    """(N, 2) frontal directions in the ellipsoid's unit frame -> (N,) radius of the superellipse there (>= 1)."""
    unit = direction / np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-12)
    return (np.abs(unit) ** exponent).sum(axis=1) ** (-1.0 / exponent)


def round_cranium(vertices: np.ndarray, skin: np.ndarray, exponent: float = CRANIUM_EXPONENT) -> np.ndarray:
    """(V, 3) rest vertices and (V,) skin mask -> vertices with the upper skull widened."""
    p = np.asarray(vertices, dtype=np.float64)
    frontal = (p[:, :2] - np.asarray(CRANIUM_CENTRE[:2])) / np.asarray(CRANIUM_RADII[:2])
    weight = smoothstep((p[:, 1] - ROUNDING_START_Y) / (ROUNDING_FULL_Y - ROUNDING_START_Y)) * skin
    out = p.copy()
    out[:, 0] *= 1.0 + weight * (superellipse_factor(frontal, exponent) - 1.0)
    return out
