"""Set up backend: a real virtual environment with the shipped backend installed into it."""

from __future__ import annotations

import subprocess

import pytest

import bpy
from blender_addon import backend_locator, preferences, torch_build
from blender_addon.setup_env import SetupJob


def test_setup_backend_creates_an_environment_with_the_backend():
    """Through the operator (blocking in background mode). `--no-deps` keeps it offline-sized:
    torch & co. are what a user's setup downloads; here only the install mechanics are real."""
    assert bpy.ops.deeptalk.setup_backend(pip_args="--no-deps") == {"FINISHED"}
    status = bpy.context.window_manager.deeptalk_status
    python = backend_locator.venv_python(preferences.managed_env_dir())
    assert python.is_file() and status.setup_message == f"Backend ready: {python} (dependencies not installed)"
    assert not status.setup_running
    probe = subprocess.run([str(python), "-c", "import deeptalk.protocol as p; print(p.__file__, p.PROTOCOL_VERSION)"],
                           capture_output=True, text=True, timeout=60, cwd="/")
    assert probe.returncode == 0, probe.stderr
    installed, version = probe.stdout.split()
    assert "site-packages" in installed and int(version) == backend_locator.protocol().PROTOCOL_VERSION
    log = (preferences.user_dir() / "logs" / "setup.log").read_text()
    assert "-m venv" in log and "Successfully installed deeptalk" in log


@pytest.fixture
def plain_pip(monkeypatch):
    """pip as on a user's machine: none of this machine's local package mirrors or wheel folders."""
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL", "PIP_NO_INDEX", "PIP_CONSTRAINT"):
        monkeypatch.delenv(name, raising=False)


def test_offline_setup_says_it_needs_the_package_index(plain_pip):
    """No reachable index (a closed loopback port): one sentence saying what to do, not 'see setup.log'."""
    with pytest.raises(RuntimeError) as failure:
        bpy.ops.deeptalk.setup_backend(pip_args="--no-deps --retries 0 --timeout 5 --index-url http://127.0.0.1:9/simple")
    message = str(failure.value)
    assert "needs the Python package index" in message and "Wheel Folder" in message, message
    assert "Traceback" not in message and "setup.log" in message  # the details stay in the log
    status = bpy.context.window_manager.deeptalk_status
    assert status.setup_message.startswith("Setup failed") and not status.setup_running


def test_wheel_folder_installs_without_any_index(plain_pip, tmp_path):
    """The Wheel Folder preference: pip gets --no-index --find-links; a folder that lacks a package says so."""
    empty = tmp_path / "wheels"
    empty.mkdir()
    preferences.get_preferences().wheel_folder = str(empty)
    with pytest.raises(RuntimeError, match="wheel folder .* lacks a package"):
        bpy.ops.deeptalk.setup_backend(pip_args="--no-deps")
    log = (preferences.user_dir() / "logs" / "setup.log").read_text()
    assert f"--no-index --find-links {empty}" in log


def test_torch_build_follows_the_gpu_and_is_named(tmp_path):
    cpu = torch_build.plan(gpus=[], platform="linux")
    assert (cpu.build, cpu.index_args[:2]) == ("CPU", ("--index-url", "https://download.pytorch.org/whl/cpu"))
    assert cpu.description == "torch CPU build (no NVIDIA GPU found)"
    cuda = torch_build.plan(gpus=["NVIDIA H200"], platform="linux")
    assert cuda.build == "CUDA" and cuda.index_args == () and "NVIDIA H200" in cuda.description  # PyPI: CUDA
    assert torch_build.plan(gpus=["NVIDIA RTX 4090"], platform="win32").index_args[1].endswith("/cu128")
    assert torch_build.plan(gpus=[], platform="darwin").index_args == ()
    folder = torch_build.plan(gpus=["x"], wheel_folder=tmp_path)
    assert folder.index_args == ("--no-index", "--find-links", str(tmp_path))
    assert torch_build.torch_requirement(backend_locator.backend_dir()) == "torch==2.13.0"
    # this machine: whatever nvidia-smi reports (nothing without the tool) decides the job's plan
    job = SetupJob(base_python="python3", env_dir=tmp_path / "env", backend_dir=backend_locator.backend_dir(),
                   log_path=tmp_path / "setup.log")
    assert job.torch_plan.build == ("CUDA" if torch_build.nvidia_gpus() else "CPU")
    torch_step = next(command for stage, command, _ in job.steps() if stage.startswith("installing torch"))
    assert torch_step[-1] == "torch==2.13.0" and list(job.torch_plan.index_args) == torch_step[5:-1]
