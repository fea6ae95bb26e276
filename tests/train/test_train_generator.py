"""Emotion-override training rows: steered like inference, targets blended like the weight."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from deeptalk.models.gaussian import GaussianEmbedding
from deeptalk.train.train_generator import override_rows


def test_override_rows_steer_like_inference_and_blend_targets() -> None:
    rows, classes, frames, dim = 64, 5, 7, 8
    alt = torch.randn(rows, classes, frames, 53)
    motion = torch.randn(rows, frames, 53)
    z = F.normalize(torch.randn(rows, dim), dim=-1)
    speech = GaussianEmbedding(z.clone(), torch.full((rows, dim), -3.0))
    protos = F.normalize(torch.randn(classes, dim), dim=-1), torch.full((classes, dim), -5.0)
    target, steered, vec = override_rows(alt, motion, speech, z, protos, 0.5, torch.Generator().manual_seed(0))
    kept = (vec == z).all(dim=1)
    assert 10 < int((~kept).sum()) < 54  # about half the rows are steered
    assert torch.equal(target[kept], motion[kept]) and torch.equal(steered.mean[kept], z[kept])
    full = 0
    for row in torch.nonzero(~kept).flatten().tolist():
        # each steered row sits between its own motion and one class's full-strength motion, with the
        # same weight as its vector between the speech emotion and that class's prototype
        fits = []
        for k in range(classes):
            delta = alt[row, k] - motion[row]
            w = float(((target[row] - motion[row]) * delta).sum() / (delta * delta).sum())
            if torch.allclose(target[row], motion[row] + w * delta, atol=1e-5):
                expect = F.normalize((1 - w) * z[row] + w * protos[0][k], dim=-1)
                fits.append(torch.allclose(vec[row], expect, atol=1e-5) and -1e-6 <= w <= 1 + 1e-6)
                full += abs(w - 1) < 1e-6
        assert any(fits)
    assert full >= 5  # half of the steered rows are at full weight

