"""Log-mel features as a drop-in for wav2vec2's CNN feature encoder (AudioBackbone kind "mel").

`LogMelFeatures(channels)(wave (B, S) 16 kHz) -> (B, channels, T100)`: an 80-band log-mel
spectrogram (25 ms Hann window, 10 ms hop, HTK mel scale up to 8 kHz) followed by a learned
Conv1d (kernel 3) to `channels`. Prosody (pitch level and range, tempo, voice quality) is
visible in it from the first step, where a waveform CNN trained from scratch needs many
thousands of steps to find it; the CPU-trained default DEE uses this kind for its speech
branch. The filterbank is rebuilt from constants, not stored in checkpoints.
"""

from __future__ import annotations

import math

import torch
from torch import nn

SAMPLE_RATE = 16000
WINDOW = 400  # 25 ms
HOP = 160  # 10 ms
N_MELS = 80


def mel_filterbank(n_mels: int = N_MELS, n_fft: int = WINDOW, sample_rate: int = SAMPLE_RATE,
                   f_min: float = 0.0, f_max: float | None = None) -> torch.Tensor:
    """(n_mels, n_fft // 2 + 1) triangular filters on the HTK mel scale."""
    f_max = f_max or sample_rate / 2

    def to_mel(f: torch.Tensor) -> torch.Tensor:
        return 2595.0 * torch.log10(1.0 + f / 700.0)

    def to_hz(m: torch.Tensor) -> torch.Tensor:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    edges = to_hz(torch.linspace(float(to_mel(torch.tensor(f_min))), float(to_mel(torch.tensor(f_max))),
                                 n_mels + 2, dtype=torch.float64))  # (n_mels + 2,)
    bins = torch.linspace(0.0, sample_rate / 2, n_fft // 2 + 1, dtype=torch.float64)  # (F,)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None] - lower) / (centre - lower)
    falling = (upper - bins[None]) / (upper - centre)
    return torch.clamp(torch.minimum(rising, falling), min=0.0).float()  # (n_mels, F)


def log_mel_frames(samples: int) -> int:
    """Frames of `log_mel_spectrogram` for `samples` samples (no centring; at least 1)."""
    return max(1, (samples - WINDOW) // HOP + 1)


def log_mel_spectrogram(wave: torch.Tensor, filters: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """(B, S >= WINDOW) 16 kHz -> (B, 80, log_mel_frames(S)) log10 mel power, roughly in [-6, 3]."""
    spec = torch.stft(wave.float(), n_fft=WINDOW, hop_length=HOP, window=window, center=False,
                      return_complex=True)  # (B, 201, T)
    mel = filters @ spec.abs().pow(2)  # (B, 80, T)
    return torch.log(mel + 1e-6) / math.log(10.0)


class LogMelFeatures(nn.Module):
    """(B, S) 16 kHz -> (B, channels, frames at 100 Hz)."""

    receptive_field = WINDOW
    stride = HOP

    def __init__(self, channels: int) -> None:
        super().__init__()
        with torch.device("cpu"):  # constants, computed for real even when built on the "meta" device
            filters = mel_filterbank()  # (80, 201)
            window = torch.hann_window(WINDOW)  # (400,)
        self.register_buffer("filters", filters, persistent=False)
        self.register_buffer("window", window, persistent=False)
        self.conv = nn.Conv1d(N_MELS, channels, kernel_size=3, padding=1)
        self.act = nn.GELU()

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(log_mel_spectrogram(wave, self.filters, self.window)))  # (B, channels, T)

    def _freeze_parameters(self) -> None:  # the name HF's feature encoders use
        self.requires_grad_(False)
