"""The real `deeptalk serve` subprocess on a real (untrained, tiny) model: handshake, animate,
bad requests, cancel, queue limits, and the same process answering correctly afterwards."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from deeptalk.audio import load_audio
from deeptalk.motion_io import read_motion
from deeptalk.motion_resample import frame_count, resample_motion
from deeptalk.protocol import (
    PROTOCOL_VERSION,
    AnimateRequest,
    CancelRequest,
    ErrorReply,
    OkReply,
    ProgressReply,
    ResultReply,
    ShutdownRequest,
)
from deeptalk.serve_client import RemoteError, ServeClient

TIMEOUT = 60.0
EMOTIONS = ["neutral", "happy", "sad", "angry", "surprised"]


@pytest.fixture(scope="module")
def client(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeClient]:
    out_dir = tmp_path_factory.mktemp("serve-out")
    c = ServeClient.start(model_dir=tiny_model_dir, device="cpu",
                          args=["--max-queue", "1", "--threads", "1", "--output-dir", str(out_dir)])
    try:
        yield c
    finally:
        c.kill()


def _wait_started(client: ServeClient, request_id: str) -> None:
    """Block until `request_id` reports progress inside the model."""
    while True:
        reply = client.read(TIMEOUT)
        assert reply.id == request_id, reply
        if isinstance(reply, ProgressReply) and reply.fraction > 0.05:
            return


def test_handshake(client: ServeClient) -> None:
    hello = client.hello(timeout=TIMEOUT)
    assert hello.protocol == PROTOCOL_VERSION and hello.device == "cpu"
    assert hello.model_id == "untrained-tiny" and hello.emotions == EMOTIONS
    assert {"animate", "cancel", "queue", "fps_resample"} <= set(hello.capabilities)


def test_animate_writes_the_npz(client: ServeClient, speech_wav: Path, tmp_path: Path) -> None:
    progress: list[ProgressReply] = []
    result = client.animate(AnimateRequest(id="a30", audio_path=str(speech_wav), output_path=str(tmp_path / "a.npz"),
                                           fps=30.0, takes=2, seed=5, alpha=0.5, temperature_top=0.5),
                            timeout=TIMEOUT, on_progress=progress.append)
    duration = len(load_audio(speech_wav).samples) / 16000
    assert result.path == str(tmp_path / "a.npz") and result.duration_s == pytest.approx(duration, abs=1e-5)
    assert result.frames == frame_count(duration, 30.0) and result.fps == 30.0 and result.seeds == [5, 6]
    fractions = [p.fraction for p in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and 0.0 <= fractions[0]
    assert {"loading_audio", "emotion", "motion", "writing"} <= {p.stage for p in progress}

    motion = read_motion(result.path)
    assert motion.exp.shape == (2, result.frames, 50) and motion.jaw.shape == (2, result.frames, 3)
    assert (motion.fps, motion.seeds, motion.model_id, motion.protocol) == (30.0, (5, 6), "untrained-tiny", 1)
    assert not np.allclose(motion.exp[0], motion.exp[1])  # two different takes
    track = np.asarray(result.emotion_track)
    assert track.shape == (int(np.ceil(duration)), len(EMOTIONS)) and result.emotions == EMOTIONS
    np.testing.assert_allclose(track.sum(axis=1), 1.0, atol=1e-3)
    assert len(result.emotion_mean) == len(result.emotion_logvar) == motion.emotion_mean.shape[0] > 0

    # The same request at 25 fps, resampled here, is the 30 fps file: time-aligned and deterministic.
    at25 = client.animate(AnimateRequest(id="a25", audio_path=str(speech_wav), output_path=str(tmp_path / "b.npz"),
                                         fps=25.0, takes=2, seed=5, alpha=0.5, temperature_top=0.5), timeout=TIMEOUT)
    m25 = read_motion(at25.path)
    again = resample_motion(np.concatenate([m25.exp, m25.jaw], axis=-1), dst_fps=30.0, duration_s=duration)
    np.testing.assert_allclose(again, np.concatenate([motion.exp, motion.jaw], axis=-1), atol=1e-5)


def test_default_output_path(client: ServeClient, speech_wav: Path) -> None:
    result = client.animate(AnimateRequest(id="noout", audio_path=str(speech_wav)), timeout=TIMEOUT)
    assert Path(result.path).name == "line-noout.npz" and read_motion(result.path).frames == result.frames


def test_bad_requests_get_errors_and_serving_goes_on(client: ServeClient, speech_wav: Path, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4)
    (tmp_path / "blocker").write_text("a file, not a folder")
    ok = {"audio_path": str(speech_wav)}
    client.send_raw(b'{"v":1,"type":"animate","id":"broken", "audio_path": \n')
    client.send_raw(b'{"v":1,"type":"teleport","id":"t1"}\n')
    client.send_raw(b'[1, 2, 3]\n')
    client.send_raw(b'{"v":1,"type":"animate","id":"f0","audio_path":"x.wav","fps":0}\n')
    client.send_raw(b'{"v":1,"type":"animate","id":"typo","audio_path":"x.wav","temprature":1}\n')
    client.send(AnimateRequest(id="missing", audio_path=str(tmp_path / "nope.wav")))
    client.send(AnimateRequest(id="emo", emotion="bored", emotion_weight=1.0, **ok))
    client.send(AnimateRequest(id="unwritable", output_path=str(tmp_path / "blocker" / "x.npz"), **ok))
    expected = {None: "bad_json", "t1": "unknown_type", "f0": "invalid_argument", "typo": "bad_message",
                "missing": "file_not_found", "emo": "invalid_argument",
                "unwritable": "output_unwritable"}
    got: dict[str | None, str] = {}
    bad_message_ids = 0
    while len(got) + bad_message_ids < len(expected) + 1:
        reply = client.read(TIMEOUT)
        if isinstance(reply, ProgressReply):
            continue
        assert isinstance(reply, ErrorReply), reply
        assert reply.message
        if reply.id is None and reply.code == "bad_message":  # the JSON array
            bad_message_ids += 1
            continue
        got[reply.id] = reply.code
    assert got == expected
    # errors found while running (one at a time: the queue holds one)
    for request_id, extra, code in (("corrupt", {"audio_path": str(corrupt)}, "audio_unreadable"),
                                    ("slice", {"start_s": 50.0, "end_s": 60.0, **ok}, "invalid_argument")):
        with pytest.raises(RemoteError) as info:
            client.animate(AnimateRequest(id=request_id, output_path=str(tmp_path / f"{request_id}.npz"),
                                          **{"audio_path": str(speech_wav), **extra}), timeout=TIMEOUT)
        assert info.value.code == code and not (tmp_path / f"{request_id}.npz").exists()
    result = client.animate(AnimateRequest(id="after-errors", output_path=str(tmp_path / "ok.npz"), **ok),
                            timeout=TIMEOUT)
    assert read_motion(result.path).frames == result.frames


def test_cancel_running_request_stops_within_a_second(client: ServeClient, long_speech_wav: Path,
                                                      speech_wav: Path, tmp_path: Path) -> None:
    client.send(AnimateRequest(id="long", audio_path=str(long_speech_wav), output_path=str(tmp_path / "long.npz"),
                               takes=4))
    _wait_started(client, "long")
    sent = time.monotonic()
    client.send(CancelRequest(id="stop", target="long"))
    assert isinstance(client.wait_for("stop", TIMEOUT), OkReply)
    ended = client.wait_for("long", TIMEOUT)
    elapsed = time.monotonic() - sent
    assert isinstance(ended, ErrorReply) and ended.code == "cancelled"
    assert elapsed < 1.0, f"cancel took {elapsed:.2f} s"
    assert not (tmp_path / "long.npz").exists() and list(tmp_path.iterdir()) == []
    client.send(CancelRequest(id="stop-again", target="long"))  # nothing left to cancel
    assert client.wait_for("stop-again", TIMEOUT).code == "invalid_argument"  # type: ignore[union-attr]
    result = client.animate(AnimateRequest(id="after-cancel", audio_path=str(speech_wav),
                                           output_path=str(tmp_path / "after.npz")), timeout=TIMEOUT)
    assert isinstance(result, ResultReply) and read_motion(result.path).frames == result.frames


def test_queue_busy_and_cancel_of_a_queued_request(client: ServeClient, long_speech_wav: Path,
                                                   speech_wav: Path, tmp_path: Path) -> None:
    client.send(AnimateRequest(id="q-run", audio_path=str(long_speech_wav), output_path=str(tmp_path / "r.npz")))
    _wait_started(client, "q-run")
    client.send(AnimateRequest(id="q-wait", audio_path=str(speech_wav), output_path=str(tmp_path / "w.npz")))
    client.send(AnimateRequest(id="q-wait", audio_path=str(speech_wav)))  # same id again
    client.send(AnimateRequest(id="q-busy", audio_path=str(speech_wav)))  # --max-queue 1 is full
    assert client.wait_for("q-busy", TIMEOUT).code == "busy"  # type: ignore[union-attr]
    client.send(CancelRequest(id="drop", target="q-wait"))
    codes: list[tuple[str | None, str]] = []
    while len(codes) < 3:  # progress lines of q-run interleave
        reply = client.read(TIMEOUT)
        if not isinstance(reply, ProgressReply):
            codes.append((reply.id, getattr(reply, "code", reply.TYPE)))
    codes.sort(key=str)
    assert codes == [("drop", "ok"), ("q-wait", "cancelled"), ("q-wait", "invalid_argument")]
    client.send(CancelRequest(id="drop-run", target="q-run"))
    assert isinstance(client.wait_for("drop-run", TIMEOUT), OkReply)
    assert client.wait_for("q-run", TIMEOUT).code == "cancelled"  # type: ignore[union-attr]
    assert not (tmp_path / "w.npz").exists() and not (tmp_path / "r.npz").exists()


def test_still_healthy_then_shutdown(client: ServeClient, speech_wav: Path, tmp_path: Path) -> None:
    assert client.hello(timeout=TIMEOUT).model_id == "untrained-tiny"
    with pytest.raises(RemoteError) as info:
        client.animate(AnimateRequest(id="late-missing", audio_path=str(tmp_path / "gone.wav")), timeout=TIMEOUT)
    assert info.value.code == "file_not_found"
    client.send(ShutdownRequest(id="bye"))
    assert client.wait_for("bye", TIMEOUT).TYPE == "bye"
    assert client.process.wait(TIMEOUT) == 0
    assert client.stray_lines == []
