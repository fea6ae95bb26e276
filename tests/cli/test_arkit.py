"""`deeptalk arkit`: motion .npz -> Live Link Face CSV / weights npz, through the real console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from deeptalk.cli import main
from deeptalk.motion_io import MotionFile, write_motion
from deeptalk.retarget.livelink_csv import read_livelink_csv
from deeptalk.retarget.names import ARKIT_INDEX, ARKIT_NAMES

DEEPTALK = Path(sys.executable).with_name("deeptalk")


def speech_file(path: Path) -> Path:
    from deeptalk.corpus.articulation import articulate
    from deeptalk.corpus.phonemes import PhonemeSpan

    spans = [PhonemeSpan(p, 0.15 * i, 0.15 * (i + 1), i) for i, p in enumerate("_ m A: p aa m E _".split())]
    art = articulate(spans, n_frames=30)
    exp = np.stack([art.exp, np.zeros_like(art.exp)])
    jaw = np.stack([art.jaw, np.zeros_like(art.jaw)])
    return write_motion(path, MotionFile(exp=exp, jaw=jaw, fps=25.0, seeds=(0, 1), model_id="t", protocol=1,
                                         duration_s=1.2))


def test_csv_via_console_script_one_row_per_frame(tmp_path):
    motion = speech_file(tmp_path / "m.npz")
    out = tmp_path / "take.csv"
    done = subprocess.run([str(DEEPTALK), "arkit", str(motion), "-o", str(out), "--fps", "50", "--fit"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "lip_lve_mm=" in done.stdout
    take = read_livelink_csv(out)
    assert take.names == ARKIT_NAMES and take.weights.shape == (60, 52) and take.fps == 50.0
    assert take.channel("jawOpen").max() > 0.3


def test_npz_output_take_and_errors(tmp_path, capsys):
    motion = speech_file(tmp_path / "m.npz")
    assert main(["arkit", str(motion), "-o", str(tmp_path / "w.npz"), "--take", "1"]) == 0
    with np.load(tmp_path / "w.npz") as data:
        assert data["weights"].shape == (30, 52) and tuple(data["names"]) == ARKIT_NAMES
        assert np.abs(data["weights"]).max() < 1e-3  # take 1 is neutral
    assert main(["arkit", str(motion), "-o", str(tmp_path / "w.npz"), "--strength", "0.5"]) == 0
    with np.load(tmp_path / "w.npz") as data:
        half = data["weights"][:, ARKIT_INDEX["jawOpen"]]
    assert main(["arkit", str(motion), "-o", str(tmp_path / "w.npz")]) == 0
    with np.load(tmp_path / "w.npz") as data:
        assert np.allclose(half, 0.5 * data["weights"][:, ARKIT_INDEX["jawOpen"]], atol=1e-6)
    assert main(["arkit", str(motion), "-o", str(tmp_path / "w.txt")]) == 2
    assert main(["arkit", str(motion), "-o", str(tmp_path / "w.csv"), "--take", "5"]) == 1
    assert main(["arkit", str(tmp_path / "absent.npz"), "-o", str(tmp_path / "w.csv")]) == 1
    assert "error:" in capsys.readouterr().err
