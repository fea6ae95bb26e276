"""Per-frame speech energy: loud frames near 1, silence 0, frame times, windowed reads, silent clips."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.audio_source import SAMPLE_RATE, ArraySource
from deeptalk.motion_resample import frame_count
from deeptalk.speech_energy import frame_energy


def test_loud_is_one_quiet_is_zero_and_frames_line_up() -> None:
    rng = np.random.default_rng(0)
    audio = np.zeros(3 * SAMPLE_RATE, np.float32)
    audio[SAMPLE_RATE:2 * SAMPLE_RATE] = 0.1 * rng.standard_normal(SAMPLE_RATE)  # speech-loud second 1..2
    audio[2 * SAMPLE_RATE:] = 0.003 * rng.standard_normal(SAMPLE_RATE)  # ~-30 dB under it
    energy = frame_energy(ArraySource(audio), fps=30.0, frames=frame_count(3.0, 30.0))
    assert energy.shape == (90,) and energy.dtype == np.float32
    assert energy[:29].max() == 0.0 and energy[31:59].min() > 0.95
    assert 0.1 < float(np.median(energy[62:])) < 0.4  # 30 dB down of a 40 dB range
    assert 0.88 < energy[30] < 0.96  # frame 30 (t = 1 s) straddles the onset: half the power, -3 dB


def test_reads_in_blocks_match_one_read() -> None:
    audio = (0.2 * np.sin(np.arange(70 * SAMPLE_RATE) / 40.0) * (np.arange(70 * SAMPLE_RATE) % 9000 > 3000))
    source = ArraySource(audio.astype(np.float32))
    energy = frame_energy(source, fps=25.0, frames=1750)  # > one 1500-frame block
    assert energy.shape == (1750,) and np.isfinite(energy).all()
    again = frame_energy(ArraySource(audio[:40 * SAMPLE_RATE].astype(np.float32)), fps=25.0, frames=1000)
    assert np.allclose(energy[:1000], again, atol=0.02)  # same normalisation level, same frames


@pytest.mark.parametrize("audio", [np.zeros(SAMPLE_RATE, np.float32), np.full(SAMPLE_RATE, 1e-5, np.float32)])
def test_silent_clips_are_all_zero(audio) -> None:
    assert np.all(frame_energy(ArraySource(audio), fps=24.0, frames=24) == 0)
    assert frame_energy(ArraySource(audio), fps=24.0, frames=0).shape == (0,)
