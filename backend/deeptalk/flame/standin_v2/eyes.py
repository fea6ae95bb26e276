"""Head v2's eyes: an eyeball (sclera, recessed iris, pupil) and a clear cornea dome over it.

Both look along +Z and rotate with their eye joint. Rings are placed so that the iris
and pupil borders fall on ring lines (clean material edges) and a pair of rings at
polar angles p and pi - p lets the joint regressor find the centre exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin_v2 import layout as V
from deeptalk.flame.standin_v2.solids import ring_faces

SEGMENTS = 28
BALL_POLAR = np.concatenate([
    np.linspace(0.07, V.PUPIL_ANGLE, 3), np.linspace(V.PUPIL_ANGLE + 0.06, V.IRIS_ANGLE, 5),
    np.linspace(V.IRIS_ANGLE + 0.06, np.pi - 0.12, 16),
])
CENTRE_RING = 1.2  # polar angle of the ring pair the joint regressor averages (and its mirror)
CORNEA_POLAR = np.linspace(0.08, V.CORNEA_ANGLE, 6)


@dataclass(frozen=True)
class Eye:
    vertices: np.ndarray  # (n, 3) eyeball then cornea
    faces: np.ndarray  # (m, 3) local ids
    polar: np.ndarray  # (n,) angle from the eye's axis
    cornea: np.ndarray  # (n,) bool: cornea dome vertices
    centre_ring: np.ndarray  # (k,) local ids whose mean is the eye centre


def _rings(polar: np.ndarray, radius: np.ndarray) -> np.ndarray:
    az = np.linspace(0.0, 2 * np.pi, SEGMENTS, endpoint=False)
    pp, aa = np.meshgrid(polar, az, indexing="ij")
    rr = np.broadcast_to(radius[:, None], pp.shape)
    return np.stack([rr * np.sin(pp) * np.cos(aa), rr * np.sin(pp) * np.sin(aa), rr * np.cos(pp)],
                    axis=-1).reshape(-1, 3)


def eye(centre: tuple[float, float, float]) -> Eye:
    """Eyeball + cornea at `centre` (a sphere of v1's eyeball radius)."""
    r = L.EYEBALL_RADIUS
    polar = np.sort(np.concatenate([BALL_POLAR, [CENTRE_RING, np.pi - CENTRE_RING]]))
    flat = r * np.cos(V.IRIS_ANGLE) / np.cos(np.minimum(polar, V.IRIS_ANGLE))  # plane of the iris
    radius = np.where(polar <= V.IRIS_ANGLE, np.minimum(flat, r) - V.IRIS_RECESS * (polar < V.IRIS_ANGLE), r)
    ball = np.concatenate([[[0.0, 0.0, radius[0] * 0 + r * np.cos(V.IRIS_ANGLE) - V.IRIS_RECESS]],
                           _rings(polar, radius), [[0.0, 0.0, -r]]])
    n_ball_rings = len(polar)
    ball_faces = ring_faces(n_ball_rings, SEGMENTS, offset=1, closed_start=False, closed_end=False)
    front = [(0, 1 + (s + 1) % SEGMENTS, 1 + s) for s in range(SEGMENTS)]
    last = 1 + (n_ball_rings - 1) * SEGMENTS
    back = [(len(ball) - 1, last + s, last + (s + 1) % SEGMENTS) for s in range(SEGMENTS)]
    ball_faces = np.concatenate([ball_faces, np.array(front + back, np.int64)])
    # cornea: dome rising CORNEA_RISE over the sphere at the axis, meeting it at CORNEA_ANGLE
    rise = V.CORNEA_RISE * np.cos(0.5 * np.pi * CORNEA_POLAR / V.CORNEA_ANGLE) ** 1.5 + 0.00004
    dome = np.concatenate([[[0.0, 0.0, r + V.CORNEA_RISE + 0.00004]], _rings(CORNEA_POLAR, r + rise)])
    dome_faces = ring_faces(len(CORNEA_POLAR), SEGMENTS, offset=1, closed_start=False, closed_end=False)
    dome_faces = np.concatenate([dome_faces, np.array([(0, 1 + (s + 1) % SEGMENTS, 1 + s)
                                                       for s in range(SEGMENTS)], np.int64)])
    vertices = np.concatenate([ball, dome]) + np.asarray(centre)
    faces = np.concatenate([ball_faces, dome_faces + len(ball)])[:, ::-1]  # outward (ring order turns inward)
    polar_all = np.concatenate([[0.0], np.repeat(polar, SEGMENTS), [np.pi], [0.0],
                                np.repeat(CORNEA_POLAR, SEGMENTS)])
    cornea = np.arange(len(vertices)) >= len(ball)
    pair = np.flatnonzero(np.isclose(polar_all, CENTRE_RING) | np.isclose(polar_all, np.pi - CENTRE_RING))
    pair = pair[~cornea[pair]]
    return Eye(vertices=vertices, faces=faces, polar=polar_all, cornea=cornea, centre_ring=pair)
