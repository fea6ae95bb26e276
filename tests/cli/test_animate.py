"""`deeptalk animate`: a real run through the installed console script, and its error statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from deeptalk.audio import load_audio
from deeptalk.cli import main
from deeptalk.motion_io import read_motion
from deeptalk.motion_resample import frame_count

TIMEOUT = 120
DEEPTALK = Path(sys.executable).with_name("deeptalk")  # the console script beside the venv's python


def test_animate_writes_npz_via_console_script(tiny_model_dir: Path, speech_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out.npz"
    done = subprocess.run([str(DEEPTALK), "animate", str(speech_wav), "-o", str(out), "--model-dir", str(tiny_model_dir),
                           "--device", "cpu", "--threads", "1", "--fps", "24", "--takes", "2", "--seed", "3",
                           "--emotion", "happy", "--json", "--no-progress"],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    duration = len(load_audio(speech_wav).samples) / 16000
    assert result["path"] == str(out) and result["seeds"] == [3, 4]
    assert result["frames"] == frame_count(duration, 24.0)
    motion = read_motion(out)
    assert motion.exp.shape == (2, result["frames"], 50) and motion.fps == 24.0 and motion.seeds == (3, 4)
    assert motion.speech_energy.shape == (result["frames"],)  # per-frame loudness for the add-on's idle layer
    assert 0.0 <= motion.speech_energy.min() and motion.speech_energy.max() == pytest.approx(1.0, abs=0.05)


def test_animate_reports_errors_with_codes(tiny_model_dir: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    base = ["animate", "--model-dir", str(tiny_model_dir), "--device", "cpu", "--no-progress"]
    assert main([*base, str(tmp_path / "absent.wav")]) == 1
    captured = capsys.readouterr()
    assert "file_not_found" in captured.err and captured.out == ""
    assert main([*base, str(tmp_path / "absent.wav"), "--fps", "0"]) == 2
    assert "fps must be in" in capsys.readouterr().err
    (tmp_path / "x.wav").write_bytes(b"RIFF")
    assert main(["animate", str(tmp_path / "x.wav"), "--model-dir", str(tmp_path / "none"), "--no-progress"]) == 2
    assert "manifest.json is missing" in capsys.readouterr().err


def test_an_unknown_emotion_is_refused_before_the_weights_load(tiny_model_dir: Path, speech_wav: Path,
                                                               tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "line.npz"
    with caplog.at_level("INFO", logger="deeptalk.pipeline"):
        code = main(["animate", str(speech_wav), "-o", str(out), "--model-dir", str(tiny_model_dir),
                     "--device", "cpu", "--no-progress", "--emotion", "excited"])
    assert code == 1 and not out.exists()
    assert "invalid_argument: unknown emotion 'excited'; this model knows neutral" in capsys.readouterr().err
    assert not any("loaded model" in record.getMessage() for record in caplog.records)
