"""The call whose outputs `test_default_unchanged` compares against the recording.

Re-record when the committed default model is replaced (run from the repository root):
    OMP_NUM_THREADS=1 .venv/bin/python -m tests.official.default_outputs
"""

from __future__ import annotations

import numpy as np

from deeptalk.paths import default_model_dir
from deeptalk.pipeline import AnimationResult, Pipeline, PipelineConfig
from tests.official.official_files import DATA

RECORDING = DATA / "default_model_outputs_before_official.npz"


def probe_wave() -> np.ndarray:
    """3 s of a 150 Hz tone with a 2.5 Hz syllable envelope and a 900 Hz overtone."""
    t = np.arange(16000 * 3, dtype=np.float32) / 16000
    return (0.2 * np.sin(2 * np.pi * 150 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 2.5 * t))
            + 0.05 * np.sin(2 * np.pi * 900 * t)).astype(np.float32)


def default_model_outputs() -> AnimationResult:
    """Two takes of the probe at alpha 0.5 with a half-weight happy override, windowed inference."""
    pipe = Pipeline.load(default_model_dir(), device="cpu", config=PipelineConfig(window_frames=40, overlap_frames=8))
    return pipe.animate(probe_wave(), alpha=0.5, temperature_top=0.3, seed=3, takes=2, emotion="happy",
                        emotion_weight=0.5)


def record() -> None:
    result = default_model_outputs()
    np.savez(RECORDING, motion=result.motion, emotion_mean=result.emotion_mean, emotion_track=result.emotion_track)
    print(f"recorded {RECORDING}")


if __name__ == "__main__":
    import torch

    torch.set_num_threads(1)
    record()
