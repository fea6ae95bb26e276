"""Per-channel standardisation of motion features, with statistics stored as buffers."""

from __future__ import annotations

import torch
from torch import nn


class Standardizer(nn.Module):
    """(x - mean) / std over the last axis; identity until `fit` is called.

    The statistics are persistent buffers, so they travel inside checkpoints. The std is
    floored at `relative_floor` x the median channel std (and at `min_std`): a channel that
    barely moves in training (an unused expression component, the jaw's twist) must not be
    blown up a thousandfold, or the network reads its noise instead of the lips.
    """

    def __init__(self, *, dim: int, min_std: float = 1e-3, relative_floor: float = 0.25) -> None:
        super().__init__()
        self.min_std = min_std
        self.relative_floor = relative_floor
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))

    @torch.no_grad()
    def fit(self, frames: torch.Tensor) -> None:
        """Set mean/std from frames (..., dim); std is floored (see the class docstring)."""
        flat = frames.reshape(-1, frames.shape[-1]).to(self.mean)  # (N, dim)
        if flat.shape[0] < 2:
            raise ValueError("need at least 2 frames to fit a standardizer")
        std = flat.std(dim=0)  # (dim,)
        floor = max(self.min_std, self.relative_floor * float(std.median()))
        self.mean.copy_(flat.mean(dim=0))
        self.std.copy_(std.clamp_min(floor))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std  # (..., dim)
