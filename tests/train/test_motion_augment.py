"""Lip-reader motion augmentation: each transform, seeding, the off switch, validation."""

import pytest
import torch

from deeptalk.train.motion_augment import MotionAugmentConfig, augment_motion, moving_average


def motion(batch: int = 3, frames: int = 20, channels: int = 4) -> torch.Tensor:
    return torch.randn(batch, frames, channels, generator=torch.Generator().manual_seed(0))


def test_moving_average_is_centred_and_keeps_constants():
    x = torch.zeros(9, 2)
    x[4] = 3.0
    y = moving_average(x, 3)
    assert torch.allclose(y[3:6, 0], torch.ones(3)) and float(y.sum()) == pytest.approx(6.0)
    assert torch.equal(moving_average(x, 1), x)
    flat = torch.full((7, 3), 2.5)
    assert torch.allclose(moving_average(flat, 5), flat)  # edges repeat, so constants stay


def test_probability_zero_leaves_motion_unchanged():
    m = motion()
    out = augment_motion(m, m.mean((0, 1)), m.std((0, 1)), MotionAugmentConfig(probability=0.0),
                         torch.Generator().manual_seed(1))
    assert torch.equal(out, m)


def test_scale_alone_scales_the_deviation_from_the_mean():
    m = motion()
    mean = torch.tensor([0.5, -0.5, 0.0, 1.0])
    config = MotionAugmentConfig(probability=1.0, scale_range=(0.5, 0.5), smooth_max=1, noise=0.0)
    out = augment_motion(m, mean, torch.ones(4), config, torch.Generator().manual_seed(1))
    assert torch.allclose(out, mean + 0.5 * (m - mean))


def test_noise_follows_each_channel_std_and_is_seeded():
    m = torch.zeros(64, 50, 2)
    std = torch.tensor([1.0, 0.01])
    config = MotionAugmentConfig(probability=1.0, scale_range=(1.0, 1.0), smooth_max=1, noise=0.4)
    a = augment_motion(m, torch.zeros(2), std, config, torch.Generator().manual_seed(5))
    b = augment_motion(m, torch.zeros(2), std, config, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    ratio = float(a[..., 0].std() / a[..., 1].std())
    assert 80 < ratio < 120  # noise scales with the channel's std
    assert 0.1 < float(a[..., 0].std()) < 0.4  # levels drawn from 0..0.4 std


def test_smoothing_lowers_frame_to_frame_change():
    m = motion(batch=16, frames=40)
    config = MotionAugmentConfig(probability=1.0, scale_range=(1.0, 1.0), smooth_max=5, noise=0.0)
    out = augment_motion(m, torch.zeros(4), torch.ones(4), config, torch.Generator().manual_seed(3))
    assert float(out.diff(dim=1).abs().mean()) < 0.8 * float(m.diff(dim=1).abs().mean())
    assert out.shape == m.shape


def test_config_validation_and_json_round_trip():
    with pytest.raises(ValueError):
        MotionAugmentConfig(probability=1.5)
    with pytest.raises(ValueError):
        MotionAugmentConfig(scale_range=(1.2, 0.7))
    with pytest.raises(ValueError):
        MotionAugmentConfig(smooth_max=0)
    assert MotionAugmentConfig(scale_range=[0.8, 1.1]).scale_range == (0.8, 1.1)
