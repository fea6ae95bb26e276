"""Audio augmentation: room and microphone (timing-preserving) and speed (timing-changing).

The timing-preserving chain models a room and a recording channel: microphone EQ,
reverb, band-limiting (telephone / laptop / headset band-pass: a high-pass at
80-300 Hz and a low-pass at 3.4-8 kHz), dynamic-range compression (a voice-chat or
broadcast compressor), noise at realistic SNRs, and a gain.

Pure numpy/scipy functions on (S,) float32 signals with an explicit
`np.random.Generator`, so every result is reproducible from a seed. `augment` applies
a random timing-preserving chain (usable on the fly in datasets); `change_speed`
changes duration and pitch together, so callers must rescale timings by 1/factor.
Filters are RBJ "Audio EQ Cookbook" biquads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, fftconvolve, lfilter, sosfilt

from deeptalk.audio import resample

_PEAK_LIMIT = 0.98


@dataclass(frozen=True, kw_only=True)
class AugmentConfig:
    """Probabilities and ranges of the timing-preserving chain."""

    p_noise: float = 0.5
    snr_db: tuple[float, float] = (12.0, 40.0)
    p_reverb: float = 0.3
    rt60_s: tuple[float, float] = (0.15, 0.7)
    reverb_wet: tuple[float, float] = (0.1, 0.45)
    p_eq: float = 0.5
    eq_gain_db: tuple[float, float] = (-9.0, 9.0)
    p_gain: float = 1.0
    gain_db: tuple[float, float] = (-6.0, 4.0)
    p_band: float = 0.3
    band_low_hz: tuple[float, float] = (80.0, 300.0)  # high-pass corner
    band_high_hz: tuple[float, float] = (3400.0, 8000.0)  # low-pass corner (telephone .. wideband mic)
    p_compress: float = 0.3
    compress_threshold_db: tuple[float, float] = (-30.0, -15.0)  # relative to the signal's peak
    compress_ratio: tuple[float, float] = (2.0, 6.0)

    def __post_init__(self) -> None:
        for name in ("p_noise", "p_reverb", "p_eq", "p_gain", "p_band", "p_compress"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1]")
        for name in ("snr_db", "rt60_s", "reverb_wet", "eq_gain_db", "gain_db", "band_low_hz", "band_high_hz",
                     "compress_threshold_db", "compress_ratio"):
            low, high = getattr(self, name)
            if not low <= high:
                raise ValueError(f"{name} must be (low, high) with low <= high")
        if self.rt60_s[0] <= 0 or not 0 <= self.reverb_wet[0] <= self.reverb_wet[1] <= 1:
            raise ValueError("rt60_s must be positive and reverb_wet within [0, 1]")
        if not (20.0 <= self.band_low_hz[0] and self.band_low_hz[1] < self.band_high_hz[0]):
            raise ValueError("band_low_hz must be >= 20 Hz and below band_high_hz")
        if self.compress_ratio[0] < 1.0 or self.compress_threshold_db[1] > 0.0:
            raise ValueError("compress_ratio must be >= 1 and compress_threshold_db <= 0")


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def colored_noise(n: int, rng: np.random.Generator, color: str = "white") -> np.ndarray:
    """(n,) unit-RMS noise; `pink` falls 3 dB/octave, `brown` 6 dB/octave."""
    white = rng.standard_normal(n)
    if color != "white":
        exponent = {"pink": 0.5, "brown": 1.0}[color]
        spectrum = np.fft.rfft(white)
        freqs = np.fft.rfftfreq(n)
        freqs[0] = freqs[1] if n > 1 else 1.0
        white = np.fft.irfft(spectrum / freqs**exponent, n)
    return (white / max(rms(white), 1e-12)).astype(np.float32)


def add_noise(x: np.ndarray, rng: np.random.Generator, snr_db: float, color: str = "white") -> np.ndarray:
    """Add noise at `snr_db` relative to the signal's RMS (silent input gets none)."""
    level = rms(x) / (10.0 ** (snr_db / 20.0))
    return (x + level * colored_noise(len(x), rng, color)).astype(np.float32)


