"""Audio read by sample index: 16 kHz mono float32 windows, from memory or streamed from a file.

`AudioSource.read(start, stop)` returns samples `[start, stop)` at 16 kHz, zero past the end,
so the pipeline holds one window at a time instead of the whole clip.

- `ArraySource` wraps an in-memory (S,) array; reads are exact slices of it.
- `FileSource` reads a slice of an audio file (use `deeptalk.audio.open_audio`, which
  validates the file first). A read decodes only the source-rate frames it needs (soundfile
  seek), mixes them to mono and resamples them with soxr. It decodes `MARGIN_S` more on
  both sides and starts on a frame where the source and 16 kHz sample grids coincide, then
  cuts the window out exactly, so windows line up with `load_audio` of the whole file and
  their seams are inaudible: away from the slice ends a read differs from whole-file
  resampling by float rounding and the resampling filter's tail beyond the margin (~1e-6).
  A 16 kHz file is read without resampling, bit for bit as `load_audio` decodes it.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from types import TracebackType

import numpy as np
import soundfile as sf
import soxr

SAMPLE_RATE = 16000
SILENCE_DBFS = -60.0  # peak level below which a signal counts as silent
MARGIN_S = 0.05  # source audio decoded beyond each side of a resampled window


class AudioSourceError(Exception):
    """A file that can no longer be read as it was when it was opened (changed or removed)."""


class AudioSource(ABC):
    """16 kHz mono float32 samples `[0, num_samples)`, read in windows."""

    @property
    @abstractmethod
    def num_samples(self) -> int:
        """Length at 16 kHz."""

    @property
    def duration_s(self) -> float:
        return self.num_samples / SAMPLE_RATE

    @abstractmethod
    def read(self, start: int, stop: int) -> np.ndarray:
        """Samples `[start, stop)` as a new (stop - start,) float32 array; zeros past the end."""

    def close(self) -> None:
        """Release any open file (reads reopen it)."""

    def __enter__(self) -> AudioSource:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class ArraySource(AudioSource):
    """An in-memory (S,) array of finite floating-point 16 kHz samples (kept as float32, not copied
    when it already is)."""

    def __init__(self, samples: np.ndarray) -> None:
        arr = np.asarray(samples)
        if arr.ndim != 1:
            raise ValueError(f"audio must be a 1-D array of 16 kHz samples, got shape {arr.shape}")
        if not np.issubdtype(arr.dtype, np.floating) or not np.isfinite(arr).all():
            raise ValueError("audio must hold finite floating-point samples")
        self._samples = arr.astype(np.float32, copy=False)

    @property
    def num_samples(self) -> int:
        return int(self._samples.shape[0])

    def read(self, start: int, stop: int) -> np.ndarray:
        _check_range(start, stop)
        out = np.zeros(stop - start, np.float32)
        piece = self._samples[start:stop]
        out[: len(piece)] = piece
        return out


class FileSource(AudioSource):
    """Frames `[first, last)` of a file at `sample_rate` with `channels`, read as 16 kHz mono.

    `peak` is max |sample| of the slice (measured when it was validated). The file is opened
    on the first read and stays open until `close()`.
    """

    def __init__(self, path: str, *, sample_rate: int, channels: int, first: int, last: int,
                 peak: float = float("nan")) -> None:
        if sample_rate <= 0 or channels <= 0 or not 0 <= first < last:
            raise ValueError(f"bad slice [{first}, {last}) of a {sample_rate} Hz, {channels}-channel file")
        self.path = path
        self.sample_rate = sample_rate
        self.channels = channels
        self.first = first
        self.last = last
        self.peak = peak
        frames = last - first
        self._num_samples = (frames * SAMPLE_RATE + sample_rate // 2) // sample_rate  # soxr's output length
        grid = math.gcd(sample_rate, SAMPLE_RATE)
        self._period_in = sample_rate // grid  # source frames per period of the two sample grids
        self._period_out = SAMPLE_RATE // grid  # 16 kHz samples per period
        self._margin = max(1, math.ceil(MARGIN_S * sample_rate / self._period_in))  # in periods
        self._handle: sf.SoundFile | None = None

    @property
    def num_samples(self) -> int:
        return self._num_samples

    @property
    def start_s(self) -> float:
        """Where the slice begins in the file."""
        return self.first / self.sample_rate

    @property
    def silent(self) -> bool:
        return self.peak <= 10.0 ** (SILENCE_DBFS / 20.0)

    def read(self, start: int, stop: int) -> np.ndarray:
        _check_range(start, stop)
        out = np.zeros(stop - start, np.float32)
        end = min(stop, self._num_samples)
        if start >= end:
            return out
        if self.sample_rate == SAMPLE_RATE:
            out[: end - start] = self._mono(start, end)
            return out
        lo = max(0, start // self._period_out - self._margin)  # first period decoded
        hi = -(-end // self._period_out) + self._margin  # one past the last
        frames = self._mono(lo * self._period_in, min(hi * self._period_in, self.last - self.first))
        resampled = soxr.resample(frames, self.sample_rate, SAMPLE_RATE, quality="HQ")
        offset = start - lo * self._period_out
        piece = resampled[offset: offset + end - start]
        out[: len(piece)] = piece
        return out

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _mono(self, a: int, b: int) -> np.ndarray:
        """Slice frames `[a, b)` mixed to mono float32 (channel mean, as `load_audio` mixes)."""
        try:
            if self._handle is None:
                self._handle = sf.SoundFile(self.path)
            self._handle.seek(self.first + a)
            block = self._handle.read(b - a, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            self.close()
            raise AudioSourceError(f"cannot read {self.path} any more: {exc}") from None
        if block.shape != (b - a, self.channels):
            self.close()
            raise AudioSourceError(f"{self.path} changed after it was opened: read {block.shape[0]} of "
                                   f"{b - a} frames from {self.first + a}")
        return block.mean(axis=1, dtype=np.float32)  # (b - a,)


def _check_range(start: int, stop: int) -> None:
    if not 0 <= start <= stop:
        raise ValueError(f"bad sample range [{start}, {stop})")
