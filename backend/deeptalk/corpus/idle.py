"""Natural, partly unpredictable face motion: blinks, brow and smile drift, accents on loud syllables.

These give the corpus the variation that real faces have and speech only partly
explains: blinks come from a random renewal process, slow drifts are smoothed noise,
and brow accents follow loud (stressed) syllables with a random strength, so a model
can learn some of it from audio and must treat the rest as uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from deeptalk.corpus.basis_map import SEMANTIC_DIM, SEMANTIC_INDEX

_GRID_HZ = 200.0
# (component, std of its slow drift); detail_30..49 add a faint texture
DRIFTS: tuple[tuple[str, float], ...] = (
    ("brow_raise", 0.06), ("inner_brow_raise", 0.03), ("smile", 0.05), ("smile_left", 0.02),
    ("smile_right", 0.02), ("brow_raise_left", 0.02), ("brow_raise_right", 0.02), ("cheek_squint", 0.02),
    ("eyes_wide", 0.03), ("mouth_left", 0.012), ("mouth_right", 0.012), ("dimple", 0.02),
    *((f"detail_{i:02d}", 0.015) for i in range(30, 50)),
)


@dataclass(frozen=True)
class NaturalMotion:
    exp: np.ndarray  # (T, 52) offsets in the corpus's semantic channels (`corpus.basis_map`)
    blink: np.ndarray  # (T,) eyelid closure in [0, 1]


def blink_track(n_frames: int, fps: float, rng: np.random.Generator, per_minute: float) -> np.ndarray:
    """(T,) lid closure: blinks at gamma-distributed intervals, each ~0.2-0.3 s, box-averaged per frame."""
    duration = n_frames / fps
    grid = np.arange(int(duration * _GRID_HZ) + 1) / _GRID_HZ  # (G,)
    closure = np.zeros_like(grid)
    mean_gap = 60.0 / max(per_minute, 1e-3)
    t = rng.uniform(0.1, 1.0) * mean_gap
    while t < duration:
        repeats = 2 if rng.random() < 0.08 else 1
        for r in range(repeats):
            start = t + r * 0.32
            close, hold, open_ = rng.uniform(0.06, 0.09), rng.uniform(0.02, 0.05), rng.uniform(0.1, 0.16)
            amp = rng.uniform(0.85, 1.0)
            rise = np.clip((grid - start) / close, 0, 1)
            fall = np.clip(1 - (grid - start - close - hold) / open_, 0, 1)
            closure = np.maximum(closure, amp * np.minimum(rise, fall) * (grid >= start))
        t += max(0.5, rng.gamma(2.5, mean_gap / 2.5))
    index = np.minimum((grid * fps + 0.5).astype(np.int64), n_frames - 1)  # frame k covers k/fps +- 0.5/fps
    sums = np.bincount(index, weights=closure, minlength=n_frames)
    counts = np.maximum(np.bincount(index, minlength=n_frames), 1)
    return (sums / counts).astype(np.float32)


def smooth_noise(n_frames: int, fps: float, rng: np.random.Generator, scale_s: float) -> np.ndarray:
    """(T,) unit-variance noise smoothed over ~`scale_s` seconds."""
    pad = int(3 * scale_s * fps) + 1
    raw = gaussian_filter1d(rng.standard_normal(n_frames + 2 * pad), sigma=scale_s * fps)[pad:pad + n_frames]
    return (raw / max(float(raw.std()), 1e-6)).astype(np.float32) if n_frames > 1 else np.zeros(n_frames, np.float32)


def accent_track(loudness: np.ndarray, fps: float) -> np.ndarray:
    """(T,) in [0, 1]: how much each frame is a loud (stressed) moment, smoothed over ~80 ms."""
    peaks = np.clip((loudness - 0.65) / 0.35, 0.0, 1.0)
    return np.clip(gaussian_filter1d(peaks, sigma=0.08 * fps, mode="nearest") * 1.5, 0, 1).astype(np.float32)


def natural_motion(n_frames: int, fps: float, rng: np.random.Generator, *, blink_per_min: float,
                   loudness: np.ndarray | None = None, accent_component: int = SEMANTIC_INDEX["brow_raise"],
                   accent: float = 0.0) -> NaturalMotion:
    """Blinks + slow drifts + audio-driven accents for one clip.

    loudness: (T,) per-frame loudness in [0, 1] (see `frame_loudness`); drives the accents.
    """
    exp = np.zeros((n_frames, SEMANTIC_DIM), dtype=np.float32)  # (T, 52)
    for name, std in DRIFTS:
        exp[:, SEMANTIC_INDEX[name]] += std * rng.uniform(0.5, 1.5) * smooth_noise(
            n_frames, fps, rng, rng.uniform(0.4, 1.2))
    if loudness is not None and accent != 0.0:
        exp[:, accent_component] += accent * accent_track(np.asarray(loudness, np.float32), fps)
    blink = blink_track(n_frames, fps, rng, blink_per_min)
    exp[:, SEMANTIC_INDEX["eyes_close"]] += blink
    return NaturalMotion(exp=exp, blink=blink)


def frame_loudness(samples: np.ndarray, sample_rate: int, n_frames: int, fps: float) -> np.ndarray:
    """(T,) loudness in [0, 1]: frame RMS in dB mapped from (clip max - 40 dB, clip max)."""
    hop = sample_rate / fps
    out = np.zeros(n_frames, dtype=np.float32)
    for k in range(n_frames):
        a, b = int(max(0, (k - 0.5) * hop)), int((k + 0.5) * hop)
        chunk = samples[a:b]
        out[k] = 20 * np.log10(max(float(np.sqrt(np.mean(np.square(chunk, dtype=np.float64)))), 1e-8)) \
            if len(chunk) else -160.0
    top = float(out.max()) if n_frames else 0.0
    return np.clip((out - (top - 40.0)) / 40.0, 0.0, 1.0).astype(np.float32)
