"""Head v2's upper-face components: brows, lids, cheeks under the eyes, nose.

Displacement fields (V, 3) in metres for a unit coefficient, left and right separate.
Lid fields slide the lids over the eyeball (v1's `lid_displacement`). Pure numpy.
"""

from __future__ import annotations

import numpy as np

from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.expressions import _vec, brow_field, eyes_close
from deeptalk.flame.standin.face import bump
from deeptalk.flame.standin.regions import Regions, lid_displacement, lip_weight
from deeptalk.flame.standin_v2.basis_mouth import half

OPEN_UP, OPEN_DOWN = L.UPPER_LID_OPEN, L.LOWER_LID_OPEN


def brow_down(r: Regions, side: float) -> np.ndarray:
    """Brow pulled down and toward the midline, far more at its inner end than at its tail, so
    the brows slant into the V of a scowl (corrugator), and the skin between them bunches
    forward and down (procerus). A field even along the brow only flattens its arch."""
    w = brow_field(r, 0.010, 0.019) * half(r, side)
    glabella = bump(r.p[:, 0], r.p[:, 1], 0.0, L.BROW_Y - 0.004, 0.010, 0.011) * r.surface * half(r, side)
    return _vec(w, -0.0042 * np.sign(r.p[:, 0]), -0.0078, 0.0022) + _vec(glabella, 0.0, -0.0025, 0.0020)


def brow_inner_up(r: Regions, side: float) -> np.ndarray:
    """Inner end of the brow up, tilting the brow (frontalis, medial part); 8.5 mm, so sadness's
    oblique brow (with a third of `brow_down` against it) still lifts its inner end ~6 mm."""
    w = brow_field(r, 0.009, 0.015) * half(r, side)
    return _vec(w, 0.0, 0.0085, 0.0)


def brow_outer_up(r: Regions, side: float) -> np.ndarray:
    w = brow_field(r, 0.036, 0.020, side)
    return _vec(w, 0.0, 0.0068, 0.0) + lid_displacement(r, 0.0012, 0.0, side)


def eye_wide(r: Regions, side: float) -> np.ndarray:
    return lid_displacement(r, 0.0042, -0.0010, side)


def cheek_squint(r: Regions, side: float) -> np.ndarray:
    """Cheek raiser (AU6, the Duchenne marker): the cheek under the eye lifts and bulges forward,
    pushing the lower lid up into a crescent, and the skin beside the outer corner draws in."""
    x, y = r.p[:, 0], r.p[:, 1]
    cheek = bump(x, y, side * 0.035, -0.016, 0.017, 0.013) * r.surface * (1 - r.eye_footprint)
    outer = bump(x, y, side * (L.EYE_X + 0.022), L.EYE_Y - 0.002, 0.008, 0.010) * r.surface * (1 - r.eye_footprint)
    return (lid_displacement(r, -0.0006, 0.70 * OPEN_DOWN, side) + _vec(cheek, side * 0.0006, 0.0046, 0.0026)
            + _vec(outer, -side * 0.0014, 0.0006, 0.0))


def lid_tighten(r: Regions, side: float) -> np.ndarray:
    x, y = r.p[:, 0], r.p[:, 1]
    ring = bump(x, y, side * L.EYE_X, L.EYE_Y, 0.022, 0.016) * r.surface * (1 - r.eye_footprint)
    inward = np.stack([side * L.EYE_X - x, L.EYE_Y - y, np.zeros_like(x)], axis=1) * ring[:, None] * 0.08
    return lid_displacement(r, -0.0016, 0.0018, side) + inward


def nose_wrinkle(r: Regions, side: float) -> np.ndarray:
    x, y = r.p[:, 0], r.p[:, 1]
    ala = bump(x, y, side * 0.013, L.NOSE_TIP_Y - 0.006, 0.010, 0.010) * r.surface
    bridge = bump(x, y, side * 0.004, 0.000, 0.008, 0.012) * r.surface
    lip = lip_weight(r, 1.0, 0.012) * r.envelope * half(r, side)
    root = brow_field(r, 0.012, 0.014) * half(r, side)
    return (_vec(ala, side * 0.0004, 0.0040, 0.0008) + _vec(bridge, 0.0, -0.0014, -0.0004)
            + _vec(lip, 0.0, 0.0014, 0.0) + _vec(root, 0.0, -0.0018, 0.0))


def nostril_flare(r: Regions) -> np.ndarray:
    x, y = r.p[:, 0], r.p[:, 1]
    out = np.zeros_like(r.p)
    for side in (1.0, -1.0):
        ala = bump(x, y, side * 0.0135, L.NOSE_TIP_Y - 0.007, 0.006, 0.007) * r.surface
        out += _vec(ala, side * 0.0020, 0.0, 0.0003)
    return out


def upper_face_fields(r: Regions) -> dict[str, np.ndarray]:
    fields: dict[str, np.ndarray] = {"nostril_flare": nostril_flare(r)}
    for side, tag in ((1.0, "L"), (-1.0, "R")):
        fields[f"brow_inner_up_{tag}"] = brow_inner_up(r, side)
        fields[f"brow_outer_up_{tag}"] = brow_outer_up(r, side)
        fields[f"brow_down_{tag}"] = brow_down(r, side)
        fields[f"blink_{tag}"] = eyes_close(r, side)
        fields[f"eye_wide_{tag}"] = eye_wide(r, side)
        fields[f"cheek_squint_{tag}"] = cheek_squint(r, side)
        fields[f"lid_tighten_{tag}"] = lid_tighten(r, side)
        fields[f"nose_wrinkle_{tag}"] = nose_wrinkle(r, side)
    return fields
