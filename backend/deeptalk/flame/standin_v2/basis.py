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
from deeptalk.flame.standin.regions import Regions
from deeptalk.flame.standin_v2.basis_mouth import lower_face_fields
from deeptalk.flame.standin_v2.basis_upper import upper_face_fields
from deeptalk.flame.standin_v2.head import HeadV2

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


def expression_basis_v2(r: Regions, h: HeadV2) -> np.ndarray:
    """(V, 3, 50) displacements for a unit coefficient of each component."""
    fields = {**lower_face_fields(r, h), **upper_face_fields(r)}
    named = [name for name in NAMES_V2 if not name.startswith("detail_")]
    missing = [name for name in named if name not in fields]
    if missing:
        raise KeyError(f"no field for {missing}")
    stack = [fields[name] for name in named] + details(r, EXPRESSION_DIM - len(named))
    basis = np.stack(stack, axis=2)  # (V, 3, 50)
    tongue = h.mask("tongue")
    basis[~tongue] *= r.expressive[~tongue, None, None]
    head = h.head
    bag = np.flatnonzero(head.cavity & (head.cavity_follows >= 0))
    ring = np.rint(head.cavity_depth[bag] * (len(BAG_FOLLOW) + 1)).astype(int) - 1
    follow = np.asarray(BAG_FOLLOW)[np.clip(ring, 0, len(BAG_FOLLOW) - 1)]
    basis[bag] = basis[head.cavity_follows[bag]] * follow[:, None, None]
    basis[head.cavity & (head.cavity_follows < 0)] = 0.0
    basis[h.mask("eyeball", "cornea", "teeth_upper", "teeth_lower", "gums_upper", "gums_lower")] = 0.0
    basis *= (np.linalg.norm(basis, axis=1) >= 2e-6)[:, None, :]  # drop sub-micrometre tails
    return basis
