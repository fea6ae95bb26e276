"""Animate Selected Strip / Animate All Strips (modal, Esc cancels), Use Take, Cancel.

In the UI the operators run modally: a window-manager timer polls the backend, the panel
shows a progress bar, Blender stays responsive and Esc cancels. In background mode
(tests, farms) there are no timer events, so `execute` runs the same BatchRun in a
blocking loop. Nothing in the scene changes until every clip's result is in; then all
clips are baked at once (one undo step), or nothing is if anything failed.
"""

from __future__ import annotations

import logging
from typing import Callable

import bpy

from . import animate, compat, preferences, properties, rig, takes
from .animate_job import JobState
from .batch import BatchRun, PreparedClip

log = logging.getLogger(__name__)
_TIMER_S = 0.1


class _Running:
    """The one batch allowed at a time (per Blender session)."""

    run: BatchRun | None = None


def running_batch() -> BatchRun | None:
    run = _Running.run
    return run if run is not None and not run.finished else None


def tick(context: bpy.types.Context, run: BatchRun) -> bool:
    """One timer tick: advance the run without blocking and show its progress; True when done."""
    done = run.step(timeout=0.0)
    status = context.window_manager.deeptalk_status
    status.fraction, status.stage = run.fraction, run.stage
    if context.workspace is not None:
        context.workspace.status_text_set(None if done else
                                          f"DEEPTalk: {run.stage} ({run.fraction:.0%}) \u2014 Esc to cancel")
    _redraw(context)
    return done


def finish_run(context: bpy.types.Context, run: BatchRun | None, clips: list[PreparedClip],
               report: Callable[[set[str], str], None]) -> set[str]:
    """Bake a finished run's results (all clips or none) and report; the operator's return value."""
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
    try:
        actions = animate.apply_results(scene, properties.target_rig(scene), clips,
                                        replace=scene.deeptalk.replace_takes)
    except (ValueError, RuntimeError, KeyError) as exc:
        animate.discard_results(clips)
        status.message = f"Animation failed: {exc}"
        report({"ERROR"}, f"DEEPTalk: {exc}; the scene is unchanged")
        return {"CANCELLED"}
    status.message = f"Animated {len(clips)} strip(s): {takes.count_takes(actions)} take(s)"
    report({"INFO"}, status.message)
    return {"FINISHED"}


class _AnimateBase:
    bl_options = {"REGISTER", "UNDO"}

    _run: BatchRun | None = None
    _clips: list[PreparedClip] = []
    _timer = None

    def strips(self, context: bpy.types.Context) -> list:
        raise NotImplementedError

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return context.scene is not None and running_batch() is None

    def _prepare(self, context: bpy.types.Context) -> BatchRun | None:
        try:
            self._run, self._clips = prepare_run(context, self.strips(context))
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return None
        _Running.run = self._run
        return self._run

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Blocking path (background mode, scripts)."""
        run = self._prepare(context)
        if run is None:
            return {"CANCELLED"}
        run.run_blocking(poll_s=0.2, on_progress=lambda f, s: log.info("%3.0f%% %s", 100 * f, s))
        return finish_run(context, run, self._clips, self.report)

    def invoke(self, context: bpy.types.Context, event) -> set[str]:
        if bpy.app.background:
            return self.execute(context)
        run = self._prepare(context)
        if run is None:
            return {"CANCELLED"}
        status = context.window_manager.deeptalk_status
        status.running, status.fraction, status.stage, status.message = True, 0.0, run.stage, ""
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
        return finish_run(context, self._run, self._clips, self.report)

    def cancel(self, context: bpy.types.Context) -> None:
        """Blender ends the modal operator (file load, quit): stop the backend work."""
        if self._run is not None and not self._run.finished:
            self._run.cancel()
            self._run.run_blocking(poll_s=0.1)
        if self._timer is not None:
            context.window_manager.event_timer_remove(self._timer)
        if context.workspace is not None:
            context.workspace.status_text_set(None)
        animate.discard_results(self._clips)
        context.window_manager.deeptalk_status.running = False


def prepare_run(context: bpy.types.Context, strips: list) -> tuple[BatchRun, list[PreparedClip]]:
    """Validate the rig, strips and settings and set up the run; raise ValueError saying what is wrong."""
    scene = context.scene
    problem = rig.check_rig(properties.target_rig(scene))
    if problem:
        raise ValueError(problem)
    if not strips:
        raise ValueError("no sound strip to animate: select one in the Video Sequencer")
    try:
        clips = [animate.prepare_strip(scene, strip) for strip in strips]
        settings = preferences.backend_settings(context)
    except OSError as exc:
        raise ValueError(str(exc)) from None
    return BatchRun(settings=settings, clips=clips), clips


class DEEPTALK_OT_animate_strip(_AnimateBase, bpy.types.Operator):
    """Animate the rig from the selected sound strip (Esc cancels)"""

    bl_idname = "deeptalk.animate_strip"
    bl_label = "Animate Selected Strip"

    strip_name: bpy.props.StringProperty(name="Strip", default="",
                                         description="Sound strip to animate (empty: the active strip)")

    def strips(self, context: bpy.types.Context) -> list:
        strip = (compat.find_strip(context.scene, self.strip_name) if self.strip_name
                 else compat.active_strip(context.scene))
        return [strip] if strip is not None and strip.type == "SOUND" else []


class DEEPTALK_OT_animate_all(_AnimateBase, bpy.types.Operator):
    """Animate every sound strip of the scene, each into its own takes (Esc cancels)"""

    bl_idname = "deeptalk.animate_all"
    bl_label = "Animate All Strips"

    def strips(self, context: bpy.types.Context) -> list:
        return [s for s in compat.sound_strips(context.scene) if not s.mute]


class DEEPTALK_OT_cancel(bpy.types.Operator):
    """Cancel the running DEEPTalk animation"""

    bl_idname = "deeptalk.cancel"
    bl_label = "Cancel Animation"

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return running_batch() is not None

    def execute(self, context: bpy.types.Context) -> set[str]:
        running_batch().cancel()
        return {"FINISHED"}


class DEEPTALK_OT_use_take(bpy.types.Operator):
    """Make take N of the strip the active one (the others are muted)"""

    bl_idname = "deeptalk.use_take"
    bl_label = "Use Take"
    bl_options = {"REGISTER", "UNDO"}

    clip: bpy.props.StringProperty(name="Strip", default="", description="Clip name (empty: the active strip)")
    number: bpy.props.IntProperty(name="Take", default=0, min=0, description="Take number (0: the panel's)")

    def execute(self, context: bpy.types.Context) -> set[str]:
        scene = context.scene
        target = properties.usable_target_rig(scene, self.report)
        if target is None:
            return {"CANCELLED"}
        active = compat.active_strip(scene)
        clip = self.clip or (active.name if active is not None else "")
        strip = compat.find_strip(scene, clip)  # takes follow the strip (its id), whatever its name
        number = self.number or scene.deeptalk.take_number
        try:
            takes.use_take(target, clip, number, takes.strip_id(strip))
        except KeyError as exc:
            self.report({"ERROR"}, str(exc.args[0]))
            return {"CANCELLED"}
        return {"FINISHED"}


def _redraw(context: bpy.types.Context) -> None:
    screen = context.screen
    for area in screen.areas if screen is not None else ():
        if area.type in ("SEQUENCE_EDITOR", "VIEW_3D", "PREFERENCES"):
            area.tag_redraw()


classes = (DEEPTALK_OT_animate_strip, DEEPTALK_OT_animate_all, DEEPTALK_OT_cancel, DEEPTALK_OT_use_take)
