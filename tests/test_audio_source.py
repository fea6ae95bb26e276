"""deeptalk.audio_source and deeptalk.audio.open_audio on real files (soundfile + soxr, no mocks)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from deeptalk.audio import SAMPLE_RATE, AudioError, load_audio, open_audio
from deeptalk.audio_source import MARGIN_S, ArraySource, AudioSource, AudioSourceError, FileSource

SR = SAMPLE_RATE


def speechy(rate: int, seconds: float, channels: int = 1, seed: int = 0) -> np.ndarray:
    """A 220 Hz tone under a 3 Hz envelope plus noise (broadband, so resampling errors show)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(rate * seconds))) / rate
    x = 0.3 * np.sin(2 * np.pi * 220.0 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3.0 * t))
    x = x + 0.05 * rng.standard_normal(len(t))
    if channels == 1:
        return x
    return np.stack([x * (1.0 - 0.3 * c) + 0.02 * rng.standard_normal(len(t)) for c in range(channels)], axis=1)


def padded(samples: np.ndarray, start: int, stop: int) -> np.ndarray:
    out = np.zeros(stop - start, np.float32)
    piece = samples[start:stop]
    out[: len(piece)] = piece
    return out


def test_array_source_reads_exact_slices_zero_padded() -> None:
    x = np.arange(10, dtype=np.float64) / 10
    source = ArraySource(x)
    assert isinstance(source, AudioSource)
    assert source.num_samples == 10 and source.duration_s == pytest.approx(10 / SR)
    window = source.read(3, 7)
    assert window.dtype == np.float32 and np.array_equal(window, x[3:7].astype(np.float32))
    assert np.array_equal(source.read(8, 13), np.array([0.8, 0.9, 0, 0, 0], np.float32))
    assert np.array_equal(source.read(20, 22), np.zeros(2, np.float32)) and source.read(4, 4).shape == (0,)
    window[:] = 5.0  # a read is a copy: the source is untouched
    assert np.array_equal(source.read(3, 7), x[3:7].astype(np.float32))
    with pytest.raises(ValueError):
        source.read(5, 4)
    with pytest.raises(ValueError):
        source.read(-1, 4)


@pytest.mark.parametrize("bad", [np.zeros((2, 5), np.float32), np.zeros(5, np.int16), np.array([0.0, np.nan]),
                                 np.array([np.inf], np.float32)])
