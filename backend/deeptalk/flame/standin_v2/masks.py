"""Head v2's named vertex regions: v1's FLAME_masks-style regions plus one per material.

`lips` follows the vermilion outline (tapering into the corners), and every part has
its own mask (`teeth`, `gums`, `tongue`, `sclera`, `irises`, `pupils`, `cornea`,
`mouth_interior`), so renderers can give each triangle its material from the file alone.
"""

from __future__ import annotations

import numpy as np

from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.build import standin_masks
from deeptalk.flame.standin.regions import Regions
from deeptalk.flame.standin_v2 import layout as V
from deeptalk.flame.standin_v2.features import lip_border
from deeptalk.flame.standin_v2.head import HeadV2


def lips_mask(r: Regions, h: HeadV2) -> np.ndarray:
    """(V,) bool: vermilion of both lips (skin side) and the lip lining of the bag."""
    head = h.head
    x, dy = r.p[:, 0], r.dy
    side = np.where(head.lip_side != 0, head.lip_side, np.where(dy >= 0, 1.0, -1.0))
    border = np.where(side > 0, lip_border(x, True, bow=False), lip_border(x, False)) + 0.0004
    inside = np.where(side > 0, (dy >= -1e-9) & (dy <= border), (dy <= 1e-9) & (-dy <= border))
    skin = r.surface & (r.p[:, 2] > 0.03) & (np.abs(x) <= L.MOUTH_HALF_WIDTH + 0.0005) & inside
    lining = head.cavity & (head.cavity_depth <= 0.15)
    return skin | lining


BROW_OFF = 99.0  # brow-shape distance written where there is no brow (front of the skin only has one)


def brow_shape(p: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """(V, 2) per vertex: t along the nearer brow (0 inner end .. 1 tail) and the signed
    distance from its centre line in half-thicknesses (|d| <= 1 inside); (t, BROW_OFF) off the skin.

    Both vary smoothly, so a renderer interpolating them over triangles draws the brow's outline
    at any mesh density (the add-on's skin material does), where a vertex mask is stair-stepped.
    """
    x, y = np.abs(p[:, 0]), p[:, 1]
    t = (x - 0.010) / 0.042
    tc = np.clip(t, 0, 1)
    centre = L.BROW_Y - 0.0015 + 0.0045 * np.sin(np.pi * tc ** 0.8) - 0.004 * tc ** 2
    thickness = 0.0046 * (1.0 - 0.5 * tc ** 1.5)
    d = np.where(skin & (p[:, 2] > 0.04), (y - centre) / thickness, BROW_OFF)
    return np.stack([t, d], axis=1)


def brows_mask(r: Regions) -> np.ndarray:
    """(V,) bool: two arched brows above the eyes (skin vertices; they move with the brow components)."""
    t, d = brow_shape(r.p, r.surface).T
    return (t >= 0) & (t <= 1) & (np.abs(d) <= 1.0)


def standin_masks_v2(r: Regions, h: HeadV2) -> dict[str, np.ndarray]:
    masks = standin_masks(r)
    head = h.head
    ball = h.mask("eyeball")
    iris = ball & (head.eye_polar <= V.IRIS_ANGLE + 1e-9)
    pupil = ball & (head.eye_polar <= V.PUPIL_ANGLE + 1e-9)
    regions = {
        "lips": lips_mask(r, h),
        "mouth_interior": head.cavity,
        "left_eyeball": h.mask("eyeball", "cornea") & (head.eyeball == 1),
        "right_eyeball": h.mask("eyeball", "cornea") & (head.eyeball == -1),
        "sclera": ball & ~iris, "irises": iris, "pupils": pupil, "cornea": h.mask("cornea"),
        "teeth": h.mask("teeth_upper", "teeth_lower"), "teeth_upper": h.mask("teeth_upper"),
        "teeth_lower": h.mask("teeth_lower"), "gums": h.mask("gums_upper", "gums_lower"),
        "gums_upper": h.mask("gums_upper"), "gums_lower": h.mask("gums_lower"), "tongue": h.mask("tongue"),
        "left_ear": h.mask("ear") & (r.p[:, 0] > 0), "right_ear": h.mask("ear") & (r.p[:, 0] < 0),
    }
    regions["brows"] = brows_mask(r)
    masks.update({name: np.flatnonzero(m) for name, m in regions.items()})
    masks["mouth"] = np.union1d(masks["mouth"], masks["lips"])
    return masks
