"""The add-on's side of a backend that goes wrong: killed mid-request, hung, chattering or flooding
stdout, or not a working backend at all. Each run fails with a message saying what happened,
the broken process is gone, and the next run starts a fresh backend that works.

These drive the add-on's own `BatchRun` / `backend_session` (what the operators use) against
the real `deeptalk serve` process on the tiny model; the misbehaving "Pythons" are small sh
scripts standing where a user's backend Python would be.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from blender_addon import backend_locator, backend_session
from blender_addon.animate_job import JobState
from blender_addon.batch import BatchRun, PreparedClip
from blender_addon.client import BackendSettings

from .processes import process_gone, script_python, wait_for

PYTHON = sys.executable  # the project's .venv Python: torch + the backend's dependencies


@pytest.fixture(scope="module")
def long_speech(speech_wav: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    line, rate = sf.read(str(speech_wav), dtype="float32")
    path = tmp_path_factory.mktemp("audio") / "long.wav"
    sf.write(str(path), np.tile(line, 60), rate)  # ~2 minutes: long enough to interfere with
    return path


@pytest.fixture(autouse=True, scope="module")
def own_backend_session() -> Iterator[None]:
    backend_session.shutdown()  # start from no backend; leave none behind for the Blender tests
    yield
    backend_session.shutdown()


def settings(model_dir: Path, log_dir: Path, python: str | Path = PYTHON) -> BackendSettings:
    return BackendSettings(python=str(python), backend_dir=str(backend_locator.backend_dir()),
                           model_dir=str(model_dir), device="cpu", log_path=str(log_dir / "backend.log"))


def clip(audio: Path, out_dir: Path) -> PreparedClip:
    return PreparedClip(clip="line", params={"audio_path": str(audio), "output_path": str(out_dir / "motion.npz"),
                                             "fps": 25.0}, first_frame=1.0, frame_count=10)


def run_until_working(run: BatchRun) -> int:
    """Step `run` until the backend reports progress inside the model; the backend's pid."""
    wait_for(lambda: run.step(timeout=0.05) or run.fraction > 0.05, 120.0, "progress inside the model")
    assert not run.finished, run.error
    client = backend_session.current()
    assert client is not None and client.pid is not None
    return client.pid


def assert_next_run_works(model_dir: Path, tmp_path: Path, audio: Path, old_pid: int) -> None:
    run = BatchRun(settings=settings(model_dir, tmp_path), clips=[clip(audio, tmp_path)])
    run.run_blocking(poll_s=0.05)
    assert run.state is JobState.DONE, run.error
    assert backend_session.current().pid != old_pid  # a fresh process
    assert Path(run.results[0].path).is_file()


def test_backend_killed_mid_request(tiny_model_dir: Path, tmp_path: Path, long_speech: Path,
                                    speech_wav: Path) -> None:
    run = BatchRun(settings=settings(tiny_model_dir, tmp_path), clips=[clip(long_speech, tmp_path)])
    pid = run_until_working(run)
    os.kill(pid, signal.SIGKILL)  # the OOM killer, a GPU driver crash, a user's `kill -9`
    run.run_blocking(poll_s=0.05)
    assert run.state is JobState.FAILED
    assert "line: the backend exited (code -9)" in run.error and "backend log:" in run.error
    assert backend_session.current() is None and not (tmp_path / "motion.npz").exists()
    assert_next_run_works(tiny_model_dir, tmp_path, speech_wav, pid)


def test_hung_backend_is_stopped_and_replaced(tiny_model_dir: Path, tmp_path: Path, long_speech: Path,
                                              speech_wav: Path) -> None:
    run = BatchRun(settings=settings(tiny_model_dir, tmp_path), clips=[clip(long_speech, tmp_path)],
                   reply_timeout_s=2.0)
    pid = run_until_working(run)
    os.kill(pid, signal.SIGSTOP)  # alive but answering nothing (a deadlock, a stuck driver)
    try:
        run.run_blocking(poll_s=0.05)
    finally:
        if not process_gone(pid, 0.0):
            os.kill(pid, signal.SIGCONT)
    assert run.state is JobState.FAILED
    assert "the backend stopped responding (no reply for 2 s)" in run.error
    assert "next run starts a fresh one" in run.error
    assert process_gone(pid)
    assert_next_run_works(tiny_model_dir, tmp_path, speech_wav, pid)


def test_startup_chatter_on_stdout_is_ignored(tiny_model_dir: Path, tmp_path: Path, speech_wav: Path) -> None:
    """A wrapper (conda activation, a sitecustomize) prints before the backend starts."""
    wrapper = script_python(tmp_path, "python-chatty", f'echo "Activating environment..."\n'
                                                       f'echo "{{\\"status\\": \\"not ours\\"}}"\n'
                                                       f'exec "{PYTHON}" "$@"')
    run = BatchRun(settings=settings(tiny_model_dir, tmp_path, wrapper), clips=[clip(speech_wav, tmp_path)])
    run.run_blocking(poll_s=0.05)
    assert run.state is JobState.DONE, run.error
    assert Path(run.results[0].path).is_file()


def test_a_backend_flooding_stdout_with_garbage_is_stopped(tiny_model_dir: Path, tmp_path: Path,
                                                          speech_wav: Path) -> None:
    wrapper = script_python(tmp_path, "python-garbage", "while :; do echo 'garbage garbage'; done")
    run = BatchRun(settings=settings(tiny_model_dir, tmp_path, wrapper), clips=[clip(speech_wav, tmp_path)])
    started = backend_session.acquire(run.settings)
    run.run_blocking(poll_s=0.05)
    assert run.state is JobState.FAILED
    assert "writes lines that are not DEEPTalk replies" in run.error and "'garbage garbage'" in run.error
    assert "check that the backend Python runs `deeptalk serve` directly" in run.error
    assert process_gone(started.pid) and backend_session.current() is None


def test_a_python_without_the_backend_fails_with_its_log(tiny_model_dir: Path, tmp_path: Path,
                                                       speech_wav: Path) -> None:
    broken = script_python(tmp_path, "python-no-torch",
                           "echo \"ModuleNotFoundError: No module named 'torch'\" >&2\nexit 1")
    run = BatchRun(settings=settings(tiny_model_dir, tmp_path, broken), clips=[clip(speech_wav, tmp_path)])
    run.run_blocking(poll_s=0.05)
    assert run.state is JobState.FAILED
    assert "does not have torch: press Set up Backend" in run.error, run.error  # one sentence, what to do
    assert "Traceback" not in run.error and "ModuleNotFoundError" not in run.error
    assert "No module named 'torch'" in (tmp_path / "backend.log").read_text()  # details in the log
    assert backend_session.current() is None


def test_a_missing_python_is_named(tiny_model_dir: Path, tmp_path: Path, speech_wav: Path) -> None:
    run = BatchRun(settings=settings(tiny_model_dir, tmp_path, tmp_path / "no" / "python"),
                   clips=[clip(speech_wav, tmp_path)])
    run.run_blocking(poll_s=0.05)
    assert run.state is JobState.FAILED
    assert run.error == f"backend Python not found: {tmp_path / 'no' / 'python'}"
