"""`deeptalk batch` over a real folder with one corrupt file: the rest are animated, the bad one reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from deeptalk.cli import main
from deeptalk.motion_io import read_motion


def test_batch_folder_with_a_corrupt_file(tiny_model_dir: Path, speech_wav: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("one.wav", "two.wav", "three.wav"):
        shutil.copy(speech_wav, inputs / name)
    (inputs / "corrupt.wav").write_bytes(speech_wav.read_bytes()[:30])  # header cut mid-way
    (inputs / "readme.txt").write_text("not audio: ignored")
    out, report = tmp_path / "out", tmp_path / "report.json"
    status = main(["batch", str(inputs), "-o", str(out), "--jobs", "2", "--model-dir", str(tiny_model_dir),
                   "--device", "cpu", "--fps", "30", "--report", str(report), "--timeout", "120"])
    done = capsys.readouterr()
    assert status == 1, done.err  # some failed
    assert "batch: 3 ok, 1 failed" in done.out
    failed = [line for line in done.out.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and "corrupt.wav" in failed[0] and ": audio_" in failed[0]
    assert sorted(p.name for p in out.iterdir()) == ["one.npz", "three.npz", "two.npz"]
    for path in out.iterdir():
        motion = read_motion(path)
        assert motion.fps == 30.0 and motion.exp.shape[0] == 1 and motion.frames > 0
    outcomes = json.loads(report.read_text())
    assert [(Path(o["audio"]).name, o["ok"]) for o in outcomes] == [
        ("corrupt.wav", False), ("one.wav", True), ("three.wav", True), ("two.wav", True)]
    assert "4/4" in done.err  # the progress bar went to stderr


def test_batch_without_a_model_stops_with_status_2(speech_wav: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(f"{speech_wav}\n")
    status = main(["batch", str(listing), "-o", str(tmp_path / "out"), "--model-dir", str(tmp_path / "no-model"),
                   "--device", "cpu", "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2
    assert "could not start" in err and "manifest.json is missing" in err
