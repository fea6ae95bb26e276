"""The add-on <-> backend protocol: versioned JSON lines over the backend's stdin/stdout.

Standard library only: the Blender add-on loads this very file (it never imports
torch), so this module is the single source of the schema for both sides.

Wire format
-----------
One JSON object per line, UTF-8, at most `MAX_LINE_BYTES` bytes. Every message has
`"v"` (the protocol version), `"type"` and `"id"` (chosen by the client; replies carry
the id of the request they answer). The backend's stdout carries protocol lines only;
its logs go to stderr.

Requests (client -> backend)   Replies (backend -> client)
  hello                          hello      (versions, device, model, capabilities)
  animate                        progress*  then exactly one of result | error
  cancel {target}                ok         (the cancelled animate ends with error "cancelled")
  shutdown                       bye        (then the process exits)
Any request can be answered by `error` with a stable `code` (see `ErrorCode`) and a
sentence for people. A bad request never stops the backend.

The output of `animate` is an `.npz` file (no pickles) holding `exp (takes, T, 50)`,
`jaw (takes, T, 3)` (axis-angle, radians), `fps`, `seeds`, `model_id`, `protocol`; with
`arkit: true` also `arkit (takes, T, 52)` and `arkit_names`; optionally `face_emotion
(takes, K)` (what each take's face expresses).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import Any, ClassVar, Union

PROTOCOL_VERSION = 1
MAX_LINE_BYTES = 1 << 20
MAX_ID_CHARS = 256  # request ids (and cancel targets): longer ones are refused, never echoed
MAX_MESSAGE_CHARS = 4000  # error messages are shortened (middle cut) beyond this
MAX_TAKES = 16
MAX_FPS = 240.0
EXPRESSION_DIM = 50
JAW_DIM = 3


class ErrorCode(str, Enum):
    """Stable machine-readable error codes; the message beside them is for people."""

    BAD_JSON = "bad_json"
    BAD_MESSAGE = "bad_message"
    MESSAGE_TOO_LARGE = "message_too_large"
    UNKNOWN_TYPE = "unknown_type"
    UNSUPPORTED_VERSION = "unsupported_version"
    INVALID_ARGUMENT = "invalid_argument"
    FILE_NOT_FOUND = "file_not_found"
    AUDIO_UNREADABLE = "audio_unreadable"
    AUDIO_EMPTY = "audio_empty"
    AUDIO_INVALID = "audio_invalid"
    AUDIO_TOO_LONG = "audio_too_long"
    OUTPUT_UNWRITABLE = "output_unwritable"
    BUSY = "busy"
    CANCELLED = "cancelled"
    MODEL_ERROR = "model_error"
    INTERNAL_ERROR = "internal_error"


class ProtocolError(Exception):
    """A message that cannot be accepted; `request_id` is set when it could be read."""

    def __init__(self, code: ErrorCode, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class HelloRequest:
    """Handshake; the reply says what the backend is and can do."""

    TYPE: ClassVar[str] = "hello"
    id: str


@dataclass(frozen=True)
class AnimateRequest:
    """Animate one audio file (optionally a [start_s, end_s) slice of it).

    alpha: spread of the emotion vector sampled from the speech's Gaussian embedding
        (z = mu + alpha * sigma * eps); 0 uses the mean.
    temperature_top / temperature_bottom: codebook sampling temperatures of the coarse
        and fine motion levels; 0 takes the most likely code (argmax).
    seed: take k uses seed + k; same inputs and seed give the same motion.
    emotion / emotion_weight: optional override, one of the model's emotion names,
        blended with the speech's emotion by the weight (0 = speech only, 1 = override).
    arkit: also write ARKit blendshape weights to the `.npz` (`arkit (takes, T, 52)` in
        [0, 1] and `arkit_names`), for characters rigged with ARKit-named shape keys.
    emotion_intensity: optional, in [0, 1]: scales the expression channels (not lips, jaw or
        blinks) towards rest; 1 (the default) leaves the motion as generated. The add-on keeps
        1 and scales over time on the rig instead (keyable).
    lip_seal: optional, in [0, 1]: how firmly the lips meet on m/b/p, where the model has a
        measured bilabial pose (`lip_seal`); 0 leaves the motion as generated; default 1.
    """

    TYPE: ClassVar[str] = "animate"
    id: str
    audio_path: str
    output_path: str | None = None
    start_s: float | None = None
    end_s: float | None = None
    fps: float = 25.0
    alpha: float = 0.5
    temperature_top: float = 0.3
    temperature_bottom: float = 0.0
    seed: int = 0
    takes: int = 1
    emotion: str | None = None
    emotion_weight: float = 0.0
    arkit: bool = False
    emotion_intensity: float = 1.0
    lip_seal: float = 1.0

    def __post_init__(self) -> None:
        _require(bool(self.audio_path), "audio_path must be a non-empty path")
        _require(_finite(self.emotion_intensity) and 0 <= self.emotion_intensity <= 1,
                 "emotion_intensity must be in [0, 1]")
        _require(_finite(self.lip_seal) and 0 <= self.lip_seal <= 1, "lip_seal must be in [0, 1]")
        _require(_finite(self.fps) and 0 < self.fps <= MAX_FPS, f"fps must be in (0, {MAX_FPS:g}]")
        _require(_finite(self.alpha) and 0 <= self.alpha <= 10, "alpha must be in [0, 10]")
        for name in ("temperature_top", "temperature_bottom"):
            value = getattr(self, name)
            _require(_finite(value) and 0 <= value <= 10, f"{name} must be in [0, 10]")
        _require(0 <= self.seed < 2**31, "seed must be in [0, 2**31)")
        _require(1 <= self.takes <= MAX_TAKES, f"takes must be in [1, {MAX_TAKES}]")
        _require(_finite(self.emotion_weight) and 0 <= self.emotion_weight <= 1,
                 "emotion_weight must be in [0, 1]")
        for name in ("start_s", "end_s"):
            value = getattr(self, name)
            _require(value is None or (_finite(value) and value >= 0), f"{name} must be >= 0")
        if self.start_s is not None and self.end_s is not None:
            _require(self.end_s > self.start_s, "end_s must be greater than start_s")


@dataclass(frozen=True)
class CancelRequest:
    """Cancel the running request whose id is `target`."""

    TYPE: ClassVar[str] = "cancel"
    id: str
    target: str


@dataclass(frozen=True)
class ShutdownRequest:
    """Ask the backend to exit cleanly."""

    TYPE: ClassVar[str] = "shutdown"
    id: str


Request = Union[HelloRequest, AnimateRequest, CancelRequest, ShutdownRequest]

# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class HelloReply:
    TYPE: ClassVar[str] = "hello"
    id: str
    protocol: int
    version: str
    device: str
    model_id: str
    emotions: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    flame_basis: str = ""  # optional: the model's FLAME expression basis ("" = not reported)


@dataclass(frozen=True)
class ProgressReply:
    """`fraction` in [0, 1] of the whole request; `stage` names what runs now."""

    TYPE: ClassVar[str] = "progress"
    id: str
    fraction: float
    stage: str


@dataclass(frozen=True)
class ResultReply:
    """Where the `.npz` is, plus the clip's emotion as the model heard it.

    emotion_mean / emotion_logvar: the clip's Gaussian emotion embedding (D,).
    emotion_track: per-second probabilities (seconds x len(emotions)) of the model's
    emotion classes, by embedding distance to class prototypes (what the voice says).
    face_emotion: optional, per take the probabilities (takes x len(emotions)) of what the
    generated face expresses, read by the model's FER critic; empty when the model has none.
    """

    TYPE: ClassVar[str] = "result"
    id: str
    path: str
    frames: int
    fps: float
    seeds: list[int]
    duration_s: float
    emotions: list[str] = field(default_factory=list)
    emotion_mean: list[float] = field(default_factory=list)
    emotion_logvar: list[float] = field(default_factory=list)
    emotion_track: list[list[float]] = field(default_factory=list)
    face_emotion: list[list[float]] = field(default_factory=list)


@dataclass(frozen=True)
class OkReply:
    TYPE: ClassVar[str] = "ok"
    id: str


@dataclass(frozen=True)
class ByeReply:
    TYPE: ClassVar[str] = "bye"
    id: str


@dataclass(frozen=True)
class ErrorReply:
    TYPE: ClassVar[str] = "error"
    id: str | None
    code: str
    message: str


Reply = Union[HelloReply, ProgressReply, ResultReply, OkReply, ByeReply, ErrorReply]

REQUEST_TYPES: dict[str, type] = {
    cls.TYPE: cls for cls in (HelloRequest, AnimateRequest, CancelRequest, ShutdownRequest)
}
REPLY_TYPES: dict[str, type] = {
    cls.TYPE: cls for cls in (HelloReply, ProgressReply, ResultReply, OkReply, ByeReply, ErrorReply)
}

# --------------------------------------------------------------------------- codec


def encode(message: Request | Reply) -> str:
    """One protocol line (with trailing newline) for a request or reply."""
    payload = {"v": PROTOCOL_VERSION, "type": message.TYPE, **asdict(message)}
    line = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    if len(line.encode("utf-8")) >= MAX_LINE_BYTES:
        raise ProtocolError(ErrorCode.MESSAGE_TOO_LARGE, "message exceeds the line limit")
    return line + "\n"


def decode_request(line: str | bytes) -> Request:
    """Parse and validate a request line; raise ProtocolError saying what is wrong."""
    return _decode(line, REQUEST_TYPES, "request")


def decode_reply(line: str | bytes) -> Reply:
    """Parse and validate a reply line; raise ProtocolError saying what is wrong."""
    return _decode(line, REPLY_TYPES, "reply")


def error_reply(error: ProtocolError | Exception, request_id: str | None = None) -> ErrorReply:
    """An ErrorReply for an exception (ProtocolError keeps its code)."""
    if isinstance(error, ProtocolError):
        return ErrorReply(id=error.request_id or request_id, code=error.code.value, message=error.message)
    return ErrorReply(id=request_id, code=ErrorCode.INTERNAL_ERROR.value, message=f"{type(error).__name__}: {error}")


def shorten(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` cut in the middle to at most `limit` characters (both ends, which name the file, stay)."""
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    return f"{text[:half]} ... {text[-half:]}"


