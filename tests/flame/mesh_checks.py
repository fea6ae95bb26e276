"""Geometry checks for the head tests: ray casts and mesh-mesh intersection (numpy, brute force with culling)."""

from __future__ import annotations

import numpy as np

EPS = 1e-12
CONTACT = 1e-6  # metres: an edge ending this close to a triangle's plane touches it, it does not pass through


def _through(p0: np.ndarray, p1: np.ndarray, a: np.ndarray, e1: np.ndarray, e2: np.ndarray) -> np.ndarray:
    """(N,) bool: both segment ends lie more than CONTACT from the triangle's plane (float32 storage noise)."""
    n = np.cross(e1, e2)
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), EPS)
    d0 = np.einsum("ij,ij->i", p0 - a, n)
    d1 = np.einsum("ij,ij->i", p1 - a, n)
    return np.minimum(np.abs(d0), np.abs(d1)) > CONTACT


def _segments_vs_triangles(p0: np.ndarray, p1: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(S,) bool: segment p0->p1 (S, 3) crosses any triangle of tris (T, 3, 3) (Moller-Trumbore)."""
    hit = np.zeros(len(p0), bool)
    if not len(p0) or not len(tris):
        return hit
    a, e1, e2 = tris[:, 0], tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]  # (T, 3)
    lo, hi = tris.min(axis=1), tris.max(axis=1)
    for start in range(0, len(p0), 256):
        s0, s1 = p0[start:start + 256], p1[start:start + 256]  # (C, 3)
        slo, shi = np.minimum(s0, s1), np.maximum(s0, s1)
        near = np.all((slo[:, None] <= hi[None] + 1e-9) & (shi[:, None] >= lo[None] - 1e-9), axis=2)  # (C, T)
        ci, ti = np.nonzero(near)
        if not len(ci):
            continue
        d = s1[ci] - s0[ci]
        pvec = np.cross(d, e2[ti])
        det = np.einsum("ij,ij->i", e1[ti], pvec)
        ok = np.abs(det) > EPS
        inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
        tvec = s0[ci] - a[ti]
        u = np.einsum("ij,ij->i", tvec, pvec) * inv
        qvec = np.cross(tvec, e1[ti])
        v = np.einsum("ij,ij->i", d, qvec) * inv
        t = np.einsum("ij,ij->i", e2[ti], qvec) * inv
        inside = ok & (u > 1e-7) & (v > 1e-7) & (u + v < 1 - 1e-7) & (t > 1e-7) & (t < 1 - 1e-7)
        inside &= _through(s0[ci], s1[ci], a[ti], e1[ti], e2[ti])
        hit[start + ci[inside]] = True
    return hit


def edges(faces: np.ndarray) -> np.ndarray:
    e = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
    return np.unique(e, axis=0)


def meshes_intersect(v: np.ndarray, faces_a: np.ndarray, faces_b: np.ndarray) -> np.ndarray:
    """Vertex ids (of either mesh) on edges that pass through a triangle of the other mesh."""
    out = []
    for fa, fb in ((faces_a, faces_b), (faces_b, faces_a)):
        e = edges(fa)
        # cull edges far from the other mesh's bounds
        lo, hi = v[np.unique(fb)].min(0) - 1e-3, v[np.unique(fb)].max(0) + 1e-3
        mid = v[e].mean(axis=1)
        e = e[np.all((mid >= lo) & (mid <= hi), axis=1)]
        shared = np.isin(e, np.unique(fb)).any(axis=1)  # edges touching the other mesh's vertices
        e = e[~shared]
        crossed = _segments_vs_triangles(v[e[:, 0]], v[e[:, 1]], v[fb])
        out.append(np.unique(e[crossed]))
    return np.unique(np.concatenate(out))


def first_hits(origins: np.ndarray, direction: np.ndarray, v: np.ndarray, faces: np.ndarray,
               length: float = 1.0) -> np.ndarray:
    """(R,) index of the first face each ray (origin + t * direction, t in [0, length]) hits, -1 if none."""
    out = np.full(len(origins), -1)
    tris = v[faces]
    for i, o in enumerate(origins):
        ends = o + length * direction
        a, e1, e2 = tris[:, 0], tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]
        d = ends - o
        pvec = np.cross(d, e2)
        det = e1 @ np.zeros(3) + np.einsum("ij,ij->i", e1, pvec)
        ok = np.abs(det) > EPS
        inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
        tvec = o - a
        u = np.einsum("ij,ij->i", tvec, pvec) * inv
        qvec = np.cross(tvec, e1)
        vv = (qvec @ d) * inv
        t = np.einsum("ij,ij->i", e2, qvec) * inv
        hit = ok & (u >= 0) & (vv >= 0) & (u + vv <= 1) & (t > 0) & (t <= 1)
        if hit.any():
            out[i] = int(np.flatnonzero(hit)[np.argmin(t[hit])])
    return out


def self_intersections(v: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Vertex ids on edges of `faces` that pass through a triangle of `faces` they do not touch."""
    e = edges(faces)
    tris = v[faces]
    lo, hi = tris.min(axis=1), tris.max(axis=1)
    found = []
    for start in range(0, len(e), 256):
        chunk = e[start:start + 256]
        s0, s1 = v[chunk[:, 0]], v[chunk[:, 1]]
        slo, shi = np.minimum(s0, s1), np.maximum(s0, s1)
        near = np.all((slo[:, None] <= hi[None] + 1e-9) & (shi[:, None] >= lo[None] - 1e-9), axis=2)
        ci, ti = np.nonzero(near)
        touching = (faces[ti] == chunk[ci, :1]).any(axis=1) | (faces[ti] == chunk[ci, 1:]).any(axis=1)
        ci, ti = ci[~touching], ti[~touching]
        if not len(ci):
            continue
        crossed = _segments_vs_triangles_pairs(s0[ci], s1[ci], tris[ti])
        found.append(chunk[ci[crossed]].reshape(-1))
    return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)


def _segments_vs_triangles_pairs(p0: np.ndarray, p1: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(N,) bool for N (segment, triangle) pairs."""
    a, e1, e2 = tris[:, 0], tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]
    d = p1 - p0
    pvec = np.cross(d, e2)
    det = np.einsum("ij,ij->i", e1, pvec)
    ok = np.abs(det) > EPS
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    tvec = p0 - a
    u = np.einsum("ij,ij->i", tvec, pvec) * inv
    qvec = np.cross(tvec, e1)
    w = np.einsum("ij,ij->i", d, qvec) * inv
    t = np.einsum("ij,ij->i", e2, qvec) * inv
    inside = ok & (u > 1e-7) & (w > 1e-7) & (u + w < 1 - 1e-7) & (t > 1e-7) & (t < 1 - 1e-7)
    return inside & _through(p0, p1, a, e1, e2)
