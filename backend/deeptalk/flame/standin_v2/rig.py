"""Head v2's skeleton: v1's skin weights, regressor and jaw correctives, plus the new parts.

Upper teeth, gums and the ears ride on the skull (neck joint), lower teeth, gums and the tongue on
the jaw; the mouth bag's floor follows the jaw wherever the tongue and lower teeth are,
its palate stays with the skull; eyeballs and corneas turn with their eye joints.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from deeptalk.flame.semantics import JAW_JOINT
from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin import rig as v1_rig
from deeptalk.flame.standin.face import smoothstep
from deeptalk.flame.standin.regions import Regions, build_regions
from deeptalk.flame.standin_v2.head import HeadV2
from deeptalk.flame.standin_v2.midline import SOFTNESS, neighbour_mean, relax

NECK_JOINT = 1


def regions_v2(h: HeadV2) -> Regions:
    """v1's region fields with the new parts taken out of the skin surface."""
    r = build_regions(h.head)
    skin_like = ~h.mask("teeth_upper", "teeth_lower", "gums_upper", "gums_lower", "tongue", "ear")
    return replace(r, surface=r.surface & skin_like, envelope=r.envelope * skin_like,
                   expressive=r.expressive * skin_like, eye_footprint=r.eye_footprint * skin_like)


LINING_FOLLOW = (1.0, 1.0, 0.5)  # how much the first bag rings take their lip vertex's jaw weight
SMOOTHING_STEPS = 30
OPENING_PROFILE = 0.75  # open mouth height along it ~ (1 - t^2) ** this (t: 0 middle, 1 corner); 0.3 was a box


def rounded_mouth_jaw(r: Regions, h: HeadV2, jaw: np.ndarray) -> np.ndarray:
    """Jaw weights that open the mouth into a rounded shape instead of a box.

    Lip edges share the opening toward the corners (upper 0 -> 0.5, lower 1 -> 0.5), and the
    skin around the corners is smoothed between them.
    """
    head, p = h.head, r.p
    jaw = jaw.copy()
    lips = r.surface & (np.abs(p[:, 0]) < L.MOUTH_HALF_WIDTH + 0.002) & (np.abs(r.dy) < 0.022) & (p[:, 2] > 0.07)
    jaw[lips] = (r.dy[lips] < 0).astype(float)  # full lips (v2's protrude past v1's pivot line): by side
    t = np.clip(np.abs(p[:, 0]) / L.MOUTH_HALF_WIDTH, 0.0, 1.0)
    share = 0.5 * np.clip(1.0 - t ** 2, 0.0, 1.0) ** OPENING_PROFILE
    edge = head.lip_side != 0
    jaw[edge] = np.where(head.lip_side[edge] < 0, 0.5 + share[edge], 0.5 - share[edge])
    corners = np.array([head.mouth_upper[0], head.mouth_upper[-1]])
    jaw[corners] = 0.5
    free = (r.surface & ~edge & (np.abs(r.dy) < 0.016) & (np.abs(p[:, 0]) > 0.45 * L.MOUTH_HALF_WIDTH)
            & (np.abs(p[:, 0]) < L.MOUTH_HALF_WIDTH + 0.016) & (p[:, 2] > 0.05))
    free[corners] = False
    # under the chin: spread the jaw's falloff down the throat so opening does not fold the skin
    throat = (r.surface & (p[:, 1] < L.CHIN_Y + 0.012) & (p[:, 1] > L.THROAT_Y - 0.035) & (p[:, 2] > -0.015)
              & (np.abs(p[:, 0]) < 0.06))
    ids = np.flatnonzero(free | throat)
    return relax(jaw, neighbour_mean(head.grid.faces, len(p), head.grid), ids, SMOOTHING_STEPS)


def skinning_weights_v2(r: Regions, h: HeadV2) -> np.ndarray:
    """(V, 5) LBS weights."""
    weights = v1_rig.skinning_weights(r)
    skin = np.flatnonzero(r.surface)
    jaw_skin = rounded_mouth_jaw(r, h, weights[:, JAW_JOINT])
    weights[skin, JAW_JOINT] = jaw_skin[skin]
    weights[skin, NECK_JOINT] = 1.0 - weights[skin, 0] - jaw_skin[skin]
    head = h.head
    bag = np.flatnonzero(head.cavity)
    z = head.vertices[bag, 2]
    floor = 1.0 - 0.3 * smoothstep((0.042 - z) / 0.010)
    palate = 0.2 * smoothstep((0.038 - z) / 0.008)
    side = head.cavity_side[bag]
    jaw = np.where(side < 0, floor, np.where(side > 0, palate, 0.5 * (floor + palate)))
    ring = np.rint(head.cavity_depth[bag] * 10).astype(int) - 1
    follow = np.where(ring < len(LINING_FOLLOW), np.asarray(LINING_FOLLOW + (0.0,))[np.clip(ring, 0, 3)], 0.0)
    lip = head.cavity_follows[bag]
    jaw = np.where(lip >= 0, follow * jaw_skin[np.clip(lip, 0, None)] + (1 - follow) * jaw, jaw)
    weights[bag] = 0.0
    weights[bag, JAW_JOINT] = jaw
    weights[bag, NECK_JOINT] = 1.0 - jaw
    for names, joint in ((("teeth_upper", "gums_upper", "ear"), NECK_JOINT),
                         (("teeth_lower", "gums_lower", "tongue"), JAW_JOINT)):
        rows = h.mask(*names)
        weights[rows] = 0.0
        weights[rows, joint] = 1.0
    return weights


def joint_regressor_v2(r: Regions, h: HeadV2) -> np.ndarray:
    """(5, V): v1's regressor over the skin; eye joints are the mean of a symmetric ring pair."""
    skin_faces = h.head.grid.faces  # the construction triangulation: joints as before the faces were re-cut
    reg = v1_rig.joint_regressor(r, skin_faces)
    for joint, ids in zip((3, 4), h.eye_centre_ids):
        reg[joint] = 0.0
        reg[joint, ids] = 1.0 / len(ids)
    return reg


def jaw_correctives_v2(r: Regions, weights: np.ndarray) -> np.ndarray:
    """(36, V*3) v1's jaw correctives (skin only; the parts are rigid), faded in beside the chin, not stepped."""
    return v1_rig.jaw_correctives(r, weights, side_fade=SOFTNESS)