def room_impulse(sample_rate: int, rng: np.random.Generator, rt60_s: float) -> np.ndarray:
    """A synthetic room: direct path, then exponentially decaying noise (-60 dB at rt60)."""
    n = max(int(min(1.2 * rt60_s, 1.5) * sample_rate), 2)
    t = np.arange(n) / sample_rate
    tail = rng.standard_normal(n) * np.exp(-6.9078 * t / rt60_s)
    tail[: int(0.002 * sample_rate)] = 0.0  # first reflections arrive after ~2 ms
    ir = tail / max(np.linalg.norm(tail), 1e-12)
    ir[0] = 1.0
    return ir.astype(np.float32)


def reverb(x: np.ndarray, sample_rate: int, rng: np.random.Generator, rt60_s: float,
           wet: float) -> np.ndarray:
    """Mix of dry signal and the signal in a synthetic room; same length, same RMS."""
    wet_signal = fftconvolve(x, room_impulse(sample_rate, rng, rt60_s))[: len(x)]
    y = (1.0 - wet) * x + wet * wet_signal * (rms(x) / max(rms(wet_signal), 1e-12))
    return y.astype(np.float32)


def apply_gain(x: np.ndarray, gain_db: float) -> np.ndarray:
    return (x * 10.0 ** (gain_db / 20.0)).astype(np.float32)


def peaking_sos(freq: float, gain_db: float, q: float, sample_rate: int) -> np.ndarray:
    """(1, 6) second-order section of a peaking EQ."""
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * math.pi * freq / sample_rate
    alpha = math.sin(w0) / (2.0 * q)
    b = [1 + alpha * a, -2 * math.cos(w0), 1 - alpha * a]
    den = [1 + alpha / a, -2 * math.cos(w0), 1 - alpha / a]
    return np.array([[*(v / den[0] for v in b), 1.0, den[1] / den[0], den[2] / den[0]]])


def shelf_sos(kind: str, freq: float, gain_db: float, sample_rate: int) -> np.ndarray:
    """(1, 6) low or high shelf (slope 1)."""
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * math.pi * freq / sample_rate
    cos, alpha = math.cos(w0), math.sin(w0) / 2.0 * math.sqrt(2.0)
    root = 2.0 * math.sqrt(a) * alpha
    if kind == "high":
        b = [a * ((a + 1) + (a - 1) * cos + root), -2 * a * ((a - 1) + (a + 1) * cos),
             a * ((a + 1) + (a - 1) * cos - root)]
        den = [(a + 1) - (a - 1) * cos + root, 2 * ((a - 1) - (a + 1) * cos), (a + 1) - (a - 1) * cos - root]
    elif kind == "low":
        b = [a * ((a + 1) - (a - 1) * cos + root), 2 * a * ((a - 1) - (a + 1) * cos),
             a * ((a + 1) - (a - 1) * cos - root)]
        den = [(a + 1) + (a - 1) * cos + root, -2 * ((a - 1) + (a + 1) * cos), (a + 1) + (a - 1) * cos - root]
    else:
        raise ValueError("kind must be 'low' or 'high'")
    return np.array([[*(v / den[0] for v in b), 1.0, den[1] / den[0], den[2] / den[0]]])


def filter_sos(x: np.ndarray, sos: np.ndarray) -> np.ndarray:
    return sosfilt(sos, x).astype(np.float32)


def random_eq(x: np.ndarray, sample_rate: int, rng: np.random.Generator,
              gain_db: tuple[float, float]) -> np.ndarray:
    """A random microphone/channel colour: a low shelf, a peak and a high shelf."""
    nyquist = sample_rate / 2
    sections = [
        shelf_sos("low", rng.uniform(100, 400), rng.uniform(*gain_db), sample_rate),
        peaking_sos(rng.uniform(300, min(4000, 0.8 * nyquist)), rng.uniform(*gain_db), rng.uniform(0.5, 2.0),
                    sample_rate),
        shelf_sos("high", rng.uniform(2000, min(6000, 0.9 * nyquist)), rng.uniform(*gain_db), sample_rate),
    ]
    return filter_sos(x, np.concatenate(sections))


