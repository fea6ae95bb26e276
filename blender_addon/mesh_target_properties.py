"""Saved settings of a target: an ARKit character's mapping rows and jaw bone, and animator controls.

`Object.deeptalk_arkit` holds the mapping on the face mesh (so it travels with it and is reused);
`Object.deeptalk_controls` the animator controls of a FLAME rig or an ARKit character;
`Scene.deeptalk_arkit_mesh` is the scene's chosen character.
"""

from __future__ import annotations

import bpy


def _is_mesh_with_keys(self, obj: bpy.types.Object) -> bool:
    return obj.type == "MESH"


def _is_armature(self, obj: bpy.types.Object) -> bool:
    return obj.type == "ARMATURE"


class DEEPTalkArkitChannel(bpy.types.PropertyGroup):
    """One mapping row: ARKit channel `name` -> `shape_key` (empty: not keyed), times `gain`."""

    shape_key: bpy.props.StringProperty(name="Shape Key", default="",
                                        description="The character's shape key for this ARKit channel (empty: off)")
    gain: bpy.props.FloatProperty(name="Gain", default=1.0, min=0.0, max=10.0, soft_max=2.0,
                                  description="Multiplier of this channel's weight")


class DEEPTalkArkitTarget(bpy.types.PropertyGroup):
    channels: bpy.props.CollectionProperty(type=DEEPTalkArkitChannel)
    active_channel: bpy.props.IntProperty(default=0)
    jaw_armature: bpy.props.PointerProperty(name="Jaw Armature", type=bpy.types.Object, poll=_is_armature,
                                            description="Optional: the armature whose jaw bone follows the jaw")
    jaw_bone: bpy.props.StringProperty(name="Jaw Bone", default="", description="Optional jaw bone (Quaternion)")


class DEEPTalkAnimatorControls(bpy.types.PropertyGroup):
    """Strength, region gains, smoothing and key reduction of a target (FLAME rig or ARKit character)."""

    strength: bpy.props.FloatProperty(name="Strength", default=1.0, min=0.0, max=10.0, soft_max=2.0,
                                      description="Overall gain of every channel")
    mouth: bpy.props.FloatProperty(name="Mouth", default=1.0, min=0.0, max=10.0, soft_max=2.0,
                                   description="Gain of mouth, jaw, cheek, nose and tongue channels")
    brows: bpy.props.FloatProperty(name="Brows", default=1.0, min=0.0, max=10.0, soft_max=2.0,
                                   description="Gain of the brow channels")
    eyes: bpy.props.FloatProperty(name="Eyes", default=1.0, min=0.0, max=10.0, soft_max=2.0,
                                  description="Gain of the eye channels")
    smoothing_s: bpy.props.FloatProperty(name="Smoothing", default=0.0, min=0.0, max=1.0, soft_max=0.2,
                                         unit="TIME_ABSOLUTE", description="Gaussian smoothing (sigma, seconds)")
    key_tolerance: bpy.props.FloatProperty(name="Key Reduction", default=0.0, min=0.0, max=0.5, soft_max=0.05,
                                           description="Fewer keys: largest allowed deviation of a curve "
                                                       "from the solved weights (0 = a key on every frame)")


classes = (DEEPTalkArkitChannel, DEEPTalkArkitTarget, DEEPTalkAnimatorControls)


def register_properties() -> None:
    bpy.types.Object.deeptalk_arkit = bpy.props.PointerProperty(type=DEEPTalkArkitTarget)
    bpy.types.Object.deeptalk_controls = bpy.props.PointerProperty(type=DEEPTalkAnimatorControls)
    bpy.types.Scene.deeptalk_arkit_mesh = bpy.props.PointerProperty(
        name="Character", type=bpy.types.Object, poll=_is_mesh_with_keys,
        description="The character's face mesh with ARKit-named shape keys")


def unregister_properties() -> None:
    del bpy.types.Scene.deeptalk_arkit_mesh
    del bpy.types.Object.deeptalk_controls
    del bpy.types.Object.deeptalk_arkit
