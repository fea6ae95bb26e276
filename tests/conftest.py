"""Suite-wide settings and fixtures.

BLENDER_USER_RESOURCES keeps bpy's user files in a temp dir (set before any `import bpy`).
Heavy modules are imported inside the fixtures, so nothing here runs before the Blender
tests get to import bpy first.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

import pytest

os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="deeptalk-blender-user-"))


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op torch thread for a module: the 2 test cores are shared, and OpenMP threads
    spinning against each other slow small models down many times."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real, randomly initialised model directory of the "tiny" preset (seconds to load)."""
    from deeptalk.model_dir import build_untrained_model_dir

    return build_untrained_model_dir(tmp_path_factory.mktemp("model") / "tiny", preset="tiny")


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 2 s of espeak-ng speech (22.05 kHz wav)."""
    path = tmp_path_factory.mktemp("audio") / "line.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "170", "-w", str(path), "Hello there, my brave friend."],
                   check=True, timeout=30)
    return path


# ----------------------------------------------------------------- small hand-made datasets

DATASET_EMOTIONS = ("neutral", "happy", "sad")


def frame_coded_clip(frames: int, code: float) -> tuple[np.ndarray, np.ndarray]:
    """Audio and motion where frame k carries the value code + k / 1000 (to check alignment)."""
    values = (code + np.arange(frames) / 1000.0).astype(np.float32)  # (T,)
    audio = np.repeat(values, 640)  # (T * 640,)
    motion = np.repeat(values[:, None], 53, axis=1)  # (T, 53)
    return audio, motion


@pytest.fixture()
def make_dataset(tmp_path: Path) -> Callable[..., Path]:
    from deeptalk.audio import write_wav
    from deeptalk.data.clipfile import ClipMotion, save_clip
    from deeptalk.data.manifest import ClipRecord, DatasetInfo, write_dataset

    def make(specs: list[dict], name: str = "ds", fps: float = 25.0) -> Path:
        root = tmp_path / name
        (root / "clips").mkdir(parents=True)
        records = []
        for i, spec in enumerate(specs):
            frames = spec.get("frames", 80)
            audio, motion = frame_coded_clip(frames, code=0.1 * (i % 5))
            if fps != 25.0:
                motion = np.repeat(motion, int(fps // 25), axis=0)
            clip_id = f"c{i:03d}"
            write_wav(root / "clips" / f"{clip_id}.wav", audio, 16000, subtype="FLOAT")
            save_clip(root / "clips" / f"{clip_id}.npz", ClipMotion(
                exp=motion[:, :50], jaw=motion[:, 50:], fps=fps, emotion=DATASET_EMOTIONS.index(spec["emotion"]),
                intensity=spec.get("intensity", 1), speaker=spec["speaker"]))
            records.append(ClipRecord(id=clip_id, audio=f"clips/{clip_id}.wav", motion=f"clips/{clip_id}.npz",
                                      speaker=spec["speaker"], emotion=spec["emotion"],
                                      intensity=spec.get("intensity", 1), split=spec["split"],
                                      frames=frames, duration_s=frames / 25))
        write_dataset(root, DatasetInfo(emotions=DATASET_EMOTIONS, source="test"), records)
        return root

    return make
