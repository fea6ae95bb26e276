"""ARKit character operators: match shape keys, animate strips onto the character, export Live Link CSV.

Animate follows the FLAME rig's operators (`operators_animate`): modal with a timer and
Esc in the UI, a blocking loop in background mode, one batch at a time, nothing in the
scene changes until every clip's result is in, and a failure changes nothing.
"""

from __future__ import annotations

import logging

import bpy
from bpy_extras.io_utils import ExportHelper

from . import animate, backend_locator, compat, mesh_target, mesh_target_animate, preferences, takes
from .animate_job import JobState
from .batch import BatchRun
from .operators_animate import _Running, running_batch, tick

log = logging.getLogger(__name__)
_TIMER_S = 0.1


def target_mesh(context: bpy.types.Context) -> bpy.types.Object | None:
    return context.scene.deeptalk_arkit_mesh


class DEEPTALK_OT_arkit_match(bpy.types.Operator):
    """Match the character's shape keys to ARKit's 52 names again and store the mapping (gains kept)"""

    bl_idname = "deeptalk.arkit_match"
    bl_label = "Match Shape Keys"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        obj = target_mesh(context)
        if obj is None or obj.type != "MESH" or not mesh_target.shape_key_names(obj):
            self.report({"ERROR"}, mesh_target.check_mesh_target(obj) or "pick the character's face mesh")
            return {"CANCELLED"}
        mesh_target.store_mapping(obj)
        missing = mesh_target.unmatched(obj)
        self.report({"INFO"}, f"{52 - len(missing)} of 52 ARKit channels matched"
                              + (f"; not found: {', '.join(missing[:6])}{' ...' if len(missing) > 6 else ''}"
                                 if missing else ""))
        return {"FINISHED"}


class DEEPTALK_OT_arkit_animate(bpy.types.Operator):
    """Animate the ARKit character from the selected sound strip (or all strips); Esc cancels"""

    bl_idname = "deeptalk.arkit_animate"
    bl_label = "Animate Character"
    bl_options = {"REGISTER", "UNDO"}

    strip_name: bpy.props.StringProperty(name="Strip", default="", description="Sound strip (empty: the active one)")
    all_strips: bpy.props.BoolProperty(name="All Strips", default=False, description="Every unmuted sound strip")

    _run: BatchRun | None = None
    _clips: list = []
    _timer = None

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return context.scene is not None and running_batch() is None

    def strips(self, context: bpy.types.Context) -> list:
        scene = context.scene
        if self.all_strips:
            return [s for s in compat.sound_strips(scene) if not s.mute]
        strip = compat.find_strip(scene, self.strip_name) if self.strip_name else compat.active_strip(scene)
        return [strip] if strip is not None and strip.type == "SOUND" else []

    def _prepare(self, context: bpy.types.Context) -> bool:
        problem = mesh_target.check_mesh_target(target_mesh(context))
        strips = self.strips(context)
        if problem or not strips:
            self.report({"ERROR"}, problem or "no sound strip to animate: select one in the Video Sequencer")
            return False
        try:
            self._clips = [mesh_target_animate.prepare_strip(context.scene, s) for s in strips]
            self._run = BatchRun(settings=preferences.backend_settings(context), clips=self._clips)
        except (OSError, ValueError) as exc:
            self.report({"ERROR"}, str(exc))
            return False
        _Running.run = self._run
        return True

    def execute(self, context: bpy.types.Context) -> set[str]:
        if not self._prepare(context):
            return {"CANCELLED"}
        self._run.run_blocking(poll_s=0.2, on_progress=lambda f, s: log.info("%3.0f%% %s", 100 * f, s))
        return self._finish(context)

    def invoke(self, context: bpy.types.Context, event) -> set[str]:
        if bpy.app.background:
            return self.execute(context)
        if not self._prepare(context):
            return {"CANCELLED"}
        status = context.window_manager.deeptalk_status
        status.running, status.fraction, status.stage, status.message = True, 0.0, self._run.stage, ""
        self._timer = context.window_manager.event_timer_add(_TIMER_S, window=context.window)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event) -> set[str]:
        if event.type == "ESC" and event.value == "PRESS":
            self._run.cancel()
        elif event.type != "TIMER":
            return {"PASS_THROUGH"}
        if not tick(context, self._run):
            return {"RUNNING_MODAL"}
        context.window_manager.event_timer_remove(self._timer)
        return self._finish(context)

    def cancel(self, context: bpy.types.Context) -> None:
        if self._run is not None and not self._run.finished:
            self._run.cancel()
            self._run.run_blocking(poll_s=0.1)
        if self._timer is not None:
            context.window_manager.event_timer_remove(self._timer)
        animate.discard_results(self._clips)
        context.window_manager.deeptalk_status.running = False

    def _finish(self, context: bpy.types.Context) -> set[str]:
        return finish_mesh_run(context, self._run, self._clips, self.report)


