"""`deeptalk serve` whose model cannot load: it says so, keeps serving, rejects oversized lines,
and exits on EOF (real subprocess)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deeptalk.protocol import MAX_LINE_BYTES, AnimateRequest, CancelRequest, ErrorReply, HelloRequest
from deeptalk.serve_client import RemoteError, ServeClient

TIMEOUT = 60.0


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeClient]:
    missing = tmp_path_factory.mktemp("nomodel") / "not-a-model"
    with ServeClient.start(model_dir=missing, device="cpu", args=["--no-parent-watch"]) as c:
        yield c
        c.kill()


def test_hello_reports_model_error(client: ServeClient) -> None:
    with pytest.raises(RemoteError) as info:
        client.hello(timeout=TIMEOUT)
    assert info.value.code == "model_error"
    assert "not-a-model" in info.value.message


def test_requests_get_errors_and_the_server_stays_up(client: ServeClient, tmp_path: Path) -> None:
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"RIFF")
    client.send_raw(b"{not json\n")
    client.send_raw(b'{"v":1,"type":"frobnicate","id":"u1"}\n')
    client.send_raw(b'{"v":99,"type":"hello","id":"v99"}\n')
    client.send(AnimateRequest(id="a1", audio_path=str(wav)))
    client.send(CancelRequest(id="c1", target="nothing-running"))
    replies = [client.read(TIMEOUT) for _ in range(5)]
    codes = {(r.id, r.code) for r in replies if isinstance(r, ErrorReply)}
    assert codes == {(None, "bad_json"), ("u1", "unknown_type"), ("v99", "unsupported_version"),
                     ("a1", "model_error"), ("c1", "invalid_argument")}
    client.send(HelloRequest(id="again"))
    assert client.wait_for("again", TIMEOUT).code == "model_error"  # type: ignore[union-attr]
    assert client.process.poll() is None
    assert client.stray_lines == []


def test_oversized_line_is_rejected_and_serving_goes_on(client: ServeClient) -> None:
    client.send_raw(b'{"v":1,"type":"hello","id":"' + b"x" * (MAX_LINE_BYTES + 10) + b'"}\n')
    reply = client.read(TIMEOUT)
    assert isinstance(reply, ErrorReply) and reply.code == "message_too_large"
    client.send_raw(b"\n   \n")  # blank lines are ignored
    client.send(HelloRequest(id="h"))
    assert client.wait_for("h", TIMEOUT).code == "model_error"  # type: ignore[union-attr]
    assert client.stray_lines == []


def test_eof_on_stdin_exits(client: ServeClient) -> None:
    assert client.process.stdin is not None
    client.process.stdin.close()
    assert client.process.wait(TIMEOUT) == 0
