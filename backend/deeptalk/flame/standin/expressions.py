"""The stand-in's 50 expression components, in `semantics.EXPRESSION_COMPONENTS` order.

Each component is a displacement field (V, 3) in metres for a unit coefficient (a full,
natural activation). Lip fields respect which lip a vertex belongs to, so the closed
lips can part; lid fields slide the lids over the eyeballs; the mouth cavity follows its
lip edge; eyeballs never move. Pure numpy and deterministic.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from deeptalk.flame.semantics import EXPRESSION_COMPONENTS, EXPRESSION_DIM
from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.face import bump
from deeptalk.flame.standin.regions import Regions, corner, lid_displacement, lip_weight, mouth_area

DETAIL_SEED = 20240
OPEN_UP, OPEN_DOWN = L.UPPER_LID_OPEN, L.LOWER_LID_OPEN


def _vec(weight: np.ndarray, dx: float | np.ndarray, dy: float | np.ndarray, dz: float | np.ndarray) -> np.ndarray:
    return np.stack([weight * dx, weight * dy, weight * dz], axis=1)


def lips_part(r: Regions) -> np.ndarray:
    up = lip_weight(r, 1.0, 0.009) * r.envelope
    down = lip_weight(r, -1.0, 0.012) * r.envelope
    return _vec(up, 0.0, 0.0030, 0.0008) + _vec(down, 0.0, -0.0042, 0.0010)


def smile_side(r: Regions, side: float) -> np.ndarray:
    c = corner(r, side)
    cheek = bump(r.p[:, 0], r.p[:, 1], side * 0.040, -0.030, 0.018, 0.016) * r.surface
    lid = lid_displacement(r, 0.0, 0.0009, side)
    return _vec(c, side * 0.0040, 0.0055, -0.0030) + _vec(cheek, side * 0.001, 0.0030, 0.0016) + lid


def smile(r: Regions) -> np.ndarray:
    return smile_side(r, 1.0) + smile_side(r, -1.0)


def frown(r: Regions) -> np.ndarray:
    out = np.zeros_like(r.p)
    for side in (1.0, -1.0):
        below = bump(r.p[:, 0], r.p[:, 1], side * L.MOUTH_HALF_WIDTH, L.MOUTH_Y - 0.012, 0.012, 0.012)
        out += _vec(corner(r, side), side * 0.0008, -0.0048, 0.0006) + _vec(below * r.surface, 0.0, -0.0020, 0.0)
    return out


def lip_pucker(r: Regions) -> np.ndarray:
    area = mouth_area(r, 0.026, 0.014)
    return _vec(area, -0.40 * r.p[:, 0], 0.0, 0.0070) + 0.25 * lips_part(r)


def lip_stretch(r: Regions) -> np.ndarray:
    out = _vec(mouth_area(r), 0.0, 0.0, -0.0015) + 0.15 * lips_part(r)
    for side in (1.0, -1.0):
        out += _vec(corner(r, side, 0.020, 0.016), side * 0.0060, 0.0, -0.0010)
    return out


def lip_press(r: Regions) -> np.ndarray:
    """Vermilions roll toward the closed line (which stays put) and back."""
    roll = r.envelope * np.exp(-(r.dy / 0.006) ** 2) * (r.dy / 0.004) * r.surface
    return _vec(roll, 0.0, -0.0015, 0.0) + _vec(mouth_area(r, 0.026, 0.010), 0.0, 0.0, -0.0020)


def upper_lip_raise(r: Regions) -> np.ndarray:
    up = lip_weight(r, 1.0, 0.012) * bump(np.abs(r.p[:, 0]), r.p[:, 1], 0.010, L.MOUTH_Y, 0.018, 0.03)
    fold = bump(np.abs(r.p[:, 0]), r.p[:, 1], 0.021, -0.045, 0.008, 0.010) * r.surface
    return _vec(up * r.envelope ** 0.3, 0.0, 0.0042, 0.0006) + _vec(fold, 0.0, 0.0015, 0.0010)


def lower_lip_depress(r: Regions) -> np.ndarray:
    down = lip_weight(r, -1.0, 0.014) * bump(np.abs(r.p[:, 0]), r.p[:, 1], 0.010, L.MOUTH_Y, 0.018, 0.04)
    return _vec(down * r.envelope ** 0.3, 0.0, -0.0042, 0.0010)


def brow_field(r: Regions, cx: float, sx: float, side: float | None = None) -> np.ndarray:
    w = bump(np.abs(r.p[:, 0]), r.p[:, 1], cx, L.BROW_Y + 0.002, sx, 0.018)
    w = w * (1.0 - r.eye_footprint) * r.surface
    if side is not None:
        w = w * np.clip(0.5 + side * r.p[:, 0] / 0.02, 0.0, 1.0)
    return w


def brow_raise(r: Regions, side: float | None = None) -> np.ndarray:
    return _vec(brow_field(r, 0.030, 0.034, side), 0.0, 0.0070, 0.0) + lid_displacement(r, 0.0012, 0.0, side)


def brow_lower(r: Regions) -> np.ndarray:
    w = brow_field(r, 0.022, 0.028)
    return _vec(w, -0.0035 * np.sign(r.p[:, 0]), -0.0040, 0.0015)


def inner_brow_raise(r: Regions) -> np.ndarray:
    return _vec(brow_field(r, 0.010, 0.016), 0.0, 0.0060, 0.0)


def eyes_close(r: Regions, side: float | None = None) -> np.ndarray:
    meet = 0.75 * OPEN_DOWN  # lids meet below the fissure line, as in a blink
    return lid_displacement(r, -(OPEN_UP + meet), OPEN_DOWN - meet, side)


def eyes_wide(r: Regions) -> np.ndarray:
    return lid_displacement(r, 0.45 * OPEN_UP, -0.25 * OPEN_DOWN)


def cheek_puff(r: Regions) -> np.ndarray:
    out = _vec(mouth_area(r, 0.02, 0.012), 0.0, 0.0, 0.0015)
    for side in (1.0, -1.0):
        w = bump(r.p[:, 0], r.p[:, 1], side * 0.036, L.MOUTH_Y + 0.006, 0.017, 0.020) * r.surface
        out += _vec(w, side * 0.0065, 0.0, 0.0045)
    return out


def lip_funnel(r: Regions) -> np.ndarray:
    area = mouth_area(r, 0.026, 0.014)
    edges = (lip_weight(r, 1.0, 0.004) + lip_weight(r, -1.0, 0.004)) * r.envelope
    return _vec(area, -0.30 * r.p[:, 0], 0.0, 0.0050) + 0.7 * lips_part(r) + _vec(edges, 0.0, 0.0, 0.0015)


def lower_lip_tuck(r: Regions) -> np.ndarray:
    lower = lip_weight(r, -1.0, 0.010) * r.envelope ** 0.5
    return _vec(lower, 0.0, 0.0026, -0.0055)


def nose_wrinkle(r: Regions) -> np.ndarray:
    x, y = np.abs(r.p[:, 0]), r.p[:, 1]
    alae = bump(x, y, 0.013, L.NOSE_TIP_Y - 0.006, 0.010, 0.009) * r.surface
    bridge = bump(r.p[:, 0], y, 0.0, 0.000, 0.010, 0.010) * r.surface
    lip = lip_weight(r, 1.0, 0.012) * r.envelope
    return (_vec(alae, 0.0, 0.0025, 0.0005) + _vec(bridge, 0.0, -0.0012, -0.0004)
            + _vec(lip, 0.0, 0.0012, 0.0) + _vec(brow_field(r, 0.012, 0.014), 0.0, -0.0015, 0.0))


def mouth_shift(r: Regions, side: float) -> np.ndarray:
    return _vec(mouth_area(r, 0.030, 0.018), side * 0.0050, 0.0, 0.0)


def chin_raise(r: Regions) -> np.ndarray:
    chin = bump(r.p[:, 0], r.p[:, 1], 0.0, L.MOUTH_Y - 0.030, 0.022, 0.016) * r.surface
    lower = lip_weight(r, -1.0, 0.010) * r.envelope
    return _vec(chin, 0.0, 0.0030, 0.0015) + _vec(lower, 0.0, 0.0018, 0.0015)


def dimple(r: Regions) -> np.ndarray:
    return sum(_vec(corner(r, s), s * 0.0015, 0.0, -0.0040) for s in (1.0, -1.0))


def lip_tighten(r: Regions) -> np.ndarray:
    roll = r.envelope * np.exp(-(r.dy / 0.007) ** 2) * (r.dy / 0.004) * r.surface
    return _vec(roll, 0.0, -0.0020, 0.0) + _vec(mouth_area(r, 0.026, 0.010), -0.10 * r.p[:, 0], 0.0, -0.0010)


def cheek_squint(r: Regions) -> np.ndarray:
    cheek = bump(np.abs(r.p[:, 0]), r.p[:, 1], 0.035, -0.014, 0.018, 0.013) * r.surface * (1 - r.eye_footprint)
    return lid_displacement(r, 0.0, 0.55 * OPEN_DOWN) + _vec(cheek, 0.0, 0.0025, 0.0010)


def corner_pull_down(r: Regions) -> np.ndarray:
    out = _vec(lip_weight(r, -1.0, 0.012) * r.envelope, 0.0, -0.0015, 0.0)
    for side in (1.0, -1.0):
        jaw = bump(r.p[:, 0], r.p[:, 1], side * 0.030, -0.095, 0.025, 0.020) * r.surface
        out += _vec(corner(r, side), side * 0.0020, -0.0030, 0.0) + _vec(jaw, 0.0, -0.0015, 0.0)
    return out


def details(r: Regions, count: int) -> list[np.ndarray]:
    """Small smooth bumps at fixed pseudo-random spots on the face (PCA-tail-like)."""
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
        out.append(_vec(w, *(0.0012 * direction)))
    return out


COMPONENTS: dict[str, Callable[[Regions], np.ndarray]] = {
    "lips_part": lips_part, "smile": smile, "frown": frown, "lip_pucker": lip_pucker,
    "lip_stretch": lip_stretch, "lip_press": lip_press, "upper_lip_raise": upper_lip_raise,
    "lower_lip_depress": lower_lip_depress, "brow_raise": brow_raise, "brow_lower": brow_lower,
    "inner_brow_raise": inner_brow_raise, "eyes_close": eyes_close, "cheek_puff": cheek_puff,
    "lip_funnel": lip_funnel, "lower_lip_tuck": lower_lip_tuck, "nose_wrinkle": nose_wrinkle,
    "eyes_wide": eyes_wide, "mouth_left": lambda r: mouth_shift(r, 1.0),
    "mouth_right": lambda r: mouth_shift(r, -1.0), "smile_left": lambda r: smile_side(r, 1.0),
    "smile_right": lambda r: smile_side(r, -1.0), "blink_left": lambda r: eyes_close(r, 1.0),
    "blink_right": lambda r: eyes_close(r, -1.0), "brow_raise_left": lambda r: brow_raise(r, 1.0),
    "brow_raise_right": lambda r: brow_raise(r, -1.0), "chin_raise": chin_raise, "dimple": dimple,
    "lip_tighten": lip_tighten, "cheek_squint": cheek_squint, "mouth_corner_pull_down": corner_pull_down,
}


def expression_basis(r: Regions) -> np.ndarray:
    """(V, 3, 50) displacements; the mouth cavity follows its lip edge, eyeballs stay."""
    named = [name for name in EXPRESSION_COMPONENTS if not name.startswith("detail_")]
    fields = [COMPONENTS[name](r) for name in named]
    fields += details(r, EXPRESSION_DIM - len(named))
    basis = np.stack(fields, axis=2) * r.expressive[:, None, None]  # (V, 3, 50)
    head = r.head
    cav = np.flatnonzero(head.cavity & (head.cavity_follows >= 0))
    fade = (1.0 - head.cavity_depth[cav]) ** 1.5
    basis[cav] = basis[head.cavity_follows[cav]] * fade[:, None, None]
    basis[head.eyeball != 0] = 0.0
    basis *= (np.linalg.norm(basis, axis=1) >= 2e-6)[:, None, :]  # drop sub-micrometre tails (sparser, faster)
    return basis
