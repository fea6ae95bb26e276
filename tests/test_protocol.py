"""The wire schema: round trips, validation, and the error a bad line earns."""

from __future__ import annotations

import json

import pytest

from deeptalk import protocol as p


@pytest.mark.parametrize("message", [
    p.HelloRequest(id="h1"),
    p.AnimateRequest(id="a1", audio_path="/tmp/x y/é.wav", start_s=1.5, end_s=3.0, fps=29.97,
                     alpha=1.0, temperature_top=0.5, temperature_bottom=0.2, seed=7, takes=3,
                     emotion="happy", emotion_weight=0.5, output_path="/tmp/o.npz", lip_seal=0.25),
    p.CancelRequest(id="c1", target="a1"),
    p.ShutdownRequest(id="s1"),
])
def test_request_round_trip(message):
    line = p.encode(message)
    assert line.endswith("\n") and line.count("\n") == 1
    assert p.decode_request(line) == message


@pytest.mark.parametrize("message", [
    p.HelloReply(id="h1", protocol=1, version="0.1.0", device="cpu", model_id="m",
                 emotions=["neutral", "happy"], capabilities=["cancel"]),
    p.ProgressReply(id="a1", fraction=0.25, stage="generator"),
    p.ResultReply(id="a1", path="/o.npz", frames=12, fps=24.0, seeds=[1, 2], duration_s=0.5,
                  emotions=["neutral"], emotion_mean=[0.1], emotion_logvar=[-2.0], emotion_track=[[1.0]]),
    p.OkReply(id="c1"),
    p.ByeReply(id="s1"),
    p.ErrorReply(id=None, code="bad_json", message="nope"),
])
def test_reply_round_trip(message):
    assert p.decode_reply(p.encode(message)) == message


def _line(**fields) -> str:
    return json.dumps({"v": p.PROTOCOL_VERSION, **fields})


@pytest.mark.parametrize("line, code", [
    ("{not json", p.ErrorCode.BAD_JSON),
    (b"\xff\xfe", p.ErrorCode.BAD_JSON),
    ("[1, 2]", p.ErrorCode.BAD_MESSAGE),
    (json.dumps({"v": 99, "type": "hello", "id": "x"}), p.ErrorCode.UNSUPPORTED_VERSION),
    (_line(type="dance", id="x"), p.ErrorCode.UNKNOWN_TYPE),
    (_line(type="hello", id="x", extra=1), p.ErrorCode.BAD_MESSAGE),
    (_line(type="animate", id="x"), p.ErrorCode.BAD_MESSAGE),
    (_line(type="animate", id="x", audio_path=3), p.ErrorCode.BAD_MESSAGE),
    (_line(type="animate", id="x", audio_path="a.wav", takes=True), p.ErrorCode.BAD_MESSAGE),
    (_line(type="animate", id="x", audio_path="a.wav", takes=0), p.ErrorCode.INVALID_ARGUMENT),
    (_line(type="animate", id="x", audio_path="a.wav", fps=-1), p.ErrorCode.INVALID_ARGUMENT),
    (_line(type="animate", id="x", audio_path="a.wav", start_s=2, end_s=1), p.ErrorCode.INVALID_ARGUMENT),
    (_line(type="animate", id="x", audio_path="a.wav", emotion_weight=2), p.ErrorCode.INVALID_ARGUMENT),
    (_line(type="animate", id="x", audio_path="a.wav", lip_seal=-0.1), p.ErrorCode.INVALID_ARGUMENT),
    (_line(type="animate", id="x", audio_path="a.wav", lip_seal="on"), p.ErrorCode.BAD_MESSAGE),
    ("x" * (p.MAX_LINE_BYTES + 1), p.ErrorCode.MESSAGE_TOO_LARGE),
])
def test_bad_lines_get_stable_codes(line, code):
    with pytest.raises(p.ProtocolError) as info:
        p.decode_request(line)
    assert info.value.code is code
    assert info.value.message


def test_error_keeps_request_id_when_readable():
    with pytest.raises(p.ProtocolError) as info:
        p.decode_request(_line(type="animate", id="req-9", audio_path="a.wav", seed=-1))
    reply = p.error_reply(info.value)
    assert reply.id == "req-9" and reply.code == "invalid_argument" and "seed" in reply.message


def test_non_finite_numbers_are_refused():
    with pytest.raises(p.ProtocolError) as info:
        p.decode_request('{"v":1,"type":"animate","id":"x","audio_path":"a","alpha":NaN}')
    assert info.value.code is p.ErrorCode.INVALID_ARGUMENT


def test_internal_errors_become_error_replies():
    reply = p.error_reply(RuntimeError("boom"), request_id="r")
    assert reply == p.ErrorReply(id="r", code="internal_error", message="RuntimeError: boom")


def test_protocol_module_is_stdlib_only():
    """The add-on loads this file inside Blender, which has no torch or numpy guarantee."""
    import ast
    import sys

    tree = ast.parse(open(p.__file__, encoding="utf-8").read())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
