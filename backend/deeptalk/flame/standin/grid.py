"""The stand-in's surface grid: rings of columns from crown to neck, with mouth and eye slits.

Rows are horizontal rings (denser around the eyes and lips), columns are meridians
(denser on the face). In the face band each vertex is placed at a target height, so the
mouth line is straight and the eye rows bend around an almond-shaped opening. The mouth
and the eyes are slits: their row's vertices between the corners are duplicated, the
original edge belongs to the upper lip / upper lid and the copy to the lower one.
Pure numpy; mirror-symmetric in X.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.surface import cast, meridians

# (front-meridian height where a segment ends, rows in it); the first starts at the crown
ROW_SEGMENTS: tuple[tuple[float, int], ...] = (
    (L.HAIRLINE_Y, 11), (L.BROW_Y, 8), (L.EYE_Y, 7), (L.NOSE_TIP_Y, 10), (L.NOSE_BASE_Y, 4),
    (L.MOUTH_Y, 9), (L.CHIN_Y, 14), (L.THROAT_Y, 5),
)
BOTTOM_ROWS = 9  # from the throat to the bottom pole
# columns per half, between x anchors at the face: centre | inner eye corner | mouth corner |
# outer eye corner | side (80 deg) | back
COLUMN_SEGMENTS = (7, 2, 7, 9, 15)
BAND_TOP_Y, BAND_BOTTOM_Y = 0.07, L.CHIN_Y
LID_ROWS = 4  # rows above / below the eye slit that make room for the opening


@dataclass(frozen=True)
class LidShape:
    """The eye opening across the slit, a in [-1, 1] from the inner to the outer corner: each lid's
    height goes as (1 - b^2)^exponent with b = a warped so that lid's extreme sits at its `peak`."""

    exponent: float = 0.75
    upper_peak: float = 0.0
    lower_peak: float = 0.0


V1_LIDS = LidShape()  # v1: one profile for both lids, flat-topped (0.75)


@dataclass(frozen=True)
class Grid:
    """Base surface vertices and faces with the bookkeeping later stages need."""

    vertices: np.ndarray  # (V, 3) on the base surface
    faces: np.ndarray  # (F, 3) outward-facing triangles
    row: np.ndarray  # (V,) ring index (0 = crown pole)
    col: np.ndarray  # (V,) column index (-1 at the poles)
    theta: np.ndarray  # (C,) column azimuths, theta = 0 at column C // 2
    mouth_upper: np.ndarray  # (n,) upper-lip edge ids, right corner to left corner (corners included)
    mouth_lower: np.ndarray  # (n,) lower-lip edge ids in the same order (corners shared)
    eye_upper: tuple[np.ndarray, np.ndarray]  # per eye (left +X, right -X): upper-lid edge ids
    eye_lower: tuple[np.ndarray, np.ndarray]  # lower-lid edge ids (corners shared)
    mouth_row: int
    eye_row: int
    lids: LidShape = V1_LIDS



def lid_profile(a: np.ndarray, exponent: float = V1_LIDS.exponent, peak: float = 0.0) -> np.ndarray:
    """Opening shape across the eye, a in [-1, 1] corner to corner (0 outside), 1 at a = peak."""
    a = np.clip(a, -1.0, 1.0)
    b = (a - peak) / (1.0 - peak * a)  # -1 -> -1, peak -> 0, 1 -> 1
    return np.clip(1.0 - b * b, 0.0, None) ** exponent


def lid_profiles(a: np.ndarray, lids: LidShape) -> tuple[np.ndarray, np.ndarray]:
    """(upper, lower) opening shapes at a."""
    return lid_profile(a, lids.exponent, lids.upper_peak), lid_profile(a, lids.exponent, lids.lower_peak)


