"""Resampling 25 fps motion: frame counts, time alignment, linear exp, slerp jaw."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation, Slerp

from deeptalk.motion_resample import (
    axis_angle_to_quaternion,
    frame_count,
    quaternion_to_axis_angle,
    resample_motion,
    slerp,
)

NTSC = 30000 / 1001


@pytest.mark.parametrize(("duration", "fps", "expected"), [
    (2.0, 25, 50), (2.0, 24, 48), (2.0, 30, 60), (2.0, 60, 120), (2.0, 12, 24),
    (2.0, 29.97, 60), (2.0, NTSC, 60), (2.01, 24, 49), (0.01, 25, 1), (1.0, 29.97, 30),
])
def test_frame_count_covers_the_audio(duration: float, fps: float, expected: int) -> None:
    n = frame_count(duration, fps)
    assert n == expected
    assert (n - 1) / fps < duration  # last frame starts inside the audio
    assert n / fps >= duration - 1e-6 / fps  # and no frame inside it is missing


def test_frame_count_rejects_nonsense() -> None:
    for duration, fps in ((0.0, 25), (-1.0, 25), (1.0, 0), (math.nan, 25), (1.0, math.inf)):
        with pytest.raises(ValueError):
            frame_count(duration, fps)


def test_axis_angle_quaternion_round_trip_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    rotvec = rng.normal(size=(200, 3))
    rotvec *= rng.uniform(0, 3.1, size=(200, 1)) / np.linalg.norm(rotvec, axis=1, keepdims=True)  # angle < pi
    rotvec[:3] = [[0, 0, 0], [1e-9, 0, 0], [0, 0, 1e-7]]
    quat = axis_angle_to_quaternion(rotvec)
    scipy_xyzw = Rotation.from_rotvec(rotvec).as_quat()
    np.testing.assert_allclose(quat, np.concatenate([scipy_xyzw[:, 3:], scipy_xyzw[:, :3]], axis=1), atol=1e-12)
    np.testing.assert_allclose(quaternion_to_axis_angle(quat), rotvec, atol=1e-12)
    np.testing.assert_allclose(quaternion_to_axis_angle(-quat), rotvec, atol=1e-12)  # q and -q agree


def test_slerp_matches_scipy_and_takes_the_short_arc() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 50, 3))
    t = rng.uniform(size=50)
    ours = quaternion_to_axis_angle(slerp(axis_angle_to_quaternion(a), -axis_angle_to_quaternion(b), t))
    for i in range(50):
        ref = Slerp([0.0, 1.0], Rotation.from_rotvec([a[i], b[i]]))(t[i])
        np.testing.assert_allclose(Rotation.from_rotvec(ours[i]).as_matrix(), ref.as_matrix(), atol=1e-10)


def test_identity_at_source_rate() -> None:
    motion = np.random.default_rng(2).normal(size=(2, 37, 53)).astype(np.float32) * 0.3
    out = resample_motion(motion, dst_fps=25.0)
    assert out.shape == motion.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, motion, atol=1e-6)


@pytest.mark.parametrize("fps", [24.0, 25.0, 30.0, 29.97, NTSC, 60.0, 12.0])
def test_sinusoid_expression_is_time_aligned(fps: float) -> None:
    duration = 3.0
    t_src = np.arange(75) / 25.0
    freq = np.linspace(0.3, 1.5, 50)  # Hz, well below the 12.5 Hz Nyquist of 25 fps
    motion = np.zeros((75, 53))
    motion[:, :50] = np.sin(2 * np.pi * freq * t_src[:, None])
    out = resample_motion(motion, dst_fps=fps, duration_s=duration)
    n = frame_count(duration, fps)
    assert out.shape == (n, 53)
    t_dst = np.arange(n) / fps
    inside = t_dst <= t_src[-1]
    expected = np.sin(2 * np.pi * freq * t_dst[inside, None])
    # linear interpolation error <= (dt^2 / 8) * max|f''| = (0.04^2 / 8) * (2 pi 1.5)^2 ~ 0.018
    assert np.abs(out[inside, :50] - expected).max() < 0.02
    # past the last source frame the end value is held (clamp)
    np.testing.assert_allclose(out[~inside, :50], np.broadcast_to(motion[-1, :50], out[~inside, :50].shape))


def test_jaw_follows_a_known_rotation_path_through_slerp() -> None:
    # Constant-speed rotation about a fixed tilted axis: slerp between samples is exact.
    axis = np.array([0.9, 0.3, -0.3]) / np.linalg.norm([0.9, 0.3, -0.3])
    t_src = np.arange(50) / 25.0
    angle = 0.05 + 0.4 * t_src  # rad, up to ~0.84
    motion = np.zeros((1, 50, 53))
    motion[0, :, 50:] = angle[:, None] * axis
    out = resample_motion(motion, dst_fps=60.0)
    t_dst = np.arange(out.shape[1]) / 60.0
    inside = t_dst <= t_src[-1]
    expected = (0.05 + 0.4 * t_dst[inside])[:, None] * axis
    np.testing.assert_allclose(out[0, inside, 50:], expected, atol=1e-9)


def test_jaw_slerp_differs_from_component_wise_lerp() -> None:
    # Two rotations about different axes: the midpoint must be the geodesic midpoint.
    a, b = np.array([0.0, 0.0, 1.2]), np.array([1.2, 0.0, 0.0])
    motion = np.zeros((2, 53))
    motion[0, 50:], motion[1, 50:] = a, b
    out = resample_motion(motion, dst_fps=50.0, duration_s=0.08)  # frames at 0, 0.02, 0.04, 0.06
    mid = out[1, 50:]
    ref = Slerp([0.0, 1.0], Rotation.from_rotvec([a, b]))(0.5).as_rotvec()
    np.testing.assert_allclose(mid, ref, atol=1e-6)
    assert np.abs(mid - (a + b) / 2).max() > 1e-3
    ra, rb, rm = Rotation.from_rotvec(a), Rotation.from_rotvec(b), Rotation.from_rotvec(mid)
    assert (ra.inv() * rm).magnitude() == pytest.approx((ra.inv() * rb).magnitude() / 2, abs=1e-6)


def test_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError):
        resample_motion(np.zeros((10, 52)), dst_fps=30)
    with pytest.raises(ValueError):
        resample_motion(np.zeros((0, 53)), dst_fps=30)
