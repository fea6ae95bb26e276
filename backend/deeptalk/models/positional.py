"""Sinusoidal position codes (Vaswani et al.), computed on the fly for any length.

The released DEE stores a (1, 500, d) table in its state dict and so caps clips at 10 s;
here the table is recomputed per call (no buffer, no length cap).
"""

from __future__ import annotations

import math

import torch
from torch import nn


def sinusoidal_table(length: int, dim: int, *, device: torch.device | None = None,
                     dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(length, dim) table: even columns sin(pos / 10000^(2i/dim)), odd columns cos."""
    if length < 0 or dim < 1:
        raise ValueError(f"need length >= 0 and dim >= 1, got {length}, {dim}")
    position = torch.arange(length, device=device, dtype=torch.float32)[:, None]  # (L, 1)
    half = (dim + 1) // 2
    freq = torch.exp(torch.arange(half, device=device, dtype=torch.float32) * (-2.0 * math.log(10000.0) / dim))
    angle = position * freq[None, :]  # (L, half)
    table = torch.stack((angle.sin(), angle.cos()), dim=-1).reshape(length, 2 * half)  # (L, 2*half)
    return table[:, :dim].to(dtype)


class SinusoidalPositionalEncoding(nn.Module):
    """x + PE then dropout: (B, T, D) -> (B, T, D)."""

    def __init__(self, *, dim: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.dim = dim
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        table = sinusoidal_table(x.shape[1], self.dim, device=x.device, dtype=x.dtype)  # (T, D)
        return self.dropout(x + table[None])  # (B, T, D)
