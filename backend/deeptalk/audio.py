"""Audio loading: any soundfile format -> 16 kHz mono float32, streamed and validated.

`load_audio` reads the header first (existence, format, length guard), then decodes
in blocks: each block is checked for NaN/inf, mixed to mono and fed to a streaming
soxr resampler, so a 30-minute 96 kHz multichannel file never sits in memory at its
source rate. `open_audio` runs the same checks in one pass that keeps no samples and
returns a `FileSource` the pipeline reads window by window (memory flat in the length).
Failures raise `AudioError` with a stable `ErrorCode`:

  FILE_NOT_FOUND     no such file
  AUDIO_UNREADABLE   not an audio file soundfile can open (text renamed .wav, unknown format, directory)
  AUDIO_EMPTY        zero bytes, or a header with no audio frames, or an empty [start, end) range
  AUDIO_INVALID      truncated or corrupt data, NaN/inf samples, a bad sample rate
  AUDIO_TOO_LONG     the selected range is longer than `max_duration_s` (checked from the header)
  INVALID_ARGUMENT   a start/end outside the file

Digital silence is valid input: it loads, and `LoadedAudio.silent` / `FileSource.silent` say so.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from deeptalk.audio_source import SAMPLE_RATE, SILENCE_DBFS, FileSource
from deeptalk.protocol import ErrorCode, ProtocolError

_BLOCK_SECONDS = 10.0
# Float files may exceed full scale a little (mastering headroom); far beyond it they are not
# sound but damaged or mis-scaled data, on which the model's features overflow to NaN.
MAX_ABS_SAMPLE = 1000.0  # +60 dBFS
_MP3_SLACK = 0.02  # MP3 headers estimate the length; allow this much shortfall


# What a person can do about each failure; appended to every AudioError message.
FIX_HINTS: dict[ErrorCode, str] = {
    ErrorCode.FILE_NOT_FOUND: "check the path (in Blender: relink the strip's sound)",
    ErrorCode.AUDIO_UNREADABLE: "use a WAV, FLAC, OGG or MP3 file (convert others with ffmpeg or Audacity)",
    ErrorCode.AUDIO_EMPTY: "choose a file or strip range that holds sound",
    ErrorCode.AUDIO_INVALID: "export the audio again from its source",
    ErrorCode.AUDIO_TOO_LONG: "split it into shorter strips, or raise the backend's limit "
                              "(`deeptalk serve --max-seconds`)",
    ErrorCode.INVALID_ARGUMENT: "check the start and end times (in Blender: the strip's trim and offset)",
}


class AudioError(Exception):
    """An audio file that cannot be used; `code` is stable, `message` (problem, then what to do) is
    for people."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        hint = FIX_HINTS.get(code)
        message = f"{message}; {hint}" if hint else message
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"

    def to_protocol(self, request_id: str | None = None) -> ProtocolError:
        """The same failure as a protocol error (for an `error` reply)."""
        return ProtocolError(self.code, self.message, request_id)


@dataclass(frozen=True)
class AudioInfo:
    """What the file header says."""

    path: str
    sample_rate: int
    channels: int
    frames: int  # per channel; 0 when the header does not know
    format: str
    subtype: str

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate


@dataclass(frozen=True)
class LoadedAudio:
    """Decoded audio: `samples` (S,) float32 mono at `sample_rate`."""

    samples: np.ndarray
    sample_rate: int
    info: AudioInfo
    start_s: float  # where `samples` begins in the file
    peak: float  # max |sample| in [0, inf)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate

    @property
    def silent(self) -> bool:
        return self.peak <= 10.0 ** (SILENCE_DBFS / 20.0)


def probe_audio(path: str | Path) -> AudioInfo:
    """Read only the header; raise AudioError if the file is missing, unreadable or empty."""
    p = Path(path)
    if not p.exists():
        raise AudioError(ErrorCode.FILE_NOT_FOUND, f"audio file not found: {p}")
    if not p.is_file():
        raise AudioError(ErrorCode.AUDIO_UNREADABLE, f"not a regular file: {p}")
    size = p.stat().st_size
    if size == 0:
        raise AudioError(ErrorCode.AUDIO_EMPTY, f"audio file is empty (0 bytes): {p}")
    try:
        raw = sf.info(str(p))
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioError(ErrorCode.AUDIO_UNREADABLE, f"not a readable audio file ({_reason(exc)}): {p}") from None
    if raw.samplerate <= 0 or raw.channels <= 0:
        raise AudioError(ErrorCode.AUDIO_INVALID,
                         f"bad header: {raw.samplerate} Hz, {raw.channels} channel(s): {p}")
    info = AudioInfo(path=str(p), sample_rate=int(raw.samplerate), channels=int(raw.channels),
                     frames=max(int(raw.frames), 0), format=str(raw.format), subtype=str(raw.subtype))
    if info.frames == 0:
        if size > 8192:  # a sizeable file whose audio the decoder cannot find
            raise AudioError(ErrorCode.AUDIO_INVALID,
                             f"no decodable audio in a {size}-byte {info.format} file (truncated or corrupt): {p}")
        raise AudioError(ErrorCode.AUDIO_EMPTY, f"audio file holds no samples (header only): {p}")
    if info.format in ("WAV", "WAVEX"):
        _check_riff_complete(p, size)
    return info


