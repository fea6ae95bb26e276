"""ClipBank: a dataset loaded into RAM with audio and motion frame-aligned, and its windows."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from deeptalk.train.clipbank import IGNORE, ClipBank


def test_load_splits_speakers_and_alignment(make_dataset) -> None:
    root = make_dataset([
        {"speaker": "b", "emotion": "happy", "split": "train", "intensity": 2},
        {"speaker": "a", "emotion": "sad", "split": "train"},
        {"speaker": "c", "emotion": "neutral", "split": "val", "frames": 50},
    ])
    bank = ClipBank.load(root, ("train",))
    assert len(bank) == 2 and bank.speakers == ("a", "b") and bank.emotions == ("neutral", "happy", "sad")
    first = bank.clips[0]
    assert first.id == "c000" and first.emotion == 1 and first.intensity == 2 and first.speaker == 1
    assert first.audio.shape == (80 * 640,) and first.motion.shape == (80, 53)
    np.testing.assert_allclose(first.audio[::640], first.motion[:, 0], atol=1e-6)  # frame k <-> samples k*640..
    val = ClipBank.load(root, ("val",), speakers=bank.speakers)
    assert val.speakers == ("a", "b") and val.clips[0].speaker == 0  # an unseen speaker gets style 0
    with pytest.raises(ValueError, match="no clips"):
        ClipBank.load(root, ("test",))


def test_other_fps_is_resampled_and_lengths_cut_to_match(make_dataset) -> None:
    root = make_dataset([{"speaker": "a", "emotion": "happy", "split": "train", "frames": 60}], fps=50.0)
    short = root / "clips" / "c000.wav"
    audio, rate = sf.read(str(short), dtype="float32")
    sf.write(str(short), audio[: 50 * 640 + 100], rate, subtype="FLOAT")  # audio 10 frames short
    clip = ClipBank.load(root, ("train",)).clips[0]
    assert clip.motion.shape == (50, 53) and clip.audio.shape == (50 * 640,)  # the shorter of the two
    np.testing.assert_allclose(clip.motion[:, 0], np.arange(50) / 1000, atol=1e-6)  # 50 fps -> 25 fps
    assert (clip.visemes == IGNORE).all()  # labels do not survive resampling


def test_channel_scale_is_the_floored_std_of_every_frame(make_dataset) -> None:
    root = make_dataset([{"speaker": "a", "emotion": "happy", "split": "train"},
                         {"speaker": "b", "emotion": "sad", "split": "train", "frames": 20}])
    bank = ClipBank.load(root, ("train",))
    scale = bank.channel_scale()
    std = torch.from_numpy(bank.all_frames()).std(0)
    assert scale.shape == (53,) and bool((scale >= std - 1e-7).all())
    floor = 0.25 * float(std.median())
    moving = std > floor
    torch.testing.assert_close(scale[moving], std[moving])
    assert bool((scale[~moving] == max(1e-3, floor)).all())


def test_windows_are_aligned_and_reproducible(make_dataset) -> None:
    root = make_dataset([{"speaker": "a", "emotion": "happy", "split": "train"},
                         {"speaker": "b", "emotion": "sad", "split": "train", "frames": 20}])
    bank = ClipBank.load(root, ("train",))
    one = bank.windows(batch_size=6, frames=32, generator=torch.Generator().manual_seed(3))
    two = bank.windows(batch_size=6, frames=32, generator=torch.Generator().manual_seed(3))
    assert torch.equal(one.audio, two.audio) and torch.equal(one.motion, two.motion)
    for row in range(6):
        if one.clip_index[row] == 0:  # a long clip: audio frame k carries motion frame k's value
            np.testing.assert_allclose(one.audio[row, ::640].numpy(), one.motion[row, :, 0].numpy(), atol=1e-6)
        else:  # a 20-frame clip in a 32-frame window: last frame repeated, silence after the audio
            assert torch.equal(one.motion[row, 20:], one.motion[row, 19:20].expand(12, -1))
            assert (one.audio[row, 20 * 640:] == 0).all()
