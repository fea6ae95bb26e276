"""All clips of a dataset in RAM: 16 kHz audio and 25 fps motion, frame-aligned.

Frame k of a clip covers audio samples `[k * 640, (k + 1) * 640)` (16000 / 25). On
load, motion at another frame rate is resampled to 25 fps, and audio is zero-padded or
cut to exactly `T * 640` samples, so windows can be sliced by frame index alone.
`smoothed(i)` gives the Savitzky-Golay-smoothed motion (window 5, order 2, over time)
that DEEPTalk trains its motion prior and generator on.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from scipy.signal import savgol_filter

from deeptalk.audio import SAMPLE_RATE, load_audio
from deeptalk.data.clipfile import load_clip
from deeptalk.data.manifest import ClipRecord, DatasetInfo, read_dataset
from deeptalk.motion_resample import resample_motion

log = logging.getLogger(__name__)

FPS = 25.0
SAMPLES_PER_FRAME = int(SAMPLE_RATE / FPS)  # 640


@dataclass(frozen=True)
class Clip:
    record: ClipRecord
    audio: np.ndarray  # (T * 640,) float32, 16 kHz
    motion: np.ndarray  # (T, 53) float32: exp[0:50] + jaw[50:53]
    emotion: int  # index into the dataset's emotions
    speaker_index: int  # index into the store's training speakers, 0 when unknown
    speaker_known: bool  # False for val/test speakers (no style one-hot of their own)
    visemes: np.ndarray | None  # (T,) int64

    @property
    def frames(self) -> int:
        return int(self.motion.shape[0])


def smooth_motion(motion: np.ndarray, window: int = 5, order: int = 2) -> np.ndarray:
    """Savitzky-Golay smoothing along time of (T, D) motion; clips shorter than the window pass through."""
    if motion.shape[0] < window:
        return motion.astype(np.float32)
    return savgol_filter(motion, window, order, axis=0, mode="interp").astype(np.float32)


class ClipStore:
    """Clips of chosen splits, loaded once; `speakers` are the dataset's training speakers (sorted)."""

    def __init__(self, clips: Sequence[Clip], info: DatasetInfo, speakers: Sequence[str]) -> None:
        if not clips:
            raise ValueError("the store holds no clips")
        self.clips = list(clips)
        self.info = info
        self.speakers = tuple(speakers)
        self._smoothed: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.clips)

    def smoothed(self, index: int) -> np.ndarray:
        """(T, 53) smoothed motion of clip `index` (computed once)."""
        if index not in self._smoothed:
            self._smoothed[index] = smooth_motion(self.clips[index].motion)
        return self._smoothed[index]

    @property
    def minutes(self) -> float:
        return sum(c.frames for c in self.clips) / FPS / 60.0

    @classmethod
    def load(cls, root: str | os.PathLike[str], *, splits: Sequence[str] = ("train",),
             max_clips: int | None = None) -> "ClipStore":
        """Load every clip of `splits` from the dataset at `root` into memory."""
        info, records = read_dataset(root)
        speakers = sorted({r.speaker for r in records if r.split == "train"})
        chosen = [r for r in records if r.split in splits][:max_clips]
        if not chosen:
            raise ValueError(f"{root} has no clips in split(s) {', '.join(splits)}")
        lookup = {s: i for i, s in enumerate(speakers)}
        emotions = {e: i for i, e in enumerate(info.emotions)}
        base = Path(root)
        clips = []
        mismatched = 0
        for record in chosen:
            clip = load_clip(base / record.motion)
            motion = clip.motion  # (T, 53)
            visemes = clip.visemes
            if abs(clip.fps - FPS) > 1e-6:
                motion = resample_motion(motion, dst_fps=FPS, src_fps=clip.fps)
                visemes = None  # labels do not survive resampling
            audio = load_audio(base / record.audio, sample_rate=SAMPLE_RATE).samples
            frames = min(motion.shape[0], -(-len(audio) // SAMPLES_PER_FRAME))
            mismatched += abs(motion.shape[0] * SAMPLES_PER_FRAME - len(audio)) > 2 * SAMPLES_PER_FRAME
            aligned = np.zeros(frames * SAMPLES_PER_FRAME, dtype=np.float32)  # (T * 640,)
            aligned[: min(len(audio), len(aligned))] = audio[: len(aligned)]
            clips.append(Clip(record=record, audio=aligned, motion=motion[:frames].astype(np.float32),
                              emotion=emotions[record.emotion], speaker_index=lookup.get(record.speaker, 0),
                              speaker_known=record.speaker in lookup,
                              visemes=None if visemes is None else visemes[:frames]))
        if mismatched:
            log.warning("%d clip(s) have audio and motion lengths more than 2 frames apart", mismatched)
        store = cls(clips, info, speakers)
        log.info("loaded %d clips (%.1f min) from %s", len(store), store.minutes, root)
        return store
