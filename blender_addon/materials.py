"""Face materials: skin, lips and eyes (Principled BSDF), assigned from FLAME's vertex masks."""

from __future__ import annotations

import numpy as np

import bpy

# name -> (base colour RGBA, roughness, subsurface weight)
_LOOKS = {
    "skin": ((0.80, 0.57, 0.47, 1.0), 0.55, 0.15),
    "lips": ((0.62, 0.28, 0.28, 1.0), 0.40, 0.15),
    "mouth": ((0.25, 0.06, 0.06, 1.0), 0.50, 0.0),
    "eyes": ((0.90, 0.90, 0.88, 1.0), 0.08, 0.0),
    "irises": ((0.20, 0.12, 0.06, 1.0), 0.15, 0.0),
    "pupils": ((0.01, 0.01, 0.01, 1.0), 0.10, 0.0),
}
# material -> FLAME mask names (official FLAME_masks and the stand-in), first found wins;
# later materials paint over earlier ones (pupils inside irises inside eyeballs)
_MASKS = {
    "lips": (("lips",),),
    "mouth": (("mouth_interior",),),
    "eyes": (("left_eyeball", "right_eyeball"), ("eyeballs",), ("eyes",)),
    "irises": (("irises",),),
    "pupils": (("pupils",),),
}


def face_material(kind: str) -> bpy.types.Material:
    """The shared `DEEPTalk <kind>` material, created on first use."""
    name = f"DEEPTalk {kind}"
    material = bpy.data.materials.get(name)
    if material is not None:
        return material
    color, roughness, subsurface = _LOOKS[kind]
    material = bpy.data.materials.new(name)
    material.diffuse_color = color  # viewport (solid / workbench)
    material.roughness = roughness
    if material.node_tree is None:
        material.use_nodes = True  # 5.0 materials always have nodes; before, the switch makes them
    bsdf = next((n for n in material.node_tree.nodes if n.type == "BSDF_PRINCIPLED"), None)
    if bsdf is not None:
        _set_input(bsdf, "Base Color", color)
        _set_input(bsdf, "Roughness", roughness)
        _set_input(bsdf, "Subsurface Weight", subsurface)
        _set_input(bsdf, "Subsurface Radius", (0.01, 0.004, 0.002))
    return material


def assign_face_materials(mesh: bpy.types.Mesh, faces: np.ndarray, masks: dict[str, np.ndarray]) -> None:
    """Skin everywhere; lips, mouth, eyes ... on triangles whose three vertices are in those masks."""
    mesh.materials.append(face_material("skin"))
    material_index = np.zeros(len(faces), dtype=np.int32)
    for kind, alternatives in _MASKS.items():
        names = next((group for group in alternatives if any(n in masks for n in group)), ())
        ids = np.concatenate([masks[n] for n in names if n in masks] or [np.zeros(0, np.int64)])
        if ids.size == 0:
            continue
        inside = np.zeros(int(faces.max()) + 1, dtype=bool)
        inside[ids[ids < inside.size]] = True
        selected = inside[faces].all(axis=1)  # (F,)
        if selected.any():
            mesh.materials.append(face_material(kind))
            material_index[selected] = len(mesh.materials) - 1
    mesh.polygons.foreach_set("material_index", material_index)


def _set_input(node: bpy.types.Node, name: str, value) -> None:
    socket = node.inputs.get(name)
    if socket is not None and hasattr(socket, "default_value"):
        socket.default_value = value
