"""The numpy FLAME forward equals the torch one, and the projected form equals projecting the vertices."""

import numpy as np
import torch

from deeptalk.flame.layer import FlameLayer
from deeptalk.retarget.flame_pose import FlamePose, ProjectedPose


def motion(frames=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(scale=0.5, size=(frames, 50)), rng.normal(scale=0.15, size=(frames, 3))


def test_numpy_pose_matches_the_torch_layer(standin):
    exp, jaw = motion()
    want = FlameLayer(standin)(torch.from_numpy(np.concatenate([exp, jaw], 1)).float()).double().numpy()
    got = FlamePose(standin).pose(exp, jaw)
    assert np.abs(got - want).max() < 2e-6  # float32 torch vs float64 numpy, metres


def test_projection_without_vertices_is_exact(standin):
    exp, jaw = motion(seed=1)
    ids = standin.masks["mouth"]
    pose = FlamePose(standin, ids)
    matrix = np.random.default_rng(2).normal(size=(3 * len(ids), 7))
    offsets = (pose.pose(exp, jaw) - pose.rest[None]).reshape(len(exp), -1)
    assert np.allclose(ProjectedPose(pose, matrix)(exp, jaw), offsets @ matrix, atol=1e-10)
