"""Assemble the stand-in's rest geometry: featured head surface, mouth cavity, eyeballs.

`HeadGeometry` carries the labels later stages need: which lip or lid edge a vertex
is on, the cavity's depth, the eyeballs, and the X-mirror map. Deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.face import apply_features, mouth_envelope
from deeptalk.flame.standin.grid import Grid, build_grid
from deeptalk.flame.standin.parts import eyeball, mouth_cavity


@dataclass(frozen=True)
class HeadGeometry:
    vertices: np.ndarray  # (V, 3)
    faces: np.ndarray  # (F, 3)
    grid: Grid
    lip_side: np.ndarray  # (V,) +1 upper-lip edge, -1 lower-lip edge, 0 elsewhere
    cavity: np.ndarray  # (V,) bool: mouth cavity vertices
    cavity_side: np.ndarray  # (V,) +1 palate, -1 floor (0 elsewhere)
    cavity_depth: np.ndarray  # (V,) 0..1 into the cavity (0 elsewhere)
    cavity_follows: np.ndarray  # (V,) lip-edge vertex a cavity vertex follows (-1 elsewhere)
    eyeball: np.ndarray  # (V,) 0 none, +1 left eye (+X), -1 right eye
    eye_polar: np.ndarray  # (V,) angle from the eye axis on eyeballs (0 elsewhere)
    mirror: np.ndarray  # (V,) id of the X-mirrored vertex
    mouth_upper: np.ndarray  # lip-edge ids (right corner .. left corner)
    mouth_lower: np.ndarray
    eye_upper: tuple[np.ndarray, np.ndarray]  # (left, right) upper-lid edge ids
    eye_lower: tuple[np.ndarray, np.ndarray]


def build_head() -> HeadGeometry:
    """The rest-pose head (about 6,500 vertices)."""
    grid = build_grid()
    base = grid.vertices.copy()
    n = len(base)
    lip_side = np.zeros(n)
    lip_side[grid.mouth_upper[1:-1]] = 1.0
    lip_side[grid.mouth_lower[1:-1]] = -1.0
    gap = 0.5 * L.LIP_GAP * mouth_envelope(base[:, 0], 0.5)
    base[:, 1] += lip_side * gap
    lid_edge = np.zeros(n, bool)
    for ids in (*grid.eye_upper, *grid.eye_lower):
        lid_edge[ids] = True
    surface = apply_features(base, lip_side, lid_edge)
    cavity = mouth_cavity(surface, grid.mouth_upper, grid.mouth_lower, offset=n)
    eyes = [eyeball((side * L.EYE_X, L.EYE_Y, L.EYEBALL_Z)) for side in (1.0, -1.0)]
    vertices = np.concatenate([surface, cavity.vertices] + [e.vertices for e in eyes])
    faces = [grid.faces, cavity.faces]
    start = n + len(cavity.vertices)
    eye_label = np.zeros(len(vertices))
    eye_polar = np.zeros(len(vertices))
    for side, e in zip((1.0, -1.0), eyes):
        faces.append(e.faces + start)
        eye_label[start:start + len(e.vertices)] = side
        eye_polar[start:start + len(e.vertices)] = e.polar
        start += len(e.vertices)
    total = len(vertices)
    cav = np.zeros(total, bool)
    cav[n:n + len(cavity.vertices)] = True
    pad = lambda a, fill=0.0: np.concatenate([np.full(n, fill), a, np.full(total - n - len(a), fill)])  # noqa: E731
    loop = np.concatenate([grid.mouth_upper, grid.mouth_lower[-2:0:-1]])
    follows = np.where(cavity.loop_index >= 0, loop[np.clip(cavity.loop_index, 0, None)], -1)
    return HeadGeometry(
        vertices=vertices, faces=np.concatenate(faces), grid=grid,
        lip_side=np.concatenate([lip_side, np.zeros(total - n)]), cavity=cav,
        cavity_side=pad(cavity.side), cavity_depth=pad(cavity.depth),
        cavity_follows=pad(follows, -1).astype(np.int64), eyeball=eye_label, eye_polar=eye_polar,
        mirror=mirror_map(vertices), mouth_upper=grid.mouth_upper, mouth_lower=grid.mouth_lower,
        eye_upper=grid.eye_upper, eye_lower=grid.eye_lower,
    )


def mirror_map(vertices: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
    """(V,) id of each vertex's X-mirror image; raises if the mesh is not symmetric."""
    mirrored = vertices * np.array([-1.0, 1.0, 1.0])
    order = np.lexsort(np.round(vertices / tolerance).T[::-1])
    keys = np.round(vertices[order] / tolerance)
    mirror_keys = np.round(mirrored / tolerance)
    lookup = {tuple(k): int(i) for k, i in zip(keys.astype(np.int64), order)}
    result = np.array([lookup.get(tuple(k), -1) for k in mirror_keys.astype(np.int64)])
    if (result < 0).any():
        raise ValueError(f"{int((result < 0).sum())} vertices have no mirror image")
    return result
