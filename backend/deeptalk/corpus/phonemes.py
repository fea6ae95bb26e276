"""espeak-ng synthesis with phoneme timings, through libespeak-ng (ctypes).

One `espeak_Synth` call delivers both the audio samples and the phoneme events
through the same callback, so the timings are exact: each event's `sample` field is
its offset (in output samples) into the very audio we return.

libespeak-ng keeps global state, so one `Espeak` object exists per process
(`espeak()`), guarded by a lock. Some of that state is never reset between calls (the
wave generator's pitch-flutter position, a function-level static), so the same text
comes out a few samples different depending on what was said before. To make every
result a pure function of its inputs, `synthesize` runs each call in a forked child
of a process whose library was initialised but has never spoken (POSIX); the child
sends the samples and events back through a pipe.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import struct
import threading
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np

# speak_lib.h constants
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_SSML = 0x10
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_PHONEME = 7
_PARAM_RATE, _PARAM_VOLUME, _PARAM_PITCH, _PARAM_RANGE, _PARAM_WORDGAP = 1, 2, 3, 4, 7

PAUSE_PHONEMES = frozenset({"_", "_:", "_!", "_|", "_^", "||", "|"})


class EspeakError(RuntimeError):
    """libespeak-ng is missing or refused a request."""


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms
        ("sample", ctypes.c_int),  # output sample index
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True, kw_only=True)
class Prosody:
    """espeak-ng voice parameters (its own units)."""

    rate_wpm: int = 165  # words per minute, 80..450
    pitch: int = 50  # base pitch, 0..100
    pitch_range: int = 50  # intonation range, 0..100 (0 = monotone)
    volume: int = 100  # amplitude, 0..200
    word_gap_10ms: int = 0  # extra pause between words, in 10 ms units

    def __post_init__(self) -> None:
        checks = (("rate_wpm", 80, 450), ("pitch", 0, 100), ("pitch_range", 0, 100),
                  ("volume", 0, 200), ("word_gap_10ms", 0, 100))
        for name, low, high in checks:
            value = getattr(self, name)
            if not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be an int in [{low}, {high}], got {value!r}")


@dataclass(frozen=True)
class PhonemeSpan:
    """One phoneme: espeak-ng mnemonic (e.g. `aI`, `m`, `_:` for a pause) and its span in seconds."""

    phoneme: str
    start_s: float
    end_s: float
    word: int  # index of the word it belongs to (-1 before the first word)


@dataclass(frozen=True)
class Synthesis:
    """Audio and aligned phonemes from one synthesis call."""

    samples: np.ndarray  # (S,) float32 in [-1, 1]
    sample_rate: int
    phonemes: tuple[PhonemeSpan, ...]

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


class Espeak:
    """A handle on libespeak-ng; use `espeak()` for the per-process instance."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self._lib = ctypes.CDLL(name)
        except OSError as exc:
            raise EspeakError(f"libespeak-ng is not installed ({exc}); install the espeak-ng package") from None
        self._lib.espeak_Initialize.restype = ctypes.c_int
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                           ctypes.c_uint, ctypes.c_uint, ctypes.POINTER(ctypes.c_uint),
                                           ctypes.c_void_p]
        self.sample_rate = int(self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 500, None,
                                                           _INITIALIZE_PHONEME_EVENTS))
        if self.sample_rate <= 0:
            raise EspeakError("espeak_Initialize failed (is espeak-ng-data installed?)")
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[int, int, str]] = []  # (type, sample, phoneme or "")
        self._callback = _Callback(self._on_synth)  # keep a reference for the library
        self._lib.espeak_SetSynthCallback(self._callback)
        self._lock = threading.Lock()

    def _on_synth(self, wav: ctypes.POINTER(ctypes.c_short), count: int, events: ctypes.POINTER(_Event)) -> int:
        if count > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_PHONEME:
                label = bytes(event.id.string).split(b"\0", 1)[0].decode("ascii", "replace")
                self._events.append((_EVENT_PHONEME, event.sample, label))
            elif event.type == _EVENT_WORD:
                self._events.append((_EVENT_WORD, event.sample, ""))
            i += 1
        return 0

    def synthesize(self, text: str, *, voice: str = "en-us", prosody: Prosody = Prosody(),
                   ssml: bool = False, isolated: bool = True) -> Synthesis:
        """Speak `text` (plain, or SSML when `ssml`) with `voice` (e.g. `en-gb+f3`).

        isolated: run in a forked child so the result does not depend on earlier calls
        (ignored where `os.fork` does not exist).
        """
        if not text.strip():
            raise ValueError("text is empty")
        body = text if ssml else escape(text)
        data = f"<speak>{body}</speak>".encode("utf-8") if ssml else body.encode("utf-8")
        with self._lock:
            if isolated and hasattr(os, "fork"):
                pcm, events = self._run_in_child(data, voice, prosody, ssml)
            else:
                pcm, events = self._run(data, voice, prosody, ssml)
        samples = (pcm.astype(np.float32) / 32768.0)  # (S,)
        return Synthesis(samples=samples, sample_rate=self.sample_rate,
                         phonemes=_spans(events, len(samples), self.sample_rate))

    def _run(self, data: bytes, voice: str, prosody: Prosody,
             ssml: bool) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
        """One synthesis in this process: (int16 samples, events)."""
        if self._lib.espeak_SetVoiceByName(voice.encode("ascii")) != 0:
            raise EspeakError(f"espeak-ng has no voice {voice!r}")
        for param, value in ((_PARAM_RATE, prosody.rate_wpm), (_PARAM_VOLUME, prosody.volume),
                             (_PARAM_PITCH, prosody.pitch), (_PARAM_RANGE, prosody.pitch_range),
                             (_PARAM_WORDGAP, prosody.word_gap_10ms)):
            self._lib.espeak_SetParameter(param, value, 0)
        self._chunks, self._events = [], []
        buffer = ctypes.create_string_buffer(data)
        flags = _CHARS_UTF8 | (_SSML if ssml else 0)
        status = self._lib.espeak_Synth(buffer, len(data) + 1, 0, _POS_CHARACTER, 0, flags, None, None)
        if status != 0:
            raise EspeakError(f"espeak_Synth failed with status {status}")
        pcm = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        return pcm.astype(np.int16), list(self._events)

    def _run_in_child(self, data: bytes, voice: str, prosody: Prosody,
                      ssml: bool) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
        """`_run` in a forked child; reply = 4-byte header length, JSON header, int16 samples."""
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns
            code = 0
            try:
                os.close(read_fd)
                try:
                    pcm, events = self._run(data, voice, prosody, ssml)
                    header = json.dumps({"events": events, "n": int(len(pcm))}).encode()
                    payload = pcm.tobytes()
                except Exception as exc:  # report any failure to the parent
                    header, payload = json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode(), b""
                with os.fdopen(write_fd, "wb") as out:
                    out.write(struct.pack("<I", len(header)) + header + payload)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as pipe:
            reply = pipe.read()
        _, status = os.waitpid(pid, 0)
        if len(reply) < 4 or status != 0:
            raise EspeakError(f"espeak-ng child process failed (status {status})")
        size = struct.unpack("<I", reply[:4])[0]
        header = json.loads(reply[4:4 + size])
        if "error" in header:
            raise EspeakError(header["error"])
        pcm = np.frombuffer(reply[4 + size:], dtype=np.int16)
        if len(pcm) != header["n"]:
            raise EspeakError("espeak-ng child sent a short reply")
        return pcm, [(int(k), int(s), str(p)) for k, s, p in header["events"]]


def _spans(events: list[tuple[int, int, str]], total: int, rate: int) -> tuple[PhonemeSpan, ...]:
    """Phoneme events -> spans ending where the next phoneme starts (zero-length ones dropped)."""
    marks: list[tuple[int, str, int]] = []
    word = -1
    for kind, sample, label in events:
        if kind == _EVENT_WORD:
            word += 1
        else:
            marks.append((min(max(sample, 0), total), label, word))
    spans = []
    for i, (start, label, word_index) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else total
        if end > start:
            spans.append(PhonemeSpan(phoneme=label, start_s=start / rate, end_s=end / rate, word=word_index))
    return tuple(spans)


_INSTANCE: Espeak | None = None
_INSTANCE_LOCK = threading.Lock()


def espeak() -> Espeak:
    """The per-process libespeak-ng handle (created on first use)."""
    global _INSTANCE
    with _INSTANCE_LOCK:
        if _INSTANCE is None:
            _INSTANCE = Espeak()
        return _INSTANCE
