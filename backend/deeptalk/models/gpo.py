"""Generalised Pooling Operator (GPO, Chen et al. 2021, "VSE infinity") with padding masks.

Weights depend only on the sequence length: a bidirectional GRU reads sinusoidal codes
of positions 0..L-1, the two directions are averaged, a linear layer scores each
position, and softmax(score / temperature) over the L valid positions gives the weights.
Each feature dimension is sorted in descending order over time and the weighted sum
taken, so GPO interpolates between max pooling (weight on position 0) and mean pooling.
Padded frames get weight 0 and sort to the end.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from deeptalk.models.positional import sinusoidal_table


class GPO(nn.Module):
    """(B, T, D) features + (B, T) validity mask -> (B, D)."""

    def __init__(self, *, pe_dim: int = 32, hidden_dim: int = 32, temperature: float = 0.1) -> None:
        super().__init__()
        if pe_dim < 2 or hidden_dim < 1 or temperature <= 0:
            raise ValueError("GPO needs pe_dim >= 2, hidden_dim >= 1, temperature > 0")
        self.pe_dim, self.hidden_dim, self.temperature = pe_dim, hidden_dim, temperature
        self.gru = nn.GRU(pe_dim, hidden_dim, batch_first=True, bidirectional=True)
        self.linear = nn.Linear(hidden_dim, 1, bias=False)

    def weights(self, lengths: torch.Tensor, max_len: int) -> torch.Tensor:
        """Pooling weights (B, max_len) for valid lengths (B,); rows sum to 1."""
        batch = lengths.shape[0]
        device = self.linear.weight.device
        pe = sinusoidal_table(max_len, self.pe_dim, device=device, dtype=self.linear.weight.dtype)  # (T, P)
        pe = pe[None].expand(batch, -1, -1)  # (B, T, P)
        packed = pack_padded_sequence(pe, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.gru(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=max_len)  # (B, T, 2H)
        out = (out[..., : self.hidden_dim] + out[..., self.hidden_dim:]) / 2  # (B, T, H)
        scores = self.linear(out).squeeze(-1)  # (B, T)
        valid = torch.arange(max_len, device=device)[None, :] < lengths.to(device)[:, None]  # (B, T)
        scores = scores.masked_fill(~valid, float("-inf"))
        return torch.softmax(scores / self.temperature, dim=-1)  # (B, T)

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        batch, time, _ = features.shape
        if mask is None:
            mask = torch.ones(batch, time, dtype=torch.bool, device=features.device)
        lengths = mask.sum(dim=1)  # (B,)
        if bool((lengths < 1).any()):
            raise ValueError("every sequence needs at least one valid frame")
        weights = self.weights(lengths, time)  # (B, T)
        masked = features.masked_fill(~mask[..., None], float("-inf"))  # (B, T, D)
        ranked = masked.sort(dim=1, descending=True).values  # (B, T, D) padding last
        ranked = ranked.masked_fill(torch.isinf(ranked) & (ranked < 0), 0.0)
        return (ranked * weights[..., None]).sum(dim=1)  # (B, D)
