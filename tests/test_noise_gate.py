"""The noise gate: room tone becomes silence, speech and its quiet edges pass untouched."""

from __future__ import annotations

import numpy as np

from deeptalk.noise_gate import FRAME, gate_quiet


def test_quiet_frames_are_muted_and_loud_ones_pass() -> None:
    rng = np.random.default_rng(0)
    hiss = (1e-3 * rng.standard_normal(50 * FRAME)).astype(np.float32)  # -60 dBFS, 2 s
    gated = gate_quiet(hiss)
    assert gated.shape == hiss.shape and np.abs(gated).max() == 0.0
    speech = hiss.copy()
    speech[20 * FRAME:30 * FRAME] += (0.1 * rng.standard_normal(10 * FRAME)).astype(np.float32)  # -20 dBFS burst
    gated = gate_quiet(speech)
    np.testing.assert_array_equal(gated[19 * FRAME:31 * FRAME], speech[19 * FRAME:31 * FRAME])  # burst + hold intact
    assert np.abs(gated[:15 * FRAME]).max() == 0.0 and np.abs(gated[35 * FRAME:]).max() == 0.0
    edge = gated[17 * FRAME - 100:18 * FRAME]  # the 5 ms fade-in at the hold's start: no step
    assert np.abs(np.diff(np.abs(edge))).max() < 0.01


def test_loud_audio_and_odd_lengths_are_returned_unchanged() -> None:
    tone = (0.3 * np.sin(np.arange(1000) / 5.0)).astype(np.float32)  # not a whole number of frames
    np.testing.assert_array_equal(gate_quiet(tone), tone)
    assert gate_quiet(np.zeros(0, np.float32)).shape == (0,)
    assert gate_quiet(np.full(300, 1e-4, np.float32), threshold_dbfs=-90.0)[0] == np.float32(1e-4)  # below -80 dB
