"""Motion lip-reader: shapes, overfitting visemes, feature loss and accuracy metric."""

from __future__ import annotations

import pytest
import torch

from deeptalk.models.lipreader import (IGNORE_INDEX, LipReaderConfig, MotionLipReader, lengths_to_mask,
                                       lip_feature_loss, lipreader_loss, viseme_accuracy)


def tiny(**overrides) -> MotionLipReader:
    base = dict(num_classes=6, channels=24, dilations=(1, 2), dropout=0.0)
    base.update(overrides)
    return MotionLipReader(LipReaderConfig(**base))


@pytest.mark.parametrize("frames", [1, 2, 7, 33])
def test_shapes_for_odd_lengths(frames):
    model = tiny().eval()
    motion = torch.randn(2, frames, 53)
    assert model.logits(motion).shape == (2, frames, 6)
    assert model.features(motion).shape == (2, frames, 24)
    assert model.num_classes == 6 and model.feature_dim == 24


def test_config_needs_the_inventory_size():
    with pytest.raises(TypeError):
        LipReaderConfig()  # num_classes has no default: it comes from the corpus's viseme inventory
    with pytest.raises(ValueError):
        LipReaderConfig(num_classes=6, kernel_size=4)


def test_reader_is_non_causal_with_bounded_context():
    torch.manual_seed(0)
    model = tiny().eval()  # kernel 5, dilations 1, 2: +-6 frames of context
    motion = torch.randn(1, 40, 53)
    changed = motion.clone()
    changed[0, 20] += 1.0
    diff = (model.features(changed) - model.features(motion)).abs().sum(-1)[0]  # (T,)
    touched = torch.nonzero(diff > 1e-6).flatten()
    assert touched.min() < 20 < touched.max()  # sees past and future
    assert touched.min() >= 20 - 7 and touched.max() <= 20 + 7


def test_lipreader_overfits_frame_visemes_with_padding_ignored():
    torch.manual_seed(0)
    model = tiny().train()
    motion = torch.randn(2, 16, 53)
    targets = torch.randint(0, 6, (2, 16))
    targets[1, 12:] = IGNORE_INDEX  # padding
    model.fit_normalization(motion)
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(120):
        loss = lipreader_loss(model.logits(motion), targets)
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 10
    assert viseme_accuracy(model.eval().logits(motion), targets) == 1.0


def test_viseme_accuracy_counts_only_valid_frames():
    logits = torch.zeros(1, 4, 3)
    logits[0, :, 1] = 1.0  # predicts viseme 1 everywhere
    targets = torch.tensor([[1, 2, 1, IGNORE_INDEX]])
    assert viseme_accuracy(logits, targets) == pytest.approx(2 / 3)


def test_feature_loss_is_zero_on_reference_and_drives_motion_towards_it():
    torch.manual_seed(0)
    reader = tiny().freeze()
    target = torch.randn(2, 10, 53)
    assert float(lip_feature_loss(reader, target, target)) < 1e-6
    pred = torch.zeros(2, 10, 53, requires_grad=True)
    optim = torch.optim.Adam([pred], lr=5e-2)
    first = None
    for _ in range(60):
        loss = lip_feature_loss(reader, pred, target, lengths_to_mask(torch.tensor([10, 7]), 10))
        first = loss.item() if first is None else first
        optim.zero_grad()
        loss.backward()
        optim.step()
    assert loss.item() < first / 2
    assert all(p.grad is None for p in reader.parameters())


def test_read_channels_ignore_everything_else() -> None:
    from deeptalk.flame.semantics import ARTICULATION_CHANNELS

    torch.manual_seed(0)
    reader = MotionLipReader(LipReaderConfig(num_classes=5, read_channels=ARTICULATION_CHANNELS)).eval()
    reader.fit_normalization(torch.randn(200, 53))
    motion = torch.randn(1, 30, 53)
    other = motion.clone()
    unread = [c for c in range(53) if c not in ARTICULATION_CHANNELS]
    other[..., unread] += 5.0 * torch.randn(1, 30, len(unread))  # smiles, brows, blinks change
    with torch.no_grad():
        assert torch.equal(reader.logits(motion), reader.logits(other))
        other[..., ARTICULATION_CHANNELS[0]] += 1.0  # the lips change
        assert not torch.equal(reader.logits(motion), reader.logits(other))
    with pytest.raises(ValueError, match="read_channels"):
        LipReaderConfig(num_classes=5, read_channels=(60,))
