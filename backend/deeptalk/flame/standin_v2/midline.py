"""Head v2's midline: measure and remove creases where the two halves of the face meet.

The stand-in's forms are written per side with |x| and sign(x); a form centred off the
midline then has a kink at x = 0, which renders as a shading seam down the forehead,
nose and chin. Head v2's forms round |x| over SOFTNESS (`standin.face.soft_abs`);
`smooth_midline` relaxes displacement fields in a band around the midline with the
diagonal-free `neighbour_mean`; `midline_kink` measures what is left (slope of the |x| term
at the midline, per grid row). numpy and scipy.sparse.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from deeptalk.flame.standin.grid import Grid

SOFTNESS = 0.006  # head v2's forms round |x| over +-6 mm (`soft_abs`; v1 keeps the exact |x|)
BAND = 0.006  # displacement fields are relaxed within +-6 mm of the midline
RELAX_STEPS = 20


def midline_kink(points: np.ndarray, grid: Grid, rows: np.ndarray | None = None) -> np.ndarray:
    """(R,) slope b of the crease term in h = b|x| + a x^2 at each row's midline vertex.

    h is the height over the midline vertex along the surface normal there (in the
    symmetry plane, across the column); fitted through the next two columns on each side
    and averaged. A smooth, mirror-symmetric surface gives 0; a visible seam about 0.1.
    points: (V, 3) skin positions in the grid's vertex order.
    """
    centre = len(grid.theta) // 2
    rows = np.arange(2, grid.row.max() - 1) if rows is None else rows
    ids = {(int(r), int(c)): i for i, (r, c) in reversed(list(enumerate(zip(grid.row, grid.col))))}
    out = np.zeros(len(rows))
    for k, row in enumerate(rows):
        p0 = points[ids[(int(row), centre)]]
        along = points[ids[(int(row) + 1, centre)]] - points[ids[(int(row) - 1, centre)]]
        normal = np.cross(along, [1.0, 0.0, 0.0])
        normal /= max(float(np.linalg.norm(normal)), 1e-12)
        slopes = []
        for side in (1, -1):
            p1, p2 = points[ids[(int(row), centre + side)]], points[ids[(int(row), centre + 2 * side)]]
            x1, x2 = abs(p1[0] - p0[0]), abs(p2[0] - p0[0])
            if x1 < 1e-6 or x2 <= x1:
                continue
            h1, h2 = float((p1 - p0) @ normal), float((p2 - p0) @ normal)
            slopes.append((h1 / x1 ** 2 - h2 / x2 ** 2) / (1.0 / x1 - 1.0 / x2))
        out[k] = float(np.mean(slopes)) if slopes else 0.0
    return out


def neighbour_mean(faces: np.ndarray, count: int, grid: Grid | None = None) -> scipy.sparse.csr_matrix:
    """(count, count) operator: the mean over each vertex's mesh neighbours.

    With `grid`, the quads' diagonals are left out on the grid's vertices: the grid's
    triangulation mirrors at the midline, so a midline vertex has both of its diagonals
    on the row above, and a mean over them drifts every vertical gradient into a seam.
    """
    e = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    e = np.unique(np.concatenate([e, e[:, ::-1]]), axis=0)
    if grid is not None:
        n = len(grid.row)
        on_grid = (e < n).all(axis=1)
        a, b = np.clip(e[:, 0], 0, n - 1), np.clip(e[:, 1], 0, n - 1)
        diagonal = on_grid & (grid.row[a] != grid.row[b]) & (grid.col[a] != grid.col[b]) & (grid.col[a] >= 0) \
            & (grid.col[b] >= 0)
        e = e[~diagonal]
    adjacency = scipy.sparse.csr_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(count, count))
    return scipy.sparse.diags(1.0 / np.maximum(np.asarray(adjacency.sum(axis=1)).ravel(), 1.0)) @ adjacency


def relax(fields: np.ndarray, mean: scipy.sparse.csr_matrix, region: np.ndarray, steps: int) -> np.ndarray:
    """(V, ...) fields with the `region` vertices replaced `steps` times by `mean` of their neighbours.

    Vertices outside the region hold their values, so the result blends into them.
    """
    rows = mean[region]
    flat = fields.reshape(mean.shape[0], -1).copy()
    for _ in range(steps):
        flat[region] = rows @ flat
    return flat.reshape(fields.shape)


def smooth_midline(fields: np.ndarray, p: np.ndarray, mean: scipy.sparse.csr_matrix, movable: np.ndarray,
                   band: float = BAND, steps: int = RELAX_STEPS) -> np.ndarray:
    """Relax (V, ...) fields on `movable` vertices within `band` of the midline (`relax` with `mean`,
    a `neighbour_mean`)."""
    return relax(fields, mean, np.flatnonzero(movable & (np.abs(p[:, 0]) < band)), steps)
