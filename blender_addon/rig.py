"""FLAME model -> Blender rig: face mesh with expression shape keys, skinned armature.

The armature object is the rig (marked with `deeptalk_rig`); the face mesh is its child
(marked with `deeptalk_face`) and carries 50 expression keys plus 9 jaw pose correctives
(see `rig_correctives`). Keys carry the component names when the FLAME file has them
(head v2: `smile_L`, ...), else `exp000..exp049`; the rig stores the channel -> key name
map (`deeptalk_expression_keys`), and rigs without one use `exp###` (older files). FLAME Y-up is converted to Blender Z-up
(`axes.to_blender`); FLAME's LBS weights become vertex groups of the 5 bones.
"""

from __future__ import annotations

import numpy as np

import bpy

from . import axes, flame_basis, materials, rest_track, rig_correctives
from .flame_file import EXPRESSION_COUNT, FlameModel

RIG_MARKER = "deeptalk_rig"
FACE_MARKER = "deeptalk_face"
RIG_VERSION = 1
BONE_NAMES: tuple[str, ...] = ("root", "neck", "jaw", "eye_L", "eye_R")
JAW_BONE = "jaw"
EXPRESSION_KEYS: tuple[str, ...] = tuple(f"exp{i:03d}" for i in range(EXPRESSION_COUNT))
KEY_MAP_PROP = "deeptalk_expression_keys"  # on the rig: shape key name of each expression channel
SLIDER_RANGE = 10.0  # Blender's widest shape key slider range; FLAME coefficients stay within it
_REBUILD_HINT = "add a new head with Add FLAME Head"  # what to do about a damaged rig

# Bone tail offsets in Blender axes, in units of the head's height (-Y is the face's front).
_TAIL_DIRECTIONS = {
    "root": (0.0, 0.0, 0.25),
    "neck": (0.0, 0.0, 0.25),
    "jaw": (0.0, -0.35, -0.2),
    "eye_L": (0.0, -0.1, 0.0),
    "eye_R": (0.0, -0.1, 0.0),
}


