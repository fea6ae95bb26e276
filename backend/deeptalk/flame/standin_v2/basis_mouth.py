"""Head v2's lower-face components: lips, mouth corners, cheeks, chin, tongue, neck.

Each function returns a displacement field (V, 3) in metres for a unit coefficient.
One-sided actions use the corner falloffs or `half` (a smooth left/right split), so a
left and a right component never add up to another component. Built on v1's region
fields (`standin.regions`). Pure numpy.
"""

from __future__ import annotations

import numpy as np

from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.expressions import (_vec, lip_tighten, lips_part, lower_lip_depress, mouth_shift,
                                                upper_lip_raise)
from deeptalk.flame.standin.face import bump, smoothstep
from deeptalk.flame.standin.regions import Regions, corner, lid_displacement, lip_weight, mouth_area
from deeptalk.flame.standin_v2 import layout as V
from deeptalk.flame.standin_v2.head import HeadV2


def half(r: Regions, side: float, width: float = 0.016) -> np.ndarray:
    """Smooth split across the midline: 1 on `side` (+1 = left, +X), 0 on the other, 0.5 on it."""
    return smoothstep(0.5 + side * r.p[:, 0] / width)


def smile(r: Regions, side: float) -> np.ndarray:
    """Zygomatic smile (AU12) on one side: the corner goes up, out and back, the lip line on that
    side curves up into it (a U, not a lifted corner on a flat mouth), the cheek's apple rises and
    rounds forward beside the nasolabial fold, and the lower lid rides up a little. v1's corner-only
    field (5.5 mm up) read as a grimace on head v2's fuller lips."""
    x, y = r.p[:, 0], r.p[:, 1]
    along = np.clip(side * x / L.MOUTH_HALF_WIDTH, 0.0, 1.3)
    arc = along ** 2 * np.exp(-(r.dy / 0.011) ** 2) * r.surface
    apple = bump(x, y, side * 0.034, -0.026, 0.016, 0.014) * r.surface * (1 - r.eye_footprint)
    fold = bump(x, y, side * 0.036, L.MOUTH_Y + 0.012, 0.010, 0.012) * r.surface
    return (_vec(corner(r, side, 0.017, 0.014), side * 0.0052, 0.0062, -0.0034)
            + _vec(arc, side * 0.0012, 0.0026, 0.0)
            + _vec(apple, side * 0.0010, 0.0038, 0.0034)
            + _vec(fold, side * 0.0008, 0.0022, 0.0022)
            + lid_displacement(r, 0.0, 0.0014, side))


def frown(r: Regions, side: float) -> np.ndarray:
    below = bump(r.p[:, 0], r.p[:, 1], side * L.MOUTH_HALF_WIDTH, L.MOUTH_Y - 0.012, 0.012, 0.012)
    return _vec(corner(r, side), side * 0.0008, -0.0050, 0.0006) + _vec(below * r.surface, 0.0, -0.0022, 0.0)


def lip_stretch(r: Regions, side: float) -> np.ndarray:
    out = _vec(mouth_area(r) * half(r, side), 0.0, 0.0, -0.0012) + 0.1 * lips_part(r) * half(r, side)[:, None]
    return out + _vec(corner(r, side, 0.020, 0.016), side * 0.0062, 0.0, -0.0012)


def lip_pucker(r: Regions) -> np.ndarray:
    """Lips pushed forward and gathered toward the middle, still touching."""
    area = mouth_area(r, 0.026, 0.014)
    squeeze = r.envelope * np.exp(-(r.dy / 0.008) ** 2) * r.surface
    return _vec(area, -0.42 * r.p[:, 0], 0.0, 0.0072) + _vec(squeeze, 0.0, -0.12 * r.dy, 0.0)


def lip_funnel(r: Regions) -> np.ndarray:
    """Lips flare forward into a rounded funnel: the vermilions roll out, the corners draw in."""
    area = mouth_area(r, 0.026, 0.014)
    body = r.envelope * np.exp(-((np.abs(r.dy) - 0.0045) / 0.003) ** 2) * r.surface
    up = lip_weight(r, 1.0, 0.005) * r.envelope
    down = lip_weight(r, -1.0, 0.006) * r.envelope
    out = _vec(area, 0.0, 0.0, 0.0025) + _vec(body, 0.0, 0.0008 * np.sign(r.dy), 0.0055)
    out += _vec(up, 0.0, 0.0024, 0.0) + _vec(down, 0.0, -0.0030, 0.0)
    for side in (1.0, -1.0):
        out += _vec(corner(r, side, 0.006, 0.006), -side * 0.0030, 0.0, 0.0010)
    return out


def lip_press(r: Regions) -> np.ndarray:
    """Vermilions roll in toward the closed line and press back."""
    roll = r.envelope * np.exp(-(r.dy / 0.006) ** 2) * (r.dy / 0.004) * r.surface
    return _vec(roll, 0.0, -0.0024, 0.0) + _vec(mouth_area(r, 0.026, 0.010), 0.0, 0.0, -0.0042)


def one_sided(field: np.ndarray, r: Regions, side: float) -> np.ndarray:
    return field * half(r, side)[:, None]


