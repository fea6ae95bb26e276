"""Issue 21, classes 1 and 2: results never destroy anything, and the default folder is private.

Through the real `deeptalk animate` and `deeptalk serve` processes and the add-on's export:
an output path that is the input (by name, hard link or symlink), a symlink (to a file,
dangling, /proc/self/fd/2), a FIFO, a device, a folder or another user's file is refused
with a sentence naming it; the folder (every file, link and pipe in it) is byte-identical
afterwards and the server answers the next request. The default output folder of `serve` is
0700 and ours (a planted symlink or another user's folder is not used), results in it 0600.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from deeptalk.motion_io import read_motion
from deeptalk.protocol import AnimateRequest
from deeptalk.serve_client import RemoteError, ServeClient

from .files import OTHER_UID, cli_animate, no_traceback, owned_by_other_user, snapshot, unchanged_except

TIMEOUT = 120.0
Target = Callable[[Path, Path], tuple[Path, str]]


def _same(folder: Path, audio: Path) -> tuple[Path, str]:
    return audio, "it is the input"


def _hard_link(folder: Path, audio: Path) -> tuple[Path, str]:
    os.link(audio, folder / "hard.npz")
    return folder / "hard.npz", "it is the input"


def _symlink_to_input(folder: Path, audio: Path) -> tuple[Path, str]:
    (folder / "link.npz").symlink_to(audio)
    return folder / "link.npz", "symbolic link"


def _symlink_to_precious(folder: Path, audio: Path) -> tuple[Path, str]:
    (folder / "thesis.txt").write_text("years of work\n")
    (folder / "out.npz").symlink_to(folder / "thesis.txt")
    return folder / "out.npz", "symbolic link"


def _dangling(folder: Path, audio: Path) -> tuple[Path, str]:
    (folder / "dangling.npz").symlink_to(folder / "would-be-created.npz")
    return folder / "dangling.npz", "symbolic link"


def _proc_fd(folder: Path, audio: Path) -> tuple[Path, str]:
    return Path("/proc/self/fd/2"), "symbolic link"


def _fifo(folder: Path, audio: Path) -> tuple[Path, str]:
    os.mkfifo(folder / "pipe.npz")
    return folder / "pipe.npz", "named pipe (FIFO)"


def _device(folder: Path, audio: Path) -> tuple[Path, str]:
    return Path("/dev/null"), "a device"


def _folder(folder: Path, audio: Path) -> tuple[Path, str]:
    (folder / "dir.npz").mkdir()
    return folder / "dir.npz", "it is a folder"


def _other_user(folder: Path, audio: Path) -> tuple[Path, str]:
    path = folder / "theirs.npz"
    path.write_bytes(b"their result")
    return owned_by_other_user(path), "belongs to another user"


TARGETS: dict[str, Target] = {
    "same_as_input": _same, "hard_link_to_input": _hard_link, "symlink_to_input": _symlink_to_input,
    "symlink_to_other_file": _symlink_to_precious, "dangling_symlink": _dangling, "proc_self_fd": _proc_fd,
    "fifo": _fifo, "device": _device, "folder": _folder, "other_users_file": _other_user,
}


@pytest.fixture
def victim(speech_wav: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return Path(shutil.copy(speech_wav, folder / "victim.wav"))


# ----------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize("case", sorted(TARGETS))
def test_cli_refuses_unsafe_targets(case: str, tiny_model_dir: Path, victim: Path) -> None:
    target, fragment = TARGETS[case](victim.parent, victim)
    before = snapshot(victim.parent)
    done = cli_animate(tiny_model_dir, victim, "-o", target)
    assert done.returncode == 1, done.stderr
    assert "output_unwritable" in done.stderr and fragment in done.stderr, done.stderr
    assert str(target.name) in done.stderr  # names the file
    no_traceback(done.stderr)
    assert snapshot(victim.parent) == before  # input, links, pipes, other files: all as they were


def test_cli_default_output_of_an_npz_named_input_is_not_the_input(tiny_model_dir: Path, victim: Path) -> None:
    audio = victim.rename(victim.with_name("take.npz"))  # a WAV whose name ends in .npz
    before = snapshot(audio.parent)
    done = cli_animate(tiny_model_dir, audio)
    assert done.returncode == 0, done.stderr
    result = audio.with_name("take.motion.npz")
    unchanged_except(before, snapshot(audio.parent), result)
    assert read_motion(result).frames > 25


def test_cli_replaces_its_own_earlier_result(tiny_model_dir: Path, victim: Path) -> None:
    out = victim.with_suffix(".npz")
    out.write_bytes(b"an earlier result")
    done = cli_animate(tiny_model_dir, victim)
    assert done.returncode == 0, done.stderr
    assert read_motion(out).frames > 25
    assert sorted(p.name for p in victim.parent.iterdir()) == ["victim.npz", "victim.wav"]  # no temp files left


# ----------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def server(tiny_model_dir: Path) -> Iterator[ServeClient]:
    client = ServeClient.start(model_dir=tiny_model_dir, device="cpu", args=["--threads", "1", "--no-warmup"])
    client.hello(timeout=TIMEOUT)
    yield client
    assert client.stray_lines == []
    assert client.close() == 0


@pytest.mark.parametrize("case", sorted(TARGETS))
def test_server_refuses_unsafe_targets(case: str, server: ServeClient, victim: Path) -> None:
    target, fragment = TARGETS[case](victim.parent, victim)
    before = snapshot(victim.parent)
    with pytest.raises(RemoteError) as info:
        server.animate(AnimateRequest(id=case, audio_path=str(victim), output_path=str(target)), timeout=TIMEOUT)
    assert info.value.code == "output_unwritable" and fragment in info.value.message, info.value
    assert target.name in info.value.message
    assert snapshot(victim.parent) == before
    good = victim.parent / "good.npz"
    result = server.animate(AnimateRequest(id=f"{case}-next", audio_path=str(victim), output_path=str(good)),
                            timeout=TIMEOUT)  # the same process serves on
    assert read_motion(result.path).frames == result.frames
    unchanged_except(before, snapshot(victim.parent), good)


def _serve_in(tmp: Path, model_dir: Path) -> ServeClient:
    client = ServeClient.start(model_dir=model_dir, device="cpu", args=["--threads", "1", "--no-warmup"],
                               env={**os.environ, "TMPDIR": str(tmp)})
    client.hello(timeout=TIMEOUT)
    return client


def _private(path: Path, mode: int) -> None:
    st = os.lstat(path)
    assert not stat.S_ISLNK(st.st_mode) and st.st_uid == os.geteuid(), path
    assert stat.S_IMODE(st.st_mode) == mode, (path, oct(st.st_mode))


def test_default_folder_is_created_private(tiny_model_dir: Path, speech_wav: Path, tmp_path: Path) -> None:
    with _serve_in(tmp_path, tiny_model_dir) as client:
        result = client.animate(AnimateRequest(id="r1", audio_path=str(speech_wav)), timeout=TIMEOUT)
        path = Path(result.path)
        assert path.parent == tmp_path / f"deeptalk-out-{os.geteuid()}"
        _private(path.parent, 0o700)
        _private(path, 0o600)
        assert read_motion(path).frames == result.frames


PLANTED = ["symlink_to_victims_folder", "open_folder_of_ours"] + (
    ["other_users_open_folder"] if os.geteuid() == 0 else [])  # only root can make another user's folder


@pytest.mark.parametrize("planted", PLANTED)
def test_a_planted_default_folder_is_never_used_as_is(planted: str, tiny_model_dir: Path, speech_wav: Path,
                                                     tmp_path: Path) -> None:
    predictable = tmp_path / f"deeptalk-out-{os.geteuid()}"
    victims = tmp_path / "victims-files"
    victims.mkdir()
    (victims / f"{speech_wav.stem}-r1.npz").write_bytes(b"the victim's own file")
    if planted == "symlink_to_victims_folder":
        predictable.symlink_to(victims)
    else:
        predictable.mkdir()
        predictable.chmod(0o777)
        (predictable / "planted.txt").write_text("readable by all")
        if planted == "other_users_open_folder":
            os.chown(predictable, OTHER_UID, OTHER_UID)
    before = snapshot(victims)
    with _serve_in(tmp_path, tiny_model_dir) as client:
        result = client.animate(AnimateRequest(id="r1", audio_path=str(speech_wav)), timeout=TIMEOUT)
        second = client.animate(AnimateRequest(id="r2", audio_path=str(speech_wav)), timeout=TIMEOUT)
    path = Path(result.path)
    assert snapshot(victims) == before  # nothing written through the link
    assert Path(second.path).parent == path.parent  # one folder per process
    _private(path.parent, 0o700)
    _private(path, 0o600)
    if planted == "open_folder_of_ours":  # ours: tightened to 0700 and used
        assert path.parent == predictable
    else:
        assert path.parent != predictable and path.parent.name.startswith(f"deeptalk-out-{os.geteuid()}-")
    assert np.isfinite(read_motion(path).exp).all()


# ----------------------------------------------------------------------------- the add-on's export


@pytest.mark.parametrize("case", ["symlink_to_other_file", "dangling_symlink", "fifo", "device", "folder",
                                  "other_users_file"])
def test_addon_export_refuses_unsafe_targets(case: str, rig, tmp_path: Path) -> None:
    import bpy

    from blender.scene_state import scene_state

    folder = tmp_path / "exports"
    folder.mkdir()
    target, fragment = TARGETS[case](folder, folder / "unused.wav")
    before_files, before_scene = snapshot(folder), scene_state(rig)
    with pytest.raises(RuntimeError, match="DEEPTalk: ") as info:
        bpy.ops.deeptalk.export_motion(filepath=str(target))
    assert fragment in str(info.value) and target.name in str(info.value), info.value
    assert snapshot(folder) == before_files
    assert scene_state(rig) == before_scene
    assert bpy.ops.deeptalk.export_motion(filepath=str(folder / "fine.npz")) == {"FINISHED"}  # still works
