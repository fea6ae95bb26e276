"""Facial features of the stand-in as a height field over the face (added along +Z).

Brow ridge, eye sockets with lids lying on the eyeballs, nose, lips rolling into the
mouth line, chin, cheekbones, and ears on the sides. `lip_side` tells the upper (+1) and
lower (-1) copies of the mouth line apart. Pure numpy functions of positions.
"""

from __future__ import annotations

import numpy as np

from deeptalk.flame.standin import layout as L


def bump(x: np.ndarray, y: np.ndarray, cx: float, cy: float, sx: float, sy: float, power: float = 2.0) -> np.ndarray:
    """exp(-(|dx/sx|^p + |dy/sy|^p)): a smooth blob of unit height."""
    return np.exp(-(np.abs((x - cx) / sx) ** power + np.abs((y - cy) / sy) ** power))


def soft_abs(x: np.ndarray, softness: float = 0.0) -> np.ndarray:
    """|x|, replaced within +-softness by the parabola that meets it smoothly (0 = exact |x|).

    A form written with |x| and centred off the midline has a kink at x = 0 (a seam down
    the face); the rounded |x| has none.
    """
    ax = np.abs(x)
    if softness <= 0.0:
        return ax
    return np.where(ax < softness, 0.5 * (x * x / softness + softness), ax)


def smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def smooth_max(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    h = np.clip(0.5 + 0.5 * (a - b) / k, 0.0, 1.0)
    return a * h + b * (1 - h) + k * h * (1 - h)


def face_weight(p: np.ndarray) -> np.ndarray:
    """1 on the face, fading to 0 toward the sides and behind."""
    return smoothstep((L.FACE_HALF_WIDTH + 0.012 - np.abs(p[:, 0])) / 0.03) * smoothstep(p[:, 2] / 0.03)


def mouth_envelope(x: np.ndarray, power: float = 0.5) -> np.ndarray:
    """Across the mouth: 1 at the centre, 0 at and beyond the corners."""
    return np.clip(1.0 - (x / L.MOUTH_HALF_WIDTH) ** 2, 0.0, None) ** power


def lip_offset(dy: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Height of the lips above a face with none, by signed distance from the mouth line."""
    upper = side > 0
    edge = -0.0032 * np.exp(-(dy / 0.0016) ** 2)  # lips roll inward into the line
    vermilion_u = 0.0034 * np.exp(-((dy - 0.0036) / 0.0026) ** 2)
    vermilion_l = 0.0046 * np.exp(-((dy + 0.0048) / 0.0034) ** 2)
    return edge + np.where(upper, vermilion_u, vermilion_l)


def height_field(p: np.ndarray, lip_side: np.ndarray, midline: float = 0.0) -> np.ndarray:
    """(V, 3) base points -> (V,) forward offsets of the facial features.

    midline: softness of |x| (`soft_abs`) in the paired forms; 0 keeps head v1's exact |x|.
    """
    x, y, ax = p[:, 0], p[:, 1], soft_abs(p[:, 0], midline)
    h = 0.0045 * bump(ax, y, 0.028, L.BROW_Y - 0.001, 0.026, 0.008)  # brow ridge
    h += 0.0025 * bump(x, y, 0.0, L.BROW_Y - 0.004, 0.012, 0.010)  # glabella
    h -= 0.0145 * bump(ax, y, L.EYE_X, L.EYE_Y + 0.001, 0.019, 0.014, 2.5)  # eye sockets
    h += 0.0045 * bump(ax, y, 0.046, -0.008, 0.016, 0.012)  # cheekbones
    h += nose_height(x, y, midline)
    dy = y - L.MOUTH_Y
    side = np.where(lip_side != 0, lip_side, np.where(dy >= 0, 1.0, -1.0))
    mass = 0.0125 * bump(x, y, 0.0, L.MOUTH_Y + 0.007, 0.030, 0.016) * np.where(side > 0, 1.0, 0.0)
    mass += 0.0105 * bump(x, y, 0.0, L.MOUTH_Y - 0.004, 0.027, 0.014) * np.where(side < 0, 1.0, 0.0)
    h += mass + lip_offset(dy, side) * mouth_envelope(x)
    h -= 0.0018 * bump(ax, y, L.MOUTH_HALF_WIDTH + 0.002, L.MOUTH_Y, 0.004, 0.005)  # corners
    h -= 0.0022 * bump(x, y, 0.0, L.MOUTH_Y - 0.017, 0.014, 0.004)  # labiomental fold
    h += 0.0150 * bump(x, y, 0.0, L.MOUTH_Y - 0.032, 0.018, 0.013)  # chin
    return h


def nose_height(x: np.ndarray, y: np.ndarray, midline: float = 0.0) -> np.ndarray:
    """Bridge widening down to a rounded tip, alae beside it, ending at the nose base."""
    t = np.clip((0.012 - y) / (0.012 - L.NOSE_TIP_Y), 0.0, 1.0)  # 0 at the nasion, 1 at the tip
    width = 0.0065 + 0.0045 * t
    bridge = (0.0015 + 0.021 * t ** 1.2) * np.exp(-(x / width) ** 2)
    underside = smoothstep((y - L.NOSE_BASE_Y + 0.002) / 0.011)
    tip = 0.0075 * bump(x, y, 0.0, L.NOSE_TIP_Y - 0.001, 0.009, 0.0075)
    alae = 0.0100 * bump(soft_abs(x, midline), y, 0.0128, L.NOSE_TIP_Y - 0.006, 0.0062, 0.0062)
    return (bridge + tip) * underside + alae


def ear_offset(p: np.ndarray) -> np.ndarray:
    """(V, 3) -> (V,) outward (|x|) offset of the ears: a rim around a shallow bowl."""
    y, z = p[:, 1], p[:, 2]
    cy, cz = -0.004, -0.022
    r = np.sqrt(((y - cy) / 0.029) ** 2 + ((z - cz) / 0.017) ** 2)
    side = smoothstep((np.abs(p[:, 0]) - 0.05) / 0.015)
    rim = 0.013 * np.exp(-((r - 0.85) / 0.22) ** 2)
    bowl = 0.007 * np.exp(-(r / 0.75) ** 4)
    lobe = 0.004 * bump(y, z, cy - 0.024, cz + 0.004, 0.007, 0.008)
    return (rim + bowl + lobe) * side


def lid_cover(p: np.ndarray, margin: np.ndarray | float = 0.0) -> np.ndarray:
    """Z of the eyelid skin lying on the nearer eyeball at (x, y); -inf off the ball.

    margin: 0..1, 1 on the lid edge (thin) and 0 away from it (thicker skin).
    """
    dx = np.abs(p[:, 0]) - L.EYE_X
    dy = p[:, 1] - L.EYE_Y
    radius = L.EYEBALL_RADIUS + L.LID_GAP + 0.0009 * (1.0 - np.asarray(margin))
    inside = radius ** 2 - dx ** 2 - dy ** 2
    return np.where(inside > 0, L.EYEBALL_Z + np.sqrt(np.clip(inside, 0.0, None)), -np.inf)


def apply_features(base: np.ndarray, lip_side: np.ndarray, lid_edge: np.ndarray) -> np.ndarray:
    """Base points (V, 3) -> featured points; lid_edge marks eye-slit vertices (lids on the ball)."""
    p = base.copy()
    p[:, 2] += height_field(base, lip_side) * face_weight(base)
    cover = lid_cover(p, lid_edge.astype(float))
    lidded = np.isfinite(cover) & (p[:, 2] > L.EYEBALL_Z - 0.02)  # the face side only
    p[lidded, 2] = np.where(lid_edge[lidded], cover[lidded], smooth_max(p[lidded, 2], cover[lidded], 0.0025))
    p[:, 0] += np.sign(p[:, 0]) * ear_offset(base)
    return p
