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


def candidate_pairs(lo_a: np.ndarray, hi_a: np.ndarray, lo_b: np.ndarray, hi_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) index pairs whose boxes (lo, hi) may overlap: a uniform grid with cells as large as any box."""
    if not len(lo_a) or not len(lo_b):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    size = max(float((hi_a - lo_a).max()), float((hi_b - lo_b).max()), 1e-6) * 1.0001
    origin = np.minimum(lo_a.min(axis=0), lo_b.min(axis=0))

    def cells(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        first = np.floor((lo - origin) / size).astype(np.int64)
        last = np.floor((hi - origin) / size).astype(np.int64)
        ids, keys = [], []
        for offset in np.array(np.meshgrid([0, 1], [0, 1], [0, 1], indexing="ij")).reshape(3, -1).T:
            c = first + offset
            ok = np.all(c <= last, axis=1)
            ids.append(np.flatnonzero(ok))
            keys.append((c[ok, 0] * 1_000_003 + c[ok, 1]) * 1_000_003 + c[ok, 2])
        return np.concatenate(ids), np.concatenate(keys)

    ia, ka = cells(lo_a, hi_a)
    ib, kb = cells(lo_b, hi_b)
    order = np.argsort(kb, kind="stable")
    ib, kb = ib[order], kb[order]
    start, end = np.searchsorted(kb, ka, "left"), np.searchsorted(kb, ka, "right")
    count = end - start
    i = np.repeat(ia, count)
    j = ib[np.repeat(start, count) + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))]
    key = np.unique(i * len(lo_b) + j)
    i, j = key // len(lo_b), key % len(lo_b)
    keep = np.all((lo_a[i] <= hi_b[j] + 1e-9) & (hi_a[i] >= lo_b[j] - 1e-9), axis=1)
    return i[keep], j[keep]


def _segments_vs_triangles(p0: np.ndarray, p1: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(S,) bool: segment p0->p1 (S, 3) crosses any triangle of tris (T, 3, 3) (Moller-Trumbore)."""
    hit = np.zeros(len(p0), bool)
    if not len(p0) or not len(tris):
        return hit
    ci, ti = candidate_pairs(np.minimum(p0, p1), np.maximum(p0, p1), tris.min(axis=1), tris.max(axis=1))
    crossed = _segments_vs_triangles_pairs(p0[ci], p1[ci], tris[ti])
    hit[ci[crossed]] = True
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
    s0, s1 = v[e[:, 0]], v[e[:, 1]]
    ci, ti = candidate_pairs(np.minimum(s0, s1), np.maximum(s0, s1), tris.min(axis=1), tris.max(axis=1))
    touching = (faces[ti] == e[ci, :1]).any(axis=1) | (faces[ti] == e[ci, 1:]).any(axis=1)
    ci, ti = ci[~touching], ti[~touching]
    crossed = _segments_vs_triangles_pairs(s0[ci], s1[ci], tris[ti])
    return np.unique(e[ci[crossed]].reshape(-1))


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
