"""Face materials (Principled BSDF), assigned per triangle from the FLAME file's vertex masks.

Skin (with subsurface; back faces seen through an open mouth read as the dark mouth),
lips, mouth interior, teeth, gums, tongue, sclera (`eyes`), iris, pupil and a clear
cornea. A material is used when the file has a mask for it; later ones paint over
earlier ones (pupils inside irises inside eyeballs, the cornea over all of them).
"""

from __future__ import annotations

import numpy as np

import bpy

# name -> (base colour RGBA, roughness, subsurface weight)
_LOOKS = {
    "skin": ((0.80, 0.57, 0.47, 1.0), 0.50, 0.25),
    "lips": ((0.62, 0.28, 0.28, 1.0), 0.38, 0.20),
    "mouth": ((0.25, 0.06, 0.06, 1.0), 0.50, 0.0),
    "teeth": ((0.90, 0.88, 0.80, 1.0), 0.25, 0.0),
    "gums": ((0.72, 0.30, 0.32, 1.0), 0.35, 0.0),
    "tongue": ((0.66, 0.26, 0.27, 1.0), 0.45, 0.0),
    "eyes": ((0.90, 0.90, 0.88, 1.0), 0.25, 0.0),
    "irises": ((0.28, 0.17, 0.08, 1.0), 0.30, 0.0),
    "pupils": ((0.01, 0.01, 0.01, 1.0), 0.20, 0.0),
    "cornea": ((1.0, 1.0, 1.0, 1.0), 0.02, 0.0),
}
# material -> FLAME mask names (official FLAME_masks and the stand-ins), first group found wins
_MASKS = {
    "lips": (("lips",),),
    "mouth": (("mouth_interior",),),
    "teeth": (("teeth",),),
    "gums": (("gums",),),
    "tongue": (("tongue",),),
    "eyes": (("left_eyeball", "right_eyeball"), ("eyeballs",), ("eyes",)),
    "irises": (("irises",),),
    "pupils": (("pupils",),),
    "cornea": (("cornea",),),
}
INSIDE_COLOR, INSIDE_GLOW = (0.50, 0.17, 0.16, 1.0), 0.22  # the inside of the head (back faces of the skin)
SKIN_SCATTER_SCALE = 0.003  # metres: skin scatters light a few millimetres
# masks painted as point attributes the skin material blends in (soft borders on coarse meshes)
SKIN_PAINT = {"brows": ("deeptalk_brows", (0.09, 0.055, 0.035, 1.0)), "lips": ("deeptalk_lips", _LOOKS["lips"][0]),
              # the upper lid's margin: a lash line that frames the open eye and marks the closed one
              "eyelid_upper_edge": ("deeptalk_lashes", (0.05, 0.035, 0.03, 1.0))}
# head v2's brow coordinates (t along the brow, d across it in half-thicknesses, 1 = present) as a
# point attribute: the skin material draws the brow's outline from them inside each triangle
BROW_SHAPE_ATTRIBUTE = "deeptalk_brow_shape"
BROW_EDGE = (0.65, 1.12)  # |d| over which the brow fades out
BROW_ENDS = ((-0.09, 0.12), (0.84, 1.02))  # t over which it fades in at the inner end and out at the tail
BROW_DENSITY = 1.0


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
        _set_input(bsdf, "Subsurface Radius", (1.0, 0.4, 0.25))
        _set_input(bsdf, "Subsurface Scale", SKIN_SCATTER_SCALE)
        if kind == "cornea":
            _clear_coat(material, bsdf)
        if kind == "skin":
            _paint_layers(material, bsdf, color)
            _dark_back_faces(material, bsdf)
    return material


