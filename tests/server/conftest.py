"""Shared fixtures for the server tests: a real (untrained, tiny) model dir and real speech."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from deeptalk.audio import SAMPLE_RATE, load_audio, write_wav
from deeptalk.model_dir import build_untrained_model_dir


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_untrained_model_dir(tmp_path_factory.mktemp("model") / "tiny", preset="tiny")


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 2 s of espeak-ng speech (22.05 kHz wav)."""
    path = tmp_path_factory.mktemp("audio") / "line.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "170", "-w", str(path), "Hello there, my brave friend."],
                   check=True, timeout=30)
    return path


@pytest.fixture(scope="session")
def long_speech_wav(speech_wav: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 s of speech (the line repeated), 16 kHz: long enough to cancel mid-way."""
    line = load_audio(speech_wav).samples  # (S,) 16 kHz
    samples = np.tile(line, int(np.ceil(60 * SAMPLE_RATE / len(line))))[: 60 * SAMPLE_RATE]
    path = tmp_path_factory.mktemp("audio") / "long.wav"
    write_wav(path, samples)
    return path