def band_limit(x: np.ndarray, sample_rate: int, low_hz: float, high_hz: float) -> np.ndarray:
    """A microphone / channel band: 4th-order Butterworth high-pass at `low_hz`, low-pass at `high_hz`."""
    high_hz = min(high_hz, 0.45 * sample_rate)
    if not 0 < low_hz < high_hz:
        raise ValueError("band_limit needs 0 < low_hz < high_hz < 0.45 * sample_rate")
    sos = np.concatenate([butter(4, low_hz, "highpass", fs=sample_rate, output="sos"),
                          butter(4, high_hz, "lowpass", fs=sample_rate, output="sos")])
    return filter_sos(x, sos)


def compress(x: np.ndarray, sample_rate: int, threshold_db: float, ratio: float,
             attack_s: float = 0.005, release_s: float = 0.08) -> np.ndarray:
    """Feed-forward compressor: above `threshold_db` (re the peak) the level rises 1/ratio as fast.

    The envelope is a peak follower (fast attack, slower release); make-up gain restores the RMS.
    """
    y = np.asarray(x, dtype=np.float64)
    peak = float(np.abs(y).max()) if len(y) else 0.0
    if peak <= 0.0 or ratio <= 1.0:
        return y.astype(np.float32)
    level = np.abs(y) / peak  # (S,)
    attack, release = math.exp(-1.0 / (attack_s * sample_rate)), math.exp(-1.0 / (release_s * sample_rate))
    # peak follower: two one-pole smoothers (attack for rises, release for falls) approximated by
    # max(fast-smoothed, slow-smoothed) so it stays vectorised
    fast = lfilter([1.0 - attack], [1.0, -attack], level)
    slow = lfilter([1.0 - release], [1.0, -release], level)
    envelope = np.maximum(np.maximum(fast, slow), 1e-6)  # (S,)
    over_db = np.maximum(20.0 * np.log10(envelope) - threshold_db, 0.0)
    gain = 10.0 ** (-over_db * (1.0 - 1.0 / ratio) / 20.0)  # (S,)
    out = y * gain
    return (out * (rms(y) / max(rms(out), 1e-12))).astype(np.float32)


def change_speed(x: np.ndarray, sample_rate: int, factor: float) -> np.ndarray:
    """Play `factor` times faster (duration / factor, pitch * factor), at the same sample rate."""
    if not 0.5 <= factor <= 2.0:
        raise ValueError("speed factor must be in [0.5, 2]")
    return resample(x, int(round(sample_rate * factor)), sample_rate)


def limit_peak(x: np.ndarray, peak: float = _PEAK_LIMIT) -> np.ndarray:
    """Scale down so max |x| <= peak (never scales up)."""
    top = float(np.abs(x).max()) if len(x) else 0.0
    return (x * (peak / top)).astype(np.float32) if top > peak else x.astype(np.float32)


def augment(x: np.ndarray, sample_rate: int, rng: np.random.Generator,
            config: AugmentConfig = AugmentConfig()) -> np.ndarray:
    """A random timing-preserving chain: EQ, reverb, band, compression, noise, gain, then a peak limit.

    The band and compression draws come after the original ones, so configs with
    p_band = p_compress = 0 reproduce the older chain exactly.
    """
    y = np.asarray(x, dtype=np.float32)
    if rng.random() < config.p_eq:
        y = random_eq(y, sample_rate, rng, config.eq_gain_db)
    if rng.random() < config.p_reverb:
        y = reverb(y, sample_rate, rng, rng.uniform(*config.rt60_s), rng.uniform(*config.reverb_wet))
    if config.p_band > 0 and rng.random() < config.p_band:
        y = band_limit(y, sample_rate, rng.uniform(*config.band_low_hz), rng.uniform(*config.band_high_hz))
    if config.p_compress > 0 and rng.random() < config.p_compress:
        y = compress(y, sample_rate, rng.uniform(*config.compress_threshold_db), rng.uniform(*config.compress_ratio))
    if rng.random() < config.p_noise:
        y = add_noise(y, rng, rng.uniform(*config.snr_db), ("white", "pink", "brown")[rng.integers(3)])
    if rng.random() < config.p_gain:
        y = apply_gain(y, rng.uniform(*config.gain_db))
    return limit_peak(y)
