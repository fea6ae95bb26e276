"""Evaluation metrics (pure functions on numpy arrays).

- `lip_vertex_error`: per frame the largest L2 distance over the lip vertices, averaged
  over frames (the LVE of VOCA/FaceFormer).
- `jaw_opening_correlation`: Pearson correlation of the jaw's rotation angle over time.
- `token_error_rate`: edit distance between run-collapsed label sequences (silence dropped),
  over the reference length: a phoneme/viseme error rate.
- `frame_error_rate`, `accuracy`: frame-wise mismatch / match rates.
- `take_diversity`: mean over frames and channels of the std across takes.
"""

from __future__ import annotations

import numpy as np


def lip_vertex_error(pred: np.ndarray, target: np.ndarray, lip_indices: np.ndarray) -> float:
    """(T, V, 3), (T, V, 3), (k,) -> mean over frames of max lip-vertex L2 distance."""
    if pred.shape != target.shape:
        raise ValueError(f"shape mismatch {pred.shape} vs {target.shape}")
    dist = np.linalg.norm(pred[:, lip_indices] - target[:, lip_indices], axis=-1)  # (T, k)
    return float(dist.max(axis=1).mean())


def jaw_angle(motion: np.ndarray) -> np.ndarray:
    """(..., 53) motion -> (...) jaw rotation angle in radians (signed by the opening axis x)."""
    jaw = motion[..., 50:53]
    return np.linalg.norm(jaw, axis=-1) * np.sign(jaw[..., 0] + 1e-12)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    a, b = a - a.mean(), b - b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else 0.0


def jaw_opening_correlation(pred: np.ndarray, target: np.ndarray) -> float:
    """Pearson correlation of jaw opening angles of two (T, 53) motions."""
    return pearson(jaw_angle(pred), jaw_angle(target))


def collapse_runs(labels: np.ndarray, silence: int = 0) -> list[int]:
    """Frame labels -> token sequence: merge repeats, drop silence."""
    tokens: list[int] = []
    previous = None
    for label in np.asarray(labels).tolist():
        if label != previous and label != silence:
            tokens.append(label)
        previous = label
    return tokens


def edit_distance(reference: list[int], hypothesis: list[int]) -> int:
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        prev_diag, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, 1):
            prev_diag, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev_diag + (ref != hyp))
    return row[-1]


def token_error_rate(reference_frames: np.ndarray, hypothesis_frames: np.ndarray, silence: int = 0) -> float:
    """Edit distance of collapsed token sequences / reference token count."""
    reference = collapse_runs(reference_frames, silence)
    hypothesis = collapse_runs(hypothesis_frames, silence)
    return edit_distance(reference, hypothesis) / max(1, len(reference))


def frame_error_rate(reference: np.ndarray, hypothesis: np.ndarray) -> float:
    return float(np.mean(np.asarray(reference) != np.asarray(hypothesis)))


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))


def take_diversity(takes: np.ndarray) -> float:
    """(K, T, C) takes -> mean std across takes; 0 when all takes are identical."""
    if takes.shape[0] < 2:
        return 0.0
    return float(takes.std(axis=0).mean())
