"""Where an emotion override steers: class prototypes pushed apart until each class is its own
direction in DEE space.

The speech prototypes of a synthetic corpus can sit almost on top of each other: happy and
surprised speech share pitch and energy, and the v3 default's happy and surprised prototypes
had cosine 0.986 (the DEE's motion branch, matched to speech, 0.936). An override that steers
the generator to the happy or the surprised prototype then asks for nearly the same vector,
and the generator gives the same face for both (v3: surprised read as surprised in 60 % of
overrides, a faint smile on the emotion sheet). Reading speech ("Heard") keeps the plain
prototypes; only the override's target moves.

`separated_steering` repels every pair of prototypes whose cosine is above `max_cosine`,
along the difference of the two, and renormalises, until no pair is above it. Each class keeps
the side of the space it had (classes already apart do not move), so the DEE still reads a
steered vector as its own class, and the result is deterministic.
"""

from __future__ import annotations

import numpy as np

DEFAULT_MAX_COSINE = 0.6  # the default recipe's (`RecipeConfig.steer_max_cosine`)


def _normalised(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def max_pairwise_cosine(vectors: np.ndarray) -> float:
    """Largest cosine between two different rows of (C, D); -1 for one row."""
    unit = _normalised(np.asarray(vectors, np.float64))
    cos = unit @ unit.T  # (C, C)
    np.fill_diagonal(cos, -1.0)
    return float(cos.max())


def separated_steering(mean: np.ndarray, max_cosine: float = DEFAULT_MAX_COSINE, *, step: float = 0.1,
                       max_iterations: int = 2000) -> np.ndarray:
    """Unit rows (C, D), near `mean`'s rows, with no pairwise cosine above `max_cosine`.

    Each iteration moves every row of a too-close pair `step` x its excess cosine along the
    pair's difference. Rows already at most `max_cosine` from all others stay as they are."""
    if not -1.0 < max_cosine < 1.0:
        raise ValueError(f"max_cosine must be in (-1, 1), got {max_cosine}")
    steer = _normalised(np.asarray(mean, np.float64))  # (C, D)
    if steer.ndim != 2 or not np.isfinite(steer).all():
        raise ValueError("prototype means must be a finite (C, D) array")
    for _ in range(max_iterations):
        cos = steer @ steer.T  # (C, C)
        np.fill_diagonal(cos, -1.0)
        excess = np.clip(cos - max_cosine, 0.0, None)  # (C, C) how far each pair is over
        if excess.max() <= 1e-6:
            break
        diff = steer[:, None, :] - steer[None, :, :]  # (C, C, D) from j towards i
        push = (excess[:, :, None] * _normalised(diff)).sum(axis=1)  # (C, D)
        steer = _normalised(steer + step * push)
    return steer.astype(np.float32)
