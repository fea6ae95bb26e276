"""The idle layer's motion generator (pure numpy): blink rate and shape, gaze, head, seeds."""

from __future__ import annotations

import numpy as np
import pytest

from blender_addon import idle_motion as im

FPS = 25.0


def speech_then_pause(seconds_speech: float = 10.0, seconds_pause: float = 10.0) -> np.ndarray:
    """(N,) energy: syllable-like bursts, then silence."""
    n_speech, n_pause = int(seconds_speech * FPS), int(seconds_pause * FPS)
    bursts = 0.5 + 0.5 * np.sin(np.arange(n_speech) * 2 * np.pi * 4 / FPS)  # 4 syllables a second
    return np.concatenate([bursts, np.zeros(n_pause)])


def rates(events, split: int, n: int) -> tuple[float, float]:
    speech = sum(1 for e in events if e.closed < split)
    return speech / (split / FPS) * 60, (len(events) - speech) / ((n - split) / FPS) * 60


def test_voice_activity_bridges_syllables_but_not_pauses():
    energy = speech_then_pause(4.0, 4.0)
    activity = im.voice_activity(energy, FPS)
    assert activity[10:90].min() > 0.9  # between syllables: still speech
    assert activity[120:].max() < 0.05  # 0.8 s into the pause: pause
    assert np.all(im.voice_activity(np.zeros(50), FPS) == 0)


def test_blink_rate_is_natural_and_higher_in_pauses():
    energy = speech_then_pause()
    n = len(energy)
    activity = im.voice_activity(energy, FPS)
    per_seed = [rates(im.blinks(n, FPS, activity, im.layer_rng(seed, "blinks")), n // 2, n) for seed in range(60)]
    speech, pause = np.mean(per_seed, axis=0)
    assert 8 <= speech <= 16 and 20 <= pause <= 32, (speech, pause)
    assert 14 <= (speech + pause) / 2 <= 21  # ~15-20 a minute overall
    total = [len(im.blinks(500, FPS, np.full(500, 0.5), im.layer_rng(s, "blinks"))) * 3 for s in range(40)]
    assert min(total) >= 3 and max(total) <= 45  # no seed is absurd


def test_blink_shape_fast_close_slow_open_closed_on_a_frame():
    events = [e for s in range(20) for e in im.blinks(500, FPS, np.zeros(500), im.layer_rng(s, "blinks"))]
    durations_ms = np.array([(e.end - e.start) / FPS * 1000 for e in events])
    assert durations_ms.min() >= 100 and durations_ms.max() <= 400
    closing = np.array([e.closed - e.start for e in events])
    opening = np.array([e.end - e.opening for e in events])
    assert np.all(opening > closing)
    assert all(float(e.closed).is_integer() and 0.9 <= e.amplitude <= 1.0 for e in events)
    keys = im.blink_keys(events[:3], 500)
    assert np.all(np.diff(keys[:, 0]) >= 0) and keys[0, 1] == 0 and keys[-1, 1] == 0
    curve = im.closure(keys, 500)
    assert curve[int(events[0].closed)] == pytest.approx(events[0].amplitude)  # the frame shows the lid shut


def test_gaze_is_conjugate_small_and_saccadic():
    rotation = np.degrees(im.gaze(750, FPS, im.layer_rng(3, "eyes")))  # (N, 3) pitch, yaw, roll axes
    assert np.abs(rotation).max() <= 13 and np.all(rotation[:, 2] == 0)
    assert 1.0 < rotation[:, 1].std() < 6.0 and 0.5 < rotation[:, 0].std() < 4.0  # horizontal wider
    jumps = int((np.abs(np.diff(rotation[:, 1])) > 0.8).sum())
    assert 8 <= jumps <= 60  # a saccade every ~0.5-3 s over 30 s
    steady = np.abs(np.diff(rotation, axis=0)).max(axis=1) < 0.8
    assert steady.mean() > 0.9  # between saccades the gaze only drifts


def test_head_follows_speech_and_stays_small_and_smooth():
    energy = speech_then_pause()
    rotation = np.degrees(im.head(len(energy), FPS, energy, im.layer_rng(1, "head")))
    half = len(energy) // 2
    assert rotation[:half].std(axis=0).sum() > 1.8 * rotation[half + 25:].std(axis=0).sum()
    assert np.abs(rotation).max() <= 5.0
    assert np.abs(np.diff(rotation, axis=0)).max() < 0.5  # degrees per frame: no jerks
    scaled = np.degrees(im.head(len(energy), FPS, energy, im.layer_rng(1, "head"), strength=0.5))
    assert np.abs(scaled).max() < np.abs(rotation).max()


def test_seeds_reproduce_and_layers_are_independent():
    energy = speech_then_pause(5, 5)
    n = len(energy)
    a = im.gaze(n, FPS, im.layer_rng(7, "eyes"))
    assert np.array_equal(a, im.gaze(n, FPS, im.layer_rng(7, "eyes")))
    assert not np.allclose(a, im.gaze(n, FPS, im.layer_rng(8, "eyes")))
    assert not np.allclose(im.head(n, FPS, energy, im.layer_rng(7, "head")),
                           im.head(n, FPS, energy, im.layer_rng(7, "eyes")))


def test_gaze_and_head_start_and_end_at_rest():
    energy = speech_then_pause(3, 1)
    for rotation in (im.gaze(100, FPS, im.layer_rng(2, "eyes")), im.head(100, FPS, energy, im.layer_rng(2, "head"))):
        assert np.all(rotation[0] == 0) and np.all(rotation[-1] == 0)
        assert np.abs(np.degrees(rotation[:3])).max() < 1.0  # eased in, no pop at the strip's start
    assert np.array_equal(im.edge_fade(5, FPS), np.zeros(5) + im.edge_fade(5, FPS)[::-1])


def test_energy_from_jaw_and_options():
    jaw = np.zeros((100, 3))
    assert np.all(im.energy_from_jaw(jaw, FPS) == 0)
    jaw[20:60, 0] = 0.2
    energy = im.energy_from_jaw(jaw, FPS)
    assert energy[40] == pytest.approx(1.0) and energy[90] == 0.0
    assert im.IdleOptions().enabled == ("blinks", "eyes", "head")
    assert im.IdleOptions(blinks=False, strength=0.0).enabled == ()
    with pytest.raises(ValueError):
        im.IdleOptions(strength=float("nan"))