def assign_face_materials(mesh: bpy.types.Mesh, faces: np.ndarray, masks: dict[str, np.ndarray],
                          brow_shape: np.ndarray | None = None) -> None:
    """Skin everywhere; lips, mouth, teeth, eyes ... on triangles whose three vertices are in those masks.

    brow_shape: (V, 2) brow coordinates (head v2's file); given, the brows are drawn from them
    instead of painted from the `brows` mask (whose outline steps with the rows of the mesh).
    """
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
    if brow_shape is not None and len(brow_shape) == len(mesh.vertices) and draws_brows(mesh.materials[0]):
        values = np.concatenate([brow_shape, np.ones((len(brow_shape), 1))], axis=1).astype(np.float32)
        layer = mesh.attributes.get(BROW_SHAPE_ATTRIBUTE) or mesh.attributes.new(BROW_SHAPE_ATTRIBUTE, "FLOAT_VECTOR",
                                                                                 "POINT")
        layer.data.foreach_set("vector", values.ravel())
        masks = {k: v for k, v in masks.items() if k != "brows"}
    for mask, (attribute, _) in SKIN_PAINT.items():
        if mask in masks and len(masks[mask]):
            values = np.zeros(len(mesh.vertices), dtype=np.float32)
            ids = np.asarray(masks[mask])
            values[ids[ids < len(values)]] = 1.0
            values = soften(values, faces)
            layer = mesh.attributes.get(attribute) or mesh.attributes.new(attribute, "FLOAT", "POINT")
            layer.data.foreach_set("value", values)


def draws_brows(material: bpy.types.Material) -> bool:
    """Whether a skin material draws brows from the brow-shape attribute (older add-on versions' do not)."""
    tree = material.node_tree
    return tree is not None and any(n.type == "ATTRIBUTE" and n.attribute_name == BROW_SHAPE_ATTRIBUTE
                                    for n in tree.nodes)


def soften(values: np.ndarray, faces: np.ndarray, passes: int = 1, gain: float = 2.2) -> np.ndarray:
    """(V,) 0/1 paint -> rounded soft edges: average over incident triangles, then re-sharpen the core."""
    out = values.astype(np.float64)
    counts = np.bincount(faces.ravel(), minlength=len(out)).astype(np.float64)
    for _ in range(passes):
        face_mean = out[faces].mean(axis=1)  # (F,)
        total = np.bincount(faces.ravel(), weights=np.repeat(face_mean, 3), minlength=len(out))
        out = np.where(counts > 0, total / np.maximum(counts, 1.0), out)
    return np.clip(gain * out - 0.25 * (gain - 1.0), 0.0, 1.0).astype(np.float32)


def _paint_layers(material: bpy.types.Material, bsdf: bpy.types.Node, color) -> None:
    """Base colour = skin, then each SKIN_PAINT colour mixed in by its point attribute (0 where absent)."""
    tree = material.node_tree
    socket = None
    for mask, (attribute, paint) in SKIN_PAINT.items():
        reader = tree.nodes.new("ShaderNodeAttribute")
        reader.attribute_name = attribute
        mix = tree.nodes.new("ShaderNodeMix")
        mix.data_type = "RGBA"
        factor = next(i for i in mix.inputs if i.name == "Factor" and i.type == "VALUE")
        a = next(i for i in mix.inputs if i.name == "A" and i.type == "RGBA")
        b = next(i for i in mix.inputs if i.name == "B" and i.type == "RGBA")
        if mask == "brows":  # painted (mask) or drawn (shape): whichever the mesh has
            either = _math(tree, "MAXIMUM", reader.outputs["Fac"], _brow_density(tree))
            tree.links.new(either, factor)
        else:
            tree.links.new(reader.outputs["Fac"], factor)
        if socket is None:
            a.default_value = color
        else:
            tree.links.new(socket, a)
        b.default_value = paint
        socket = next(o for o in mix.outputs if o.type == "RGBA")
    if socket is not None and bsdf.inputs.get("Base Color") is not None:
        tree.links.new(socket, bsdf.inputs["Base Color"])


def _math(tree, operation: str, a, b):
    """Output socket of a Math node `operation`(a, b); a and b are sockets or numbers."""
    node = tree.nodes.new("ShaderNodeMath")
    node.operation = operation
    for socket, value in zip(node.inputs[:2], (a, b)):
        if isinstance(value, (int, float)):
            socket.default_value = value
        else:
            tree.links.new(value, socket)
    return node.outputs["Value"]


