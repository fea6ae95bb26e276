"""deeptalk.audio on real files written by the tests (soundfile + soxr, no mocks)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from deeptalk.audio import (SAMPLE_RATE, AudioError, load_audio, probe_audio, resample, to_mono,
                            write_wav)
from deeptalk.protocol import ErrorCode, error_reply


def tone(rate: int, seconds: float, freq: float = 440.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    x = 0.5 * np.sin(2 * np.pi * freq * t)
    return np.stack([x] * channels, axis=1) if channels > 1 else x


def dominant_freq(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize("rate,channels,subtype,fmt,ext", [
    (8000, 1, "PCM_16", "WAV", "wav"),
    (44100, 2, "PCM_16", "WAV", "wav"),
    (96000, 2, "PCM_24", "WAV", "wav"),
    (48000, 6, "FLOAT", "WAV", "wav"),
    (22050, 1, "PCM_16", "FLAC", "flac"),
    (44100, 2, "VORBIS", "OGG", "ogg"),
    (16000, 1, "PCM_16", "WAV", "wav"),
])
def test_formats_rates_channels_to_16k_mono(tmp_path: Path, rate: int, channels: int, subtype: str,
                                            fmt: str, ext: str) -> None:
    path = tmp_path / f"in.{ext}"
    sf.write(str(path), tone(rate, 1.5, channels=channels), rate, subtype=subtype, format=fmt)
    audio = load_audio(path)
    assert audio.sample_rate == SAMPLE_RATE
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert abs(len(audio.samples) - int(1.5 * SAMPLE_RATE)) <= 2
    assert abs(dominant_freq(audio.samples, SAMPLE_RATE) - 440.0) < 3.0
    assert 0.45 < audio.peak < 0.56 and not audio.silent
    assert audio.info.channels == channels and audio.info.sample_rate == rate


def test_mp3_if_supported(tmp_path: Path) -> None:
    if "MP3" not in sf.available_formats():
        pytest.skip("this libsndfile build has no MP3 support")
    path = tmp_path / "in.mp3"
    sf.write(str(path), tone(44100, 2.0, channels=2), 44100, format="MP3")
    audio = load_audio(path)
    assert abs(audio.duration_s - 2.0) < 0.1
    assert abs(dominant_freq(audio.samples, SAMPLE_RATE) - 440.0) < 5.0


def test_stereo_is_mixed_not_picked(tmp_path: Path) -> None:
    rate = 16000
    left, right = tone(rate, 1.0, 300.0), tone(rate, 1.0, 1200.0)
    path = tmp_path / "lr.wav"
    sf.write(str(path), np.stack([left, right], axis=1), rate, subtype="FLOAT")
    mixed = load_audio(path).samples
    np.testing.assert_allclose(mixed, ((left + right) / 2).astype(np.float32), atol=1e-6)


def test_trim_start_end(tmp_path: Path) -> None:
    rate = 8000
    x = np.concatenate([np.zeros(rate), tone(rate, 1.0), np.zeros(rate)])
    path = tmp_path / "t.wav"
    sf.write(str(path), x, rate, subtype="FLOAT")
    audio = load_audio(path, start_s=1.0, end_s=2.0)
    assert audio.start_s == pytest.approx(1.0)
    assert abs(len(audio.samples) - SAMPLE_RATE) <= 2
    assert np.abs(audio.samples[200:-200]).min() < 0.05 and audio.peak > 0.45  # the tone, not the zeros
    with pytest.raises(AudioError) as err:
        load_audio(path, start_s=5.0)
    assert err.value.code is ErrorCode.INVALID_ARGUMENT
    with pytest.raises(AudioError) as err:
        load_audio(path, start_s=1.0, end_s=1.0)
    assert err.value.code is ErrorCode.AUDIO_EMPTY


def test_silence_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    sf.write(str(path), np.zeros(16000 * 2), 16000, subtype="PCM_16")
    audio = load_audio(path)
    assert audio.silent and len(audio.samples) == 32000


def test_max_duration_checked_from_header(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    sf.write(str(path), tone(8000, 4.0), 8000, subtype="PCM_16")
    with pytest.raises(AudioError) as err:
        load_audio(path, max_duration_s=3.0)
    assert err.value.code is ErrorCode.AUDIO_TOO_LONG
    assert len(load_audio(path, max_duration_s=3.0, start_s=1.5).samples) == 2.5 * SAMPLE_RATE


def test_missing_and_unreadable(tmp_path: Path) -> None:
    cases = {
        tmp_path / "nope.wav": ErrorCode.FILE_NOT_FOUND,
        tmp_path: ErrorCode.AUDIO_UNREADABLE,
    }
    text = tmp_path / "text.wav"
    text.write_text("this is a text file, not RIFF audio\n" * 20)
    cases[text] = ErrorCode.AUDIO_UNREADABLE
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    cases[empty] = ErrorCode.AUDIO_EMPTY
    for path, code in cases.items():
        with pytest.raises(AudioError) as err:
            load_audio(path)
        assert err.value.code is code, (path, err.value)
        assert str(path.name) in err.value.message
        reply = error_reply(err.value.to_protocol("r1"))
        assert reply.code == code.value and reply.id == "r1"


def test_header_only_and_truncated(tmp_path: Path) -> None:
    full = tmp_path / "full.wav"
    sf.write(str(full), tone(16000, 1.0, channels=2), 16000, subtype="PCM_16")
    data = full.read_bytes()
    header_only = tmp_path / "header.wav"
    header_only.write_bytes(data[:44])
    truncated = tmp_path / "trunc.wav"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioError) as err:
        load_audio(header_only)
    assert err.value.code is ErrorCode.AUDIO_EMPTY
    with pytest.raises(AudioError) as err:
        probe_audio(truncated)
    assert err.value.code is ErrorCode.AUDIO_INVALID and "truncated" in err.value.message

    flac = tmp_path / "full.flac"
    sf.write(str(flac), tone(16000, 2.0), 16000)
    cut = tmp_path / "trunc.flac"
    cut.write_bytes(flac.read_bytes()[: flac.stat().st_size // 2])
    with pytest.raises(AudioError) as err:
        load_audio(cut)
    assert err.value.code is ErrorCode.AUDIO_INVALID


def test_nan_and_inf_are_invalid(tmp_path: Path) -> None:
    for bad in (np.nan, np.inf):
        x = tone(16000, 1.0).astype(np.float32)
        x[8000] = bad
        path = tmp_path / "bad.wav"
        sf.write(str(path), x, 16000, subtype="FLOAT")
        with pytest.raises(AudioError) as err:
            load_audio(path)
        assert err.value.code is ErrorCode.AUDIO_INVALID and "NaN" in err.value.message


def test_streaming_keeps_memory_bounded(tmp_path: Path) -> None:
    """3 min of 48 kHz stereo: decoding it whole would take 69 MB as float32."""
    rate, seconds = 48000, 180
    path = tmp_path / "long.wav"
    with sf.SoundFile(str(path), "w", samplerate=rate, channels=2, subtype="PCM_16") as handle:
        block = (tone(rate, 10.0, channels=2) * 0.5).astype(np.float32)
        for _ in range(seconds // 10):
            handle.write(block)
    tracemalloc.start()
    audio = load_audio(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out_bytes = audio.samples.nbytes  # 11.5 MB
    assert abs(len(audio.samples) - seconds * SAMPLE_RATE) <= 4
    assert peak < 2 * out_bytes + 12e6, f"peak {peak / 1e6:.1f} MB"


def test_resample_and_write_roundtrip(tmp_path: Path) -> None:
    x = tone(22050, 1.0)
    y = resample(x, 22050, 16000)
    assert y.dtype == np.float32 and abs(len(y) - 16000) <= 1
    assert abs(dominant_freq(y, 16000) - 440.0) < 2.0
    assert to_mono(np.ones((5, 3))).shape == (5,)
    path = tmp_path / "w.wav"
    write_wav(path, y, 16000)
    back = load_audio(path)
    np.testing.assert_allclose(back.samples, np.clip(y, -1, 1), atol=1 / 32767 + 1e-6)
    with pytest.raises(ValueError):
        write_wav(path, np.array([np.nan], np.float32))
