"""Head v2's ears: a sculpted auricle per side, a closed shell set on the side of the skull.

v1 drew the ear as a relief on the head's grid (`standin.face.ear_offset`), whose ~5 mm spacing
there rendered a lumpy ring. Here each ear has its own fine mesh: rings around the concha
(the bowl at the ear canal) out to the outline, over the rolled rim and back in along the
ear's rear face, which dives into the head. The lateral surface carries the concha, the
antihelix ridge, the scapha groove inside a rolled helix, the tragus in front and a soft lobe,
and the rear half stands out from the skull as a real ear does. Lengths in `EarShape` are
millimetres; the mesh is in metres. Pure numpy, deterministic, the right ear the left's mirror.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeptalk.flame.standin.face import smoothstep
from deeptalk.flame.standin_v2.mouth import Piece
from deeptalk.flame.standin_v2.solids import outward, ring_faces


@dataclass(frozen=True)
class EarShape:
    """Where the ear sits and its outline and relief (mm, degrees)."""

    concha_y: float = -0.010  # the concha's centre on the skull (m)
    concha_z: float = -0.017
    # outline radius from the concha centre at angles from "back" (-Z) turning up (+Y): the
    # helix's top leans back, the tragus is close in front, the lobe hangs below
    outline_deg: tuple[float, ...] = (0, 40, 75, 110, 150, 180, 215, 255, 290, 325)
    outline_mm: tuple[float, ...] = (21.0, 27.0, 29.0, 26.0, 15.0, 8.0, 11.0, 27.0, 28.0, 23.0)
    concha_floor: float = 1.5  # the concha's floor above the skull
    antihelix: float = 9.5  # the ridge around the concha
    groove: float = 2.2  # the scapha's depth inside the rim
    rim: float = 3.0  # the helix's roll above the ridge level
    flare: float = 0.35  # outward per mm behind the concha (the rear stands off the head)
    thickness: float = 3.2  # at the rim
    edge_reach: float = 1.035  # the rolled edge's ring, as a fraction of the outline radius
    rear_dive: float = 30.0  # how far the rear face sinks toward the concha (mm at s = 0), into the head
    rear_inner: float = 0.35  # the rear face's last ring (fraction of the outline), inside the head
    front_rings: int = 20
    back_rings: int = 9
    segments: int = 72


EAR = EarShape()


def _periodic_curve(deg: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Smooth periodic interpolation (Catmull-Rom on the circle) of values given at angles (deg)."""
    order = np.argsort(deg)
    deg, values = np.asarray(deg, float)[order], np.asarray(values, float)[order]
    n = len(deg)
    at = np.mod(at, 360.0)
    i = np.searchsorted(deg, at, side="right") - 1  # segment start (-1 wraps)
    i0 = np.mod(i, n)
    i1 = np.mod(i + 1, n)
    start = deg[i0] - np.where(i < 0, 360.0, 0.0)
    end = deg[i1] + np.where(i1 <= i0, 360.0, 0.0) - np.where(i < 0, 360.0, 0.0)
    t = (at - start) / (end - start)
    p0, p1, p2, p3 = (values[np.mod(i + k, n)] for k in (-1, 0, 1, 2))
    return 0.5 * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3)


def _angular_weight(theta_deg: np.ndarray, centre: float, half_width: float, soft: float) -> np.ndarray:
    """1 within `half_width` degrees of `centre`, fading to 0 over `soft` more."""
    d = np.abs((theta_deg - centre + 180.0) % 360.0 - 180.0)
    return smoothstep((half_width + soft - d) / soft)


