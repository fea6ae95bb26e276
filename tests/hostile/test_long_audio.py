"""A 30-minute file animates with the same peak memory as a 3-minute one (audio is streamed and
the model runs in windows), and the length limit refuses longer files up front."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from deeptalk.motion_io import read_motion

PEAK_RSS = ("import resource, sys\n"
            "from deeptalk.cli import main\n"
            "status = main(sys.argv[1:])\n"
            "print('PEAK_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)\n"
            "sys.exit(status)\n")


def long_wav(path: Path, seconds: int, rate: int = 16000) -> Path:
    """Speech-like noise bursts, written 10 s at a time (the test never holds the file in memory)."""
    rng = np.random.default_rng(0)
    t = np.arange(10 * rate) / rate
    envelope = (0.5 + 0.5 * np.sin(2 * np.pi * 3.0 * t)).astype(np.float32)
    with sf.SoundFile(str(path), "w", samplerate=rate, channels=1, subtype="PCM_16") as handle:
        for _ in range(seconds // 10):
            handle.write(0.2 * envelope * rng.standard_normal(len(t)).astype(np.float32))
    return path


def animate_peak_kib(model_dir: Path, audio: Path, out: Path, *extra: str) -> tuple[subprocess.CompletedProcess, int]:
    done = subprocess.run([sys.executable, "-c", PEAK_RSS, "animate", str(audio), "-o", str(out), "--model-dir",
                           str(model_dir), "--device", "cpu", "--threads", "1", "--no-progress", *extra],
                          capture_output=True, text=True, timeout=540)
    peak = [int(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("PEAK_KIB")]
    return done, peak[0] if peak else -1


@pytest.mark.slow
def test_thirty_minutes_uses_no_more_memory_than_three(tiny_model_dir: Path, tmp_path: Path) -> None:
    short_done, short_peak = animate_peak_kib(tiny_model_dir, long_wav(tmp_path / "3min.wav", 180),
                                              tmp_path / "3min.npz")
    long_done, long_peak = animate_peak_kib(tiny_model_dir, long_wav(tmp_path / "30min.wav", 1800),
                                            tmp_path / "30min.npz")
    assert short_done.returncode == 0 and long_done.returncode == 0, long_done.stderr[-2000:]
    assert read_motion(tmp_path / "30min.npz").frames == 1800 * 25
    growth_mib = (long_peak - short_peak) / 1024
    # 30 min of 16 kHz float32 would be 110 MiB by itself: the audio is streamed from the file in windows, so
    # what grows is only the output motion (27 more minutes ~ 9 MiB per copy: the pipeline's buffer, the
    # resampled track; measured growth ~20 MiB).
    assert growth_mib < 40, f"peak {short_peak / 1024:.0f} MiB at 3 min, {long_peak / 1024:.0f} MiB at 30 min"


def test_over_the_limit_is_refused_before_decoding(tiny_model_dir: Path, tmp_path: Path) -> None:
    audio = long_wav(tmp_path / "2min.wav", 120)
    done, _ = animate_peak_kib(tiny_model_dir, audio, tmp_path / "x.npz", "--max-seconds", "60")
    assert done.returncode != 0 and not (tmp_path / "x.npz").exists()
    assert "audio_too_long" in done.stderr and "the limit is 60 s" in done.stderr
    assert "--max-seconds" in done.stderr


def test_the_addon_limit_reaches_the_backend(rig, backend, tmp_path: Path) -> None:
    """The add-on's "Longest Strip" preference becomes the backend's limit, with the fix in the message."""
    import bpy
    from blender_addon import compat, preferences

    backend.max_audio_minutes = 0.5
    audio = long_wav(tmp_path / "40s.wav", 40)
    scene = bpy.context.scene
    strip = compat.new_sound_strip(scene, name="long", filepath=str(audio), channel=1, frame_start=1)
    scene.sequence_editor.active_strip = strip
    assert preferences.backend_settings().command()[-2:] == ["--max-seconds", "30"]
    with pytest.raises(RuntimeError, match=r"audio_too_long.*the limit is 30 s.*split it into shorter strips"):
        bpy.ops.deeptalk.animate_strip()
