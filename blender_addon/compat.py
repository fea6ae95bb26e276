"""Blender API differences between 4.2 LTS and 5.x in one place, found by probing the API.

Nothing here compares version numbers: each helper asks the running Blender what it has.
- Slotted actions (4.4+): `Action.slots` exists. One action then carries a slot per
  target ID and its fcurves live in channelbags (layer -> keyframe strip -> channelbag).
  4.4/4.5 still offer a legacy `Action.fcurves` proxy (first slot only) that must not be
  used for more than one target; 5.0 removed it. Without slots (4.2, 4.3) there is one
  action per animated ID with `action.fcurves`. `TakeAction` hides the difference.
- Channelbags: 5.0 has `bpy_extras.anim_utils.action_ensure_channelbag_for_slot`; 4.4/4.5
  create one through `strip.channelbag(slot, ensure=True)` or `strip.channelbags.new(slot)`.
- `fcurves.new` takes `action_group` (legacy actions) or `group_name` (channelbags,
  5.0+; 4.4/4.5 have no group argument there): read from the function's RNA parameters.
- VSE: `.strips` / `.strips_all` (5.0) or `.sequences` / `.sequences_all` (4.2-4.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import bpy

HAS_SLOTS = "slots" in bpy.types.Action.bl_rna.properties


# ---------------------------------------------------------------------------- VSE


def all_strips(scene: bpy.types.Scene) -> list:
    """Every strip of the scene (meta strips included), or [] without a sequence editor."""
    editor = scene.sequence_editor
    if editor is None:
        return []
    return list(editor.strips_all if hasattr(editor, "strips_all") else editor.sequences_all)


def sound_strips(scene: bpy.types.Scene) -> list:
    """Sound strips with a sound, in timeline order."""
    strips = [s for s in all_strips(scene) if s.type == "SOUND" and s.sound is not None]
    return sorted(strips, key=lambda s: (s.frame_final_start, s.channel, s.name))


def find_strip(scene: bpy.types.Scene, name: str):
    """The strip called `name`, or None."""
    return next((s for s in all_strips(scene) if s.name == name), None)


def active_strip(scene: bpy.types.Scene):
    editor = scene.sequence_editor
    return editor.active_strip if editor is not None else None


def new_sound_strip(scene: bpy.types.Scene, *, name: str, filepath: str, channel: int, frame_start: int):
    """Add a sound strip (creating the sequence editor if needed)."""
    editor = scene.sequence_editor_create()
    collection = editor.strips if hasattr(editor, "strips") else editor.sequences
    return collection.new_sound(name, filepath, channel, frame_start)


# ---------------------------------------------------------------------------- actions


@dataclass
class TakeAction:
    """The action(s) of one take: one per target ID on 4.2, one shared action on 4.4+."""

    actions: dict[str, bpy.types.Action] = field(default_factory=dict)  # target key -> action
    slots: dict[str, object] = field(default_factory=dict)  # target key -> ActionSlot (4.4+)
    _fcurves: dict[str, object] = field(default_factory=dict)  # target key -> fcurve collection

    def fcurves(self, target: bpy.types.ID):
        return self._fcurves[_key(target)]

    def action(self, target: bpy.types.ID) -> bpy.types.Action:
        return self.actions[_key(target)]

    def slot(self, target: bpy.types.ID):
        return self.slots.get(_key(target))

    def unique_actions(self) -> list[bpy.types.Action]:
        seen: dict[int, bpy.types.Action] = {}
        for action in self.actions.values():
            seen.setdefault(action.session_uid, action)
        return list(seen.values())


def _key(target: bpy.types.ID) -> str:
    return f"{target.id_type}:{target.name}"


def new_take_action(name: str, targets: list[bpy.types.ID]) -> TakeAction:
    """Create the action(s) for one take, ready for fcurves on each target."""
    take = TakeAction()
    if HAS_SLOTS:
        action = bpy.data.actions.new(name)
        for target in targets:
            slot = action.slots.new(id_type=target.id_type, name=target.name)
            channelbag = ensure_channelbag(action, slot)
            take.actions[_key(target)] = action
            take.slots[_key(target)] = slot
            take._fcurves[_key(target)] = channelbag.fcurves
        return take
    for index, target in enumerate(targets):
        action = bpy.data.actions.new(name if index == 0 else f"{name} [{target.id_type.lower()}]")
        action.id_root = target.id_type
        take.actions[_key(target)] = action
        take._fcurves[_key(target)] = action.fcurves
    return take


def ensure_channelbag(action: bpy.types.Action, slot):
    """The channelbag holding `slot`'s fcurves in `action` (created with its layer/strip if needed)."""
    try:
        from bpy_extras import anim_utils
    except ImportError:  # pragma: no cover - bpy_extras ships with every Blender
        anim_utils = None
    ensure = getattr(anim_utils, "action_ensure_channelbag_for_slot", None)
    if ensure is not None:
        return ensure(action, slot)
    layer = action.layers[0] if len(action.layers) else action.layers.new("Layer")
    strip = layer.strips[0] if len(layer.strips) else layer.strips.new(type="KEYFRAME")
    if hasattr(strip, "channelbag"):
        return strip.channelbag(slot, ensure=True)
    existing = next((bag for bag in strip.channelbags if bag.slot == slot), None)
    return existing if existing is not None else strip.channelbags.new(slot)


def new_fcurve(fcurves, data_path: str, index: int, group: str):
    """`fcurves.new` with a channel group where this collection's `new` takes one."""
    parameters = fcurves.bl_rna.functions["new"].parameters
    if "action_group" in parameters:  # legacy Action.fcurves
        return fcurves.new(data_path, index=index, action_group=group)
    if "group_name" in parameters:  # channelbag fcurves (5.0+)
        return fcurves.new(data_path, index=index, group_name=group)
    return fcurves.new(data_path, index=index)


def iter_fcurves(action: bpy.types.Action, target: bpy.types.ID | None = None):
    """All fcurves of an action (of the slot for `target`'s type/name when given)."""
    if not HAS_SLOTS:
        yield from action.fcurves
        return
    for layer in action.layers:
        for strip in layer.strips:
            for channelbag in strip.channelbags:
                slot = channelbag.slot
                if target is not None and (slot.target_id_type != target.id_type):
                    continue
                yield from channelbag.fcurves


def animates(action: bpy.types.Action, target: bpy.types.ID) -> bool:
    """Whether `action` has channels for IDs of `target`'s type (a slot on 4.4+, id_root on 4.2)."""
    if HAS_SLOTS:
        return any(slot.target_id_type == target.id_type for slot in action.slots)
    return action.id_root == target.id_type


def find_fcurve(actions: list[bpy.types.Action], target: bpy.types.ID, data_path: str, index: int = 0):
    """The fcurve for `data_path[index]` of `target` among a take's actions, or None."""
    for action in actions:
        if animates(action, target):
            for fcurve in iter_fcurves(action, target):
                if fcurve.data_path == data_path and fcurve.array_index == index:
                    return fcurve
    return None


# ---------------------------------------------------------------------------- NLA


def add_nla_strip(target: bpy.types.ID, *, track_name: str, action: bpy.types.Action, slot, start: int):
    """A new NLA track on `target` holding one strip that plays `action` from frame `start`."""
    anim = target.animation_data or target.animation_data_create()
    track = anim.nla_tracks.new()
    track.name = track_name
    strip = track.strips.new(track_name, start, action)
    if slot is not None and hasattr(strip, "action_slot"):
        strip.action_slot = slot
    strip.extrapolation = "NOTHING"
    strip.blend_type = "REPLACE"
    return track
