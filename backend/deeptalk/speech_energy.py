"""Per-frame speech energy of a clip, for the add-on's idle layer (blinks in pauses, head motion).

Frame `i` (time `i / fps`) gets the RMS of the 16 kHz audio in `[i - 0.5, i + 0.5) / fps`,
in dB, mapped linearly from (the clip's loud level - 40 dB) -> 0 to the loud level -> 1.
The loud level is the 99th percentile of the frames' dB (one click cannot set it); a clip
quieter than -70 dBFS throughout is all 0. The audio is read in windows (flat memory).
"""

from __future__ import annotations

import numpy as np

from deeptalk.audio_source import SAMPLE_RATE, AudioSource

RANGE_DB = 40.0
SILENT_DBFS = -70.0
_BLOCK_FRAMES = 1500  # frames measured per read


def frame_energy(source: AudioSource, *, fps: float, frames: int) -> np.ndarray:
    """(frames,) float32 speech energy in [0, 1] at `fps`."""
    if frames < 1:
        return np.zeros(0, np.float32)
    hop = SAMPLE_RATE / fps
    edges = np.clip(np.round((np.arange(frames + 1) - 0.5) * hop).astype(np.int64), 0, None)  # (frames + 1,)
    edges[-1] = max(edges[-1], edges[-2] + 1)
    level = np.empty(frames, np.float64)
    for a in range(0, frames, _BLOCK_FRAMES):
        b = min(frames, a + _BLOCK_FRAMES)
        start, stop = int(edges[a]), int(edges[b])
        samples = source.read(start, max(stop, start + 1)).astype(np.float64)
        power = np.concatenate([[0.0], np.cumsum(samples ** 2)])  # (n + 1,)
        lo, hi = edges[a:b] - start, np.maximum(edges[a + 1:b + 1] - start, edges[a:b] - start + 1)
        mean = (power[hi] - power[lo]) / (hi - lo)
        level[a:b] = 10.0 * np.log10(np.maximum(mean, 1e-16))
    top = float(np.percentile(level, 99))
    if top < SILENT_DBFS:
        return np.zeros(frames, np.float32)
    return np.clip((level - (top - RANGE_DB)) / RANGE_DB, 0.0, 1.0).astype(np.float32)
