"""The backend client: settings, start failures and the log tail (the live protocol runs in the
end-to-end tests of test_operators_animate.py)."""

from __future__ import annotations

import pytest

from blender_addon import backend_locator, client


def settings(tmp_path, **changes):
    values = dict(python=str(tmp_path / "missing-python"), backend_dir=str(backend_locator.backend_dir()),
                  model_dir=str(tmp_path / "model"), device="cpu", log_path=str(tmp_path / "logs" / "backend.log"))
    values.update(changes)
    return client.BackendSettings(**values)


def test_command_line_is_an_argument_list(tmp_path):
    command = settings(tmp_path).command()
    assert command[1:4] == ["-m", "deeptalk", "serve"]
    assert command[command.index("--device") + 1] == "cpu"
    assert command[command.index("--model-dir") + 1] == str(tmp_path / "model")


def test_settings_are_validated(tmp_path):
    with pytest.raises(ValueError, match="no backend Python"):
        settings(tmp_path, python="")
    with pytest.raises(ValueError, match="unknown device"):
        settings(tmp_path, device="tpu")


def test_missing_python_fails_to_start(tmp_path):
    backend = client.BackendClient(settings=settings(tmp_path), protocol=backend_locator.protocol())
    with pytest.raises(client.BackendError, match="backend Python not found"):
        backend.start()
    assert not backend.alive


def test_a_backend_that_cannot_load_its_model_reports_why(tmp_path):
    """A real `deeptalk serve` with no model: hello is answered by an error, not a hang."""
    from blender_addon.animate_job import AnimateJob, JobState

    backend = client.BackendClient(settings=settings(tmp_path, python=str(backend_locator.project_venv_python())),
                                   protocol=backend_locator.protocol())
    backend.start()
    try:
        job = AnimateJob(client=backend, params={"audio_path": str(tmp_path / "x.wav")}, hello_timeout_s=120)
        job.run_blocking(poll_s=0.1)
        assert job.state is JobState.FAILED and "model_error" in job.error
        assert backend.alive  # the process keeps serving
        assert str(tmp_path / "model") in backend.log_tail()  # the stderr log explains it
    finally:
        backend.close()
    assert not backend.alive