def test_array_source_rejects_what_is_not_finite_mono_float(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        ArraySource(bad)


@pytest.mark.parametrize("rate,channels,subtype", [(16000, 1, "PCM_16"), (16000, 2, "FLOAT"), (44100, 2, "PCM_16"),
                                                   (8000, 1, "PCM_16"), (22050, 1, "FLOAT")])
@pytest.mark.parametrize("start_s,end_s", [(None, None), (1.234, 9.5)])
def test_file_source_windows_match_whole_file_decoding(tmp_path: Path, rate: int, channels: int, subtype: str,
                                                       start_s: float | None, end_s: float | None) -> None:
    path = tmp_path / "in.wav"
    sf.write(str(path), speechy(rate, 10.3, channels), rate, subtype=subtype)
    whole = load_audio(path, start_s=start_s, end_s=end_s).samples
    with open_audio(path, start_s=start_s, end_s=end_s) as source:
        assert source.num_samples == len(whole) and source.duration_s == pytest.approx(len(whole) / SR)
        assert source.sample_rate == rate and source.channels == channels and not source.silent
        edge = int(0.1 * SR)  # away from the file ends both resample the same neighbourhood
        for start, stop in [(0, 5000), (3333, 40000), (3 * SR + 17, 7 * SR), (len(whole) - 9000, len(whole) + 700),
                            (100, 101)]:
            got = source.read(start, stop)
            want = padded(whole, start, stop)
            assert got.dtype == np.float32 and got.shape == (stop - start,)
            if rate == SR:
                assert np.array_equal(got, want)  # no resampling: bit for bit
            else:
                inner = slice(max(0, edge - start), max(0, min(stop, len(whole) - edge) - start))
                assert np.abs(got[inner] - want[inner]).max(initial=0.0) < 1e-3
                assert np.abs(got - want).max() < 1e-2
            assert not got[max(0, len(whole) - start):].any()  # zeros past the end


def test_file_source_seams_are_continuous(tmp_path: Path) -> None:
    """Reading in windows and in one go give the same samples (no clicks at window seams)."""
    path = tmp_path / "in.wav"
    sf.write(str(path), speechy(44100, 6.0, 2), 44100, subtype="FLOAT")
    source = open_audio(path)
    at_once = source.read(0, source.num_samples)
    cuts = [0, 777, 5120, 5121, 33000, 64000, source.num_samples]
    pieces = np.concatenate([source.read(a, b) for a, b in zip(cuts, cuts[1:])])
    assert np.abs(pieces - at_once).max() < 1e-5
    assert MARGIN_S > 0


def test_open_audio_reports_peak_and_silence(tmp_path: Path) -> None:
    loud, quiet = tmp_path / "loud.wav", tmp_path / "quiet.wav"
    sf.write(str(loud), speechy(22050, 2.0), 22050, subtype="FLOAT")
    sf.write(str(quiet), np.zeros(SR), SR, subtype="PCM_16")
    assert open_audio(loud).peak == load_audio(loud).peak and not open_audio(loud).silent
    assert open_audio(quiet).silent and open_audio(quiet).num_samples == SR
    assert open_audio(loud, start_s=0.5).start_s == pytest.approx(0.5)


def _bad_files(folder: Path) -> dict[str, tuple[Path, dict]]:
    good = folder / "good.wav"
    sf.write(str(good), speechy(16000, 4.0, 2), 16000, subtype="PCM_16")
    text = folder / "text.wav"
    text.write_text("not audio\n" * 100)
    empty = folder / "empty.wav"
    empty.write_bytes(b"")
    header = folder / "header.wav"
    header.write_bytes(good.read_bytes()[:44])
    truncated = folder / "trunc.wav"
    truncated.write_bytes(good.read_bytes()[:30000])
    flac = folder / "full.flac"
    sf.write(str(flac), speechy(16000, 3.0), 16000)
    cut_flac = folder / "cut.flac"
    cut_flac.write_bytes(flac.read_bytes()[: flac.stat().st_size // 2])
    nan = folder / "nan.wav"
    x = speechy(16000, 1.0).astype(np.float32)
    x[8000] = np.nan
    sf.write(str(nan), x, 16000, subtype="FLOAT")
    return {
        "missing": (folder / "nope.wav", {}), "folder": (folder, {}), "text": (text, {}), "empty": (empty, {}),
        "header_only": (header, {}), "truncated": (truncated, {}), "cut_flac": (cut_flac, {}), "nan": (nan, {}),
        "too_long": (good, dict(max_duration_s=3.0)), "start_past_end": (good, dict(start_s=5.0)),
        "empty_range": (good, dict(start_s=1.0, end_s=1.0)), "negative_start": (good, dict(start_s=-1.0)),
    }


def test_open_audio_fails_exactly_as_load_audio(tmp_path: Path) -> None:
    for name, (path, kwargs) in _bad_files(tmp_path).items():
        with pytest.raises(AudioError) as loaded:
            load_audio(path, **kwargs)
        with pytest.raises(AudioError) as opened:
            open_audio(path, **kwargs)
        assert (opened.value.code, opened.value.message) == (loaded.value.code, loaded.value.message), name


def test_open_audio_refuses_a_slice_shorter_than_one_output_sample(tmp_path: Path) -> None:
    path = tmp_path / "one.wav"
    sf.write(str(path), np.array([0.25]), 44100, subtype="PCM_16")
    with pytest.raises(AudioError) as err:
        open_audio(path)
    assert err.value.code.value == "audio_empty"


def test_open_audio_keeps_no_samples(tmp_path: Path) -> None:
    """3 min of 16 kHz: `load_audio` holds 11.5 MB of output; validating holds one 10 s block."""
    path = tmp_path / "long.wav"
    with sf.SoundFile(str(path), "w", samplerate=SR, channels=1, subtype="PCM_16") as handle:
        for k in range(18):
            handle.write(speechy(SR, 10.0, seed=k))
    tracemalloc.start()
    source = open_audio(path)
    window = source.read(90 * SR, 98 * SR)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert source.num_samples == 180 * SR and window.shape == (8 * SR,)
    assert peak < 4e6, f"peak {peak / 1e6:.1f} MB"


def test_a_file_that_changes_after_opening_fails_to_read(tmp_path: Path) -> None:
    path = tmp_path / "in.wav"
    sf.write(str(path), speechy(22050, 3.0), 22050, subtype="PCM_16")
    source = open_audio(path)
    sf.write(str(path), speechy(22050, 1.0), 22050, subtype="PCM_16")  # shorter now
    with pytest.raises(AudioSourceError):
        source.read(2 * SR, 3 * SR)
    path.unlink()
    with pytest.raises(AudioSourceError):
        source.read(0, 100)


def test_file_source_checks_its_slice() -> None:
    with pytest.raises(ValueError):
        FileSource("x.wav", sample_rate=16000, channels=1, first=5, last=5)