def build_rig(model: FlameModel, *, name: str, collection: bpy.types.Collection,
              location: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> bpy.types.Object:
    """Create armature + face mesh in `collection`; return the (marked) armature object."""
    vertices = axes.to_blender(model.v_template)  # (V, 3)
    joints = axes.to_blender(model.joints)  # (5, 3)
    height = float(np.ptp(vertices[:, 2])) or 1.0

    armature = bpy.data.armatures.new(f"{name}_armature")
    rig = bpy.data.objects.new(name, armature)
    rig.location = location
    collection.objects.link(rig)
    _build_bones(rig, joints, model.parents, height)

    mesh = _build_mesh(f"{name}_face", vertices, model.faces)
    face = bpy.data.objects.new(f"{name}_face", mesh)
    collection.objects.link(face)
    face.parent = rig
    key_names = model.expression_names or EXPRESSION_KEYS
    _add_expression_keys(face, vertices, model.exprdirs, key_names)
    rest_track.add_rest_track(mesh.shape_keys, key_names, f"{name}.rest")
    _add_vertex_groups(face, model.weights)
    modifier = face.modifiers.new("FLAME skinning", "ARMATURE")
    modifier.object = rig
    rig_correctives.add_jaw_correctives(face=face, rig=rig, jaw_posedirs=model.jaw_posedirs,
                                        jaw_rest=jaw_rest(rig))
    materials.assign_face_materials(mesh, model.faces, model.masks, model.brow_shape)

    rig[RIG_MARKER] = RIG_VERSION
    rig[KEY_MAP_PROP] = list(key_names)
    rig["deeptalk_flame_source"] = model.source
    rig[flame_basis.RIG_PROPERTY] = model.basis
    face[FACE_MARKER] = RIG_VERSION
    return rig


def is_rig(obj: bpy.types.Object | None) -> bool:
    return obj is not None and obj.type == "ARMATURE" and RIG_MARKER in obj.keys()


def find_rigs(scene: bpy.types.Scene) -> list[bpy.types.Object]:
    """All DEEPTalk rigs in the scene, by name."""
    return sorted((o for o in scene.objects if is_rig(o)), key=lambda o: o.name)


def face_of(rig: bpy.types.Object) -> bpy.types.Object | None:
    """The rig's marked face mesh child."""
    return next((c for c in rig.children if c.type == "MESH" and FACE_MARKER in c.keys()), None)


def shape_keys_of(rig: bpy.types.Object) -> bpy.types.Key | None:
    face = face_of(rig)
    return face.data.shape_keys if face is not None else None


def expression_keys(rig: bpy.types.Object) -> tuple[str, ...]:
    """Shape key name of each of the 50 expression channels on `rig`.

    The rig's stored map when it is complete and its keys exist; otherwise `exp###`
    (rigs made before keys had names), so older .blend files keep animating.
    """
    stored = rig.get(KEY_MAP_PROP) if rig is not None else None
    names = tuple(str(n) for n in stored) if stored is not None and not isinstance(stored, str) else ()
    key = shape_keys_of(rig) if rig is not None else None
    if len(names) == EXPRESSION_COUNT and key is not None and all(n in key.key_blocks for n in names):
        return names
    return EXPRESSION_KEYS


def jaw_rest(rig: bpy.types.Object) -> np.ndarray:
    """(3, 3) rest rotation of the jaw bone in armature space (columns = local axes)."""
    return np.array(rig.data.bones[JAW_BONE].matrix_local.to_3x3(), dtype=np.float64)


def check_rig(rig: bpy.types.Object | None) -> str | None:
    """None if `rig` is a usable DEEPTalk rig, else what is wrong with it."""
    if rig is None:
        return "no target rig: pick one in the DEEPTalk panel or add a FLAME head"
    if not is_rig(rig):
        return f"{rig.name!r} is not a DEEPTalk FLAME rig; pick a rig made with Add FLAME Head in the DEEPTalk panel"
    if JAW_BONE not in rig.pose.bones:
        return f"{rig.name!r} has no jaw bone; {_REBUILD_HINT}"
    key = shape_keys_of(rig)
    missing = [name for name in expression_keys(rig) if key is None or name not in key.key_blocks]
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        return f"{rig.name!r} has no face mesh with the 50 expression shape keys (missing {shown}); {_REBUILD_HINT}"
    return None


# ---------------------------------------------------------------------------- internals


def _build_bones(rig: bpy.types.Object, joints: np.ndarray, parents: tuple[int, ...], height: float) -> None:
    view_layer = bpy.context.view_layer
    previous_active = view_layer.objects.active
    view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    try:
        edit_bones = rig.data.edit_bones
        for index, bone_name in enumerate(BONE_NAMES):
            bone = edit_bones.new(bone_name)
            bone.head = joints[index]
            bone.tail = joints[index] + np.array(_TAIL_DIRECTIONS[bone_name]) * height
            bone.roll = 0.0
        for index, parent in enumerate(parents):
            if parent >= 0:
                edit_bones[BONE_NAMES[index]].parent = edit_bones[BONE_NAMES[parent]]
    finally:
        bpy.ops.object.mode_set(mode="OBJECT")
        view_layer.objects.active = previous_active
    for pose_bone in rig.pose.bones:
        pose_bone.rotation_mode = "QUATERNION"


def _build_mesh(name: str, vertices: np.ndarray, faces: np.ndarray) -> bpy.types.Mesh:
    mesh = bpy.data.meshes.new(name)
    mesh.vertices.add(len(vertices))
    mesh.vertices.foreach_set("co", vertices.astype(np.float32).ravel())
    mesh.loops.add(faces.size)
    mesh.loops.foreach_set("vertex_index", faces.astype(np.int32).ravel())
    mesh.polygons.add(len(faces))
    mesh.polygons.foreach_set("loop_start", np.arange(0, faces.size, 3, dtype=np.int32))
    mesh.update(calc_edges=True)
    mesh.validate()
    if hasattr(mesh, "shade_smooth"):
        mesh.shade_smooth()
    else:
        mesh.polygons.foreach_set("use_smooth", np.ones(len(faces), dtype=bool))
    return mesh


def _add_expression_keys(face: bpy.types.Object, vertices: np.ndarray, exprdirs: np.ndarray,
                         key_names: tuple[str, ...]) -> None:
    face.shape_key_add(name="Basis", from_mix=False)
    for index, key_name in enumerate(key_names):
        block = face.shape_key_add(name=key_name, from_mix=False)
        offsets = axes.to_blender(exprdirs[:, :, index])  # (V, 3)
        block.data.foreach_set("co", (vertices + offsets).astype(np.float32).ravel())
        block.slider_min, block.slider_max = -SLIDER_RANGE, SLIDER_RANGE
        block.value = 0.0


def _add_vertex_groups(face: bpy.types.Object, weights: np.ndarray) -> None:
    for column, bone_name in enumerate(BONE_NAMES):
        group = face.vertex_groups.new(name=bone_name)
        ids = np.flatnonzero(weights[:, column] > 1e-6)
        values = weights[ids, column]
        # one call per distinct weight (vertex_groups.add takes a list sharing a weight)
        order = np.argsort(values, kind="stable")
        unique, starts = np.unique(values[order], return_index=True)
        bounds = list(starts) + [len(order)]
        for i, weight in enumerate(unique):
            group.add(ids[order[bounds[i]:bounds[i + 1]]].tolist(), float(weight), "REPLACE")
