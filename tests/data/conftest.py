"""Small hand-made datasets written to disk for the data tests."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from deeptalk.audio import write_wav
from deeptalk.data.clipfile import ClipMotion, save_clip
from deeptalk.data.manifest import ClipRecord, DatasetInfo, write_dataset

EMOTIONS = ("neutral", "happy", "sad")


def frame_coded_clip(frames: int, code: float) -> tuple[np.ndarray, np.ndarray]:
    """Audio and motion where frame k carries the value code + k / 1000 (to check alignment)."""
    values = (code + np.arange(frames) / 1000.0).astype(np.float32)  # (T,)
    audio = np.repeat(values, 640)  # (T * 640,)
    motion = np.repeat(values[:, None], 53, axis=1)  # (T, 53)
    return audio, motion


@pytest.fixture()
def make_dataset(tmp_path: Path) -> Callable[..., Path]:
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
                exp=motion[:, :50], jaw=motion[:, 50:], fps=fps, emotion=EMOTIONS.index(spec["emotion"]),
                intensity=spec.get("intensity", 1), speaker=spec["speaker"]))
            records.append(ClipRecord(id=clip_id, audio=f"clips/{clip_id}.wav", motion=f"clips/{clip_id}.npz",
                                      speaker=spec["speaker"], emotion=spec["emotion"],
                                      intensity=spec.get("intensity", 1), split=spec["split"],
                                      frames=frames, duration_s=frames / 25))
        write_dataset(root, DatasetInfo(emotions=EMOTIONS, source="test"), records)
        return root

    return make
