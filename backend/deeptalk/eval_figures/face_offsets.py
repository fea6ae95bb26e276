"""Per-vertex offsets between two motions on a set of face vertices, in millimetres.

The second motion's jaw is replaced by the first's before posing, so what is measured is
the expression (the 50 coefficients), not a different lip-sync of the jaw; the vertex set
(`face_points.expression_face_ids`) leaves out the lips and the jaw-skinned chin anyway.
"""

from __future__ import annotations

import numpy as np
import torch

from deeptalk.flame.layer import FlameLayer

JAW = slice(50, 53)


class FaceOffsets:
    """`offsets(ref, other)` -> (T, F, 3) mm of `other` relative to `ref` on `face_ids`."""

    def __init__(self, layer: FlameLayer, face_ids: np.ndarray) -> None:
        self.layer = layer
        self.face_ids = torch.as_tensor(np.asarray(face_ids, np.int64))

    def vertices(self, motion: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return self.layer(torch.from_numpy(np.ascontiguousarray(motion, np.float32)))[:, self.face_ids].numpy()

    def offsets(self, ref: np.ndarray, other: np.ndarray) -> np.ndarray:
        t = min(len(ref), len(other))
        ref, other = np.asarray(ref[:t], np.float32), np.array(other[:t], np.float32)
        other[:, JAW] = ref[:, JAW]
        return 1000.0 * (self.vertices(other) - self.vertices(ref))


def p95_distance(offsets: list[np.ndarray]) -> float:
    """95th percentile over all frames and vertices of |offset| (mm) of (T, F, 3) arrays."""
    if not offsets:
        return float("nan")
    return float(np.percentile(np.concatenate([np.linalg.norm(o, axis=-1).ravel() for o in offsets]), 95))


def max_pairwise_cosine(patterns: list[np.ndarray]) -> float:
    """Largest cosine similarity between any two flattened patterns (nan for fewer than two)."""
    flat = [np.asarray(p, np.float64).ravel() for p in patterns]
    best = float("nan")
    for i in range(len(flat)):
        for j in range(i + 1, len(flat)):
            denom = np.linalg.norm(flat[i]) * np.linalg.norm(flat[j])
            cosine = float(flat[i] @ flat[j] / denom) if denom > 0 else 1.0  # no offset at all: not distinct
            best = cosine if not np.isfinite(best) else max(best, cosine)
    return best
