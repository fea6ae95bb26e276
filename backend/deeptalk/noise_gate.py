"""A noise gate in front of the content encoder: room tone between lines becomes true silence.

The content encoder normalises each window to unit variance, so a window holding only quiet
room tone (or a silence-only file with hiss) would be amplified to speech level and move the
mouth. `gate_quiet` mutes every 40 ms frame whose RMS is below `threshold_dbfs` unless a
louder frame lies within `hold_frames` of it (so quiet consonant onsets and tails survive),
with 5 ms ramps at each edge (no clicks). Digital silence, which the model keeps closed,
is what it leaves behind.
"""

from __future__ import annotations

import numpy as np

FRAME = 640  # samples per 25 fps frame at 16 kHz
RAMP = 80  # 5 ms


def gate_quiet(samples: np.ndarray, threshold_dbfs: float = -50.0, hold_frames: int = 2) -> np.ndarray:
    """(S,) float32 16 kHz -> a gated copy of the same shape."""
    x = np.asarray(samples, dtype=np.float32)
    frames = -(-len(x) // FRAME)
    if frames == 0:
        return x.copy()
    padded = np.zeros(frames * FRAME, np.float32)
    padded[: len(x)] = x
    rms = np.sqrt(np.mean(padded.reshape(frames, FRAME) ** 2, axis=1))  # (F,)
    loud = rms >= 10.0 ** (threshold_dbfs / 20.0)
    if loud.all():
        return x.copy()
    open_ = _centred(loud.astype(np.float64), np.ones(2 * hold_frames + 1)) > 0  # (F,) held open near loud frames
    gain = np.repeat(open_.astype(np.float32), FRAME)  # (F * 640,)
    gain = _centred(gain, np.ones(RAMP, np.float32) / RAMP).astype(np.float32)  # 5 ms fades at the edges
    return (padded * gain)[: len(x)]


def _centred(signal: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """`np.convolve(..., mode="same")` that keeps `signal`'s length even when the kernel is longer."""
    full = np.convolve(signal, kernel, mode="full")
    start = (len(kernel) - 1) // 2
    return full[start:start + len(signal)]