def encode_fitting(reply: Reply) -> str | None:
    """`encode(reply)`, or a reply that fits the protocol when it cannot be encoded; never raises.

    Error messages are shortened to MAX_MESSAGE_CHARS; an id that is too long is not echoed;
    a reply that still cannot be sent becomes an `error` saying so. A progress reply that
    cannot be sent is dropped (None): it must not read as the request's end.
    """
    if isinstance(reply, ErrorReply) and len(reply.message) > MAX_MESSAGE_CHARS:
        reply = ErrorReply(id=reply.id, code=reply.code, message=shorten(reply.message))
    try:
        return encode(reply)
    except Exception as exc:  # too large, NaN in a float field, a bad type ...
        problem = exc
    if isinstance(reply, ProgressReply):
        return None
    reply_id = getattr(reply, "id", None)
    reply_id = reply_id if isinstance(reply_id, str) and len(reply_id) <= MAX_ID_CHARS else None
    code = problem.code if isinstance(problem, ProtocolError) else ErrorCode.INTERNAL_ERROR
    detail = problem.message if isinstance(problem, ProtocolError) else f"{type(problem).__name__}: {problem}"
    try:
        return encode(ErrorReply(id=reply_id, code=code.value,
                                 message=shorten(f"the {reply.TYPE} reply could not be sent ({detail})", 1000)))
    except Exception:
        return encode(ErrorReply(id=None, code=ErrorCode.INTERNAL_ERROR.value, message="a reply could not be encoded"))


