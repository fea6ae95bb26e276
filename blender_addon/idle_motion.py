"""The idle layer's motion: blinks, gaze (saccades + drift) and speech-led head motion (numpy only).

Pure functions of (frame count, fps, speech energy, seed); no bpy. Everything is sampled on
the take's motion frames (sample i is at time i / fps) except blinks, which are events
turned into a few sparse keys each. Angles are FLAME axis-angle (Y up, Z toward the viewer,
X to the head's left), ready for `axes.flame_jaw_to_bone_quaternion` with the bone's rest.

Figures (from the eye-movement and blink literature, rounded):
- spontaneous blinks ~15-20 per minute at rest, fewer while speaking, clustered at pauses
  and just after a phrase ends; a blink lasts ~100-400 ms: the lid closes fast (~60-100 ms)
  and opens about twice as slowly;
- saccades every ~0.5-3 s in conversation, mostly under 10 degrees, horizontal larger than
  vertical, lasting ~20 ms + 2.2 ms per degree; both eyes move together; between them the
  gaze drifts slowly by well under a degree;
- a speaker's head moves a few degrees, more while talking, with small nods on stressed
  syllables.
Gaze and head fade in and out over the clip's first and last `FADE_S` seconds, so a take
starts and ends at rest (no pop where the strip begins). Each layer draws from its own
random stream of the take's seed, so switching one layer off leaves the others identical,
and the same seed gives the same motion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LAYERS: tuple[str, ...] = ("blinks", "eyes", "head")
_SALT = 0x1D1E  # separates the idle streams from the backend's use of the same seed
FADE_S = 0.4


@dataclass(frozen=True)
class IdleOptions:
    """What the user switched on; strength scales the eye and head amplitudes (not blinks)."""

    blinks: bool = True
    eyes: bool = True
    head: bool = True
    strength: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.strength) and 0.0 <= self.strength <= 4.0):
            raise ValueError(f"idle strength must be within 0..4, got {self.strength}")

    @property
    def enabled(self) -> tuple[str, ...]:
        return tuple(name for name in LAYERS if getattr(self, name) and (name == "blinks" or self.strength > 0))


@dataclass(frozen=True)
class BlinkConfig:
    speech_per_min: float = 11.0  # rate while the voice is active
    pause_per_min: float = 26.0  # rate in pauses
    regularity: float = 2.5  # gamma shape of the gaps in rate-warped time (1 = Poisson)
    min_gap_s: float = 0.8
    offset_chance: float = 0.5  # a blink 0.1-0.4 s after a phrase ends
    double_chance: float = 0.07  # a second blink right after the first
    close_s: tuple[float, float] = (0.06, 0.10)
    hold_s: tuple[float, float] = (0.02, 0.06)
    open_s: tuple[float, float] = (0.10, 0.20)
    amplitude: tuple[float, float] = (0.92, 1.0)


@dataclass(frozen=True)
class GazeConfig:
    fixation_s: float = 1.3  # mean time between saccades
    yaw_spread_deg: float = 5.0  # spread of gaze targets around looking ahead
    pitch_spread_deg: float = 2.5
    max_deg: float = 12.0
    return_chance: float = 0.35  # a saccade back to looking straight ahead
    drift_deg: float = 0.35  # slow drift between saccades (std)
    drift_s: float = 1.2


@dataclass(frozen=True)
class HeadConfig:
    pitch_deg: float = 1.5  # std while speaking; nodding axis
    yaw_deg: float = 1.5
    roll_deg: float = 0.8
    pause_fraction: float = 0.35  # amplitude in pauses relative to speech
    sway_s: float = 0.7  # smoothing of the random sway
    nod_deg: float = 1.6  # chin-down accent on loud syllable onsets
    max_deg: float = 5.0  # soft limit (tanh)


@dataclass(frozen=True)
class Blink:
    """One blink in motion samples: lid starts closing, is closed, starts opening, is open again."""

    start: float
    closed: float
    opening: float
    end: float
    amplitude: float


def layer_rng(seed: int, layer: str) -> np.random.Generator:
    """The random stream of one idle layer for a take's seed."""
    return np.random.default_rng([int(seed), _SALT, LAYERS.index(layer)])


# ---------------------------------------------------------------------------- speech


