"""Issue 21, class 5: bad values get one sentence, never a traceback or `internal_error`.

Names over 255 bytes, `~nosuchuser/...`, a NUL byte in a path, start/end of 1e308, a file-size
limit (RLIMIT_FSIZE) and a full disk (a tiny tmpfs) each give a sentence naming the file or
value and what to do; the old result stays byte-identical and stderr holds no traceback. A
legal 250-byte output name works (temporary names are short). Through the real CLI, the real
`deeptalk serve` (which answers the next request) and the add-on (scene unchanged).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from deeptalk.motion_io import read_motion
from deeptalk.protocol import AnimateRequest
from deeptalk.serve_client import RemoteError, ServeClient

from .files import DEEPTALK, cli_animate, no_traceback, snapshot

TIMEOUT = 120.0
DEMO = Path(__file__).resolve().parents[2] / "assets" / "audio" / "demo_line.wav"
LONG_NAME = "n" * 256 + ".npz"
LEGAL_NAME = "l" * 246 + ".npz"  # 250 bytes


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))  # results of the tiny model are ~50 KB


@pytest.fixture
def work(speech_wav: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(speech_wav, folder / "line.wav")
    (folder / "old.npz").write_bytes(b"yesterday's result")
    return folder


# ----------------------------------------------------------------------------- the CLI


CLI_CASES = {
    "long_output_name": (["{work}/line.wav", "-o", "{work}/" + LONG_NAME], 2,
                         "is 260 bytes long (the limit is 255); use a shorter name"),
    "long_input_name": (["{work}/" + "a" * 300 + ".wav", "-o", "{work}/old.npz"], 2,
                        "is 304 bytes long (the limit is 255)"),
    "unknown_user_output": (["{work}/line.wav", "-o", "~nosuchuser/out.npz"], 2,
                            "there is no user 'nosuchuser'; write the full path"),
    "unknown_user_input": (["~nosuchuser/line.wav", "-o", "{work}/old.npz"], 2,
                           "there is no user 'nosuchuser'; write the full path"),
    "start_1e308": (["{work}/line.wav", "--start", "1e308", "-o", "{work}/old.npz"], 1,
                    "start_s=1e+308 is at or past the end of the"),
    "end_before_start": (["{work}/line.wav", "--start", "1", "--end", "0.5", "-o", "{work}/old.npz"], 2,
                         "end_s must be greater than start_s"),
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_cli_bad_values(case: str, tiny_model_dir: Path, work: Path) -> None:
    template, status, fragment = CLI_CASES[case]
    before = snapshot(work)
    done = cli_animate(tiny_model_dir, *[a.format(work=work) for a in template])
    assert done.returncode == status, done.stderr
    assert fragment in done.stderr, done.stderr
    no_traceback(done.stderr)
    assert snapshot(work) == before


def test_cli_end_of_1e308_means_the_end_of_the_file(tiny_model_dir: Path, work: Path) -> None:
    done = cli_animate(tiny_model_dir, work / "line.wav", "--end", "1e308", "-o", work / "whole.npz")
    assert done.returncode == 0, done.stderr
    assert read_motion(work / "whole.npz").frames > 25


def test_cli_legal_250_byte_name_works(tiny_model_dir: Path, work: Path) -> None:
    done = cli_animate(tiny_model_dir, work / "line.wav", "-o", work / LEGAL_NAME)
    assert done.returncode == 0, done.stderr
    assert read_motion(work / LEGAL_NAME).frames > 25
    assert not [p for p in work.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_cli_file_size_limit_keeps_the_old_result(tiny_model_dir: Path, work: Path) -> None:
    before = snapshot(work)
    done = cli_animate(tiny_model_dir, work / "line.wav", "-o", work / "old.npz", preexec=_limit_file_size)
    assert done.returncode == 1, done.stderr
    assert "output_unwritable: cannot write" in done.stderr and "old.npz" in done.stderr
    assert "file-size limit" in done.stderr and "ulimit -f" in done.stderr
    no_traceback(done.stderr)
    assert snapshot(work) == before


def _tiny_tmpfs_command(folder: Path, *inner: str) -> list[str] | None:
    """A command running `inner` with a 16 KiB tmpfs mounted on `folder` (in a private mount
    namespace), or None where this machine allows no such mount."""
    if shutil.which("unshare") is None:
        return None
    script = 'mount -t tmpfs -o size=16k tmpfs "$0" && cd "$0" && printf "yesterday" > old.npz && exec "$@"'
    base = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--user", "--map-root-user", "--mount"]
    probe = subprocess.run([*base, "sh", "-c", script, str(folder), "true"], capture_output=True, timeout=30)
    return [*base, "sh", "-c", script, str(folder), *inner] if probe.returncode == 0 else None


def test_cli_full_disk_keeps_the_old_result(tiny_model_dir: Path, work: Path) -> None:
    disk = work / "disk"
    disk.mkdir()
    inner = [str(DEEPTALK), "animate", str(work / "line.wav"), "-o", "old.npz", "--model-dir", str(tiny_model_dir),
             "--device", "cpu", "--threads", "1", "--no-progress"]
    command = _tiny_tmpfs_command(disk, "sh", "-c", '"$@"; s=$?; cat old.npz; exit $s', "sh", *inner)
    if command is None:
        pytest.skip("no mount namespaces here (the file-size limit test covers the same write path)")
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 1, done.stderr
    assert "the disk is full; free some space or choose another folder" in done.stderr
    assert done.stdout == "yesterday"  # the old result, intact, read inside the namespace
    no_traceback(done.stderr)


# ----------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def server(tiny_model_dir: Path) -> Iterator[ServeClient]:
    client = ServeClient.start(model_dir=tiny_model_dir, device="cpu", args=["--threads", "1", "--no-warmup"])
    client.hello(timeout=TIMEOUT)
    yield client
    assert client.stray_lines == []
    assert client.close() == 0


SERVER_CASES = {
    "nul_in_audio_path": ({"audio_path": "{work}/line.wav\u0000.txt"}, "invalid_argument", "holds a NUL byte"),
    "nul_in_output_path": ({"output_path": "{work}/o\u0000.npz"}, "output_unwritable", "holds a NUL byte"),
    "long_output_name": ({"output_path": "{work}/" + LONG_NAME}, "output_unwritable", "the limit is 255"),
    "long_audio_name": ({"audio_path": "{work}/" + "a" * 300 + ".wav"}, "invalid_argument", "the limit is 255"),
    "unknown_user_audio": ({"audio_path": "~nosuchuser/line.wav"}, "invalid_argument", "no user 'nosuchuser'"),
    "unknown_user_output": ({"output_path": "~nosuchuser/o.npz"}, "output_unwritable", "no user 'nosuchuser'"),
    "start_1e308": ({"start_s": 1e308}, "invalid_argument", "start_s=1e+308 is at or past the end"),
    "end_1e308_start_1e307": ({"start_s": 1e307, "end_s": 1e308}, "invalid_argument", "past the end"),
}


@pytest.mark.parametrize("case", sorted(SERVER_CASES))
def test_server_bad_values(case: str, server: ServeClient, work: Path) -> None:
    fields, code, fragment = SERVER_CASES[case]
    request = {"v": 1, "type": "animate", "id": case, "audio_path": str(work / "line.wav"),
               "output_path": str(work / "old.npz")}
    request.update({k: v.format(work=work) if isinstance(v, str) else v for k, v in fields.items()})
    before = snapshot(work)
    server.send_raw(json.dumps(request).encode("utf-8") + b"\n")
    reply = server.wait_for(case, TIMEOUT)
    assert reply.TYPE == "error" and reply.code == code and fragment in reply.message, reply  # type: ignore[union-attr]
    assert snapshot(work) == before
    result = server.animate(AnimateRequest(id=f"{case}-next", audio_path=str(work / "line.wav"),
                                           output_path=str(work / LEGAL_NAME)), timeout=TIMEOUT)
    assert read_motion(result.path).frames == result.frames  # and a 250-byte name works


def test_server_under_a_file_size_limit_keeps_the_old_result(tiny_model_dir: Path, work: Path) -> None:
    log = work.parent / "serve.log"
    with log.open("wb") as stderr:
        client = ServeClient.start(model_dir=tiny_model_dir, device="cpu", args=["--threads", "1", "--no-warmup"],
                                   stderr=stderr)
    try:
        client.hello(timeout=TIMEOUT)
        shutil.copy(DEMO, work / "demo.wav")  # a ~50 KB result; the log stays far below the limit
        resource.prlimit(client.process.pid, resource.RLIMIT_FSIZE, (24576, 24576))
        before = snapshot(work)
        for attempt in range(2):  # the worker survives, the next job gets the same clear error
            with pytest.raises(RemoteError) as info:
                client.animate(AnimateRequest(id=f"big{attempt}", audio_path=str(work / "demo.wav"),
                                              output_path=str(work / "old.npz")), timeout=TIMEOUT)
            assert info.value.code == "output_unwritable" and "file-size limit" in info.value.message
            assert "old.npz" in info.value.message
        assert snapshot(work) == before
    finally:
        client.close()
    no_traceback(log.read_text())


# ----------------------------------------------------------------------------- the add-on


@pytest.mark.parametrize("name, fragment", [(LONG_NAME, "the limit is 255"),
                                            ("~nosuchuser/x.npz", "no user 'nosuchuser'")])
def test_addon_export_bad_paths(name: str, fragment: str, rig, tmp_path: Path) -> None:
    import bpy

    from blender.scene_state import scene_state

    target = name if name.startswith("~") else str(tmp_path / name)
    before, files = scene_state(rig), snapshot(tmp_path)
    with pytest.raises(RuntimeError) as info:
        bpy.ops.deeptalk.export_motion(filepath=target)
    assert fragment in str(info.value) and "Traceback" not in str(info.value)
    assert scene_state(rig) == before and snapshot(tmp_path) == files
    assert bpy.ops.deeptalk.export_motion(filepath=str(tmp_path / LEGAL_NAME)) == {"FINISHED"}


def test_addon_batch_run_with_a_path_no_os_takes(backend, tmp_path: Path, speech_wav: Path) -> None:
    """A clip whose path the OS cannot take fails with a sentence; the same backend serves the next run."""
    from blender_addon import backend_locator, backend_session
    from blender_addon.animate_job import JobState
    from blender_addon.batch import BatchRun, PreparedClip
    from blender_addon.client import BackendSettings

    settings = BackendSettings(python=str(Path(__import__("sys").executable)),
                               backend_dir=str(backend_locator.backend_dir()), model_dir=backend.model_dir,
                               device="cpu", log_path=str(tmp_path / "backend.log"))

    def clip(audio: str, out: Path) -> PreparedClip:
        return PreparedClip(clip="line", params={"audio_path": audio, "output_path": str(out), "fps": 25.0},
                            first_frame=1.0, frame_count=10)

    bad = BatchRun(settings=settings, clips=[clip(str(tmp_path / ("x" * 300 + ".wav")), tmp_path / "a.npz")])
    bad.run_blocking(poll_s=0.05)
    assert bad.state is JobState.FAILED and "the limit is 255" in bad.error, bad.error
    client = backend_session.current()
    assert client is not None and client.alive
    good = BatchRun(settings=settings, clips=[clip(str(speech_wav), tmp_path / "b.npz")])
    good.run_blocking(poll_s=0.05)
    assert good.state is JobState.DONE, good.error
    assert backend_session.current() is client