def _decode(line: str | bytes, types: dict[str, type], kind: str) -> Any:
    raw = line.encode("utf-8") if isinstance(line, str) else line
    if len(raw) > MAX_LINE_BYTES:
        raise ProtocolError(ErrorCode.MESSAGE_TOO_LARGE, f"{kind} is {len(raw)} bytes; the limit is {MAX_LINE_BYTES}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(ErrorCode.BAD_JSON, f"{kind} is not valid JSON: {exc}") from None
    except RecursionError:
        raise ProtocolError(ErrorCode.BAD_JSON, f"{kind} is nested too deeply to be a protocol message") from None
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, f"{kind} must be a JSON object")
    raw_id = data.get("id")
    request_id = raw_id if isinstance(raw_id, str) and len(raw_id) <= MAX_ID_CHARS else None
    for name in ("id", "target"):
        value = data.get(name)
        if isinstance(value, str) and len(value) > MAX_ID_CHARS:
            raise ProtocolError(ErrorCode.BAD_MESSAGE, f"{kind} field {name!r} is {len(value)} characters long; "
                                f"the limit is {MAX_ID_CHARS} (use a short id such as a UUID)", request_id)
    version = data.pop("v", None)
    if version != PROTOCOL_VERSION:
        raise ProtocolError(ErrorCode.UNSUPPORTED_VERSION,
                            f"protocol version {version!r} is not supported; this side speaks {PROTOCOL_VERSION}",
                            request_id)
    kind_name = data.pop("type", None)
    cls = types.get(kind_name) if isinstance(kind_name, str) else None
    if cls is None:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown {kind} type {kind_name!r}; "
                            f"expected one of {', '.join(sorted(types))}", request_id)
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, f"{kind_name}: unknown field(s) {', '.join(unknown)}", request_id)
    for name, value in data.items():
        if not _type_ok(known[name].type, value):
            raise ProtocolError(ErrorCode.BAD_MESSAGE,
                                f"{kind_name}: field {name!r} has the wrong type ({type(value).__name__})", request_id)
    try:
        return cls(**data)
    except TypeError as exc:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, f"{kind_name}: {exc}", request_id) from None
    except ValueError as exc:
        raise ProtocolError(ErrorCode.INVALID_ARGUMENT, f"{kind_name}: {exc}", request_id) from None


_SCALARS: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
}


def _type_ok(annotation: str, value: Any) -> bool:
    """Check a JSON value against a field annotation string (PEP 563 style)."""
    if value is None:
        return "None" in annotation
    if isinstance(value, bool) and "bool" not in annotation:
        return False
    if annotation.startswith("list[list["):
        return isinstance(value, list) and all(isinstance(row, list) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in row) for row in value)
    if annotation.startswith("list["):
        inner = _SCALARS[annotation[5:-1]]
        return isinstance(value, list) and all(isinstance(x, inner) and not isinstance(x, bool) for x in value)
    allowed = tuple(t for name, types in _SCALARS.items() if name in annotation.split(" | ") for t in types)
    return isinstance(value, allowed)


def _finite(value: float) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
