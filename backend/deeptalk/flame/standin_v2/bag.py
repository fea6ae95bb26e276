"""Head v2's mouth bag: a closed pouch from the lip-edge loop back to the throat.

The first rings line the inside of the lips (they follow the lip edge); the later ones
widen into a rounded box around both dental arches and the tongue, then close at the
throat. The head surface plus the bag is one closed surface, like v1's cavity, but deep
and wide enough to hold the teeth at any jaw opening. Pure numpy, mirror-symmetric.
"""

from __future__ import annotations

import numpy as np

from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.parts import Cavity, cavity_faces
from deeptalk.flame.standin_v2.solids import superellipse

# per ring: (depth behind the lip edge, plane z it may not pass, half width, up, down)
LINING = ((0.0022, 1.0, 0.97, 0.0032, 0.0036), (0.0055, 1.0, 0.99, 0.0085, 0.0095))
RINGS: tuple[tuple[float, float, float, float, float], ...] = (
    (0.0090, 0.0890, 0.0280, 0.0135, 0.0160),
    (0.0130, 0.0810, 0.0300, 0.0160, 0.0195),
    (0.0200, 0.0710, 0.0310, 0.0168, 0.0205),
    (0.0300, 0.0610, 0.0315, 0.0168, 0.0205),
    (0.0400, 0.0510, 0.0300, 0.0160, 0.0195),
    (0.0500, 0.0420, 0.0260, 0.0140, 0.0170),
    (0.0600, 0.0340, 0.0180, 0.0095, 0.0115),
)
EXPONENT = 3.2


def mouth_bag(head: np.ndarray, upper: np.ndarray, lower: np.ndarray, offset: int) -> Cavity:
    """The pouch behind the lips (same bookkeeping as v1's `Cavity`).

    head: (V, 3) head vertices; upper / lower: lip-edge ids from the right corner to the
    left one (corners shared); offset: id of the first new vertex.
    """
    loop = np.concatenate([upper, lower[-2:0:-1]])
    n_up = len(upper)
    edge = head[loop]  # (n, 3)
    side = np.concatenate([np.ones(n_up), -np.ones(len(loop) - n_up)])
    side[[0, n_up - 1]] = 0.0
    across = np.clip(edge[:, 0] / L.MOUTH_HALF_WIDTH, -1.0, 1.0)
    angle = np.where(side >= 0, np.arccos(across), -np.arccos(across))  # upper 0..pi, lower back
    cu, cv = superellipse(angle, EXPONENT)
    rings, depths = [], []
    count = len(LINING) + len(RINGS)
    for k, (depth, _, scale_x, up, down) in enumerate(LINING):
        height = np.maximum(np.sqrt(np.clip(1.0 - across ** 2, 0.0, None)) ** 0.8, 0.3 * (side != 0))
        y = L.MOUTH_Y + np.where(side > 0, up, down) * side * height
        rings.append(np.stack([edge[:, 0] * scale_x, y, edge[:, 2] - depth], axis=1))
        depths.append(np.full(len(loop), (k + 1) / (count + 1)))
    for k, (depth, plane, width, up, down) in enumerate(RINGS, start=len(LINING)):
        z = np.minimum(edge[:, 2] - depth, plane)
        y = L.MOUTH_Y + np.where(cv >= 0, up, down) * cv
        rings.append(np.stack([width * cu, y, z], axis=1))
        depths.append(np.full(len(loop), (k + 1) / (count + 1)))
    back = np.array([[0.0, L.MOUTH_Y - 0.002, RINGS[-1][1] - 0.006]])
    vertices = np.concatenate(rings + [back])
    return Cavity(vertices=vertices, faces=cavity_faces(loop, offset, count),
                  side=np.concatenate([side] * count + [np.zeros(1)]),
                  depth=np.concatenate(depths + [np.ones(1)]),
                  loop_index=np.concatenate([np.arange(len(loop))] * count + [-np.ones(1, np.int64)]).astype(np.int64))

