"""Animator controls on ARKit weights (and FLAME channels): strength, region gains, smoothing, key reduction.

Numpy only and no `deeptalk` imports: the Blender add-on loads this file alone and applies
the same controls the CLI does. Weights are `(T, C)` arrays of channels named by ARKit
names; every result stays in [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np


@dataclass(frozen=True)
class ArkitControls:
    """strength: every channel; mouth / brows / eyes: region gains (jaw, cheeks, nose and tongue
    count as mouth); gains: per-channel multipliers by ARKit name; smoothing_s: Gaussian sigma
    in seconds (0 = off); key_tolerance: largest allowed deviation of the reduced keys (0 = a key
    on every frame)."""

    strength: float = 1.0
    mouth: float = 1.0
    brows: float = 1.0
    eyes: float = 1.0
    gains: Mapping[str, float] = field(default_factory=dict)
    smoothing_s: float = 0.0
    key_tolerance: float = 0.0

    def __post_init__(self) -> None:
        for name in ("strength", "mouth", "brows", "eyes", "smoothing_s", "key_tolerance"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value}")
        if self.smoothing_s > 1.0 or self.key_tolerance > 0.5:
            raise ValueError("smoothing_s must be <= 1 s and key_tolerance <= 0.5")


def region_of(name: str) -> str:
    if name.startswith("brow"):
        return "brows"
    if name.startswith("eye"):
        return "eyes"
    return "mouth"


def channel_gains(names: Sequence[str], controls: ArkitControls) -> np.ndarray:
    """(C,) gain per channel: strength x region gain x per-channel gain."""
    region = {"mouth": controls.mouth, "brows": controls.brows, "eyes": controls.eyes}
    return np.array([controls.strength * region[region_of(n)] * float(controls.gains.get(n, 1.0)) for n in names])


def smooth(weights: np.ndarray, sigma_frames: float) -> np.ndarray:
    """Gaussian smoothing along time (edges held), `(T, C) -> (T, C)`."""
    weights = np.asarray(weights, dtype=np.float64)
    if sigma_frames <= 0 or len(weights) < 2:
        return weights.copy()
    radius = max(int(math.ceil(3 * sigma_frames)), 1)
    t = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (t / sigma_frames) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(weights, ((radius, radius), (0, 0)), mode="edge")  # (T + 2r, C)
    windows = np.lib.stride_tricks.sliding_window_view(padded, len(kernel), axis=0)  # (T, C, K)
    return windows @ kernel


def scale_and_smooth(values: np.ndarray, gains: np.ndarray, sigma_frames: float) -> np.ndarray:
    """Smoothed along time, then each channel times its gain (no clipping): `(T, C) -> (T, C)`."""
    return smooth(values, sigma_frames) * np.asarray(gains, dtype=np.float64)[None]


def apply_controls(weights: np.ndarray, names: Sequence[str], controls: ArkitControls, fps: float) -> np.ndarray:
    """Scaled by the gains, smoothed, clipped to [0, 1]: `(T, C) -> (T, C)`."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[1] != len(names):
        raise ValueError(f"weights must be (T, {len(names)}), got {weights.shape}")
    return np.clip(scale_and_smooth(weights, channel_gains(names, controls), controls.smoothing_s * fps), 0.0, 1.0)


def reduce_keys(values: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices of the keys to keep so linear interpolation between them stays within `tolerance`
    of every original value (first and last always kept; 0 keeps every key)."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n <= 2 or tolerance <= 0:
        return np.arange(n)
    keep = np.zeros(n, bool)
    keep[[0, n - 1]] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        t = np.arange(a, b + 1)
        line = values[a] + (values[b] - values[a]) * (t - a) / (b - a)
        error = np.abs(values[a:b + 1] - line)
        worst = int(np.argmax(error))
        if error[worst] > tolerance:
            split = a + worst
            keep[split] = True
            stack.extend(((a, split), (split, b)))
    return np.flatnonzero(keep)


def interpolation_error(values: np.ndarray, kept: np.ndarray) -> float:
    """Largest deviation of the linear interpolation through `values[kept]` from `values`."""
    values = np.asarray(values, dtype=np.float64)
    rebuilt = np.interp(np.arange(len(values)), kept, values[kept])
    return float(np.max(np.abs(rebuilt - values))) if len(values) else 0.0
