"""Time-aligned resampling of 25 fps motion to any frame rate.

Frame `i` of a track at rate F sits at time `i / F` seconds. Resampling to rate F
evaluates the source track at those times: expression coefficients are interpolated
linearly, the jaw's axis-angle rotation is interpolated along the rotation (quaternion
slerp, shortest arc), and times past either end take the end frame (clamp).

Frame count: `frame_count(duration_s, fps) = ceil(duration_s * fps)`, i.e. every frame
whose time `i / fps` falls inside the audio `[0, duration_s)` (a tolerance of 1e-6
frames absorbs float noise, so 2.0 s at 29.97 fps is 60 frames, not 61). At the
source rate with `duration_s = T / 25` this returns the input unchanged.

Numpy only (pure functions), so the add-on could load it too.
"""

from __future__ import annotations

import math

import numpy as np

EXPRESSION_DIM = 50
JAW_DIM = 3
MOTION_DIM = EXPRESSION_DIM + JAW_DIM
SOURCE_FPS = 25.0
_FRAME_TOLERANCE = 1e-6
_SMALL_ANGLE = 1e-6
_BLOCK_FRAMES = 4096  # output frames resampled at a time


def frame_count(duration_s: float, fps: float) -> int:
    """Frames at `fps` whose times `i / fps` fall in `[0, duration_s)`; at least 1."""
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"duration_s must be a positive number, got {duration_s!r}")
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    return max(1, math.ceil(duration_s * fps - _FRAME_TOLERANCE))


def axis_angle_to_quaternion(rotvec: np.ndarray) -> np.ndarray:
    """(..., 3) axis-angle (radians) -> (..., 4) unit quaternions (w, x, y, z)."""
    rotvec = np.asarray(rotvec, dtype=np.float64)
    angle = np.linalg.norm(rotvec, axis=-1, keepdims=True)  # (..., 1)
    half = 0.5 * angle
    # sin(a/2)/a, with its Taylor expansion near 0 (1/2 - a^2/48)
    safe = np.where(angle < _SMALL_ANGLE, 1.0, angle)
    scale = np.where(angle < _SMALL_ANGLE, 0.5 - angle**2 / 48.0, np.sin(half) / safe)  # (..., 1)
    return np.concatenate([np.cos(half), rotvec * scale], axis=-1)  # (..., 4)


def quaternion_to_axis_angle(quat: np.ndarray) -> np.ndarray:
    """(..., 4) quaternions (w, x, y, z) -> (..., 3) axis-angle with angle in [0, pi]."""
    quat = np.asarray(quat, dtype=np.float64)
    quat = quat / np.linalg.norm(quat, axis=-1, keepdims=True)
    quat = np.where(quat[..., :1] < 0, -quat, quat)  # w >= 0: the short way round
    w = quat[..., :1]  # (..., 1)
    xyz = quat[..., 1:]  # (..., 3)
    n = np.linalg.norm(xyz, axis=-1, keepdims=True)  # (..., 1) = sin(a/2)
    angle = 2.0 * np.arctan2(n, w)  # (..., 1)
    safe_n = np.where(n < _SMALL_ANGLE, 1.0, n)
    # angle / sin(a/2), -> 2 / w (1 + n^2 / (3 w^2)) near 0
    scale = np.where(n < _SMALL_ANGLE, 2.0 / w * (1.0 + n**2 / (3.0 * w**2)), angle / safe_n)
    return xyz * scale  # (..., 3)


def slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation of unit quaternions (..., 4) at weights t (...,), shortest arc."""
    q0 = np.asarray(q0, dtype=np.float64)
    q1 = np.asarray(q1, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)[..., None]  # (..., 1)
    dot = np.sum(q0 * q1, axis=-1, keepdims=True)  # (..., 1)
    q1 = np.where(dot < 0, -q1, q1)
    dot = np.abs(dot)
    theta = np.arccos(np.clip(dot, -1.0, 1.0))  # (..., 1)
    sin_theta = np.sin(theta)
    near = sin_theta < 1e-8
    safe = np.where(near, 1.0, sin_theta)
    w0 = np.where(near, 1.0 - t, np.sin((1.0 - t) * theta) / safe)
    w1 = np.where(near, t, np.sin(t * theta) / safe)
    out = w0 * q0 + w1 * q1  # (..., 4)
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def source_positions(n_out: int, *, src_fps: float, dst_fps: float, n_src: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For output frames 0..n_out-1: (left index, right index, weight of right), clamped to the source."""
    u = np.arange(n_out, dtype=np.float64) * (src_fps / dst_fps)  # (n_out,) source-frame position
    u = np.clip(u, 0.0, n_src - 1)
    left = np.floor(u).astype(np.int64)
    right = np.minimum(left + 1, n_src - 1)
    return left, right, u - left


def resample_motion(motion: np.ndarray, *, dst_fps: float, src_fps: float = SOURCE_FPS,
                    duration_s: float | None = None) -> np.ndarray:
    """Resample motion `(..., T, 53)` at `src_fps` to `(..., N, 53)` at `dst_fps`.

    N = frame_count(duration_s, dst_fps); duration_s defaults to T / src_fps.
    Columns 0:50 interpolate linearly, the jaw (50:53) by quaternion slerp.
    """
    motion = np.asarray(motion)
    if motion.ndim < 2 or motion.shape[-1] != MOTION_DIM or motion.shape[-2] < 1:
        raise ValueError(f"motion must be (..., T>=1, {MOTION_DIM}), got {motion.shape}")
    n_src = motion.shape[-2]
    if duration_s is None:
        duration_s = n_src / src_fps
    n_out = frame_count(duration_s, dst_fps)
    left, right, weight = source_positions(n_out, src_fps=src_fps, dst_fps=dst_fps, n_src=n_src)

    out = np.empty(motion.shape[:-2] + (n_out, MOTION_DIM), motion.dtype)
    for a in range(0, n_out, _BLOCK_FRAMES):  # in blocks, so the float64 temporaries stay small
        lo, hi, t = left[a:a + _BLOCK_FRAMES], right[a:a + _BLOCK_FRAMES], weight[a:a + _BLOCK_FRAMES]
        w = t[:, None]  # (n, 1)
        exp_lo = motion[..., lo, :EXPRESSION_DIM].astype(np.float64)  # (..., n, 50)
        exp_hi = motion[..., hi, :EXPRESSION_DIM].astype(np.float64)
        out[..., a:a + len(t), :EXPRESSION_DIM] = exp_lo * (1.0 - w) + exp_hi * w
        q_lo = axis_angle_to_quaternion(motion[..., lo, EXPRESSION_DIM:])  # (..., n, 4)
        q_hi = axis_angle_to_quaternion(motion[..., hi, EXPRESSION_DIM:])
        out[..., a:a + len(t), EXPRESSION_DIM:] = quaternion_to_axis_angle(slerp(q_lo, q_hi, t))  # (..., n, 3)
    return out  # (..., N, 53)