def _smooth_ramp(tree, value, start: float, end: float):
    """0 at `start`, 1 at `end` (either order), smoothstep between, clamped: a Map Range node's output."""
    node = tree.nodes.new("ShaderNodeMapRange")
    node.interpolation_type = "SMOOTHSTEP"
    node.clamp = True
    tree.links.new(value, node.inputs["Value"])
    lo, hi = (start, end) if start < end else (end, start)
    node.inputs["From Min"].default_value, node.inputs["From Max"].default_value = lo, hi
    node.inputs["To Min"].default_value, node.inputs["To Max"].default_value = (0.0, 1.0) if start < end else (1.0, 0.0)
    return node.outputs["Result"]


def _brow_density(tree):
    """0..1 brow density from the brow-shape attribute (0 on meshes without it)."""
    reader = tree.nodes.new("ShaderNodeAttribute")
    reader.attribute_name = BROW_SHAPE_ATTRIBUTE
    split = tree.nodes.new("ShaderNodeSeparateXYZ")
    tree.links.new(reader.outputs["Vector"], split.inputs["Vector"])
    t, d, present = split.outputs["X"], split.outputs["Y"], split.outputs["Z"]
    across = _smooth_ramp(tree, _math(tree, "ABSOLUTE", d, 0.0), BROW_EDGE[1], BROW_EDGE[0])
    (in_start, in_end), (out_start, out_end) = BROW_ENDS
    ends = _math(tree, "MULTIPLY", _smooth_ramp(tree, t, in_start, in_end), _smooth_ramp(tree, t, out_end, out_start))
    density = _math(tree, "MULTIPLY", _math(tree, "MULTIPLY", across, ends), present)
    return _math(tree, "MULTIPLY", density, BROW_DENSITY)


def _clear_coat(material: bpy.types.Material, bsdf: bpy.types.Node) -> None:
    """A clear, refracting shell (Cycles; EEVEE with its refraction switch where it has one)."""
    _set_input(bsdf, "Transmission Weight", 1.0)
    _set_input(bsdf, "Transmission", 1.0)  # Blender < 4.0 name
    _set_input(bsdf, "IOR", 1.376)
    for flag in ("use_raytrace_refraction", "use_screen_refraction"):  # EEVEE Next / legacy EEVEE
        if hasattr(material, flag):
            setattr(material, flag, True)
    if hasattr(material, "surface_render_method"):
        material.surface_render_method = "BLENDED"
    elif hasattr(material, "blend_method"):
        material.blend_method = "BLEND"


def _dark_back_faces(material: bpy.types.Material, bsdf: bpy.types.Node) -> None:
    """Inside faces seen by the camera (through an open FLAME mouth) shade as a dim, dark red.

    No light reaches the inside of a closed head, so a lit material there renders black holes;
    a faint glow of the mouth's colour reads as the mouth's soft tissue. Only camera rays see
    the glow: a bounce ray that slips under a tightly creased surface (a closed lid over the
    transparent cornea) would otherwise carry it out as a red spot on the skin.
    """
    tree = material.node_tree
    output = next((n for n in tree.nodes if n.type == "OUTPUT_MATERIAL"), None)
    if output is None:
        return
    geometry = tree.nodes.new("ShaderNodeNewGeometry")
    light_path = tree.nodes.new("ShaderNodeLightPath")
    seen = tree.nodes.new("ShaderNodeMath")
    seen.operation = "MULTIPLY"
    tree.links.new(geometry.outputs["Backfacing"], seen.inputs[0])
    tree.links.new(light_path.outputs["Is Camera Ray"], seen.inputs[1])
    inside = tree.nodes.new("ShaderNodeEmission")
    inside.inputs["Color"].default_value = INSIDE_COLOR
    inside.inputs["Strength"].default_value = INSIDE_GLOW
    mix = tree.nodes.new("ShaderNodeMixShader")
    tree.links.new(seen.outputs["Value"], mix.inputs["Fac"])
    tree.links.new(bsdf.outputs["BSDF"], mix.inputs[1])
    tree.links.new(inside.outputs["Emission"], mix.inputs[2])
    tree.links.new(mix.outputs["Shader"], output.inputs["Surface"])


def _set_input(node: bpy.types.Node, name: str, value) -> None:
    socket = node.inputs.get(name)
    if socket is not None and hasattr(socket, "default_value"):
        socket.default_value = value
