"""Emotions of the synthetic corpus: how each sounds (prosody, voice quality) and looks (expression).

`STYLES[e]` holds an emotion's parameters at full strength. `sample_style(e, intensity,
rng)` draws one clip's style: the intensity (1..3) sets a base strength, a shared
random factor and separate jitters scale the voice and the face, and each expression
component gets its own jitter, so equal labels give a spread of faces and voices (the
probabilistic emotion space has real uncertainty to model). Expression offsets are in
the basis of the head the corpus is rendered for: head v1's named components
(`deeptalk.flame.semantics`, the `expression` table below) or head v2's FACS poses
(`deeptalk.flame.semantics_v2.EMOTION_POSES_V2`). `full_style` is an emotion at full
strength with no randomness in the face: the target of the emotion override.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeptalk.flame.semantics import COMPONENT_INDEX, EXPRESSION_DIM
from deeptalk.flame.semantics_v2 import EMOTION_POSES_V2, INDEX_V2

EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad", "angry", "surprised")
EMOTION_INDEX: dict[str, int] = {name: i for i, name in enumerate(EMOTIONS)}
INTENSITIES: tuple[int, ...] = (1, 2, 3)
INTENSITY_STRENGTH: dict[int, float] = {1: 0.4, 2: 0.7, 3: 1.0}
CONTOURS = ("none", "lift", "bounce", "fall_end", "emphasis", "rise_end")


@dataclass(frozen=True)
class EmotionStyle:
    """An emotion at full strength. Prosody deltas are in espeak-ng units."""

    expression: tuple[tuple[str, float], ...]  # (component, offset)
    jaw_offset: float  # rad added to the jaw (mouth held open)
    articulation_gain: float  # relative change of mouth opening, e.g. +0.2
    rate: float  # relative change of speaking rate
    pitch: int  # base pitch delta (0..100 scale)
    pitch_range: int  # intonation range delta
    volume: int  # espeak amplitude delta
    level_db: float  # output loudness relative to neutral
    tremolo: float  # amplitude-modulation depth (shaky voice)
    brightness_db: float  # high-shelf gain above ~2.5 kHz (tense + / dull -)
    breathiness: float  # noise mixed under the voice, relative level
    drive: float  # soft-clipping drive (harsh voice)
    contour: str  # sentence-level pitch/rate shape written as SSML
    blink_per_min: float
    accent: tuple[str, float]  # component moved with loud syllables, and how much

    def __post_init__(self) -> None:
        for name, _ in (*self.expression, (self.accent[0], 0.0)):
            if name not in COMPONENT_INDEX:
                raise ValueError(f"unknown expression component {name!r}")
        if self.contour not in CONTOURS:
            raise ValueError(f"contour must be one of {CONTOURS}")


STYLES: dict[str, EmotionStyle] = {
    "neutral": EmotionStyle(
        expression=(), jaw_offset=0.0, articulation_gain=0.0, rate=0.0, pitch=0, pitch_range=0, volume=0,
        level_db=0.0, tremolo=0.0, brightness_db=0.0, breathiness=0.0, drive=0.0, contour="none",
        blink_per_min=17.0, accent=("brow_raise", 0.12)),
    "happy": EmotionStyle(
        expression=(("smile", 0.85), ("cheek_squint", 0.55), ("lip_stretch", 0.15), ("lips_part", 0.15),
                    ("brow_raise", 0.15)),
        jaw_offset=0.02, articulation_gain=0.08, rate=0.18, pitch=14, pitch_range=22, volume=15,
        level_db=2.0, tremolo=0.0, brightness_db=3.0, breathiness=0.0, drive=0.0, contour="bounce",
        blink_per_min=18.0, accent=("brow_raise", 0.25)),
    "sad": EmotionStyle(
        expression=(("inner_brow_raise", 0.85), ("frown", 0.65), ("chin_raise", 0.35), ("eyes_close", 0.2),
                    ("mouth_corner_pull_down", 0.2)),
        jaw_offset=0.0, articulation_gain=-0.3, rate=-0.2, pitch=-10, pitch_range=-25, volume=-25,
        level_db=-5.0, tremolo=0.25, brightness_db=-5.0, breathiness=0.05, drive=0.0, contour="fall_end",
        blink_per_min=12.0, accent=("inner_brow_raise", 0.1)),
    "angry": EmotionStyle(
        expression=(("brow_lower", 0.95), ("lip_tighten", 0.6), ("nose_wrinkle", 0.3), ("upper_lip_raise", 0.15),
                    ("eyes_wide", 0.15)),
        jaw_offset=0.0, articulation_gain=0.2, rate=0.08, pitch=4, pitch_range=15, volume=45,
        level_db=5.0, tremolo=0.0, brightness_db=5.0, breathiness=0.0, drive=0.5, contour="emphasis",
        blink_per_min=20.0, accent=("brow_lower", 0.25)),
    "surprised": EmotionStyle(
        expression=(("brow_raise", 0.95), ("eyes_wide", 0.8), ("lips_part", 0.35), ("lower_lip_depress", 0.15)),
        jaw_offset=0.05, articulation_gain=0.15, rate=-0.06, pitch=22, pitch_range=35, volume=20,
        level_db=2.0, tremolo=0.0, brightness_db=2.0, breathiness=0.0, drive=0.0, contour="rise_end",
        blink_per_min=10.0, accent=("brow_raise", 0.3)),
}
assert tuple(STYLES) == EMOTIONS


@dataclass(frozen=True)
class ClipStyle:
    """One clip's emotion parameters, already scaled by intensity and randomised."""

    emotion: str
    intensity: int
    face_strength: float
    voice_strength: float
    expression: np.ndarray  # (50,) float32 offsets in the corpus basis
    jaw_offset: float
    articulation_gain: float  # multiplier, 1 = neutral
    rate_factor: float  # multiplier of the voice's words per minute
    pitch: int
    pitch_range: int
    volume: int
    level_db: float
    tremolo: float
    tremolo_hz: float
    brightness_db: float
    breathiness: float
    drive: float
    contour: str
    blink_per_min: float
    accent_component: int
    accent: float


