"""Export Takes (FBX): every take once, in its own file, at its own timeline frames.

Blender's FBX exporter writes NLA strips and actions as animation stacks that all start
at frame 0, and with "All Actions" on it writes each take a second time; muted takes are
left out of the NLA stacks. Here each take is exported alone: that take's NLA tracks
unmuted, every other take muted, the scene's frame range set to the take's frames, and
the exporter's scene-timeline mode (no NLA stacks, no all-actions), so the one stack of
`<file>_<clip>_take<N>.fbx` runs over the take's own frames. The scene is restored after.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import bpy
from bpy_extras.io_utils import ExportHelper

from . import properties, rig, takes


def take_span(take: takes.Take) -> tuple[int, int]:
    """First and last timeline frame of a take (its NLA strips)."""
    strips = [s for _, track in take.tracks for s in track.strips]
    return math.floor(min(s.frame_start for s in strips)), math.ceil(max(s.frame_end for s in strips))


def take_file(base: Path, take: takes.Take) -> Path:
    clip = re.sub(r"[^\w.-]+", "_", take.clip).strip("_") or "clip"
    return base.with_name(f"{base.stem}_{clip}_take{take.number}.fbx")


def export_takes(context: bpy.types.Context, target: bpy.types.Object, base: Path) -> list[Path]:
    """Write one FBX per take of `target`; return the paths. The scene is left as it was."""
    scene = context.scene
    all_takes = takes.all_takes(target)
    mutes = [(track, track.mute) for take in all_takes for _, track in take.tracks]
    frame_range = (scene.frame_start, scene.frame_end, scene.frame_current)
    selection = [(obj, obj.select_get()) for obj in context.view_layer.objects]
    active = context.view_layer.objects.active
    face = rig.face_of(target)
    written: list[Path] = []
    try:
        for obj in context.view_layer.objects:
            obj.select_set(obj in (target, face))
        context.view_layer.objects.active = target
        for take in all_takes:
            for other in all_takes:
                for _, track in other.tracks:
                    track.mute = other is not take
            scene.frame_start, scene.frame_end = take_span(take)
            path = take_file(base, take)
            bpy.ops.export_scene.fbx(filepath=str(path), use_selection=True, object_types={"ARMATURE", "MESH"},
                                     bake_anim=True, bake_anim_use_nla_strips=False,
                                     bake_anim_use_all_actions=False,
                                     add_leaf_bones=False)
            written.append(path)
    finally:
        for track, mute in mutes:
            track.mute = mute
        scene.frame_start, scene.frame_end = frame_range[:2]
        scene.frame_set(frame_range[2])
        for obj, selected in selection:
            obj.select_set(selected)
        context.view_layer.objects.active = active
    return written


class DEEPTALK_OT_export_takes_fbx(bpy.types.Operator, ExportHelper):
    """Export every take of the target rig to FBX: one file per take, at the take's own frames"""

    bl_idname = "deeptalk.export_takes_fbx"
    bl_label = "Export DEEPTalk Takes (FBX)"

    filename_ext = ".fbx"
    filter_glob: bpy.props.StringProperty(default="*.fbx", options={"HIDDEN"})

    def execute(self, context: bpy.types.Context) -> set[str]:
        target = properties.usable_target_rig(context.scene, self.report)
        if target is None:
            return {"CANCELLED"}
        if not takes.all_takes(target):
            self.report({"ERROR"}, f"{target.name} has no takes yet: animate a strip first")
            return {"CANCELLED"}
        if not hasattr(bpy.types, "EXPORT_SCENE_OT_fbx"):
            self.report({"ERROR"}, "the FBX exporter is off: enable the FBX format add-on in the preferences")
            return {"CANCELLED"}
        try:
            written = export_takes(context, target, Path(bpy.path.abspath(self.filepath)))
        except (RuntimeError, OSError, TypeError) as exc:
            self.report({"ERROR"}, f"FBX export failed ({str(exc).strip().splitlines()[0]}); the scene is unchanged")
            return {"CANCELLED"}
        self.report({"INFO"}, f"exported {len(written)} take(s) to {written[0].parent}")
        return {"FINISHED"}


def menu_func(self, context: bpy.types.Context) -> None:
    self.layout.operator(DEEPTALK_OT_export_takes_fbx.bl_idname, text="DEEPTalk Takes (.fbx)")


classes = (DEEPTALK_OT_export_takes_fbx,)
