"""FLAME motion -> ARKit weights: on the head's vertices, or through the 51 FLAME landmarks.

`VertexRetargeter`: motion in the basis of a head with ARKit shapes (the stand-in) is fitted
on that head's face vertices, lips weighted most. `LandmarkRetargeter`: motion of any FLAME
head (official FLAME 2020 included, which ships no ARKit shapes and whose components have
no names) is fitted through the 51 landmarks every FLAME-format head carries: the ARKit
shapes of a reference head with ARKit shapes, sampled at its landmarks, explain the
motion's landmark offsets (scaled by the two heads' eye distances). No licensed data is
needed beyond the user's own FLAME file.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from deeptalk.flame.masks import derive_masks
from deeptalk.flame.model import FlameModel
from deeptalk.flame.smplx_folder import landmark_embedding
from deeptalk.retarget.flame_pose import EYE_L, EYE_R, JAW, FlamePose, ProjectedPose
from deeptalk.retarget.names import ARKIT_NAMES, MIRROR_PAIRS
from deeptalk.retarget.shapes import ArkitShapes, build_arkit_shapes
from deeptalk.retarget.solver import BlendshapeSolver, SolverConfig

# Region weights of the vertex fit (a vertex in several regions takes the largest).
REGION_WEIGHTS: Mapping[str, float] = {"lips": 10.0, "mouth": 4.0, "eyes": 2.0, "left_eyeball": 0.5,
                                       "right_eyeball": 0.5, "forehead": 1.0, "face": 1.0, "nose": 1.0}
CHIN_WEIGHT = 4.0
# Landmark weights by the iBUG-51 groups: brows 0-9, nose 10-18, eyes 19-30, mouth 31-50.
LANDMARK_GROUPS: tuple[tuple[slice, float], ...] = ((slice(0, 10), 1.0), (slice(10, 19), 0.5),
                                                    (slice(19, 31), 2.0), (slice(31, 51), 10.0))


def vertex_weights(model: FlameModel) -> np.ndarray:
    """(V,) fit weight per vertex from the head's regions (0 outside the face)."""
    masks = dict(model.masks) if "lips" in model.masks else {**derive_masks(model), **model.masks}
    w = np.zeros(model.num_vertices)
    for name, value in REGION_WEIGHTS.items():
        if name in masks:
            ids = masks[name]
            w[ids] = np.maximum(w[ids], value)
    chin = (model.weights[:, JAW] > 0.5) & (w > 0)  # the jaw's own skin pins jawOpen to the jaw angle
    return np.where(chin, np.maximum(w, CHIN_WEIGHT), w)


def landmark_points(model: FlameModel, vertices: np.ndarray) -> np.ndarray:
    """(..., V, 3) vertices -> (..., 51, 3) landmarks through the head's embedding."""
    faces, bary = landmark_embedding(model)
    corners = model.f[faces]  # (51, 3)
    return np.einsum("...lkc,lk->...lc", vertices[..., corners, :], bary)


def eye_distance(model: FlameModel) -> float:
    joints = model.joints()
    return float(np.linalg.norm(joints[EYE_L] - joints[EYE_R])) or 1.0


class VertexRetargeter:
    """Motion in `model`'s own basis -> weights, fitted on the face vertices of `model`."""

    def __init__(self, model: FlameModel, shapes: ArkitShapes | None = None, *,
                 config: SolverConfig = SolverConfig()) -> None:
        self.model = model
        self.shapes = shapes or build_arkit_shapes(model)
        weights = vertex_weights(model)
        self.ids = np.flatnonzero(weights > 0)
        self.pose = FlamePose(model, self.ids)
        basis = self.shapes.deltas[:, self.ids].reshape(len(ARKIT_NAMES), -1).T  # (K*3, 52)
        self.solver = BlendshapeSolver(basis, np.repeat(weights[self.ids], 3), mirror_pairs=MIRROR_PAIRS,
                                       config=config)
        self.project = ProjectedPose(self.pose, self.solver.weighted_basis / self.solver.unit)

    def offsets(self, exp: np.ndarray, jaw: np.ndarray) -> np.ndarray:
        """(T, K*3) vertex offsets of the motion on the fit vertices."""
        return (self.pose.pose(exp, jaw) - self.pose.rest[None]).reshape(len(exp), -1)

    def solve(self, exp: np.ndarray, jaw: np.ndarray) -> np.ndarray:
        """exp (T, E) + jaw (T, 3) -> (T, 52) weights in [0, 1]."""
        return self.solver.solve_rhs(self.project(exp, jaw))


class LandmarkRetargeter:
    """Motion of `motion_model` (any FLAME head) -> weights through the 51 landmarks.

    `reference`: a head whose ARKit shapes are known (the stand-in by default).
    """

    def __init__(self, motion_model: FlameModel, reference: FlameModel, shapes: ArkitShapes | None = None, *,
                 config: SolverConfig = SolverConfig()) -> None:
        self.model = motion_model
        self.shapes = shapes or build_arkit_shapes(reference)
        self.scale = eye_distance(motion_model) / eye_distance(reference)
        basis = landmark_points(reference, reference.v_template[None] + self.shapes.deltas)  # (52, 51, 3)
        basis = basis - landmark_points(reference, reference.v_template)[None]
        rows = np.zeros(51)
        for group, value in LANDMARK_GROUPS:
            rows[group] = value
        faces, _ = landmark_embedding(motion_model)
        self.ids = np.unique(motion_model.f[faces])
        self.pose = FlamePose(motion_model, self.ids)
        self._local = np.searchsorted(self.ids, motion_model.f[faces])  # (51, 3) into the subset
        self._bary = landmark_embedding(motion_model)[1]
        self.solver = BlendshapeSolver(basis.reshape(len(ARKIT_NAMES), -1).T, np.repeat(rows, 3),
                                       mirror_pairs=MIRROR_PAIRS, config=config)

    def landmarks(self, exp: np.ndarray, jaw: np.ndarray) -> np.ndarray:
        """(T, 51, 3) landmarks of the motion on `motion_model`."""
        verts = self.pose.pose(exp, jaw)  # (T, K, 3)
        return np.einsum("tlkc,lk->tlc", verts[:, self._local], self._bary)

    def solve(self, exp: np.ndarray, jaw: np.ndarray) -> np.ndarray:
        rest = self.landmarks(np.zeros((1, np.asarray(exp).shape[1])), np.zeros((1, 3)))
        offsets = (self.landmarks(exp, jaw) - rest) / self.scale  # (T, 51, 3) in the reference's size
        return self.solver.solve(offsets.reshape(len(offsets), -1))