def load_audio(path: str | Path, *, sample_rate: int = SAMPLE_RATE, start_s: float | None = None,
               end_s: float | None = None, max_duration_s: float | None = None) -> LoadedAudio:
    """Decode `[start_s, end_s)` of `path` to mono float32 at `sample_rate` (streamed).

    `max_duration_s` bounds the selected range and is checked from the header before
    any decoding (and again while decoding, for formats whose header lacks a length).
    """
    if sample_rate <= 0:
        raise AudioError(ErrorCode.INVALID_ARGUMENT, f"sample_rate must be positive, got {sample_rate}")
    info, first, last, limit_frames = _selection(path, start_s, end_s, max_duration_s)
    stream = None if info.sample_rate == sample_rate else soxr.ResampleStream(
        info.sample_rate, sample_rate, 1, dtype="float32", quality="HQ")
    out = _Buffer(int(math.ceil((last - first) * sample_rate / info.sample_rate)) + 64)  # one copy of the output
    scan = _Scan()
    for mono in _decode(info, first, last, limit_frames, scan):
        out.append(mono if stream is None else stream.resample_chunk(mono, last=False))
    if stream is not None:
        out.append(stream.resample_chunk(np.zeros(0, np.float32), last=True))
    return LoadedAudio(samples=out.samples(), sample_rate=sample_rate, info=info, start_s=first / info.sample_rate,
                       peak=scan.peak)


def open_audio(path: str | Path, *, start_s: float | None = None, end_s: float | None = None,
               max_duration_s: float | None = None) -> FileSource:
    """Validate `[start_s, end_s)` of `path` as `load_audio` does (same errors) in one decoding
    pass that keeps no samples, and return it as a `FileSource` read at 16 kHz on demand."""
    info, first, last, limit_frames = _selection(path, start_s, end_s, max_duration_s)
    scan = _Scan()
    for _ in _decode(info, first, last, limit_frames, scan):
        pass
    source = FileSource(info.path, sample_rate=info.sample_rate, channels=info.channels, first=first,
                        last=first + scan.decoded, peak=scan.peak)
    if source.num_samples == 0:
        raise AudioError(ErrorCode.AUDIO_EMPTY, f"the selected range holds {scan.decoded} frame(s) at "
                         f"{info.sample_rate} Hz, less than one {SAMPLE_RATE} Hz sample: {info.path}")
    return source


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """(S,) or (S, C) float -> float32 at `to_rate` (soxr, high quality)."""
    x = np.asarray(samples, dtype=np.float32)
    if from_rate == to_rate:
        return x.copy()
    return soxr.resample(x, from_rate, to_rate, quality="HQ").astype(np.float32, copy=False)


def to_mono(block: np.ndarray) -> np.ndarray:
    """(S, C) -> (S,) float32 by averaging channels; (S,) passes through."""
    x = np.asarray(block, dtype=np.float32)
    return x if x.ndim == 1 else x.mean(axis=1, dtype=np.float32)


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE,
              subtype: str = "PCM_16") -> None:
    """Write (S,) float in [-1, 1] as a mono WAV (clipped for integer subtypes)."""
    x = np.asarray(samples, dtype=np.float32)
    if not np.isfinite(x).all():
        raise ValueError("samples contain NaN or inf")
    if subtype.startswith("PCM"):
        x = np.clip(x, -1.0, 1.0)
    sf.write(str(path), x, sample_rate, subtype=subtype, format="WAV")


# --------------------------------------------------------------------------- internals


def _selection(path: str | Path, start_s: float | None, end_s: float | None,
               max_duration_s: float | None) -> tuple[AudioInfo, int, int, int | None]:
    """Header checks of a selection: (info, first frame, last frame, frame limit or None)."""
    info = probe_audio(path)
    src = info.sample_rate
    first, last = _frame_range(info, start_s, end_s)
    if max_duration_s is not None and (last - first) / src > max_duration_s:
        raise AudioError(ErrorCode.AUDIO_TOO_LONG,
                         f"audio is {(last - first) / src:.1f} s; the limit is {max_duration_s:g} s: {info.path}")
    limit_frames = None if max_duration_s is None else int(math.ceil(max_duration_s * src))
    return info, first, last, limit_frames


@dataclass
class _Scan:
    """What a `_decode` pass has seen so far."""

    decoded: int = 0  # frames
    peak: float = 0.0  # max |mono sample|


