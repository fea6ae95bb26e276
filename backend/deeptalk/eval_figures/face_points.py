"""Where to measure on a FLAME head: the lips' inner edges and the non-lip face.

Lip edges (pairs of points facing each other across the mouth slit, central part only):
1. the head's `lip_upper_edge` / `lip_lower_edge` vertex masks (both stand-in heads carry
   them), paired by x at rest;
2. else the landmark embedding's inner-lip points (FLAME's 51 static landmarks: 44-46 on the
   upper inner lip facing 50-48 on the lower one), so a real FLAME head is measured where its
   landmarks say the inner lips are;
3. else the mouth rim (the mesh's frontal boundary loop) split into its upper and lower halves.
The aperture of a frame is the mean distance over the pairs, in millimetres.

Non-lip face (`expression_face_ids`): the `face` region (FLAME_masks name), without the lips, the
mouth interior and any vertex skinned to the jaw by >= 0.5 - brows, eyes, cheeks, nose and
the mouth corners' surroundings, where an expression shows beyond speech.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeptalk.flame.masks import _scale, mouth_rim
from deeptalk.flame.model import FlameModel

CENTRAL_FRACTION = 0.4  # pairs within this fraction of the mouth's half width from the midline
UPPER_INNER_LANDMARKS = (44, 45, 46)
LOWER_INNER_LANDMARKS = (50, 49, 48)
JAW_JOINT = 2
JAW_WEIGHT_LIMIT = 0.5
EXCLUDED_REGIONS = ("lips", "mouth_interior", "teeth", "gums", "tongue", "left_eyeball", "right_eyeball")


@dataclass(frozen=True)
class LipEdges:
    """Each side's points as barycentric combinations of vertices: ids (P, 3), weights (P, 3)."""

    upper_ids: np.ndarray
    upper_weights: np.ndarray
    lower_ids: np.ndarray
    lower_weights: np.ndarray
    source: str  # "edge masks", "landmarks" or "mouth rim"

    def aperture_mm(self, vertices: np.ndarray) -> np.ndarray:
        """(T, V, 3) vertices in metres -> (T,) mean upper-lower edge distance in mm."""
        upper = (vertices[:, self.upper_ids] * self.upper_weights[None, :, :, None]).sum(axis=2)  # (T, P, 3)
        lower = (vertices[:, self.lower_ids] * self.lower_weights[None, :, :, None]).sum(axis=2)
        return 1000.0 * np.linalg.norm(upper - lower, axis=-1).mean(axis=1)


def _vertex_points(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids = np.asarray(ids, np.int64)
    weights = np.zeros((len(ids), 3), np.float64)
    weights[:, 0] = 1.0
    return np.repeat(ids[:, None], 3, axis=1), weights


def _paired(v: np.ndarray, upper: np.ndarray, lower: np.ndarray, source: str) -> LipEdges | None:
    """Pair each central upper vertex with the lower vertex nearest in x."""
    if not len(upper) or not len(lower):
        return None
    centre = 0.5 * (v[upper, 0].mean() + v[lower, 0].mean())
    half = max(np.abs(v[upper, 0] - centre).max(), 1e-6)
    central = upper[np.abs(v[upper, 0] - centre) <= CENTRAL_FRACTION * half + 1e-9]
    partners = lower[np.argmin(np.abs(v[central, 0][:, None] - v[lower, 0][None, :]), axis=1)]
    if not len(central):
        return None
    up_ids, up_w = _vertex_points(central)
    low_ids, low_w = _vertex_points(partners)
    return LipEdges(up_ids, up_w, low_ids, low_w, source)


def lip_edges(model: FlameModel) -> LipEdges:
    """The lips' inner edges of `model` (see the module docstring for the order tried)."""
    v = model.v_template.astype(np.float64)
    masks = model.masks
    if "lip_upper_edge" in masks and "lip_lower_edge" in masks:
        found = _paired(v, np.asarray(masks["lip_upper_edge"]), np.asarray(masks["lip_lower_edge"]), "edge masks")
        if found is not None:
            return found
    if model.landmark_faces.size >= max(UPPER_INNER_LANDMARKS) + 1:
        faces = model.f[model.landmark_faces.astype(np.int64)]  # (51, 3)
        bary = model.landmark_bary.astype(np.float64)
        up, low = list(UPPER_INNER_LANDMARKS), list(LOWER_INNER_LANDMARKS)
        return LipEdges(faces[up], bary[up], faces[low], bary[low], "landmarks")
    rim = mouth_rim(model)
    if rim.size:
        mid = v[rim, 1].mean()
        found = _paired(v, rim[v[rim, 1] >= mid], rim[v[rim, 1] < mid], "mouth rim")
        if found is not None:
            return found
    raise ValueError("this head has no lip edge masks, no landmark embedding and no open mouth rim, so lip "
                     "aperture cannot be measured; load it from a folder with flame_static_embedding.pkl")


def expression_face_ids(model: FlameModel) -> np.ndarray:
    """Sorted vertex ids of the non-lip face (see the module docstring)."""
    masks = model.masks
    if "face" in masks and len(masks["face"]):
        face = np.asarray(masks["face"], np.int64)
    else:  # no face region: the front of the head between chin and forehead
        v, joints, s = model.v_template, model.joints(), _scale(model)
        eyes = 0.5 * (joints[3] + joints[4])
        face = np.flatnonzero((v[:, 2] > eyes[2] - 0.04 * s) & (np.abs(v[:, 1] - eyes[1] + 0.02 * s) < 0.1 * s))
    excluded = [np.asarray(masks[name], np.int64) for name in EXCLUDED_REGIONS if name in masks]
    keep = np.setdiff1d(face, np.concatenate(excluded)) if excluded else face
    if model.weights.shape[1] > JAW_JOINT:
        keep = keep[model.weights[keep, JAW_JOINT] < JAW_WEIGHT_LIMIT]
    if not len(keep):
        raise ValueError("this head has no face vertices outside the lips and jaw to measure expression on")
    return keep
