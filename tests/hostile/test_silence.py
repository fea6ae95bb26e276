"""Digital silence and near-silence are valid input, and the shipped default model keeps the mouth
closed in them: the jaw stays near rest, well below where it goes for speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deeptalk.audio import load_audio
from deeptalk.paths import default_model_dir
from deeptalk.pipeline import Pipeline

SPEECH = Path(__file__).resolve().parents[2] / "assets" / "audio" / "demo_line.wav"
JAW_OPEN = 50  # motion column of the jaw's opening rotation (radians, + opens)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.load(default_model_dir(), device="cpu")


def jaw_opening(pipeline: Pipeline, audio: np.ndarray) -> np.ndarray:
    return pipeline.animate(audio).motion[0, :, JAW_OPEN]  # (T,) deterministic settings: alpha 0, argmax codes


def test_the_mouth_stays_closed_in_silence(pipeline: Pipeline) -> None:
    speech = jaw_opening(pipeline, load_audio(SPEECH).samples)
    quiet = {
        "digital silence": np.zeros(3 * 16000, np.float32),
        "-60 dB noise": (1e-3 * np.random.default_rng(0).standard_normal(3 * 16000)).astype(np.float32),
    }
    speaking = float(np.percentile(speech, 90))
    assert speaking > 0.1  # the model does open the mouth for speech
    for name, audio in quiet.items():
        opening = jaw_opening(pipeline, audio)
        assert float(np.percentile(opening, 90)) < 0.35 * speaking, (name, opening.round(3))
