"""Issue 21, class 4: a reply that cannot be sent never kills the sender.

A very long id (within the 1 MiB line limit) once made the hello handler exit the process and
the animate worker die, because the error reply echoed the same id. Now ids and cancel targets
longer than MAX_ID_CHARS are refused without being echoed, error messages are shortened to fit,
and every reply the real `deeptalk serve` writes is one protocol line under the limit; the
process answers the next request after each case, also when the add-on's own client sends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from deeptalk.motion_io import read_motion
from deeptalk.protocol import (MAX_ID_CHARS, MAX_LINE_BYTES, MAX_MESSAGE_CHARS, AnimateRequest, ErrorReply,
                               HelloRequest, ProgressReply, ResultReply, encode_fitting)
from deeptalk.serve_client import ServeClient

TIMEOUT = 120.0
HUGE = "x" * (MAX_LINE_BYTES - 1000)  # the line still fits the limit; no reply echoing it could


@pytest.fixture(scope="module")
def server(tiny_model_dir: Path) -> Iterator[ServeClient]:
    client = ServeClient.start(model_dir=tiny_model_dir, device="cpu", args=["--threads", "1", "--no-warmup"])
    client.hello(timeout=TIMEOUT)
    yield client
    assert client.stray_lines == []
    assert client.close() == 0


def next_error(client: ServeClient) -> ErrorReply:
    while True:
        reply = client.read(TIMEOUT)
        if not isinstance(reply, ProgressReply):
            assert isinstance(reply, ErrorReply), reply
            return reply


def still_serving(client: ServeClient, speech_wav: Path, tmp_path: Path, tag: str) -> None:
    client.send(HelloRequest(id=f"hello-{tag}"))
    assert client.wait_for(f"hello-{tag}", TIMEOUT).model_id == "untrained-tiny"  # type: ignore[union-attr]
    result = client.animate(AnimateRequest(id=f"animate-{tag}", audio_path=str(speech_wav),
                                           output_path=str(tmp_path / f"{tag}.npz")), timeout=TIMEOUT)
    assert read_motion(result.path).frames == result.frames
    assert client.process.poll() is None


LONG_ID_LINES = {
    "hello": {"v": 1, "type": "hello", "id": HUGE},
    "animate": {"v": 1, "type": "animate", "id": HUGE, "audio_path": "/nowhere.wav"},
    "shutdown": {"v": 1, "type": "shutdown", "id": HUGE},
    "bad_version": {"v": 99, "type": "hello", "id": HUGE},
    "unknown_type": {"v": 1, "type": "dance", "id": HUGE},
    "just_over_the_id_limit": {"v": 1, "type": "hello", "id": "i" * (MAX_ID_CHARS + 1)},
}


@pytest.mark.parametrize("case", sorted(LONG_ID_LINES))
def test_a_long_id_is_refused_without_echo(case: str, server: ServeClient, speech_wav: Path, tmp_path: Path) -> None:
    line = json.dumps(LONG_ID_LINES[case]).encode("utf-8") + b"\n"
    assert len(line) <= MAX_LINE_BYTES
    server.send_raw(line)
    reply = next_error(server)
    assert (reply.id, reply.code) == (None, "bad_message"), reply
    assert f"the limit is {MAX_ID_CHARS}" in reply.message and "short id" in reply.message
    still_serving(server, speech_wav, tmp_path, case)


def test_a_long_cancel_target_is_refused_with_the_cancels_id(server: ServeClient, speech_wav: Path,
                                                             tmp_path: Path) -> None:
    server.send_raw(json.dumps({"v": 1, "type": "cancel", "id": "c1", "target": HUGE}).encode() + b"\n")
    reply = next_error(server)
    assert (reply.id, reply.code) == ("c1", "bad_message") and "'target'" in reply.message
    still_serving(server, speech_wav, tmp_path, "cancel")


def test_an_error_about_a_huge_path_is_shortened_to_fit(server: ServeClient, speech_wav: Path,
                                                       tmp_path: Path) -> None:
    folder = "/" + "/".join(["d" * 200] * 2000)  # a path no file system takes, in a line that fits
    server.send_raw(json.dumps({"v": 1, "type": "animate", "id": "p1", "audio_path": folder + "/a.wav"}).encode()
                    + b"\n")
    reply = next_error(server)
    assert reply.id == "p1" and reply.code == "invalid_argument", reply
    assert len(reply.message) <= MAX_MESSAGE_CHARS and "use a shorter path" in reply.message
    still_serving(server, speech_wav, tmp_path, "path")


def test_many_long_requests_in_a_row_do_not_wear_the_server_down(server: ServeClient, speech_wav: Path,
                                                                tmp_path: Path) -> None:
    burst = b"".join(json.dumps({"v": 1, "type": kind, "id": HUGE[: MAX_LINE_BYTES // 8]}).encode() + b"\n"
                     for kind in ("hello", "animate", "hello", "cancel") * 3)
    server.send_raw(burst)
    codes = [next_error(server).code for _ in range(12)]
    assert codes == ["bad_message"] * 12
    still_serving(server, speech_wav, tmp_path, "burst")


# ----------------------------------------------------------------------------- the encoder's fallback


def test_encode_fitting_replaces_what_cannot_be_sent() -> None:
    too_big = ResultReply(id="r", path="p", frames=1, fps=25.0, seeds=[0], duration_s=1.0,
                          emotion_track=[[0.5] * 1000] * 400)  # > 1 MiB of JSON
    line = encode_fitting(too_big)
    assert line is not None and len(line.encode()) < 2000
    assert json.loads(line)["code"] == "message_too_large" and json.loads(line)["id"] == "r"
    nan = ResultReply(id="n", path="p", frames=1, fps=25.0, seeds=[0], duration_s=float("nan"))
    assert json.loads(encode_fitting(nan))["code"] == "internal_error"  # type: ignore[arg-type]
    assert encode_fitting(ProgressReply(id="p", fraction=float("nan"), stage="x")) is None  # dropped, never an end
    long_message = ErrorReply(id="e", code="audio_invalid", message="start " + "m" * 100_000 + " end")
    decoded = json.loads(encode_fitting(long_message))  # type: ignore[arg-type]
    assert len(decoded["message"]) <= MAX_MESSAGE_CHARS
    assert decoded["message"].startswith("start ") and decoded["message"].endswith(" end")
    unsendable_id = ErrorReply(id="i" * MAX_LINE_BYTES, code="busy", message="m")
    assert json.loads(encode_fitting(unsendable_id))["id"] is None  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- the add-on


def test_addon_run_with_a_huge_request_gets_a_sentence_and_the_backend_serves_on(backend, tmp_path: Path,
                                                                                 speech_wav: Path) -> None:
    """The add-on's own BatchRun sends a request near the line limit (a 600 KB path): the reply it
    gets back fits, says what to do, and the same backend process runs the next clip."""
    import sys

    from blender_addon import backend_locator, backend_session
    from blender_addon.animate_job import JobState
    from blender_addon.batch import BatchRun, PreparedClip
    from blender_addon.client import BackendSettings

    settings = BackendSettings(python=sys.executable, backend_dir=str(backend_locator.backend_dir()),
                               model_dir=backend.model_dir, device="cpu", log_path=str(tmp_path / "backend.log"))

    def clip(audio: str, out: Path) -> PreparedClip:
        return PreparedClip(clip="line", params={"audio_path": audio, "output_path": str(out), "fps": 25.0},
                            first_frame=1.0, frame_count=10)

    huge = "/" + "/".join(["p" * 250] * 2400) + "/line.wav"  # ~600 KB
    bad = BatchRun(settings=settings, clips=[clip(huge, tmp_path / "a.npz")])
    bad.run_blocking(poll_s=0.05)
    assert bad.state is JobState.FAILED and "use a shorter path" in bad.error, bad.error
    assert len(bad.error) < MAX_MESSAGE_CHARS + 200
    client = backend_session.current()
    assert client is not None and client.alive
    good = BatchRun(settings=settings, clips=[clip(str(speech_wav), tmp_path / "b.npz")])
    good.run_blocking(poll_s=0.05)
    assert good.state is JobState.DONE, good.error
    assert backend_session.current() is client
