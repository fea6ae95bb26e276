"""Window datasets for the three trainers, checked against frame-coded clips."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from deeptalk.corpus.augment import AugmentConfig
from deeptalk.data.store import ClipStore
from deeptalk.data.windows import AudioMotionWindows, DEEPairs, MotionWindows


@pytest.fixture()
def store(make_dataset) -> ClipStore:
    root = make_dataset([
        {"speaker": "a", "emotion": "happy", "split": "train", "frames": 90, "intensity": 3},
        {"speaker": "b", "emotion": "sad", "split": "train", "frames": 70},
        {"speaker": "a", "emotion": "neutral", "split": "train", "frames": 20},  # too short for any window
    ])
    return ClipStore.load(root)


def test_audio_motion_windows_are_aligned(store: ClipStore) -> None:
    data = AudioMotionWindows(store, frames=32, items_per_clip=3, smooth=False)
    assert len(data) == 6
    torch.manual_seed(0)
    for i in range(len(data)):
        item = data[i]
        audio, motion = item["audio"].numpy(), item["motion"].numpy()
        assert audio.shape == (20480,) and motion.shape == (32, 53)
        np.testing.assert_allclose(audio.reshape(32, 640), np.repeat(motion[:, :1], 640, axis=1), atol=1e-6)
        assert item["emotion"].dtype == torch.long and item["speaker"].item() in (0, 1)
    batch = next(iter(DataLoader(data, batch_size=4, shuffle=True)))
    assert batch["audio"].shape == (4, 20480) and batch["motion"].shape == (4, 32, 53)


def test_motion_windows_random_and_reproducible(store: ClipStore) -> None:
    data = MotionWindows(store, frames=16, items_per_clip=50, smooth=False)
    torch.manual_seed(1)
    starts = {round(float(data[0]["motion"][0, 0]) * 1000) for _ in range(40)}
    assert len(starts) > 10 and min(starts) >= 0 and max(starts) <= 90 - 16
    torch.manual_seed(2)
    a = [data[i]["motion"] for i in range(5)]
    torch.manual_seed(2)
    b = [data[i]["motion"] for i in range(5)]
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    smooth = MotionWindows(store, frames=16)[1]["motion"]
    assert smooth.shape == (16, 53) and smooth.dtype == torch.float32
    with pytest.raises(ValueError):
        MotionWindows(store, frames=200)


def test_dee_pairs(store: ClipStore) -> None:
    data = DEEPairs(store, audio_samples=32000, motion_frames=60)
    assert len(data) == 2
    item = data[0]
    assert item["audio"].shape == (32000,) and item["motion"].shape == (60, 53)
    assert item["audio"][0].item() == pytest.approx(item["motion"][0, 0].item())  # same start time
    assert item["intensity"].item() == 3 and item["clip"].item() == 0
    loose = DEEPairs(store, audio_samples=16000, motion_frames=40, aligned=False)[1]
    assert loose["audio"].shape == (16000,) and loose["motion"].shape == (40, 53)


def test_on_the_fly_augmentation(store: ClipStore) -> None:
    config = AugmentConfig(p_noise=1.0, p_gain=0.0, p_eq=0.0, p_reverb=0.0)
    torch.manual_seed(3)
    noisy = AudioMotionWindows(store, frames=32, smooth=False, augment=config)[0]
    audio, motion = noisy["audio"].numpy().reshape(32, 640), noisy["motion"].numpy()
    assert not np.allclose(audio, motion[:, :1], atol=1e-4)  # noise was added ...
    assert np.allclose(audio.mean(axis=1), motion[:, 0], atol=0.05)  # ... around the same signal
