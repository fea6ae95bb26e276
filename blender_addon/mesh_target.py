"""Any character mesh with ARKit-named shape keys as a target: mapping, checks and the bake.

The mapping (ARKit channel -> shape key, per-channel gain) lives on the mesh object
(`Object.deeptalk_arkit`) with the animator controls and an optional jaw bone; until the
user edits it, it is matched automatically (`name_matching`) and stored after the first
successful bake. A bake writes one Action per take with shape-key curves (and jaw bone /
emotion curves on their IDs), NLA tracks per take, the newest active - the same takes as
the FLAME rig (`bake`, `takes`, `compat`) - and removes everything again if it fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import bpy

from . import axes, backend_locator, bake, compat, emotion_track, flame_controls, name_matching, takes

GROUP = "DEEPTalk ARKit"
JAW_GROUP = "DEEPTalk jaw"
WEIGHTS_PROP = "deeptalk_arkit_weights"  # the take's 52 controlled weights, (T * 52,) floats
TARGET_PROP = "deeptalk_target"


@dataclass(frozen=True)
class Channel:
    index: int  # ARKit channel index
    name: str  # ARKit name
    key: str  # shape key name
    gain: float


def arkit_names() -> tuple[str, ...]:
    return tuple(backend_locator.arkit_names().ARKIT_NAMES)


def shape_key_names(obj: bpy.types.Object) -> list[str]:
    key = obj.data.shape_keys if obj is not None and obj.type == "MESH" else None
    if key is None:
        return []
    return [block.name for block in key.key_blocks if block != key.reference_key]


def auto_mapping(obj: bpy.types.Object) -> dict[str, str]:
    """ARKit name -> shape key name ('' = unmatched) by name matching."""
    return name_matching.match_names(arkit_names(), shape_key_names(obj))


def channels(obj: bpy.types.Object) -> list[Channel]:
    """The channels that will be keyed: the stored mapping when there is one, else the automatic one."""
    names = arkit_names()
    stored = obj.deeptalk_arkit.channels
    if len(stored):
        rows = [(row.name, row.shape_key, float(row.gain)) for row in stored]
    else:
        rows = [(name, key, 1.0) for name, key in auto_mapping(obj).items()]
    available = set(shape_key_names(obj))
    index = {name: i for i, name in enumerate(names)}
    return [Channel(index[n], n, k, g) for n, k, g in rows if n in index and k in available]


def unmatched(obj: bpy.types.Object) -> list[str]:
    """ARKit names the mesh will not receive."""
    used = {c.name for c in channels(obj)}
    return [n for n in arkit_names() if n not in used]


def store_mapping(obj: bpy.types.Object, mapping: dict[str, str] | None = None) -> None:
    """Write `mapping` (default: the automatic one) as the object's editable mapping, gains kept."""
    mapping = mapping if mapping is not None else auto_mapping(obj)
    rows = obj.deeptalk_arkit.channels
    gains = {row.name: float(row.gain) for row in rows}
    rows.clear()
    for name in arkit_names():
        row = rows.add()
        row.name, row.shape_key, row.gain = name, mapping.get(name, ""), gains.get(name, 1.0)


def jaw_target(obj: bpy.types.Object):
    """(armature object, bone name) when a jaw bone is set, else None."""
    settings = obj.deeptalk_arkit
    arm = settings.jaw_armature
    if arm is None or not settings.jaw_bone:
        return None
    return arm, settings.jaw_bone


def check_mesh_target(obj: bpy.types.Object | None) -> str | None:
    """None if `obj` can receive ARKit animation, else one sentence saying what to do."""
    if obj is None:
        return "no ARKit character: pick its face mesh in the DEEPTalk ARKit Character panel"
    if obj.type != "MESH":
        return f"{obj.name!r} is not a mesh; pick the character's face mesh (the one with the shape keys)"
    keys = shape_key_names(obj)
    if not keys:
        return (f"{obj.name!r} has no shape keys; add ARKit-named shape keys (jawOpen, eyeBlinkLeft, ...) "
                "or import an ICT-FaceKit head")
    if not channels(obj):
        return (f"none of the {len(keys)} shape keys of {obj.name!r} matches an ARKit name (e.g. {keys[0]!r}); "
                "rename them or set the mapping in the DEEPTalk ARKit Character panel")
    jaw = jaw_target(obj)
    if jaw is not None:
        arm, bone = jaw
        if arm.type != "ARMATURE" or bone not in arm.pose.bones:
            return f"{arm.name!r} has no bone {bone!r}; pick the jaw bone again or clear it"
        if arm.pose.bones[bone].rotation_mode != "QUATERNION":
            return f"set the rotation mode of the jaw bone {bone!r} to Quaternion, or clear the jaw bone"
    return None


def animated_ids(obj: bpy.types.Object) -> list[bpy.types.ID]:
    """The IDs a take on this mesh animates: its shape keys, the mesh object, the jaw armature."""
    key = obj.data.shape_keys
    jaw = jaw_target(obj)
    return ([key] if key is not None else []) + [obj] + ([jaw[0]] if jaw is not None else [])