def edge_fade(frames: int, fps: float, seconds: float = FADE_S) -> np.ndarray:
    """(N,) 0 at both ends rising smoothly (smoothstep) to 1 within `seconds`."""
    ramp = max(1.0, seconds * fps)
    distance = np.minimum(np.arange(frames), frames - 1 - np.arange(frames)) / ramp  # (N,)
    t = np.clip(distance, 0.0, 1.0)
    return t * t * (3 - 2 * t)


def smooth(signal: np.ndarray, sigma_frames: float) -> np.ndarray:
    """Gaussian smoothing with edge values held (same length)."""
    x = np.asarray(signal, dtype=np.float64)
    if sigma_frames <= 0 or len(x) < 2:
        return x.copy()
    radius = int(math.ceil(3 * sigma_frames))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma_frames) ** 2)
    padded = np.concatenate([np.full(radius, x[0]), x, np.full(radius, x[-1])])
    return np.convolve(padded, kernel / kernel.sum(), mode="valid")


def energy_from_jaw(jaw: np.ndarray, fps: float) -> np.ndarray:
    """(N, 3) FLAME jaw axis-angle -> (N,) a speech-energy stand-in in [0, 1] (for files without one)."""
    opening = np.linalg.norm(np.asarray(jaw, dtype=np.float64), axis=-1)
    top = float(np.percentile(opening, 95)) if len(opening) else 0.0
    if top < 0.02:  # the mouth hardly moves: no speech
        return np.zeros(len(opening))
    return np.clip(smooth(opening, 0.04 * fps) / top, 0.0, 1.0)


def voice_activity(energy: np.ndarray, fps: float, threshold: float = 0.35, hold_s: float = 0.25) -> np.ndarray:
    """(N,) speech energy in [0, 1] -> (N,) voice activity in [0, 1]; gaps under ~2 x hold_s stay speech."""
    loud = np.asarray(energy, dtype=np.float64) > threshold
    if not loud.any():
        return np.zeros(len(loud))
    hold = max(1, int(round(hold_s * fps)))
    held = np.convolve(loud.astype(np.float64), np.ones(2 * hold + 1), mode="same") > 0
    return np.clip(smooth(held.astype(np.float64), 0.05 * fps), 0.0, 1.0)


# ---------------------------------------------------------------------------- blinks


def blinks(frames: int, fps: float, activity: np.ndarray, rng: np.random.Generator,
           config: BlinkConfig = BlinkConfig()) -> list[Blink]:
    """Blink events over `frames` samples: a renewal process whose rate follows the voice activity."""
    activity = np.asarray(activity, dtype=np.float64)
    rate = (config.speech_per_min * activity + config.pause_per_min * (1 - activity)) / 60.0 / fps  # per sample
    warped = np.concatenate([[0.0], np.cumsum(rate)])  # (N+1,) expected blinks before sample i
    times: list[float] = []
    position = warped[0] + rng.uniform(0.1, 0.9) * rng.gamma(config.regularity, 1.0 / config.regularity)
    while position < warped[-1]:
        time = float(np.interp(position, warped, np.arange(frames + 1)))
        if not times or time - times[-1] >= config.min_gap_s * fps:
            times.append(time)
        position += rng.gamma(config.regularity, 1.0 / config.regularity)
    speaking = activity > 0.5
    for end in np.flatnonzero(speaking[:-1] & ~speaking[1:]) + 1:  # phrase ends
        if rng.random() < config.offset_chance:
            time = end + rng.uniform(0.1, 0.4) * fps
            if time < frames and all(abs(time - t) >= config.min_gap_s * fps for t in times):
                times.append(float(time))
    times.sort()
    events = []
    for time in times:
        events.append(_blink_at(time, fps, rng, config))
        if rng.random() < config.double_chance:
            events.append(_blink_at(events[-1].end + rng.uniform(0.03, 0.08) * fps, fps, rng, config))
    return [e for e in events if e.end <= frames - 1 and e.start >= 0]


def _blink_at(time: float, fps: float, rng: np.random.Generator, config: BlinkConfig) -> Blink:
    close, hold, open_ = (rng.uniform(*config.close_s) * fps, rng.uniform(*config.hold_s) * fps,
                          rng.uniform(*config.open_s) * fps)
    closed = float(math.ceil(time + close))  # fully closed on a whole frame, so every render of it shows it
    return Blink(start=closed - close, closed=closed, opening=closed + hold, end=closed + hold + open_,
                 amplitude=float(rng.uniform(*config.amplitude)))


