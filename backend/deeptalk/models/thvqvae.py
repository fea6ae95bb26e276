"""TH-VQVAE: the two-level (top T/4, bottom T/2) vector-quantised motion prior (spec §3).

motion (B, T, 53) -> encoder_b -> (B, T/2, C) -> encoder_t -> (B, T/4, C) -> quantize_t
  -> decoder_t -> (B, T/2, C); quantize_b(concat[decoder_t, encoder_b]) (B, T/2, 2C);
decode: concat[upsample_t(quant_t) (B, T/2, C), quant_b (B, T/2, 2C)] -> decoder_b -> (B, T, 53).
Each down/up block is a stride-2 (transposed) convolution + LeakyReLU + BatchNorm, a
linear embedding and symmetric-ALiBi transformer layers. Any T works: the input is padded
to a multiple of 4 by repeating its last frame and the output is trimmed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from deeptalk.models.alibi import AlibiTransformer
from deeptalk.models.quantizer import EmaQuantizer

MOTION_DIM = 53


@dataclass(frozen=True)
class ThVqvaeConfig:
    """Sizes of the TH-VQVAE. `dim` C is the top code size; bottom codes are 2C wide and
    the bottom decoder runs at 3C. `preset(name)` gives "paper", "default" and "tiny"."""

    motion_dim: int = MOTION_DIM
    dim: int = 128
    codes_top: int = 256
    codes_bottom: int = 256
    heads: int = 8
    ff_dim: int = 256           # encoders and the top decoder
    ff_dim_bottom: int = 512    # the bottom decoder (3C wide)
    layers: int = 1             # transformer layers per block
    dropout: float = 0.1
    decay: float = 0.95
    beta: float = 0.25
    dead_code_threshold: float = 1e-2

    def __post_init__(self) -> None:
        for name in ("motion_dim", "dim", "heads", "ff_dim", "ff_dim_bottom", "layers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        if self.codes_top < 2 or self.codes_bottom < 2:
            raise ValueError("codebooks need at least 2 codes")
        if self.dim % self.heads or (3 * self.dim) % self.heads:
            raise ValueError(f"dim {self.dim} (and 3*dim) must be divisible by heads {self.heads}")
        if not 0 <= self.dropout < 1 or not 0 <= self.decay < 1:
            raise ValueError("dropout and decay must be in [0, 1)")

    @property
    def dim_bottom(self) -> int:
        return 2 * self.dim

    @staticmethod
    def preset(name: str) -> ThVqvaeConfig:
        """"paper" = spec §3 sizes; "default" trains on 2 CPU cores in minutes; "tiny" for tests."""
        if name == "paper":
            return ThVqvaeConfig()
        if name == "default":
            return ThVqvaeConfig(dim=64, codes_top=256, codes_bottom=256, heads=4, ff_dim=128, ff_dim_bottom=256)
        if name == "tiny":
            return ThVqvaeConfig(dim=16, codes_top=32, codes_bottom=32, heads=2, ff_dim=32, ff_dim_bottom=48,
                                 dropout=0.0)
        raise ValueError(f"unknown TH-VQVAE preset {name!r}; choose paper, default or tiny")


class VqvaeOutput(NamedTuple):
    motion: torch.Tensor       # (B, T, motion_dim) reconstruction
    codes_top: torch.Tensor    # (B, ceil(T/4))
    codes_bottom: torch.Tensor  # (B, 2*ceil(T/4))
    quant_loss: torch.Tensor   # () commitment losses of both levels
    perplexity_top: torch.Tensor
    perplexity_bottom: torch.Tensor


def pad_to_multiple(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """Repeat the last frame so the time axis is a multiple: (B, T, C) -> (B, T', C)."""
    extra = -x.shape[1] % multiple
    if not extra:
        return x
    return torch.cat([x, x[:, -1:].expand(-1, extra, -1)], dim=1)


class _Down(nn.Module):
    """Halve time: conv(k5, s2, replicate) + LeakyReLU + BN, linear, ALiBi transformer."""

    def __init__(self, *, c_in: int, dim: int, heads: int, ff_dim: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.conv = nn.Conv1d(c_in, dim, 5, stride=2, padding=2, padding_mode="replicate")
        self.norm = nn.BatchNorm1d(dim)
        self.linear = nn.Linear(dim, dim)
        self.transformer = AlibiTransformer(dim=dim, heads=heads, ff_dim=ff_dim, layers=layers, dropout=dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C_in) -> (B, T/2, dim)."""
        h = self.norm(F.leaky_relu(self.conv(x.transpose(1, 2)), 0.2)).transpose(1, 2)  # (B, T/2, dim)
        return self.transformer(self.linear(h))


class _Up(nn.Module):
    """Double time: transposed conv(k5, s2) + LeakyReLU + BN, linear, ALiBi transformer."""

    def __init__(self, *, dim: int, heads: int, ff_dim: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.conv = nn.ConvTranspose1d(dim, dim, 5, stride=2, padding=2, output_padding=1)
        self.norm = nn.BatchNorm1d(dim)
        self.linear = nn.Linear(dim, dim)
        self.transformer = AlibiTransformer(dim=dim, heads=heads, ff_dim=ff_dim, layers=layers, dropout=dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, N, dim) -> (B, 2N, dim)."""
        h = self.norm(F.leaky_relu(self.conv(x.transpose(1, 2)), 0.2)).transpose(1, 2)  # (B, 2N, dim)
        return self.transformer(self.linear(h))


class ThVqvae(nn.Module):
    """Two-level VQ motion prior. Use `encode`/`decode_codes` for tokens, `forward` to train."""

    def __init__(self, config: ThVqvaeConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        block = dict(heads=c.heads, layers=c.layers, dropout=c.dropout)
        self.encoder_b = _Down(c_in=c.motion_dim, dim=c.dim, ff_dim=c.ff_dim, **block)
        self.encoder_t = _Down(c_in=c.dim, dim=c.dim, ff_dim=c.ff_dim, **block)
        self.decoder_t = _Up(dim=c.dim, ff_dim=c.ff_dim, **block)
        self.upsample_t = nn.ConvTranspose1d(c.dim, c.dim, 4, stride=2, padding=1)
        self.decoder_b = _Up(dim=3 * c.dim, ff_dim=c.ff_dim_bottom, **block)
        self.out_conv = nn.Conv1d(3 * c.dim, c.motion_dim, 5, padding=2)
        quant = dict(decay=c.decay, beta=c.beta, dead_code_threshold=c.dead_code_threshold)
        self.quantize_t = EmaQuantizer(num_codes=c.codes_top, dim=c.dim, **quant)
        self.quantize_b = EmaQuantizer(num_codes=c.codes_bottom, dim=c.dim_bottom, **quant)

    def forward(self, motion: torch.Tensor) -> VqvaeOutput:
        """motion (B, T, motion_dim), any T >= 1 -> reconstruction and codes."""
        length = motion.shape[1]
        x = pad_to_multiple(motion, 4)  # (B, T4, M)
        z_b = self.encoder_b(x)  # (B, T4/2, C)
        z_t = self.encoder_t(z_b)  # (B, T4/4, C)
        out_t = self.quantize_t(z_t)
        dec_t = self.decoder_t(out_t.quantized)  # (B, T4/2, C)
        out_b = self.quantize_b(torch.cat([dec_t, z_b], dim=-1))  # (B, T4/2, 2C)
        recon = self.decode(out_t.quantized, out_b.quantized)[:, :length]  # (B, T, M)
        return VqvaeOutput(recon, out_t.indices, out_b.indices, out_t.loss + out_b.loss,
                           out_t.perplexity, out_b.perplexity)

    def encode(self, motion: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """motion (B, T, M) -> (codes_top (B, ceil(T/4)), codes_bottom (B, 2*ceil(T/4))).

        Never updates the codebooks; in eval mode these are exactly the codes `forward` uses,
        so `decode_codes(*encode(x), T)` equals `forward(x).motion`.
        """
        x = pad_to_multiple(motion, 4)  # (B, T4, M)
        z_b = self.encoder_b(x)  # (B, T4/2, C)
        codes_t = self.quantize_t.nearest(self.encoder_t(z_b))  # (B, T4/4)
        dec_t = self.decoder_t(self.quantize_t.lookup(codes_t))  # (B, T4/2, C)
        codes_b = self.quantize_b.nearest(torch.cat([dec_t, z_b], dim=-1))  # (B, T4/2)
        return codes_t, codes_b

    def decode_top(self, quant_t: torch.Tensor) -> torch.Tensor:
        """The top decoder the bottom level is conditioned on: (B, N, C) -> (B, 2N, C)."""
        return self.decoder_t(quant_t)

    def decode(self, quant_t: torch.Tensor, quant_b: torch.Tensor) -> torch.Tensor:
        """Quantised vectors -> motion: (B, N, C), (B, 2N, 2C) -> (B, 4N, M)."""
        if quant_b.shape[1] != 2 * quant_t.shape[1]:
            raise ValueError(f"bottom length {quant_b.shape[1]} must be twice top length {quant_t.shape[1]}")
        up_t = self.upsample_t(quant_t.transpose(1, 2)).transpose(1, 2)  # (B, 2N, C)
        h = self.decoder_b(torch.cat([up_t, quant_b], dim=-1))  # (B, 4N, 3C)
        return self.out_conv(h.transpose(1, 2)).transpose(1, 2)  # (B, 4N, M)

    def decode_codes(self, codes_t: torch.Tensor, codes_b: torch.Tensor, length: int | None = None) -> torch.Tensor:
        """Codes -> motion (B, 4N, M), trimmed to `length` frames if given."""
        motion = self.decode(self.quantize_t.lookup(codes_t), self.quantize_b.lookup(codes_b))
        return motion if length is None else motion[:, :length]

    def codebook_report(self) -> dict[str, int]:
        """Live (not dead) codes per level, by EMA count."""
        return {"top_live": self.quantize_t.live_codes(), "top_total": self.config.codes_top,
                "bottom_live": self.quantize_b.live_codes(), "bottom_total": self.config.codes_bottom}