def controls(obj: bpy.types.Object):
    """The object's animator controls (`Object.deeptalk_controls`) as an `ArkitControls`."""
    return flame_controls.object_controls(obj)


def bake_mesh(obj: bpy.types.Object, request: bake.BakeRequest, arkit: np.ndarray, *,
              replace: bool = False) -> bake.BakeOutcome:
    """Bake the takes' ARKit weights `(takes, T, 52)` onto `obj`; all or nothing (see module doc)."""
    problem = check_mesh_target(obj)
    if problem:
        raise ValueError(problem)
    arkit = np.asarray(arkit, dtype=np.float64)
    names = arkit_names()
    if arkit.shape[:1] != (len(request.seeds),) or arkit.shape[2:] != (len(names),) or arkit.shape[1] < 1:
        raise ValueError(f"ARKit weights must be ({len(request.seeds)}, T, {len(names)}), got {arkit.shape}")
    ctl_module, ctl = backend_locator.arkit_controls(), controls(obj)
    mapped = channels(obj)
    key = obj.data.shape_keys
    jaw = jaw_target(obj)
    targets = animated_ids(obj)
    count = min(request.frame_count, arkit.shape[1], request.exp.shape[1])
    frames = request.first_frame + np.arange(count, dtype=np.float64) * request.frame_step
    quats = None
    if jaw is not None:
        bone_rest = np.array(jaw[0].data.bones[jaw[1]].matrix_local.to_3x3(), dtype=np.float64)
        jaw_axis = np.asarray(request.jaw)[:, :count].reshape(-1, 3) * float(ctl.strength * ctl.mouth)
        quats = axes.flame_jaw_to_bone_quaternion(jaw_axis, bone_rest).reshape(-1, count, 4)
    track = request.emotion_track
    has_track = track is not None and np.asarray(track).size > 0 and bool(request.emotions)
    emotion_frames = (emotion_track.key_times(len(track), request.first_frame, request.fps * request.frame_step,
                                              frames[-1]) if has_track else None)

    old_takes = takes.strip_takes(obj, request.clip)
    outcome = bake.BakeOutcome(rig=obj, superseded=old_takes if replace else [],
                               previous_mute=[(t, t.mute) for old in old_takes for _, t in old.tracks])
    first_number = 1 + max((t.number for t in old_takes), default=0)
    try:
        if has_track:
            outcome.new_props = emotion_track.ensure_properties(obj, request.emotions)
        for take_index, seed in enumerate(request.seeds):
            number = first_number + take_index
            weights = ctl_module.apply_controls(arkit[take_index, :count], names, ctl, request.fps)  # (N, 52)
            take = compat.new_take_action(f"{request.clip}.take{number}.seed{seed}", targets)
            outcome.actions.extend(a for a in take.unique_actions() if a not in outcome.actions)
            for channel in mapped:
                values = weights[:, channel.index] * channel.gain
                kept = ctl_module.reduce_keys(values, ctl.key_tolerance)
                path = f'key_blocks["{bpy.utils.escape_identifier(channel.key)}"].value'
                bake.write_fcurve(take.fcurves(key), path, 0, GROUP, frames[kept], values[kept])
            if quats is not None:
                path = f'pose.bones["{bpy.utils.escape_identifier(jaw[1])}"].rotation_quaternion'
                for component in range(4):
                    bake.write_fcurve(take.fcurves(jaw[0]), path, component, JAW_GROUP, frames,
                                      quats[take_index, :, component])
            if has_track:
                emotion_track.write_curves(take.fcurves(obj), request.emotions, track, emotion_frames,
                                           bake.write_fcurve)
            for action in take.unique_actions():
                bake._store_properties(action, request, number, seed, frames)
                action[TARGET_PROP] = "arkit"
            take.unique_actions()[0][WEIGHTS_PROP] = weights.astype(np.float32).ravel().tolist()
            for target in targets:
                outcome.tracks.append((target, compat.add_nla_strip(
                    target, track_name=f"DEEPTalk {request.clip} take {number}", action=take.action(target),
                    slot=take.slot(target), start=math.floor(request.first_frame))))
        takes.use_take(obj, request.clip, first_number)
    except Exception:
        bake.rollback(outcome)
        raise
    return outcome


def take_weights(take: takes.Take) -> tuple[np.ndarray, float]:
    """The (T, 52) weights a take was baked with and its frame rate; ValueError if it has none."""
    for action in take.actions:
        if WEIGHTS_PROP in action.keys():
            flat = np.asarray(action[WEIGHTS_PROP], dtype=np.float64)
            return flat.reshape(-1, len(arkit_names())), float(action.get("deeptalk_fps", 25.0))
    raise ValueError(f"take {take.number} of {take.clip!r} holds no ARKit weights (it was not baked by DEEPTalk "
                     "onto an ARKit character)")
