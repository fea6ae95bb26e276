"""No orphan backends: a Blender that quits, crashes (SIGKILL) or disables the add-on takes its
backend with it. Each case runs a real Blender (`bpy` in a child Python) that enables the
add-on, starts the backend through the add-on's session and waits for its hello."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .processes import process_gone

REPO = Path(__file__).resolve().parents[2]
BLENDER_SCRIPT = """
import os, sys, dataclasses
import bpy, addon_utils
addon_utils.enable("blender_addon", default_set=True, handle_error=lambda exc: (_ for _ in ()).throw(exc))
from blender_addon import animate, backend_session, preferences
settings = dataclasses.replace(preferences.backend_settings(), python=sys.argv[-3], model_dir=sys.argv[-2],
                               device="cpu")
client = backend_session.acquire(settings)
client.send(client.protocol.HelloRequest(id="h"))
reply = client.next_reply(timeout=120)
assert reply is not None and reply.TYPE == "hello", reply
print(client.pid, flush=True)
print(animate.scratch_dir(), flush=True)
how = sys.argv[-1]
if how == "disable":
    addon_utils.disable("blender_addon", default_set=True)
    print("disabled", flush=True)
    sys.stdin.readline()
else:
    sys.stdin.readline()  # "crash": the test SIGKILLs this process while it waits here
# then a normal interpreter exit (what closing Blender does)
"""


def start_blender(tmp_path: Path, model_dir: Path, how: str) -> tuple[subprocess.Popen[str], int, Path]:
    env = {**os.environ, "PYTHONPATH": str(REPO),
           "BLENDER_USER_RESOURCES": str(tmp_path / "blender-user")}
    blender = subprocess.Popen([sys.executable, "-c", BLENDER_SCRIPT, sys.executable, str(model_dir), how],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env, cwd=str(tmp_path))
    line = blender.stdout.readline()
    if not line.strip().isdigit():
        blender.kill()
        pytest.fail(f"Blender did not start the backend: {line!r} {blender.stderr.read()[-2000:]}")
    scratch = Path(blender.stdout.readline().strip())
    assert scratch.is_dir()  # (the process waits for a line on stdin before it goes on)
    return blender, int(line), scratch


def test_quitting_blender_stops_the_backend_and_removes_temp_files(tmp_path: Path, tiny_model_dir: Path) -> None:
    blender, backend_pid, scratch = start_blender(tmp_path, tiny_model_dir, "quit")
    blender.communicate("\n", timeout=60)
    assert blender.returncode == 0
    assert process_gone(backend_pid, 10), "the backend outlived Blender"
    assert not scratch.exists()


def test_a_crashed_blender_takes_the_backend_with_it(tmp_path: Path, tiny_model_dir: Path) -> None:
    blender, backend_pid, _ = start_blender(tmp_path, tiny_model_dir, "crash")
    assert not process_gone(backend_pid, 0.5)
    blender.send_signal(signal.SIGKILL)  # no atexit, no unregister: only the pipe closing tells the backend
    blender.wait(10)
    assert process_gone(backend_pid, 15), "the backend outlived a crashed Blender"


def test_disabling_the_addon_stops_the_backend(tmp_path: Path, tiny_model_dir: Path) -> None:
    blender, backend_pid, _ = start_blender(tmp_path, tiny_model_dir, "disable")
    try:
        assert blender.stdout.readline().strip() == "disabled"
        assert process_gone(backend_pid, 10), "the backend outlived the add-on"
    finally:
        blender.communicate("\n", timeout=60)
    assert blender.returncode == 0
