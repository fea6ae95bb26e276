"""Shared fixtures for the CLI tests: a real (untrained, tiny) model dir and real speech."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

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

