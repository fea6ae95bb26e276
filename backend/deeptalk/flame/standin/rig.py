"""The stand-in's skeleton: LBS weights, joint regressor and jaw pose correctives.

Joints follow FLAME (global, neck, jaw, eye_L, eye_R). Each joint is an exact linear
combination of surface vertices: the jaw pivot is the midpoint of two points on the
sides of the head, the neck pivot likewise on the neck, the eyes are eyeball centres.
Pure numpy.
"""

from __future__ import annotations

import numpy as np

from deeptalk.flame.model import NUM_JOINTS, POSE_FEATURES
from deeptalk.flame.semantics import JAW_JOINT
from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.face import bump, smoothstep
from deeptalk.flame.standin.regions import Regions, corner

REFERENCE_OPEN = 0.3  # radians of jaw opening at which the correctives are authored
_ROW_S, _COL_S = 9 * (JAW_JOINT - 1) + 5, 9 * (JAW_JOINT - 1) + 7  # (R - I)[1, 2] and [2, 1]


def jaw_weight(r: Regions) -> np.ndarray:
    """(V,) how much each vertex follows the jaw: lower lip, chin and jawline fully."""
    p, head = r.p, r.head
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    pivot_y, pivot_z = L.JAW_PIVOT[1], L.JAW_PIVOT[2]
    slope = (L.MOUTH_Y - pivot_y) / (0.096 - pivot_z)
    below = pivot_y + slope * (z - pivot_z) - y  # > 0 under the pivot-to-mouth line
    width = 0.0015 + 0.5 * np.clip(np.abs(x) - L.MOUTH_HALF_WIDTH + 0.004, 0.0, None)
    w = smoothstep(0.5 + below / (2.0 * width))
    w = np.where(head.lip_side > 0, 0.0, np.where(head.lip_side < 0, 1.0, w))
    w = w * smoothstep((z - pivot_z + 0.005) / 0.03) * smoothstep((y - L.THROAT_Y + 0.006) / 0.02)
    cavity = head.cavity
    depth = head.cavity_depth[cavity]
    side = head.cavity_side[cavity]
    w[cavity] = np.where(side < 0, 1.0 - 0.5 * depth ** 2, np.where(side > 0, 0.5 * depth ** 2, 0.5))
    w[head.eyeball != 0] = 0.0
    return w


def skinning_weights(r: Regions) -> np.ndarray:
    """(V, 5) weights: neck bottom on the root, head on the neck, jaw, eyeballs on the eyes."""
    y = r.p[:, 1]
    root = smoothstep((L.NECK_JOINT_Y - 0.01 - y) / 0.05)
    jaw = jaw_weight(r) * (1.0 - root)
    weights = np.zeros((len(y), NUM_JOINTS))
    weights[:, 0] = root
    weights[:, JAW_JOINT] = jaw
    weights[:, 1] = 1.0 - root - jaw
    for joint, side in ((3, 1.0), (4, -1.0)):
        eye = r.head.eyeball == side
        weights[eye] = 0.0
        weights[eye, joint] = 1.0
    return weights


def surface_point(vertices: np.ndarray, faces: np.ndarray, y: float, z: float, side: float) -> tuple[np.ndarray, np.ndarray]:
    """The outermost surface point at height y, depth z on one side (+1 = +X): (3,) ids, (3,) barycentrics."""
    a, b, c = (vertices[faces[:, k]] for k in range(3))
    det = (b[:, 1] - c[:, 1]) * (a[:, 2] - c[:, 2]) + (c[:, 2] - b[:, 2]) * (a[:, 1] - c[:, 1])
    ok = np.abs(det) > 1e-14
    det = np.where(ok, det, 1.0)
    l1 = ((b[:, 1] - c[:, 1]) * (z - c[:, 2]) + (c[:, 2] - b[:, 2]) * (y - c[:, 1])) / det
    l2 = ((c[:, 1] - a[:, 1]) * (z - c[:, 2]) + (a[:, 2] - c[:, 2]) * (y - c[:, 1])) / det
    l3 = 1.0 - l1 - l2
    inside = ok & (l1 >= 0) & (l2 >= 0) & (l3 >= 0)
    xs = l1 * a[:, 0] + l2 * b[:, 0] + l3 * c[:, 0]
    inside &= side * xs > 0
    if not inside.any():
        raise ValueError(f"no surface at y={y}, z={z} on side {side}")
    best = np.flatnonzero(inside)[np.argmax((side * xs)[inside])]
    return faces[best], np.array([l1[best], l2[best], l3[best]])


def joint_regressor(r: Regions, faces: np.ndarray) -> np.ndarray:
    """(5, V) rows summing to 1."""
    p, head = r.p, r.head
    skin = faces[np.all(r.surface[faces], axis=1)]
    reg = np.zeros((NUM_JOINTS, len(p)))
    for joint, (y, z) in ((1, (L.NECK_JOINT_Y, -0.02)), (JAW_JOINT, (L.JAW_PIVOT[1], L.JAW_PIVOT[2]))):
        for side in (1.0, -1.0):
            ids, bary = surface_point(p, skin, y, z, side)
            np.add.at(reg[joint], ids, 0.5 * bary)
    bottom_ring = np.flatnonzero(head.grid.row == head.grid.row.max() - 1)
    reg[0, bottom_ring] = 1.0 / len(bottom_ring)
    for joint, side in ((3, 1.0), (4, -1.0)):
        ball = np.flatnonzero((head.eyeball == side) & (np.abs(head.eye_polar - np.pi / 2) < np.pi / 2 - 0.6))
        reg[joint, ball] = 1.0 / len(ball)
    return reg


def jaw_correctives(r: Regions, weights: np.ndarray, side_fade: float = 0.0) -> np.ndarray:
    """(36, V*3) posedirs: opening the jaw narrows the mouth and keeps the cheeks full.

    The cheek fullness starts 2 cm from the midline: stepped in (v1, side_fade 0) or
    faded in over `side_fade` metres either side of it (no crease down the chin).
    """
    blend = weights[:, JAW_JOINT]
    ax = np.abs(r.p[:, 0])
    sides = smoothstep(0.5 + (ax - 0.02) / (2.0 * side_fade)) if side_fade > 0 else (ax > 0.02).astype(float)
    transition = 4.0 * blend * (1.0 - blend) * r.surface * sides
    outward = np.stack([np.sign(r.p[:, 0]) * 0.8, np.zeros(len(blend)), np.full(len(blend), 0.6)], axis=1)
    offsets = transition[:, None] * outward * 0.0015  # (V, 3) at the reference opening
    for side in (1.0, -1.0):
        c = corner(r, side, 0.010, 0.010)
        offsets += np.stack([-side * 0.0018 * c, 0.0 * c, 0.0008 * c], axis=1)
    upper = bump(r.p[:, 0], r.p[:, 1], 0.0, L.MOUTH_Y + 0.004, 0.02, 0.006) * (r.head.lip_side >= 0) * r.surface
    offsets[:, 1] += 0.0006 * upper * (r.p[:, 1] >= L.MOUTH_Y)
    posedirs = np.zeros((POSE_FEATURES, offsets.size))
    scale = 0.5 / np.sin(REFERENCE_OPEN)
    posedirs[_COL_S] = scale * offsets.reshape(-1)
    posedirs[_ROW_S] = -scale * offsets.reshape(-1)
    return posedirs
