"""`safe_write`: atomic, no-follow writes that refuse non-regular targets and the request's inputs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from deeptalk.safe_write import (NAME_MAX, OutputError, check_path_text, open_atomic, private_dir,
                                 verify_private_dir, write_atomic)


def test_writes_and_replaces_with_the_umask_or_private_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    assert write_atomic(target, b"one") == target
    old_umask = os.umask(0o022)
    os.umask(old_umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~old_umask
    write_atomic(target, b"two", mode=0o600)
    assert target.read_bytes() == b"two" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


@pytest.mark.parametrize("kind", ["symlink", "dangling", "fifo", "folder"])
def test_refuses_what_is_not_a_regular_file(kind: str, tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    target = tmp_path / "target"
    if kind == "symlink":
        target.symlink_to(precious)
    elif kind == "dangling":
        target.symlink_to(tmp_path / "nothing-here")
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    with pytest.raises(OutputError) as info:
        write_atomic(target, b"x")
    assert str(target) in info.value.message
    assert precious.read_text() == "keep" and not (tmp_path / "nothing-here").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_refuses_a_device(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="a device"):
        write_atomic("/dev/null", b"x")


def test_refuses_the_inputs_by_identity(tmp_path: Path) -> None:
    source = tmp_path / "in.wav"
    source.write_bytes(b"audio")
    os.link(source, tmp_path / "hard.wav")
    (tmp_path / "via-link.wav").symlink_to(source)
    cases = ((source, [source]), (tmp_path / "hard.wav", [source]), (source, [tmp_path / "via-link.wav"]))
    for target, inputs in cases:
        with pytest.raises(OutputError, match="it is the input"):
            write_atomic(target, b"npz", inputs=inputs)
    assert source.read_bytes() == b"audio"


def test_refuses_another_users_file(tmp_path: Path) -> None:
    from hostile.files import owned_by_other_user

    path = tmp_path / "theirs.npz"
    path.write_bytes(b"theirs")
    other = owned_by_other_user(path)
    before = other.read_bytes()
    with pytest.raises(OutputError, match="belongs to another user"):
        write_atomic(other, b"mine")
    assert other.read_bytes() == before


def test_a_failing_writer_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "keep.npz"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with open_atomic(target) as handle:
            handle.write(b"half")
            raise RuntimeError("the producer failed")
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.npz"]


def test_file_size_limit_is_a_sentence_and_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "keep.npz"
    target.write_bytes(b"old")
    code = ("import resource, sys; from deeptalk.safe_write import write_atomic, OutputError\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
            "try: write_atomic(sys.argv[1], b'x' * 100000)\n"
            "except OutputError as e: print(e.message)\n")
    done = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, timeout=60)
    assert "file-size limit" in done.stdout and done.stderr == ""
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.npz"]


def test_path_text_checks(tmp_path: Path) -> None:
    legal = tmp_path / ("l" * (NAME_MAX - 4) + ".npz")
    write_atomic(legal, b"ok")  # the temporary name is short, so a 255-byte name works
    assert legal.read_bytes() == b"ok"
    for text, fragment in ((str(tmp_path / ("n" * 256)), "the limit is 255"), ("a\0b", "NUL byte"),
                           ("~nosuchuser/x", "no user 'nosuchuser'"), ("/" + "d/" * 3000, "use a shorter path")):
        with pytest.raises(OutputError, match=fragment):
            check_path_text(text)
    assert check_path_text("~/x") == Path.home() / "x"


def test_private_dir_is_made_verified_or_replaced(tmp_path: Path) -> None:
    fresh = private_dir(tmp_path / "made")
    assert fresh == tmp_path / "made" and stat.S_IMODE(fresh.stat().st_mode) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    loose.chmod(0o777)
    assert private_dir(loose) == loose and verify_private_dir(loose) is None  # ours: tightened
    victim = tmp_path / "victim"
    victim.mkdir()
    (tmp_path / "planted").symlink_to(victim)
    chosen = private_dir(tmp_path / "planted")
    assert chosen != tmp_path / "planted" and verify_private_dir(chosen) is None
    assert verify_private_dir(tmp_path / "planted") == "it is a symbolic link" and list(victim.iterdir()) == []