def _decode(info: AudioInfo, first: int, last: int, limit_frames: int | None, scan: _Scan) -> Iterator[np.ndarray]:
    """The one decoding loop: yield frames [first, last) as mono float32 blocks at the source rate.

    Each block is checked (NaN/inf, the length limit, corrupt data) and counted into `scan`;
    after the last block the file must not have been truncated. Raises AudioError.
    """
    block = max(int(_BLOCK_SECONDS * info.sample_rate), 1)
    try:
        with sf.SoundFile(info.path) as handle:
            if first:
                handle.seek(first)
            while scan.decoded < last - first:
                chunk = handle.read(min(block, last - first - scan.decoded), dtype="float32", always_2d=True)
                if len(chunk) == 0:
                    break
                if not np.isfinite(chunk).all():
                    at = (first + scan.decoded) / info.sample_rate
                    raise AudioError(ErrorCode.AUDIO_INVALID,
                                     f"audio contains NaN or infinite samples (near {at:.2f} s): {info.path}")
                loudest = float(np.abs(chunk).max()) if chunk.size else 0.0
                if loudest > MAX_ABS_SAMPLE:
                    at = (first + scan.decoded + int(np.abs(chunk).max(axis=1).argmax())) / info.sample_rate
                    raise AudioError(ErrorCode.AUDIO_INVALID,
                                     f"audio holds a sample of {loudest:.3g} near {at:.2f} s, far beyond full scale "
                                     f"(+-1; the limit is +-{MAX_ABS_SAMPLE:g}): {info.path}")
                scan.decoded += len(chunk)
                if limit_frames is not None and scan.decoded > limit_frames:
                    raise AudioError(ErrorCode.AUDIO_TOO_LONG,
                                     f"audio is longer than the {limit_frames / info.sample_rate:g} s limit: "
                                     f"{info.path}")
                mono = to_mono(chunk)  # (n,)
                scan.peak = max(scan.peak, float(np.abs(mono).max()))
                yield mono
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise AudioError(ErrorCode.AUDIO_INVALID,
                         f"audio data is corrupt or truncated ({_reason(exc)}): {info.path}") from None
    expected = last - first
    slack = int(expected * _MP3_SLACK) + 2304 if info.format == "MP3" else 0
    if scan.decoded < expected - slack:
        raise AudioError(ErrorCode.AUDIO_INVALID,
                         f"file is truncated: header promises {expected} frames, only {scan.decoded} decode: "
                         f"{info.path}")


class _Buffer:
    """float32 samples appended in blocks into one preallocated array (grown only if the header
    under-counted, as MP3 headers may), so decoding never holds the audio twice."""

    def __init__(self, capacity: int) -> None:
        self._data = np.empty(max(capacity, 1), np.float32)
        self._size = 0

    def append(self, block: np.ndarray) -> None:
        need = self._size + len(block)
        if need > len(self._data):
            grown = np.empty(max(need, int(len(self._data) * 1.25)), np.float32)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size: need] = block
        self._size = need

    def samples(self) -> np.ndarray:
        """The samples so far, (S,) (a view when the buffer is nearly full, else a trimmed copy)."""
        if self._size >= 0.9 * len(self._data):
            return self._data[: self._size]
        return self._data[: self._size].copy()


def _frame_range(info: AudioInfo, start_s: float | None, end_s: float | None) -> tuple[int, int]:
    """Validated [first, last) frame range of the selection."""
    for name, value in (("start_s", start_s), ("end_s", end_s)):
        if value is not None and (not math.isfinite(value) or value < 0):
            raise AudioError(ErrorCode.INVALID_ARGUMENT, f"{name} must be a finite number >= 0, got {value}")
    if start_s is not None and start_s >= info.duration_s:  # compared in seconds: 1e308 * rate overflows
        raise AudioError(ErrorCode.INVALID_ARGUMENT,
                         f"start_s={start_s:g} is at or past the end of the {info.duration_s:.2f} s file")
    first = 0 if start_s is None else int(round(start_s * info.sample_rate))
    last = info.frames if end_s is None or end_s >= info.duration_s else int(round(end_s * info.sample_rate))
    if first >= info.frames:
        raise AudioError(ErrorCode.INVALID_ARGUMENT,
                         f"start_s={start_s} is at or past the end of the {info.duration_s:.2f} s file")
    if last <= first:
        raise AudioError(ErrorCode.AUDIO_EMPTY, f"the selected range [{start_s}, {end_s}) holds no audio")
    return first, last


def _check_riff_complete(path: Path, size: int) -> None:
    """Raise AUDIO_INVALID if a RIFF/WAVE data chunk promises more bytes than the file has."""
    with path.open("rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return  # RF64/W64 or unusual layouts: leave to the decoder
        offset = 12
        while offset + 8 <= size:
            handle.seek(offset)
            chunk_id, chunk_size = struct.unpack("<4sI", handle.read(8))
            if chunk_id == b"data":
                if chunk_size in (0, 0xFFFFFFFF):  # unknown length (streamed writer)
                    return
                available = size - offset - 8
                if chunk_size > available:
                    raise AudioError(ErrorCode.AUDIO_INVALID,
                                     f"WAV file is truncated: data chunk declares {chunk_size} bytes, "
                                     f"{available} present: {path}")
                return
            offset += 8 + chunk_size + (chunk_size & 1)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.split(": ", 1)[-1] if text else type(exc).__name__
