"""Import ICT-FaceKit: a user-supplied folder -> an ARKit character mesh (shape keys), ready as a target."""

from __future__ import annotations

import numpy as np

import bpy
from bpy_extras.io_utils import ImportHelper

from . import axes, ict_facekit, mesh_target

ICT_UNIT_M = 0.01  # ICT-FaceKit models are in centimetres


def build_ict_mesh(head: ict_facekit.IctHead, *, name: str, collection: bpy.types.Collection,
                   scale: float = ICT_UNIT_M) -> bpy.types.Object:
    """A mesh object with a Basis and one shape key per expression (Blender axes, metres)."""
    verts = axes.to_blender(head.vertices * scale)
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts.tolist(), [], [list(f) for f in head.faces])
    mesh.validate()
    obj = bpy.data.objects.new(name, mesh)
    try:
        collection.objects.link(obj)
        obj.shape_key_add(name="Basis", from_mix=False)
        for key_name, shape in head.shapes.items():
            block = obj.shape_key_add(name=key_name, from_mix=False)
            block.data.foreach_set("co", axes.to_blender(shape * scale).astype(np.float32).ravel())
    except Exception:
        bpy.data.objects.remove(obj)
        bpy.data.meshes.remove(mesh)
        raise
    obj["deeptalk_source"] = "ICT-FaceKit (user folder)"
    return obj


class DEEPTALK_OT_import_ict_facekit(bpy.types.Operator, ImportHelper):
    """Build an ARKit character from a downloaded ICT-FaceKit folder (neutral + expression OBJs)"""

    bl_idname = "deeptalk.import_ict_facekit"
    bl_label = "Import ICT-FaceKit Head"
    bl_options = {"REGISTER", "UNDO"}

    directory: bpy.props.StringProperty(subtype="DIR_PATH", options={"HIDDEN", "SKIP_SAVE"})
    filter_folder: bpy.props.BoolProperty(default=True, options={"HIDDEN"})
    use_as_target: bpy.props.BoolProperty(name="Use as ARKit Character", default=True)

    def execute(self, context: bpy.types.Context) -> set[str]:
        folder = self.directory or self.filepath
        try:
            head = ict_facekit.read_folder(bpy.path.abspath(folder), mesh_target.arkit_names())
        except (ict_facekit.IctFolderError, OSError) as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        obj = build_ict_mesh(head, name="ICT_head", collection=context.scene.collection)
        if self.use_as_target:
            context.scene.deeptalk_arkit_mesh = obj
        message = f"imported {obj.name} with {len(head.shapes)} shape keys"
        if head.skipped:
            message += f"; skipped {len(head.skipped)}: {', '.join(head.skipped[:3])}"
        self.report({"WARNING"} if head.skipped else {"INFO"}, message)
        return {"FINISHED"}


def import_menu_func(self, context: bpy.types.Context) -> None:
    self.layout.operator(DEEPTALK_OT_import_ict_facekit.bl_idname, text="ICT-FaceKit Head (DEEPTalk ARKit)")


classes = (DEEPTALK_OT_import_ict_facekit,)
