"""Vertex regions (`lips`, `mouth`, `eyes`, `forehead`, ...) for losses and metrics.

From the user's FLAME_masks.pkl when given, otherwise derived from the geometry of the
model: the mouth is the frontal boundary loop of the mesh (FLAME's lips rim), the eyes
sit around the eye joints. Pure numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from deeptalk.flame.model import FlameFormatError
from deeptalk.flame.safe_pickle import to_numpy

if TYPE_CHECKING:
    from deeptalk.flame.model import FlameModel

REQUIRED_MASKS = ("lips", "mouth", "eyes", "forehead")
EYE_DISTANCE = 0.063  # metres between FLAME's eye joints; scales the derived regions


def masks_from_flame_masks(raw: Any, model: "FlameModel", *, name: str = "FLAME_masks.pkl") -> dict[str, np.ndarray]:
    """All regions of an unpickled FLAME_masks dict, plus `eyes` / `mouth` / missing ones derived."""
    if not isinstance(raw, Mapping) or not raw:
        raise FlameFormatError(f"{name}: not a FLAME masks file (expected a dict of vertex id arrays)")
    n = model.num_vertices
    masks: dict[str, np.ndarray] = {}
    for key, value in raw.items():
        ids = np.unique(to_numpy(value).astype(np.int64).reshape(-1))
        if ids.size and (ids.min() < 0 or ids.max() >= n):
            raise FlameFormatError(f"{name}: mask {key!r} has vertex ids outside [0, {n}); "
                                   "is it for this FLAME version?")
        masks[str(key)] = ids
    derived = derive_masks(model)
    if "eyes" not in masks and "eye_region" in masks:
        masks["eyes"] = masks["eye_region"]
    if "mouth" not in masks and "lips" in masks:
        masks["mouth"] = dilate(model.v_template, masks["lips"], 0.015 * _scale(model))
    for key in REQUIRED_MASKS:
        masks.setdefault(key, derived[key])
    return masks


def derive_masks(model: "FlameModel") -> dict[str, np.ndarray]:
    """Approximate `lips`, `mouth`, `eyes`, `forehead`, `nose` regions from geometry alone."""
    v = model.v_template.astype(np.float64)  # (V, 3)
    joints = model.joints()  # (5, 3)
    s = _scale(model)
    eye_mid = 0.5 * (joints[3] + joints[4])
    rim = mouth_rim(model)
    if rim.size:
        lips = dilate(v, rim, 0.012 * s)
    else:  # closed mesh: take the frontmost point below the eyes as the mouth centre
        band = np.abs(v[:, 0]) < 0.01 * s
        target_y = eye_mid[1] - 0.075 * s
        band &= np.abs(v[:, 1] - target_y) < 0.01 * s
        centre = np.flatnonzero(band)[np.argmax(v[band, 2])] if band.any() else int(np.argmax(v[:, 2]))
        lips = dilate(v, np.array([centre]), 0.02 * s)
    eyes = np.flatnonzero(np.minimum(np.linalg.norm(v - joints[3], axis=1),
                                     np.linalg.norm(v - joints[4], axis=1)) < 0.024 * s)
    front = v[:, 2] > eye_mid[2] - 0.02 * s
    rel_y = v[:, 1] - eye_mid[1]
    forehead = np.flatnonzero(front & (rel_y > 0.022 * s) & (rel_y < 0.07 * s) & (np.abs(v[:, 0]) < 0.055 * s))
    nose = np.flatnonzero(front & (rel_y < -0.005 * s) & (rel_y > -0.055 * s) & (np.abs(v[:, 0]) < 0.02 * s)
                          & (v[:, 2] > eye_mid[2]))
    return {"lips": lips, "mouth": dilate(v, lips, 0.015 * s), "eyes": eyes, "forehead": forehead, "nose": nose}


def mouth_rim(model: "FlameModel") -> np.ndarray:
    """Vertex ids of the frontal, centred boundary loop (FLAME's lip rim); empty if none."""
    loops = boundary_loops(model.f)
    if len(loops) < 2:
        return np.zeros(0, np.int64)
    v = model.v_template
    width = float(np.ptp(v[:, 0]))
    loops = sorted(loops, key=len)[:-1]  # the longest loop is the neck opening
    centred = [loop for loop in loops if abs(float(v[loop, 0].mean())) < 0.1 * width]
    if not centred:
        return np.zeros(0, np.int64)
    return np.asarray(max(centred, key=lambda loop: float(v[loop, 2].mean())), dtype=np.int64)


def boundary_loops(faces: np.ndarray) -> list[np.ndarray]:
    """Vertex ids of each boundary component (edges used by exactly one triangle)."""
    edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
    unique, counts = np.unique(edges, axis=0, return_counts=True)
    boundary = unique[counts == 1]
    if not len(boundary):
        return []
    parent = {int(a): int(a) for a in np.unique(boundary)}

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in boundary:
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[ra] = rb
    groups: dict[int, list[int]] = {}
    for a in parent:
        groups.setdefault(root(a), []).append(a)
    return [np.asarray(sorted(g), dtype=np.int64) for g in groups.values()]


def dilate(vertices: np.ndarray, ids: np.ndarray, radius: float) -> np.ndarray:
    """Sorted ids of vertices within `radius` (Euclidean) of any vertex in `ids`."""
    if not len(ids):
        return np.zeros(0, np.int64)
    seeds = vertices[ids]  # (k, 3)
    near = np.zeros(len(vertices), bool)
    for start in range(0, len(seeds), 256):
        d = np.linalg.norm(vertices[:, None, :] - seeds[None, start:start + 256], axis=2)  # (V, chunk)
        near |= (d < radius).any(axis=1)
    return np.flatnonzero(near)


def _scale(model: "FlameModel") -> float:
    """Model size relative to FLAME (eye distance / 63 mm); 1 when eyes are degenerate."""
    joints = model.joints()
    distance = float(np.linalg.norm(joints[3] - joints[4]))
    return distance / EYE_DISTANCE if distance > 1e-6 else 1.0
