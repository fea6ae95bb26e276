"""Malformed, oversized and out-of-order protocol traffic to the real `deeptalk serve` process.

Each bad line gets an `error` reply with its specific code (and the request id when one could
be read); the process never dies, never writes a non-protocol line, and answers a good request
afterwards. tests/server covers the basic cases (bad JSON, unknown type, typo'd field,
oversized line); these are the nastier ones.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from deeptalk.motion_io import read_motion
from deeptalk.protocol import (AnimateRequest, ByeReply, CancelRequest, ErrorReply, HelloRequest, OkReply,
                               ProgressReply, ShutdownRequest, encode)
from deeptalk.serve_client import ServeClient

TIMEOUT = 120.0


def start(model_dir: Path, *extra: str) -> ServeClient:
    return ServeClient.start(model_dir=model_dir, device="cpu", args=["--threads", "1", "--no-warmup", *extra])


@pytest.fixture(scope="module")
def server(tiny_model_dir: Path) -> Iterator[ServeClient]:
    client = start(tiny_model_dir, "--max-queue", "2")
    client.hello(timeout=TIMEOUT)
    yield client
    assert client.stray_lines == []
    client.kill()


def repeated(source: Path, target: Path, times: int) -> Path:
    """`source` played `times` times in a row (long enough to interrupt)."""
    line, rate = sf.read(str(source), dtype="float32")
    sf.write(str(target), np.tile(line, times), rate)
    return target


def errors(client: ServeClient, count: int) -> list[tuple[str | None, str]]:
    """The next `count` error replies as (id, code), skipping progress."""
    found: list[tuple[str | None, str]] = []
    while len(found) < count:
        reply = client.read(TIMEOUT)
        if isinstance(reply, ProgressReply):
            continue
        assert isinstance(reply, ErrorReply), reply
        assert reply.message, reply
        found.append((reply.id, reply.code))
    return found


BAD_LINES: list[tuple[bytes, tuple[str | None, str]]] = [
    (b"\xff\xfe{not utf-8 at all}\n", (None, "bad_json")),
    (b"[" * 100_000 + b"\n", (None, "bad_json")),  # nesting deep enough to blow the parser's recursion
    (b'"just a string"\n', (None, "bad_message")),
    (b'{"v":1,"type":"hello"}\n', (None, "bad_message")),  # no id
    (b'{"v":1,"type":"hello","id":42}\n', (None, "bad_message")),  # id not a string
    (b'{"type":"hello","id":"nov"}\n', ("nov", "unsupported_version")),  # no version
    (b'{"v":"1","type":"hello","id":"vs"}\n', ("vs", "unsupported_version")),
    (b'{"v":1,"type":"animate","id":"nan","audio_path":"a.wav","fps":NaN}\n', ("nan", "invalid_argument")),
    (b'{"v":1,"type":"animate","id":"inf","audio_path":"a.wav","alpha":Infinity}\n', ("inf", "invalid_argument")),
    (b'{"v":1,"type":"animate","id":"str","audio_path":"a.wav","fps":"25"}\n', ("str", "bad_message")),
    (b'{"v":1,"type":"animate","id":"half","audio_path":"a.wav","takes":1.5}\n', ("half", "bad_message")),
    (b'{"v":1,"type":"animate","id":"bool","audio_path":"a.wav","takes":true}\n', ("bool", "bad_message")),
    (b'{"v":1,"type":"animate","id":"many","audio_path":"a.wav","takes":100000}\n', ("many", "invalid_argument")),
    (b'{"v":1,"type":"animate","id":"nopath"}\n', ("nopath", "bad_message")),
    (b'{"v":1,"type":"animate","id":"neg","audio_path":"a.wav","seed":-1}\n', ("neg", "invalid_argument")),
    (b'{"v":1,"type":"cancel","id":"c0"}\n', ("c0", "bad_message")),  # no target
    (b'{"v":1,"type":"result","id":"rr","path":"x","frames":1,"fps":25,"seeds":[0],"duration_s":1}\n',
     ("rr", "unknown_type")),  # a reply sent as a request
]


def test_each_bad_line_gets_its_own_error(server: ServeClient) -> None:
    for line, expected in BAD_LINES:
        server.send_raw(line)
        assert errors(server, 1) == [expected], line[:80]
    server.send(HelloRequest(id="still-there"))
    assert server.wait_for("still-there", TIMEOUT).protocol == 1  # type: ignore[union-attr]


def test_a_request_split_across_writes_is_one_request(server: ServeClient) -> None:
    for part in (b'{"v":1,', b'"type":"hel', b'lo","id":"sp', b'lit"}', b"\n"):
        server.send_raw(part)
        time.sleep(0.05)
    assert server.wait_for("split", TIMEOUT).model_id == "untrained-tiny"  # type: ignore[union-attr]


def test_out_of_order_cancels(server: ServeClient, speech_wav: Path, tmp_path: Path) -> None:
    server.send(CancelRequest(id="early", target="later"))  # cancel before its target exists
    assert errors(server, 1) == [("early", "invalid_argument")]
    result = server.animate(AnimateRequest(id="later", audio_path=str(speech_wav),
                                           output_path=str(tmp_path / "a.npz")), timeout=TIMEOUT)
    server.send(CancelRequest(id="late", target="later"))  # cancel after it finished
    assert errors(server, 1) == [("late", "invalid_argument")]
    server.send(AnimateRequest(id="later", audio_path=str(speech_wav), output_path=str(tmp_path / "b.npz")))
    assert server.wait_for("later", TIMEOUT).frames == result.frames  # type: ignore[union-attr]  # ids reusable


def test_a_burst_beyond_the_queue_gets_busy(server: ServeClient, speech_wav: Path, tmp_path: Path) -> None:
    ids = [f"burst{i}" for i in range(6)]
    burst = b"".join(encode(AnimateRequest(id=i, audio_path=str(speech_wav), output_path=str(tmp_path / f"{i}.npz")))
                     .encode("utf-8") for i in ids)
    server.send_raw(burst)  # all six in one write
    outcomes = {i: server.wait_for(i, TIMEOUT) for i in ids}
    busy = [i for i, r in outcomes.items() if isinstance(r, ErrorReply) and r.code == "busy"]
    done = [i for i, r in outcomes.items() if not isinstance(r, ErrorReply)]
    assert busy and done and len(busy) + len(done) == 6, outcomes  # running + 2 queued succeed, others wait
    assert all(read_motion(tmp_path / f"{i}.npz").frames > 0 for i in done)
    assert not any((tmp_path / f"{i}.npz").exists() for i in busy)


def test_shutdown_mid_request_cancels_it_and_exits_cleanly(tiny_model_dir: Path, speech_wav: Path,
                                                           tmp_path: Path) -> None:
    long_audio = repeated(speech_wav, tmp_path / "long.wav", 40)
    with start(tiny_model_dir) as client:
        client.hello(timeout=TIMEOUT)
        client.send(AnimateRequest(id="long", audio_path=str(long_audio), output_path=str(tmp_path / "l.npz")))
        while not isinstance(client.read(TIMEOUT), ProgressReply):
            pass
        client.send(ShutdownRequest(id="bye"))
        client.send(HelloRequest(id="after-shutdown"))  # must not be answered
        replies = {}
        while "bye" not in replies:
            reply = client.read(TIMEOUT)
            if not isinstance(reply, ProgressReply):
                replies[reply.id] = reply
        assert isinstance(replies["bye"], ByeReply)
        assert client.process.wait(TIMEOUT) == 0
        assert "after-shutdown" not in replies and not (tmp_path / "l.npz").exists()
        assert not list(tmp_path.glob("*.tmp*")) and not list(tmp_path.glob(".*"))  # no half-written result
        assert client.stray_lines == []


def test_cancel_reply_is_ok_then_cancelled(server: ServeClient, speech_wav: Path, tmp_path: Path) -> None:
    long_audio = repeated(speech_wav, tmp_path / "long.wav", 40)
    server.send(AnimateRequest(id="to-cancel", audio_path=str(long_audio), output_path=str(tmp_path / "c.npz")))
    server.send(CancelRequest(id="cx", target="to-cancel"))
    server.send(CancelRequest(id="cx2", target="to-cancel"))  # a second cancel of the same request
    replies = {r: server.wait_for(r, TIMEOUT) for r in ("cx", "to-cancel", "cx2")}
    assert isinstance(replies["cx"], OkReply)
    assert isinstance(replies["to-cancel"], ErrorReply) and replies["to-cancel"].code == "cancelled"
    assert isinstance(replies["cx2"], (OkReply, ErrorReply))  # ok if it raced the first, else no such request
    assert not (tmp_path / "c.npz").exists() and not list(tmp_path.glob("*.npz*"))
