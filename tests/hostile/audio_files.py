"""Hostile and odd audio files, written for real by the tests (soundfile, raw bytes).

`AUDIO_CASES` maps a case name to (writer, expected): `expected` is the protocol error
code the backend must answer with, or "ok" when the file is valid and must animate.
Each writer takes a folder and returns the path it made (which may not exist, or be
a folder, for the path cases).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import soundfile as sf

Writer = Callable[[Path], Path]


def tone(rate: int, seconds: float, *, channels: int = 1, amplitude: float = 0.5, offset: float = 0.0) -> np.ndarray:
    """A 220 Hz tone with a 3 Hz envelope (speech-like loudness changes), (S,) or (S, C)."""
    t = np.arange(int(round(rate * seconds))) / rate
    x = offset + amplitude * np.sin(2 * np.pi * 220.0 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3.0 * t))
    return np.stack([x] * channels, axis=1) if channels > 1 else x


def _sound(name: str, rate: int = 16000, seconds: float = 1.5, *, subtype: str = "PCM_16", fmt: str | None = None,
           channels: int = 1, **shape: float) -> Writer:
    def write(folder: Path) -> Path:
        path = folder / name
        sf.write(str(path), tone(rate, seconds, channels=channels, **shape), rate, subtype=subtype, format=fmt)
        return path
    return write


def _bytes(name: str, make: Callable[[Path], bytes]) -> Writer:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(make(folder))
        return path
    return write


def _valid_wav_bytes(folder: Path) -> bytes:
    return _sound("source.wav", 16000, 1.0, channels=2)(folder).read_bytes()


def _with_bad_sample(value: float) -> Writer:
    def write(folder: Path) -> Path:
        x = tone(16000, 1.0).astype(np.float32)
        x[8000] = value
        path = folder / f"bad-{value}.wav"
        sf.write(str(path), x, 16000, subtype="FLOAT")
        return path
    return write


def _clipped(folder: Path) -> Path:
    path = folder / "clipped.wav"
    sf.write(str(path), np.clip(4.0 * tone(16000, 1.5), -1.0, 1.0), 16000, subtype="PCM_16")
    return path


def _silence(folder: Path) -> Path:
    path = folder / "silence.wav"
    sf.write(str(path), np.zeros(16000 * 2), 16000, subtype="PCM_16")
    return path


def _one_sample(folder: Path) -> Path:
    path = folder / "one-sample.wav"
    sf.write(str(path), np.array([0.25]), 16000, subtype="PCM_16")
    return path


def _folder(folder: Path) -> Path:
    path = folder / "a folder.wav"
    path.mkdir()
    return path


AUDIO_CASES: dict[str, tuple[Writer, str]] = {
    "zero_bytes": (_bytes("empty.wav", lambda _: b""), "audio_empty"),
    "header_only": (_bytes("header.wav", lambda f: _valid_wav_bytes(f)[:44]), "audio_empty"),
    "truncated": (_bytes("truncated.wav", lambda f: _valid_wav_bytes(f)[:30000]), "audio_invalid"),
    "random_bytes": (_bytes("noise.wav", lambda _: np.random.default_rng(0).bytes(20000)), "audio_unreadable"),
    "text_named_wav": (_bytes("notes.wav", lambda _: b"this is a text file, not audio\n" * 40), "audio_unreadable"),
    "nan_samples": (_with_bad_sample(float("nan")), "audio_invalid"),
    "inf_samples": (_with_bad_sample(float("inf")), "audio_invalid"),
    "directory": (_folder, "audio_unreadable"),
    "missing": (lambda folder: folder / "never-written.wav", "file_not_found"),
    "one_sample": (_one_sample, "ok"),
    "silence": (_silence, "ok"),
    "dc_offset": (_sound("dc.wav", offset=0.4, amplitude=0.3), "ok"),
    "clipping": (_clipped, "ok"),
    "rate_8k": (_sound("8k.wav", 8000), "ok"),
    "rate_44k1": (_sound("44k1.wav", 44100, channels=2), "ok"),
    "rate_96k_24bit": (_sound("96k.wav", 96000, subtype="PCM_24"), "ok"),
    "six_channels_float": (_sound("6ch.wav", 48000, subtype="FLOAT", channels=6), "ok"),
    "flac": (_sound("line.flac", 22050, fmt="FLAC"), "ok"),
    "ogg": (_sound("line.ogg", 44100, subtype="VORBIS", fmt="OGG", channels=2), "ok"),
    "mp3": (_sound("line.mp3", 44100, subtype="MPEG_LAYER_III", fmt="MP3", channels=2), "ok"),
    "unicode_and_spaces_path": (_sound("Stimme – ünïcode 声音 take 1.wav", 22050), "ok"),
}
