"""The output .npz: round trip, no pickles, atomic replace, validation."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from deeptalk.motion_io import MotionFile, MotionFileError, read_motion, write_motion
from deeptalk.protocol import PROTOCOL_VERSION


def _motion(takes: int = 2, frames: int = 30) -> MotionFile:
    rng = np.random.default_rng(0)
    return MotionFile(
        exp=rng.normal(size=(takes, frames, 50)).astype(np.float32),
        jaw=rng.normal(size=(takes, frames, 3)).astype(np.float32) * 0.1,
        fps=29.97, seeds=tuple(range(7, 7 + takes)), model_id="tiny-test", protocol=PROTOCOL_VERSION,
        duration_s=frames / 29.97, emotions=("neutral", "happy"),
        emotion_mean=rng.normal(size=16).astype(np.float32), emotion_logvar=np.zeros(16, np.float32),
        emotion_track=np.full((2, 2), 0.5, np.float32),
    )


def test_round_trip(tmp_path: Path) -> None:
    original = _motion()
    path = write_motion(tmp_path / "sub" / "out.npz", original)
    assert path == (tmp_path / "sub" / "out.npz").resolve()
    loaded = read_motion(path)
    np.testing.assert_array_equal(loaded.exp, original.exp)
    np.testing.assert_array_equal(loaded.jaw, original.jaw)
    np.testing.assert_array_equal(loaded.emotion_mean, original.emotion_mean)
    np.testing.assert_array_equal(loaded.emotion_track, original.emotion_track)
    assert (loaded.fps, loaded.seeds, loaded.model_id, loaded.protocol) == (29.97, (7, 8), "tiny-test", PROTOCOL_VERSION)
    assert loaded.emotions == ("neutral", "happy")
    assert (loaded.takes, loaded.frames) == (2, 30)


def test_file_is_plain_npz_without_pickles(tmp_path: Path) -> None:
    path = write_motion(tmp_path / "out.npz", _motion())
    with np.load(path, allow_pickle=False) as data:  # would raise on any object array
        assert data["exp"].shape == (2, 30, 50) and data["exp"].dtype == np.float32
        assert data["jaw"].shape == (2, 30, 3)
        assert float(data["fps"]) == 29.97 and data["seeds"].tolist() == [7, 8]
        assert str(data["model_id"]) == "tiny-test" and int(data["protocol"]) == PROTOCOL_VERSION
        assert all(data[k].dtype != object for k in data.files)
    assert zipfile.is_zipfile(path)


def test_atomic_replace_leaves_no_temporaries(tmp_path: Path) -> None:
    target = tmp_path / "out.npz"
    target.write_bytes(b"old contents")
    inode_before = target.stat().st_ino
    write_motion(target, _motion(takes=1))
    assert read_motion(target).takes == 1
    assert target.stat().st_ino != inode_before  # replaced, not rewritten in place
    assert sorted(os.listdir(tmp_path)) == ["out.npz"]


def test_failed_write_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.npz"
    write_motion(target, _motion(takes=1))
    (tmp_path / "blocker").write_text("x")
    with pytest.raises(OSError):
        write_motion(tmp_path / "blocker" / "out.npz", _motion())  # parent is a file
    assert read_motion(target).takes == 1


def test_validation() -> None:
    good = _motion()
    with pytest.raises(MotionFileError):
        MotionFile(exp=good.exp[..., :49], jaw=good.jaw, fps=25, seeds=(0, 1), model_id="m", protocol=1, duration_s=1)
    with pytest.raises(MotionFileError):
        MotionFile(exp=good.exp, jaw=good.jaw[:, :5], fps=25, seeds=(0, 1), model_id="m", protocol=1, duration_s=1)
    with pytest.raises(MotionFileError):
        MotionFile(exp=good.exp, jaw=good.jaw, fps=25, seeds=(0,), model_id="m", protocol=1, duration_s=1)
    with pytest.raises(MotionFileError):
        MotionFile(exp=good.exp, jaw=good.jaw, fps=0, seeds=(0, 1), model_id="m", protocol=1, duration_s=1)
    bad = good.exp.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(MotionFileError):
        MotionFile(exp=bad, jaw=good.jaw, fps=25, seeds=(0, 1), model_id="m", protocol=1, duration_s=1)


def test_read_rejects_garbage_and_pickles(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x00not a zip at all" * 10)
    with pytest.raises(MotionFileError):
        read_motion(garbage)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, exp=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(MotionFileError):
        read_motion(pickled)
    partial = tmp_path / "partial.npz"
    np.savez(partial, exp=np.zeros((1, 2, 50), np.float32))
    with pytest.raises(MotionFileError, match="missing"):
        read_motion(partial)
    with pytest.raises(FileNotFoundError):
        read_motion(tmp_path / "absent.npz")


def test_speech_energy_is_optional(tmp_path: Path) -> None:
    plain = read_motion(write_motion(tmp_path / "plain.npz", _motion()))
    assert plain.speech_energy.size == 0  # files without it (older backends) still read
    with np.load(tmp_path / "plain.npz") as data:
        assert "speech_energy" not in data.files
    energy = np.linspace(0, 1, 30, dtype=np.float32)
    loaded = read_motion(write_motion(tmp_path / "energy.npz", _motion().__class__(
        **{**_motion().__dict__, "speech_energy": energy})))
    np.testing.assert_array_equal(loaded.speech_energy, energy)
    with pytest.raises(MotionFileError, match="speech_energy"):
        MotionFile(**{**_motion().__dict__, "speech_energy": np.zeros(29, np.float32)})
