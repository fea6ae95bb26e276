"""Server-test fixtures (the tiny model and `speech_wav` come from tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deeptalk.audio import SAMPLE_RATE, load_audio, write_wav


@pytest.fixture(scope="session")
def long_speech_wav(speech_wav: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 s of speech (the line repeated), 16 kHz: long enough to cancel mid-way."""
    line = load_audio(speech_wav).samples  # (S,) 16 kHz
    samples = np.tile(line, int(np.ceil(60 * SAMPLE_RATE / len(line))))[: 60 * SAMPLE_RATE]
    path = tmp_path_factory.mktemp("audio") / "long.wav"
    write_wav(path, samples)
    return path
