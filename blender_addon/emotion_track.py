"""The backend's per-second emotion probabilities as animated custom properties on the rig.

Each emotion `e` becomes the rig property `deeptalk_emotion_<e>` (0..1) with one curve
keyed at the middle of every second of the clip, so the Graph Editor shows what the
model heard. `summarize` gives the clip's dominant emotion and its uncertainty for the
panel (pure numpy).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

import bpy

PROPERTY_PREFIX = "deeptalk_emotion_"
GROUP = "DEEPTalk emotion"


def property_name(emotion: str) -> str:
    """Rig property for an emotion name (lower case, [a-z0-9_] only)."""
    return PROPERTY_PREFIX + (re.sub(r"[^a-z0-9_]+", "_", emotion.lower()).strip("_") or "unnamed")


@dataclass(frozen=True)
class EmotionSummary:
    """The clip's emotion as the model heard it."""

    names: tuple[str, ...]
    mean_probs: tuple[float, ...]  # (K,) probabilities averaged over the clip's seconds
    dominant: str  # argmax of mean_probs ("" without a track)
    confidence: float  # mean_probs[dominant]
    entropy: float  # normalised entropy of mean_probs in [0, 1]: 0 certain, 1 uniform
    sigma: float  # sqrt(mean(exp(logvar))) of the speech emotion embedding; nan if unknown


def summarize(names: tuple[str, ...], track: np.ndarray, logvar: np.ndarray) -> EmotionSummary:
    """EmotionSummary from (S, K) per-second probabilities and the (D,) embedding log-variance."""
    track = np.asarray(track, dtype=np.float64)
    logvar = np.asarray(logvar, dtype=np.float64)
    sigma = float(np.sqrt(np.mean(np.exp(logvar)))) if logvar.size else math.nan
    if track.size == 0 or not names:
        return EmotionSummary(tuple(names), (), "", math.nan, math.nan, sigma)
    mean = track.mean(axis=0)  # (K,)
    total = float(mean.sum())
    probs = mean / total if total > 0 else np.full(len(names), 1.0 / len(names))
    entropy = float(-(probs * np.log(np.clip(probs, 1e-12, 1.0))).sum() / math.log(len(names))) \
        if len(names) > 1 else 0.0
    best = int(np.argmax(probs))
    return EmotionSummary(tuple(names), tuple(float(p) for p in probs), names[best], float(probs[best]),
                          entropy, sigma)


def key_times(seconds: int, first_frame: float, fps: float, last_frame: float) -> np.ndarray:
    """(S,) timeline frames of the middle of each second, clamped into the clip."""
    frames = first_frame + (np.arange(seconds) + 0.5) * fps
    return np.clip(frames, first_frame, max(first_frame, last_frame))


def ensure_properties(rig: bpy.types.Object, names: tuple[str, ...]) -> list[str]:
    """Create missing 0..1 emotion properties on the rig; return the ones created."""
    created = []
    for emotion in names:
        prop = property_name(emotion)
        if prop not in rig.keys():
            rig[prop] = 0.0
            rig.id_properties_ui(prop).update(min=0.0, max=1.0, soft_min=0.0, soft_max=1.0,
                                              description=f"Probability the model hears '{emotion}'")
            created.append(prop)
    return created


def write_curves(fcurves, names: tuple[str, ...], track: np.ndarray, frames: np.ndarray, write_fcurve) -> None:
    """One fcurve per emotion on the rig's channels; `write_fcurve` is bake.write_fcurve."""
    track = np.asarray(track, dtype=np.float64)
    for column, emotion in enumerate(names):
        write_fcurve(fcurves, f'["{property_name(emotion)}"]', 0, GROUP, frames, track[:, column])


def summary_properties(summary: EmotionSummary) -> dict[str, object]:
    """Custom properties stored on each take's action for the panel."""
    return {
        "deeptalk_emotion_names": ",".join(summary.names),
        "deeptalk_emotion_probs": list(summary.mean_probs) or [0.0],
        "deeptalk_dominant_emotion": summary.dominant,
        "deeptalk_emotion_confidence": summary.confidence,
        "deeptalk_emotion_entropy": summary.entropy,
        "deeptalk_emotion_sigma": summary.sigma,
    }
