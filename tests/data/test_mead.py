"""MEAD 156-column FLAME files and the importer, on files the test writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from deeptalk.data.clipfile import load_clip
from deeptalk.data.manifest import read_dataset
from deeptalk.data.mead import (MEAD_EMOTIONS, MeadError, MeadKey, import_mead, parse_mead_path, read_mead_params,
                                smooth_motion)
from deeptalk.train.clipbank import ClipBank


def table(frames: int) -> np.ndarray:
    """Column j of frame t holds j + t / 1000, so every slice is recognisable."""
    return np.arange(156)[None, :] + np.arange(frames)[:, None] / 1000.0  # (T, 156)


def test_reads_expression_and_jaw_columns(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", table(12))
    np.savetxt(tmp_path / "b.txt", table(12))
    np.savetxt(tmp_path / "c.csv", table(12), delimiter=",")
    for name in ("a.npy", "b.txt", "c.csv"):
        exp, jaw = read_mead_params(tmp_path / name)
        assert exp.shape == (12, 50) and jaw.shape == (12, 3) and exp.dtype == np.float32
        np.testing.assert_allclose(exp[3], np.arange(50) + 0.003, rtol=1e-6)
        np.testing.assert_allclose(jaw[5], [53.005, 54.005, 55.005], rtol=1e-6)  # not the global rotation 50:53


def test_rejects_bad_tables(tmp_path: Path) -> None:
    np.save(tmp_path / "narrow.npy", np.zeros((10, 155)))
    bad = table(4)
    bad[2, 7] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    (tmp_path / "text.txt").write_text("hello world\n")
    for name in ("narrow.npy", "nan.npy", "text.txt", "missing.npy"):
        with pytest.raises(MeadError):
            read_mead_params(tmp_path / name)


def test_parse_paths() -> None:
    expected = MeadKey("M003", "angry", 1, 1)
    for path in ("M003/front/angry/level_1/001.npy", "M003/audio/angry/level_1/001.wav",
                 "M003_front_angry_level_1_001.npy", "m003/Angry/level-1/001.flac"):
        assert parse_mead_path(path) == expected, path
    assert parse_mead_path("W040/video/surprised/level_3/027.npy") == MeadKey("W040", "surprised", 3, 27)
    assert parse_mead_path("notes/readme.txt") is None


def test_import_mead(tmp_path: Path) -> None:
    params, audio = tmp_path / "params", tmp_path / "audio"
    clips = [("M003", "happy", 2, 1), ("M003", "contempt", 1, 4), ("W033", "sad", 3, 2), ("M037", "neutral", 1, 9)]
    for actor, emotion, level, take in clips:
        folder = params / actor / "front" / emotion / f"level_{level}"
        folder.mkdir(parents=True)
        params_table = table(60)  # 2 s at 30 fps
        params_table[:, 53:56] = np.stack([0.1 + np.arange(60) / 1000, np.zeros(60), np.zeros(60)], axis=1)
        np.save(folder / f"{take:03d}.npy", params_table)
        wav = audio / actor / "audio" / emotion / f"level_{level}"
        wav.mkdir(parents=True)
        sf.write(str(wav / f"{take:03d}.wav"), np.zeros((96000, 2)) + 0.1, 48000)
    orphan = params / "M005" / "front" / "fear" / "level_1"
    orphan.mkdir(parents=True)
    np.save(orphan / "001.npy", table(30))  # no audio: skipped

    out = tmp_path / "dataset"
    info = import_mead(params, audio, out, params_fps=30.0)
    assert info.emotions == MEAD_EMOTIONS and info.emotions[:5] == ("neutral", "happy", "sad", "angry", "surprised")
    _, records = read_dataset(out)
    assert {r.id for r in records} == {"M003_happy_level2_001", "M003_contempt_level1_004", "W033_sad_level3_002",
                                       "M037_neutral_level1_009"}
    assert {r.speaker: r.split for r in records} == {"M003": "train", "W033": "val", "M037": "test"}
    clip = load_clip(out / "clips" / "M003_happy_level2_001.npz")
    assert clip.fps == 25.0 and clip.frames == 50 and clip.intensity == 2 and clip.speaker == "M003"
    assert clip.emotion == MEAD_EMOTIONS.index("happy")
    np.testing.assert_allclose(clip.exp[0], np.arange(50), atol=1e-5)
    np.testing.assert_allclose(clip.jaw[:, 0], 0.1 + np.arange(50) * (30 / 25) / 1000, atol=1e-5)
    np.testing.assert_allclose(clip.exp[:, 7], 7 + np.arange(50) * (30 / 25) / 1000, atol=1e-5)
    assert sf.info(str(out / "clips" / "M003_happy_level2_001.wav")).samplerate == 16000
    bank = ClipBank.load(out, ("train", "val", "test"))
    assert len(bank) == 4 and bank.speakers == ("M003",)
    with pytest.raises(MeadError):
        import_mead(tmp_path / "audio", audio, tmp_path / "nothing")


def test_smoothing() -> None:
    t = np.arange(100, dtype=np.float32)
    ramp = np.stack([t, t**2 / 100], axis=1)
    np.testing.assert_allclose(smooth_motion(ramp), ramp, atol=1e-3)  # order-2 polynomials pass through
    noisy = ramp + np.random.default_rng(0).standard_normal(ramp.shape).astype(np.float32)
    assert np.abs(smooth_motion(noisy) - ramp).mean() < 0.8 * np.abs(noisy - ramp).mean()
    assert smooth_motion(ramp[:3]).shape == (3, 2)
