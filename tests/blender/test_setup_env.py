"""Set up backend: a real virtual environment with the shipped backend installed into it."""

from __future__ import annotations

import subprocess

import bpy
from blender_addon import backend_locator, preferences


def test_setup_backend_creates_an_environment_with_the_backend():
    """Through the operator (blocking in background mode). `--no-deps` keeps it offline-sized:
    torch & co. are what a user's setup downloads; here only the install mechanics are real."""
    assert bpy.ops.deeptalk.setup_backend(pip_args="--no-deps") == {"FINISHED"}
    status = bpy.context.window_manager.deeptalk_status
    python = backend_locator.venv_python(preferences.managed_env_dir())
    assert python.is_file() and status.setup_message == f"Backend ready: {python}"
    assert not status.setup_running
    probe = subprocess.run([str(python), "-c", "import deeptalk.protocol as p; print(p.__file__, p.PROTOCOL_VERSION)"],
                           capture_output=True, text=True, timeout=60, cwd="/")
    assert probe.returncode == 0, probe.stderr
    installed, version = probe.stdout.split()
    assert "site-packages" in installed and int(version) == backend_locator.protocol().PROTOCOL_VERSION
    log = (preferences.user_dir() / "logs" / "setup.log").read_text()
    assert "-m venv" in log and "Successfully installed deeptalk" in log

