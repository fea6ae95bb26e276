"""Render one corpus clip: emotional espeak-ng speech and the matching 25 fps face motion.

Steps (all random choices from one `np.random.Generator`, so a clip is a pure
function of its spec and seed):
1. sample the clip's emotion style; set espeak-ng prosody (rate, pitch, range,
   volume) and an SSML sentence contour (rising end, emphasis, ...);
2. one libespeak-ng call gives the audio and its phoneme timings together;
3. voice-quality effects (tremolo, breathiness, harshness, brightness) and a level;
4. optional speed perturbation (timings rescaled), resampling to 16 kHz, silence
   padding to a whole number of frames (S = T * 640);
5. motion = articulation (visemes, co-articulated) + natural motion (blinks, drifts,
   accents), composed in the corpus's semantic channels and projected into the head's
   basis (`corpus.basis_map`), + the emotion's face in that basis; the same clip is also
   composed with every emotion at full strength (`alt_exp`, the override's targets);
   audio augmentation comes last, so the motion follows the clean speech.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from xml.sax.saxutils import escape

import numpy as np
from scipy.ndimage import gaussian_filter1d, uniform_filter1d

from deeptalk.audio import SAMPLE_RATE, resample
from deeptalk.corpus.articulation import articulate
from deeptalk.corpus.augment import (AugmentConfig, augment, colored_noise, filter_sos, limit_peak, rms,
                                     shelf_sos)
from deeptalk.corpus.basis_map import BASES, BLINKS, EYES_WIDE, MOUTH_OPEN, SEMANTIC_INDEX, project
from deeptalk.corpus.emotion_styles import EMOTIONS, STYLES, ClipStyle, full_expression, sample_style
from deeptalk.corpus.engines import synthesize_for
from deeptalk.corpus.idle import natural_motion, smooth_noise, frame_loudness
from deeptalk.corpus.phonemes import PhonemeSpan, Prosody
from deeptalk.corpus.visemes import frame_visemes
from deeptalk.corpus.voices import Voice

FPS = 25.0
_SPEECH_DBFS = -20.0


@dataclass(frozen=True, kw_only=True)
class RenderConfig:
    sample_rate: int = SAMPLE_RATE
    fps: float = FPS
    lead_s: tuple[float, float] = (0.15, 0.45)  # silence before the speech
    tail_s: tuple[float, float] = (0.2, 0.5)  # silence after it
    p_speed: float = 0.3
    speed: tuple[float, float] = (0.92, 1.08)
    p_augment: float = 0.5
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    basis: str = "standin-v2"  # the head whose expression basis the motion is written in
    alt_emotions: bool = True  # also write each clip's face with every emotion at full strength

    def __post_init__(self) -> None:
        if self.basis not in BASES:
            raise ValueError(f"basis must be one of {BASES}, got {self.basis!r}")
        if (self.sample_rate / self.fps) % 1:
            raise ValueError("sample_rate / fps must be a whole number of samples per frame")
        if not (0 <= self.p_speed <= 1 and 0 <= self.p_augment <= 1):
            raise ValueError("p_speed and p_augment must be probabilities")
        if not 0.5 <= self.speed[0] <= self.speed[1] <= 2.0:
            raise ValueError("speed range must lie in [0.5, 2]")


@dataclass(frozen=True)
class ClipSpec:
    clip_id: str
    text: str
    sentence: int
    voice: Voice
    emotion: str
    intensity: int
    seed: tuple[int, ...]  # entropy for np.random.default_rng


@dataclass(frozen=True)
class RenderedClip:
    audio: np.ndarray  # (S,) float32 at config.sample_rate, S = T * sample_rate / fps
    exp: np.ndarray  # (T, 50) float32
    jaw: np.ndarray  # (T, 3) float32
    visemes: np.ndarray  # (T,) int64
    phonemes: tuple[PhonemeSpan, ...]  # on the final audio's timeline
    style: ClipStyle
    speed: float
    augmented: bool
    alt_exp: np.ndarray | None = None  # (E, T, 50): the clip with each emotion at full strength
    alt_jaw: np.ndarray | None = None  # (E, T, 3)


def markup(text: str, style: ClipStyle, rng: np.random.Generator) -> str:
    """SSML for `text` with the style's sentence contour (escaped; no outer <speak>)."""
    words = [escape(w) for w in text.split()]
    v = style.voice_strength
    long_words = [i for i, w in enumerate(words) if len(w.strip(",.!?")) > 3] or list(range(len(words)))

    def wrap(first: int, last: int, attrs: str) -> None:
        words[first] = f"<prosody {attrs}>{words[first]}"
        words[last] = f"{words[last]}</prosody>"

    if style.contour == "rise_end" and len(words) >= 2:
        wrap(len(words) - 2, len(words) - 1, f'pitch="+{int(60 * v)}%"')
    elif style.contour == "fall_end" and len(words) >= 3:
        wrap(len(words) - 3, len(words) - 1, f'rate="-{int(25 * v)}%" pitch="-{int(15 * v)}%"')
    elif style.contour == "lift":
        first_half = [i for i in long_words if i < max(1, len(words) // 2)] or long_words
        i = int(first_half[rng.integers(len(first_half))])
        wrap(i, i, f'pitch="+{int(35 * v)}%"')
    elif style.contour == "bounce":  # lively: every other long word lifted, all through the sentence
        for i in long_words[int(rng.integers(2))::2]:
            wrap(i, i, f'pitch="+{int(40 * v)}%"')
    elif style.contour == "emphasis":
        i = int(long_words[rng.integers(len(long_words))])
        wrap(i, i, f'volume="+{int(40 * v)}%" pitch="+{int(20 * v)}%" rate="-{int(15 * v)}%"')
    return " ".join(words)


def voice_effects(x: np.ndarray, sample_rate: int, style: ClipStyle, rng: np.random.Generator) -> np.ndarray:
    """Emotion voice quality on clean speech: tremolo, breath noise, drive, brightness, level."""
    y = np.asarray(x, dtype=np.float64)
    t = np.arange(len(y)) / sample_rate
    if style.tremolo > 0:
        y *= 1.0 - style.tremolo * (0.5 + 0.5 * np.sin(2 * math.pi * style.tremolo_hz * t + rng.uniform(0, 6.3)))
    if style.breathiness > 0:
        envelope = uniform_filter1d(np.abs(y), size=int(0.02 * sample_rate))  # 20 ms
        hiss = filter_sos(colored_noise(len(y), rng), shelf_sos("low", 1000.0, -18.0, sample_rate))
        y += style.breathiness * 4.0 * envelope * hiss
    if style.drive > 0:
        gain = 1.0 + 6.0 * style.drive
        y = np.tanh(gain * y / max(float(np.abs(y).max()), 1e-9)) / math.tanh(gain) * float(np.abs(y).max())
    if style.brightness_db:
        y = filter_sos(y, shelf_sos("high", 2500.0, style.brightness_db, sample_rate)).astype(np.float64)
    voiced = y[np.abs(y) > 0.05 * max(float(np.abs(y).max()), 1e-9)]
    level_db = _SPEECH_DBFS + style.level_db + rng.normal(0.0, 1.5)
    y *= 10.0 ** (level_db / 20.0) / max(rms(voiced), 1e-9)
    return limit_peak(y.astype(np.float32))


def _emotion_envelope(n_frames: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    """(T,) how much of the clip's emotion shows: ramps in, then drifts by ~10%."""
    t = np.arange(n_frames) / fps
    ramp = np.clip(t / rng.uniform(0.3, 0.9), 0.0, 1.0)
    start = rng.uniform(0.55, 0.9)
    return (start + (1.0 - start) * ramp) * (1.0 + 0.1 * smooth_noise(n_frames, fps, rng, 0.8))


def _speech_activity(phonemes: tuple[PhonemeSpan, ...], n_frames: int, fps: float) -> np.ndarray:
    """(T,) in [0, 1]: 1 while speaking, easing to 0 over ~0.15 s in pauses."""
    t = np.arange(n_frames) / fps
    active = np.zeros(n_frames)
    for p in phonemes:
        if not p.phoneme.startswith("_"):
            active[(t >= p.start_s) & (t < p.end_s)] = 1.0
    return np.clip(gaussian_filter1d(active, sigma=0.08 * fps, mode="nearest") * 1.6, 0.0, 1.0)


def render_clip(spec: ClipSpec, config: RenderConfig = RenderConfig()) -> RenderedClip:
    """Speech + motion for one clip (deterministic in `spec.seed`)."""
    rng = np.random.default_rng(list(spec.seed))
    style = sample_style(spec.emotion, spec.intensity, rng, config.basis)
    v = spec.voice
    prosody = Prosody(rate_wpm=int(np.clip(round(v.rate_wpm * style.rate_factor * rng.uniform(0.95, 1.05)), 80, 450)),
                      pitch=int(np.clip(v.pitch + style.pitch + rng.integers(-3, 4), 0, 100)),
                      pitch_range=int(np.clip(50 + style.pitch_range + rng.integers(-8, 9), 0, 100)),
                      volume=int(np.clip(100 + style.volume, 10, 200)))
    synth = synthesize_for(v, spec.text, style, prosody, rng)
    speech = voice_effects(synth.samples, synth.sample_rate, style, rng)

    speed = float(rng.uniform(*config.speed)) if rng.random() < config.p_speed else 1.0
    speech = resample(speech, int(round(synth.sample_rate * speed)), config.sample_rate)  # (S_speech,)
    lead = float(rng.uniform(*config.lead_s))
    hop = int(config.sample_rate / config.fps)
    lead_n = int(round(lead * config.sample_rate))
    total = lead_n + len(speech) + int(rng.uniform(*config.tail_s) * config.sample_rate)
    n_frames = math.ceil(total / hop)
    clean = np.zeros(n_frames * hop, dtype=np.float32)  # (T * hop,)
    clean[lead_n:lead_n + len(speech)] = speech
    offset = lead_n / config.sample_rate
    phonemes = tuple(replace(p, start_s=offset + p.start_s / speed, end_s=offset + p.end_s / speed)
                     for p in synth.phonemes)

    loudness = frame_loudness(clean, config.sample_rate, n_frames, config.fps)
    natural = natural_motion(n_frames, config.fps, rng, blink_per_min=style.blink_per_min, loudness=loudness,
                             accent_component=style.accent_component, accent=style.accent)
    envelope = _emotion_envelope(n_frames, config.fps, rng)  # (T,)
    activity = _speech_activity(phonemes, n_frames, config.fps)  # (T,)

    def face(gain: float, expression: np.ndarray, jaw_offset: float) -> tuple[np.ndarray, np.ndarray]:
        art = articulate(phonemes, n_frames=n_frames, fps=config.fps, samples=clean,
                         sample_rate=config.sample_rate, gain=gain)
        return compose_face(art.semantic, art.jaw, natural.exp, natural.blink, expression, jaw_offset,
                            envelope, activity, config.basis)

    exp, jaw = face(style.articulation_gain, style.expression, style.jaw_offset)
    alt_exp = alt_jaw = None
    if config.alt_emotions:  # the same clip with each emotion at full strength: the override's targets
        alts = [face(1.0 + STYLES[e].articulation_gain, full_expression(e, config.basis), STYLES[e].jaw_offset)
                for e in EMOTIONS]
        alt_exp = np.stack([a[0] for a in alts])  # (E, T, 50)
        alt_jaw = np.stack([a[1] for a in alts])  # (E, T, 3)

    augmented = rng.random() < config.p_augment
    audio = augment(clean, config.sample_rate, rng, config.augment) if augmented else clean
    return RenderedClip(audio=audio.astype(np.float32), exp=exp, jaw=jaw,
                        visemes=frame_visemes(phonemes, n_frames, config.fps), phonemes=phonemes,
                        style=style, speed=speed, augmented=augmented, alt_exp=alt_exp, alt_jaw=alt_jaw)


def compose_face(semantic: np.ndarray, jaw: np.ndarray, natural: np.ndarray, blink: np.ndarray,
                 expression: np.ndarray, jaw_offset: float, envelope: np.ndarray, activity: np.ndarray,
                 basis: str) -> tuple[np.ndarray, np.ndarray]:
    """Articulation + natural motion (semantic channels) and an emotion face (in `basis`) -> the
    clip's `exp (T, 50)` in `basis` and `jaw (T, 3)`."""
    semantic = semantic + natural  # (T, 52)
    semantic[:, SEMANTIC_INDEX["eyes_wide"]] *= 1.0 - blink
    exp = project(semantic, basis)  # (T, 50)
    emotion = expression[None, :] * envelope[:, None]  # (T, 50)
    emotion[:, list(MOUTH_OPEN[basis])] *= activity[:, None]  # the mouth rests closed in silence
    emotion[:, list(EYES_WIDE[basis])] *= (1.0 - blink)[:, None]
    exp = exp + emotion
    lids = list(BLINKS[basis])
    exp[:, lids] = np.minimum(exp[:, lids], 1.0)
    jaw = jaw.copy()  # (T, 3)
    jaw[:, 0] += jaw_offset * envelope * activity
    jaw[:, 0] = np.clip(jaw[:, 0], 0.0, 0.35)  # realistic widest opening
    return np.clip(exp, -1.5, 1.5).astype(np.float32), jaw.astype(np.float32)
