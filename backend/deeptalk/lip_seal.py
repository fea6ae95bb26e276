"""Lip seal: the lips meet on m/b/p, as an animator keys them.

A generator over a discrete motion prior closes the lips on only part of the bilabials (v3:
0.59 of the m/b/p segments on held-out speech, ground truth 0.83): a code that blurs two
frames of closure into its neighbours leaves a gap of a few millimetres, which is exactly
what a viewer sees. The content encoder already knows where the bilabials are (its viseme
classifier, trained with the generator: p(PP) 0.69 on m/b/p frames, 0.02 elsewhere), so the
pipeline pulls the speech channels towards the training corpus's mean bilabial pose on those
frames, with a one-frame ease in and out, scaled by `strength` (0 = off).

`LipSealPose` (the pose, its channels and the viseme it answers) is measured by the recipe
on the training split and stored in the model manifest (`lip_seal`); models without one
(converted official weights, older folders) or without a content classifier animate unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

MOTION_DIM = 53
# p(viseme) -> seal weight: 0 at or below LOW, 1 at or above HIGH, linear between
LOW, HIGH = 0.15, 0.35
EASE = 0.5  # weight of the frames just before and after a seal (the lips travel there)


@dataclass(frozen=True)
class LipSealPose:
    """The mean pose of `channels` on the frames labelled `viseme` (an index into VISEMES)."""

    viseme: int
    channels: tuple[int, ...]
    pose: tuple[float, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))
        object.__setattr__(self, "pose", tuple(float(p) for p in self.pose))
        if not self.channels or len(self.channels) != len(self.pose):
            raise ValueError("a lip seal needs one pose value per channel, and at least one channel")
        if len(set(self.channels)) != len(self.channels) or not all(0 <= c < MOTION_DIM for c in self.channels):
            raise ValueError(f"lip seal channels must be distinct motion channels in [0, {MOTION_DIM})")
        if not all(math.isfinite(p) and abs(p) <= 10.0 for p in self.pose):
            raise ValueError("lip seal pose values must be finite and at most 10 in size")
        if not 0 <= self.viseme < 64:
            raise ValueError("lip seal viseme must be a viseme index")

    def to_json(self) -> dict[str, Any]:
        return {"viseme": self.viseme, "channels": list(self.channels), "pose": [round(p, 6) for p in self.pose]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LipSealPose:
        """ValueError when `data` is not what `to_json` writes."""
        if not isinstance(data, Mapping) or set(data) != {"viseme", "channels", "pose"}:
            raise ValueError("lip_seal must be an object with viseme, channels and pose")
        channels, pose = data["channels"], data["pose"]
        if not isinstance(channels, list) or not isinstance(pose, list) or len(channels) > MOTION_DIM:
            raise ValueError("lip_seal channels and pose must be lists")
        if not all(isinstance(c, int) and not isinstance(c, bool) for c in (data["viseme"], *channels)):
            raise ValueError("lip_seal viseme and channels must be integers")
        if not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in pose):
            raise ValueError("lip_seal pose must be numbers")
        return cls(viseme=data["viseme"], channels=tuple(channels), pose=tuple(pose))


def measure_pose(motion: np.ndarray, visemes: np.ndarray, viseme: int, channels: Sequence[int]) -> LipSealPose:
    """The mean of `channels` over the frames labelled `viseme`: motion (N, 53), visemes (N,)."""
    frames = np.asarray(visemes) == viseme
    if not frames.any():
        raise ValueError(f"no frames labelled viseme {viseme} to measure the lip seal on")
    pose = np.asarray(motion, np.float64)[frames][:, list(channels)].mean(axis=0)
    return LipSealPose(viseme=viseme, channels=tuple(channels), pose=tuple(pose.tolist()))


def seal_weights(probability: np.ndarray) -> np.ndarray:
    """How far each frame is pulled to the seal: (T,) p(viseme) -> (T,) in [0, 1]."""
    p = np.asarray(probability, np.float32)
    core = np.clip((p - LOW) / (HIGH - LOW), 0.0, 1.0)  # (T,)
    if core.size < 2:
        return core
    padded = np.pad(core, 1, mode="edge")
    return np.maximum(core, EASE * np.maximum(padded[:-2], padded[2:]))  # (T,)


def apply_seal(motion: np.ndarray, weights: np.ndarray, pose: LipSealPose, strength: float) -> np.ndarray:
    """motion (K, T, 53) pulled towards the pose by strength x weights (T,): a new array."""
    if not (math.isfinite(strength) and 0.0 <= strength <= 1.0):
        raise ValueError(f"lip seal strength must be in [0, 1], got {strength}")
    out = np.array(motion, dtype=np.float32, copy=True)
    if strength == 0.0:
        return out
    w = (strength * np.asarray(weights, np.float32))[None, :, None]  # (1, T, 1)
    channels = list(pose.channels)
    target = np.asarray(pose.pose, np.float32)  # (C,)
    out[:, :, channels] += w * (target - out[:, :, channels])
    return out
