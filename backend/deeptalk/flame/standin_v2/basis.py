"""Head v2's 50 expression components in `semantics_v2.COMPONENTS_V2` order.

Skin fields come from `basis_mouth` and `basis_upper`; the mouth bag follows its lip
edge (fully at the lip lining, fading toward the throat so the bag never closes over
the teeth); eyeballs, corneas, teeth and gums never move with expressions; the tongue
moves only with its own components. The last four are small smooth detail shapes.
"""

from __future__ import annotations

import numpy as np

from deeptalk.flame.semantics import EXPRESSION_DIM
from deeptalk.flame.semantics_v2 import NAMES_V2
from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.regions import Regions
from deeptalk.flame.standin_v2.basis_mouth import lower_face_fields
from deeptalk.flame.standin_v2.basis_upper import upper_face_fields
from deeptalk.flame.standin_v2.head import HeadV2
from deeptalk.flame.standin_v2.midline import neighbour_mean, relax, smooth_midline

DETAIL_SEED = 20262
# how much each bag ring follows its lip-edge vertex, lip lining first, then toward the throat
BAG_FOLLOW = (0.95, 0.80, 0.45, 0.30, 0.20, 0.12, 0.06, 0.03, 0.0)


def details(r: Regions, count: int) -> list[np.ndarray]:
    """Small smooth bumps at fixed pseudo-random spots on the face."""
    rng = np.random.default_rng(DETAIL_SEED)
    p = r.p
    candidates = np.flatnonzero(r.surface & (np.abs(p[:, 0]) < 0.05) & (p[:, 1] > -0.1) & (p[:, 1] < 0.06)
                                & (p[:, 2] > 0.05))
    out = []
    for _ in range(count):
        centre = p[candidates[rng.integers(len(candidates))]]
        direction = rng.normal(size=3)
        direction /= np.linalg.norm(direction)
        radius = rng.uniform(0.008, 0.016)
        w = np.exp(-np.sum((p - centre) ** 2, axis=1) / radius ** 2) * r.surface
        out.append(w[:, None] * (0.0015 * direction))
    return out


def lids_meet(field: np.ndarray, p: np.ndarray, upper: np.ndarray, lower: np.ndarray,
              forward: float = 0.00008) -> np.ndarray:
    """A blink field whose closed lid edges meet column by column, the upper edge `forward` in front.

    Edges at one height leave no slit through which the eyeball (and, through the transparent
    cornea, the inside of the head) would show; a lower edge above the upper one would fold the
    lids into each other at the corners.
    """
    field = field.copy()
    up, low = upper[1:-1], lower[1:-1]  # corners are shared
    closed_up, closed_low = p[up] + field[up], p[low] + field[low]
    meet = 0.5 * (closed_up + closed_low)
    field[up, 1:] = meet[:, 1:] + [0.0, forward] - p[up, 1:]
    field[low, 1:] = meet[:, 1:] - p[low, 1:]
    return field


def lift_lid_groove(field: np.ndarray, p: np.ndarray, faces: np.ndarray, upper: np.ndarray, lower: np.ndarray,
                    depth: float = 0.0015, most: float = 0.004) -> np.ndarray:
    """Bring the closed lids' meeting line forward where it sinks into a pit.

    Near the inner corner the open lid edges lie deep in the socket (the canthus funnels back to
    the eyeball), so lids that meet there leave a pit that renders as a dark spot. Each column of
    the meeting line comes forward to `depth` behind the mean of its closed neighbour rows, by at
    most `most` (more folds the lids into each other).
    """
    field = field.copy()
    edge = np.zeros(len(p), bool)
    edge[upper] = edge[lower] = True
    closed = p + field
    for up, low in zip(upper[1:-1], lower[1:-1]):
        around = np.unique(faces[np.any((faces == up) | (faces == low), axis=1)])
        around = around[~edge[around]]
        if around.size == 0:
            continue
        lift = np.clip(closed[around, 2].mean() - depth - max(closed[up, 2], closed[low, 2]), 0.0, most)
        field[[up, low], 2] += lift
    return field


