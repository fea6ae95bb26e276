"""Head v2's skeleton: v1's skin weights, regressor and jaw correctives, plus the new parts.

Upper teeth and gums ride on the skull (neck joint), lower teeth, gums and the tongue on
the jaw; the mouth bag's floor follows the jaw wherever the tongue and lower teeth are,
its palate stays with the skull; eyeballs and corneas turn with their eye joints.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from deeptalk.flame.semantics import JAW_JOINT
from deeptalk.flame.standin import rig as v1_rig
from deeptalk.flame.standin.face import smoothstep
from deeptalk.flame.standin.regions import Regions, build_regions
from deeptalk.flame.standin_v2.head import HeadV2

NECK_JOINT = 1


def regions_v2(h: HeadV2) -> Regions:
    """v1's region fields with the new parts taken out of the skin surface."""
    r = build_regions(h.head)
    skin_like = ~h.mask("teeth_upper", "teeth_lower", "gums_upper", "gums_lower", "tongue")
    return replace(r, surface=r.surface & skin_like, envelope=r.envelope * skin_like,
                   expressive=r.expressive * skin_like, eye_footprint=r.eye_footprint * skin_like)


def skinning_weights_v2(r: Regions, h: HeadV2) -> np.ndarray:
    """(V, 5) LBS weights."""
    weights = v1_rig.skinning_weights(r)
    head = h.head
    bag = np.flatnonzero(head.cavity)
    z = head.vertices[bag, 2]
    floor = 1.0 - 0.3 * smoothstep((0.042 - z) / 0.010)
    palate = 0.2 * smoothstep((0.038 - z) / 0.008)
    side = head.cavity_side[bag]
    jaw = np.where(side < 0, floor, np.where(side > 0, palate, 0.5 * (floor + palate)))
    weights[bag] = 0.0
    weights[bag, JAW_JOINT] = jaw
    weights[bag, NECK_JOINT] = 1.0 - jaw
    for names, joint in ((("teeth_upper", "gums_upper"), NECK_JOINT),
                         (("teeth_lower", "gums_lower", "tongue"), JAW_JOINT)):
        rows = h.mask(*names)
        weights[rows] = 0.0
        weights[rows, joint] = 1.0
    return weights


def joint_regressor_v2(r: Regions, h: HeadV2) -> np.ndarray:
    """(5, V): v1's regressor over the skin; eye joints are the mean of a symmetric ring pair."""
    skin_faces = h.head.faces[np.all(h.mask("skin")[h.head.faces], axis=1)]
    reg = v1_rig.joint_regressor(r, skin_faces)
    for joint, ids in zip((3, 4), h.eye_centre_ids):
        reg[joint] = 0.0
        reg[joint, ids] = 1.0 / len(ids)
    return reg


def jaw_correctives_v2(r: Regions, weights: np.ndarray) -> np.ndarray:
    """(36, V*3) v1's jaw correctives (skin only; the parts are rigid)."""
    return v1_rig.jaw_correctives(r, weights)