def eye_coordinate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a, side): position across the nearer eye (-1 inner .. 1 outer corner) and its side (+1 left)."""
    side = np.where(x >= 0, 1.0, -1.0)
    return (np.abs(x) - L.EYE_X) / L.EYE_HALF_WIDTH, side


def target_height(base_y: np.ndarray, k: np.ndarray, x: np.ndarray, lower_copy: bool = False,
                  lids: LidShape = V1_LIDS) -> np.ndarray:
    """Row height in the face band with the eye opening carved in.

    k: signed row distance from the eye slit (negative above). `lower_copy` selects the
    lower lid edge of the slit row itself.
    """
    a, _ = eye_coordinate(x)
    upper, lower = lid_profiles(a, lids)
    fade = np.clip(1.0 - np.abs(k) / (LID_ROWS + 1.0), 0.0, None)
    up = np.where(k < 0, 1.0, 0.0) + np.where(k == 0, 0.0 if lower_copy else 1.0, 0.0)
    return base_y + fade * (up * upper * L.UPPER_LID_OPEN - (1.0 - up) * lower * L.LOWER_LID_OPEN)


def _front_rows(front_y: np.ndarray, front_arc: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Row phis along the front meridian (uniform arc length per segment), and the slit rows."""
    cuts = [0.0]
    for y, _ in ROW_SEGMENTS:
        cuts.append(float(np.interp(-y, -front_y, front_arc)))
    cuts.append(float(front_arc[-1]))
    counts = [n for _, n in ROW_SEGMENTS] + [BOTTOM_ROWS]
    arcs = np.concatenate([np.linspace(a, b, n, endpoint=False) for a, b, n in zip(cuts[:-1], cuts[1:], counts)]
                          + [np.array([cuts[-1]])])
    rows = np.interp(arcs, front_arc, phi)
    eye_row = sum(n for _, n in ROW_SEGMENTS[:3])
    mouth_row = sum(n for _, n in ROW_SEGMENTS[:6])
    return rows, eye_row, mouth_row


def _columns(phi_eye: float, phi_mouth: float) -> np.ndarray:
    """Column azimuths (C,), symmetric, theta = 0 at C // 2, anchored at eye and mouth corners."""
    fine = np.linspace(0.0, np.pi / 2, 721)
    x_eye = cast(fine, np.full_like(fine, phi_eye))[:, 0]
    x_mouth = cast(fine, np.full_like(fine, phi_mouth))[:, 0]
    anchors = [0.0, float(np.interp(L.EYE_X - L.EYE_HALF_WIDTH, x_eye, fine)),
               float(np.interp(L.MOUTH_HALF_WIDTH, x_mouth, fine)),
               float(np.interp(L.EYE_X + L.EYE_HALF_WIDTH, x_eye, fine)), np.radians(80.0), np.pi]
    half = np.concatenate([np.linspace(a, b, n, endpoint=False)
                           for a, b, n in zip(anchors[:-1], anchors[1:], COLUMN_SEGMENTS)])
    return np.concatenate([[-np.pi], -half[:0:-1], half])  # (C,): -pi, ..., 0 (at C // 2), ..., < pi


