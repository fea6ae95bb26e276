"""One take's idle layer on the NLA: blinks, eyes and head, each its own action and track.

Per enabled layer the take gets an action tagged `deeptalk_idle = <layer>` (plus the take's
clip / number / seed) on an NLA track just above the take's own tracks:
- blinks: sparse keys on the basis's blink shape keys (`idle_channels`), blended ADD, so the
  lids close on top of whatever the take's expression does;
- eyes: both eye bones' quaternions (the same gaze), blended COMBINE (rotations compose);
- head: the neck bone's quaternion, blended COMBINE.
Muting a track removes exactly that layer; its strip's influence scales it. The take's
own actions are never touched. Blender's NLA leaves a channel that no unmuted track
animates at its last evaluated value, so the first eye/head layer on a rig also adds
"DEEPTalk idle rest": identity rotations for the eye and neck bones, blended COMBINE (a
no-op on anything below it), which makes a muted layer return the bones to rest.
Motion comes from `idle_motion` (seeded by the take's seed).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

import bpy

from . import axes, compat, idle_channels, idle_motion, rig as rig_mod, takes

log = logging.getLogger(__name__)

EYE_BONES = ("eye_L", "eye_R")
NECK_BONE = "neck"
POSE_REST_PROP = "deeptalk_idle_rest"
POSE_REST_TRACK = "DEEPTalk idle rest"
GROUPS = {"blinks": "DEEPTalk idle blinks", "eyes": "DEEPTalk idle eyes", "head": "DEEPTalk idle head"}


@dataclass(frozen=True)
class IdleTake:
    """What the idle layer of one take needs to know (times in motion samples)."""

    clip: str
    number: int
    seed: int
    frames: np.ndarray  # (N,) timeline frame of each motion sample
    fps: float  # motion samples per second
    jaw: np.ndarray  # (N, 3) the take's jaw, for an energy estimate when the file has none
    energy: np.ndarray | None  # (N,) speech energy in [0, 1] from the backend, or None
    clip_id: str = ""  # the strip's stable id (takes follow it through renames); "" for imports


def bake_idle(rig: bpy.types.Object, take: IdleTake, options: idle_motion.IdleOptions, write_fcurve, *,
              created_tracks: list, created_actions: list) -> None:
    """Bake the enabled idle layers of `take`; what is created is appended to the lists (for rollback)."""
    count = len(take.frames)
    energy = (np.clip(np.asarray(take.energy, dtype=np.float64)[:count], 0.0, 1.0)
              if take.energy is not None and len(take.energy) >= count else None)
    source = "speech_energy" if energy is not None else "jaw"
    if energy is None:
        energy = idle_motion.energy_from_jaw(take.jaw[:count], take.fps)
    if {"eyes", "head"} & set(options.enabled):
        ensure_pose_rest(rig, created_tracks=created_tracks, created_actions=created_actions)
    for layer in options.enabled:
        rng = idle_motion.layer_rng(take.seed, layer)
        if layer == "blinks":
            curves = _blink_curves(rig, take, energy, rng)
            target, blend = rig_mod.shape_keys_of(rig), "ADD"
        elif layer == "eyes":
            rotation = idle_motion.gaze(count, take.fps, rng, options.strength)
            curves = _bone_curves(rig, EYE_BONES, rotation, take.frames)
            target, blend = rig, "COMBINE"
        else:
            rotation = idle_motion.head(count, take.fps, energy, rng, options.strength)
            curves = _bone_curves(rig, (NECK_BONE,), rotation, take.frames)
            target, blend = rig, "COMBINE"
        if not curves:
            continue
        name = f"{take.clip}.take{take.number}.seed{take.seed}.{layer}"
        action_set = compat.new_take_action(name, [target])
        action = action_set.action(target)
        created_actions.append(action)
        fcurves = action_set.fcurves(target)
        for data_path, index, frames, values in curves:
            write_fcurve(fcurves, data_path, index, GROUPS[layer], frames, values)
        _tag(action, take, layer, options, source)
        track = compat.add_nla_strip(target, track_name=f"DEEPTalk {take.clip} take {take.number} {layer}",
                                     action=action, slot=action_set.slot(target),
                                     start=math.floor(take.frames[0]))
        created_tracks.append((target, track))
        track.strips[0].blend_type = blend


def ensure_pose_rest(rig: bpy.types.Object, *, created_tracks: list, created_actions: list) -> None:
    """Add the rig's idle rest track (identity eye and neck rotations, COMBINE, held) if it has none."""
    anim = rig.animation_data
    if anim is not None and any(s.action is not None and POSE_REST_PROP in s.action.keys()
                                for track in anim.nla_tracks for s in track.strips):
        return
    action_set = compat.new_take_action(f"{rig.name}.idle_rest", [rig])
    action = action_set.action(rig)
    created_actions.append(action)
    fcurves = action_set.fcurves(rig)
    for bone in (b for b in EYE_BONES + (NECK_BONE,) if b in rig.pose.bones):
        for index in range(4):
            fcurve = compat.new_fcurve(fcurves, f'pose.bones["{bone}"].rotation_quaternion', index, POSE_REST_TRACK)
            fcurve.keyframe_points.add(1)
            fcurve.keyframe_points.foreach_set("co", (1.0, 1.0 if index == 0 else 0.0))
            fcurve.update()
    action[POSE_REST_PROP] = 1
    track = compat.add_nla_strip(rig, track_name=POSE_REST_TRACK, action=action, slot=action_set.slot(rig), start=1)
    created_tracks.append((rig, track))
    track.strips[0].extrapolation = "HOLD"
    track.strips[0].blend_type = "COMBINE"


