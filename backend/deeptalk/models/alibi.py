"""ALiBi-biased transformer encoder blocks (symmetric, optionally periodic).

Attention with linear biases (Press et al., ALiBi): each head h adds
`-slope_h * distance(i, j)` to its attention logits instead of using position
embeddings, so a block trained on short crops runs on any length. The TH-VQVAE and the
generator's token encoders use the symmetric form `distance = |i - j|` (no causal mask);
the generator's frame-level decoder uses a periodic form, where the distance is quantised
to whole periods: `period * floor(|i - j| / period)` in frames (our trained models), or
FaceFormer's `floor(|i - j| / period)` counted in periods (`period_units=True`, the
official DEEPTalk checkpoints).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS = ("gelu", "relu")


def alibi_slopes(num_heads: int) -> torch.Tensor:
    """Per-head slopes (H,): the geometric sequence 2^(-8/n * k), k = 1..n, of the ALiBi paper.

    For a head count that is not a power of two, the slopes of the closest lower power
    of two are followed by every other slope of the next power of two (as in the paper).
    """
    if num_heads < 1:
        raise ValueError(f"num_heads must be >= 1, got {num_heads}")

    def power_of_two(n: int) -> list[float]:
        start = 2.0 ** (-8.0 / n)
        return [start ** (k + 1) for k in range(n)]

    lower = 2 ** int(math.floor(math.log2(num_heads)))
    slopes = power_of_two(lower)
    if lower != num_heads:
        slopes += power_of_two(2 * lower)[0::2][: num_heads - lower]
    return torch.tensor(slopes, dtype=torch.float32)


def alibi_bias(num_heads: int, length: int, *, period: int | None = None, period_units: bool = False,
               device: torch.device | None = None) -> torch.Tensor:
    """Additive attention bias (H, L, L): `-slope_h * d(i, j)`, symmetric in i and j.

    `d = |i - j|`, or `period * floor(|i - j| / period)` when a period is given
    (`floor(|i - j| / period)` with `period_units`, FaceFormer's form).
    """
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    if period is not None and period < 1:
        raise ValueError(f"period must be >= 1, got {period}")
    pos = torch.arange(length, device=device)
    dist = (pos[None, :] - pos[:, None]).abs()  # (L, L)
    if period is not None:
        dist = torch.div(dist, period, rounding_mode="floor")
        if not period_units:
            dist = dist * period
    slopes = alibi_slopes(num_heads).to(device)  # (H,)
    return -slopes[:, None, None] * dist[None].float()  # (H, L, L)


class AlibiEncoderLayer(nn.Module):
    """Post-norm transformer encoder layer (PyTorch's default layout) with an additive bias."""

    def __init__(self, *, dim: int, heads: int, ff_dim: int, dropout: float = 0.1,
                 activation: str = "gelu") -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not divisible by heads {heads}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.ff = nn.Sequential(nn.Linear(dim, ff_dim), nn.GELU() if activation == "gelu" else nn.ReLU(),
                                nn.Dropout(dropout), nn.Linear(ff_dim, dim))
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.drop = nn.Dropout(dropout)
        self.attn_dropout = dropout

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """x (B, L, D), bias (H, L, L) -> (B, L, D)."""
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)  # 3x (B, H, L, Dh)
        p = self.attn_dropout if self.training else 0.0
        att = F.scaled_dot_product_attention(q, k, v, attn_mask=bias[None].to(q.dtype), dropout_p=p)  # (B, H, L, Dh)
        att = att.transpose(1, 2).reshape(b, n, d)  # (B, L, D)
        x = self.norm1(x + self.drop(self.out(att)))
        return self.norm2(x + self.drop(self.ff(x)))


class AlibiTransformer(nn.Module):
    """A stack of `AlibiEncoderLayer`s sharing one bias (symmetric, or periodic if `period`)."""

    def __init__(self, *, dim: int, heads: int, ff_dim: int, layers: int, dropout: float = 0.1,
                 activation: str = "gelu", period: int | None = None, period_units: bool = False) -> None:
        super().__init__()
        if layers < 1:
            raise ValueError(f"layers must be >= 1, got {layers}")
        self.heads = heads
        self.period = period
        self.period_units = period_units
        self.layers = nn.ModuleList(
            AlibiEncoderLayer(dim=dim, heads=heads, ff_dim=ff_dim, dropout=dropout, activation=activation)
            for _ in range(layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, L, D) -> (B, L, D)."""
        bias = alibi_bias(self.heads, x.shape[1], period=self.period, period_units=self.period_units,
                          device=x.device)  # (H, L, L)
        for layer in self.layers:
            x = layer(x, bias)
        return x
