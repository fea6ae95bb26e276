"""ClipStore: loading a dataset into RAM with audio and motion frame-aligned."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from deeptalk.data.store import ClipStore, smooth_motion


def test_load_splits_speakers_and_alignment(make_dataset) -> None:
    root = make_dataset([
        {"speaker": "b", "emotion": "happy", "split": "train", "intensity": 2},
        {"speaker": "a", "emotion": "sad", "split": "train"},
        {"speaker": "c", "emotion": "neutral", "split": "val", "frames": 50},
    ])
    store = ClipStore.load(root)
    assert len(store) == 2 and store.speakers == ("a", "b")
    first = store.clips[0]
    assert first.record.id == "c000" and first.emotion == 1 and first.speaker_index == 1 and first.speaker_known
    assert first.audio.shape == (80 * 640,) and first.motion.shape == (80, 53)
    np.testing.assert_allclose(first.audio[::640], first.motion[:, 0], atol=1e-6)  # frame k <-> samples k*640..
    assert store.minutes == pytest.approx(160 / 25 / 60)
    val = ClipStore.load(root, splits=("val",))
    assert val.speakers == ("a", "b") and not val.clips[0].speaker_known and val.clips[0].speaker_index == 0
    with pytest.raises(ValueError):
        ClipStore.load(root, splits=("test",))


def test_length_mismatch_and_other_fps(make_dataset) -> None:
    root = make_dataset([{"speaker": "a", "emotion": "happy", "split": "train", "frames": 60}], fps=50.0)
    short = root / "clips" / "c000.wav"
    audio, rate = sf.read(str(short), dtype="float32")
    sf.write(str(short), audio[: 50 * 640 + 100], rate, subtype="FLOAT")  # audio 10 frames short
    clip = ClipStore.load(root).clips[0]
    assert clip.frames == 51 and clip.audio.shape == (51 * 640,)  # ceil of the audio, motion cut to match
    assert np.all(clip.audio[50 * 640 + 100:] == 0.0)  # zero padding
    np.testing.assert_allclose(clip.motion[:, 0], np.arange(51) / 1000, atol=1e-6)  # 50 fps -> 25 fps


def test_smoothing() -> None:
    t = np.arange(100, dtype=np.float32)
    ramp = np.stack([t, t**2 / 100], axis=1)
    np.testing.assert_allclose(smooth_motion(ramp), ramp, atol=1e-3)  # order-2 polynomials pass through
    noisy = ramp + np.random.default_rng(0).standard_normal(ramp.shape).astype(np.float32)
    assert np.abs(smooth_motion(noisy) - ramp).mean() < 0.8 * np.abs(noisy - ramp).mean()
    assert smooth_motion(ramp[:3]).shape == (3, 2)
