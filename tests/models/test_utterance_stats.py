"""Utterance statistics: the band statistics themselves, gain and padding invariance, the DEE path."""

from __future__ import annotations

import math

import numpy as np
import torch

from deeptalk.models.checkpoint import load_checkpoint, save_checkpoint
from deeptalk.models.dee import DEE, DeeConfig
from deeptalk.models.utterance_stats import FEATURES, UtteranceStatistics, masked_band_statistics
from tests.models.test_dee import tiny_config


def tone(seconds: float, hz: float, rate: int = 16000) -> torch.Tensor:
    t = torch.arange(int(seconds * rate)) / rate
    return torch.sin(2 * math.pi * hz * t) * (0.5 + 0.5 * torch.sin(2 * math.pi * 3 * t))


def test_band_statistics_match_numpy_on_the_valid_frames():
    torch.manual_seed(0)
    logmel = torch.randn(2, 4, 9)
    stats = masked_band_statistics(logmel, torch.tensor([9, 5]))
    for row, frames in ((0, 9), (1, 5)):
        x = logmel[row, :, :frames].numpy()
        expected = np.concatenate([x.mean(-1), x.std(-1), np.abs(np.diff(x, axis=-1)).mean(-1)])
        np.testing.assert_allclose(stats[row].numpy(), expected, rtol=1e-5, atol=1e-5)


def test_one_valid_frame_has_zero_spread_and_change():
    stats = masked_band_statistics(torch.randn(1, 3, 6), torch.tensor([1]))
    assert torch.isfinite(stats).all()
    torch.testing.assert_close(stats[0, 3:], torch.zeros(6))


def test_gain_and_padding_do_not_change_the_statistics():
    module = UtteranceStatistics(8).eval()
    wave = tone(1.3, 220.0)[None]  # (1, S)
    alone = module.statistics(wave)
    torch.testing.assert_close(module.statistics(wave * 7.0), alone, rtol=1e-3, atol=1e-3)
    padded = torch.cat((wave, torch.randn(1, 9000)), dim=1)
    torch.testing.assert_close(module.statistics(padded, torch.tensor([wave.shape[1]])), alone, rtol=1e-3, atol=1e-3)


def test_statistics_tell_a_high_voice_from_a_low_one():
    module = UtteranceStatistics(8).eval()
    low, high = module.statistics(tone(1.0, 150.0)[None]), module.statistics(tone(1.0, 2400.0)[None])
    assert low.shape == (1, FEATURES)
    assert float((low - high).abs().max()) > 1.0


def test_short_and_silent_waves_stay_finite_in_train_and_eval():
    module = UtteranceStatistics(8)
    for mode in (True, False):
        module.train(mode)
        for wave in (torch.zeros(1, 100), torch.randn(1, 399), torch.zeros(3, 5000)):
            out = module(wave)
            assert out.shape == (wave.shape[0], 8)
            assert torch.isfinite(out).all()


def test_dee_statistics_ignore_padding_and_round_trip_through_a_checkpoint(tmp_path):
    torch.manual_seed(0)
    config = tiny_config(audio_utterance_stats=True)
    dee = DEE(config)
    dee.train()
    dee.encode_audio(torch.randn(4, 16000))  # moves the running statistics off their start
    dee.eval()
    wave = tone(0.9, 300.0)[None]
    padded = torch.cat((torch.cat((wave, torch.randn(1, 5000)), dim=1), torch.randn(1, wave.shape[1] + 5000)))
    offsets = dee.audio_stats(padded, torch.tensor([wave.shape[1], wave.shape[1] + 5000]))
    torch.testing.assert_close(offsets[:1], dee.audio_stats(wave), atol=1e-5, rtol=1e-5)
    assert float(dee.audio_stats.norm.running_var.sub(1.0).abs().max()) > 0  # trained, and saved below
    save_checkpoint(tmp_path / "dee.pt", dee, config)
    loaded = load_checkpoint(tmp_path / "dee.pt", DEE, DeeConfig).model.eval()
    torch.testing.assert_close(loaded.audio_stats.norm.running_mean, dee.audio_stats.norm.running_mean)
    torch.testing.assert_close(loaded.encode_audio(wave).mean, dee.encode_audio(wave).mean)


def test_the_statistics_path_is_off_unless_asked():
    dee = DEE(tiny_config())
    assert dee.audio_stats is None
    assert not any(name.startswith("audio_stats.") for name in dee.state_dict())
