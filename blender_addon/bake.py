"""Motion -> one Action per take (expression keys, jaw quaternion, emotion track) on the NLA.

Keys are written with `keyframe_points.add` + `foreach_set` (~250x faster than per-frame
`keyframe_insert`). Each take's action animates the face's shape keys and the rig
object (jaw bone + emotion properties); each take is an NLA track on both IDs holding
one strip over the clip's frames. The newest take is active, the others are muted.
Everything is validated before the first datablock is created; if writing fails half
way, what was created is removed again, so the file is left as it was. With `idle` set,
each take also gets its idle layer (blinks, eyes, head) on tracks of its own (`idle_bake`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

import bpy

from . import (axes, compat, emotion_readout, emotion_track, expression_layer, flame_controls, idle_bake, idle_motion,
               rig as rig_mod, takes)

EXPRESSION_GROUP = "DEEPTalk expression"
JAW_GROUP = "DEEPTalk jaw"
_LINEAR = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value


@dataclass(frozen=True)
class BakeRequest:
    """One clip's motion to bake onto a rig.

    exp (takes, T, 50) / jaw (takes, T, 3) FLAME axis-angle; sample i goes on timeline
    frame `first_frame + i * frame_step` for i < frame_count.
    """

    clip: str  # name of the sound strip (or imported file) the takes belong to
    exp: np.ndarray  # (takes, T, 50)
    jaw: np.ndarray  # (takes, T, 3)
    seeds: tuple[int, ...]
    fps: float
    first_frame: float
    frame_count: int
    frame_step: float  # timeline frames per sample: scene fps / motion fps (1 for backend results)
    knobs: dict  # alpha, temperatures, emotion override ... stored on each action
    emotions: tuple[str, ...] = ()
    emotion_track: np.ndarray | None = None  # (S, K) per-second probabilities
    emotion_summary: emotion_track.EmotionSummary | None = None
    idle: idle_motion.IdleOptions | None = None  # the idle layer's switches; None = no idle layer
    speech_energy: np.ndarray | None = None  # (T,) per-sample speech energy in [0, 1], if the file has it
    clip_id: str = ""  # the sound strip's stable id (takes.ensure_strip_id); "" for imports
    face_emotion: np.ndarray | None = None  # (takes, K) what each take's face expresses (FER), if the file has it

    def __post_init__(self) -> None:
        exp, jaw = np.asarray(self.exp), np.asarray(self.jaw)
        if exp.ndim != 3 or exp.shape[2] != 50 or jaw.shape != exp.shape[:2] + (3,):
            raise ValueError(f"motion shapes do not match: exp {exp.shape}, jaw {jaw.shape}")
        if len(self.seeds) != exp.shape[0]:
            raise ValueError("one seed per take is required")
        if not (np.isfinite(exp).all() and np.isfinite(jaw).all()):
            raise ValueError("motion holds NaN or infinite values")
        if self.frame_count < 1 or not math.isfinite(self.first_frame):
            raise ValueError("nothing to bake")
        if not (math.isfinite(self.frame_step) and self.frame_step > 0):
            raise ValueError("frame_step must be positive")


def write_fcurve(fcurves, data_path: str, index: int, group: str, frames: np.ndarray, values: np.ndarray):
    """A new fcurve with one LINEAR key per (frame, value), written in bulk."""
    fcurve = compat.new_fcurve(fcurves, data_path, index, group)
    count = len(frames)
    co = np.empty(2 * count, dtype=np.float32)
    co[0::2], co[1::2] = frames, values
    fcurve.keyframe_points.add(count)
    fcurve.keyframe_points.foreach_set("co", co)
    fcurve.keyframe_points.foreach_set("interpolation", np.full(count, _LINEAR, dtype=np.int32))
    fcurve.update()
    return fcurve


@dataclass
class BakeOutcome:
    """What one `bake` created and changed, so a batch can be committed or rolled back."""

    rig: bpy.types.Object
    actions: list = field(default_factory=list)  # new actions, first = active take
    tracks: list = field(default_factory=list)  # (ID, NlaTrack) created
    new_props: list = field(default_factory=list)  # emotion properties created on the rig
    previous_mute: list = field(default_factory=list)  # (NlaTrack, mute) of the clip's older takes
    superseded: list = field(default_factory=list)  # older takes to delete on commit (replace)
    idle_actions: list = field(default_factory=list)  # new idle-layer actions (not counted as takes)


def bake(rig: bpy.types.Object, request: BakeRequest, *, replace: bool = False) -> BakeOutcome:
    """Bake all takes of `request` onto `rig` and make its first new take active.

    Older takes of the clip are muted (deleted by `commit` when `replace`). On error,
    everything created is removed again before the exception propagates.
    """
    problem = rig_mod.check_rig(rig)
    if problem:
        raise ValueError(problem)
    key = rig_mod.shape_keys_of(rig)
    key_names = rig_mod.expression_keys(rig)
    count = min(request.frame_count, request.exp.shape[1])
    frames = request.first_frame + np.arange(count, dtype=np.float64) * request.frame_step  # (N,)
    controls = flame_controls.object_controls(rig)  # strength, region gains, smoothing, key reduction
    exp, jaw = flame_controls.controlled_motion(rig, np.asarray(request.exp)[:, :count],
                                                np.asarray(request.jaw)[:, :count], request.fps, controls)
    quats = axes.flame_jaw_to_bone_quaternion(jaw.reshape(-1, 3), rig_mod.jaw_rest(rig)).reshape(-1, count, 4)
    track = request.emotion_track
    has_track = track is not None and np.asarray(track).size > 0 and bool(request.emotions)
    if has_track and np.asarray(track).shape[1] != len(request.emotions):
        raise ValueError("emotion track columns do not match the emotion names")
    scene_fps = request.fps * request.frame_step  # timeline frames per second
    emotion_frames = emotion_track.key_times(len(track), request.first_frame, scene_fps,
                                             frames[-1]) if has_track else None

    old_takes = takes.strip_takes(rig, request.clip, request.clip_id)
    outcome = BakeOutcome(rig=rig, superseded=old_takes if replace else [],
                          previous_mute=[(t, t.mute) for old in old_takes for _, t in old.tracks + old.idle_tracks])
    first_number = 1 + max((t.number for t in old_takes), default=0)  # numbers are never reused
    split = expression_layer.split_of(rig)  # None: the take keeps its expression channels (no intensity layer)
    try:
        if has_track:
            outcome.new_props = emotion_track.ensure_properties(rig, request.emotions)
        for take_index, seed in enumerate(request.seeds):
            number = first_number + take_index
            take = compat.new_take_action(f"{request.clip}.take{number}.seed{seed}", [key, rig])
            outcome.actions.extend(a for a in take.unique_actions() if a not in outcome.actions)
            layer = expression_layer.new_layer_action(take.action(key).name, key) if split else None
            if layer is not None:
                outcome.actions.append(layer.action(key))
            for component in range(50):
                values = exp[take_index, :, component]
                kept = flame_controls.kept_keys(values, controls.key_tolerance)
                emotional = layer is not None and component in split.expression
                write_fcurve((layer or take).fcurves(key) if emotional else take.fcurves(key),
                             f'key_blocks["{key_names[component]}"].value', 0,
                             expression_layer.GROUP if emotional else EXPRESSION_GROUP, frames[kept], values[kept])
            rig_curves = take.fcurves(rig)
            kept = flame_controls.kept_keys(quats[take_index], controls.key_tolerance)
            for component in range(4):
                write_fcurve(rig_curves, f'pose.bones["{rig_mod.JAW_BONE}"].rotation_quaternion', component,
                             JAW_GROUP, frames[kept], quats[take_index, kept, component])
            if has_track:
                emotion_track.write_curves(rig_curves, request.emotions, track, emotion_frames, write_fcurve)
            face = (emotion_readout.face_properties(request.emotions, request.face_emotion[take_index])
                    if request.face_emotion is not None and len(request.face_emotion) > take_index else {})
            for action in take.unique_actions() + ([layer.action(key)] if layer else []):
                _store_properties(action, request, number, seed, frames)
                for name, value in face.items():
                    action[name] = value
            for target in (key, rig):
                outcome.tracks.append((target, compat.add_nla_strip(
                    target, track_name=f"DEEPTalk {request.clip} take {number}", action=take.action(target),
                    slot=take.slot(target), start=math.floor(request.first_frame))))
            if layer is not None:
                outcome.tracks.append((key, expression_layer.add_layer_track(
                    key, layer, clip=request.clip, number=number, start=math.floor(request.first_frame))))
            if request.idle is not None:
                idle_bake.bake_idle(rig, idle_bake.IdleTake(
                    clip=request.clip, number=number, seed=seed, frames=frames, fps=request.fps,
                    jaw=np.asarray(request.jaw[take_index, :count], dtype=np.float64),
                    energy=request.speech_energy, clip_id=request.clip_id), request.idle, write_fcurve,
                    created_tracks=outcome.tracks, created_actions=outcome.idle_actions)
        takes.use_take(rig, request.clip, first_number, request.clip_id)
    except Exception:
        rollback(outcome)
        raise
    return outcome


def commit(outcome: BakeOutcome) -> None:
    """Finish a successful bake: delete the takes it supersedes."""
    takes.remove_takes(outcome.rig, outcome.superseded)
    outcome.superseded = []


def rollback(outcome: BakeOutcome) -> None:
    """Undo a bake: remove what it created and restore the older takes' mute flags."""
    for target, nla_track in outcome.tracks:
        target.animation_data.nla_tracks.remove(nla_track)
    for action in outcome.actions + outcome.idle_actions:
        bpy.data.actions.remove(action)
    for prop in outcome.new_props:
        del outcome.rig[prop]
    for nla_track, mute in outcome.previous_mute:
        nla_track.mute = mute
    outcome.tracks, outcome.actions, outcome.new_props, outcome.idle_actions = [], [], [], []


def _store_properties(action: bpy.types.Action, request: BakeRequest, number: int, seed: int,
                      frames: np.ndarray) -> None:
    # a manual frame range starting on a whole frame keeps NLA time == action time
    action.use_frame_range = True
    action.frame_start = math.floor(frames[0])
    action.frame_end = max(math.ceil(frames[-1]), action.frame_start + 1)
    for name, value in request.knobs.items():  # the request's settings ("seed" is the first take's)
        action[f"deeptalk_{'base_seed' if name == 'seed' else name}"] = "" if value is None else value
    action[takes.CLIP_PROP] = request.clip
    action[takes.TAKE_PROP] = number
    if request.clip_id:
        action[takes.CLIP_ID_PROP] = request.clip_id
    action[takes.SEED_PROP] = int(seed)  # this take's seed
    action["deeptalk_fps"] = float(request.fps)
    action["deeptalk_first_frame"] = float(request.first_frame)
    action["deeptalk_frames"] = int(len(frames))
    if request.emotion_summary is not None:
        for name, value in emotion_track.summary_properties(request.emotion_summary).items():
            action[name] = value
