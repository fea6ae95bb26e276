"""Regions renderers need beyond FLAME_masks: iris, pupil, sclera and the inner lips.

Official FLAME has eyeballs (`left_eyeball` / `right_eyeball` in FLAME_masks.pkl, or
the vertices skinned to the eye joints) but no iris or pupil regions, and no mouth
interior. These are derived here from the eye joints (angle from the eye's forward axis)
and from the lip rim, so a FLAME pickle head gets the same materials as the stand-ins.
Pure numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np

from deeptalk.flame.masks import _scale, dilate, mouth_rim

if TYPE_CHECKING:
    from deeptalk.flame.model import FlameModel

IRIS_ANGLE = 0.52  # radians from the eye's axis (about 6 mm on a 12 mm eyeball)
PUPIL_ANGLE = 0.22
EYE_JOINTS = {"left_eyeball": 3, "right_eyeball": 4}


def eyeball_ids(model: "FlameModel", masks: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    """The eyeball's vertex ids: the mask when given, else vertices skinned to its eye joint."""
    if name in masks and len(masks[name]):
        return np.asarray(masks[name], np.int64)
    return np.flatnonzero(model.weights[:, EYE_JOINTS[name]] > 0.5)


def with_material_masks(model: "FlameModel", masks: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """`masks` plus the eyeballs, `irises`, `pupils`, `sclera` and `mouth_interior` where missing."""
    out = {k: np.asarray(v, np.int64) for k, v in masks.items()}
    v = model.v_template.astype(np.float64)
    joints = model.joints()
    irises, pupils, sclera = [], [], []
    for name, joint in EYE_JOINTS.items():
        ids = eyeball_ids(model, out, name)
        if not len(ids):
            continue
        out.setdefault(name, ids)
        direction = v[ids] - joints[joint]
        norm = np.linalg.norm(direction, axis=1)
        angle = np.arccos(np.clip(direction[:, 2] / np.maximum(norm, 1e-12), -1.0, 1.0))  # from +Z (forward)
        irises.append(ids[angle <= IRIS_ANGLE])
        pupils.append(ids[angle <= PUPIL_ANGLE])
        sclera.append(ids[angle > IRIS_ANGLE])
    for key, parts in (("irises", irises), ("pupils", pupils), ("sclera", sclera)):
        if key not in out and parts:
            out[key] = np.unique(np.concatenate(parts))
    if "mouth_interior" not in out:
        rim = mouth_rim(model)
        if rim.size and "lips" in out:  # the innermost lip strip: the rim and its one-ring
            ring = np.unique(model.f[np.isin(model.f, rim).any(axis=1)])
            near = np.union1d(dilate(v, rim, 0.002 * _scale(model)), ring)
            out["mouth_interior"] = np.union1d(np.intersect1d(near, out["lips"]), rim)
    return out
