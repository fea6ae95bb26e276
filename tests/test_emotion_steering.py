"""Override targets pushed apart: separation, nearness to the prototypes, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.emotion_steering import max_pairwise_cosine, separated_steering


def crowded_prototypes() -> np.ndarray:
    """Five unit rows like the v3 default's: three nearly on top of each other (cosine ~0.99)."""
    rng = np.random.default_rng(0)
    base = rng.normal(size=(3, 16))
    rows = np.stack([base[0], base[0] + 0.05 * rng.normal(size=16), base[0] + 0.08 * rng.normal(size=16),
                     base[1], base[2]])
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_steering_separates_crowded_classes_and_keeps_each_on_its_side():
    mean = crowded_prototypes()
    assert max_pairwise_cosine(mean) > 0.98
    steer = separated_steering(mean, 0.6)
    assert max_pairwise_cosine(steer) <= 0.6 + 1e-4
    assert np.allclose(np.linalg.norm(steer, axis=1), 1.0, atol=1e-5)
    closeness = steer @ mean.T  # (C, C)
    assert (closeness.argmax(axis=1) == np.arange(5)).all()  # each target is still nearest its own class
    assert closeness.diagonal().min() > 0.7
    assert np.array_equal(steer, separated_steering(mean, 0.6))  # deterministic


def test_steering_leaves_separated_classes_alone_and_checks_its_input():
    eye = np.eye(4, 6, dtype=np.float32)
    assert np.allclose(separated_steering(eye, 0.5), eye)
    assert max_pairwise_cosine(eye[:1]) == -1.0
    with pytest.raises(ValueError):
        separated_steering(eye, 1.0)
    with pytest.raises(ValueError):
        separated_steering(np.full((2, 3), np.nan), 0.5)
