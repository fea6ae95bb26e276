"""Utterance statistics of speech: what a whole stretch of voice sounds like, as one vector.

`UtteranceStatistics(out_dim)(wave (B, S) 16 kHz, lengths (B,) | None) -> (B, out_dim)`:
the wave is scaled to unit RMS over its valid samples (so microphone gain does not count),
its 80-band log-mel spectrogram (`log_mel`) is summarised over the valid frames by each
band's mean, standard deviation and mean absolute frame-to-frame change (240 numbers:
timbre and level, range, tempo), standardised by running batch statistics and mapped by a
small MLP.

Why: a linear probe on these statistics reads the corpus's emotions on held-out clips at
0.84, where the CPU-trained speech transformer's embedding retrieves 0.55-0.60 (docs/training.md).
The DEE adds this vector to its speech branch's pooled mean (`DeeConfig.audio_utterance_stats`),
so the branch starts from what the probe hears and learns the rest.
"""

from __future__ import annotations

import torch
from torch import nn

from deeptalk.models.log_mel import HOP, N_MELS, WINDOW, log_mel_frames, log_mel_spectrogram, mel_filterbank

STATISTICS = 3  # mean, standard deviation, mean absolute change per band
FEATURES = STATISTICS * N_MELS


def masked_band_statistics(logmel: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """logmel (B, M, T), valid (B,) frame counts >= 1 -> (B, 3M): mean, std, mean |delta| per band."""
    frames = logmel.shape[-1]
    mask = (torch.arange(frames, device=logmel.device)[None, :] < valid[:, None]).to(logmel.dtype)  # (B, T)
    count = mask.sum(-1, keepdim=True)  # (B, 1)
    mean = (logmel * mask[:, None]).sum(-1) / count  # (B, M)
    var = (((logmel - mean[..., None]) ** 2) * mask[:, None]).sum(-1) / count  # (B, M)
    pairs = mask[:, 1:] * mask[:, :-1]  # (B, T - 1) both frames valid
    delta = (logmel[..., 1:] - logmel[..., :-1]).abs()  # (B, M, T - 1)
    change = (delta * pairs[:, None]).sum(-1) / pairs.sum(-1, keepdim=True).clamp_min(1.0)  # (B, M)
    return torch.cat([mean, var.clamp_min(0.0).sqrt(), change], dim=-1)  # (B, 3M)


class UtteranceStatistics(nn.Module):
    """(B, S) 16 kHz + valid lengths -> (B, out_dim)."""

    def __init__(self, out_dim: int, hidden_dim: int = 128, dropout: float = 0.1) -> None:
        super().__init__()
        with torch.device("cpu"):  # constants, computed for real even when built on the "meta" device
            filters = mel_filterbank()  # (80, 201)
            window = torch.hann_window(WINDOW)  # (400,)
        self.register_buffer("filters", filters, persistent=False)
        self.register_buffer("window", window, persistent=False)
        self.norm = nn.BatchNorm1d(FEATURES, affine=False)
        self.mlp = nn.Sequential(nn.Linear(FEATURES, hidden_dim), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(hidden_dim, out_dim))

    def statistics(self, wave: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """(B, S) -> (B, 240) raw band statistics of the valid samples, gain removed."""
        wave = wave.float()
        if wave.shape[1] < WINDOW:
            wave = nn.functional.pad(wave, (0, WINDOW - wave.shape[1]))
        samples = wave.shape[1]
        if lengths is None:
            lengths = torch.full((wave.shape[0],), samples, device=wave.device)
        lengths = lengths.to(wave.device).clamp(1, samples)  # (B,)
        keep = (torch.arange(samples, device=wave.device)[None, :] < lengths[:, None]).to(wave.dtype)  # (B, S)
        rms = ((wave * keep) ** 2).sum(-1, keepdim=True).div(lengths[:, None].to(wave.dtype)).sqrt()  # (B, 1)
        wave = wave * keep / rms.clamp_min(1e-4)
        logmel = log_mel_spectrogram(wave, self.filters, self.window)  # (B, 80, T)
        valid = ((lengths - WINDOW).clamp_min(0) // HOP + 1).clamp(1, log_mel_frames(samples))  # (B,)
        return masked_band_statistics(logmel, valid)

    def forward(self, wave: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        stats = self.statistics(wave, lengths)  # (B, 240)
        if self.training and stats.shape[0] == 1:  # batch statistics need two clips; use the running ones
            return self.mlp(nn.functional.batch_norm(stats, self.norm.running_mean, self.norm.running_var,
                                                     training=False, eps=self.norm.eps))
        return self.mlp(self.norm(stats))  # (B, out_dim)
