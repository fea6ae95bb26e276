"""The log-mel front end (AudioBackbone kind "mel"): filters, tone placement, frames, checkpoints."""

from __future__ import annotations

import math

import pytest
import torch

from deeptalk.models.audio_backbone import AudioBackbone, AudioBackboneConfig
from deeptalk.models.checkpoint import load_checkpoint, save_checkpoint
from deeptalk.models.log_mel import HOP, N_MELS, WINDOW, LogMelFeatures, mel_filterbank

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def tone(freq: float, seconds: float, start_s: float = 0.0) -> torch.Tensor:
    t = torch.arange(int(16000 * seconds)) / 16000
    return 0.5 * torch.sin(2 * math.pi * freq * t) * (t >= start_s)


def test_filterbank_is_triangles_ordered_by_frequency() -> None:
    filters = mel_filterbank()
    assert filters.shape == (N_MELS, WINDOW // 2 + 1) and (filters >= 0).all() and (filters <= 1).all()
    peaks = filters.argmax(dim=1)
    assert bool((peaks[1:] >= peaks[:-1]).all()) and peaks[-1] > 150  # low to high, up to 8 kHz
    assert (filters.sum(dim=1) > 0).all()


@pytest.mark.parametrize("freq", [220.0, 440.0, 2000.0])
def test_a_tone_lights_the_band_at_its_frequency(freq: float) -> None:
    features = LogMelFeatures(channels=4)
    spec = torch.stft(tone(freq, 0.5), n_fft=WINDOW, hop_length=HOP, window=features.window, center=False,
                      return_complex=True).abs().pow(2)  # (201, T)
    band = int((features.filters @ spec).mean(dim=1).argmax())
    centres = mel_filterbank().argmax(dim=1) * 8000 / (WINDOW // 2)  # Hz at each band's peak
    assert abs(float(centres[band]) - freq) < 0.12 * freq + 40


def test_backbone_frames_follow_the_audio_and_checkpoints_round_trip(tmp_path) -> None:
    torch.manual_seed(0)
    backbone = AudioBackbone(AudioBackboneConfig(kind="mel", hidden_size=32, num_layers=1, num_heads=2,
                                                 intermediate_size=64, pos_conv_kernel=8, pos_conv_groups=2,
                                                 conv_dim=(16,) * 7, dropout=0.0)).eval()
    wave = tone(300.0, 2.0, start_s=1.0)[None]  # silence for 1 s, then a tone
    with torch.no_grad():
        out = backbone(wave, 50)  # (1, 50, 32)
        first = backbone.model.feature_extractor(wave)  # (1, 16, T100)
    assert out.shape == (1, 50, 32) and first.shape[-1] == (32000 - WINDOW) // HOP + 1
    change = (first[0, :, 1:] - first[0, :, :-1]).abs().sum(dim=0)  # (T100 - 1,)
    assert abs(int(change.argmax()) - 100 + WINDOW // HOP // 2) <= 2  # the onset shows at ~1 s
    path = save_checkpoint(tmp_path / "mel.pt", backbone, backbone.config)
    assert not any("filters" in key or "window" in key for key in torch.load(path, weights_only=True)["state_dict"])
    loaded = load_checkpoint(path, AudioBackbone, AudioBackboneConfig).model
    with torch.no_grad():
        assert torch.equal(loaded(wave, 50), out)
