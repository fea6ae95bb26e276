"""Helpers for process-level hostile tests: is a pid gone, and stand-in `python` executables that
misbehave the way real set-ups do (a wrapper that chatters on stdout, a Python without torch)."""

from __future__ import annotations

import stat
import time
from pathlib import Path


def process_gone(pid: int, timeout: float = 15.0) -> bool:
    """True once `pid` no longer runs (an unreaped zombie counts as gone) within `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def script_python(folder: Path, name: str, body: str) -> Path:
    """An executable `sh` script used as the backend's Python (it receives `-m deeptalk serve ...`)."""
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:g} s")
        time.sleep(0.02)
