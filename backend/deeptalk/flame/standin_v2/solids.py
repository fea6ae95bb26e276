"""Small closed meshes head v2 is made of: rounded boxes, swept tubes, grids of rings.

Pure numpy helpers returning (vertices, faces) with outward-facing triangles.
"""

from __future__ import annotations

import numpy as np


def ring_faces(rings: int, segments: int, *, offset: int = 0, closed_start: bool = True,
               closed_end: bool = True) -> np.ndarray:
    """Faces of `rings` closed loops of `segments` vertices (ring-major), optionally capped.

    Caps are a centre vertex each, placed after the ring vertices (start cap first).
    Orientation: outward when the rings run along +axis and loops turn counter-clockwise
    seen from +axis.
    """
    ring = lambda r, s: offset + r * segments + s % segments  # noqa: E731
    faces = []
    for r in range(rings - 1):
        for s in range(segments):
            a, b, c, d = ring(r, s), ring(r, s + 1), ring(r + 1, s), ring(r + 1, s + 1)
            faces += [(a, b, d), (a, d, c)]
    centre = offset + rings * segments
    if closed_start:
        faces += [(centre, ring(0, s + 1), ring(0, s)) for s in range(segments)]
        centre += 1
    if closed_end:
        faces += [(centre, ring(rings - 1, s), ring(rings - 1, s + 1)) for s in range(segments)]
    return np.array(faces, np.int64)


def superellipse(angles: np.ndarray, exponent: float) -> tuple[np.ndarray, np.ndarray]:
    """(cos, sin)-like coordinates of a superellipse |u|^n + |v|^n = 1 at `angles`."""
    c, s = np.cos(angles), np.sin(angles)
    return (np.sign(c) * np.abs(c) ** (2.0 / exponent), np.sign(s) * np.abs(s) ** (2.0 / exponent))


def rounded_box(centre: np.ndarray, axes: np.ndarray, half: np.ndarray, *, rings: int = 7, segments: int = 12,
                exponent: float = 3.5) -> tuple[np.ndarray, np.ndarray]:
    """A superquadric box: centre (3,), axes (3, 3) rows = local x, y, z unit vectors, half sizes (3,).

    Rings run along local y (bottom to top), loops turn in the local x-z plane.
    """
    theta = np.linspace(-np.pi / 2, np.pi / 2, rings + 2)[1:-1]  # (R,) latitude, poles excluded
    phi = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    ct, st = superellipse(theta, exponent)  # (R,)
    cp, sp = superellipse(phi, exponent)  # (S,)
    x = ct[:, None] * cp[None, :]
    z = -ct[:, None] * sp[None, :]
    y = np.repeat(st[:, None], segments, axis=1)
    local = np.stack([x, y, z], axis=-1).reshape(-1, 3) * half
    poles = np.array([[0.0, -half[1], 0.0], [0.0, half[1], 0.0]])
    local = np.concatenate([local, poles])
    vertices = centre + local @ axes
    faces = ring_faces(rings, segments)
    if np.linalg.det(axes) < 0:
        faces = faces[:, ::-1]
    return vertices, faces


def sweep(path: np.ndarray, normals: np.ndarray, profile: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sweep a closed 2-D profile (P, 2) in (normal, up) along a path (N, 3) with normals (N, 3), capped.

    `up` is +Y. Profiles may differ per path point: pass (N, P, 2).
    """
    profile = np.broadcast_to(profile, (len(path),) + profile.shape[-2:])
    up = np.array([0.0, 1.0, 0.0])
    rings = path[:, None, :] + profile[..., :1] * normals[:, None, :] + profile[..., 1:2] * up  # (N, P, 3)
    vertices = np.concatenate([rings.reshape(-1, 3), path[:1] + profile[0].mean(0)[0] * normals[0]
                               + profile[0].mean(0)[1] * up, path[-1:] + profile[-1].mean(0)[0] * normals[-1]
                               + profile[-1].mean(0)[1] * up])
    faces = ring_faces(len(path), profile.shape[1])
    tangent = path[1] - path[0]
    winding = np.cross(normals[0], up) @ tangent
    return vertices, faces if winding < 0 else faces[:, ::-1]


def signed_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    """Enclosed volume (positive when the faces point outward)."""
    a, b, c = (vertices[faces[:, k]] for k in range(3))
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)


def outward(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """`faces` flipped if needed so that the closed mesh's triangles face outward."""
    return faces if signed_volume(vertices, faces) >= 0 else faces[:, ::-1].copy()