def build_grid(mirrored_diagonals: bool = True, lids: LidShape = V1_LIDS) -> Grid:
    """The base grid (deterministic).

    mirrored_diagonals: the quads' diagonals mirror at the midline (v1; the faces are then
    mirror images too, but smooth shading draws a line where the diagonals turn); False
    gives every quad the same diagonal (the vertices are the same either way).
    lids: the eye opening's shape.
    """
    front = meridians(np.zeros(1))
    front_y, front_arc, phi = front.points[0, :, 1], front.arc[0], front.phi
    rows, eye_row, mouth_row = _front_rows(front_y, front_arc, phi)
    theta = _columns(float(rows[eye_row]), float(rows[mouth_row]))
    cols = len(theta)
    table = meridians(theta)  # (C, S, 3)
    n_rows = len(rows)
    row_y = np.interp(rows, phi, front_y)  # (R,) heights on the front meridian
    frontness = np.clip((np.radians(75.0) - np.abs(theta)) / np.radians(30.0), 0.0, 1.0)  # (C,)
    frontness = frontness * frontness * (3 - 2 * frontness)
    band_rows = np.flatnonzero((row_y >= BAND_BOTTOM_Y) & (row_y <= BAND_TOP_Y))
    band = np.clip(np.minimum(np.arange(n_rows) - band_rows[0], band_rows[-1] - np.arange(n_rows)) / 3.0, 0, 1)

    lo, hi = np.searchsorted(phi, rows[band_rows[0] - 4]), np.searchsorted(phi, rows[band_rows[-1] + 4])

    def place(i: np.ndarray, j: int, lower_copy: bool = False) -> np.ndarray:
        """(n,) rows of column j -> (n, 3) points (eye opening and straight rows in the band)."""
        ring_phi = rows[i]
        points = np.stack([np.interp(ring_phi, phi, table.points[j, :, c]) for c in range(3)], axis=1)
        weight = frontness[j] * band[i]
        if not weight.any():
            return points
        target = target_height(row_y[i], i - eye_row, points[:, 0], lower_copy, lids)
        ys = np.minimum.accumulate(table.points[j, lo:hi, 1])
        warped_phi = np.interp(-target, -ys, phi[lo:hi])
        blended = ring_phi + weight * (warped_phi - ring_phi)
        return np.stack([np.interp(blended, phi, table.points[j, :, c]) for c in range(3)], axis=1)

    inner = np.arange(1, n_rows - 1)
    ids = np.zeros((n_rows, cols), np.int64)
    ids[1:-1] = 1 + (inner[:, None] - 1) * cols + np.arange(cols)[None, :]
    ring_points = np.stack([place(inner, j) for j in range(cols)], axis=1)  # (R-2, C, 3)
    positions: list[np.ndarray] = [table.points[0, 0], *ring_points.reshape(-1, 3)]
    row_of = [0, *np.repeat(inner, cols)]
    col_of = [-1, *np.tile(np.arange(cols), len(inner))]
    bottom = len(positions)
    positions.append(table.points[0, -1])
    row_of.append(n_rows - 1)
    col_of.append(-1)
    ids[-1, :] = bottom
    centre = cols // 2
    mouth_cols = _slit_columns(np.array(positions)[ids[mouth_row]], centre, L.MOUTH_HALF_WIDTH, 0.0)
    eye_l = _slit_columns(np.array(positions)[ids[eye_row]], centre, L.EYE_X + L.EYE_HALF_WIDTH,
                          L.EYE_X - L.EYE_HALF_WIDTH)
    eye_r = cols - eye_l[::-1]
    below = ids.copy()  # vertex ids used by the strip under each row
    for slit_row, span, lower in ((mouth_row, mouth_cols, False), (eye_row, eye_l, True), (eye_row, eye_r, True)):
        for j in span[1:-1]:
            below[slit_row, j] = len(positions)
            positions.append(place(np.array([slit_row]), j, lower_copy=lower)[0])
            row_of.append(slit_row)
            col_of.append(j)
    faces = []
    for i in range(n_rows - 1):
        for j in range(cols):
            j2 = (j + 1) % cols
            a, b, c, d = below[i, j], below[i, j2], ids[i + 1, j], ids[i + 1, j2]
            if mirrored_diagonals and j2 <= centre and j2 != 0:
                tris = ((a, c, d), (a, d, b))
            else:
                tris = ((a, c, b), (b, c, d))
            faces.extend(t for t in tris if len(set(t)) == 3)
    vertices = np.array(positions)
    return Grid(
        vertices=vertices, faces=np.array(faces, np.int64), row=np.array(row_of), col=np.array(col_of),
        theta=theta, mouth_upper=ids[mouth_row, mouth_cols], mouth_lower=below[mouth_row, mouth_cols],
        eye_upper=(ids[eye_row, eye_l], ids[eye_row, eye_r]), eye_lower=(below[eye_row, eye_l], below[eye_row, eye_r]),
        mouth_row=mouth_row, eye_row=eye_row, lids=lids,
    )


def _slit_columns(ring: np.ndarray, centre: int, outer_x: float, inner_x: float) -> np.ndarray:
    """Columns from the corner at inner_x (or the mirror corner when 0) to the one at outer_x."""
    x = ring[:, 0]
    front = np.arange(centre - len(x) // 4, centre + len(x) // 4)
    outer = front[np.argmin(np.abs(x[front] - outer_x))]
    if inner_x == 0.0:
        inner = 2 * centre - outer
    else:
        inner = front[np.argmin(np.abs(x[front] - inner_x))]
    return np.arange(min(inner, outer), max(inner, outer) + 1)
