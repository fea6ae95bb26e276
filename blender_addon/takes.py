"""Takes of a clip on a rig: find them, pick the active one, remove them.

A take is the set of NLA tracks (on the face's shape keys and on the rig object) whose
strip plays an action tagged with `deeptalk_clip` / `deeptalk_take`. The active take's
tracks are unmuted; every other take of the same clip is muted. A take's idle-layer
tracks (actions also tagged `deeptalk_idle`, see `idle_bake`) are kept apart in
`idle_tracks`: they follow the take's mute state when a take is chosen, but muting one by
hand does not make its take inactive.

Takes follow their sound strip, not its name: the strip carries a stable id
(`deeptalk_clip_id`, set when it is first animated) that its takes' actions record too,
so renaming the strip keeps its takes. Takes without an id (imports, older files) match
by name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import bpy

from . import rig as rig_mod

CLIP_PROP = "deeptalk_clip"
TAKE_PROP = "deeptalk_take"
IDLE_PROP = "deeptalk_idle"  # on idle-layer actions: the layer's name
CLIP_ID_PROP = "deeptalk_clip_id"
SEED_PROP = "deeptalk_seed"


@dataclass
class Take:
    clip: str
    number: int  # 1-based, in creation order
    seed: int
    clip_id: str = ""  # the strip's stable id ("" for imports and older takes)
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
                clip_id = str(action.get(CLIP_ID_PROP, ""))
                ident = (clip_id or str(action[CLIP_PROP]), int(action[TAKE_PROP]))
                if IDLE_PROP in action.keys():
                    idle.append((ident, action, target, track))
                    continue
                take = found.setdefault(ident, Take(clip=str(action[CLIP_PROP]), number=ident[1],
                                                    seed=int(action.get(SEED_PROP, -1)), clip_id=clip_id))
                if action not in take.actions:
                    take.actions.append(action)
                if (target, track) not in take.tracks:
                    take.tracks.append((target, track))
    for ident, action, target, track in idle:  # idle layers without their take's tracks are left alone
        if ident in found:
            found[ident].idle_actions += [action] if action not in found[ident].idle_actions else []
            found[ident].idle_tracks += [(target, track)] if (target, track) not in found[ident].idle_tracks else []
    return [found[k] for k in sorted(found)]


def strip_id(strip) -> str:
    """The sound strip's stable id ("" if it was never animated); never writes (safe in draw)."""
    return str(strip.get(CLIP_ID_PROP, "")) if strip is not None else ""


def ensure_strip_id(strip, scene: bpy.types.Scene | None = None) -> str:
    """The strip's stable id, created on first use; a copied strip (same id as another) gets its own."""
    current = strip_id(strip)
    if current and scene is not None:
        from . import compat

        twins = [s for s in compat.all_strips(scene) if s != strip and strip_id(s) == current]
        if twins and _owns_takes_by_name(scene, twins, current) and not _owns_takes_by_name(scene, [strip], current):
            current = ""  # a duplicate of an animated strip: its takes stay with the original
    if not current:
        current = uuid.uuid4().hex
        strip[CLIP_ID_PROP] = current
    return current


def _owns_takes_by_name(scene: bpy.types.Scene, strips: list, clip_id: str) -> bool:
    names = {s.name for s in strips}
    return any(a.get(CLIP_ID_PROP) == clip_id and a.get(CLIP_PROP) in names for a in bpy.data.actions)


def strip_takes(rig: bpy.types.Object, clip: str, clip_id: str = "") -> list[Take]:
    """The takes of one clip, by take number.

    With `clip_id` (a strip's id): the takes recording that id, plus takes named `clip`
    that no existing strip owns (imports, older files, a strip deleted and added again
    under its name). Without it: the takes recorded under the name `clip`.
    """
    if not clip_id:
        found = [take for take in all_takes(rig) if take.clip == clip]
    else:
        live = live_strip_ids()
        found = [take for take in all_takes(rig)
                 if take.clip_id == clip_id or (take.clip == clip and take.clip_id not in live)]
    return sorted(found, key=lambda take: take.number)


def live_strip_ids() -> set[str]:
    """Ids of the strips that exist in any scene (takes of a deleted strip fall back to its name)."""
    from . import compat

    return {strip_id(s) for scene in bpy.data.scenes for s in compat.all_strips(scene)} - {""}


def takes_of_strip(rig: bpy.types.Object, strip) -> list[Take]:
    """The takes of a sound strip, whatever it is called now."""
    return strip_takes(rig, strip.name, strip_id(strip))


def clips(rig: bpy.types.Object) -> list[str]:
    return sorted({take.clip for take in all_takes(rig)})


def active_take(rig: bpy.types.Object, clip: str, clip_id: str = "") -> Take | None:
    return next((take for take in strip_takes(rig, clip, clip_id) if take.active), None)


def count_takes(actions: list[bpy.types.Action]) -> int:
    """How many takes these actions make (4.2 has one action per animated ID and take)."""
    return len({(str(a.get(CLIP_ID_PROP, "")) or str(a.get(CLIP_PROP, "")), int(a.get(TAKE_PROP, 0)))
                for a in actions})


def next_seeds(existing: list[Take], base: int, count: int) -> int:
    """The first seed >= `base` such that seeds first..first+count-1 are used by none of `existing`.

    Animating a strip again with the same settings thus samples new takes instead of
    repeating old ones; with no earlier takes (or all replaced) it is `base` itself.
    """
    used = {take.seed for take in existing}
    first = base
    while any(first + k in used for k in range(count)):
        first += 1
    return first


def use_take(rig: bpy.types.Object, clip: str, number: int, clip_id: str = "") -> Take:
    """Unmute take `number` of `clip` and mute its other takes; raise KeyError if missing."""
    clip_takes = strip_takes(rig, clip, clip_id)
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
