"""What the subprocess engines (festival, flite) share: running them, reading WAVs, building spans.

Each engine writes a RIFF WAV and phone end times; `spans_from_ends` turns
`(phone, end_s, word)` marks into `PhonemeSpan`s in espeak-ng mnemonics, clipped to
the audio (diphone voices end their audio in the middle of the final pause, so the
last span ends where the samples do).
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path
from typing import Callable

import numpy as np

from deeptalk.corpus.cmu_phones import espeak_phone
from deeptalk.corpus.phonemes import PhonemeSpan

ENGINE_TIMEOUT_S = 60.0


class EngineError(RuntimeError):
    """A synthesis engine is missing or failed."""


def require(executable: str, package: str) -> str:
    """Path of `executable`, or one clear error naming the Debian package to install."""
    path = shutil.which(executable)
    if path is None:
        raise EngineError(f"{executable} is not installed; install the Debian package `{package}` "
                          f"(or run `python3 build_addon.py setup` as root)")
    return path


def run_engine(args: list[str], *, cwd: str) -> str:
    """Run an engine (argument list, no shell) in `cwd`; its stdout, or EngineError with stderr's tail."""
    try:
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=ENGINE_TIMEOUT_S,
                              env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    except subprocess.TimeoutExpired:
        raise EngineError(f"{Path(args[0]).name} took longer than {ENGINE_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        raise EngineError(f"{Path(args[0]).name} failed (exit {done.returncode}): {done.stderr.strip()[-300:]}")
    return done.stdout


def read_wav_int16(path: str | Path) -> tuple[np.ndarray, int]:
    """(S,) float32 in [-1, 1] and the sample rate of a mono 16-bit WAV."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise EngineError(f"{path}: expected mono 16-bit audio")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return (pcm.astype(np.float32) / 32768.0), int(w.getframerate())


def spans_from_ends(marks: list[tuple[str, float, int]], duration_s: float,
                    to_espeak: Callable[[str], str] = espeak_phone) -> tuple[PhonemeSpan, ...]:
    """(phone, end time s, word index) in order -> spans in espeak-ng mnemonics, within [0, duration].
    `to_espeak` reads the engine's phone set (CMU by default)."""
    spans = []
    start = 0.0
    for phone, end, word in marks:
        end = min(max(end, start), duration_s)
        if end > start:
            spans.append(PhonemeSpan(phoneme=to_espeak(phone), start_s=start, end_s=end, word=word))
        start = end
    return tuple(spans)


NOMINAL_RATE_WPM = 165  # espeak-ng rate that means "the engine's own speed"
SEMITONES_PER_PITCH_STEP = 0.15  # espeak-ng pitch 0..100 -> about +-7.5 semitones around 50


def prosody_controls(rate_wpm: int, pitch: int, pitch_range: int) -> tuple[float, float, float]:
    """espeak-ng prosody units -> (duration stretch, f0 shift in semitones, f0 range factor)."""
    stretch = float(np.clip(NOMINAL_RATE_WPM / rate_wpm, 0.5, 2.0))
    semitones = (pitch - 50) * SEMITONES_PER_PITCH_STEP
    return stretch, semitones, float(np.clip(pitch_range / 50.0, 0.0, 2.0))