def chin_raise(r: Regions) -> np.ndarray:
    chin = bump(r.p[:, 0], r.p[:, 1], 0.0, L.MOUTH_Y - 0.030, 0.022, 0.016) * r.surface
    lips = (lip_weight(r, -1.0, 0.010) + lip_weight(r, 1.0, 0.005)) * r.envelope  # pushed up together
    return _vec(chin, 0.0, 0.0042, 0.0020) + _vec(lips, 0.0, 0.0012, 0.0016)


def lower_lip_tuck(r: Regions) -> np.ndarray:
    w = lip_weight(r, -1.0, 0.010)
    return _vec(w, 0.0, 0.0010 * r.envelope ** 5, -0.0044 * r.envelope ** 1.5)  # no lift at the corners


def upper_lip_tuck(r: Regions) -> np.ndarray:
    w = lip_weight(r, 1.0, 0.010)
    return _vec(w, 0.0, -0.0006 * r.envelope ** 5, -0.0036 * r.envelope ** 1.5)


def dimple(r: Regions, side: float) -> np.ndarray:
    return _vec(corner(r, side), side * 0.0015, 0.0, -0.0040)


def cheek_puff(r: Regions, side: float) -> np.ndarray:
    w = bump(r.p[:, 0], r.p[:, 1], side * 0.036, L.MOUTH_Y + 0.006, 0.017, 0.020) * r.surface
    return _vec(w, side * 0.0065, 0.0, 0.0045) + _vec(mouth_area(r, 0.02, 0.012) * half(r, side), 0.0, 0.0, 0.0012)


def cheek_suck(r: Regions) -> np.ndarray:
    out = np.zeros_like(r.p)
    for side in (1.0, -1.0):
        w = bump(r.p[:, 0], r.p[:, 1], side * 0.040, L.MOUTH_Y + 0.006, 0.012, 0.014) * r.surface
        out += _vec(w, -side * 0.0035, 0.0, -0.0015)
    return out


def neck_tighten(r: Regions) -> np.ndarray:
    p = r.p
    cords = np.exp(-((np.abs(p[:, 0]) - 0.016) / 0.005) ** 2) * smoothstep((p[:, 2] - 0.0) / 0.03)
    span = smoothstep((L.CHIN_Y - 0.004 - p[:, 1]) / 0.012) * smoothstep((p[:, 1] + 0.160) / 0.02)
    w = cords * span * r.surface
    return _vec(w, 0.0, 0.0, 0.0030) + _vec(w, -0.0008 * np.sign(p[:, 0]), 0.0, 0.0)


def jaw_clench(r: Regions) -> np.ndarray:
    p = r.p
    w = bump(p[:, 1], p[:, 2], -0.062, 0.010, 0.016, 0.018) * smoothstep((np.abs(p[:, 0]) - 0.03) / 0.02) * r.surface
    return _vec(w, 0.0022 * np.sign(p[:, 0]), 0.0, 0.0)


def tongue_up(r: Regions, h: HeadV2) -> np.ndarray:
    """The tip rises toward the palate behind the upper teeth (tongue vertices only)."""
    p, on = r.p, h.mask("tongue")
    t = smoothstep((p[:, 2] - 0.060) / (V.TONGUE_TIP_Z - 0.060)) * on
    return _vec(t ** 1.5, 0.0, 0.0068, -0.0022)


def tongue_back(r: Regions, h: HeadV2) -> np.ndarray:
    """The tongue draws back and its back bunches up (tongue vertices only)."""
    p, on = r.p, h.mask("tongue").astype(float)
    back = smoothstep((0.062 - p[:, 2]) / 0.016) * smoothstep((p[:, 1] - V.TONGUE_BOTTOM_Y) / 0.008)
    return _vec(on, 0.0, 0.0010, -0.0036) + _vec(back * on, 0.0, 0.0030, 0.0)


def lower_face_fields(r: Regions, h: HeadV2) -> dict[str, np.ndarray]:
    """Every lower-face component by name."""
    fields = {"lips_part": lips_part(r), "lip_pucker": lip_pucker(r), "lip_press": lip_press(r),
              "lip_funnel": lip_funnel(r), "chin_raise": chin_raise(r), "lower_lip_tuck": lower_lip_tuck(r),
              "upper_lip_tuck": upper_lip_tuck(r), "mouth_left": mouth_shift(r, 1.0), "cheek_suck": cheek_suck(r),
              "neck_tighten": neck_tighten(r), "jaw_clench": jaw_clench(r), "tongue_up": tongue_up(r, h),
              "tongue_back": tongue_back(r, h)}
    for side, tag in ((1.0, "L"), (-1.0, "R")):
        fields[f"smile_{tag}"] = smile(r, side)
        fields[f"frown_{tag}"] = frown(r, side)
        fields[f"lip_stretch_{tag}"] = lip_stretch(r, side)
        fields[f"upper_lip_raise_{tag}"] = one_sided(upper_lip_raise(r), r, side)
        fields[f"lower_lip_depress_{tag}"] = one_sided(lower_lip_depress(r), r, side)
        fields[f"dimple_{tag}"] = dimple(r, side)
        fields[f"lip_tighten_{tag}"] = one_sided(lip_tighten(r), r, side)
        fields[f"cheek_puff_{tag}"] = cheek_puff(r, side)
    return fields
