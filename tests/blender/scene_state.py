"""A fingerprint of everything an animate could change, for exact before/after comparisons.

`scene_state(rig)` returns plain Python values (keyframe data as raw bytes), so two
fingerprints compare with `==` and a difference shows up in pytest's dict diff:

- every action in bpy.data: name, custom properties, frame range, slots (4.4+), and per
  fcurve its channel, group, flags and the keyframes' co / handles / interpolation /
  easing / type / handle types, read with `foreach_get`;
- the rig's face shape keys: every block's name, value, slider range, mute, relative key;
- the rig's pose bones: rotation mode, quaternion / euler / axis-angle, location, scale;
- animation data (active action, NLA tracks and strips, drivers) of the rig, its face
  shape keys and its children;
- custom properties of the rig and its children, `scene.deeptalk.known_emotions`;
- the names of all objects, actions, meshes and shape key datablocks.

The view layer is updated first: `bpy.ops` does the same before running an operator, and
evaluating the animation writes the animated values (shape key values, bone rotations) back
to the datablocks, so a fingerprint taken without it can differ from one taken after any
operator call although nothing was changed.
"""

from __future__ import annotations

import numpy as np

import bpy
from blender_addon import compat, rig as rig_mod

# keyframe attribute -> (dtype, values per key)
_KEYFRAME_FIELDS = (
    ("co", np.float32, 2),
    ("handle_left", np.float32, 2),
    ("handle_right", np.float32, 2),
    ("interpolation", np.int32, 1),
    ("easing", np.int32, 1),
    ("type", np.int32, 1),
    ("handle_left_type", np.int32, 1),
    ("handle_right_type", np.int32, 1),
)


def scene_state(rig: bpy.types.Object) -> dict:
    """Everything an animate could change, as plain comparable values (of the evaluated scene)."""
    bpy.context.view_layer.update()
    key = rig_mod.shape_keys_of(rig)
    children = sorted(rig.children, key=lambda o: o.name)
    return {
        "actions": {action.name: _action(action) for action in bpy.data.actions},
        "shape_keys": _shape_keys(key),
        "pose": _pose(rig),
        "animation_data": {_label(target): _animation_data(target)
                           for target in [rig] + ([key] if key is not None else []) + children},
        "rig_props": _props(rig),
        "children_props": {child.name: _props(child) for child in children},
        "known_emotions": bpy.context.scene.deeptalk.known_emotions,
        "names": {kind: sorted(item.name for item in getattr(bpy.data, kind))
                  for kind in ("objects", "actions", "meshes", "shape_keys")},
    }


def fcurve_state(fcurve) -> tuple:
    """One fcurve: channel, flags and every keyframe field as bytes."""
    points = fcurve.keyframe_points
    data = []
    for name, dtype, width in _KEYFRAME_FIELDS:
        buffer = np.empty(width * len(points), dtype=dtype)
        points.foreach_get(name, buffer)
        data.append((name, buffer.tobytes()))
    group = fcurve.group.name if fcurve.group is not None else None
    return (fcurve.data_path, fcurve.array_index, group, fcurve.mute, fcurve.hide, fcurve.lock,
            fcurve.extrapolation, len(fcurve.modifiers), tuple(data))


def _action(action: bpy.types.Action) -> dict:
    slots = [(slot.identifier, slot.target_id_type) for slot in action.slots] if compat.HAS_SLOTS else []
    return {
        "props": _props(action),
        "frame_range": (action.use_frame_range, tuple(action.frame_range)),
        "fake_user": action.use_fake_user,
        "slots": slots,
        "fcurves": [fcurve_state(fcurve) for fcurve in compat.iter_fcurves(action)],
    }


def _shape_keys(key) -> dict | None:
    if key is None:
        return None
    blocks = [(block.name, block.value, block.slider_min, block.slider_max, block.mute,
               block.relative_key.name, block.vertex_group, block.interpolation) for block in key.key_blocks]
    return {"name": key.name, "use_relative": key.use_relative, "eval_time": key.eval_time, "blocks": blocks}


def _pose(rig: bpy.types.Object) -> list | None:
    if rig.pose is None:
        return None
    return [(bone.name, bone.rotation_mode, tuple(bone.rotation_quaternion), tuple(bone.rotation_euler),
             tuple(bone.rotation_axis_angle), tuple(bone.location), tuple(bone.scale)) for bone in rig.pose.bones]


def _animation_data(target: bpy.types.ID) -> dict | None:
    anim = target.animation_data
    if anim is None:
        return None
    slot = getattr(anim, "action_slot", None)
    return {
        "action": anim.action.name if anim.action is not None else None,
        "slot": slot.identifier if slot is not None else None,
        "blend": (anim.action_blend_type, anim.action_influence, anim.action_extrapolation, anim.use_nla,
                  anim.use_tweak_mode),
        "tracks": [(track.name, track.mute, track.is_solo, track.lock,
                    [(strip.name, strip.action.name if strip.action is not None else None, strip.frame_start,
                      strip.frame_end, strip.action_frame_start, strip.action_frame_end, strip.mute,
                      strip.blend_type, strip.extrapolation, strip.influence) for strip in track.strips])
                   for track in anim.nla_tracks],
        "drivers": [fcurve_state(driver) for driver in anim.drivers],
    }


def _label(target: bpy.types.ID) -> str:
    return f"{target.id_type}:{target.name}"


def _props(owner) -> list[tuple[str, str]]:
    """Custom properties as sorted (name, repr of the plain value).

    The storage of a registered property group that holds nothing (Blender 4.5 creates it when
    the group is first read) is no user data, so it counts as absent."""
    plain = ((name, _plain(owner[name])) for name in owner.keys())
    return sorted((name, repr(value)) for name, value in plain if not _unset_group(value))


def _unset_group(value) -> bool:
    return isinstance(value, dict) and all(_unset_group(item) for item in value.values())


def _plain(value):
    if hasattr(value, "to_dict"):
        return {name: _plain(item) for name, item in value.to_dict().items()}
    if hasattr(value, "to_list"):
        return value.to_list()
    if isinstance(value, bpy.types.ID):
        return _label(value)
    return value