def _blink_curves(rig: bpy.types.Object, take: IdleTake, energy: np.ndarray, rng: np.random.Generator) -> list:
    basis = idle_channels.basis_of(rig)
    channels = idle_channels.channels_for(basis)
    key = rig_mod.shape_keys_of(rig)
    key_names = rig_mod.expression_keys(rig)
    names = [key_names[i] for i in channels.blink]
    if not names or key is None or any(n not in key.key_blocks for n in names):
        log.info("no blink shape keys for the %r basis: the idle layer keys no blinks", basis)
        return []
    count = len(take.frames)
    events = idle_motion.blinks(count, take.fps, idle_motion.voice_activity(energy, take.fps), rng)
    keys = idle_motion.blink_keys(events, count)  # (K, 2) in samples
    step = (take.frames[-1] - take.frames[0]) / (count - 1) if count > 1 else 1.0
    frames = take.frames[0] + keys[:, 0] * step
    return [(f'key_blocks["{n}"].value', 0, frames, keys[:, 1] * channels.blink_amount) for n in names]


def _bone_curves(rig: bpy.types.Object, bones: tuple[str, ...], rotation: np.ndarray, frames: np.ndarray) -> list:
    curves = []
    for bone in bones:
        if bone not in rig.pose.bones:
            continue
        rest = np.array(rig.data.bones[bone].matrix_local.to_3x3(), dtype=np.float64)
        quats = axes.flame_jaw_to_bone_quaternion(rotation, rest)  # (N, 4)
        curves += [(f'pose.bones["{bone}"].rotation_quaternion', i, frames, quats[:, i]) for i in range(4)]
    return curves


def _tag(action: bpy.types.Action, take: IdleTake, layer: str, options: idle_motion.IdleOptions,
         source: str) -> None:
    action.use_frame_range = True
    action.frame_start = math.floor(take.frames[0])
    action.frame_end = max(math.ceil(take.frames[-1]), action.frame_start + 1)
    action[takes.CLIP_PROP] = take.clip
    if take.clip_id:
        action[takes.CLIP_ID_PROP] = take.clip_id
    action[takes.TAKE_PROP] = take.number
    action[takes.IDLE_PROP] = layer
    action["deeptalk_seed"] = int(take.seed)
    action["deeptalk_idle_strength"] = float(options.strength)
    action["deeptalk_idle_energy"] = source  # "speech_energy" (from the backend) or "jaw" (estimated)
