"""Semantic face channels land in each stand-in basis as the tables say."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.corpus.basis_map import SEMANTIC_DIM, SEMANTIC_INDEX, project, projection
from deeptalk.flame.semantics import EXPRESSION_DIM
from deeptalk.flame.semantics_v2 import ARTICULATION_CHANNELS_V2, INDEX_V2


def test_head_v1_is_identity_and_drops_the_tongue() -> None:
    matrix = projection("standin-v1")
    assert matrix.shape == (SEMANTIC_DIM, EXPRESSION_DIM)
    assert np.array_equal(matrix[:EXPRESSION_DIM], np.eye(EXPRESSION_DIM))
    assert not matrix[SEMANTIC_INDEX["tongue_up"]].any()


def test_head_v2_splits_bilateral_actions_and_keeps_speech_channels() -> None:
    frame = np.zeros((1, SEMANTIC_DIM), np.float32)
    frame[0, SEMANTIC_INDEX["smile"]] = 0.8
    frame[0, SEMANTIC_INDEX["mouth_right"]] = 0.5
    frame[0, SEMANTIC_INDEX["tongue_up"]] = 0.4
    out = project(frame, "standin-v2")[0]
    assert out[INDEX_V2["smile_L"]] == pytest.approx(0.8) and out[INDEX_V2["smile_R"]] == pytest.approx(0.8)
    assert out[INDEX_V2["mouth_left"]] == pytest.approx(-0.5)
    assert out[INDEX_V2["tongue_up"]] == pytest.approx(0.4)
    # every speech channel of head v2 is reachable from the articulation model
    reached = np.flatnonzero(np.abs(projection("standin-v2")).sum(axis=0))
    assert set(c for c in ARTICULATION_CHANNELS_V2 if c < EXPRESSION_DIM) <= set(reached.tolist())


def test_unknown_basis_is_refused() -> None:
    with pytest.raises(ValueError, match="bases"):
        projection("flame2020")
    with pytest.raises(ValueError, match="52"):
        project(np.zeros((2, 50)), "standin-v1")