def blink_keys(events: list[Blink], frames: int) -> np.ndarray:
    """(K, 2) (sample, closure) keys: zero at both clip ends and four keys per blink."""
    keys = [(0.0, 0.0)]
    for e in events:
        keys += [(e.start, 0.0), (e.closed, e.amplitude), (e.opening, e.amplitude), (e.end, 0.0)]
    keys.append((float(max(frames - 1, keys[-1][0] + 1e-3)), 0.0))
    return np.asarray(keys, dtype=np.float64)


def closure(keys: np.ndarray, frames: int) -> np.ndarray:
    """(N,) lid closure on whole samples from `blink_keys` (linear between keys, as they are baked)."""
    return np.interp(np.arange(frames, dtype=np.float64), keys[:, 0], keys[:, 1])


# ---------------------------------------------------------------------------- eyes


def gaze(frames: int, fps: float, rng: np.random.Generator, strength: float = 1.0,
         config: GazeConfig = GazeConfig()) -> np.ndarray:
    """(N, 3) FLAME eye axis-angle shared by both eyes: fixations joined by saccades, plus drift."""
    yaw = np.zeros(frames)
    pitch = np.zeros(frames)
    target = np.zeros(2)  # (yaw, pitch) degrees; + yaw = head's left, + pitch = up
    time = rng.uniform(0.2, 1.0) * config.fixation_s * fps
    previous = 0.0
    while True:
        start = int(math.ceil(previous))
        stop = min(frames, int(math.ceil(time)))
        yaw[start:stop], pitch[start:stop] = target
        if stop >= frames:
            break
        if rng.random() < config.return_chance:
            new = rng.normal(0.0, 0.8, size=2)
        else:
            new = 0.4 * target + rng.normal(0.0, 1.0, size=2) * (config.yaw_spread_deg, config.pitch_spread_deg)
        target = np.clip(new, -config.max_deg, config.max_deg)
        previous = time
        time += max(0.25, rng.gamma(2.0, config.fixation_s / 2.0)) * fps
    drift = np.stack([smooth(rng.standard_normal(frames), config.drift_s * fps) for _ in range(2)], -1)
    drift *= config.drift_deg / max(float(drift.std()), 1e-9) if frames > 1 else 0.0
    fade = edge_fade(frames, fps)[:, None]
    angles = np.radians(np.stack([yaw, pitch], -1) + drift) * strength * fade  # (N, 2)
    return np.stack([-angles[:, 1], angles[:, 0], np.zeros(frames)], -1)  # looking up = -X rotation


# ---------------------------------------------------------------------------- head


def head(frames: int, fps: float, energy: np.ndarray, rng: np.random.Generator, strength: float = 1.0,
         config: HeadConfig = HeadConfig()) -> np.ndarray:
    """(N, 3) FLAME neck axis-angle: smooth sway scaled by the speech envelope, nods on loud onsets."""
    energy = np.asarray(energy, dtype=np.float64)
    envelope = smooth(energy, 0.4 * fps)
    envelope = envelope / max(float(envelope.max()), 1e-6) if envelope.size and envelope.max() > 0.05 else \
        np.zeros(frames)
    gain = config.pause_fraction + (1.0 - config.pause_fraction) * envelope  # (N,)
    sway = []
    for amplitude in (config.pitch_deg, config.yaw_deg, config.roll_deg):
        noise = smooth(rng.standard_normal(frames + 1), config.sway_s * fps)[:frames]
        sway.append(amplitude * noise / max(float(noise.std()), 1e-9) if frames > 1 else np.zeros(frames))
    onsets = np.clip(np.diff(smooth(energy, 0.05 * fps), prepend=energy[:1]) * fps * 0.1, 0.0, 1.0)
    nod = config.nod_deg * smooth(onsets * rng.uniform(0.5, 1.0, size=frames), 0.12 * fps) * 4.0
    degrees = np.stack([sway[0] * gain + nod, sway[1] * gain, sway[2] * gain], -1)  # (N, 3) pitch, yaw, roll
    degrees = np.stack([smooth(column, 0.06 * fps) for column in degrees.T], -1)
    degrees = config.max_deg * np.tanh(degrees * strength / config.max_deg) * edge_fade(frames, fps)[:, None]
    return np.radians(degrees)  # + X = chin down