def lateral_height(s: np.ndarray, theta_deg: np.ndarray, shape: EarShape = EAR) -> np.ndarray:
    """(mm) the lateral surface's height over the skull plane at ring fraction s (0 concha .. 1 outline)."""
    helix = 1.0 - np.maximum(_angular_weight(theta_deg, 272.0, 38.0, 25.0),  # no rim on the lobe
                             _angular_weight(theta_deg, 182.0, 22.0, 18.0))  # nor at the tragus
    lobe = _angular_weight(theta_deg, 272.0, 30.0, 30.0)
    tragus = _angular_weight(theta_deg, 182.0, 18.0, 16.0)
    wall = shape.concha_floor + (shape.antihelix - shape.concha_floor) * smoothstep((s - 0.28) / 0.28)
    rolled = wall - shape.groove * np.exp(-((s - 0.74) / 0.09) ** 2) + shape.rim * np.exp(-((s - 0.93) / 0.075) ** 2)
    cartilage = helix * rolled + (1.0 - helix) * wall
    soft_lobe = shape.concha_floor + 6.5 * smoothstep((s - 0.22) / 0.45) - 1.5 * smoothstep((s - 0.85) / 0.2)
    flap = shape.concha_floor + 6.0 * smoothstep((s - 0.50) / 0.30)
    height = (1.0 - lobe - tragus) * cartilage + lobe * soft_lobe + tragus * flap
    return np.clip(height, 0.0, None)


def _frame(skin: np.ndarray, shape: EarShape) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(origin, normal, back, up) of the left side of the skull at the concha (fit to the skin nearby)."""
    left = skin[skin[:, 0] > 0.03]
    d = np.hypot(left[:, 1] - shape.concha_y, left[:, 2] - shape.concha_z)
    origin = np.array([float(np.median(left[d < 0.005, 0])), shape.concha_y, shape.concha_z])
    near = left[d < 0.015]
    _, _, vt = np.linalg.svd(near - near.mean(axis=0))
    normal = vt[2] * np.sign(vt[2][0])
    back = np.array([0.0, 0.0, -1.0]) + normal * normal[2]  # -Z projected onto the skull's plane
    back /= np.linalg.norm(back)
    up = np.cross(normal, back)
    up *= np.sign(up[1])
    return origin, normal, back, up


def ear(skin: np.ndarray, side: float, shape: EarShape = EAR) -> Piece:
    """The ear on `side` (+1 = the head's left, +X) as a closed shell, fit to the rest skin (V, 3)."""
    origin, normal, back, up = _frame(skin, shape)
    theta = np.linspace(0.0, 360.0, shape.segments, endpoint=False)
    radius = _periodic_curve(np.array(shape.outline_deg), np.array(shape.outline_mm), theta)  # (S,) mm
    direction = np.stack([np.cos(np.radians(theta)), np.sin(np.radians(theta))], axis=1)  # (S, 2) back, up
    front_s = np.linspace(0.0, 1.0, shape.front_rings + 1)[1:]
    rim_f = lateral_height(np.ones(1), theta, shape)
    rings = []

    def ring(s: float, height_mm: np.ndarray) -> np.ndarray:
        plane = direction * (s * radius)[:, None]  # (S, 2) mm
        lift = height_mm + shape.flare * np.clip(plane[:, 0], 0.0, None)
        return origin + 1e-3 * (plane[:, :1] * back + plane[:, 1:] * up + lift[:, None] * normal)

    for s in front_s:
        rings.append(ring(float(s), lateral_height(np.full(len(theta), s), theta, shape)))
    rings.append(ring(shape.edge_reach, rim_f - 0.5 * shape.thickness))  # the rolled edge
    for s in np.linspace(1.0, shape.rear_inner, shape.back_rings):
        rings.append(ring(float(s), rim_f - shape.thickness - shape.rear_dive * (1.0 - s) ** 1.2))
    floor = origin + 1e-3 * (lateral_height(np.zeros(1), np.zeros(1), shape)[0] * normal)
    sunk = origin - 0.010 * normal
    vertices = np.concatenate([np.concatenate(rings), floor[None], sunk[None]])
    faces = ring_faces(len(rings), shape.segments)
    if side < 0:
        vertices = vertices * np.array([-1.0, 1.0, 1.0])
    return Piece(vertices=vertices, faces=outward(vertices, faces), label="ear")
