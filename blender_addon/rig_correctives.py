"""FLAME jaw pose correctives as 9 shape keys driven by the jaw bone's rotation.

FLAME adds `sum_k (R - I)_k * posedirs_k` to the rest shape before skinning, where
`R` is the jaw's rotation matrix (FLAME axes) and k runs over its 9 entries row-major.
Each entry gets a relative shape key `jaw_pose<row><col>` holding `posedirs_k` (Blender
axes) whose value is driven by `(R - I)[row, col]`, computed from the jaw pose bone's
quaternion with a simple (Python-free) driver expression — exact, not an approximation.
Only the jaw's correctives are built: the add-on animates no neck or eye rotation.
"""

from __future__ import annotations

import numpy as np

import bpy

from . import axes

CORRECTIVE_KEYS: tuple[str, ...] = tuple(f"jaw_pose{r}{c}" for r in range(3) for c in range(3))
_QUAT_VARIABLES = ("w", "x", "y", "z")


def add_jaw_correctives(*, face: bpy.types.Object, rig: bpy.types.Object, jaw_posedirs: np.ndarray,
                        jaw_rest: np.ndarray, bone_name: str = "jaw") -> None:
    """Add the 9 driven corrective keys to `face` (which already has a Basis key)."""
    key = face.data.shape_keys
    basis = np.empty(len(face.data.vertices) * 3, dtype=np.float32)
    key.key_blocks["Basis"].data.foreach_get("co", basis)
    for index, key_name in enumerate(CORRECTIVE_KEYS):
        block = face.shape_key_add(name=key_name, from_mix=False)
        offsets = axes.to_blender(jaw_posedirs[index])  # (V, 3)
        block.data.foreach_set("co", basis + offsets.astype(np.float32).ravel())
        block.slider_min, block.slider_max = -2.0, 2.0  # entries of R - I lie in [-2, 2]
        row, col = divmod(index, 3)
        _drive(key, key_name, rig, bone_name, axes.corrective_expression(jaw_rest, row, col))


def _drive(key: bpy.types.Key, key_name: str, rig: bpy.types.Object, bone_name: str, expression: str) -> None:
    fcurve = key.driver_add(f'key_blocks["{key_name}"].value')
    driver = fcurve.driver
    driver.type = "SCRIPTED"
    for index, var_name in enumerate(_QUAT_VARIABLES):
        variable = driver.variables.new()
        variable.name = var_name
        variable.type = "SINGLE_PROP"
        target = variable.targets[0]
        target.id_type = "OBJECT"
        target.id = rig
        target.data_path = f'pose.bones["{bone_name}"].rotation_quaternion[{index}]'
    driver.expression = expression
