"""Add FLAME Head: build the rig from the user's FLAME model or the bundled stand-in."""

from __future__ import annotations

import logging
from pathlib import Path

import bpy

from . import backend_locator, flame_file, preferences, rig, staging

log = logging.getLogger(__name__)


def load_flame_model(context: bpy.types.Context, path: Path) -> flame_file.FlameModel:
    """A converted `.npz` directly; a `.pkl` (or a folder holding one) through the backend's converter (cached)."""
    if path.is_dir() and any((path / n).is_file() for n in ("standin.npz", "flame.npz")):
        path = next(path / n for n in ("standin.npz", "flame.npz") if (path / n).is_file())
    if path.suffix.lower() == ".pkl" or path.is_dir():
        settings = preferences.backend_settings(context)
        path = flame_file.convert_pickle(python=settings.python, backend_dir=backend_locator.backend_dir(),
                                         pkl_path=path, cache_dir=preferences.user_dir() / "flame-cache")
    return flame_file.load_flame_npz(path)


class DEEPTALK_OT_add_flame_head(bpy.types.Operator):
    """Add a FLAME head rig: face mesh with 50 expression shape keys and a jaw/eye armature"""

    bl_idname = "deeptalk.add_flame_head"
    bl_label = "Add FLAME Head"
    bl_options = {"REGISTER", "UNDO"}

    filepath: bpy.props.StringProperty(name="FLAME File", subtype="FILE_PATH", default="",
                                       description="FLAME .pkl or converted .npz (empty: preferences, "
                                                   "else the stand-in head)")
    name: bpy.props.StringProperty(name="Name", default="FLAME")

    def execute(self, context: bpy.types.Context) -> set[str]:
        path = Path(bpy.path.abspath(self.filepath)) if self.filepath else preferences.resolved_flame_file(context)
        try:
            model = load_flame_model(context, path)
        except (flame_file.FlameFileError, ValueError, OSError) as exc:
            self.report({"ERROR"}, f"cannot load the FLAME model: {exc}")
            return {"CANCELLED"}
        if context.mode != "OBJECT":
            bpy.ops.object.mode_set(mode="OBJECT")
        collection = context.collection or context.scene.collection
        location = tuple(context.scene.cursor.location)
        try:  # built aside and linked on success: a failure half way leaves nothing behind
            with staging.staged_build(context.scene, collection, self.name or "FLAME") as temp:
                new_rig = rig.build_rig(model, name=self.name or "FLAME", collection=temp, location=location)
        except Exception as exc:  # noqa: BLE001 - any failure is reported; the traceback goes to the log
            log.exception("building the FLAME head from %s failed", path)
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].removeprefix("Error: ").rstrip(".")
            self.report({"ERROR"}, f"could not add a head from {path.name} ({reason}); nothing was added, "
                                   f"details are in the system console")
            return {"CANCELLED"}
        for obj in context.view_layer.objects:
            obj.select_set(False)
        new_rig.select_set(True)
        context.view_layer.objects.active = new_rig
        if context.scene.deeptalk.rig is None:
            context.scene.deeptalk.rig = new_rig
        self.report({"INFO"}, f"added {new_rig.name} ({model.vertex_count} vertices) from {path.name}")
        return {"FINISHED"}


def menu_func(self, context: bpy.types.Context) -> None:
    self.layout.operator(DEEPTALK_OT_add_flame_head.bl_idname, icon="MONKEY")


classes = (DEEPTALK_OT_add_flame_head,)
