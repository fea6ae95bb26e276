"""Per-channel standardisation of motion features, with statistics stored as buffers."""

from __future__ import annotations

import torch
from torch import nn


class Standardizer(nn.Module):
    """(x - mean) / std over the last axis; identity until `fit` is called.

    The statistics are persistent buffers, so they travel inside checkpoints.
    """

    def __init__(self, *, dim: int, min_std: float = 1e-3) -> None:
        super().__init__()
        self.min_std = min_std
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))

    @torch.no_grad()
    def fit(self, frames: torch.Tensor) -> None:
        """Set mean/std from frames (..., dim); std is floored at `min_std`."""
        flat = frames.reshape(-1, frames.shape[-1]).to(self.mean)  # (N, dim)
        if flat.shape[0] < 2:
            raise ValueError("need at least 2 frames to fit a standardizer")
        self.mean.copy_(flat.mean(dim=0))
        self.std.copy_(flat.std(dim=0).clamp_min(self.min_std))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std  # (..., dim)
