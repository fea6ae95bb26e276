"""Head v2's facial forms: v1's height field plus fuller lips, philtrum, nasolabial folds, chin and a collar.

`apply_features_v2` is v1's `apply_features` with `forms` added to the height field, the
neck flared into a collar with a flat base, and the lids laid on the eyeball as in v1.
Pure numpy functions of the base positions; mirror-symmetric.
"""

from __future__ import annotations

import numpy as np

from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.face import (bump, face_weight, height_field, lid_cover, mouth_envelope,
                                         smooth_max, smoothstep, soft_abs)
from deeptalk.flame.standin_v2.midline import SOFTNESS

COLLAR_TOP_Y = -0.150  # the neck starts to flare here
BASE_Y = -0.180  # flat bottom of the collar


def lip_border(x: np.ndarray, upper: bool, bow: bool = True) -> np.ndarray:
    """Height of the vermilion border above (upper) / below (lower) the mouth line, 0 at the corners.

    bow=False leaves out the cupid's bow (the smooth outline the lips material follows).
    """
    t = np.clip(np.abs(x) / L.MOUTH_HALF_WIDTH, 0.0, 1.0)
    if upper and not bow:
        return 0.0088 * (1 - t ** 2) ** 0.55
    if upper:
        bow = 0.0086 * (1 - t ** 2) ** 0.55 + 0.0012 * np.exp(-((soft_abs(x, 0.003) - 0.0055) / 0.003) ** 2)
        return bow - 0.0010 * np.exp(-(x / 0.0025) ** 2)  # cupid's bow dip at the midline
    return 0.0105 * (1 - t ** 2) ** 0.6


def forms(p: np.ndarray, lip_side: np.ndarray) -> np.ndarray:
    """(V, 3) base points -> (V,) extra forward offsets of head v2's forms."""
    x, y, ax = p[:, 0], p[:, 1], soft_abs(p[:, 0], SOFTNESS)
    dy = y - L.MOUTH_Y
    side = np.where(lip_side != 0, lip_side, np.where(dy >= 0, 1.0, -1.0))
    upper = side > 0
    env = mouth_envelope(x, 0.7)
    border = np.where(upper, lip_border(x, True), lip_border(x, False))
    s = np.where(upper, dy, -dy) / np.maximum(border, 1e-4)  # 0 on the mouth line, 1 on the border
    body = np.where(s < 1.0, np.sin(np.pi * np.clip(s, 0, 1) ** 0.8) ** 0.7, 0.0)  # vermilion volume
    h = np.where(upper, 0.0020, 0.0024) * body * env
    h += 0.00045 * np.exp(-((s - 1.0) / 0.12) ** 2) * env  # white roll along the border
    h += 0.0010 * np.exp(-((s - 1.25) / 0.25) ** 2) * env * upper  # skin lip above the border
    # corners tuck into the cheeks; modiolus bulge just outside them
    h -= 0.0030 * bump(ax, y, L.MOUTH_HALF_WIDTH - 0.001, L.MOUTH_Y, 0.0045, 0.0045)
    h += 0.0014 * bump(ax, y, L.MOUTH_HALF_WIDTH + 0.0065, L.MOUTH_Y + 0.001, 0.004, 0.006)
    # philtrum columns between the nose base and the upper lip
    col = np.exp(-((ax - 0.0052) / 0.0017) ** 2) * smoothstep((y - L.MOUTH_Y - 0.009) / 0.004)
    h += 0.0007 * col * smoothstep((L.NOSE_BASE_Y - 0.001 - y) / 0.004)
    # nasolabial folds: a crease from the alae to past the mouth corners, cheek fullness beside it
    h += _crease(x, y, (0.0165, L.NOSE_TIP_Y - 0.010), (0.034, L.MOUTH_Y - 0.010), -0.0011, 0.0026)
    h += _crease(x, y, (0.0215, L.NOSE_TIP_Y - 0.011), (0.040, L.MOUTH_Y - 0.008), 0.0016, 0.0050)
    # chin: mentolabial sulcus and a rounder chin pad
    h -= 0.0012 * bump(x, y, 0.0, L.MOUTH_Y - 0.018, 0.013, 0.0045)
    h += 0.0030 * bump(x, y, 0.0, L.MOUTH_Y - 0.034, 0.013, 0.010)
    return h


def _crease(x: np.ndarray, y: np.ndarray, start: tuple[float, float], end: tuple[float, float],
            depth: float, width: float) -> np.ndarray:
    """A soft line form between two points (mirrored to both sides), fading at its ends."""
    a, b = np.asarray(start), np.asarray(end)
    q = np.stack([soft_abs(x, SOFTNESS), y], axis=1)
    d = b - a
    t = np.clip(((q - a) @ d) / (d @ d), 0.0, 1.0)
    dist = np.linalg.norm(q - (a + t[:, None] * d), axis=1)
    return depth * np.exp(-(dist / width) ** 2) * np.sin(np.pi * t) ** 0.6


def collar(p: np.ndarray) -> np.ndarray:
    """Flare the neck's bottom into a collar with a flat base (positions (V, 3) -> (V, 3))."""
    out = p.copy()
    centre_z = -0.02
    t = smoothstep((COLLAR_TOP_Y - p[:, 1]) / 0.028)
    scale = 1.0 + 0.30 * t ** 1.5
    out[:, 0] = p[:, 0] * scale
    out[:, 2] = centre_z + (p[:, 2] - centre_z) * scale
    below = p[:, 1] < BASE_Y + 0.004
    out[below, 1] = BASE_Y + 0.004 + (p[below, 1] - BASE_Y - 0.004) * 0.16
    return out


def apply_features_v2(base: np.ndarray, lip_side: np.ndarray, lid_edge: np.ndarray) -> np.ndarray:
    """Base points (V, 3) -> head v2's featured points (lids on the ball, collar; the ears are their own
    meshes, `ears.py`, not v1's relief on the grid)."""
    p = base.copy()
    p[:, 2] += (height_field(base, lip_side, SOFTNESS) + forms(base, lip_side)) * face_weight(base)
    cover = lid_cover(p, lid_edge.astype(float))
    lidded = np.isfinite(cover) & (p[:, 2] > L.EYEBALL_Z - 0.02)
    p[lidded, 2] = np.where(lid_edge[lidded], cover[lidded], smooth_max(p[lidded, 2], cover[lidded], 0.0025))
    return collar(p)
