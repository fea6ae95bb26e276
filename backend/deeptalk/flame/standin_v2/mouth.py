"""Head v2's mouth parts: dental arches with teeth, gums, the tongue (closed meshes).

Teeth are rounded boxes placed by arc length along a parabolic arch, one row on the
skull and one on the jaw; each row has a gum band swept along the arch. The tongue is
a swept, flattened body inside the lower arch. Pure numpy; every piece is closed and
outward-facing; deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeptalk.flame.standin_v2 import layout as V
from deeptalk.flame.standin_v2.solids import outward, rounded_box, superellipse, sweep

# per tooth from the midline: (relative width, thickness labial-lingual, crown height fraction)
TOOTH_TABLE: tuple[tuple[float, float, float], ...] = (
    (4.4, 0.0055, 1.00), (3.6, 0.0055, 0.90), (3.9, 0.0065, 0.95), (3.5, 0.0075, 0.80),
    (3.5, 0.0078, 0.78), (5.0, 0.0088, 0.72), (4.8, 0.0088, 0.70),
)
ARCH_SAMPLES = 400


@dataclass(frozen=True)
class Piece:
    """A closed mesh with a label per vertex."""

    vertices: np.ndarray  # (n, 3)
    faces: np.ndarray  # (m, 3) local ids
    label: str


def arch_point(x: np.ndarray, inset: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Points (n, 3, y=0) on the labial arch line at x, moved `inset` inward; outward normals (n, 3)."""
    a, w = V.ARCH_DEPTH, V.ARCH_HALF_WIDTH
    z = V.ARCH_FRONT_Z - a * (x / w) ** 2
    dz_dx = -2.0 * a * x / w ** 2
    normal = np.stack([-dz_dx, np.zeros_like(x), np.ones_like(x)], axis=1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    point = np.stack([x, np.zeros_like(x), z], axis=1) - inset * normal
    return point, normal


def _arc_table(inset: float) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(0.0, V.ARCH_HALF_WIDTH, ARCH_SAMPLES)
    p, _ = arch_point(x, inset)
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(p, axis=0), axis=1))])
    return x, arc


def teeth_row(upper: bool) -> list[Piece]:
    """One row of 2 * TEETH_PER_SIDE teeth; crowns between the incisal edge and the gum line."""
    inset = 0.0 if upper else V.LOWER_ARCH_INSET
    edge, gum = V.UPPER_CROWN if upper else V.LOWER_CROWN
    x_table, arc = _arc_table(inset)
    widths = np.array([t[0] for t in TOOTH_TABLE])
    gap = 0.00025
    scale = (arc[-1] - gap * len(widths)) / widths.sum()
    starts = np.concatenate([[0.0], np.cumsum(widths * scale + gap)])[:-1] + 0.5 * gap
    pieces = []
    for side in (1.0, -1.0):
        for k, (width, thickness, crown) in enumerate(TOOTH_TABLE):
            centre_arc = starts[k] + 0.5 * width * scale
            x = float(np.interp(centre_arc, arc, x_table))
            point, normal = arch_point(np.array([x]), inset)
            point, normal = point[0], normal[0]
            point[0] *= side
            normal[0] *= side
            height = abs(gum - edge) * crown
            root = 0.0025  # hidden in the gum
            top, bottom = (edge + height + root, edge) if upper else (edge, edge - height - root)
            up = np.array([0.0, 1.0, 0.0])
            tangent = np.cross(up, normal)
            centre = point - 0.5 * thickness * normal
            centre[1] = 0.5 * (top + bottom)
            half = np.array([0.5 * width * scale - 0.0001, 0.5 * (top - bottom), 0.5 * thickness])
            v, f = rounded_box(centre, np.stack([tangent, up, normal]), half, rings=6, segments=12)
            pieces.append(Piece(vertices=v, faces=outward(v, f), label="teeth_upper" if upper else "teeth_lower"))
    return pieces


