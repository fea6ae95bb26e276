"""FLAME forward pass in numpy for expression, jaw and eye poses (the retarget needs no torch).

The same linear blend skinning as `deeptalk.flame.layer` (and smplx) for the case the
retarget needs: shape and global / neck rotations zero; expression, jaw and both eyes
may move. Vertices can be restricted to a subset (the fit region) for speed.
"""

from __future__ import annotations

import numpy as np

from deeptalk.flame.model import FlameModel

JAW, EYE_L, EYE_R = 2, 3, 4


def rodrigues(rot: np.ndarray) -> np.ndarray:
    """(N, 3) axis-angle -> (N, 3, 3) rotation matrices (smplx's formula and epsilon)."""
    rot = np.asarray(rot, dtype=np.float64).reshape(-1, 3)
    angle = np.linalg.norm(rot + 1e-8, axis=1, keepdims=True)  # (N, 1)
    x, y, z = np.split(rot / angle, 3, axis=1)
    zero = np.zeros_like(x)
    k = np.concatenate([zero, -z, y, z, zero, -x, -y, x, zero], axis=1).reshape(-1, 3, 3)  # (N, 3, 3)
    sin, cos = np.sin(angle)[:, :, None], np.cos(angle)[:, :, None]
    return np.eye(3)[None] + sin * k + (1 - cos) * (k @ k)


class FlamePose:
    """Pose a FLAME model on a vertex subset: `pose(exp (N, E), jaw (N, 3), eyes (N, 2, 3)) -> (N, K, 3)`."""

    def __init__(self, model: FlameModel, vertex_ids: np.ndarray | None = None) -> None:
        n = model.num_vertices
        self.ids = np.arange(n) if vertex_ids is None else np.asarray(vertex_ids, dtype=np.int64)
        ids = self.ids
        self.template = model.v_template[ids].astype(np.float64)  # (K, 3)
        self.exprdirs = model.exprdirs[ids].astype(np.float64)  # (K, 3, 100)
        regressor = model.J_regressor.astype(np.float64)  # (5, V)
        self.joints_rest = regressor @ model.v_template.astype(np.float64)  # (5, 3)
        self.joints_basis = np.einsum("jv,vce->ejc", regressor, model.exprdirs.astype(np.float64))  # (100, 5, 3)
        posedirs = model.posedirs.astype(np.float64).reshape(36, n, 3)[:, ids]  # (36, K, 3)
        self.posedirs = posedirs.reshape(36, -1)  # (36, K*3)
        self.weights = model.weights[ids].astype(np.float64)  # (K, 5)

    @property
    def rest(self) -> np.ndarray:
        return self.template

    def pose(self, exp: np.ndarray, jaw: np.ndarray, eyes: np.ndarray | None = None) -> np.ndarray:
        """Vertices (N, K, 3) for expression coefficients (N, E <= 100), jaw (N, 3), eyes (N, 2, 3)."""
        exp = np.atleast_2d(np.asarray(exp, dtype=np.float64))
        n, e = exp.shape
        jaw = np.asarray(jaw, dtype=np.float64).reshape(n, 3)
        eyes = np.zeros((n, 2, 3)) if eyes is None else np.asarray(eyes, dtype=np.float64).reshape(n, 2, 3)
        k = len(self.ids)
        flat = self.exprdirs[:, :, :e].reshape(k * 3, e)  # (K*3, E)
        joints = self.joints_rest[None] + (exp @ self.joints_basis[:e].reshape(e, -1)).reshape(n, 5, 3)  # (N, 5, 3)
        rots = np.tile(np.eye(3), (n, 5, 1, 1))  # (N, 5, 3, 3)
        rots[:, JAW] = rodrigues(jaw)
        rots[:, EYE_L] = rodrigues(eyes[:, 0])
        rots[:, EYE_R] = rodrigues(eyes[:, 1])
        feature = (rots[:, 1:] - np.eye(3)).reshape(n, 36)  # (N, 36)
        posed = (self.template.reshape(1, -1) + exp @ flat.T + feature @ self.posedirs).reshape(n, k, 3)
        out = posed.copy()
        for j in (JAW, EYE_L, EYE_R):  # root and neck never rotate here
            w = self.weights[:, j]  # (K,)
            moving = np.flatnonzero(w)
            if not len(moving) or not np.any(rots[:, j] != np.eye(3)):
                continue
            centre = joints[:, j:j + 1]  # (N, 1, 3)
            local = posed[:, moving] - centre  # (N, M, 3)
            out[:, moving] += w[moving][None, :, None] * (local @ rots[:, j].transpose(0, 2, 1) - local)
        return out


class ProjectedPose:
    """`offsets(exp, jaw) @ matrix` without building any vertex: (N, E), (N, 3) -> (N, C).

    Expression and pose correctives are linear and projected once. The jaw's swing of a
    jaw-skinned vertex is w (R - I) d, with d (its offset from the jaw joint) linear in
    z = [1, exp, jaw pose features], so its projection is (z kron (R - I)) @ K with K
    precomputed: per frame a (1 + E + 9) x 9 product, whatever the vertex count.
    `matrix (K*3, C)` is over `pose`'s vertex subset.
    """

    def __init__(self, pose: FlamePose, matrix: np.ndarray) -> None:
        k = len(pose.ids)
        self.matrix = np.asarray(matrix, dtype=np.float64)  # (K*3, C)
        self.expression = pose.exprdirs.reshape(k * 3, -1).T @ self.matrix  # (100, C)
        self.correctives = pose.posedirs @ self.matrix  # (36, C)
        jawed = np.flatnonzero(pose.weights[:, JAW])  # (M,)
        e = pose.exprdirs.shape[2]
        rows = slice((JAW - 1) * 9, JAW * 9)
        d = np.zeros((len(jawed), 3, 1 + e + 9))  # offset from the jaw joint, linear in z
        d[:, :, 0] = pose.template[jawed] - pose.joints_rest[JAW]
        d[:, :, 1:1 + e] = pose.exprdirs[jawed] - pose.joints_basis[:, JAW].T[None]
        d[:, :, 1 + e:] = pose.posedirs.reshape(36, k, 3)[rows][:, jawed].transpose(1, 2, 0)
        weighted = self.matrix.reshape(k, 3, -1)[jawed] * pose.weights[jawed, JAW][:, None, None]  # (M, 3, C)
        self.swing = np.einsum("vbi,vak->iabk", d, weighted).reshape(1 + e + 9, 9, -1)  # (Z, 9, C)
        self.basis_size = e

    def __call__(self, exp: np.ndarray, jaw: np.ndarray) -> np.ndarray:
        exp = np.atleast_2d(np.asarray(exp, dtype=np.float64))
        n, e = exp.shape
        jaw = np.asarray(jaw, dtype=np.float64).reshape(n, 3)
        rot = rodrigues(jaw) - np.eye(3)  # (N, 3, 3) R - I
        feature = np.zeros((n, 36))
        feature[:, (JAW - 1) * 9:JAW * 9] = rot.reshape(n, 9)
        out = exp @ self.expression[:e] + feature @ self.correctives  # (N, C)
        z = np.concatenate([np.ones((n, 1)), exp, rot.reshape(n, 9)], axis=1)  # (N, 1 + e + 9)
        ids = np.r_[0, 1:1 + e, 1 + self.basis_size:10 + self.basis_size]
        swing = self.swing[ids].reshape(len(ids) * 9, -1)  # (Z*9, C)
        return out + (z[:, :, None] * rot.reshape(n, 1, 9)).reshape(n, -1) @ swing
