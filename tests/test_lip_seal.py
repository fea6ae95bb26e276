"""Lip seal: the measured bilabial pose, its weights over time, and the pull towards it."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.lip_seal import EASE, LipSealPose, apply_seal, measure_pose, seal_weights


def test_measure_pose_averages_the_labelled_frames_of_the_channels():
    motion = np.zeros((6, 53), np.float32)
    motion[:, 8] = [0.0, 0.8, 0.9, 0.0, 0.0, 0.1]
    motion[:, 50] = [0.3, 0.0, 0.02, 0.2, 0.3, 0.1]
    visemes = np.array([0, 1, 1, 3, 3, 5])
    pose = measure_pose(motion, visemes, 1, (8, 50))
    assert pose.channels == (8, 50) and pose.pose == pytest.approx((0.85, 0.01))
    with pytest.raises(ValueError, match="no frames"):
        measure_pose(motion, visemes, 2, (8,))


def test_pose_round_trips_through_json_and_refuses_bad_data():
    pose = LipSealPose(viseme=1, channels=(0, 8, 50), pose=(-0.1, 0.8, 0.03))
    assert LipSealPose.from_json(pose.to_json()) == pose
    bad = [
        {"viseme": 1, "channels": [0], "pose": [0.1, 0.2]},          # one value per channel
        {"viseme": 1, "channels": [53], "pose": [0.1]},              # not a motion channel
        {"viseme": 1, "channels": [0, 0], "pose": [0.1, 0.1]},       # twice
        {"viseme": 1, "channels": [0], "pose": [float("nan")]},
        {"viseme": 1, "channels": [0], "pose": [1e9]},
        {"viseme": 1, "channels": [0], "pose": [True]},
        {"viseme": "PP", "channels": [0], "pose": [0.1]},
        {"viseme": 1, "channels": [0]},
        [1, [0], [0.1]],
    ]
    for data in bad:
        with pytest.raises(ValueError):
            LipSealPose.from_json(data)  # type: ignore[arg-type]


def test_seal_weights_close_where_the_bilabial_is_heard_and_ease_either_side():
    p = np.array([0.0, 0.02, 0.1, 0.9, 0.95, 0.1, 0.0, 0.25, 0.0], np.float32)
    w = seal_weights(p)
    assert w.shape == p.shape and w.min() >= 0 and w.max() <= 1
    assert w[3] == 1.0 and w[4] == 1.0          # heard: fully sealed
    assert w[2] == EASE and w[5] == EASE        # the frames either side: half-way
    assert w[0] == 0.0 and w[1] == 0.0          # far from it: untouched
    assert 0.0 < w[7] < 1.0                     # unsure: part of the way
    assert seal_weights(np.array([0.9], np.float32)).tolist() == [1.0]


def test_apply_seal_pulls_only_the_pose_channels_by_strength_times_weight():
    motion = np.full((2, 3, 53), 0.5, np.float32)
    pose = LipSealPose(viseme=1, channels=(0, 50), pose=(-0.1, 0.0))
    weights = np.array([0.0, 1.0, 0.5], np.float32)
    full = apply_seal(motion, weights, pose, 1.0)
    assert np.array_equal(full[:, 0], motion[:, 0])                 # weight 0: unchanged
    assert np.allclose(full[:, 1, [0, 50]], [-0.1, 0.0])              # weight 1: the pose
    assert np.allclose(full[:, 2, 0], 0.2) and np.allclose(full[:, 2, 50], 0.25)
    assert np.array_equal(np.delete(full, [0, 50], axis=2), np.delete(motion, [0, 50], axis=2))
    half = apply_seal(motion, weights, pose, 0.5)
    assert np.allclose(half[:, 1, 0], 0.2)
    assert np.array_equal(apply_seal(motion, weights, pose, 0.0), motion)
    assert np.array_equal(motion, np.full((2, 3, 53), 0.5, np.float32))  # the input is left alone
    with pytest.raises(ValueError):
        apply_seal(motion, weights, pose, 1.5)