def gum(upper: bool) -> Piece:
    """A band over the crowns' roots, swept along the arch from one end to the other."""
    inset = 0.0 if upper else V.LOWER_ARCH_INSET
    edge, line = V.UPPER_CROWN if upper else V.LOWER_CROWN
    sign = 1.0 if upper else -1.0
    xs = V.ARCH_HALF_WIDTH * np.sin(np.linspace(-np.pi / 2, np.pi / 2, 41)) * 0.985
    path, normals = arch_point(xs, inset)
    along = np.abs(xs) / V.ARCH_HALF_WIDTH
    thick = np.interp(along, np.linspace(0, 1, len(TOOTH_TABLE)), [t[1] for t in TOOTH_TABLE])
    angles = np.linspace(0.0, 2 * np.pi, 12, endpoint=False)
    cu, cv = superellipse(angles, 3.0)
    outer = 0.0009
    profile = np.empty((len(xs), len(angles), 2))
    centre_n = -0.5 * thick[:, None] + 0.0 * cu  # (N, P)
    profile[..., 0] = centre_n + cu * (0.5 * thick[:, None] + outer)
    low = line - sign * 0.0009  # a little over the crowns
    high = line + sign * V.GUM_HEIGHT
    profile[..., 1] = 0.5 * (low + high) + cv * 0.5 * abs(high - low)
    v, f = sweep(path, normals, profile)
    return Piece(vertices=v, faces=outward(v, f), label="gums_upper" if upper else "gums_lower")


def tongue() -> Piece:
    """Flattened body from the throat to a rounded tip, narrower than the lower arch."""
    t = np.linspace(0.0, 1.0, 20)  # 0 at the back, 1 at the tip
    z = V.TONGUE_BACK_Z + (V.TONGUE_TIP_Z - V.TONGUE_BACK_Z) * t
    front = np.clip((t - 0.62) / 0.38, 0.0, 1.0)  # 0 .. 1 over the blade
    round_off = np.sqrt(np.clip(1.0 - front ** 2, 0.0, 1.0))
    lingual_x = _lower_lingual_x(z)
    half_width = np.minimum(0.85 * lingual_x, 0.0125) * np.maximum(round_off, 0.12) ** 0.45
    top = V.TONGUE_TOP_Y - 0.0015 * (1 - t) ** 2
    height = (top - V.TONGUE_BOTTOM_Y) * (1.0 - 0.55 * front ** 1.5) * np.maximum(round_off, 0.2) ** 0.25
    centre_y = top - 0.5 * height
    angles = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)
    cu, cv = superellipse(angles, 2.6)
    path = np.stack([np.zeros_like(z), centre_y, z], axis=1)
    normals = np.tile([1.0, 0.0, 0.0], (len(z), 1))
    profile = np.stack([cu[None, :] * half_width[:, None], cv[None, :] * 0.5 * height[:, None]], axis=-1)
    path = path.copy()
    path[:, 1] = 0.0
    profile[..., 1] += centre_y[:, None]
    v, f = sweep(path, normals, profile)
    return Piece(vertices=v, faces=outward(v, f), label="tongue")


def _lower_lingual_x(z: np.ndarray) -> np.ndarray:
    """|x| of the lower teeth's lingual faces at depth z (the tongue stays inside it)."""
    x = np.linspace(0.0, V.ARCH_HALF_WIDTH, ARCH_SAMPLES)
    p, n = arch_point(x, V.LOWER_ARCH_INSET)
    thick = np.interp(x / V.ARCH_HALF_WIDTH, np.linspace(0, 1, len(TOOTH_TABLE)), [t[1] for t in TOOTH_TABLE])
    inner = p - (thick + 0.0008)[:, None] * n
    order = np.argsort(inner[:, 2])
    return np.interp(z, inner[order, 2], inner[order, 0], left=float(inner[order[0], 0]), right=0.0)
