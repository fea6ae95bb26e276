"""Restore Shape Key Ranges: undo the 0..1 slider clamp glTF / USD importers put on FLAME keys.

FLAME expression coefficients are negative about half the time, and DEEPTalk's keys have
sliders from -10 to 10. The glTF and USD importers create shape keys with a 0..1 slider
range (the glTF one widens the minimum only to the rest weight), and Blender clamps every
animated value to the slider range, so an imported face plays only the positive half of its
motion. The animation data itself survives: widening the sliders again restores it.
"""

from __future__ import annotations

import bpy

from . import rig


def widen_ranges(key: bpy.types.Key, limit: float = rig.SLIDER_RANGE) -> int:
    """Widen every non-reference key block of `key` to at least -limit..limit; return how many changed."""
    changed = 0
    for block in key.key_blocks:
        if block == key.reference_key:
            continue
        low, high = min(block.slider_min, -limit), max(block.slider_max, limit)
        if (low, high) != (block.slider_min, block.slider_max):
            block.slider_min, block.slider_max = low, high
            changed += 1
    return changed


class DEEPTALK_OT_restore_shape_key_ranges(bpy.types.Operator):
    """Widen the shape key sliders of the selected meshes to -10..10, so negative expression values of an
    imported (glTF, USD) face play again"""

    bl_idname = "deeptalk.restore_shape_key_ranges"
    bl_label = "Restore Shape Key Ranges"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        objects = [o for o in (context.selected_objects or [context.active_object]) if o is not None]
        keys = {o.data.shape_keys for o in objects if o.type == "MESH" and o.data.shape_keys is not None}
        if not keys:
            self.report({"ERROR"}, "select the imported face mesh (a mesh with shape keys) first")
            return {"CANCELLED"}
        changed = sum(widen_ranges(key) for key in keys)
        self.report({"INFO"}, f"widened {changed} shape key slider(s) to -{rig.SLIDER_RANGE:g}..{rig.SLIDER_RANGE:g}")
        return {"FINISHED"}


def menu_func(self, context: bpy.types.Context) -> None:
    self.layout.operator(DEEPTALK_OT_restore_shape_key_ranges.bl_idname)


classes = (DEEPTALK_OT_restore_shape_key_ranges,)
