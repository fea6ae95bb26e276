"""Assemble head v2's rest geometry: skin on v1's grid, mouth bag, eyes with corneas, teeth, gums, tongue, ears.

`HeadV2.head` is a v1 `HeadGeometry` over all vertices (so v1's region fields and rig
helpers apply to the skin); `HeadV2.part` says which piece each vertex belongs to. The skin's
output faces give every quad the same diagonal and close each eye slit's last span before its
corners (`eye_corner_faces`); `head.grid.faces` keeps v1's mirrored ones, which the build's
smoothing and joint placement are computed on.
Deterministic and mirror-symmetric.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.face import mouth_envelope
from deeptalk.flame.standin.grid import Grid, build_grid
from deeptalk.flame.standin.head import HeadGeometry, mirror_map
from deeptalk.flame.standin_v2 import layout as V
from deeptalk.flame.standin_v2.bag import mouth_bag
from deeptalk.flame.standin_v2.ears import ear
from deeptalk.flame.standin_v2.eyes import eye
from deeptalk.flame.standin_v2.features import COLLAR_TOP_Y, apply_features_v2
from deeptalk.flame.standin_v2.midline import neighbour_mean, relax
from deeptalk.flame.standin_v2.mouth import gum, teeth_row, tongue

PARTS: tuple[str, ...] = ("skin", "bag", "eyeball", "cornea", "teeth_upper", "teeth_lower", "gums_upper",
                          "gums_lower", "tongue", "ear")
PART = {name: i for i, name in enumerate(PARTS)}
COLLAR_RELAX_STEPS = 3  # more rounds the flat base into a sack


@dataclass(frozen=True)
class HeadV2:
    head: HeadGeometry  # vertices, faces and v1 labels over every vertex
    part: np.ndarray  # (V,) index into PARTS
    eye_centre_ids: tuple[np.ndarray, np.ndarray]  # (left, right) ids averaging to the eye centres

    def mask(self, *names: str) -> np.ndarray:
        """(V,) bool: vertices of the named parts."""
        return np.isin(self.part, [PART[n] for n in names])


def relax_jaw_angle(skin: np.ndarray, faces: np.ndarray, steps: int = 25) -> np.ndarray:
    """Smooth the skin around the angle of the jaw, where v1's grid rows fold over each other (up to the ear lobe)."""
    x, y, z = np.abs(skin[:, 0]), skin[:, 1], skin[:, 2]
    region = np.flatnonzero((x > 0.025) & (x < 0.07) & (y > -0.112) & (y < -0.045) & (z > -0.01) & (z < 0.065))
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    edges = np.unique(np.concatenate([edges, edges[:, ::-1]]), axis=0)
    starts = np.searchsorted(edges[:, 0], np.arange(len(skin) + 1))
    out = skin.copy()
    for _ in range(steps):
        out[region] = np.array([out[edges[starts[i]:starts[i + 1], 1]].mean(axis=0) for i in region])
    return out


def relax_collar(skin: np.ndarray, grid: Grid, steps: int = COLLAR_RELAX_STEPS) -> np.ndarray:
    """Smooth the collar's flare, whose grid columns pleated at the base of the neck.

    Without the quads' diagonals: on the mirrored grid a midline vertex has both on the row
    above, which would lift the midline and crease it.
    """
    mean = neighbour_mean(grid.faces, len(skin), grid)
    return relax(skin, mean, np.flatnonzero(skin[:, 1] < COLLAR_TOP_Y), steps)


def eye_corner_faces(faces: np.ndarray, upper: tuple[np.ndarray, ...], lower: tuple[np.ndarray, ...]) -> np.ndarray:
    """(4 * eyes, 3) triangles closing each eye slit's last span before its corner, wound like the skin.

    The slit corners lie beyond the eyeball's silhouette (13.5 mm from the eye centre, the ball's
    radius is 12.2 mm), so the open span between a corner and its neighbouring lid vertices
    looked into the head; skin over it ends the visible opening on the ball.
    """
    directed = {(int(a), int(b)) for f in faces for a, b in ((f[0], f[1]), (f[1], f[2]), (f[2], f[0]))}
    out = []
    for up, low in zip(upper, lower):
        for corner, a, b in ((up[0], up[1], low[1]), (up[-1], up[-2], low[-2])):
            # the skin face on the upper lid holds the edge corner -> a or a -> corner; ours runs the other way
            out.append((int(a), int(corner), int(b)) if (int(corner), int(a)) in directed
                       else (int(corner), int(a), int(b)))
    return np.array(out, np.int64)


