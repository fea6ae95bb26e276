"""Takes of a clip on a rig: find them, pick the active one, remove them.

A take is the set of NLA tracks (on the face's shape keys and on the rig object) whose
strip plays an action tagged with `deeptalk_clip` / `deeptalk_take`. The active take's
tracks are unmuted; every other take of the same clip is muted. A take's idle-layer
tracks (actions also tagged `deeptalk_idle`, see `idle_bake`) are kept apart in
`idle_tracks`: they follow the take's mute state when a take is chosen, but muting one by
hand does not make its take inactive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import bpy

from . import rig as rig_mod

CLIP_PROP = "deeptalk_clip"
TAKE_PROP = "deeptalk_take"
IDLE_PROP = "deeptalk_idle"  # on idle-layer actions: the layer's name


@dataclass
class Take:
    clip: str
    number: int  # 1-based, in creation order
    seed: int
    actions: list[bpy.types.Action] = field(default_factory=list)
    tracks: list[tuple[bpy.types.ID, bpy.types.NlaTrack]] = field(default_factory=list)
    idle_actions: list[bpy.types.Action] = field(default_factory=list)
    idle_tracks: list[tuple[bpy.types.ID, bpy.types.NlaTrack]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.tracks) and not any(track.mute for _, track in self.tracks)

    @property
    def action(self) -> bpy.types.Action:
        return self.actions[0]


def animated_ids(rig: bpy.types.Object) -> list[bpy.types.ID]:
    """The IDs a take animates: the face's shape keys and the rig object (an ARKit character mesh:
    its shape keys, itself and its jaw armature)."""
    if rig.type == "MESH":
        from . import mesh_target

        return mesh_target.animated_ids(rig)
    key = rig_mod.shape_keys_of(rig)
    return ([key] if key is not None else []) + [rig]


def all_takes(rig: bpy.types.Object) -> list[Take]:
    """Every take on the rig, ordered by clip then take number."""
    found: dict[tuple[str, int], Take] = {}
    idle: list[tuple[tuple[str, int], bpy.types.Action, bpy.types.ID, bpy.types.NlaTrack]] = []
    for target in animated_ids(rig):
        anim = target.animation_data
        if anim is None:
            continue
        for track in anim.nla_tracks:
            for strip in track.strips:
                action = strip.action
                if action is None or CLIP_PROP not in action.keys():
                    continue
                ident = (str(action[CLIP_PROP]), int(action[TAKE_PROP]))
                if IDLE_PROP in action.keys():
                    idle.append((ident, action, target, track))
                    continue
                take = found.setdefault(ident, Take(clip=ident[0], number=ident[1],
                                                    seed=int(action.get("deeptalk_seed", -1))))
                if action not in take.actions:
                    take.actions.append(action)
                if (target, track) not in take.tracks:
                    take.tracks.append((target, track))
    for ident, action, target, track in idle:  # idle layers without their take's tracks are left alone
        if ident in found:
            found[ident].idle_actions += [action] if action not in found[ident].idle_actions else []
            found[ident].idle_tracks += [(target, track)] if (target, track) not in found[ident].idle_tracks else []
    return [found[k] for k in sorted(found)]


def strip_takes(rig: bpy.types.Object, clip: str) -> list[Take]:
    """The takes of one clip, by take number."""
    return [take for take in all_takes(rig) if take.clip == clip]


def clips(rig: bpy.types.Object) -> list[str]:
    return sorted({take.clip for take in all_takes(rig)})


def active_take(rig: bpy.types.Object, clip: str) -> Take | None:
    return next((take for take in strip_takes(rig, clip) if take.active), None)


def use_take(rig: bpy.types.Object, clip: str, number: int) -> Take:
    """Unmute take `number` of `clip` and mute its other takes; raise KeyError if missing."""
    clip_takes = strip_takes(rig, clip)
    chosen = next((take for take in clip_takes if take.number == number), None)
    if chosen is None:
        raise KeyError(f"{clip!r} has no take {number} (takes: {[t.number for t in clip_takes]})")
    for take in clip_takes:
        for _, track in take.tracks + take.idle_tracks:
            track.mute = take is not chosen
    return chosen


def remove_takes(rig: bpy.types.Object, clip_takes: list[Take]) -> None:
    """Delete the tracks of `clip_takes` and their actions when nothing else uses them."""
    for take in clip_takes:
        for target, track in take.tracks + take.idle_tracks:
            target.animation_data.nla_tracks.remove(track)
        for action in take.actions + take.idle_actions:
            if action.users == 0:
                bpy.data.actions.remove(action)
