"""DEE trainer options: soft positives for another intensity and the emotion classifier term."""

from __future__ import annotations

import csv
from dataclasses import replace

import numpy as np
import pytest

from deeptalk.model_presets import preset_configs
from deeptalk.models.fer import FerClassifier
from deeptalk.train.clipbank import ClipBank
from deeptalk.train.loop import LoopConfig
from deeptalk.train.train_dee import DeeTrainConfig, train_dee


def test_classifier_term_is_trained_and_logged(tiny_corpus, tmp_path):
    train, val = ClipBank.load(tiny_corpus, ("train",)), ClipBank.load(tiny_corpus, ("val",))
    sizes = preset_configs("tiny", num_emotions=len(train.emotions))
    config = DeeTrainConfig(model=replace(sizes.dee, emotion_classes=len(train.emotions)), batch_size=4, frames=20,
                            loop=LoopConfig(steps=3, lr=1e-3, validate_every=3), partial_positive=0.5,
                            classify_weight=1.0, device="cpu")
    dee = train_dee(config, FerClassifier(sizes.fer), train, val, tmp_path / "dee")
    rows = list(csv.DictReader((tmp_path / "dee" / "log.csv").open()))
    assert rows[-1]["step"] == "3" and np.isfinite(float(rows[-1]["classify"])) and float(rows[-1]["classify"]) > 0
    assert dee.emotion_head is not None and dee.emotion_head.out_features == len(train.emotions)
    with pytest.raises(ValueError, match="emotion_classes"):
        DeeTrainConfig(model=sizes.dee, classify_weight=1.0)