def _expression(emotion: str, basis: str) -> tuple[tuple[int, float], ...]:
    """(component index, full-strength offset) of an emotion's face in `basis`."""
    if basis == "standin-v1":
        return tuple((COMPONENT_INDEX[name], value) for name, value in STYLES[emotion].expression)
    if basis == "standin-v2":
        return tuple((INDEX_V2[name], value) for name, value in EMOTION_POSES_V2[emotion].items() if name != "jaw")
    raise ValueError(f"no emotion faces for basis {basis!r}")


def full_expression(emotion: str, basis: str = "standin-v1") -> np.ndarray:
    """(50,) float32: the emotion's face at full strength (1.0), no jitter."""
    expression = np.zeros(EXPRESSION_DIM, dtype=np.float32)
    for index, value in _expression(emotion, basis):
        expression[index] = value
    return expression


def sample_style(emotion: str, intensity: int, rng: np.random.Generator, basis: str = "standin-v1") -> ClipStyle:
    """Draw one clip's style for `emotion` at `intensity` (1..3), its face in `basis`."""
    if emotion not in STYLES:
        raise ValueError(f"unknown emotion {emotion!r}; choose from {EMOTIONS}")
    if intensity not in INTENSITY_STRENGTH:
        raise ValueError(f"intensity must be one of {INTENSITIES}, got {intensity!r}")
    style = STYLES[emotion]
    shared = INTENSITY_STRENGTH[intensity] * rng.uniform(0.75, 1.25)
    face = float(np.clip(shared * rng.uniform(0.85, 1.15), 0.0, 1.4))
    voice = float(np.clip(shared * rng.uniform(0.85, 1.15), 0.0, 1.4))
    expression = np.zeros(EXPRESSION_DIM, dtype=np.float32)  # (50,)
    for index, value in _expression(emotion, basis):
        expression[index] = value * face * rng.uniform(0.75, 1.25)
    return ClipStyle(
        emotion=emotion, intensity=intensity, face_strength=face, voice_strength=voice,
        expression=expression,
        jaw_offset=style.jaw_offset * face,
        articulation_gain=1.0 + style.articulation_gain * face,
        rate_factor=1.0 + style.rate * voice,
        pitch=int(round(style.pitch * voice)),
        pitch_range=int(round(style.pitch_range * voice)),
        volume=int(round(style.volume * voice)),
        level_db=style.level_db * voice,
        tremolo=style.tremolo * voice,
        tremolo_hz=float(rng.uniform(4.0, 6.5)),
        brightness_db=style.brightness_db * voice,
        breathiness=style.breathiness * voice,
        drive=style.drive * voice,
        contour=style.contour,
        blink_per_min=style.blink_per_min * float(rng.uniform(0.7, 1.3)),
        accent_component=COMPONENT_INDEX[style.accent[0]],
        accent=style.accent[1] * float(rng.uniform(0.5, 1.5)) * (face if emotion != "neutral" else 1.0),
    )
