"""torch Datasets of random windows over a `ClipStore`, one per trainer.

- `MotionWindows`: N frames of motion (TH-VQVAE; smoothed by default).
- `AudioMotionWindows`: 1.28 s of audio and the 32 frames it drives (generator);
  audio starts at frame * 640 samples.
- `DEEPairs`: an audio window and a motion window of the same clip with its labels
  (DEE; 2.0 s audio + 60 frames by default, unsmoothed, starting at the same time).

Item `i` uses clip `i % len(clips)`; each access draws a fresh random start from torch's
global RNG (seeded per DataLoader worker), so `torch.manual_seed` reproduces a run.
Clips shorter than a window are left out. Optional audio augmentation
(`deeptalk.corpus.augment`, timing-preserving) is seeded from the same RNG.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from torch.utils.data import Dataset

from deeptalk.audio import SAMPLE_RATE
from deeptalk.corpus.augment import AugmentConfig, augment
from deeptalk.data.store import SAMPLES_PER_FRAME, Clip, ClipStore

log = logging.getLogger(__name__)
Item = dict[str, torch.Tensor]


def _eligible(store: ClipStore, frames: int, name: str) -> list[int]:
    keep = [i for i, c in enumerate(store.clips) if c.frames >= frames]
    if not keep:
        raise ValueError(f"{name}: no clip is at least {frames} frames long")
    if len(keep) < len(store.clips):
        log.info("%s: %d of %d clips are shorter than %d frames and left out",
                 name, len(store.clips) - len(keep), len(store.clips), frames)
    return keep


def _labels(clip: Clip, index: int) -> Item:
    return {
        "emotion": torch.tensor(clip.emotion, dtype=torch.long),
        "intensity": torch.tensor(clip.record.intensity, dtype=torch.long),
        "speaker": torch.tensor(clip.speaker_index, dtype=torch.long),
        "speaker_known": torch.tensor(clip.speaker_known),
        "clip": torch.tensor(index, dtype=torch.long),
    }


def _start(limit: int) -> int:
    """A uniform start in [0, limit] from torch's RNG."""
    return int(torch.randint(0, limit + 1, (1,)).item())


def _augmented(audio: np.ndarray, config: AugmentConfig | None) -> np.ndarray:
    if config is None:
        return audio
    rng = np.random.default_rng(int(torch.randint(0, 2**62, (1,)).item()))
    return augment(audio, SAMPLE_RATE, rng, config)


class MotionWindows(Dataset):
    """`motion (frames, 53)` windows plus labels."""

    def __init__(self, store: ClipStore, *, frames: int = 32, items_per_clip: int = 1, smooth: bool = True) -> None:
        if frames < 1 or items_per_clip < 1:
            raise ValueError("frames and items_per_clip must be >= 1")
        self.store, self.frames, self.smooth = store, frames, smooth
        self.items_per_clip = items_per_clip
        self.indices = _eligible(store, frames, "MotionWindows")

    def __len__(self) -> int:
        return len(self.indices) * self.items_per_clip

    def __getitem__(self, i: int) -> Item:
        index = self.indices[i % len(self.indices)]
        clip = self.store.clips[index]
        motion = self.store.smoothed(index) if self.smooth else clip.motion  # (T, 53)
        f = _start(clip.frames - self.frames)
        return {"motion": torch.from_numpy(motion[f:f + self.frames].copy()), **_labels(clip, index)}


class AudioMotionWindows(Dataset):
    """`audio (frames * 640,)` and the `motion (frames, 53)` it drives, plus labels."""

    def __init__(self, store: ClipStore, *, frames: int = 32, items_per_clip: int = 1, smooth: bool = True,
                 augment: AugmentConfig | None = None) -> None:
        if frames < 1 or items_per_clip < 1:
            raise ValueError("frames and items_per_clip must be >= 1")
        self.store, self.frames, self.smooth, self.augment = store, frames, smooth, augment
        self.items_per_clip = items_per_clip
        self.indices = _eligible(store, frames, "AudioMotionWindows")

    def __len__(self) -> int:
        return len(self.indices) * self.items_per_clip

    def __getitem__(self, i: int) -> Item:
        index = self.indices[i % len(self.indices)]
        clip = self.store.clips[index]
        motion = self.store.smoothed(index) if self.smooth else clip.motion  # (T, 53)
        f = _start(clip.frames - self.frames)
        a = f * SAMPLES_PER_FRAME
        audio = _augmented(clip.audio[a:a + self.frames * SAMPLES_PER_FRAME], self.augment)  # (frames * 640,)
        return {"audio": torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)),
                "motion": torch.from_numpy(motion[f:f + self.frames].copy()), **_labels(clip, index)}


class DEEPairs(Dataset):
    """`audio (audio_samples,)` + `motion (motion_frames, 53)` from one clip, plus labels.

    aligned: both windows start at the same time (else independent random starts).
    """

    def __init__(self, store: ClipStore, *, audio_samples: int = 32000, motion_frames: int = 60,
                 items_per_clip: int = 1, aligned: bool = True, smooth: bool = False,
                 augment: AugmentConfig | None = None) -> None:
        if audio_samples < 1 or motion_frames < 1 or items_per_clip < 1:
            raise ValueError("window sizes and items_per_clip must be >= 1")
        self.store, self.audio_samples, self.motion_frames = store, audio_samples, motion_frames
        self.aligned, self.smooth, self.augment, self.items_per_clip = aligned, smooth, augment, items_per_clip
        audio_frames = -(-audio_samples // SAMPLES_PER_FRAME)
        self.indices = _eligible(store, max(audio_frames, motion_frames), "DEEPairs")

    def __len__(self) -> int:
        return len(self.indices) * self.items_per_clip

    def __getitem__(self, i: int) -> Item:
        index = self.indices[i % len(self.indices)]
        clip = self.store.clips[index]
        motion = self.store.smoothed(index) if self.smooth else clip.motion  # (T, 53)
        span = max(-(-self.audio_samples // SAMPLES_PER_FRAME), self.motion_frames)
        if self.aligned:
            f = m = _start(clip.frames - span)
        else:
            f = _start(clip.frames - -(-self.audio_samples // SAMPLES_PER_FRAME))
            m = _start(clip.frames - self.motion_frames)
        a = f * SAMPLES_PER_FRAME
        audio = _augmented(clip.audio[a:a + self.audio_samples], self.augment)  # (audio_samples,)
        return {"audio": torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)),
                "motion": torch.from_numpy(motion[m:m + self.motion_frames].copy()), **_labels(clip, index)}
