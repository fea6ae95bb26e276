"""FLAME <-> Blender axis conversion and jaw rotation math (pure numpy)."""

from __future__ import annotations

import numpy as np
import pytest

from blender_addon import axes


def test_flame_up_and_forward_map_to_blender_up_and_front():
    up, forward, left = np.eye(3)[1], np.eye(3)[2], np.eye(3)[0]
    assert np.allclose(axes.to_blender(up), [0, 0, 1])  # Y up -> Z up
    assert np.allclose(axes.to_blender(forward), [0, -1, 0])  # face looks toward Blender's front view (-Y)
    assert np.allclose(axes.to_blender(left), [1, 0, 0])
    points = np.random.default_rng(0).normal(size=(7, 3))
    assert np.allclose(axes.to_flame(axes.to_blender(points)), points)
    assert np.isclose(np.linalg.det(axes.FLAME_TO_BLENDER), 1.0)  # a rotation, not a mirror


def test_quaternion_round_trip_and_matches_rodrigues():
    rng = np.random.default_rng(1)
    rotvec = rng.normal(size=(50, 3)) * 0.8
    rotvec[0] = 0.0
    rotvec[1] = [1e-9, 0, 0]
    quat = axes.axis_angle_to_quaternion(rotvec)
    assert np.allclose(np.linalg.norm(quat, axis=-1), 1.0)
    assert np.allclose(axes.quaternion_to_axis_angle(quat), rotvec, atol=1e-9)
    matrices = axes.rotation_matrix(rotvec)
    for r, m in zip(rotvec[2:5], matrices[2:5]):
        angle = np.linalg.norm(r)
        k = np.array([[0, -r[2], r[1]], [r[2], 0, -r[0]], [-r[1], r[0], 0]]) / angle
        rodrigues = np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k
        assert np.allclose(m, rodrigues)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bone_quaternion_reproduces_flame_rotation_in_blender_space(seed):
    rng = np.random.default_rng(seed)
    rest = axes.rotation_matrix(rng.normal(size=3))  # any bone rest orientation
    jaw = rng.normal(size=(4, 3)) * 0.3
    quat = axes.flame_jaw_to_bone_quaternion(jaw, rest)
    for r, q in zip(jaw, quat):
        local = axes.rotation_matrix(axes.quaternion_to_axis_angle(q))
        blender_world = rest @ local @ rest.T  # what Blender applies in armature space
        c = axes.FLAME_TO_BLENDER
        assert np.allclose(blender_world, c @ axes.rotation_matrix(r) @ c.T)
    assert np.allclose(axes.bone_quaternion_to_flame_jaw(quat, rest), jaw)


@pytest.mark.parametrize("seed", [0, 3])
def test_corrective_expression_equals_flame_pose_feature(seed):
    """The driver expression gives (R - I)[i, j] in FLAME axes from the bone quaternion."""
    rng = np.random.default_rng(seed)
    rest = axes.rotation_matrix(rng.normal(size=3))
    jaw = rng.normal(size=3) * 0.4
    w, x, y, z = axes.flame_jaw_to_bone_quaternion(jaw[None], rest)[0]
    feature = axes.rotation_matrix(jaw) - np.eye(3)
    for i in range(3):
        for j in range(3):
            text = axes.corrective_expression(rest, i, j)
            assert set(text) <= set("0123456789.+-* wxyze")  # simple-expression safe
            value = _evaluate(text, {"w": w, "x": x, "y": y, "z": z})
            assert value == pytest.approx(feature[i, j], abs=1e-7)


def _evaluate(text: str, variables: dict[str, float]) -> float:
    """Evaluate a sum of products like '-2*y*y + 1.5*w*x - 0.5'."""
    total = 0.0
    for term in text.replace("- ", "-").replace("+ ", "").split():  # signed terms
        factors = term.lstrip("-").split("*")
        product = float(factors[0])
        for name in factors[1:]:
            product *= variables[name]
        total += -product if term.startswith("-") else product
    return total
