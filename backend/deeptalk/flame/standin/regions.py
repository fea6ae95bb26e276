"""Smooth per-vertex fields over the stand-in's rest geometry that expressions and rig share.

Mouth coordinates with the lip each vertex belongs to, eyelid weights (which lid, how
far from its edge), the eyeball footprint and the face mask. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.face import bump, lid_cover, mouth_envelope, smoothstep
from deeptalk.flame.standin.grid import LID_ROWS, eye_coordinate, lid_profiles
from deeptalk.flame.standin.head import HeadGeometry


@dataclass(frozen=True)
class Regions:
    p: np.ndarray  # (V, 3) rest positions
    surface: np.ndarray  # (V,) bool: head skin (not cavity, not eyeballs)
    lip: np.ndarray  # (V,) +1 upper-lip side of the mouth line, -1 lower side
    dy: np.ndarray  # (V,) height above the mouth line
    envelope: np.ndarray  # (V,) 1 at the mouth centre .. 0 at the corners and beyond
    upper_lid: np.ndarray  # (V,) 0..1, 1 on the upper-lid edge at the eye's middle
    lower_lid: np.ndarray  # (V,) same for the lower lid
    eye_side: np.ndarray  # (V,) +1 nearer the left eye (+X), -1 the right one
    eye_footprint: np.ndarray  # (V,) 1 over an eyeball, 0 away from it
    expressive: np.ndarray  # (V,) 1 on the face, 0 on ears, back of the head and neck
    head: HeadGeometry


def build_regions(head: HeadGeometry) -> Regions:
    p = head.vertices
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    surface = ~head.cavity & (head.eyeball == 0)
    dy = y - L.MOUTH_Y
    lip = np.where(head.lip_side != 0, head.lip_side, np.where(dy >= 0, 1.0, -1.0))
    lip = np.where(head.cavity, np.where(head.cavity_side != 0, head.cavity_side, -1.0), lip)
    grid = head.grid
    n = len(grid.row)
    k = np.zeros(len(p))
    k[:n] = grid.row - grid.eye_row
    lower_copy = np.zeros(len(p), bool)
    for ids in head.eye_lower:
        lower_copy[ids[1:-1]] = True
    a, eye_side = eye_coordinate(x)
    fade = np.clip(1.0 - np.abs(k) / (LID_ROWS + 1.0), 0.0, None)
    upper_shape, lower_shape = lid_profiles(a, grid.lids)
    front = surface & (z > L.EYEBALL_Z - 0.02)
    in_grid = np.arange(len(p)) < n
    upper_lid = np.where(front & in_grid & ((k < 0) | ((k == 0) & ~lower_copy)), fade * upper_shape, 0.0)
    lower_lid = np.where(front & in_grid & ((k > 0) | ((k == 0) & lower_copy)), fade * lower_shape, 0.0)
    r = np.hypot(np.abs(x) - L.EYE_X, y - L.EYE_Y)
    footprint = (1.0 - smoothstep((r - 0.011) / 0.007)) * front
    expressive = smoothstep((0.066 - np.abs(x)) / 0.012) * smoothstep((z - 0.01) / 0.02) * surface
    expressive = expressive * smoothstep((y - L.THROAT_Y) / 0.02)
    return Regions(p=p, surface=surface, lip=lip, dy=dy, envelope=mouth_envelope(x, 0.6) * surface,
                   upper_lid=upper_lid, lower_lid=lower_lid, eye_side=eye_side, eye_footprint=footprint,
                   expressive=expressive, head=head)


def lid_displacement(r: Regions, upper_shift: float, lower_shift: float, side: float | None = None) -> np.ndarray:
    """Move the lids by `*_shift` (metres at the middle of the edge, + up), sliding on the eyeball."""
    dy = upper_shift * r.upper_lid + lower_shift * r.lower_lid  # (V,)
    if side is not None:
        dy = dy * (r.eye_side == side)
    moved = r.p.copy()
    moved[:, 1] += dy
    old, new = lid_cover(r.p), lid_cover(moved)
    on_ball = np.isfinite(old) & np.isfinite(new) & (dy != 0)
    dz = np.zeros(len(dy))
    dz[on_ball] = (new[on_ball] - old[on_ball]) * np.clip(r.upper_lid + r.lower_lid, 0, 1)[on_ball] ** 0.5
    return np.stack([np.zeros_like(dy), dy, dz], axis=1)


def corner(r: Regions, side: float, sx: float = 0.016, sy: float = 0.014) -> np.ndarray:
    """Falloff around one mouth corner (side +1 = left, +X)."""
    return bump(r.p[:, 0], r.p[:, 1], side * L.MOUTH_HALF_WIDTH, L.MOUTH_Y, sx, sy) * r.surface


def lip_weight(r: Regions, which: float, reach: float) -> np.ndarray:
    """1 on the given lip's edge (+1 upper, -1 lower), decaying over `reach` metres away from it."""
    on_side = (r.lip == which) & r.surface
    distance = np.abs(r.dy)
    return np.where(on_side, np.exp(-(distance / reach) ** 2), 0.0)


def mouth_area(r: Regions, sx: float = 0.028, sy: float = 0.016) -> np.ndarray:
    return bump(r.p[:, 0], r.p[:, 1], 0.0, L.MOUTH_Y, sx, sy) * r.surface
