"""Import a motion `.npz` (from the CLI) onto a rig; export a rig's animation to `.npz`.

Both use the backend's `motion_io` format (loaded from the backend source, numpy only).
Import places sample i at `frame_start + i * scene_fps / file_fps`, so timing survives
a different frame rate. Export evaluates the rig frame by frame (NLA and all), so it
writes what the viewport shows: expression keys, and the jaw bone converted back to
FLAME axis-angle.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import bpy
from bpy_extras.io_utils import ExportHelper, ImportHelper

from . import animate, axes, backend_locator, emotion_track, properties, rig, takes, timeline


def sample_motion(scene: bpy.types.Scene, target: bpy.types.Object, frames: range) -> dict:
    """Evaluate `target` at each frame: exp (T, 50), jaw (T, 3), emotion names + (S, K) track."""
    key = rig.shape_keys_of(target)
    blocks = [key.key_blocks[name] for name in rig.expression_keys(target)]
    jaw_bone = target.pose.bones[rig.JAW_BONE]
    names = tuple(str(p)[len(emotion_track.PROPERTY_PREFIX):] for p in target.keys()
                  if str(p).startswith(emotion_track.PROPERTY_PREFIX))
    exp = np.zeros((len(frames), 50))
    quats = np.zeros((len(frames), 4))
    emotions = np.zeros((len(frames), len(names)))
    previous = scene.frame_current
    try:
        for row, frame in enumerate(frames):
            scene.frame_set(frame)
            exp[row] = [block.value for block in blocks]
            quats[row] = tuple(jaw_bone.rotation_quaternion)
            emotions[row] = [target[emotion_track.PROPERTY_PREFIX + n] for n in names]
    finally:
        scene.frame_set(previous)
    fps = timeline.scene_fps(scene)
    seconds = max(1, math.ceil(len(frames) / fps))
    centers = np.minimum(((np.arange(seconds) + 0.5) * fps).astype(int), len(frames) - 1)
    return {"exp": exp, "jaw": axes.bone_quaternion_to_flame_jaw(quats, rig.jaw_rest(target)),
            "emotions": names, "emotion_track": emotions[centers] if names else np.zeros((0, 0))}


def animated_range(scene: bpy.types.Scene, target: bpy.types.Object) -> range:
    """Frames covered by the rig's active takes, else the scene's frame range."""
    spans = [(s.frame_start, s.frame_end) for take in takes.all_takes(target) if take.active
             for _, track in take.tracks for s in track.strips]
    if not spans:
        return range(scene.frame_start, scene.frame_end + 1)
    return range(math.floor(min(a for a, _ in spans)), math.ceil(max(b for _, b in spans)) + 1)


class DEEPTALK_OT_import_motion(bpy.types.Operator, ImportHelper):
    """Import a DEEPTalk motion .npz (exp + jaw per frame) onto the target rig as new takes"""

    bl_idname = "deeptalk.import_motion"
    bl_label = "Import DEEPTalk Motion"
    bl_options = {"REGISTER", "UNDO"}

    filename_ext = ".npz"
    filter_glob: bpy.props.StringProperty(default="*.npz", options={"HIDDEN"})
    frame_start: bpy.props.IntProperty(name="Start Frame", default=-1,
                                       description="Timeline frame of the first sample (-1: current frame)")

    def execute(self, context: bpy.types.Context) -> set[str]:
        scene = context.scene
        target = properties.usable_target_rig(scene, self.report)
        if target is None:
            return {"CANCELLED"}
        path = Path(bpy.path.abspath(self.filepath))
        start = scene.frame_current if self.frame_start < 0 else self.frame_start
        try:
            request = animate.bake_request_from_file(path, clip=f"import:{path.stem}", first_frame=start,
                                                     frame_count=None, knobs_={"source": str(path)},
                                                     scene_fps=timeline.scene_fps(scene), strict_fps=False)
            outcome = animate.bake.bake(target, request, replace=False)
        except (ValueError, OSError) as exc:
            self.report({"ERROR"}, f"DEEPTalk: {exc}; the scene is unchanged")
            return {"CANCELLED"}
        animate.bake.commit(outcome)
        self.report({"INFO"}, f"imported {takes.count_takes(outcome.actions)} take(s) from {path.name}")
        return {"FINISHED"}


class DEEPTALK_OT_export_motion(bpy.types.Operator, ExportHelper):
    """Export the target rig's animation (as evaluated) to a DEEPTalk motion .npz"""

    bl_idname = "deeptalk.export_motion"
    bl_label = "Export DEEPTalk Motion"

    filename_ext = ".npz"
    filter_glob: bpy.props.StringProperty(default="*.npz", options={"HIDDEN"})
    use_animated_range: bpy.props.BoolProperty(name="Animated Range", default=True,
                                               description="Frames of the active takes (off: scene range)")

    def execute(self, context: bpy.types.Context) -> set[str]:
        scene = context.scene
        target = properties.usable_target_rig(scene, self.report)
        if target is None:
            return {"CANCELLED"}
        frames = (animated_range(scene, target) if self.use_animated_range
                  else range(scene.frame_start, scene.frame_end + 1))
        sampled = sample_motion(scene, target, frames)
        protocol, motion_io = backend_locator.protocol(), backend_locator.motion_io()
        fps = timeline.scene_fps(scene)
        active = [t for t in takes.all_takes(target) if t.active]
        motion = motion_io.MotionFile(
            exp=sampled["exp"][None].astype(np.float32), jaw=sampled["jaw"][None].astype(np.float32), fps=fps,
            seeds=(active[0].seed if len(active) == 1 else 0,),
            model_id=str(active[0].action.get("deeptalk_model_id", "blender")) if active else "blender",
            protocol=protocol.PROTOCOL_VERSION, duration_s=len(frames) / fps, emotions=sampled["emotions"],
            emotion_track=sampled["emotion_track"].astype(np.float32))
        try:
            written = motion_io.write_motion(bpy.path.abspath(self.filepath), motion)
        except (OSError, ValueError) as exc:  # refused targets (symlink, FIFO, ...), full disk, bad values
            named = str(Path(bpy.path.abspath(self.filepath))) in str(exc)
            message = str(exc) if named else f"cannot write {self.filepath}: {exc}"
            self.report({"ERROR"}, f"DEEPTalk: {message}")
            return {"CANCELLED"}
        self.report({"INFO"}, f"exported frames {frames.start}-{frames.stop - 1} to {written.name}")
        return {"FINISHED"}


def import_menu_func(self, context: bpy.types.Context) -> None:
    self.layout.operator(DEEPTALK_OT_import_motion.bl_idname, text="DEEPTalk Motion (.npz)")


def export_menu_func(self, context: bpy.types.Context) -> None:
    self.layout.operator(DEEPTALK_OT_export_motion.bl_idname, text="DEEPTalk Motion (.npz)")


classes = (DEEPTALK_OT_import_motion, DEEPTALK_OT_export_motion)