def bulge_over_cornea(field: np.ndarray, bulge: float = 0.001) -> np.ndarray:
    """Bring the closing lid forward in proportion to how far it travels down, by `bulge` at the most.

    A linear blink moves each vertex on a straight line; without this, halfway down the upper lid's
    edge passes through the cornea's bulge. A closed lid bulges over the cornea anyway.
    """
    field = field.copy()
    travel = np.abs(field[:, 1])
    field[:, 2] += bulge * travel / max(float(travel.max()), 1e-12)
    return field


def smooth_eye_corners(basis: np.ndarray, r: Regions, h: HeadV2, steps: int = 12) -> np.ndarray:
    """Relax the fields around the eye corners (lid edges fixed), where sliding on the eyeball ends abruptly."""
    head, p = h.head, r.p
    edge = np.zeros(len(p), bool)
    for ids in (*head.eye_upper, *head.eye_lower):
        edge[ids] = True
    a = (np.abs(p[:, 0]) - L.EYE_X) / L.EYE_HALF_WIDTH
    near = np.hypot(np.abs(p[:, 0]) - L.EYE_X, p[:, 1] - L.EYE_Y) < 0.024
    region = np.flatnonzero(r.surface & near & (np.abs(a) > 0.5) & ~edge & (p[:, 2] > L.EYEBALL_Z - 0.01))
    mean = neighbour_mean(head.grid.faces, len(p))  # the construction triangulation, diagonals included
    return relax(basis, mean, region, steps)


def expression_basis_v2(r: Regions, h: HeadV2) -> np.ndarray:
    """(V, 3, 50) displacements for a unit coefficient of each component."""
    fields = {**lower_face_fields(r, h), **upper_face_fields(r)}
    named = [name for name in NAMES_V2 if not name.startswith("detail_")]
    missing = [name for name in named if name not in fields]
    if missing:
        raise KeyError(f"no field for {missing}")
    stack = [fields[name] for name in named] + details(r, EXPRESSION_DIM - len(named))
    basis = np.stack(stack, axis=2)  # (V, 3, 50)
    basis = smooth_eye_corners(basis, r, h)
    head = h.head
    skin_faces = head.grid.faces
    lip_edges = np.zeros(len(r.p), bool)
    lip_edges[np.concatenate([head.mouth_upper, head.mouth_lower])] = True
    basis = smooth_midline(basis, r.p, neighbour_mean(skin_faces, len(r.p), head.grid), r.surface & ~lip_edges)
    for name, eye in (("blink_L", 0), ("blink_R", 1)):
        k = NAMES_V2.index(name)
        upper, lower = np.asarray(h.head.eye_upper[eye]), np.asarray(h.head.eye_lower[eye])
        met = lids_meet(bulge_over_cornea(basis[:, :, k]), r.p, upper, lower)
        basis[:, :, k] = lift_lid_groove(met, r.p, skin_faces, upper, lower)
    tongue = h.mask("tongue")
    basis[~tongue] *= r.expressive[~tongue, None, None]
    bag = np.flatnonzero(head.cavity & (head.cavity_follows >= 0))
    ring = np.rint(head.cavity_depth[bag] * (len(BAG_FOLLOW) + 1)).astype(int) - 1
    follow = np.asarray(BAG_FOLLOW)[np.clip(ring, 0, len(BAG_FOLLOW) - 1)]
    basis[bag] = basis[head.cavity_follows[bag]] * follow[:, None, None]
    basis[head.cavity & (head.cavity_follows < 0)] = 0.0
    basis[h.mask("eyeball", "cornea", "teeth_upper", "teeth_lower", "gums_upper", "gums_lower", "ear")] = 0.0
    basis *= (np.linalg.norm(basis, axis=1) >= 2e-6)[:, None, :]  # drop sub-micrometre tails
    return basis
