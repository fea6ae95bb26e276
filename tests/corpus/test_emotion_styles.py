"""Emotion styles: labels, intensity scaling, per-clip randomness."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.corpus.emotion_styles import EMOTIONS, STYLES, sample_style
from deeptalk.flame.semantics import COMPONENT_INDEX as C


def test_emotion_list() -> None:
    assert EMOTIONS == ("neutral", "happy", "sad", "angry", "surprised")
    assert tuple(STYLES) == EMOTIONS


@pytest.mark.parametrize("emotion,components", [
    ("happy", ("smile", "cheek_squint")), ("sad", ("inner_brow_raise", "frown")),
    ("angry", ("brow_lower", "lip_tighten")), ("surprised", ("brow_raise", "eyes_wide", "lips_part")),
])
def test_expression_grows_with_intensity(emotion: str, components: tuple[str, ...]) -> None:
    rng = np.random.default_rng(0)
    means = {i: np.mean([sample_style(emotion, i, rng).expression[[C[c] for c in components]].mean()
                         for _ in range(200)]) for i in (1, 2, 3)}
    assert 0.1 < means[1] < means[2] < means[3] < 1.2


def test_same_label_varies_and_voice_moves_with_emotion() -> None:
    rng = np.random.default_rng(1)
    smiles = [sample_style("happy", 2, rng).expression[C["smile"]] for _ in range(100)]
    assert np.std(smiles) > 0.05  # real spread within one label
    sad, happy = sample_style("sad", 3, rng), sample_style("happy", 3, rng)
    assert sad.pitch < 0 < happy.pitch and sad.rate_factor < 1 < happy.rate_factor
    assert sample_style("angry", 3, rng).level_db > 0 > sad.level_db
    neutral = sample_style("neutral", 1, rng)
    assert not neutral.expression.any() and neutral.pitch == 0


def test_bad_labels() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        sample_style("bored", 1, rng)
    with pytest.raises(ValueError):
        sample_style("happy", 4, rng)
