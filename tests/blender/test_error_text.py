"""Failures that used to show raw traceback fragments now read as one sentence (details in the log)."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

import bpy
from blender_addon import animate_job, backend_locator, client, error_text, flame_file


class _Payload:
    """Unpickling this would call os.system — unless the unpickler refuses it."""

    def __reduce__(self):
        import os

        return (os.system, ("true",))


def test_a_readme_given_as_the_flame_file_is_not_called_a_pickle(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# FLAME\nDownload the model from the FLAME website.\n")
    with pytest.raises(RuntimeError) as failure:
        bpy.ops.deeptalk.add_flame_head(filepath=str(readme))
    message = str(failure.value)
    assert "README.md is not a FLAME model" in message and "pickle" not in message, message
    renamed = tmp_path / "model.npz"
    renamed.write_bytes(pickle.dumps({"v_template": [0.0]}))
    with pytest.raises(flame_file.FlameFileError, match="model.npz is a pickle: name it .pkl"):
        flame_file.load_flame_npz(renamed)
    assert bpy.data.objects[:] == []


def test_a_refused_payload_pickle_is_one_sentence(tmp_path):
    evil = tmp_path / "generic_model.pkl"
    evil.write_bytes(pickle.dumps({"v_template": _Payload()}))
    with pytest.raises(RuntimeError) as failure:
        bpy.ops.deeptalk.add_flame_head(filepath=str(evil))
    message = str(failure.value)
    assert "asks to run code" in message and "refuses to load" in message, message
    assert "error:" not in message and "(exit" not in message and "|" not in message and "Traceback" not in message
    not_a_pickle = tmp_path / "notes.pkl"
    not_a_pickle.write_text("just some notes")
    with pytest.raises(RuntimeError, match="notes.pkl failed: it is not a FLAME .pkl file"):
        bpy.ops.deeptalk.add_flame_head(filepath=str(not_a_pickle))
    assert bpy.data.objects[:] == []


@pytest.fixture(scope="module")
def python_without_torch(tmp_path_factory):
    """A real, empty virtual environment: what a user points Backend Python at before Set up Backend."""
    env = tmp_path_factory.mktemp("bare") / "env"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    return backend_locator.venv_python(env)


def test_a_backend_python_without_torch_says_press_set_up_backend(python_without_torch, tmp_path, speech_wav):
    settings = client.BackendSettings(python=str(python_without_torch), backend_dir=str(backend_locator.backend_dir()),
                                      model_dir=str(backend_locator.default_model_dir()), device="cpu",
                                      log_path=str(tmp_path / "backend.log"))
    backend = client.BackendClient(settings=settings, protocol=backend_locator.protocol())
    backend.start()
    try:
        job = animate_job.AnimateJob(client=backend, params={"audio_path": str(speech_wav)}, hello_timeout_s=60)
        job.run_blocking(poll_s=0.1)
    finally:
        backend.kill()
    assert job.state is animate_job.JobState.FAILED
    assert "does not have torch: press Set up Backend" in job.error, job.error
    assert "Traceback" not in job.error and "|" not in job.error
    assert "No module named 'torch'" in (tmp_path / "backend.log").read_text()  # the details are in the log


def test_sentences_from_raw_output():
    log = "Traceback (most recent call last):\n  File x\nModuleNotFoundError: No module named 'torch'\n"
    assert "does not have torch" in error_text.backend_exit(1, log, python="/p", log_path="/l")
    other = "Traceback (most recent call last):\nRuntimeError: CUDA error: out of memory\n"
    assert error_text.backend_exit(1, other, python="/p", log_path="/l") == (
        "the backend exited (code 1): CUDA error: out of memory; backend log: /l")
    assert error_text.missing_backend_package("No module named 'my_plugin'") is None
