"""The Blender matrix finds interpreters by running them, not by their names on PATH."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from scripts import blender_matrix


def test_the_running_python_is_found_for_its_own_version() -> None:
    minor = "%d.%d" % sys.version_info[:2]
    assert blender_matrix.find_interpreter(minor) == (sys.executable, "")


def test_a_shim_that_does_not_run_is_reported_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shim = tmp_path / "python3.99"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.99: command not found' >&2\nexit 127\n")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("DEEPTALK_PYTHON399", str(shim))
    path, why = blender_matrix.find_interpreter("3.99")
    assert path is None
    assert "does not run as Python 3.99" in why and "command not found" in why


def test_pyenv_versions_are_candidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "versions" / "3.98.1" / "bin" / "python3.98"
    real.parent.mkdir(parents=True)
    real.write_text("#!/bin/sh\n")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.delenv("DEEPTALK_PYTHON398", raising=False)
    monkeypatch.setenv("PATH", os.defpath)
    assert str(real) in blender_matrix.interpreter_candidates("3.98")
