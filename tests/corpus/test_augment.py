"""Audio augmentation functions measured on real signals."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.corpus.augment import (AugmentConfig, add_noise, apply_gain, augment, change_speed, filter_sos,
                                     peaking_sos, reverb, rms, shelf_sos)

RATE = 16000


def band_db(x: np.ndarray, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    return 10 * np.log10(spectrum[(freqs >= low) & (freqs < high)].mean())


@pytest.fixture()
def noise() -> np.ndarray:
    return (np.random.default_rng(0).standard_normal(RATE * 2) * 0.1).astype(np.float32)


def test_noise_at_requested_snr(noise: np.ndarray) -> None:
    tone = (0.3 * np.sin(2 * np.pi * 300 * np.arange(RATE) / RATE)).astype(np.float32)
    for color in ("white", "pink", "brown"):
        noisy = add_noise(tone, np.random.default_rng(1), 20.0, color)
        snr = 20 * np.log10(rms(tone) / rms(noisy - tone))
        assert snr == pytest.approx(20.0, abs=0.1)


def test_gain_and_eq(noise: np.ndarray) -> None:
    assert rms(apply_gain(noise, 6.0)) == pytest.approx(rms(noise) * 10 ** (6 / 20), rel=1e-5)
    peaked = filter_sos(noise, peaking_sos(1000.0, 12.0, 2.0, RATE))
    assert band_db(peaked, 950, 1050) - band_db(noise, 950, 1050) == pytest.approx(12.0, abs=1.0)
    assert abs(band_db(peaked, 5000, 6000) - band_db(noise, 5000, 6000)) < 0.5
    bright = filter_sos(noise, shelf_sos("high", 2000.0, 9.0, RATE))
    assert band_db(bright, 6000, 7000) - band_db(noise, 6000, 7000) == pytest.approx(9.0, abs=1.0)
    dull = filter_sos(noise, shelf_sos("low", 300.0, -9.0, RATE))
    assert band_db(dull, 50, 100) - band_db(noise, 50, 100) == pytest.approx(-9.0, abs=1.0)


def test_reverb_keeps_length_and_adds_a_tail() -> None:
    click = np.zeros(RATE, np.float32)
    click[1000] = 1.0
    wet = reverb(click, RATE, np.random.default_rng(2), rt60_s=0.5, wet=0.5)
    assert wet.shape == click.shape
    assert rms(wet[1000 + 800:1000 + 4000]) > 1e-3 and np.abs(wet[:1000]).max() < 1e-6  # causal (FFT noise only)


def test_speed_changes_duration_and_pitch() -> None:
    tone = np.sin(2 * np.pi * 400 * np.arange(RATE) / RATE).astype(np.float32)
    fast = change_speed(tone, RATE, 1.25)
    assert abs(len(fast) - RATE / 1.25) <= 2
    spectrum = np.abs(np.fft.rfft(fast * np.hanning(len(fast))))
    assert np.fft.rfftfreq(len(fast), 1 / RATE)[spectrum.argmax()] == pytest.approx(500, abs=3)


def test_augment_chain_is_seeded_and_bounded(noise: np.ndarray) -> None:
    config = AugmentConfig(p_noise=1, p_reverb=1, p_eq=1, p_gain=1, gain_db=(10.0, 12.0))
    a = augment(noise * 5, RATE, np.random.default_rng(3), config)
    b = augment(noise * 5, RATE, np.random.default_rng(3), config)
    assert np.array_equal(a, b) and a.shape == noise.shape and np.abs(a).max() <= 0.98 + 1e-6
    assert not np.array_equal(a, augment(noise * 5, RATE, np.random.default_rng(4), config))
    with pytest.raises(ValueError):
        AugmentConfig(p_noise=2.0)


def test_band_limit_removes_lows_and_highs(noise: np.ndarray) -> None:
    from deeptalk.corpus.augment import band_limit

    y = band_limit(noise, 16000, 300.0, 3400.0)
    spectrum = np.abs(np.fft.rfft(y)) ** 2
    freqs = np.fft.rfftfreq(len(y), 1 / 16000)
    inside = spectrum[(freqs > 600) & (freqs < 2500)].mean()
    assert spectrum[freqs > 5000].mean() < 1e-3 * inside and spectrum[freqs < 100].mean() < 1e-2 * inside
    assert y.shape == noise.shape and np.isfinite(y).all()


def test_compression_reduces_the_dynamic_range() -> None:
    from deeptalk.corpus.augment import compress

    t = np.arange(32000) / 16000
    x = (np.sin(2 * np.pi * 220 * t) * np.where(t < 1.0, 0.9, 0.05)).astype(np.float32)  # loud then quiet
    y = compress(x, 16000, threshold_db=-30.0, ratio=6.0)
    ratio_before = rms(x[2000:14000]) / rms(x[18000:30000])
    ratio_after = rms(y[2000:14000]) / rms(y[18000:30000])
    assert y.shape == x.shape and np.isfinite(y).all()
    assert ratio_after < 0.5 * ratio_before and abs(rms(y) / rms(x) - 1) < 1e-3


def test_full_chain_with_band_and_compression_keeps_length(noise: np.ndarray) -> None:
    config = AugmentConfig(p_band=1.0, p_compress=1.0, p_noise=1.0, p_reverb=1.0, p_eq=1.0)
    for seed in range(4):
        y = augment(noise, 16000, np.random.default_rng(seed), config)
        assert y.shape == noise.shape and np.isfinite(y).all() and np.abs(y).max() <= 0.98 + 1e-6
    with pytest.raises(ValueError):
        AugmentConfig(band_low_hz=(400.0, 5000.0), band_high_hz=(3400.0, 8000.0))
    with pytest.raises(ValueError):
        AugmentConfig(p_compress=1.5)
