"""Transport-independent job helpers: output paths and their checks (real folders)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deeptalk.jobs import JobError, check_output_path, default_output_path
from deeptalk.protocol import AnimateRequest, ErrorCode


def test_default_output_path_is_safe(tmp_path: Path) -> None:
    request = AnimateRequest(id="../../etc/passwd strip 3", audio_path="/audio/line 07.wav")
    path = default_output_path(request, tmp_path)
    assert path.parent == tmp_path
    assert path.name == "line 07-.._.._etc_passwd_strip_3.npz"
    assert default_output_path(request).suffix == ".npz"


def test_check_output_path_creates_folders(tmp_path: Path) -> None:
    target = check_output_path(tmp_path / "a" / "b" / "out.npz")
    assert target.parent.is_dir() and not target.exists()


def test_check_output_path_rejects_folders_and_blocked_parents(tmp_path: Path) -> None:
    with pytest.raises(JobError) as info:
        check_output_path(tmp_path)
    assert info.value.code == ErrorCode.OUTPUT_UNWRITABLE
    (tmp_path / "file").write_text("x")
    with pytest.raises(JobError) as info:
        check_output_path(tmp_path / "file" / "out.npz")
    assert info.value.code == ErrorCode.OUTPUT_UNWRITABLE

