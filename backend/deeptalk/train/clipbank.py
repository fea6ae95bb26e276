"""All clips of one split in memory, and seeded random windows over them.

The corpus (and a MEAD-sized split) fits in RAM, so each trainer samples windows
straight from arrays: no DataLoader workers, reproducible from one torch.Generator.
On load audio becomes 16 kHz mono and motion 25 fps (other rates are resampled; their
viseme labels are dropped), and both are cut to the shorter of the two, so frame f
starts at sample f * 640.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from deeptalk.audio import load_audio
from deeptalk.data.clipfile import load_clip
from deeptalk.data.manifest import read_dataset
from deeptalk.flame.semantics import MOTION_FPS
from deeptalk.models.standardize import Standardizer
from deeptalk.motion_resample import resample_motion

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
SAMPLES_PER_FRAME = int(SAMPLE_RATE / MOTION_FPS)  # 640
IGNORE = -100


@dataclass(frozen=True)
class Clip:
    id: str
    audio: np.ndarray    # (S,) float32 16 kHz
    motion: np.ndarray   # (T, 53) float32 25 fps
    visemes: np.ndarray  # (T,) int64, IGNORE where unknown
    emotion: int
    intensity: int
    speaker: int
    alt_motion: np.ndarray | None = None  # (E, T, 53) the clip with each emotion at full strength


@dataclass(frozen=True)
class Batch:
    audio: torch.Tensor      # (B, S) float32
    motion: torch.Tensor     # (B, T, 53) float32
    visemes: torch.Tensor    # (B, T) int64
    emotion: torch.Tensor    # (B,) int64
    intensity: torch.Tensor  # (B,) int64
    speaker: torch.Tensor    # (B,) int64
    clip_index: torch.Tensor  # (B,) int64
    alt_motion: torch.Tensor | None = None  # (B, E, T, 53) float32 when every clip of the bank has it


class ClipBank:
    """Clips of the requested splits; `speakers` maps speaker names to style ids."""

    def __init__(self, clips: list[Clip], emotions: tuple[str, ...], speakers: tuple[str, ...]) -> None:
        if not clips:
            raise ValueError("no clips to train on")
        self.clips = clips
        self.emotions = emotions
        self.speakers = speakers

    @classmethod
    def load(cls, root: str | Path, splits: tuple[str, ...], *, speakers: tuple[str, ...] | None = None,
             limit: int | None = None) -> ClipBank:
        root = Path(root)
        info, records = read_dataset(root)
        chosen = [r for r in records if r.split in splits][:limit]
        names = speakers or tuple(sorted({r.speaker for r in records if r.split == "train"}))
        clips = []
        for record in chosen:
            stored = load_clip(root / record.motion)
            motion, visemes = stored.motion, stored.visemes  # (T, 53), (T,) or None
            if abs(stored.fps - MOTION_FPS) > 1e-6:
                motion = resample_motion(motion, src_fps=stored.fps, dst_fps=MOTION_FPS)
                visemes = None  # labels do not survive resampling
            audio = load_audio(root / record.audio, sample_rate=SAMPLE_RATE).samples
            frames = min(motion.shape[0], len(audio) // SAMPLES_PER_FRAME)
            if frames < 8:
                log.warning("skipping clip %s: only %d frames", record.id, frames)
                continue
            visemes = visemes if visemes is not None else np.full(frames, IGNORE)
            alt = stored.alt_motion if abs(stored.fps - MOTION_FPS) <= 1e-6 else None  # (E, T, 53)
            clips.append(Clip(id=record.id, audio=audio[:frames * SAMPLES_PER_FRAME].astype(np.float32),
                              motion=np.asarray(motion[:frames], np.float32),
                              visemes=np.asarray(visemes[:frames], np.int64),
                              emotion=info.emotions.index(record.emotion), intensity=record.intensity,
                              speaker=names.index(record.speaker) if record.speaker in names else 0,
                              alt_motion=None if alt is None else np.asarray(alt[:, :frames], np.float32)))
        log.info("loaded %d clips (%s) from %s", len(clips), "+".join(splits), root)
        return cls(clips, tuple(info.emotions), names)

    def __len__(self) -> int:
        return len(self.clips)

    def all_frames(self) -> np.ndarray:
        """(N, 53) every motion frame, for normalisation statistics."""
        return np.concatenate([c.motion for c in self.clips])

    def channel_scale(self) -> torch.Tensor:
        """Each motion channel's std over the bank, floored like the lip-reader's input
        (`Standardizer`), for losses in units of it (`losses.parameter_mse`): (53,)."""
        standardizer = Standardizer(dim=self.clips[0].motion.shape[-1])
        standardizer.fit(torch.from_numpy(self.all_frames()))
        return standardizer.std.clone()

    @property
    def has_alt_motion(self) -> bool:
        """Whether every clip carries its motion at each emotion's full strength."""
        return all(c.alt_motion is not None for c in self.clips)

    def windows(self, *, batch_size: int, frames: int, generator: torch.Generator) -> Batch:
        """Random `frames`-long aligned audio/motion windows (clips shorter than that are padded by
        repeating their last frame and zero audio; their visemes there are IGNORE)."""
        picks = torch.randint(len(self.clips), (batch_size,), generator=generator).tolist()
        audio = np.zeros((batch_size, frames * SAMPLES_PER_FRAME), np.float32)
        motion = np.zeros((batch_size, frames, 53), np.float32)
        visemes = np.full((batch_size, frames), IGNORE, np.int64)
        alt = np.zeros((batch_size, len(self.emotions), frames, 53), np.float32) if self.has_alt_motion else None
        for row, index in enumerate(picks):
            clip = self.clips[index]
            total = clip.motion.shape[0]
            start = int(torch.randint(max(1, total - frames + 1), (1,), generator=generator))
            take = min(frames, total - start)
            motion[row, :take] = clip.motion[start:start + take]
            motion[row, take:] = clip.motion[start + take - 1]
            visemes[row, :take] = clip.visemes[start:start + take]
            if alt is not None:
                alt[row, :, :take] = clip.alt_motion[:, start:start + take]
                alt[row, :, take:] = clip.alt_motion[:, start + take - 1:start + take]
            a0 = start * SAMPLES_PER_FRAME
            audio[row, :take * SAMPLES_PER_FRAME] = clip.audio[a0:a0 + take * SAMPLES_PER_FRAME]
        labels = [self.clips[i] for i in picks]
        return Batch(audio=torch.from_numpy(audio), motion=torch.from_numpy(motion),
                     visemes=torch.from_numpy(visemes),
                     emotion=torch.tensor([c.emotion for c in labels]),
                     intensity=torch.tensor([c.intensity for c in labels]),
                     speaker=torch.tensor([c.speaker for c in labels]),
                     clip_index=torch.tensor(picks),
                     alt_motion=None if alt is None else torch.from_numpy(alt))

    def stream(self, *, batch_size: int, frames: int, seed: int, rank: int = 0):
        """Endless iterator of `windows` (a different stream per DDP rank)."""
        generator = torch.Generator().manual_seed(seed * 1000 + rank)
        while True:
            yield self.windows(batch_size=batch_size, frames=frames, generator=generator)
