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
    """`offsets(exp, jaw) @ matrix` without building every vertex: (N, E), (N, 3) -> (N, C).

    Expression and pose correctives are linear and projected once; only the jaw-skinned
    vertices are posed per frame. `matrix (K*3, C)` is over `pose`'s vertex subset.
    """

    def __init__(self, pose: FlamePose, matrix: np.ndarray) -> None:
        k = len(pose.ids)
        self.pose = pose
        self.matrix = np.asarray(matrix, dtype=np.float64)  # (K*3, C)
        self.expression = pose.exprdirs.reshape(k * 3, -1).T @ self.matrix  # (100, C)
        self.correctives = pose.posedirs @ self.matrix  # (36, C)
        self.jawed = np.flatnonzero(pose.weights[:, JAW])  # (M,)
        rows = (3 * self.jawed[:, None] + np.arange(3)).reshape(-1)
        self.jaw_matrix = self.matrix[rows]  # (M*3, C)
        self.jaw_dirs = pose.exprdirs[self.jawed]  # (M, 3, 100)
        self.jaw_template = pose.template[self.jawed]  # (M, 3)
        self.jaw_posedirs = pose.posedirs.reshape(36, k, 3)[:, self.jawed].reshape(36, -1)  # (36, M*3)
        self.jaw_w = pose.weights[self.jawed, JAW]  # (M,)

    def __call__(self, exp: np.ndarray, jaw: np.ndarray) -> np.ndarray:
        exp = np.atleast_2d(np.asarray(exp, dtype=np.float64))
        n, e = exp.shape
        jaw = np.asarray(jaw, dtype=np.float64).reshape(n, 3)
        rot = rodrigues(jaw)  # (N, 3, 3)
        feature = np.zeros((n, 36))
        feature[:, (JAW - 1) * 9:JAW * 9] = (rot - np.eye(3)).reshape(n, 9)
        out = exp @ self.expression[:e] + feature @ self.correctives  # (N, C)
        m = len(self.jawed)
        if m:
            posed = (self.jaw_template.reshape(1, -1) + exp @ self.jaw_dirs[:, :, :e].reshape(m * 3, e).T
                     + feature @ self.jaw_posedirs).reshape(n, m, 3)
            centre = (self.pose.joints_rest[JAW][None] + exp @ self.pose.joints_basis[:e, JAW])[:, None]  # (N, 1, 3)
            local = posed - centre
            swing = self.jaw_w[None, :, None] * (local @ rot.transpose(0, 2, 1) - local)  # (N, M, 3)
            out += swing.reshape(n, -1) @ self.jaw_matrix
        return out
