"""A generated character mesh with ARKit-named shape keys: some under other spellings, a few missing."""

from __future__ import annotations

import numpy as np

import bpy

from .synthetic import sphere

# ARKit name -> the character's shape key name where it differs (variant spellings)
VARIANTS = {
    "eyeBlinkLeft": "EyeBlink_L", "eyeBlinkRight": "eyeBlink.R", "mouthSmileLeft": "ARKit_mouthSmile_L",
    "mouthSmileRight": "ARKit_mouthSmile_R", "jawOpen": "JawOpen", "mouthPressLeft": "mouthPress.L",
    "mouthPressRight": "mouthPressRight", "mouthClose": "BS_mouthClose", "browInnerUp": "blendShape1.browInnerUp",
}
MISSING = ("tongueOut", "cheekPuff", "noseSneerLeft", "noseSneerRight", "eyeLookUpLeft")


def make_arkit_mesh(name: str = "Character", *, names: tuple[str, ...]) -> bpy.types.Object:
    """A sphere mesh with a Basis and one small random shape key per ARKit name (variants / missing applied)."""
    verts, faces = sphere()
    mesh = bpy.data.meshes.new(f"{name}_mesh")
    mesh.from_pydata(verts.tolist(), [], faces.tolist())
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.shape_key_add(name="Basis", from_mix=False)
    rng = np.random.default_rng(0)
    for arkit in names:
        if arkit in MISSING:
            continue
        block = obj.shape_key_add(name=VARIANTS.get(arkit, arkit), from_mix=False)
        co = verts + rng.normal(scale=0.002, size=verts.shape) * (rng.random((len(verts), 1)) < 0.2)
        block.data.foreach_set("co", co.astype(np.float32).ravel())
    obj.shape_key_add(name="MyCustomShape", from_mix=False)  # the user's own, never mapped
    return obj
