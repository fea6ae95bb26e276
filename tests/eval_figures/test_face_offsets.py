"""eval_figures.face_offsets: expression offsets on the non-lip face, percentile and cosine."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.eval_figures.face_offsets import FaceOffsets, max_pairwise_cosine, p95_distance
from deeptalk.eval_figures.face_points import expression_face_ids
from deeptalk.flame.layer import FlameLayer
from deeptalk.flame.loading import load_flame


@pytest.fixture(scope="module")
def faces() -> FaceOffsets:
    head = load_flame("standin-v2")
    return FaceOffsets(FlameLayer(head), expression_face_ids(head))


def test_a_jaw_only_difference_is_not_an_expression(faces):
    ref = np.zeros((3, 53), np.float32)
    other = ref.copy()
    other[:, 50] = 0.3
    assert np.abs(faces.offsets(ref, other)).max() == 0.0
    other[:, 0:10] = 1.5  # expression components move the face, by millimetres
    mm = p95_distance([faces.offsets(ref, other)])
    assert 0.1 < mm < 50.0


def test_percentile_and_cosine_on_known_arrays():
    offsets = np.zeros((1, 100, 3))
    offsets[0, :, 0] = np.arange(100)
    assert p95_distance([offsets]) == pytest.approx(94.05)
    assert np.isnan(p95_distance([]))
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert max_pairwise_cosine([a, b]) == 0.0 and max_pairwise_cosine([a, b, 2 * a]) == pytest.approx(1.0)
    assert max_pairwise_cosine([a, np.zeros(2)]) == 1.0  # an override that changes nothing is not distinct
