"""The DEEPTalk ARKit Character panel (draw only): character, mapping, jaw bone, controls, export."""

from __future__ import annotations

import bpy

from . import compat, mesh_target, takes
from .operators_animate import running_batch


CONTROLS = ("strength", "mouth", "brows", "eyes", "smoothing_s", "key_tolerance")


def draw_controls(layout: bpy.types.UILayout, obj: bpy.types.Object) -> None:
    col = layout.column(align=True)
    col.label(text="Animator Controls")
    for name in CONTROLS:
        col.prop(obj.deeptalk_controls, name)


class DEEPTALK_UL_arkit_channels(bpy.types.UIList):
    def draw_item(self, context, layout, data, item, icon, active_data, active_property, index=0):
        obj = context.scene.deeptalk_arkit_mesh
        row = layout.row(align=True)
        row.label(text=item.name)
        key = obj.data.shape_keys if obj is not None and obj.type == "MESH" else None
        if key is not None:
            row.prop_search(item, "shape_key", key, "key_blocks", text="")
        else:
            row.prop(item, "shape_key", text="")
        row.prop(item, "gain", text="")


class DEEPTALK_PT_arkit(bpy.types.Panel):
    bl_idname = "DEEPTALK_PT_arkit"
    bl_label = "ARKit Character"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "DEEPTalk"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        scene = context.scene
        layout.prop(scene, "deeptalk_arkit_mesh")
        layout.operator("deeptalk.import_ict_facekit", icon="IMPORT")
        obj = scene.deeptalk_arkit_mesh
        problem = mesh_target.check_mesh_target(obj)
        if problem:
            layout.label(text=problem, icon="INFO")
        if obj is None or obj.type != "MESH":
            return
        settings = obj.deeptalk_arkit
        box = layout.box()
        if len(settings.channels):
            box.template_list("DEEPTALK_UL_arkit_channels", "", settings, "channels", settings, "active_channel", rows=6)
        missing = mesh_target.unmatched(obj) if not problem else []
        if missing:
            box.label(text=f"Unmatched ({len(missing)}): {', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''}")
        box.operator("deeptalk.arkit_match", icon="FILE_REFRESH")
        col = layout.column(align=True)
        col.prop(settings, "jaw_armature")
        if settings.jaw_armature is not None and settings.jaw_armature.type == "ARMATURE":
            col.prop_search(settings, "jaw_bone", settings.jaw_armature.data, "bones")
        draw_controls(layout, obj)
        col = layout.column(align=True)
        col.enabled = running_batch() is None
        col.operator("deeptalk.arkit_animate", icon="PLAY_SOUND")
        col.operator("deeptalk.arkit_animate", text="Animate Character (All Strips)",
                     icon="SEQ_STRIP_DUPLICATE").all_strips = True
        strip = compat.active_strip(scene)
        if strip is not None and strip.type == "SOUND":
            clip_takes = takes.strip_takes(obj, strip.name)
            if clip_takes:
                box = layout.box()
                box.label(text=f"Takes of {strip.name}")
                for take in clip_takes:
                    op = box.operator("deeptalk.arkit_use_take", text=f"Take {take.number}  seed {take.seed}",
                                      icon="RADIOBUT_ON" if take.active else "RADIOBUT_OFF", depress=take.active)
                    op.clip, op.number = strip.name, take.number
        layout.operator("deeptalk.arkit_export_csv", icon="EXPORT")


class DEEPTALK_PT_flame_controls(bpy.types.Panel):
    """Animator controls of the FLAME rig (applied when its takes are baked)."""

    bl_idname = "DEEPTALK_PT_flame_controls"
    bl_label = "FLAME Rig Controls"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "DEEPTalk"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context: bpy.types.Context) -> None:
        from . import properties

        target = properties.target_rig(context.scene)
        if target is None:
            self.layout.label(text="No FLAME rig in the scene", icon="INFO")
            return
        draw_controls(self.layout, target)


classes = (DEEPTALK_UL_arkit_channels, DEEPTALK_PT_arkit, DEEPTALK_PT_flame_controls)
