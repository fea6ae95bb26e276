"""Set up backend: create the add-on-managed Python environment with the shipped backend.

Runs `SetupJob` (venv + pip install, in a worker thread) and reports its progress in the
preferences through a timer; blocking in background mode.
"""

from __future__ import annotations

import bpy

from . import backend_locator, preferences
from .setup_env import SetupJob


class DEEPTALK_OT_setup_backend(bpy.types.Operator):
    """Create a Python environment with the DEEPTalk backend: torch (CUDA build with an NVIDIA GPU, else CPU) and its packages from the package index or the Wheel Folder"""

    bl_idname = "deeptalk.setup_backend"
    bl_label = "Set up Backend"

    pip_args: bpy.props.StringProperty(name="Extra pip Arguments", default="", options={"HIDDEN"},
                                       description="Space-separated extra arguments for pip install")

    _job: SetupJob | None = None
    _timer = None

    def _start(self, context: bpy.types.Context) -> SetupJob:
        env_dir = preferences.managed_env_dir()
        job = SetupJob(base_python=preferences.base_python(), env_dir=env_dir,
                       backend_dir=backend_locator.backend_dir(),
                       log_path=preferences.user_dir() / "logs" / "setup.log", pip_args=self.pip_args.split(),
                       wheel_folder=preferences.resolved_wheel_folder(context))
        status = context.window_manager.deeptalk_status
        status.setup_running, status.setup_fraction, status.setup_message = True, 0.0, ""
        job.start()
        return job

    def _finish(self, context: bpy.types.Context, job: SetupJob) -> set[str]:
        status = context.window_manager.deeptalk_status
        status.setup_running = False
        if job.error:
            status.setup_message = f"Setup failed: {job.error}"
            self.report({"ERROR"}, status.setup_message)
            return {"CANCELLED"}
        torch_note = job.torch_plan.description if "--no-deps" not in job.pip_args else "dependencies not installed"
        status.setup_message = f"Backend ready: {job.python} ({torch_note})"
        self.report({"INFO"}, status.setup_message)
        return {"FINISHED"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        job = self._start(context)
        job.wait()
        return self._finish(context, job)

    def invoke(self, context: bpy.types.Context, event) -> set[str]:
        if bpy.app.background:
            return self.execute(context)
        self._job = self._start(context)
        self._timer = context.window_manager.event_timer_add(0.25, window=context.window)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event) -> set[str]:
        job = self._job
        if event.type == "ESC" and event.value == "PRESS":
            job.cancel()
        elif event.type != "TIMER":
            return {"PASS_THROUGH"}
        status = context.window_manager.deeptalk_status
        status.setup_fraction, status.setup_stage = job.fraction, job.stage
        for area in context.screen.areas if context.screen is not None else ():
            area.tag_redraw()
        if not job.finished:
            return {"RUNNING_MODAL"}
        context.window_manager.event_timer_remove(self._timer)
        return self._finish(context, job)


classes = (DEEPTALK_OT_setup_backend,)
