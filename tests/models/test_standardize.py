"""Standardizer: per-channel statistics as buffers, with a floor that keeps still channels quiet."""

from __future__ import annotations

import torch

from deeptalk.models.standardize import Standardizer


def test_fit_standardises_and_floors_still_channels() -> None:
    torch.manual_seed(0)
    frames = torch.randn(1000, 4) * torch.tensor([1.0, 0.5, 2.0, 1e-4]) + torch.tensor([3.0, 0.0, -1.0, 0.2])
    norm = Standardizer(dim=4)
    norm.fit(frames)
    out = norm(frames)
    assert torch.allclose(out[:, :3].mean(0), torch.zeros(3), atol=1e-5)
    assert torch.allclose(out[:, :3].std(0), torch.ones(3), atol=1e-3)
    median = float(frames.std(0).median())
    assert abs(float(norm.std[3]) - 0.25 * median) < 1e-6  # the still channel is not blown up 10,000x
    assert out[:, 3].abs().max() < 0.01
    state = norm.state_dict()
    assert set(state) == {"mean", "std"}  # the statistics travel inside checkpoints
    copy = Standardizer(dim=4)
    copy.load_state_dict(state)
    assert torch.equal(copy(frames), out)