def finish_mesh_run(context: bpy.types.Context, run: BatchRun | None, clips: list, report) -> set[str]:
    """Bake a finished run onto the scene's ARKit character (all clips or none) and report."""
    status = context.window_manager.deeptalk_status
    status.running, status.fraction = False, 0.0
    if run is None or run.state is not JobState.DONE:
        animate.discard_results(clips)
        cancelled = run is not None and run.state is JobState.CANCELLED
        message = "cancelled" if cancelled else (run.error if run is not None else "not started")
        status.message = f"Animation {message}"
        report({"WARNING"} if cancelled else {"ERROR"}, f"DEEPTalk: {message}; the scene is unchanged")
        return {"CANCELLED"}
    scene = context.scene
    obj = target_mesh(context)
    try:
        actions = mesh_target_animate.apply_results(scene, obj, clips, replace=scene.deeptalk.replace_takes)
    except (ValueError, RuntimeError, KeyError) as exc:
        animate.discard_results(clips)
        status.message = f"Animation failed: {exc}"
        report({"ERROR"}, f"DEEPTalk: {exc}; the scene is unchanged")
        return {"CANCELLED"}
    status.message = f"Animated {len(clips)} strip(s) onto {obj.name}: {len(actions)} take(s)"
    report({"INFO"}, status.message)
    return {"FINISHED"}


class DEEPTALK_OT_arkit_use_take(bpy.types.Operator):
    """Make take N of the strip the active one on the ARKit character (the others are muted)"""

    bl_idname = "deeptalk.arkit_use_take"
    bl_label = "Use Take"
    bl_options = {"REGISTER", "UNDO"}

    clip: bpy.props.StringProperty(name="Strip", default="")
    number: bpy.props.IntProperty(name="Take", default=1, min=1)

    def execute(self, context: bpy.types.Context) -> set[str]:
        obj = target_mesh(context)
        if obj is None:
            self.report({"ERROR"}, mesh_target.check_mesh_target(obj))
            return {"CANCELLED"}
        try:
            takes.use_take(obj, self.clip, self.number)
        except KeyError as exc:
            self.report({"ERROR"}, str(exc.args[0]))
            return {"CANCELLED"}
        return {"FINISHED"}


class DEEPTALK_OT_arkit_export_csv(bpy.types.Operator, ExportHelper):
    """Export the active take of a strip on the ARKit character as a Live Link Face CSV"""

    bl_idname = "deeptalk.arkit_export_csv"
    bl_label = "Export Live Link CSV"
    filename_ext = ".csv"
    filter_glob: bpy.props.StringProperty(default="*.csv", options={"HIDDEN"})
    clip: bpy.props.StringProperty(name="Strip", default="", description="Clip name (empty: the active strip)")

    def execute(self, context: bpy.types.Context) -> set[str]:
        obj = target_mesh(context)
        active = compat.active_strip(context.scene)
        clip = self.clip or (active.name if active is not None else "")
        take = takes.active_take(obj, clip) if obj is not None else None
        if take is None:
            self.report({"ERROR"}, f"the character has no take of {clip!r}; animate it first")
            return {"CANCELLED"}
        try:
            weights, fps = mesh_target.take_weights(take)
            written = backend_locator.livelink_csv().write_livelink_csv(
                self.filepath, weights, mesh_target.arkit_names(), fps=fps)
        except (ValueError, OSError) as exc:
            self.report({"ERROR"}, f"cannot export: {exc}")
            return {"CANCELLED"}
        self.report({"INFO"}, f"wrote {written} ({len(weights)} frames)")
        return {"FINISHED"}


classes = (DEEPTALK_OT_arkit_match, DEEPTALK_OT_arkit_animate, DEEPTALK_OT_arkit_use_take, DEEPTALK_OT_arkit_export_csv)
