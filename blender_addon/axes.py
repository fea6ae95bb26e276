"""FLAME <-> Blender axes and jaw rotation math (pure numpy, no bpy).

FLAME: Y up, Z toward the viewer (the face looks along +Z), X to the head's left.
Blender: Z up, the front view looks along +Y, so the face looks along -Y.
A FLAME point (x, y, z) is the Blender point (x, -z, y): `to_blender(p) = C @ p`.

A pose bone's rotation acts in the bone's rest frame `B` (3x3, columns = the bone's
local axes in armature space). A FLAME joint rotation `R_f` (FLAME joints have no rest
orientation, so it is expressed in model axes) is the armature-space rotation
`C R_f C^T`, hence the bone-local rotation `R_b = M R_f M^T` with `M = B^T C`.
"""

from __future__ import annotations

import numpy as np

FLAME_TO_BLENDER = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])  # C


def to_blender(points: np.ndarray) -> np.ndarray:
    """(..., 3) FLAME coordinates -> (..., 3) Blender coordinates."""
    return np.asarray(points) @ FLAME_TO_BLENDER.T


def to_flame(points: np.ndarray) -> np.ndarray:
    """(..., 3) Blender coordinates -> (..., 3) FLAME coordinates."""
    return np.asarray(points) @ FLAME_TO_BLENDER


def bone_basis(bone_rest: np.ndarray) -> np.ndarray:
    """M = B^T C for a bone's (3, 3) rest rotation B in armature space."""
    return np.asarray(bone_rest, dtype=np.float64)[:3, :3].T @ FLAME_TO_BLENDER


def axis_angle_to_quaternion(rotvec: np.ndarray) -> np.ndarray:
    """(..., 3) axis-angle (radians) -> (..., 4) unit quaternion (w, x, y, z)."""
    rotvec = np.asarray(rotvec, dtype=np.float64)
    angle = np.linalg.norm(rotvec, axis=-1, keepdims=True)  # (..., 1)
    half = 0.5 * angle
    # sin(a/2)/a, with its Taylor series near 0
    scale = np.where(angle > 1e-8, np.sin(half) / np.maximum(angle, 1e-12), 0.5 - angle**2 / 48.0)
    return np.concatenate([np.cos(half), rotvec * scale], axis=-1)


def quaternion_to_axis_angle(quat: np.ndarray) -> np.ndarray:
    """(..., 4) quaternion (w, x, y, z), any norm -> (..., 3) axis-angle, angle in [0, pi]."""
    quat = np.asarray(quat, dtype=np.float64)
    quat = quat / np.linalg.norm(quat, axis=-1, keepdims=True)
    quat = np.where(quat[..., :1] < 0, -quat, quat)  # shortest rotation
    w, xyz = quat[..., :1], quat[..., 1:]  # (..., 1), (..., 3)
    sin_half = np.linalg.norm(xyz, axis=-1, keepdims=True)
    angle = 2.0 * np.arctan2(sin_half, w)
    scale = np.where(sin_half > 1e-8, angle / np.maximum(sin_half, 1e-12), 2.0)
    return xyz * scale


def rotation_matrix(rotvec: np.ndarray) -> np.ndarray:
    """(..., 3) axis-angle -> (..., 3, 3) rotation matrix (Rodrigues)."""
    w, x, y, z = np.moveaxis(axis_angle_to_quaternion(rotvec), -1, 0)
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ], -2)


def flame_jaw_to_bone_quaternion(jaw: np.ndarray, bone_rest: np.ndarray) -> np.ndarray:
    """(T, 3) FLAME jaw axis-angle -> (T, 4) pose-bone quaternion (w, x, y, z) for rest B."""
    axis_bone = np.asarray(jaw, dtype=np.float64) @ bone_basis(bone_rest).T  # (T, 3) M @ r
    return axis_angle_to_quaternion(axis_bone)


def bone_quaternion_to_flame_jaw(quat: np.ndarray, bone_rest: np.ndarray) -> np.ndarray:
    """(T, 4) pose-bone quaternion -> (T, 3) FLAME jaw axis-angle; inverse of the above."""
    return quaternion_to_axis_angle(quat) @ bone_basis(bone_rest)  # (T, 3) M^T @ a


# Bone-local rotation matrix entries as polynomials in (w, x, y, z): {monomial: coefficient}.
_QUAT_MATRIX: tuple[tuple[dict[str, float], ...], ...] = (
    ({"1": 1, "y*y": -2, "z*z": -2}, {"x*y": 2, "w*z": -2}, {"x*z": 2, "w*y": 2}),
    ({"x*y": 2, "w*z": 2}, {"1": 1, "x*x": -2, "z*z": -2}, {"y*z": 2, "w*x": -2}),
    ({"x*z": 2, "w*y": -2}, {"y*z": 2, "w*x": 2}, {"1": 1, "x*x": -2, "y*y": -2}),
)


def corrective_expression(bone_rest: np.ndarray, row: int, col: int, tol: float = 1e-9) -> str:
    """Driver expression for (R_f - I)[row, col] from the jaw bone's quaternion vars w, x, y, z.

    R_f = M^T R_b M, so each entry is a fixed linear mix of R_b's quadratic entries. The
    result uses only + - * and numbers (Blender's simple-expression evaluator, no Python).
    """
    basis = bone_basis(bone_rest)
    terms: dict[str, float] = {}
    for a in range(3):
        for b in range(3):
            weight = basis[a, row] * basis[b, col]
            for monomial, coeff in _QUAT_MATRIX[a][b].items():
                terms[monomial] = terms.get(monomial, 0.0) + weight * coeff
    if row == col:
        terms["1"] = terms.get("1", 0.0) - 1.0
    parts = [(m, c) for m, c in sorted(terms.items()) if abs(c) > tol]
    if not parts:
        return "0.0"
    text = []
    for monomial, coeff in parts:
        sign = "-" if coeff < 0 else "+"
        magnitude = f"{abs(coeff):.9g}"
        term = magnitude if monomial == "1" else f"{magnitude}*{monomial}"
        text.append(f"{sign} {term}")
    joined = " ".join(text)
    return joined[2:] if joined.startswith("+ ") else "-" + joined[2:]
