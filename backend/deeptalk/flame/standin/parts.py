"""Separate pieces of the stand-in: eyeballs (with cornea, iris, pupil) and the mouth cavity.

The cavity is a closed pouch hanging from the lip-edge loop, so the head stays one
closed surface: its upper half (palate) follows the head, its lower half (floor) the jaw.
Pure numpy; each builder returns vertices, faces (ids local to the piece unless noted)
and the per-vertex bookkeeping the rig needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeptalk.flame.standin import layout as L

EYE_RINGS, EYE_SEGMENTS = 12, 20
CAVITY_RINGS = 5


@dataclass(frozen=True)
class Eyeball:
    vertices: np.ndarray  # (n, 3)
    faces: np.ndarray  # (m, 3) local ids
    polar: np.ndarray  # (n,) angle from the eye's forward axis (radians)


@dataclass(frozen=True)
class Cavity:
    vertices: np.ndarray  # (n, 3) new vertices
    faces: np.ndarray  # (m, 3) ids into [existing head vertices..., new vertices] (offset applied by caller)
    side: np.ndarray  # (n,) +1 palate, -1 floor, 0 back of the throat
    depth: np.ndarray  # (n,) 0 at the lips .. 1 at the back
    loop_index: np.ndarray  # (n,) which lip-loop vertex each ring vertex follows (-1 at the back)


def eyeball(centre: tuple[float, float, float]) -> Eyeball:
    """UV sphere looking along +Z, the cornea bulging 1.3 mm in front of the iris."""
    polar = np.linspace(0.0, np.pi, EYE_RINGS + 1)[1:-1]  # rings, front pole excluded
    azimuth = np.linspace(0.0, 2 * np.pi, EYE_SEGMENTS, endpoint=False)
    pp, aa = np.meshgrid(polar, azimuth, indexing="ij")  # (R, S)
    angles = np.concatenate([[0.0], pp.reshape(-1), [np.pi]])
    az = np.concatenate([[0.0], aa.reshape(-1), [0.0]])
    radius = L.EYEBALL_RADIUS + 0.0013 * np.clip(np.cos(angles * 2.6), 0.0, None) ** 1.5 * (angles < 0.6)
    local = np.stack([radius * np.sin(angles) * np.cos(az), radius * np.sin(angles) * np.sin(az),
                      radius * np.cos(angles)], axis=1)  # (n, 3)
    faces = []
    rings, segs = EYE_RINGS - 1, EYE_SEGMENTS
    ring = lambda r, s: 1 + r * segs + s % segs  # noqa: E731
    for s in range(segs):
        faces.append((0, ring(0, s), ring(0, s + 1)))
        for r in range(rings - 1):
            a, b, c, d = ring(r, s), ring(r, s + 1), ring(r + 1, s), ring(r + 1, s + 1)
            faces += [(a, c, b), (b, c, d)]
        last = 1 + rings * segs
        faces.append((last, ring(rings - 1, s + 1), ring(rings - 1, s)))
    return Eyeball(vertices=local + np.asarray(centre), faces=np.array(faces, np.int64), polar=angles)


def mouth_cavity(head: np.ndarray, upper: np.ndarray, lower: np.ndarray, offset: int) -> Cavity:
    """A pouch behind the lips hanging from the lip loop.

    head: (V, 3) head vertices; upper / lower: lip-edge ids from the right corner to the
    left one (corners shared); offset: id of the first new vertex.
    """
    loop = np.concatenate([upper, lower[-2:0:-1]])  # closed loop: upper edge, then lower edge back
    n_up = len(upper)
    edge = head[loop]  # (n, 3)
    loop_side = np.concatenate([np.ones(n_up), -np.ones(len(loop) - n_up)])
    loop_side[[0, n_up - 1]] = 0.0
    across = np.clip(np.abs(edge[:, 0]) / L.MOUTH_HALF_WIDTH, 0.0, 1.0)
    height = np.sqrt(1.0 - across ** 2)
    rings, sides, depths, index = [], [], [], []
    for k in range(1, CAVITY_RINGS + 1):
        t = k / (CAVITY_RINGS + 1)
        depth = 0.0035 + 0.040 * t ** 1.2
        opening = (0.0025 + 0.012 * np.sin(np.pi * min(t * 1.15, 1.0)) ** 0.8) * height
        ring = np.stack([edge[:, 0] * (1.0 - 0.45 * t),
                         L.MOUTH_Y - 0.003 * t + loop_side * opening,
                         edge[:, 2] - depth], axis=1)
        rings.append(ring)
        sides.append(loop_side)
        depths.append(np.full(len(loop), t))
        index.append(np.arange(len(loop)))
    back = np.array([[0.0, L.MOUTH_Y - 0.004, float(edge[:, 2].max()) - 0.046]])
    vertices = np.concatenate(rings + [back])
    return Cavity(vertices=vertices, faces=cavity_faces(loop, offset, CAVITY_RINGS),
                  side=np.concatenate(sides + [np.zeros(1)]), depth=np.concatenate(depths + [np.ones(1)]),
                  loop_index=np.concatenate(index + [-np.ones(1, np.int64)]).astype(np.int64))


def cavity_faces(loop: np.ndarray, offset: int, count: int) -> np.ndarray:
    """(F, 3) triangles closing a mouth bag: `loop` (the lip edge, V ids), then `count` rings of
    len(loop) vertices from `offset`, then one back vertex after them."""
    n = len(loop)
    ids = [loop] + [offset + k * n + np.arange(n) for k in range(count)]
    centre = offset + count * n
    faces = []
    for k in range(count):
        outer, inner = ids[k], ids[k + 1]
        for i in range(n):
            a, b, c, d = outer[i], outer[(i + 1) % n], inner[i], inner[(i + 1) % n]
            faces += [(a, b, c), (b, d, c)]
    last = ids[-1]
    faces += [(last[i], last[(i + 1) % n], centre) for i in range(n)]
    return np.array(faces, np.int64)
