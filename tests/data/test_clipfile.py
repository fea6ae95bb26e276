"""Clip motion files: round trip, reproducible bytes, validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deeptalk.data.clipfile import ClipFileError, ClipMotion, load_clip, save_clip, write_npz


def sample_clip(frames: int = 30) -> ClipMotion:
    rng = np.random.default_rng(0)
    return ClipMotion(exp=rng.standard_normal((frames, 50)).astype(np.float32),
                      jaw=rng.standard_normal((frames, 3)).astype(np.float32) * 0.1, fps=25.0,
                      visemes=np.arange(frames) % 15, emotion=2, intensity=3, speaker="us_m1", sentence=17)


def test_round_trip_and_same_bytes(tmp_path: Path) -> None:
    clip = sample_clip()
    save_clip(tmp_path / "a.npz", clip)
    save_clip(tmp_path / "b.npz", clip)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    back = load_clip(tmp_path / "a.npz")
    assert np.array_equal(back.exp, clip.exp) and np.array_equal(back.jaw, clip.jaw)
    assert np.array_equal(back.visemes, clip.visemes) and back.visemes.dtype == np.int64
    assert (back.emotion, back.intensity, back.speaker, back.sentence, back.fps) == (2, 3, "us_m1", 17, 25.0)
    assert back.motion.shape == (30, 53) and np.array_equal(back.motion[:, 50:], clip.jaw)
    with np.load(tmp_path / "a.npz", allow_pickle=False) as plain:  # a standard npz
        assert set(plain.files) == {"exp", "jaw", "fps", "visemes", "emotion", "intensity", "speaker", "sentence"}


def test_minimal_clip_has_no_labels(tmp_path: Path) -> None:
    write_npz(tmp_path / "m.npz", {"exp": np.zeros((5, 50), np.float32), "jaw": np.zeros((5, 3), np.float32),
                                   "fps": np.asarray(30.0)})
    clip = load_clip(tmp_path / "m.npz")
    assert clip.frames == 5 and clip.fps == 30.0 and clip.emotion is None and clip.visemes is None


@pytest.mark.parametrize("arrays,match", [
    ({"exp": np.zeros((5, 50)), "jaw": np.zeros((5, 3))}, "missing"),
    ({"exp": np.zeros((5, 49)), "jaw": np.zeros((5, 3)), "fps": np.asarray(25.0)}, "need exp"),
    ({"exp": np.full((5, 50), np.nan), "jaw": np.zeros((5, 3)), "fps": np.asarray(25.0)}, "NaN"),
    ({"exp": np.zeros((5, 50)), "jaw": np.zeros((5, 3)), "fps": np.asarray(0.0)}, "fps"),
])
def test_invalid_files(tmp_path: Path, arrays: dict, match: str) -> None:
    write_npz(tmp_path / "bad.npz", arrays)
    with pytest.raises(ClipFileError, match=match):
        load_clip(tmp_path / "bad.npz")
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(ClipFileError):
        load_clip(tmp_path / "junk.npz")


def test_alternative_emotion_motion_round_trips(tmp_path) -> None:
    import numpy as np
    import pytest

    from deeptalk.data.clipfile import ClipFileError, ClipMotion, load_clip, save_clip

    exp, jaw = np.zeros((6, 50), np.float32), np.zeros((6, 3), np.float32)
    alt_exp, alt_jaw = np.ones((5, 6, 50), np.float32), np.full((5, 6, 3), 0.1, np.float32)
    save_clip(tmp_path / "c.npz", ClipMotion(exp=exp, jaw=jaw, fps=25.0, alt_exp=alt_exp, alt_jaw=alt_jaw))
    back = load_clip(tmp_path / "c.npz")
    assert back.alt_motion.shape == (5, 6, 53) and np.array_equal(back.alt_exp, alt_exp)
    with pytest.raises(ClipFileError, match="alt"):
        ClipMotion(exp=exp, jaw=jaw, fps=25.0, alt_exp=alt_exp[:, :4], alt_jaw=alt_jaw)
    with pytest.raises(ClipFileError, match="together"):
        ClipMotion(exp=exp, jaw=jaw, fps=25.0, alt_exp=alt_exp)