def build_head_v2() -> HeadV2:
    """The rest-pose head v2 (about 16,000 vertices, 4,300 of them the ears)."""
    grid = build_grid(lids=V.LIDS)
    base = grid.vertices.copy()
    n = len(base)
    lip_side = np.zeros(n)
    lip_side[grid.mouth_upper[1:-1]] = 1.0
    lip_side[grid.mouth_lower[1:-1]] = -1.0
    base[:, 1] += lip_side * 0.5 * L.LIP_GAP * mouth_envelope(base[:, 0], 0.5)
    lid_edge = np.zeros(n, bool)
    for ids in (*grid.eye_upper, *grid.eye_lower):
        lid_edge[ids] = True
    skin = relax_collar(relax_jaw_angle(apply_features_v2(base, lip_side, lid_edge), grid.faces), grid)
    bag = mouth_bag(skin, grid.mouth_upper, grid.mouth_lower, offset=n)
    output_faces = build_grid(mirrored_diagonals=False, lids=V.LIDS).faces  # no shading line down the midline
    skin_faces = np.concatenate([output_faces,
                                 eye_corner_faces(output_faces, grid.eye_upper, grid.eye_lower)])
    chunks, faces, labels = [skin, bag.vertices], [skin_faces, bag.faces], [np.zeros(n), np.ones(len(bag.vertices))]
    start = n + len(bag.vertices)
    eyeball_side, eye_polar, centres = [np.zeros(start)], [np.zeros(start)], []
    for side in (1.0, -1.0):
        e = eye((side * L.EYE_X, L.EYE_Y, L.EYEBALL_Z))
        chunks.append(e.vertices)
        faces.append(e.faces + start)
        labels.append(np.where(e.cornea, PART["cornea"], PART["eyeball"]))
        eyeball_side.append(np.full(len(e.vertices), side))
        eye_polar.append(e.polar)
        centres.append(e.centre_ring + start)
        start += len(e.vertices)
    pieces = [*teeth_row(True), *teeth_row(False), gum(True), gum(False), tongue(), ear(skin, 1.0), ear(skin, -1.0)]
    for piece in pieces:
        chunks.append(piece.vertices)
        faces.append(piece.faces + start)
        labels.append(np.full(len(piece.vertices), PART[piece.label]))
        start += len(piece.vertices)
    vertices = np.concatenate(chunks)
    total = len(vertices)
    pad_eyes = total - len(np.concatenate(eyeball_side))
    eyeball = np.concatenate(eyeball_side + [np.zeros(pad_eyes)])
    polar = np.concatenate(eye_polar + [np.zeros(pad_eyes)])
    cavity = np.zeros(total, bool)
    cavity[n:n + len(bag.vertices)] = True

    def pad(a: np.ndarray, fill: float = 0.0) -> np.ndarray:
        return np.concatenate([np.full(n, fill), a, np.full(total - n - len(a), fill)])

    loop = np.concatenate([grid.mouth_upper, grid.mouth_lower[-2:0:-1]])
    follows = np.where(bag.loop_index >= 0, loop[np.clip(bag.loop_index, 0, None)], -1)
    head = HeadGeometry(
        vertices=vertices, faces=np.concatenate(faces), grid=grid,
        lip_side=np.concatenate([lip_side, np.zeros(total - n)]), cavity=cavity,
        cavity_side=pad(bag.side), cavity_depth=pad(bag.depth), cavity_follows=pad(follows, -1).astype(np.int64),
        eyeball=eyeball, eye_polar=polar, mirror=mirror_map(vertices), mouth_upper=grid.mouth_upper,
        mouth_lower=grid.mouth_lower, eye_upper=grid.eye_upper, eye_lower=grid.eye_lower,
    )
    return HeadV2(head=head, part=np.concatenate(labels).astype(np.int64), eye_centre_ids=(centres[0], centres[1]))
